//===- Passes.td - Target-independent fm transformations ---*- tablegen -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Passes that hold for every target. CPU-specific passes are declared in
// fm/Target/CPU/Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TRANSFORMS_PASSES_TD
#define FM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FmExpandFlow : Pass<"fm-expand-flow", "::mlir::ModuleOp"> {
  let summary = "Expand the declarative level (flows, trainers, samplers, "
                "likelihoods) into loop-level functions";
  let description = [{
    Replaces the declarative ops of a module with the entry points that
    `fm-run` and `fmrt::Program` call, written with loop-level fm ops:

    - each `fm.flow` becomes `@init(seed: i64) -> (params...)`, PyTorch's
      default initialization U(−1/√fan_in, 1/√fan_in) of every network
      parameter, parameter i drawn with `fm.random_uniform` from stream
      100 + i at offset 0;
    - each `fm.trainer @name` becomes `@name(params, first moments, second
      moments, x1, seed, step) -> (loss, the 3P updated tensors)`: x0 from
      `fm.random_normal` stream 0 and t from stream 1 at offset step × (the
      counter blocks both draws use), the path point from
      `fm.path_sample`, the loss and its gradient from `fm.vjp` of a
      generated private function `@name_loss`, and one `fm.adam_update`
      per parameter;
    - each `fm.sampler @name` becomes `@name(params, x[, steps]) -> x`, one
      `fm.integrate` of the network;
    - each `fm.likelihood @name` becomes `@name(params, x[, steps][, seed])
      -> logp` and a private `@name_velocity` of the augmented state
      [x | ℓ] (N × (D + 1)): (v, div v), the divergence from D `fm.jvp`'s
      of the network with the unit tangents (exact) or one with a
      Rademacher probe drawn from `fm.random_uniform` stream 0 of the seed
      (Hutchinson); one `fm.integrate` of [x | 0] from t = 1 to t = 0,
      then log N(x(0); 0, I) + ℓ(0) per point;
    - for a flow of kind `mean` (MeanFlow), the trainer draws two times
      (streams 1 and 2, the offset advancing by x0's and both times'
      blocks), orders them t ≤ r, sets r = t on all but the first
      round(ratio · batch) rows, and its loss takes u and du/dt from one
      `fm.jvp` of the network with tangents (v, 0, 1) over (z, r, t); the
      `meanflow` sampler is an `scf.for` over K steps (or the grid's
      intervals) of z ← z − (t − r)·u(z, r, t) with t = k/K, r = (k+1)/K.

    Entry points carry `llvm.emit_c_interface`, and their parameter
    arguments the `fm.name` the flow gives them. A module with several
    flows cannot be expanded (each would define `@init`), nor one that
    already defines a symbol the pass generates. The declarative ops are
    erased; the network is left as it is.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def FmAutodiff : Pass<"fm-autodiff", "::mlir::ModuleOp"> {
  let summary = "Reverse- and forward-mode differentiation of "
                "linalg-on-tensors functions";
  let description = [{
    Replaces every `fm.vjp @f(...)` with a call to a generated function
    `@f_vjp(inputs..., cotangents...) -> (results..., gradients...)`, which
    recomputes `@f` and then runs the reverse sweep. One function is
    generated per callee and set of gradients read, shared by the `fm.vjp`
    users that read the same ones: a gradient nobody reads is zeros, and
    the reverse sweep computes nothing only it needs (a training step's
    gradients of its data and noise).

    Replaces every `fm.jvp @f(...)` with a call to a generated function
    `@f_jvp(inputs..., tangents...) -> (results..., result tangents...)`,
    which computes each value of `@f` followed by its tangent (forward
    mode). One function is generated per callee, set of seeded inputs and
    set of result tangents read: an input whose tangent is a constant zero
    (`arith.constant` or a `linalg.fill` of zero, possibly behind a
    `tensor.cast`: the parameters' when differentiating with respect to the
    data) or an integer seeds nothing,
    and a result tangent nobody reads is zeros, with nothing computed that
    only they would need.

    `@f` must be a single-block `func.func`. Calls to other single-block
    functions (a network's layers) are inlined, and named linalg ops and
    elementwise `arith`/`math` on tensors are rewritten as
    `linalg.generic`; every generic is then differentiated by one rule per
    mode. Reverse: its scalar body is differentiated in reverse mode, and
    the adjoint of each input is a new generic over the same loops whose
    output uses that input's indexing map, so dimensions the input does not
    index (broadcasts, and contractions such as matmul) become reductions.
    Forward: the tangent is one new generic over the same loops and maps
    that reads the inputs and the tangents of the seeded ones and pushes
    the tangents through the scalar body, so the tangent of a product with
    one seeded operand is again a product. Outputs may be plain results,
    sums over reduction dimensions (`out + f(ins)`), or maxima over them
    (`max(out, f(ins))` from a constant, as in a stable softmax): their
    derivative flows through the elements equal to the maximum, which the
    derivative generic reads from the forward result.

    Two refinements keep the reverse sweep from recomputing the forward
    body: an elementwise result that is an activation of a value (ReLU as
    `select(s > 0, s, 0)` or `max(s, 0)`, ELU as `select(s > 0, s,
    expm1(s))`, `tanh(s)`) gets its input's adjoint from the forward result
    y (`y > 0 ? g : 0`, `y > 0 ? g : g·(y + 1)`, `g·(1 − y²)`), the same
    values without the transcendental; sigmoid and SiLU (`1 / (1 +
    exp(-s))`, `s · sigmoid(s)`) get theirs from s in one division, with
    e = exp(-s) and σ = 1 / (1 + e): `g·σ·(e·σ)` and `g·σ·(1 + s·e·σ)`,
    where the rules for their ops divide twice; and a broadcast input (a
    bias) that receives the same scalar adjoint as an input indexed by
    every loop gets the sum of that input's gradient. The forward mode takes
    an activation's tangent the same way.

    Supported scalar ops: `arith.addf/subf/mulf/divf/negf/maximumf/minimumf/
    maxnumf/minnumf/select/extf/truncf`, `math.exp/expm1/log/log1p/tanh/
    sqrt/rsqrt/sin/cos/powf/absf/erf`; comparisons, constants and
    `linalg.index` carry no derivative, nor does any op whose operands are
    all integers (`arith.sitofp` of a token). Both modes share these rules: the
    forward mode's tangent of a scalar op is the sum, over its operands, of
    the reverse rule's contribution with the operand's tangent in place of
    the adjoint. Tensor ops: `tensor.extract`, `extract_slice`,
    `insert_slice`, `concat`, `cast`, `expand_shape`, `collapse_shape`,
    `empty`, constants, and in the forward mode `tensor.insert` (which the
    reverse sweep emits). `fm.stop_gradient` carries no derivative either
    (a zero adjoint, a zero tangent); the pass replaces the ones that
    remain by their operands. `fm.embedding` (a lookup of weight rows by
    token) has the adjoint of its weight as a scatter-add of the result's
    adjoint (`scf.for` loops over the positions and features, `tensor.insert`
    into zeros; repeated tokens sum), or with `embedding-gradient=reduction`
    as one `linalg.generic` that sums, for every row and feature, the
    positions whose token picks that row (vocabulary times more work, but
    one parallel op with no loop on the host: the GPU target's choice), and
    its tangent as the lookup of the weight's tangent; the pass then lowers
    every lookup to a gather, a `linalg.generic` that reads the weight with
    `tensor.extract`. Integers are never differentiated. Anything
    else on the path from an input to a result is an error that names the
    op; an inactive op (one that does not depend on the inputs) is never an
    error. The forward mode also accepts float scalars that a generic's
    body reads from above, and indexing maps that are not projected
    permutations.

    An op is expanded once its callee, and every function the callee
    calls, holds no `fm.vjp` or `fm.jvp`: a VJP through a function that
    takes a JVP differentiates the forward-mode code (and the converse),
    and a derivative that would depend on itself is an error.
  }];
  let options = [
    Option<"embeddingGradient", "embedding-gradient", "std::string",
           /*default=*/"\"scatter\"",
           "How fm.embedding's weight gradient is built: scatter (loops over "
           "the positions) or reduction (one parallel linalg.generic)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def FmFuseElementwise : Pass<"fm-fuse-elementwise"> {
  let summary = "Fuse chains of elementwise linalg.generic ops, keeping "
                "products whole";
  let description = [{
    Fuses an elementwise `linalg.generic` into the generic that consumes
    it, as upstream's `linalg-fuse-elementwise-ops` does (a producer with
    one use; fills and splat constants folded into their consumers; reshapes
    folded by expansion; dead operands erased), with two differences.
    Products are kept whole: a producer is never fused into a contraction
    (a generic whose body is a multiply-accumulate,
    `linalg::isaContractionOpInterface`), nor a reshape folded into one.
    Such a product stays a plain contraction that the backends hand to a
    library or to register-blocked kernels; fused, it would recompute its
    operand's elementwise body once per step of the reduction, or become a
    contraction of higher rank, and match neither. And a producer that reads
    its own outputs (`out + x`, as gradients are written) is not fused into
    a consumer that broadcasts it, which upstream's pattern gets wrong (the
    fused op would add x into the same element once per broadcast
    iteration).

    Forward mode is where this matters: the tangent of `x·W` where `x =
    act(h)` is `(act'(h)·ẋ)·W`, and `act'(h)·ẋ` has that product as its
    only user.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def FmBubbleUpSlices : Pass<"fm-bubble-up-slices"> {
  let summary = "Compute only the slices of tensors that are read";
  let description = [{
    Moves `tensor.extract_slice` up through its source's producers, so
    that what no slice reads becomes dead and goes:

    - through a linalg op that has no other user and one output (upstream's
      `linalg::populateBubbleUpExtractSliceOpPatterns`): the op runs on
      slices of its operands;
    - through a `tensor.insert_slice` whose slice is disjoint from the one
      extracted (along some dimension both have static offsets, sizes and
      unit strides, and their intervals do not meet): the extract reads
      the insert's destination;
    - and, by the tensor dialect's folds, through an insert of exactly the
      extracted slice, to the inserted value.

    The case it was written for: a solver's stage evaluates the velocity of
    an augmented state [x | ℓ] (a likelihood's), and the next stage reads
    only x's columns of `y + h·k`. With the slice moved above the stage's
    update, the ℓ column of `k` (a divergence: D tangent passes of the
    network) is computed only where the solver's last combination reads it
    (midpoint: in its second stage alone).
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def FmRuntimeChecks : Pass<"fm-runtime-checks", "::mlir::ModuleOp"> {
  let summary = "Check at run time the shapes and indices the compiler "
                "cannot prove";
  let description = [{
    A program can verify and compile and still be wrong for some inputs: a
    network whose output has one row more than its input when the batch is
    dynamic, a slice that starts past the end of its tensor, an index out
    of range. Compiled code would read or write outside its buffers. This
    pass asks the linalg and tensor ops of every function (not those inside
    a linalg op's body) to check, before they run, the conditions under
    which they are defined (MLIR's `RuntimeVerifiableOpInterface`): operand
    dimensions consistent with the iteration domain, slices and indices in
    bounds. Each check is a `cf.assert` whose message names the op and its
    source location.

    Checks on static shapes fold away. A check that folds to false is an
    error at compile time instead, at the op's location. The others cost a
    few integer comparisons per op and call; `fm-cpu-lower-checks` turns
    them into calls of the runtime, which reports a failed one as the error
    of the call that ran it.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::index::IndexDialect"
  ];
}

#endif // FM_TRANSFORMS_PASSES_TD
