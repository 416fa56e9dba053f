//===- FmOps.td - Operations of the fm dialect -------------*- tablegen -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_DIALECT_FMOPS_TD
#define FM_DIALECT_FMOPS_TD

include "fm/Dialect/FmAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Fm_SchedulerAttr : Attr<
    CPred<"::llvm::isa<::mlir::fm::SchedulerAttrInterface>($_self)">,
    "flow-matching scheduler"> {
  let storageType = "::mlir::fm::SchedulerAttrInterface";
  let returnType = "::mlir::fm::SchedulerAttrInterface";
  let convertFromStorage = "$_self";
}

//===----------------------------------------------------------------------===//
// Declarative level
//===----------------------------------------------------------------------===//

/// An enum held as a property: printed as a bare keyword in assembly formats
/// (`solver(midpoint)`) and as its `#fm` attribute in the generic form.
class Fm_EnumProp<EnumInfo info, Attr attrForm>
    : EnumPropWithAttrForm<info, attrForm> {
  let storeInCustomAttribute = 1;
}

def Fm_OptimizerAttr : AnyAttrOf<[Fm_AdamAttr, Fm_AdamWAttr],
                                 "optimizer (#fm.adam or #fm.adamw)">;
def Fm_TimeDistributionAttr
    : AnyAttrOf<[Fm_UniformTimeAttr, Fm_LogitNormalTimeAttr],
                "time distribution (#fm.uniform or #fm.logit_normal)">;

