//===- Passes.h - Target-independent fm transformations ---------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Target-independent passes (lib/Transforms): the expansion of the
// declarative level, automatic differentiation, elementwise fusion and
// run-time checks. What
// is specific to a target lives in fm/Target/<target>/Passes.h. Declared in
// Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TRANSFORMS_PASSES_H
#define FM_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::fm {

#define GEN_PASS_DECL
#include "fm/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fm/Transforms/Passes.h.inc"

} // namespace mlir::fm

#endif // FM_TRANSFORMS_PASSES_H
