//===- FmAttrs.td - Attributes of the fm dialect -----------*- tablegen -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_DIALECT_FMATTRS_TD
#define FM_DIALECT_FMATTRS_TD

include "fm/Dialect/FmDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Scheduler interface
//===----------------------------------------------------------------------===//

def Fm_SchedulerAttrInterface : AttrInterface<"SchedulerAttrInterface"> {
  let cppNamespace = "::mlir::fm";
  let description = [{
    A scheduler (α_t, σ_t) of the affine probability path
    `x_t = σ_t·x0 + α_t·x1`. It is evaluated two ways that must agree: in
    double precision for the runtime and the tests (`getScheduler()`), and as
    `arith`/`math` IR on a scalar time value for the lowerings
    (`buildCoefficients`).
  }];
  let methods = [
    InterfaceMethod<[{
        Returns the scheduler as a runtime value: the double-precision
        reference of its math.
      }], "::fmrt::Scheduler", "getScheduler", (ins)>,
    InterfaceMethod<[{
        Emits α_t, σ_t, α̇_t and σ̇_t for the scalar float `t` at the
        builder's insertion point. A coefficient that does not depend on t is
        returned as a FloatAttr of t's type, so callers can fold it.
      }], "::mlir::fm::SchedulerCoefficients", "buildCoefficients",
      (ins "::mlir::OpBuilder &":$builder, "::mlir::Location":$loc,
           "::mlir::Value":$t)>,
  ];
}

//===----------------------------------------------------------------------===//
// Scheduler attributes
//===----------------------------------------------------------------------===//

/// A finite double printed in its shortest round-trip form.
/// A double-precision parameter, held as an APFloat (which, unlike double,
/// hashes) and printed in its shortest round-trip form. With a `default`, the
/// parameter is optional and elided when equal to it.
class Fm_F64Parameter<string desc, string default = "">
    : AttrParameter<"::llvm::APFloat", desc> {
  let comparator = "$_lhs.bitwiseIsEqual($_rhs)";
  let parser = "::mlir::fm::parseF64Parameter($_parser)";
  let printer = "::mlir::fm::printF64Parameter($_printer, $_self)";
  let defaultValue = default;
}

class Fm_SchedulerAttr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<Fm_Dialect, name,
              !listconcat([DeclareAttrInterfaceMethods<Fm_SchedulerAttrInterface>],
                          traits)> {
  let mnemonic = attrMnemonic;
}

def Fm_CondOTAttr : Fm_SchedulerAttr<"CondOT", "cond_ot"> {
  let summary = "Conditional optimal-transport scheduler: α_t = t, σ_t = 1 − t";
  let description = [{
    The straight-line path of rectified flow and conditional OT flow
    matching. Its target velocity is `dx_t = x1 − x0`.

    | α_t | σ_t | α̇_t | σ̇_t |
    |---|---|---|---|
    | t | 1 − t | 1 | −1 |

    Example:

    ```mlir
    %x_t, %dx_t = fm.path_sample #fm.cond_ot %x0, %x1, %t
        : tensor<256x2xf32>, tensor<256xf32>
    ```
  }];
}

def Fm_PolynomialAttr : Fm_SchedulerAttr<"Polynomial", "poly"> {
  let summary = "Polynomial convex scheduler: α_t = tⁿ, σ_t = 1 − tⁿ";
  let description = [{
    `PolynomialConvexScheduler(n)` of the reference library. The exponent n
    must be a finite number greater than zero; n = 1 is `#fm.cond_ot`.

    | α_t | σ_t | α̇_t | σ̇_t |
    |---|---|---|---|
    | tⁿ | 1 − tⁿ | n tⁿ⁻¹ | −n tⁿ⁻¹ |

    Example:

    ```mlir
    #fm.poly<2.0>
    ```
  }];
  let parameters = (ins Fm_F64Parameter<"exponent n">:$exponent);
  let assemblyFormat = "`<` $exponent `>`";
  let genVerifyDecl = 1;
}

