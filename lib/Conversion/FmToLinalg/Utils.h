//===- Utils.h - Helpers shared by the fm-to-linalg patterns ----*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_CONVERSION_FMTOLINALG_UTILS_H
#define FM_CONVERSION_FMTOLINALG_UTILS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/ValueRange.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"

namespace mlir::fm {

/// A linalg.generic over the shape of `like` (all loops parallel, identity
/// maps) whose scalar body `body(b, loc, args)` maps the elements of
/// `inputs` to the elements of one result of `like`'s type per yielded
/// value.
ValueRange buildElementwise(
    OpBuilder &b, Location loc, Value like, ValueRange inputs,
    unsigned numResults,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body);

/// A scheduler coefficient (an SSA value, or an attribute where it does not
/// depend on t) as an SSA value of type `type`.
Value materializeCoefficient(OpBuilder &b, Location loc, OpFoldResult ofr,
                             Type type);

/// `total` divided by the number of elements of the first `rank` dimensions
/// of `tensor`, as a float of `total`'s type: the mean of a loss summed over
/// them.
Value divideByElementCount(OpBuilder &b, Location loc, Value total,
                           Value tensor, int64_t rank);

} // namespace mlir::fm

#endif // FM_CONVERSION_FMTOLINALG_UTILS_H
