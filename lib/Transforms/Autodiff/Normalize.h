//===- Normalize.h - A function in the forms autodiff handles ---*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TRANSFORMS_AUTODIFF_NORMALIZE_H
#define FM_TRANSFORMS_AUTODIFF_NORMALIZE_H

#include "mlir/Dialect/Func/IR/FuncOps.h"

namespace mlir::fm::autodiff {

/// Rewrites the body of `func` into the forms that differentiation
/// understands: calls to single-block functions inlined (repeatedly, up to a
/// depth of 16, so a network's layers are seen through; a recursive call
/// stays), and every named linalg op and elementwise arith/math op on
/// tensors as a linalg.generic. Nothing is folded. Fails when the rewrite
/// does not converge.
LogicalResult normalizeForDifferentiation(func::FuncOp func);

/// Gives `into` an entry block holding a copy of `primal`'s single block,
/// its leading arguments standing for `primal`'s, and normalizes it
/// (normalizeForDifferentiation). `into` must take at least `primal`'s
/// arguments, first and with their types.
LogicalResult cloneAndNormalize(func::FuncOp primal, func::FuncOp into);

} // namespace mlir::fm::autodiff

#endif // FM_TRANSFORMS_AUTODIFF_NORMALIZE_H
