//===- FmVerifiers.h - Checks shared by the fm ops' verifiers ---*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_DIALECT_LIB_FMVERIFIERS_H
#define FM_DIALECT_LIB_FMVERIFIERS_H

#include "mlir/IR/Operation.h"
#include "mlir/Support/LLVM.h"

namespace mlir::fm::detail {

/// Checks that `grid` has at least two times and is strictly monotone, with
/// a diagnostic on `op`; returns whether it increases.
FailureOr<bool> verifyTimeGrid(Operation *op, ArrayRef<double> grid);

} // namespace mlir::fm::detail

#endif // FM_DIALECT_LIB_FMVERIFIERS_H
