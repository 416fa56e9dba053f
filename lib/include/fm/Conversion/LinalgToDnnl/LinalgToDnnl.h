//===- LinalgToDnnl.h - Contractions on buffers to oneDNN calls -*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_CONVERSION_LINALGTODNNL_LINALGTODNNL_H
#define FM_CONVERSION_LINALGTODNNL_LINALGTODNNL_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::fm {

#define GEN_PASS_DECL_FMLINALGTODNNL
#include "fm/Conversion/Passes.h.inc"

} // namespace mlir::fm

#endif // FM_CONVERSION_LINALGTODNNL_LINALGTODNNL_H