def Fm_VPAttr : Fm_SchedulerAttr<"VP", "vp"> {
  let summary = "Variance-preserving scheduler of score-based diffusion";
  let description = [{
    The VP-SDE schedule with a linear β(t) between `beta_min` and `beta_max`
    (defaults 0.1 and 20, as in the reference library), expressed with
    T(t) = ½(1−t)²(β_max−β_min) + (1−t)β_min and T′(t) = −(1−t)(β_max−β_min) − β_min:

    | α_t | σ_t | α̇_t | σ̇_t |
    |---|---|---|---|
    | e^{−T/2} | √(1−e^{−T}) | −½T′e^{−T/2} | ½T′e^{−T}/√(1−e^{−T}) |

    σ_1 = 0, so σ̇ is infinite at t = 1 (as in the reference). Requires
    0 ≤ beta_min < beta_max, both finite. Parameters equal to their default
    may be omitted.

    Example:

    ```mlir
    #fm.vp<beta_min = 0.1, beta_max = 20.0>
    #fm.vp<beta_max = 10.0>
    ```
  }];
  let parameters = (ins
    Fm_F64Parameter<"β_min", "::llvm::APFloat(0.1)">:$beta_min,
    Fm_F64Parameter<"β_max", "::llvm::APFloat(20.0)">:$beta_max);
  let assemblyFormat = "(`<` struct(params)^ `>`)?";
  let genVerifyDecl = 1;
}

def Fm_LinearVPAttr : Fm_SchedulerAttr<"LinearVP", "linear_vp"> {
  let summary = "Linear variance-preserving scheduler: α_t = t, σ_t = √(1 − t²)";
  let description = [{
    | α_t | σ_t | α̇_t | σ̇_t |
    |---|---|---|---|
    | t | √(1−t²) | 1 | −t/√(1−t²) |

    σ̇ is infinite at t = 1 (as in the reference).

    Example:

    ```mlir
    #fm.linear_vp
    ```
  }];
}

def Fm_CosineAttr : Fm_SchedulerAttr<"Cosine", "cosine"> {
  let summary = "Cosine scheduler: α_t = sin(πt/2), σ_t = cos(πt/2)";
  let description = [{
    | α_t | σ_t | α̇_t | σ̇_t |
    |---|---|---|---|
    | sin(πt/2) | cos(πt/2) | (π/2)cos(πt/2) | −(π/2)sin(πt/2) |

    Example:

    ```mlir
    #fm.cosine
    ```
  }];
}

//===----------------------------------------------------------------------===//
// Prediction kinds
//===----------------------------------------------------------------------===//

def Fm_Prediction : I32EnumAttr<"Prediction", "what a network predicts", [
    I32EnumAttrCase<"Velocity", 0, "velocity">,
    I32EnumAttrCase<"Target", 1, "target">,
    I32EnumAttrCase<"Epsilon", 2, "epsilon">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::fm";
}

def Fm_PredictionAttr : EnumAttr<Fm_Dialect, Fm_Prediction, "prediction"> {
  let summary = "A prediction parameterization of an affine path";
  let description = [{
    `velocity` (dx_t), `target` (x1, the data) or `epsilon` (x0, the
    source noise).
  }];
}

//===----------------------------------------------------------------------===//
// ODE methods
//===----------------------------------------------------------------------===//

def Fm_ODEMethod : I32EnumAttr<"ODEMethod", "fixed-step ODE method", [
    I32EnumAttrCase<"Euler", 0, "euler">,
    I32EnumAttrCase<"Midpoint", 1, "midpoint">,
    I32EnumAttrCase<"Heun", 2, "heun">,
    I32EnumAttrCase<"RK4", 3, "rk4">,
    I32EnumAttrCase<"RK38", 4, "rk38">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::fm";
}

def Fm_ODEMethodAttr : EnumAttr<Fm_Dialect, Fm_ODEMethod, "ode_method"> {
  let summary = "A fixed-step ODE method";
  let description = [{
    `euler` (order 1), `midpoint` and `heun` (order 2), `rk4` (the classic
    Runge–Kutta method, order 4) and `rk38` (Kutta's 3/8 rule, order 4:
    what torchdiffeq, and so `flow_matching`, call "rk4").
  }];
}

//===----------------------------------------------------------------------===//
// Declarative level: flows, trainers and samplers
//===----------------------------------------------------------------------===//

def Fm_Source : I32EnumAttr<"Source", "source distribution of a flow", [
    I32EnumAttrCase<"Gaussian", 0, "gaussian">,
    I32EnumAttrCase<"Uniform", 1, "uniform">,
    I32EnumAttrCase<"Mask", 2, "mask">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::fm";
}

def Fm_SourceAttr : EnumAttr<Fm_Dialect, Fm_Source, "source"> {
  let summary = "The source distribution of a flow";
  let description = [{
    `gaussian`: x0 ~ N(0, I), drawn with `fm.random_normal`. For tokens:
    `uniform`, x0 uniform over the vocabulary (`fm.random_tokens`), and
    `mask`, x0 the mask token (the last of the vocabulary) everywhere.
  }];
}

def Fm_Loss : I32EnumAttr<"Loss", "training loss of a flow", [
    I32EnumAttrCase<"MSE", 0, "mse">,
    I32EnumAttrCase<"MeanFlow", 1, "meanflow">,
    I32EnumAttrCase<"GeneralizedKL", 2, "generalized_kl">,
    I32EnumAttrCase<"CrossEntropy", 3, "cross_entropy">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::fm";
}

