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

/// Creates the function a derivative of `primal` is built in: a private
/// `@<primal>_<suffix>` of `inputs` -> `results` right after `primal`
/// (renamed by `symbols` on a clash), whose entry block holds a normalized
/// copy of `primal`'s body (normalizeForDifferentiation), its leading
/// arguments standing for `primal`'s. `inputs` must start with `primal`'s
/// inputs. Fails, with a diagnostic and leaving nothing behind, for a
/// `primal` without a single-block body or a body that does not normalize.
FailureOr<func::FuncOp>
createDerivativeFunction(OpBuilder &b, SymbolTable &symbols,
                         func::FuncOp primal, StringRef suffix,
                         TypeRange inputs, TypeRange results);

} // namespace mlir::fm::autodiff

#endif // FM_TRANSFORMS_AUTODIFF_NORMALIZE_H
