//===- FmDialect.cpp - The flow-matching dialect --------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Dialect/FmDialect.h"
#include "fm/Dialect/FmAttrs.h"
#include "fm/Dialect/FmOps.h"

using namespace mlir;
using namespace mlir::fm;

#include "fm/Dialect/FmDialect.cpp.inc"

void FmDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "fm/Dialect/FmOps.cpp.inc"
      >();
  registerAttributes();
}
