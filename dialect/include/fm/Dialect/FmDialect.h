//===- FmDialect.h - The flow-matching dialect ------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_DIALECT_FMDIALECT_H
#define FM_DIALECT_FMDIALECT_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Dialect.h"

#include "fm/Dialect/FmDialect.h.inc"

#endif // FM_DIALECT_FMDIALECT_H
