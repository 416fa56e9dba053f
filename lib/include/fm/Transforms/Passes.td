//===- Passes.td - fm-level transformations ----------------*- tablegen -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TRANSFORMS_PASSES_TD
#define FM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FmExpandFlow : Pass<"fm-expand-flow", "::mlir::ModuleOp"> {
  let summary = "Expand the declarative level (flows, trainers, samplers) "
                "into loop-level functions";
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
      `fm.integrate` of the network.

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
    "::mlir::tensor::TensorDialect"
  ];
}

def FmAutodiff : Pass<"fm-autodiff", "::mlir::ModuleOp"> {
  let summary = "Reverse-mode differentiation of linalg-on-tensors functions";
  let description = [{
    Replaces every `fm.vjp @f(...)` with a call to a generated function
    `@f_vjp(inputs..., cotangents...) -> (results..., gradients...)`, which
    recomputes `@f` and then runs the reverse sweep. One function is
    generated per callee and set of gradients read, shared by the `fm.vjp`
    users that read the same ones: a gradient nobody reads is zeros, and
    the reverse sweep computes nothing only it needs (a training step's
    gradients of its data and noise).

    `@f` must be a single-block `func.func`. Calls to other single-block
    functions (a network's layers) are inlined, and named linalg ops and
    elementwise `arith`/`math` on tensors are rewritten as
    `linalg.generic`; every generic is then differentiated by one rule: its
    scalar body is differentiated in reverse mode, and the adjoint of each
    input is a new generic over the same loops whose output uses that
    input's indexing map, so dimensions the input does not index (broadcasts,
    and contractions such as matmul) become reductions. Outputs may be
    plain results or sums over reduction dimensions (`out + f(ins)`).

    Two refinements keep the reverse sweep from recomputing the forward
    body: an elementwise result that is an activation of a value (ReLU as
    `select(s > 0, s, 0)` or `max(s, 0)`, ELU as `select(s > 0, s,
    expm1(s))`, `tanh(s)`) gets its input's adjoint from the forward result
    y (`y > 0 ? g : 0`, `y > 0 ? g : g·(y + 1)`, `g·(1 − y²)`), the same
    values without the transcendental; and a broadcast input (a bias) that
    receives the same scalar adjoint as an input indexed by every loop gets
    the sum of that input's gradient.

    Supported scalar ops: `arith.addf/subf/mulf/divf/negf/maximumf/minimumf/
    maxnumf/minnumf/select/extf/truncf`, `math.exp/expm1/log/log1p/tanh/
    sqrt/rsqrt/sin/cos/powf/absf/erf`; comparisons, constants and
    `linalg.index` carry no derivative. Tensor ops: `tensor.extract`,
    `extract_slice`, `insert_slice`, `concat`, `cast`, `expand_shape`,
    `collapse_shape`, `empty`, constants. Anything else on the path from an
    input to a result is an error that names the op; an inactive op (one
    that does not depend on the inputs) is never an error.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def FmCpuLoopOrder : Pass<"fm-cpu-loop-order"> {
  let summary = "Order linalg.generic loops so the innermost one is vectorizable";
  let description = [{
    Interchanges the loops of every `linalg.generic` so that the loop that
    indexes the last dimension of its first output is innermost. After
    lowering to loops, the innermost loop then walks contiguous memory in
    its output and carries no reduction, which LLVM's loop vectorizer
    turns into SIMD code without reassociating floating-point sums. A
    contraction C[m, n] += A[m, k]·B[k, n] runs as (m, k, n). Generics
    without output dimensions (full reductions) are left alone.
  }];
}

def FmCpuVectorizeContractions : Pass<"fm-cpu-vectorize-contractions"> {
  let summary = "Register-blocked vector code for matmul-like linalg.generic";
  let description = [{
    Tiles every static f32 contraction `C[m, n] += A·B` on tensors (a
    `linalg.generic` with two parallel loops, one reduction loop and a
    multiply-add body, in any operand layout) into `tile-m` × `tile-n`
    blocks with a `tile-k` reduction loop, vectorizes each block into a
    `vector.contract`, hoists the accumulator block out of the reduction
    loop, and lowers the contraction to outer products and `vector.fma`.
    The accumulator block then lives in vector registers for the whole
    reduction, and each reduction step broadcasts one element of the
    left operand per block row against a contiguous row of the right one.
    A right operand laid out [n, k] (a forward layer's weight, PyTorch's
    [out, in]) is transposed once with `linalg.transpose` before the loops. A dimension that a preferred block size does not divide is
    taken whole (for example the 2 outputs of a 2-D velocity layer).
    Dynamic rows (a batch size known only at run time) are peeled into
    full blocks and a remainder of fewer than `tile-m` rows, which stays a
    `linalg.contract` and becomes loops; contractions with dynamic columns
    or a dynamic reduction are left alone.

    ```mlir
    // Before: a 256×64 · (64×64)ᵀ product as a generic.
    %y = linalg.generic {indexing_maps = [(m, n, k) -> (m, k),
                                          (m, n, k) -> (n, k),
                                          (m, n, k) -> (m, n)], ...}
    // After: scf.for m, n { read acc; scf.for k { vector.fma ... }; write }
    ```
  }];
  let options = [
    Option<"tileM", "tile-m", "int64_t", /*default=*/"8",
           "Rows of the accumulator block">,
    Option<"tileN", "tile-n", "int64_t", /*default=*/"32",
           "Columns of the accumulator block (a multiple of the vector width)">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"16",
           "Reduction steps per block">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def FmCpuInlineStridedCopies : Pass<"fm-cpu-inline-strided-copies"> {
  let summary = "Copies between non-contiguous buffers as loops, not calls";
  let description = [{
    Rewrites every `memref.copy` whose source or target is not contiguous
    (a column block of a concatenation, say) into a `linalg.copy`, which
    becomes loops. MLIR's memref lowering would call `memrefCopy` from
    libmlir_c_runner_utils for such a copy, and that library loads all of
    libMLIR and libLLVM into the process; after this pass, compiled
    programs need nothing beyond the C library and the runtime's own
    kernels. Copies between contiguous buffers stay `memref.copy` (one
    `memcpy`).

    ```mlir
    memref.copy %x, %sub : memref<?x2xf32> to memref<?x2xf32, strided<[3, 1], offset: 1>>
    // becomes
    linalg.copy ins(%x : ...) outs(%sub : ...)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def FmCpuApproximateMath : Pass<"fm-cpu-approximate-math"> {
  let summary = "Replace f32 math functions by vectorizable polynomials";
  let description = [{
    Rewrites the selected f32 `math` operations (scalars or vectors) into
    MLIR's polynomial approximations: `arith` code that LLVM vectorizes
    together with the loop around it, where a libm call (`expf`) would run
    once per element. The approximations are accurate to a few float32
    ulps; `log` and the trigonometric functions are not selected by default
    because the Philox normal draws use them and are compared bit for bit
    with the runtime's generator.

    ```mlir
    %y = math.expm1 %x : f32
    // becomes range reduction, a polynomial and an exponent bit-cast
    ```
  }];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "math operation names to approximate (default: exp, expm1, "
               "tanh)",
               "llvm::cl::ZeroOrMore">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::vector::VectorDialect"
  ];
}

#endif // FM_TRANSFORMS_PASSES_TD
