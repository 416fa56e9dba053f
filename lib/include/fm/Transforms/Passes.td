//===- Passes.td - fm-level transformations ----------------*- tablegen -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TRANSFORMS_PASSES_TD
#define FM_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def FmAutodiff : Pass<"fm-autodiff", "::mlir::ModuleOp"> {
  let summary = "Reverse-mode differentiation of linalg-on-tensors functions";
  let description = [{
    Replaces every `fm.vjp @f(...)` with a call to a generated function
    `@f_vjp(inputs..., cotangents...) -> (results..., gradients...)`, which
    recomputes `@f` and then runs the reverse sweep. One function is
    generated per callee and shared by all its `fm.vjp` users.

    `@f` must be a single-block `func.func`. Calls to other single-block
    functions (a network's layers) are inlined, and named linalg ops and
    elementwise `arith`/`math` on tensors are rewritten as
    `linalg.generic`; every generic is then differentiated by one rule: its
    scalar body is differentiated in reverse mode, and the adjoint of each
    input is a new generic over the same loops whose output uses that
    input's indexing map, so dimensions the input does not index (broadcasts,
    and contractions such as matmul) become reductions. Outputs may be
    plain results or sums over reduction dimensions (`out + f(ins)`).

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

#endif // FM_TRANSFORMS_PASSES_TD
