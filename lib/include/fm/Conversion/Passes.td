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
    `fm.random_uniform`/`fm.random_normal`/`fm.random_logit_normal` one
    generic computing Philox blocks from each element's index. `fm.vjp`,
    `fm.jvp` and `fm.stop_gradient` are left for `fm-autodiff`, which runs
    after this pass.

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

#endif // FM_CONVERSION_PASSES_TD
