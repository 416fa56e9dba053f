//===- RuntimeHooks.h - Calls from compiled code to the runtime -*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Compiled code reaches the runtime's handlers through globals of its own
// module, which the runtime fills when it loads the module
// (fm/Runtime/Allocation.h): fm-cpu-checked-allocations and
// fm-cpu-lower-checks build the calls through them with these helpers.
//
//===----------------------------------------------------------------------===//

#ifndef FM_LIB_TARGET_CPU_RUNTIMEHOOKS_H
#define FM_LIB_TARGET_CPU_RUNTIMEHOOKS_H

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::fm {

/// The function `name` of `module`, declared with `type` and `linkage`
/// where the module has none.
LLVM::LLVMFuncOp getOrDeclareFunction(ModuleOp module, StringRef name,
                                      LLVM::LLVMFunctionType type,
                                      LLVM::Linkage linkage);

/// The pointer global `name` of `module`, which the runtime sets to one of
/// its handlers; created null-initialized and external where it is absent.
LLVM::GlobalOp getOrCreateHookGlobal(ModuleOp module, StringRef name);

/// Ends the block at `b`'s insertion point with a call of the handler in
/// the hook global `hook` with `args` (it does not return), or, where the
/// global is null (no runtime set it: mlir-runner), a call of `abort`.
void callHookOrAbort(OpBuilder &b, Location loc, ModuleOp module,
                     LLVM::GlobalOp hook, ValueRange args);

} // namespace mlir::fm

#endif // FM_LIB_TARGET_CPU_RUNTIMEHOOKS_H
