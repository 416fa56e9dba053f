//===- Passes.h - GPU-specific passes ---------------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TARGET_GPU_PASSES_H
#define FM_TARGET_GPU_PASSES_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Pass/Pass.h"

namespace mlir::fm {

#define GEN_PASS_DECL
#include "fm/Target/GPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fm/Target/GPU/Passes.h.inc"

} // namespace mlir::fm

#endif // FM_TARGET_GPU_PASSES_H