def Fm_LossAttr : EnumAttr<Fm_Dialect, Fm_Loss, "loss"> {
  let summary = "The training loss of a trainer";
  let description = [{
    `mse`: the conditional flow-matching loss, the mean squared error
    between the network's velocity at (x_t, t) and the path's dx_t
    (`fm.mse_loss`). `meanflow`: MeanFlow's adaptively weighted loss of an
    average velocity against its identity's target (`fm.trainer` on a flow
    of kind `mean`; `#fm.meanflow` holds its settings). For a flow of kind
    `discrete`: `generalized_kl`, the mixture path's generalized KL
    (`fm.generalized_kl_loss`), or `cross_entropy`, the plain cross-entropy
    of the posterior's logits against the data tokens
    (`fm.cross_entropy_loss`).
  }];
}

def Fm_FlowKind : I32EnumAttr<"FlowKind", "what a flow's network predicts", [
    I32EnumAttrCase<"Velocity", 0, "velocity">,
    I32EnumAttrCase<"Mean", 1, "mean">,
    I32EnumAttrCase<"Discrete", 2, "discrete">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::fm";
}

def Fm_FlowKindAttr : EnumAttr<Fm_Dialect, Fm_FlowKind, "flow_kind"> {
  let summary = "What a flow's network predicts";
  let description = [{
    `velocity`: the instantaneous velocity v(x, t); `mean`: MeanFlow's
    average velocity u(z, r, t) between two times (see `fm.flow`);
    `discrete`: the logits of the posterior p₁|ₜ(x1 | x_t) over a
    vocabulary, for token data on a mixture path.
  }];
}

def Fm_SamplerMethod : I32EnumAttr<"SamplerMethod", "method of a sampler", [
    I32EnumAttrCase<"Euler", 0, "euler">,
    I32EnumAttrCase<"Midpoint", 1, "midpoint">,
    I32EnumAttrCase<"Heun", 2, "heun">,
    I32EnumAttrCase<"RK4", 3, "rk4">,
    I32EnumAttrCase<"RK38", 4, "rk38">,
    I32EnumAttrCase<"MeanFlow", 5, "meanflow">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::fm";
}

def Fm_SamplerMethodAttr
    : EnumAttr<Fm_Dialect, Fm_SamplerMethod, "sampler_method"> {
  let summary = "The method of a sampler";
  let description = [{
    An ODE method of `#fm.ode_method` (euler, midpoint, heun, rk4, rk38)
    for a flow of kind `velocity`, or `meanflow` (MeanFlow's steps
    z_r = z_t − (t − r)·u(z_t, r, t)) for a flow of kind `mean`. A flow of
    kind `discrete` samples with `euler`: the CTMC Euler steps of the
    reference library's `MixtureDiscreteEulerSolver`.
  }];
}

def Fm_Direction : I32EnumAttr<"Direction", "direction of a sampler", [
    I32EnumAttrCase<"Forward", 0, "forward">,
    I32EnumAttrCase<"Reverse", 1, "reverse">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::fm";
}

def Fm_DirectionAttr : EnumAttr<Fm_Dialect, Fm_Direction, "direction"> {
  let summary = "The direction a sampler integrates in";
  let description = [{
    `forward`: from the source at t = 0 to the data at t = 1 (sampling);
    `reverse`: from the data at t = 1 back to the source at t = 0
    (encoding data as noise).
  }];
}

def Fm_Divergence : I32EnumAttr<"Divergence",
    "divergence estimator of a likelihood", [
    I32EnumAttrCase<"Exact", 0, "exact">,
    I32EnumAttrCase<"Hutchinson", 1, "hutchinson">]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::mlir::fm";
}

def Fm_DivergenceAttr : EnumAttr<Fm_Dialect, Fm_Divergence, "divergence"> {
  let summary = "How a likelihood computes the velocity's divergence";
  let description = [{
    `exact`: the trace of the Jacobian from D Jacobian-vector products with
    the unit vectors; `hutchinson`: Hutchinson's unbiased estimate zᵀ(J z)
    from one product with a Rademacher probe z per point, drawn once per
    call from the entry point's seed.
  }];
}

