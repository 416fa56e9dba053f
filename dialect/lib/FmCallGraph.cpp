//===- FmCallGraph.cpp - Recursion in the call graph of fm programs -------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// verifyNoRecursion (fm/Dialect/FmOps.h), which fm.flow's verifier runs on
// its network and the entry-point verifier on every fm.entry function:
// compiled code has no stack guard, so a cycle of calls is a diagnostic.
//
//===----------------------------------------------------------------------===//

#include "fm/Dialect/FmOps.h"

#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::fm;

/// The functions `func`'s body refers to by symbol, in order.
static SmallVector<FunctionOpInterface>
referencedFunctions(FunctionOpInterface func) {
  SmallVector<FunctionOpInterface> callees;
  std::optional<SymbolTable::UseRange> uses =
      SymbolTable::getSymbolUses(&func.getFunctionBody());
  if (!uses)
    return callees;
  for (const SymbolTable::SymbolUse &use : *uses)
    if (auto callee = SymbolTable::lookupNearestSymbolFrom<FunctionOpInterface>(
            use.getUser(), use.getSymbolRef());
        callee && !llvm::is_contained(callees, callee))
      callees.push_back(callee);
  return callees;
}

LogicalResult mlir::fm::verifyNoRecursion(Operation *reporter,
                                          FunctionOpInterface root,
                                          StringRef what) {
  // Depth-first, with the chain from the root on an explicit stack.
  struct Frame {
    FunctionOpInterface func;
    SmallVector<FunctionOpInterface> callees;
    size_t next = 0;
  };
  SmallVector<Frame> chain;
  llvm::SmallPtrSet<Operation *, 16> onChain, done;
  chain.push_back({root, referencedFunctions(root)});
  onChain.insert(root);
  while (!chain.empty()) {
    Frame &top = chain.back();
    if (top.next == top.callees.size()) {
      onChain.erase(top.func);
      done.insert(top.func);
      chain.pop_back();
      continue;
    }
    FunctionOpInterface callee = top.callees[top.next++];
    if (onChain.contains(callee)) {
      std::string path;
      bool in = false;
      for (Frame &frame : chain) {
        in |= frame.func == callee;
        if (in)
          path += "@" + frame.func.getName().str() + " -> ";
      }
      path += "@" + callee.getName().str();
      return reporter->emitOpError()
             << what << " calls itself (" << path
             << "): recursion cannot be compiled, it would overflow the "
                "stack at run time";
    }
    if (done.contains(callee))
      continue;
    onChain.insert(callee);
    chain.push_back({callee, referencedFunctions(callee)});
  }
  return success();
}
