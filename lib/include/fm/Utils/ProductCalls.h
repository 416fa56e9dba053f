//===- ProductCalls.h - Contractions on buffers to calls --------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// After bufferization, a network layer is three ops on buffers:
//
//   linalg.fill 0 → C                      (or a generic yielding 0)
//   linalg.generic C[m, n] += A·B          (a contraction, any layout)
//   linalg.generic D = act(C + bias)       (an elementwise epilogue)
//
// replaceProductsWithCalls turns them into one call of a runtime's matrix
// product, `callee(A, B, bias, D, flags, activation, alpha)` with the flags
// and activation codes of fm/Runtime/MatmulAbi.h: transposed operands are
// read in place, and the epilogue is fused where the backend has one for
// its activation. A contraction without a fusable epilogue still becomes a
// call (writing C, or adding to it when C was not zero-filled). The CPU
// target's oneDNN calls (fm-linalg-to-dnnl) and the GPU target's cuBLASLt
// calls (fm-gpu-linalg-to-cublas) are this rewriting with two callees.
//
//===----------------------------------------------------------------------===//

#ifndef FM_UTILS_PRODUCTCALLS_H
#define FM_UTILS_PRODUCTCALLS_H

#include "fm/Runtime/MatmulAbi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::fm {

/// The fully dynamic strided f32 memref of `rank` dimensions, as the
/// runtimes' descriptor-based C interfaces take it.
MemRefType getDynamicStridedF32(MLIRContext *ctx, int64_t rank);

/// The type of a product function: (memref 2-D A, memref 2-D B, memref 1-D
/// bias, memref 2-D C, i64 flags, i64 activation, f32 alpha) → ().
FunctionType getProductCallType(MLIRContext *ctx);

/// Whether a backend's product fuses `activation` into its epilogue.
using FusesActivation = llvm::function_ref<bool(fmrt::Activation)>;

/// Replaces every f32 2-D contraction on buffers in `module`'s defined
/// functions with a call of the function `declareCallee` returns (of
/// getProductCallType; it is called once, and only if there is a
/// contraction), fused with its zero fill, and with its bias-and-activation
/// epilogue where `fusesActivation` accepts the activation and the
/// pre-activation buffer has no other reader.
void replaceProductsWithCalls(ModuleOp module,
                              llvm::function_ref<func::FuncOp()> declareCallee,
                              FusesActivation fusesActivation);

} // namespace mlir::fm

#endif // FM_UTILS_PRODUCTCALLS_H
