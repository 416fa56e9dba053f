//===- FmToLinalg.h - Lower fm ops to linalg on tensors ---------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_CONVERSION_FMTOLINALG_FMTOLINALG_H
#define FM_CONVERSION_FMTOLINALG_FMTOLINALG_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;

namespace fm {

#define GEN_PASS_DECL_FMCONVERTTOLINALG
#include "fm/Conversion/Passes.h.inc"

/// Adds the patterns that lower fm loop-level ops to linalg on tensors.
void populateFmToLinalgConversionPatterns(RewritePatternSet &patterns);

} // namespace fm
} // namespace mlir

#endif // FM_CONVERSION_FMTOLINALG_FMTOLINALG_H