def Fm_FlowOp : Fm_Op<"flow", [
    Symbol, HasParent<"::mlir::ModuleOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Declares a flow: a velocity network on a probability path";
  let description = [{
    The model of the declarative level: a velocity network, the affine
    probability path it is trained on (any `#fm` scheduler), the source
    distribution (`gaussian`: x0 ~ N(0, I)) and the shape D of one data
    sample. `fm.trainer` and `fm.sampler` refer to it; `fm-expand-flow`
    turns it into loop-level functions.

    The network is an ordinary `func.func` (written by hand or by any
    frontend producing linalg on tensors) with the signature

    ```
    (x: tensor<N x D x f32>, t: tensor<N x f32>, params...) -> tensor<N x D x f32>
    ```

    where N is `?` or a static batch size, and the parameters are
    statically shaped f32 tensors of rank ≥ 1. A parameter's name (in
    checkpoints) is its `fm.name` argument attribute, or `param.<i>`.
    Parameters are initialized as PyTorch's `nn.Linear` and `nn.Conv`
    layers are: U(−1/√fan_in, 1/√fan_in), where a weight's fan_in is the
    product of its dimensions after the first (`[out, in]` layout) and a
    1-D parameter (a bias) takes the fan_in of the nearest weight before
    it.

    `fm-expand-flow` generates the flow's initializer

    ```
    @init(seed: i64) -> (params...)
    ```

    drawing parameter i from Philox stream 100 + i of `seed`.

    Example:

    ```mlir
    func.func @velocity(%x: tensor<?x2xf32>, %t: tensor<?xf32>,
                        %w: tensor<2x2xf32> {fm.name = "net.weight"},
                        %b: tensor<2xf32> {fm.name = "net.bias"})
        -> tensor<?x2xf32> { ... }
    fm.flow @moons network(@velocity) path(#fm.cond_ot) source(gaussian)
        data_shape [2]
    ```

    **Mean flows (MeanFlow).** With `kind(mean)` the network is an
    average velocity u(z, r, t), with the signature

    ```
    (z: tensor<N x D x f32>, r: tensor<N x f32>, t: tensor<N x f32>,
     params...) -> tensor<N x D x f32>
    ```

    Time convention: the library's, noise at 0 and data at 1, so on the
    CondOT path z_t = (1 − t)·x0 + t·x1 and v = x1 − x0. u(z, r, t) is the
    average velocity from the state z at time t to time r:

    ```
    u(z_t, r, t) = 1/(r − t) · ∫_t^r v(z_τ, τ) dτ,   so z_r = z_t + (r − t)·u
    ```

    Differentiating (r − t)·u = ∫_t^r v along the trajectory in t (z moving
    with v, r fixed) gives MeanFlow's identity, and with it its one-step
    map, in the same form as the paper's:

    ```
    u(z_t, r, t) = v(z_t, t) − (t − r) · du/dt,   du/dt = v·∂_z u + ∂_t u
    z_r = z_t − (t − r) · u(z_t, r, t)
    ```

    The paper runs time the other way (data at 0); with s = 1 − τ its
    formulas become these verbatim, its t = max and r = min becoming
    t ≤ r here: the state's time t is the noisier, smaller one, and a
    sampler steps from t to r > t, noise to data (one step:
    x1 = z0 + u(z0, 1, 0)). For r = t, u is the velocity v.

    Example:

    ```mlir
    fm.flow @mf network(@u) path(#fm.cond_ot) source(gaussian)
        data_shape [2] kind(mean)
    ```

    **Discrete flows.** With `kind(discrete)` the data are tokens of a
    vocabulary of V = `vocabulary(V)` symbols, D = `data_shape` tokens per
    sample, on the mixture path p_t(x | x0, x1) = κ_t·δ_{x1} + (1 − κ_t)·δ_{x0}
    per token, κ_t the `path` scheduler's α_t (`#fm.poly<2.0>` is the
    reference library's `PolynomialConvexScheduler(n=2)`). The source is
    `uniform` (x0 uniform over the V tokens) or `mask` (x0 the mask token V,
    appended to the vocabulary, everywhere). The network is the posterior's
    logits:

    ```
    (x: tensor<N x D x iK>, t: tensor<N x f32>, params...)
        -> tensor<N x D x V' x f32>
    ```

    with iK i32 or i64, and V' = V, or V + 1 with the mask token. Embedding
    weights (parameters that an `fm.embedding` of the network reads) are
    initialized N(0, 1), as PyTorch's `nn.Embedding`; the others as above.

    ```mlir
    fm.flow @checkerboard network(@logits) path(#fm.poly<2.0>)
        source(uniform) data_shape [2] kind(discrete) vocabulary(128)
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name, FlatSymbolRefAttr:$network,
    Fm_SchedulerAttr:$path, Fm_EnumProp<Fm_Source, Fm_SourceAttr>:$source,
    DenseI64ArrayAttr:$data_shape,
    DefaultValuedProp<Fm_EnumProp<Fm_FlowKind, Fm_FlowKindAttr>,
                      "::mlir::fm::FlowKind::Velocity">:$kind,
    OptionalAttr<I64Attr>:$vocabulary);
  let assemblyFormat = [{
    $sym_name `network` `(` $network `)` `path` `(` $path `)`
    `source` `(` $source `)` `data_shape` $data_shape
    (`kind` `(` $kind^ `)`)? (`vocabulary` `(` $vocabulary^ `)`)? attr-dict
  }];
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The network function, or null where `network` does not name one.
    ::mlir::func::FuncOp getNetworkFunction();
    /// A discrete flow's number of token values the network sees: the
    /// vocabulary, plus the mask token with the mask source.
    int64_t getTokenCount() {
      return getVocabulary().value_or(0) +
             (getSource() == ::mlir::fm::Source::Mask ? 1 : 0);
    }
    /// The network's inputs before its parameters: (x, t), or (z, r, t)
    /// for a mean flow.
    static unsigned getNumDataInputs(::mlir::fm::FlowKind kind) {
      return kind == ::mlir::fm::FlowKind::Mean ? 3 : 2;
    }
    /// The network's parameter types: its argument types after the data
    /// inputs.
    static ::llvm::ArrayRef<::mlir::Type>
    getParameterTypes(::mlir::func::FuncOp network, ::mlir::fm::FlowKind kind);
    /// Parameter names: `fm.name` where the network gives one, else
    /// `param.<i>`.
    static ::llvm::SmallVector<::std::string>
    getParameterNames(::mlir::func::FuncOp network, ::mlir::fm::FlowKind kind);
    /// The fan_in of parameter `index` for PyTorch's default initialization
    /// (0 for a 1-D parameter with no weight before it).
    static int64_t getFanIn(::mlir::func::FuncOp network,
                            ::mlir::fm::FlowKind kind, unsigned index);
  }];
}

def Fm_TrainerOp : Fm_Op<"trainer", [
    Symbol, HasParent<"::mlir::ModuleOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Declares a training step of a flow";
  let description = [{
    One optimizer step of conditional flow matching on a flow: draw
    x0 ~ source and t ~ `time` for a batch of `batch` data samples x1,
    build (x_t, dx_t) on the flow's path, evaluate the `loss` of the
    network's velocity at (x_t, t) against dx_t, differentiate it with
    respect to the parameters (`fm.vjp`) and apply `optimizer`
    (`#fm.adam<...>` or `#fm.adamw<...>`) to every parameter.

    `fm-expand-flow` replaces it with a function of the same name, the
    entry point `fm-run train` calls (P parameters, D the data shape):

    ```
    @name(P parameters {fm.name}, P first moments, P second moments,
          x1: tensor<batch x D x f32>, seed: i64, step: i64)
        -> (loss: f32, P parameters, P first moments, P second moments)
    ```

    `step` counts from 0 (Adam's step is step + 1). x0 comes from
    `fm.random_normal` stream 0 and t from stream 1 of `seed`, at counter
    offset step × (blocks of x0 + blocks of t), so no step reuses random
    bits. Requires batch > 0, a network with parameters, and, where the
    network has a static batch size, that it is `batch`.

    Example:

    ```mlir
    fm.trainer @train_step flow(@moons) loss(mse)
        optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(256)
    ```

    **MeanFlow.** `loss(meanflow)` trains a flow of kind `mean` (and is
    the only loss such a flow takes), with the settings of the optional
    `meanflow(#fm.meanflow<ratio, p, c>)` clause (defaults 0.25, 1.0,
    0.01). Per row, two times a, b are drawn from `time` (streams 1 and 2)
    and, in the library's convention (see `fm.flow`), t = min(a, b) and
    r = max(a, b); the first round(ratio · batch) rows keep them and the
    others get r = t. With
    z_t and v = dx_t from the path, one `fm.jvp` of the network with
    tangents (v, 0, 1) over (z, r, t) gives u and du/dt, and

    ```
    u_tgt = stopgrad(v − (t − r) · du/dt)
    Δ     = Σ_d (u − u_tgt)²          (per row)
    L     = mean(Δ / stopgrad((Δ + c)^p))
    ```

    The random offset advances by the blocks of x0 and both time draws.

    ```mlir
    fm.trainer @train_step flow(@mf) loss(meanflow)
        optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(256)
        meanflow(#fm.meanflow<ratio = 0.25>)
    ```

    **Discrete flows.** A flow of kind `discrete` trains with
    `loss(generalized_kl)` (`fm.generalized_kl_loss`, the reference
    library's `MixturePathGeneralizedKL`) or `loss(cross_entropy)`. x1 is
    `tensor<batch x D x iK>` (the network's token type). Per step: x0 from
    the source (`fm.random_tokens` stream 0, or the mask token), t from
    `time` (stream 1) scaled by 1 − 10⁻³ as the library's example does, so
    1 − κ_t > 0, and x_t from `fm.mixture_sample` (stream 2); the loss of
    the network's logits at (x_t, t). The random offset advances by the
    blocks of all three draws.

    ```mlir
    fm.trainer @train_step flow(@checkerboard) loss(generalized_kl)
        optimizer(#fm.adam<lr = 1.0e-3>) time(#fm.uniform) batch(4096)
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name, FlatSymbolRefAttr:$flow,
    Fm_EnumProp<Fm_Loss, Fm_LossAttr>:$loss,
    Fm_OptimizerAttr:$optimizer, Fm_TimeDistributionAttr:$time,
    I64Attr:$batch, OptionalAttr<Fm_MeanFlowLossAttr>:$meanflow);
  let assemblyFormat = [{
    $sym_name `flow` `(` $flow `)` `loss` `(` $loss `)`
    `optimizer` `(` $optimizer `)` `time` `(` $time `)`
    `batch` `(` $batch `)` (`meanflow` `(` qualified($meanflow)^ `)`)? attr-dict
  }];
  let hasVerifier = 1;
}

def Fm_SamplerOp : Fm_Op<"sampler", [
    Symbol, HasParent<"::mlir::ModuleOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Declares an ODE sampler of a flow";
  let description = [{
    Integrates the flow's network with fixed steps of `solver` (see
    `fm.integrate`): `forward` from noise at t = 0 to data at t = 1, or
    `reverse` from data back to noise. The time grid is one of

    - no clause: a step count given at run time, equal steps;
    - `steps(n)`: n equal steps, n > 0;
    - `time_grid [...]`: an explicit grid of at least two times in [0, 1],
      increasing for `forward` and decreasing for `reverse`.

    `fm-expand-flow` replaces it with a function of the same name (x has
    the network's x type, `tensor<? x D x f32>` for a dynamic batch):

    ```
    @name(P parameters {fm.name}, x: tensor<N x D x f32>[, steps: index])
        -> tensor<N x D x f32>
    ```

    with the `steps` argument only when the op gives no grid. `fm-run
    sample --solver S` calls `@sample_S` with that argument, so name
    samplers `@sample_<solver>` to drive them from `fm-run`.

    Examples:

    ```mlir
    fm.sampler @sample_midpoint flow(@moons) solver(midpoint)
    fm.sampler @encode flow(@moons) solver(rk4) steps(20) direction(reverse)
    fm.sampler @sample_grid flow(@moons) solver(euler)
        time_grid [0.0, 0.5, 0.8, 1.0]
    ```

    A flow of kind `mean` samples with `solver(meanflow)` (and only with
    it): from t to the next time r of the grid, z_r = z_t − (t − r) ·
    u(z_t, r, t), noise to data (`forward` only). With steps K the grid is
    k/K; `steps(1)` is MeanFlow's one-step generation x1 = z0 + u(z0, 1, 0).

    ```mlir
    fm.sampler @sample_meanflow flow(@mf) solver(meanflow)
    ```

    **Discrete flows.** A flow of kind `discrete` samples with
    `solver(euler)`, the CTMC steps of the reference library's
    `MixtureDiscreteEulerSolver`, forward only, with K steps (`steps(K)` or
    at run time) on the grid t_k = k/K: steps k < K − 1 are
    `fm.mixture_euler_step`s with h = 1/K, and the last one draws
    x ← X1 ~ p₁|ₜ(· | x, t_{K−1}) (the library with `step_size = 1/K` and
    `time_grid = [0, 1 − ε]`, K < 1/ε). `div_free(c)` adds the
    divergence-free term with coefficient c ≥ 0 (default 0). The entry point
    takes the source tokens and draws its own randomness:

    ```
    @name(P parameters {fm.name}, x: tensor<N x D x iK>[, steps: index],
          seed: i64, first_row: i64) -> tensor<N x D x iK>
    ```

    Step k of a call draws from Philox stream 10 of `seed` at offset
    k·2⁴⁰ + first_row·D, the last one from stream 11 at offset
    K·2⁴⁰ + first_row·D/4, so a batch of points sampled in chunks of a
    multiple of 4 rows (`first_row`, the index of the call's first row
    among them all) gets the same tokens as in one call.

    ```mlir
    fm.sampler @sample_euler flow(@checkerboard) solver(euler) div_free(0.5)
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name, FlatSymbolRefAttr:$flow,
    Fm_EnumProp<Fm_SamplerMethod, Fm_SamplerMethodAttr>:$solver,
    OptionalAttr<I64Attr>:$steps, OptionalAttr<DenseF64ArrayAttr>:$time_grid,
    DefaultValuedProp<Fm_EnumProp<Fm_Direction, Fm_DirectionAttr>,
                      "::mlir::fm::Direction::Forward">:$direction,
    OptionalAttr<F64Attr>:$div_free);
  let assemblyFormat = [{
    $sym_name `flow` `(` $flow `)` `solver` `(` $solver `)`
    (`steps` `(` $steps^ `)`)? (`time_grid` $time_grid^)?
    (`direction` `(` $direction^ `)`)? (`div_free` `(` $div_free^ `)`)?
    attr-dict
  }];
  let hasVerifier = 1;
}

def Fm_LikelihoodOp : Fm_Op<"likelihood", [
    Symbol, HasParent<"::mlir::ModuleOp">,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Declares the exact log-likelihood of a flow's data points";
  let description = [{
    The log-density the flow's ODE assigns to data points x1
    (`ODESolver.compute_likelihood` of the reference library): integrates
    the pair (x, ℓ) with fixed steps of `solver` from t = 1 down to t = 0,

    ```
    dx/dt = v(x, t),   dℓ/dt = div v(x, t),   x(1) = x1, ℓ(1) = 0,
    log p1(x1) = log N(x(0); 0, I) + ℓ(0)
    ```

    in nats, one value per point. The divergence is `exact` (D
    Jacobian-vector products of the network, `fm.jvp` with the unit
    tangents e_i and zero tangents for t and the parameters) or
    `hutchinson` (one product with a Rademacher probe z per point:
    zᵀ(J z), unbiased). `steps(n)` fixes n equal steps; without it the
    count is an input. The flow must be of kind velocity with a Gaussian
    source and rank-1 data.

    `fm-expand-flow` replaces it with an entry point of role `likelihood`:

    ```
    @name(P parameters {fm.name}, x: tensor<N x D x f32>[, steps: index]
          [, seed: i64]) -> tensor<N x f32>
    ```

    with `seed` only for `hutchinson` (which needs a static N: its probes
    are drawn with `fm.random_uniform` from Philox stream 0 of the seed).

    Example:

    ```mlir
    fm.likelihood @loglik flow(@moons) solver(midpoint) steps(20)
        divergence(exact)
    ```
  }];
  let arguments = (ins
    SymbolNameAttr:$sym_name, FlatSymbolRefAttr:$flow,
    Fm_EnumProp<Fm_ODEMethod, Fm_ODEMethodAttr>:$solver,
    OptionalAttr<I64Attr>:$steps,
    Fm_EnumProp<Fm_Divergence, Fm_DivergenceAttr>:$divergence);
  let assemblyFormat = [{
    $sym_name `flow` `(` $flow `)` `solver` `(` $solver `)`
    (`steps` `(` $steps^ `)`)? `divergence` `(` $divergence `)` attr-dict
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Loop level
//===----------------------------------------------------------------------===//

def Fm_PathSampleOp : Fm_Op<"path_sample", [
    Pure, AllTypesMatch<["x0", "x1", "x_t", "dx_t"]>]> {
  let summary = "Samples a point of an affine probability path and its velocity";
  let description = [{
    Given source samples `x0`, data samples `x1` and one time per batch row
    `t`, returns the point of the affine path and its conditional velocity:

    ```
    x_t  = σ_t · x0 + α_t · x1
    dx_t = σ̇_t · x0 + α̇_t · x1
    ```

    where (α, σ) is the `scheduler` (any `#fm` scheduler attribute). This is
    `AffineProbPath.sample` of the reference library; `dx_t` is the training
    target of a velocity-predicting network.

    `x0`, `x1` and the results have one ranked float tensor type whose
    leading dimension is the batch. `t` is a 1-D tensor of the same element
    type with one entry per batch row.

    Example:

    ```mlir
    %x_t, %dx_t = fm.path_sample #fm.cond_ot %x0, %x1, %t
        : tensor<256x2xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins
    Fm_SchedulerAttr:$scheduler,
    AnyRankedTensor:$x0,
    AnyRankedTensor:$x1,
    AnyRankedTensor:$t);
  let results = (outs AnyRankedTensor:$x_t, AnyRankedTensor:$dx_t);
  let assemblyFormat = [{
    $scheduler $x0 `,` $x1 `,` $t attr-dict `:` type($x0) `,` type($t)
  }];
  let hasVerifier = 1;
}

def Fm_MSELossOp : Fm_Op<"mse_loss", [
    Pure, AllTypesMatch<["prediction", "target"]>]> {
  let summary = "Mean squared error between a prediction and its target";
  let description = [{
    `mean((prediction − target)²)` over all elements, as the seeds'
    `torch.mean((v − u)**2)`. The result has the tensors' element type.
    Lowered to one reduction; `fm-autodiff` differentiates it like any
    other linalg.

    Example:

    ```mlir
    %loss = fm.mse_loss %v, %dx_t : tensor<256x2xf32> -> f32
    ```
  }];
  let arguments = (ins AnyRankedTensor:$prediction, AnyRankedTensor:$target);
  let results = (outs AnyFloat:$loss);
  let assemblyFormat = [{
    $prediction `,` $target attr-dict `:` type($prediction) `->` type($loss)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Optimizers
//===----------------------------------------------------------------------===//

def Fm_AdamUpdateOp : Fm_Op<"adam_update", [
    Pure, AllTypesMatch<["param", "grad", "exp_avg", "exp_avg_sq",
                         "new_param", "new_exp_avg", "new_exp_avg_sq"]>]> {
  let summary = "One Adam or AdamW step on a parameter tensor";
  let description = [{
    `torch.optim.Adam` (or `AdamW` with `decoupled`) for one parameter, at
    1-based step `step`:

    ```
    g  = grad + weight_decay·param            (Adam only)
    p  = param·(1 − lr·weight_decay)          (AdamW only)
    m' = beta1·m + (1 − beta1)·g
    v' = beta2·v + (1 − beta2)·g²
    p' = p − lr/(1 − beta1^step) · m' / (sqrt(v')/sqrt(1 − beta2^step) + eps)
    ```

    The bias corrections are computed in double precision from `step`, as
    PyTorch does on the host, and rounded to the element type once.
    Requires lr > 0, 0 ≤ beta1, beta2 < 1, eps > 0 and weight_decay ≥ 0.

    Example:

    ```mlir
    %w1, %m1, %v1 = fm.adam_update %w, %dw, %m, %v, %step {lr = 1.0e-2}
        : tensor<64x3xf32>
    ```
  }];
  let arguments = (ins
    AnyRankedTensor:$param, AnyRankedTensor:$grad, AnyRankedTensor:$exp_avg,
    AnyRankedTensor:$exp_avg_sq, I64:$step,
    F64Attr:$lr,
    DefaultValuedAttr<F64Attr, "0.9">:$beta1,
    DefaultValuedAttr<F64Attr, "0.999">:$beta2,
    DefaultValuedAttr<F64Attr, "1.0e-8">:$eps,
    DefaultValuedAttr<F64Attr, "0.0">:$weight_decay,
    UnitAttr:$decoupled);
  let results = (outs AnyRankedTensor:$new_param, AnyRankedTensor:$new_exp_avg,
                      AnyRankedTensor:$new_exp_avg_sq);
  let assemblyFormat = [{
    $param `,` $grad `,` $exp_avg `,` $exp_avg_sq `,` $step attr-dict `:`
    type($param)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// ODE integration
//===----------------------------------------------------------------------===//

def Fm_ODEStepOp : Fm_Op<"ode_step", [
    AllTypesMatch<["x", "next"]>, AllTypesMatch<["t", "h"]>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "One fixed step of an ODE solver on a velocity function";
  let description = [{
    Advances `x` from time `t` to `t + h` along dx/dt = v(x, t) with the
    given method, where v is the function `velocity`:
    `(x, t_rows, params...) -> x`, `t_rows` a 1-D tensor holding t for each
    batch row. `params` (e.g. the network's weights) are passed through. A
    negative `h` integrates backwards (data → noise).

    | method | stages | order |
    |---|---|---|
    | euler | x + h·v(x, t) | 1 |
    | midpoint | x + h·v(x + h/2·v(x, t), t + h/2) | 2 |
    | heun | x + h/2·(k1 + v(x + h·k1, t + h)) | 2 |
    | rk4 | classic Runge–Kutta | 4 |
    | rk38 | 3/8 rule (torchdiffeq's "rk4") | 4 |

    Example:

    ```mlir
    %x1 = fm.ode_step midpoint @velocity(%x, %t, %h)
        params(%w0, %b0 : tensor<64x3xf32>, tensor<64xf32>)
        : tensor<10000x2xf32>, f32
    ```
  }];
  let arguments = (ins
    Fm_ODEMethodAttr:$method, FlatSymbolRefAttr:$velocity,
    AnyRankedTensor:$x, AnyFloat:$t, AnyFloat:$h, Variadic<AnyType>:$params);
  let results = (outs AnyRankedTensor:$next);
  let assemblyFormat = [{
    $method $velocity `(` $x `,` $t `,` $h `)`
    (`params` `(` $params^ `:` type($params) `)`)? attr-dict `:`
    type($x) `,` type($t)
  }];
  let hasVerifier = 1;
}

def Fm_ConvertPredictionOp : Fm_Op<"convert_prediction", [
    Pure, AllTypesMatch<["prediction", "x_t", "result"]>]> {
  let summary = "Converts between velocity, target and epsilon predictions";
  let description = [{
    Given a prediction of kind `from` at the path point `x_t` and time `t`
    (one per batch row), returns the equivalent prediction of kind `to` on
    the affine path of `scheduler` (`AffineProbPath`'s conversions):

    | from → to | result |
    |---|---|
    | target → velocity | (σ̇/σ)·x_t + ((α̇σ − σ̇α)/σ)·x1 |
    | epsilon → velocity | (α̇/α)·x_t + ((σ̇α − α̇σ)/α)·ε |
    | velocity → target | (−σ̇·x_t + σ·u)/(α̇σ − σ̇α) |
    | velocity → epsilon | (−α̇·x_t + α·u)/(σ̇α − α̇σ) |
    | epsilon → target | (x_t − σ·ε)/α |
    | target → epsilon | (x_t − α·x1)/σ |

    Conversions divide by σ_t or α_t, so they are singular where the path
    puts all its mass on the source (α = 0) or on the data (σ = 0).

    Example:

    ```mlir
    %u = fm.convert_prediction #fm.cond_ot %eps from epsilon to velocity
        at %x_t, %t : tensor<256x2xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins
    Fm_SchedulerAttr:$scheduler, AnyRankedTensor:$prediction,
    Fm_PredictionAttr:$from, Fm_PredictionAttr:$to,
    AnyRankedTensor:$x_t, AnyRankedTensor:$t);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $scheduler $prediction `from` $from `to` $to `at` $x_t `,` $t attr-dict
    `:` type($prediction) `,` type($t)
  }];
  let hasVerifier = 1;
}

def Fm_IntegrateOp : Fm_Op<"integrate", [
    AttrSizedOperandSegments, AllTypesMatch<["x", "result"]>,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Integrates a velocity field along a time grid (a sampler)";
  let description = [{
    Solves dx/dt = v(x, t) with fixed steps of `method`, where v is the
    function `velocity` with the signature `fm.ode_step` takes. The time
    grid is either `steps` equal steps from `t0` to `t1` (defaults 0 and 1:
    noise to data; `t0 = 1.0, t1 = 0.0` runs backwards, data to noise), or
    an explicit, strictly monotone `time_grid` of at least two times. This
    is `ODESolver.sample` of the reference library with a fixed-step
    method.

    Examples:

    ```mlir
    // 8 midpoint steps from noise to data.
    %x1 = fm.integrate midpoint @velocity(%x0) steps(%n)
        params(%w : tensor<64x3xf32>) : tensor<?x2xf32>
    // Back from data to noise.
    %z = fm.integrate rk4 @velocity(%x1) steps(%n) {t0 = 1.0, t1 = 0.0}
        : tensor<?x2xf32>
    // An explicit, non-uniform grid.
    %y = fm.integrate euler @velocity(%x0)
        {time_grid = array<f64: 0.0, 0.5, 0.8, 1.0>} : tensor<?x2xf32>
    ```
  }];
  let arguments = (ins
    Fm_ODEMethodAttr:$method, FlatSymbolRefAttr:$velocity,
    AnyRankedTensor:$x, Optional<Index>:$steps, Variadic<AnyType>:$params,
    DefaultValuedAttr<F64Attr, "0.0">:$t0,
    DefaultValuedAttr<F64Attr, "1.0">:$t1,
    OptionalAttr<DenseF64ArrayAttr>:$time_grid);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = [{
    $method $velocity `(` $x `)` (`steps` `(` $steps^ `)`)?
    (`params` `(` $params^ `:` type($params) `)`)? attr-dict `:` type($x)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Random numbers
//===----------------------------------------------------------------------===//

class Fm_RandomOp<string mnemonic, string distribution, string formula>
    : Fm_Op<mnemonic, [Pure]> {
  let summary = "Draws a tensor of " # distribution # " random numbers";
  let description = [{
    Fills the result with }] # distribution # [{ numbers from the Philox4x32-10
    counter-based generator (Salmon et al., SC'11), computed with plain
    integer and float arithmetic so every backend gives the same bits, and
    the runtime's `fmrt::PhiloxStream` reproduces them.

    Element e of the result (row-major) comes from counter block
    b = offset + e / 4: the block's counter is
    {lo32(b), hi32(b), stream, 0} and its key {lo32(seed), hi32(seed)};
    its four 32-bit words x0..x3 give elements 4b..4b+3 as
    }] # formula # [{

    A draw consumes ceil(numElements / 4) counter blocks: advancing
    `offset` by that much per draw (or using distinct `stream`s) never
    reuses random bits. `seed` and `offset` are i64 values, so they can
    change at run time (for example the training step); `stream` is a
    constant that separates independent draws of one step.

    Example:

    ```mlir
    %x0 = fm.random_normal %seed, %offset stream 0 : tensor<256x2xf32>
    %t = fm.random_uniform %seed, %offset stream 1 : tensor<256xf32>
    ```
  }];
  let arguments = (ins I64:$seed, I64:$offset, I32Attr:$stream);
  let results = (outs StaticShapeTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $seed `,` $offset `stream` $stream attr-dict `:` type($result)
  }];
  let extraClassDeclaration = [{
    /// Counter blocks one draw consumes: ceil(numElements / 4).
    int64_t getNumCounterBlocks() {
      return (getType().getNumElements() + 3) / 4;
    }
  }];
}

def Fm_RandomUniformOp : Fm_RandomOp<"random_uniform", "uniform [0, 1)",
    "u = (x >> 8) · 2⁻²⁴, in float32.">;

def Fm_RandomNormalOp : Fm_RandomOp<"random_normal", "standard normal",
    [{two Box–Muller pairs, (x0, x1) → elements 4b, 4b+1 and (x2, x3) → 4b+2,
    4b+3, in float32: u1 = ((a >> 8) + 1) · 2⁻²⁴ (never 0),
    u2 = (b >> 8) · 2⁻²⁴, r = sqrt(−2·log(u1)), θ = 2π·u2, and the pair is
    (r·cos θ, r·sin θ).}]>;

def Fm_RandomLogitNormalOp : Fm_Op<"random_logit_normal", [Pure]> {
  let summary = "Draws logit-normal times in (0, 1)";
  let description = [{
    `sigmoid(mean + std·z)` with z the standard normal numbers that
    `fm.random_normal` draws for the same seed, offset and stream: the
    time distribution of Esser et al.'s rectified-flow training and of
    MeanFlow (`mean`, `std` = (−0.4, 1.0) on ImageNet). Requires a finite
    mean and a finite std > 0.

    Example:

    ```mlir
    %t = fm.random_logit_normal %seed, %offset stream 1
        {mean = -0.4, std = 1.0} : tensor<256xf32>
    ```
  }];
  let arguments = (ins I64:$seed, I64:$offset, I32Attr:$stream,
                       DefaultValuedAttr<F64Attr, "0.0">:$mean,
                       DefaultValuedAttr<F64Attr, "1.0">:$std);
  let results = (outs StaticShapeTensorOf<[F32]>:$result);
  let assemblyFormat = [{
    $seed `,` $offset `stream` $stream attr-dict `:` type($result)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Discrete data
//===----------------------------------------------------------------------===//

def Fm_RandomTokensOp : Fm_Op<"random_tokens", [Pure]> {
  let summary = "Draws tokens uniform over a vocabulary";
  let description = [{
    Fills the result with tokens uniform over [0, `vocabulary`): the source
    samples of a discrete flow with the `uniform` source. Element e takes
    the 32-bit word x that `fm.random_uniform` takes for it at the same
    seed, offset and stream (word e mod 4 of Philox counter block
    offset + ⌊e / 4⌋), and maps it by multiply-shift:
    token = ⌊x · vocabulary / 2³²⌋. For a vocabulary that is a power of two
    this is exactly uniform (the top bits of x); otherwise each token's
    probability is within vocabulary / 2³² of 1/vocabulary.

    A draw consumes ceil(numElements / 4) counter blocks, as the other
    random ops. The vocabulary must be in [1, 2³¹) (a token fits an i32).

    Example:

    ```mlir
    %x0 = fm.random_tokens %seed, %offset stream 0 vocabulary 128
        : tensor<4096x2xi64>
    ```
  }];
  let arguments = (ins I64:$seed, I64:$offset, I32Attr:$stream,
                       I64Attr:$vocabulary);
  let results = (outs StaticShapeTensorOf<[I32, I64]>:$result);
  let assemblyFormat = [{
    $seed `,` $offset `stream` $stream `vocabulary` $vocabulary attr-dict `:`
    type($result)
  }];
  let hasVerifier = 1;
}

def Fm_MixtureSampleOp : Fm_Op<"mixture_sample", [
    Pure, AllTypesMatch<["x0", "x1", "x_t"]>]> {
  let summary = "Samples a point of a discrete mixture path";
  let description = [{
    Given source tokens `x0`, data tokens `x1` and one time per batch row
    `t`, draws the point x_t of the mixture path
    `p_t(x | x0, x1) = κ_t·δ_{x1}(x) + (1 − κ_t)·δ_{x0}(x)` independently
    per token, as `MixtureDiscreteProbPath.sample` of the reference
    library: x_t = x1 where u < κ_t and x0 elsewhere, with u the uniform
    that `fm.random_uniform` draws for the same element at the same seed,
    offset and stream. κ_t is the `scheduler`'s α_t (`#fm.poly<2.0>`
    is the library's `PolynomialConvexScheduler(n=2)`, κ_t = t²; any
    scheduler attribute works), so κ_0 = 0 gives x0 and κ_1 = 1 gives x1.

    `x0`, `x1` and the result have one statically shaped tensor type of i32
    or i64 tokens whose leading dimension is the batch; `t` is a 1-D f32
    tensor with one entry per batch row. A draw consumes
    ceil(numElements / 4) counter blocks.

    Example:

    ```mlir
    %x_t = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %t, %seed, %offset
        stream 2 : tensor<4096x2xi64>, tensor<4096xf32>
    ```
  }];
  let arguments = (ins
    Fm_SchedulerAttr:$scheduler,
    StaticShapeTensorOf<[I32, I64]>:$x0,
    StaticShapeTensorOf<[I32, I64]>:$x1,
    RankedTensorOf<[F32]>:$t,
    I64:$seed, I64:$offset, I32Attr:$stream);
  let results = (outs StaticShapeTensorOf<[I32, I64]>:$x_t);
  let assemblyFormat = [{
    $scheduler $x0 `,` $x1 `,` $t `,` $seed `,` $offset `stream` $stream
    attr-dict `:` type($x0) `,` type($t)
  }];
  let hasVerifier = 1;
}

def Fm_RandomCategoricalOp : Fm_Op<"random_categorical", [Pure]> {
  let summary = "Draws one token per row of category weights";
  let description = [{
    For each token position of `probs` [..., V] (the weights of V
    categories, not necessarily normalized, all ≥ 0), draws one category
    by inverse CDF: the smallest v with w_0 + … + w_v > u·Σw, where u is
    the uniform `fm.random_uniform` draws at the same seed, offset and
    stream for that position of the result's shape. Where rounding leaves
    u·Σw at or above the last partial sum, the last category with a
    nonzero weight is drawn. A draw consumes ceil(numTokens / 4) counter
    blocks. The result holds i32 or i64 tokens of `probs`' shape without
    its last dimension; only the leading (batch) dimension may be dynamic.

    Example:

    ```mlir
    %x1 = fm.random_categorical %p, %seed, %offset stream 5
        : tensor<10000x2x128xf32> -> tensor<10000x2xi64>
    ```
  }];
  let arguments = (ins RankedTensorOf<[F32]>:$probs, I64:$seed,
                       I64:$offset, I32Attr:$stream);
  let results = (outs RankedTensorOf<[I32, I64]>:$result);
  let assemblyFormat = [{
    $probs `,` $seed `,` $offset `stream` $stream attr-dict `:` type($probs)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

def Fm_MixtureEulerStepOp : Fm_Op<"mixture_euler_step", [
    Pure, AllTypesMatch<["x_t", "result"]>]> {
  let summary = "One step of the CTMC sampler of a discrete mixture path";
  let description = [{
    One non-final step of `MixtureDiscreteEulerSolver` from t to t + h,
    per token, with p = `probs` (the posterior p₁|ₜ over the vocabulary V,
    [..., V]), κ the `scheduler`'s α_t and c = `div_free` ≥ 0:

    1. X1 ~ Cat(p);
    2. u_y = κ̇/(1 − κ)·δ_{X1}(y), plus, where c > 0, the divergence-free
       term c·κ̇/(κ(1 − κ))·((1 − κ)·p0(y) + κ·δ_{X1}(y)), p0 the source:
       1/V for every y (`uniform`) or all mass on the last token
       (`mask`, the mask token V − 1);
    3. u_{x_t} = 0 and λ = Σ_y u_y;
    4. the token jumps with probability 1 − exp(−h·λ), to y ~ Cat(u/λ).

    The last step of a sampler is `fm.random_categorical` of p instead (x ←
    X1). Token e of the result uses counter block offset + e of the stream:
    word 0 draws X1, word 1 the jump and word 2 the new value, each as
    `fm.random_uniform` would turn it into u ∈ [0, 1), and categories by
    inverse CDF as `fm.random_categorical` does. A step consumes numTokens
    blocks. `t` has one time per batch row; only the batch dimension may
    be dynamic. `h` and `div_free` are f32 scalars (a constant, or any function of t the caller computes; the
    verifier rejects a negative constant).

    Example:

    ```mlir
    %x = fm.mixture_euler_step #fm.poly<2.0> source(uniform) %x_t, %p, %t,
        %h, %c, %seed, %offset stream 6
        : tensor<10000x2xi64>, tensor<10000x2x128xf32>, tensor<10000xf32>
    ```
  }];
  let arguments = (ins
    Fm_SchedulerAttr:$scheduler,
    Fm_EnumProp<Fm_Source, Fm_SourceAttr>:$source,
    RankedTensorOf<[I32, I64]>:$x_t,
    RankedTensorOf<[F32]>:$probs,
    RankedTensorOf<[F32]>:$t,
    F32:$h, F32:$div_free,
    I64:$seed, I64:$offset, I32Attr:$stream);
  let results = (outs RankedTensorOf<[I32, I64]>:$result);
  let assemblyFormat = [{
    $scheduler `source` `(` $source `)` $x_t `,` $probs `,` $t `,` $h `,`
    $div_free `,` $seed `,` $offset `stream` $stream attr-dict `:`
    type($x_t) `,` type($probs) `,` type($t)
  }];
  let hasVerifier = 1;
}

def Fm_EmbeddingOp : Fm_Op<"embedding", [Pure]> {
  let summary = "Looks up one row of a weight per token";
  let description = [{
    `result[i..., h] = weight[tokens[i...], h]`: PyTorch's `nn.Embedding`
    applied to i32 or i64 tokens, with `weight` [V, H] (V tokens, H
    features) and a result of the tokens' shape followed by H. A token
    outside [0, V) reads the nearest row (the runtime checks token data
    against the vocabulary before it gets here).

    The op stays through `fm-convert-to-linalg` for `fm-autodiff`: the
    gradient of the weight is a scatter-add of the result's gradient into
    the rows the tokens pick (repeated tokens sum), which no linalg op
    expresses, and the tangent is the lookup of the weight's tangent;
    tokens carry no derivative. `fm-autodiff` then lowers every lookup to a
    gather (`linalg.generic` reading the weight by `tensor.extract`).

    Example:

    ```mlir
    %e = fm.embedding %weight[%tokens]
        : tensor<128x128xf32>, tensor<4096x2xi64> -> tensor<4096x2x128xf32>
    ```
  }];
  let arguments = (ins StaticShapeTensorOf<[AnyFloat]>:$weight,
                       RankedTensorOf<[I32, I64]>:$tokens);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = [{
    $weight `[` $tokens `]` attr-dict `:` type($weight) `,` type($tokens)
    `->` type($result)
  }];
  let hasVerifier = 1;
}

class Fm_SoftmaxFamilyOp<string mnemonic, string what, string formula>
    : Fm_Op<mnemonic, [Pure, SameOperandsAndResultType]> {
  let summary = what # " over the last dimension";
  let description = [{
    }] # formula # [{ over the last dimension of a float tensor of rank ≥ 1
    (the vocabulary of a discrete network's logits [N, D, V]). The lowering
    subtracts the maximum over that dimension first, for range, and marks
    it `fm.stop_gradient`: the result does not depend on it, so its
    derivative is exactly zero.

    Example:

    ```mlir
    %p = fm.}] # mnemonic # [{ %logits : tensor<4096x2x128xf32>
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$input);
  let results = (outs RankedTensorOf<[AnyFloat]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($input)";
  let hasVerifier = 1;
}

def Fm_SoftmaxOp : Fm_SoftmaxFamilyOp<"softmax", "Softmax",
    "exp(x_v) / Σ_w exp(x_w)">;
def Fm_LogSoftmaxOp : Fm_SoftmaxFamilyOp<"log_softmax", "Log-softmax",
    "x_v − log Σ_w exp(x_w)">;

def Fm_GeneralizedKLLossOp : Fm_Op<"generalized_kl_loss", [
    Pure, AllTypesMatch<["x1", "x_t"]>]> {
  let summary = "The generalized KL loss of a discrete mixture path";
  let description = [{
    The training loss of discrete flow matching with a mixture path,
    `MixturePathGeneralizedKL` of the reference library with its default
    mean reduction. With p = softmax(logits) over the vocabulary (the
    network's posterior p₁|ₜ) and κ the `scheduler`'s α_t, per token

    ```
    ℓ = −κ̇_t / (1 − κ_t) · [p(x_t) − δ(x1, x_t) + (1 − δ(x1, x_t))·log p(x1)]
    ```

    and the result is the mean of ℓ over all tokens. `logits` is [N, ...,
    V]; `x1` and `x_t` are i32 or i64 tokens of its shape without the last
    dimension; `t` has one time per batch row, of the logits' element type,
    which is the result's type. Training samples t in [0, 1 − ε) so that
    1 − κ_t > 0.

    Example:

    ```mlir
    %loss = fm.generalized_kl_loss #fm.poly<2.0> %logits, %x1, %x_t, %t
        : tensor<4096x2x128xf32>, tensor<4096x2xi64>, tensor<4096xf32> -> f32
    ```
  }];
  let arguments = (ins
    Fm_SchedulerAttr:$scheduler,
    RankedTensorOf<[AnyFloat]>:$logits,
    RankedTensorOf<[I32, I64]>:$x1,
    RankedTensorOf<[I32, I64]>:$x_t,
    RankedTensorOf<[AnyFloat]>:$t);
  let results = (outs AnyFloat:$loss);
  let assemblyFormat = [{
    $scheduler $logits `,` $x1 `,` $x_t `,` $t attr-dict `:` type($logits) `,`
    type($x1) `,` type($t) `->` type($loss)
  }];
  let hasVerifier = 1;
}

def Fm_CrossEntropyLossOp : Fm_Op<"cross_entropy_loss", [Pure]> {
  let summary = "Mean cross-entropy of logits against target tokens";
  let description = [{
    `mean(−log softmax(logits)[x1])` over all tokens, as
    `torch.nn.functional.cross_entropy` with the vocabulary last: the
    plain alternative to `fm.generalized_kl_loss` for a discrete flow's
    posterior. `logits` is [N, ..., V]; `x1` holds i32 or i64 tokens of its
    shape without the last dimension; the result has the logits' element
    type.

    Example:

    ```mlir
    %loss = fm.cross_entropy_loss %logits, %x1
        : tensor<4096x2x128xf32>, tensor<4096x2xi64> -> f32
    ```
  }];
  let arguments = (ins RankedTensorOf<[AnyFloat]>:$logits,
                       RankedTensorOf<[I32, I64]>:$x1);
  let results = (outs AnyFloat:$loss);
  let assemblyFormat = [{
    $logits `,` $x1 attr-dict `:` type($logits) `,` type($x1) `->` type($loss)
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// Differentiation
//===----------------------------------------------------------------------===//

def Fm_VJPOp : Fm_Op<"vjp", [
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Calls a function and returns its vector-Jacobian product";
  let description = [{
    Evaluates the function `callee` on `inputs` and pulls the
    `cotangents` (one per callee result) back through it. The results are
    the callee's results followed by one gradient per input:

    ```
    (y_1..y_m, g_1..g_n),  g_i = Σ_j (∂y_j/∂x_i)ᵀ · ct_j
    ```

    The callee is an ordinary `func.func` on ranked tensors and floats
    written with linalg (named ops and `linalg.generic`), `tensor`, `arith`
    and `math`: a network from any frontend that produces linalg on tensors
    differentiates the same way. `fm-autodiff` replaces the op with a call
    to a generated function `@<callee>_vjp` that recomputes the forward pass
    and runs the reverse sweep. Cotangents are floats or float tensors.
    Inputs may also be integers, indices or tensors of them (tokens, a
    seed, a step): they are never differentiated, and their gradients are
    zeros of their type.

    Example: the gradient of a loss with respect to all network inputs.

    ```mlir
    %loss, %dw, %dx = fm.vjp @loss(%w, %x) cotangents(%one)
        : (tensor<4x3xf32>, tensor<8x3xf32>), (f32)
        -> (f32, tensor<4x3xf32>, tensor<8x3xf32>)
    ```
  }];
  let arguments = (ins
    FlatSymbolRefAttr:$callee,
    Variadic<AnyType>:$inputs,
    Variadic<AnyType>:$cotangents);
  let results = (outs Variadic<AnyType>:$outputs);
  let assemblyFormat = [{
    $callee `(` $inputs `)` `cotangents` `(` $cotangents `)` attr-dict `:`
    `(` type($inputs) `)` `,` `(` type($cotangents) `)` `->`
    `(` type($outputs) `)`
  }];
  let extraClassDeclaration = [{
    /// The callee's results, recomputed.
    ::mlir::ResultRange getPrimalResults() {
      return getOutputs().take_front(getCotangents().size());
    }
    /// One gradient per input, in input order.
    ::mlir::ResultRange getGradients() {
      return getOutputs().drop_front(getCotangents().size());
    }
  }];
}

def Fm_JVPOp : Fm_Op<"jvp", [
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Calls a function and returns its Jacobian-vector product";
  let description = [{
    Evaluates the function `callee` on `inputs` and pushes the `tangents`
    (one per input, of the input's type) forward through it. The results
    are the callee's results followed by one tangent per result:

    ```
    (y_1..y_m, ẏ_1..ẏ_m),  ẏ_j = Σ_i (∂y_j/∂x_i) · ẋ_i
    ```

    The callee is a `func.func` with a body, written with the ops that
    `fm.vjp` accepts. `fm-autodiff` replaces the op with a call to a
    generated function `@<callee>_jvp` that computes the results and their
    tangents in one forward sweep (forward mode). Inputs and results are
    floats, integers or indices, or ranked tensors of them; integers are
    never differentiated: their tangents are ignored and the tangents of
    integer results are zeros.

    Example: MeanFlow's total derivative of the average velocity
    `du/dt = v·∂_z u + ∂_t u`, with no change in r.

    ```mlir
    %u, %dudt = fm.jvp @u(%z, %r, %t) tangents(%v, %zero, %one)
        : (tensor<256x2xf32>, tensor<256xf32>, tensor<256xf32>),
          (tensor<256x2xf32>, tensor<256xf32>, tensor<256xf32>)
        -> (tensor<256x2xf32>, tensor<256x2xf32>)
    ```
  }];
  let arguments = (ins
    FlatSymbolRefAttr:$callee,
    Variadic<AnyType>:$inputs,
    Variadic<AnyType>:$tangents);
  let results = (outs Variadic<AnyType>:$outputs);
  let assemblyFormat = [{
    $callee `(` $inputs `)` `tangents` `(` $tangents `)` attr-dict `:`
    `(` type($inputs) `)` `,` `(` type($tangents) `)` `->`
    `(` type($outputs) `)`
  }];
  let extraClassDeclaration = [{
    /// The callee's results, recomputed.
    ::mlir::ResultRange getPrimalResults() {
      return getOutputs().take_front(getOutputs().size() / 2);
    }
    /// One tangent per callee result, in result order.
    ::mlir::ResultRange getResultTangents() {
      return getOutputs().drop_front(getOutputs().size() / 2);
    }
  }];
  let hasVerifier = 1;
}

def Fm_StopGradientOp : Fm_Op<"stop_gradient", [
    Pure, SameOperandsAndResultType]> {
  let summary = "The identity, through which no derivative flows";
  let description = [{
    Returns its operand. Differentiation treats the result as a constant:
    the reverse mode (`fm.vjp`) passes no adjoint through it to the operand,
    and the forward mode (`fm.jvp`) gives it a zero tangent, as `stopgrad`
    in MeanFlow's target `u_tgt = stopgrad(v − (t−r)·du/dt)` or PyTorch's
    `detach()`. `fm-autodiff` replaces the ops that remain after
    differentiation by their operands. It has no folder, so that
    canonicalization before `fm-autodiff` keeps it.

    Example:

    ```mlir
    %target = fm.stop_gradient %u_tgt : tensor<256x2xf32>
    ```
  }];
  let arguments = (ins AnyTypeOf<[AnyFloat, RankedTensorOf<[AnyFloat]>]>:$input);
  let results = (outs AnyTypeOf<[AnyFloat, RankedTensorOf<[AnyFloat]>]>:$result);
  let assemblyFormat = "$input attr-dict `:` type($result)";
}

#endif // FM_DIALECT_FMOPS_TD