/// Adam's hyper-parameters, shared by `#fm.adam` and `#fm.adamw`.
class Fm_AdamFamilyAttr<string name, string attrMnemonic,
                        string defaultWeightDecay>
    : AttrDef<Fm_Dialect, name> {
  let mnemonic = attrMnemonic;
  let parameters = (ins
    Fm_F64Parameter<"learning rate">:$lr,
    Fm_F64Parameter<"β1", "::llvm::APFloat(0.9)">:$beta1,
    Fm_F64Parameter<"β2", "::llvm::APFloat(0.999)">:$beta2,
    Fm_F64Parameter<"ε", "::llvm::APFloat(1.0e-8)">:$eps,
    Fm_F64Parameter<"weight decay",
                    "::llvm::APFloat(" # defaultWeightDecay # ")">:$weight_decay);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def Fm_AdamAttr : Fm_AdamFamilyAttr<"Adam", "adam", "0.0"> {
  let summary = "The Adam optimizer (`torch.optim.Adam`)";
  let description = [{
    Adam with an L2 penalty `weight_decay` added to the gradient, applied
    to every parameter with `fm.adam_update`. `lr` is required; the others
    default to PyTorch's values (beta1 = 0.9, beta2 = 0.999, eps = 1e-8,
    weight_decay = 0) and are elided when equal to them. Requires lr > 0,
    0 ≤ beta1, beta2 < 1, eps > 0 and weight_decay ≥ 0, all finite.

    Example:

    ```mlir
    #fm.adam<lr = 1.0e-2>
    #fm.adam<lr = 1.0e-3, beta2 = 0.99>
    ```
  }];
}

def Fm_AdamWAttr : Fm_AdamFamilyAttr<"AdamW", "adamw", "1.0e-2"> {
  let summary = "The AdamW optimizer (`torch.optim.AdamW`)";
  let description = [{
    Adam with decoupled weight decay (`fm.adam_update ... {decoupled}`).
    Parameters, defaults and requirements are those of `#fm.adam`, except
    that weight_decay defaults to PyTorch's 0.01.

    Example:

    ```mlir
    #fm.adamw<lr = 1.0e-3, weight_decay = 0.1>
    ```
  }];
}

def Fm_UniformTimeAttr : AttrDef<Fm_Dialect, "UniformTime"> {
  let mnemonic = "uniform";
  let summary = "Training times drawn uniformly from [0, 1)";
  let description = [{
    The time distribution of the original flow-matching objective
    (`fm.random_uniform`).

    Example:

    ```mlir
    #fm.uniform
    ```
  }];
}

def Fm_LogitNormalTimeAttr : AttrDef<Fm_Dialect, "LogitNormalTime"> {
  let mnemonic = "logit_normal";
  let summary = "Logit-normal training times: sigmoid(mean + std·z)";
  let description = [{
    The time distribution of `fm.random_logit_normal` (Esser et al.'s
    rectified-flow training). `mean` defaults to 0 and `std` to 1;
    parameters equal to their default may be omitted. Requires a finite
    mean and a finite std > 0.

    Example:

    ```mlir
    #fm.logit_normal<mean = -0.4, std = 1.0>
    #fm.logit_normal
    ```
  }];
  let parameters = (ins
    Fm_F64Parameter<"mean", "::llvm::APFloat(0.0)">:$mean,
    Fm_F64Parameter<"standard deviation", "::llvm::APFloat(1.0)">:$std);
  let assemblyFormat = "(`<` struct(params)^ `>`)?";
  let genVerifyDecl = 1;
}

def Fm_MeanFlowLossAttr : AttrDef<Fm_Dialect, "MeanFlowLoss"> {
  let mnemonic = "meanflow";
  let summary = "Settings of MeanFlow's loss";
  let description = [{
    `ratio`: the fraction of a batch whose two times differ (r ≠ t; the
    other rows get r = t, plain flow matching); `p` and `c`: the adaptive
    weight, L = mean(Δ / stopgrad((Δ + c)^p)) with Δ the squared error of
    a row. Defaults are those of the reference's 2-D and ImageNet recipes
    (ratio = 0.25, p = 1.0, c = 0.01) and may be omitted. Requires
    0 ≤ ratio ≤ 1, p ≥ 0 and c > 0, all finite.

    Example:

    ```mlir
    #fm.meanflow<ratio = 0.75, p = 0.75, c = 1.0e-3>
    #fm.meanflow
    ```
  }];
  let parameters = (ins
    Fm_F64Parameter<"fraction of rows with r ≠ t",
                    "::llvm::APFloat(0.25)">:$ratio,
    Fm_F64Parameter<"weight exponent p", "::llvm::APFloat(1.0)">:$p,
    Fm_F64Parameter<"weight offset c", "::llvm::APFloat(0.01)">:$c);
  let assemblyFormat = "(`<` struct(params)^ `>`)?";
  let genVerifyDecl = 1;
}

#endif // FM_DIALECT_FMATTRS_TD
