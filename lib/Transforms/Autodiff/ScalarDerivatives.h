//===- ScalarDerivatives.h - Derivatives of scalar ops ----------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The derivative rules of the scalar arith/math ops that linalg.generic
// bodies compute, and of the activations whose derivative is a function of
// their output. They hold no state of their own; the reverse sweep
// (VJPBuilder) and the forward sweep (JVPBuilder) share them.
//
// There is one table of rules, written for the reverse mode: backpropScalar
// gives, for each operand x of a scalar op y = f(..., x, ...), the
// contribution (∂y/∂x)·ȳ. A scalar op's partial derivatives are scalars, so
// the same expression with a tangent ẋ in place of ȳ is (∂y/∂x)·ẋ, the
// forward-mode term: tangentScalar sums those terms over the operands. Only
// the rules that change the type (extf, truncf) have a forward form of
// their own.
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

/// The tangent of the float result of the scalar op `op` given the tangents
/// of its operands (forward mode): `tangentOf(v)` is the tangent of operand
/// `v`, or a null value where it is zero. Builds
/// Σ_v backpropScalar's contribution to v with v's tangent as the adjoint,
/// leaving no dead ops behind. Returns a null value when no operand has a
/// tangent, and failure for an op with no rule (as backpropScalar).
FailureOr<Value> tangentScalar(OpBuilder &b, Operation *op,
                               function_ref<Value(Value)> tangentOf);

/// Whether the results of `op` carry no derivative whatever its operands
/// (comparisons, constants, indices, shapes, fm.stop_gradient, and any op
/// whose operands are all integers, such as arith.sitofp of a token).
bool isNonDifferentiable(Operation *op);

/// Whether the derivative of `kind` can be written with its output y alone,
/// so that neither its input nor a recomputation of it is needed: ReLU, ELU
/// and tanh.
bool hasDerivativeFromOutput(ActivationKind kind);

/// The adjoint of an activation's input from its output `y` and the adjoint
/// `g` of y: `y > 0 ? g : 0` (ReLU), `y > 0 ? g : g·(y + 1)` (ELU),
/// `g·(1 − y²)` (tanh). The same values the rules for the activation's ops
/// would give (for ELU, y = expm1(s) wherever s ≤ 0, and y > 0 exactly where
/// s > 0). `kind` must satisfy hasDerivativeFromOutput. Being the scalar
/// derivative times `g`, it is also the tangent of y when `g` is the tangent
/// of the activation's input (forward mode).
Value buildActivationAdjoint(OpBuilder &b, Location loc, ActivationKind kind,
                             Value y, Value g);

/// Whether the derivative of `kind` is built from its input s by
/// buildActivationAdjointFromInput, in fewer operations than the rules for
/// its ops give: sigmoid and SiLU.
bool hasDerivativeFromInput(ActivationKind kind);

/// The adjoint of an activation's input s from s and the adjoint `g` of its
/// output, with e = exp(−s) and σ = 1 / (1 + e): `g·σ·(e·σ)` (sigmoid,
/// σ' = σ·(1 − σ) with 1 − σ = e·σ, which does not cancel) and
/// `g·σ·(1 + s·e·σ)` (SiLU). One division, where the chain rule through the
/// ops' rules divides twice. `kind` must satisfy hasDerivativeFromInput;
/// like buildActivationAdjoint, it is also the tangent of the output when
/// `g` is the tangent of s.
Value buildActivationAdjointFromInput(OpBuilder &b, Location loc,
                                      ActivationKind kind, Value s, Value g);

} // namespace mlir::fm::autodiff

#endif // FM_TRANSFORMS_AUTODIFF_SCALARDERIVATIVES_H
