//===- Passes.td - Conversion passes of FM-MLIR ------------*- tablegen -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_CONVERSION_PASSES_TD
#define FM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def FmConvertToLinalg : Pass<"fm-convert-to-linalg"> {
  let summary = "Lower fm loop-level ops to linalg on tensors";
  let description = [{
    Rewrites every `fm` op into upstream dialects on tensors: `linalg`,
    `tensor`, `arith` and `math`. `fm.path_sample` becomes one
    `linalg.generic` with two results (`x_t` and `dx_t`) whose body computes
    the scheduler coefficients from the batch row's time and combines the
    operands; coefficients that do not depend on t are folded in
    (`#fm.cond_ot` gives `dx_t = x1 - x0`).

    `fm.mse_loss` becomes a sum-of-squares reduction, `fm.adam_update` one
    elementwise generic with three results, `fm.ode_step` calls of the
    velocity function combined by elementwise generics, `fm.integrate` an
    `scf.for` of steps (or one step per interval of its time grid), and
    `fm.random_uniform`/`fm.random_normal` one generic computing Philox
    blocks from each element's index. `fm.vjp` is left for `fm-autodiff`,
    which runs after this pass.

    An op the pass cannot lower is an error that names it.
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

def FmLinalgToDnnl : Pass<"fm-linalg-to-dnnl", "::mlir::ModuleOp"> {
  let summary = "Contractions on buffers, with their bias and activation, "
                "to calls of the runtime's oneDNN layer";
  let description = [{
    Runs after bufferization. Every f32 matmul-like `linalg.generic` on
    2-D memrefs `C[m, n] (+)= Σ_k A·B`, in any operand layout (a forward
    layer `x·Wᵀ` and the reverse sweep's `dY·W` and `Xᵀ·dY` alike), becomes
    a call of `fmrt_dnnl_matmul`, with transposes as flags, so oneDNN reads
    each operand where it lies:

    - a zero fill of C before the product is dropped (oneDNN writes C);
      without one the call accumulates (`C += A·B`);
    - when C is a local buffer whose only other reader is an elementwise
      epilogue `D = act(C + bias)` (bias broadcast over rows, or no bias;
      act one of ReLU, ELU, GELU (erf or tanh form), tanh, sigmoid, SiLU,
      or none), the epilogue
      becomes oneDNN post-ops of the same call, which writes D, and C
      disappears.

    Anything else (f64, other bodies, 3-D products, epilogues with other
    readers of C) is left to the linalg path. The runtime function is
    declared with `llvm.emit_c_interface` and the type that the runtime's
    ABI table (`fm/Runtime/DnnlAbi.def`) gives it:

    ```mlir
    func.func private @fmrt_dnnl_matmul(
        memref<?x?xf32, strided<[?, ?], offset: ?>>,  // A (or Aᵀ: [K, M])
        memref<?x?xf32, strided<[?, ?], offset: ?>>,  // B (or Bᵀ: [N, K])
        memref<?xf32, strided<[?], offset: ?>>,       // bias [N] or empty
        memref<?x?xf32, strided<[?, ?], offset: ?>>,  // C or D
        i64, i64, f32)                                // flags, activation, alpha
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

#endif // FM_CONVERSION_PASSES_TD
