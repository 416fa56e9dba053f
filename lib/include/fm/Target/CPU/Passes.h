//===- Passes.h - CPU-specific passes ---------------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The passes of the host CPU target (lib/Target/CPU): vectorization, loop
// order and math approximation for the linalg path, and the lowering of
// contractions to the runtime's oneDNN layer. Declared in Passes.td.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TARGET_CPU_PASSES_H
#define FM_TARGET_CPU_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::fm {

#define GEN_PASS_DECL
#include "fm/Target/CPU/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "fm/Target/CPU/Passes.h.inc"

} // namespace mlir::fm

#endif // FM_TARGET_CPU_PASSES_H
