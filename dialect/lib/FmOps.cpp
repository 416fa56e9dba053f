//===- FmOps.cpp - Operations of the fm dialect ---------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Dialect/FmOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

using namespace mlir;
using namespace mlir::fm;

#define GET_OP_CLASSES
#include "fm/Dialect/FmOps.cpp.inc"

//===----------------------------------------------------------------------===//
// PathSampleOp
//===----------------------------------------------------------------------===//

LogicalResult PathSampleOp::verify() {
  auto xType = llvm::cast<RankedTensorType>(getX0().getType());
  auto tType = llvm::cast<RankedTensorType>(getT().getType());
  if (!llvm::isa<FloatType>(xType.getElementType()))
    return emitOpError("samples must have a float element type, got ")
           << xType.getElementType();
  if (xType.getRank() < 1)
    return emitOpError("samples must have a leading batch dimension, got a "
                       "0-d tensor");
  if (tType.getRank() != 1)
    return emitOpError("time must be a 1-D tensor with one entry per batch "
                       "row, got rank ")
           << tType.getRank();
  if (tType.getElementType() != xType.getElementType())
    return emitOpError("time element type ")
           << tType.getElementType()
           << " does not match the sample element type "
           << xType.getElementType();
  int64_t batch = xType.getDimSize(0), times = tType.getDimSize(0);
  if (!ShapedType::isDynamic(batch) && !ShapedType::isDynamic(times) &&
      batch != times)
    return emitOpError("time has ")
           << times << " entries but the batch has " << batch << " rows";
  return success();
}
