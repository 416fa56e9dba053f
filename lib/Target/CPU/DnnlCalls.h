//===- DnnlCalls.h - Declarations of the oneDNN layer's ABI -----*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The functions of the runtime's oneDNN layer (fm/Runtime/DnnlAbi.def) as
// the CPU target's passes declare them in a module: fm-linalg-to-dnnl and
// fm-cpu-parallel-elementwise.
//
//===----------------------------------------------------------------------===//

#ifndef FM_LIB_TARGET_CPU_DNNLCALLS_H
#define FM_LIB_TARGET_CPU_DNNLCALLS_H

#include "fm/Runtime/DnnlAbi.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"

namespace mlir::fm {

/// The private declaration of a runtime function (DnnlAbi.def), with
/// `llvm.emit_c_interface` and the MLIR types of the table's parameters:
/// created at the start of `module` unless it is already there.
func::FuncOp declareAbiFunction(ModuleOp module,
                                const fmrt::dnnl::AbiFunction &function);

} // namespace mlir::fm

#endif // FM_LIB_TARGET_CPU_DNNLCALLS_H
