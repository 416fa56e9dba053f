//===- JVPBuilder.h - Forward-mode functions of linalg code -----*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The forward mode of fm-autodiff: one Jacobian-vector-product function per
// callee, set of inputs whose tangents may be nonzero and set of result
// tangents read. JVPBuilder.cpp holds the function skeleton and the rules of
// tensor and scalar ops; GenericTangent.cpp the one rule for every
// linalg.generic. The scalar rules are ScalarDerivatives.h's, shared with
// the reverse mode.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TRANSFORMS_AUTODIFF_JVPBUILDER_H
#define FM_TRANSFORMS_AUTODIFF_JVPBUILDER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"

namespace mlir::fm::autodiff {

/// Whether `type` is differentiated: a float or a ranked tensor of floats.
bool isDifferentiableType(Type type);

/// Builds `@<f>_jvp(inputs..., tangents...) -> (results..., tangents...)`:
/// the callee's body, normalized, with the tangent of every value that
/// depends on a seeded input computed right after it. Inputs that are not
/// seeded (their tangents are known zeros, or they are integers) start no
/// tangent, result tangents nobody reads are zeros, and nothing that only
/// they need is computed.
class JVPBuilder {
public:
  JVPBuilder(func::FuncOp primal, ArrayRef<bool> seeded, ArrayRef<bool> wanted)
      : primal(primal), seeded(seeded), wanted(wanted), b(primal.getContext()) {
  }

  /// Creates the JVP function right after the primal in its module.
  FailureOr<func::FuncOp> build(SymbolTable &symbols);

private:
  /// The tangent of `v`, or a null value where it is zero.
  Value tangentOf(Value v) const { return tangents.lookup(v); }
  /// The tangent of `v`, built as zeros where it is zero.
  Value tangentOrZeros(Location loc, Value v);
  /// A zero tensor (or scalar) of the type and shape of `value`.
  Value zerosLike(Location loc, Value value);

  /// Computes the tangents of `op`'s results from those of its operands,
  /// right after `op`.
  LogicalResult differentiate(Operation *op);
  /// The tangent of one linalg.generic: one new generic over the same loops
  /// (GenericTangent.cpp).
  LogicalResult differentiateGeneric(linalg::GenericOp generic);

  /// The function being differentiated.
  func::FuncOp primal;
  /// Per input of `primal`, whether its tangent may be nonzero.
  ArrayRef<bool> seeded;
  /// Per result of `primal`, whether its tangent is read.
  ArrayRef<bool> wanted;
  /// Builds the JVP function's ops.
  OpBuilder b;
  /// The tangent of each value reached so far that has a nonzero one.
  llvm::DenseMap<Value, Value> tangents;
};

} // namespace mlir::fm::autodiff

#endif // FM_TRANSFORMS_AUTODIFF_JVPBUILDER_H
