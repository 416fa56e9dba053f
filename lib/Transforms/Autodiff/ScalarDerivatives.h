//===- ScalarDerivatives.h - Derivatives of scalar ops ----------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The derivative rules of the scalar arith/math ops that linalg.generic
// bodies compute, and of the activations whose derivative is a function of
// their output. fm-autodiff's reverse sweep uses them; they hold no state of
// their own, so a forward mode can share them.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TRANSFORMS_AUTODIFF_SCALARDERIVATIVES_H
#define FM_TRANSFORMS_AUTODIFF_SCALARDERIVATIVES_H

#include "fm/Utils/Activation.h"

#include "mlir/IR/Builders.h"
#include "mlir/Support/LLVM.h"

namespace mlir::fm::autodiff {

/// Calls `accumulate(operand, contribution)` for every float operand of the
/// scalar op `op` given the adjoint `adj` of its result (reverse mode).
/// Comparisons, constants and `linalg.index` contribute nothing. Returns
/// failure for an op with float operands that has no rule.
LogicalResult backpropScalar(OpBuilder &b, Operation *op, Value adj,
                             function_ref<void(Value, Value)> accumulate);

/// Whether the results of `op` carry no derivative whatever its operands
/// (comparisons, constants, indices, shapes).
bool isNonDifferentiable(Operation *op);

/// Whether the derivative of `kind` can be written with its output y alone,
/// so that neither its input nor a recomputation of it is needed: ReLU, ELU
/// and tanh.
bool hasDerivativeFromOutput(ActivationKind kind);

/// The adjoint of an activation's input from its output `y` and the adjoint
/// `g` of y: `y > 0 ? g : 0` (ReLU), `y > 0 ? g : g·(y + 1)` (ELU),
/// `g·(1 − y²)` (tanh). The same values the rules for the activation's ops
/// would give (for ELU, y = expm1(s) wherever s ≤ 0, and y > 0 exactly where
/// s > 0). `kind` must satisfy hasDerivativeFromOutput.
Value buildActivationAdjoint(OpBuilder &b, Location loc, ActivationKind kind,
                             Value y, Value g);

} // namespace mlir::fm::autodiff

#endif // FM_TRANSFORMS_AUTODIFF_SCALARDERIVATIVES_H
