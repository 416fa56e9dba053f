//===- VJPBuilder.h - Reverse-mode functions of linalg code -----*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The builder behind fm-autodiff: one vector-Jacobian-product function per
// callee and set of wanted gradients. VJPBuilder.cpp holds the function
// skeleton, activity analysis, adjoint accumulation and the rules of tensor
// ops; GenericAdjoint.cpp the one rule for every linalg.generic.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TRANSFORMS_AUTODIFF_VJPBUILDER_H
#define FM_TRANSFORMS_AUTODIFF_VJPBUILDER_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir::fm::autodiff {

/// Builds `@<f>_vjp` for one callee and the set of inputs whose gradients
/// are wanted; the others get zeros, and nothing that only they need is
/// computed.
class VJPBuilder {
public:
  /// `embeddingReduction`: build fm.embedding's weight gradient with
  /// buildEmbeddingGradientReduction rather than loops.
  VJPBuilder(func::FuncOp primal, ArrayRef<bool> wanted,
             bool embeddingReduction = false)
      : primal(primal), wanted(wanted), embeddingReduction(embeddingReduction),
        b(primal.getContext()) {}

  /// Creates the VJP function right after the primal in its module.
  FailureOr<func::FuncOp> build(SymbolTable &symbols);

private:
  /// Marks every value of `block` that depends on `inputs`.
  void computeActivity(Block &block, ValueRange inputs);
  /// Whether `v` depends on a differentiated input.
  bool isActive(Value v) const { return active.contains(v); }
  /// Adds `contribution` to the adjoint of `primalValue` (if it is active).
  void accumulate(Value primalValue, Value contribution);
  /// A zero tensor (or scalar) of the type and shape of `value`.
  Value zerosLike(Location loc, Value value);
  /// x + y, elementwise for tensors.
  Value addValues(Location loc, Value x, Value y);

  /// Propagates the adjoints of `op`'s results to its operands.
  LogicalResult differentiate(Operation *op);
  /// The adjoint of one linalg.generic: one new generic per active input
  /// (GenericAdjoint.cpp).
  LogicalResult differentiateGeneric(linalg::GenericOp generic);
  /// The adjoint of a concatenation: a slice of `adj` per input.
  LogicalResult differentiateConcat(tensor::ConcatOp concat, Value adj);

  /// The function being differentiated.
  func::FuncOp primal;
  /// Per input of `primal`, whether its gradient is read.
  ArrayRef<bool> wanted;
  bool embeddingReduction;
  /// Builds the VJP function's ops.
  OpBuilder b;
  /// The values that depend on the wanted inputs.
  llvm::DenseSet<Value> active;
  /// The adjoint of each active value reached so far by the reverse sweep.
  llvm::DenseMap<Value, Value> adjoints;
};

} // namespace mlir::fm::autodiff

#endif // FM_TRANSFORMS_AUTODIFF_VJPBUILDER_H
