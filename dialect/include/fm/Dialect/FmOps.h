//===- FmOps.h - Operations of the fm dialect -------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_DIALECT_FMOPS_H
#define FM_DIALECT_FMOPS_H

#include "fm/Dialect/FmAttrs.h"
#include "fm/Dialect/FmDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#define GET_OP_CLASSES
#include "fm/Dialect/FmOps.h.inc"

namespace mlir::fm {

/// Fails, reporting on `reporter`, where a chain of symbol references to
/// functions (func.call, fm.vjp, fm.integrate, ...) from `root` comes back
/// to a function already on the chain: compiled code would recurse without
/// end and overflow the stack. `what` names the root in the message
/// ("network 'v'").
LogicalResult verifyNoRecursion(Operation *reporter, FunctionOpInterface root,
                                StringRef what);

} // namespace mlir::fm

#endif // FM_DIALECT_FMOPS_H
