//===- Activation.h - Activation functions in scalar IR ---------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// One recognizer for the activation functions that networks write as scalar
// arith/math ops (inside a linalg.generic body): fm-autodiff builds the
// derivative of some of them from their output or, in fewer operations than
// the rules for their ops, from their input, and fm-linalg-to-dnnl fuses
// them into oneDNN calls as post-ops.
//
//===----------------------------------------------------------------------===//

#ifndef FM_UTILS_ACTIVATION_H
#define FM_UTILS_ACTIVATION_H

#include "mlir/IR/Value.h"

namespace mlir::fm {

/// The activation functions `matchActivation` recognizes.
enum class ActivationKind {
  None,
  /// max(s, 0).
  Relu,
  /// s > 0 ? s : eˢ − 1 (α = 1).
  Elu,
  /// 0.5·s·(1 + tanh(√(2/π)·(s + 0.044715·s³))).
  GeluTanh,
  /// 0.5·s·(1 + erf(s/√2)).
  GeluErf,
  /// s·sigmoid(s).
  Silu,
  /// tanh(s).
  Tanh,
  /// 1 / (1 + e⁻ˢ).
  Sigmoid,
};

/// An activation act(s): its kind and its input s. `kind` is None (and
/// `input` null) when nothing matched.
struct ActivationMatch {
  ActivationKind kind = ActivationKind::None;
  Value input;

  explicit operator bool() const { return kind != ActivationKind::None; }
};

/// Matches the ops that compute `value` as an activation of some value s and
/// returns the activation and s. When `input` is given, only a match whose s
/// is `input` counts. The forms, with operands of commutative ops in either
/// order:
///
/// - ReLU: `max(s, 0)` (arith.maximumf or arith.maxnumf), or
///   `select(s > 0, s, 0)` (arith.cmpf ogt);
/// - ELU: `select(s > 0, s, expm1(s))`;
/// - tanh: `math.tanh(s)`;
/// - sigmoid: `1 / (1 + exp(-s))`;
/// - SiLU: `s · sigmoid(s)`;
/// - GELU: `(0.5·s)·(1 + g)` or `0.5·(s·(1 + g))`, where g is
///   `erf(s · (1/√2))`, or `tanh(√(2/π)·(s + 0.044715·s³))` with s³ as
///   `(s·s)·s` or `s·(s·s)`; constants within 1e-6 relative.
ActivationMatch matchActivation(Value value, Value input = {});

} // namespace mlir::fm

#endif // FM_UTILS_ACTIVATION_H
