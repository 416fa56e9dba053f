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

/// The activation codes of the runtime's `fmrt_dnnl_matmul` (see
/// fm/Runtime/Dnnl.h).
enum class DnnlActivation : int64_t {
  None = 0,
  ReLU = 1,
  ELU = 2,
  GeluTanh = 3,
  GeluErf = 4,
  SiLU = 5,
  Tanh = 6,
  Sigmoid = 7,
};

/// Flags of `fmrt_dnnl_matmul`.
enum DnnlMatmulFlags : int64_t {
  kDnnlTransposeA = 1,
  kDnnlTransposeB = 2,
  kDnnlBias = 4,
  kDnnlAccumulate = 8,
};

} // namespace mlir::fm

#endif // FM_CONVERSION_LINALGTODNNL_LINALGTODNNL_H
