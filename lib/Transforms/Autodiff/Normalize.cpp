//===- Normalize.cpp - A function in the forms autodiff handles -----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "Normalize.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

using namespace mlir;
using namespace mlir::fm;

/// Replaces calls to single-block functions in `func` with the callees'
/// bodies, repeatedly (a network calling its layers), so differentiation
/// sees through them. Stops after `kMaxDepth` rounds, which leaves a
/// recursive call in place (and an error if it is on the active path).
static void inlineCalls(func::FuncOp func, SymbolTableCollection &symbols) {
  constexpr int kMaxDepth = 16;
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    SmallVector<func::CallOp> calls;
    func.walk([&](func::CallOp call) {
      auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      if (callee && !callee.isExternal() && callee.getBody().hasOneBlock())
        calls.push_back(call);
    });
    if (calls.empty())
      return;
    for (func::CallOp call : calls) {
      auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      Block &body = callee.getBody().front();
      IRMapping mapping;
      mapping.map(body.getArguments(), call.getOperands());
      OpBuilder b(call);
      for (Operation &op : body.without_terminator())
        b.clone(op, mapping);
      auto ret = cast<func::ReturnOp>(body.getTerminator());
      for (auto [result, returned] :
           llvm::zip(call.getResults(), ret.getOperands()))
        result.replaceAllUsesWith(mapping.lookupOrDefault(returned));
      call.erase();
    }
  }
}

LogicalResult autodiff::normalizeForDifferentiation(func::FuncOp func) {
  SymbolTableCollection symbols;
  inlineCalls(func, symbols);

  RewritePatternSet patterns(func.getContext());
  linalg::populateElementwiseToLinalgConversionPatterns(patterns);
  linalg::populateLinalgNamedOpsGeneralizationPatterns(patterns);
  GreedyRewriteConfig config;
  config.enableFolding(false);
  return applyPatternsGreedily(func, std::move(patterns), config);
}

FailureOr<func::FuncOp>
autodiff::createDerivativeFunction(OpBuilder &b, SymbolTable &symbols,
                                   func::FuncOp primal, StringRef suffix,
                                   TypeRange inputs, TypeRange results) {
  if (primal.isExternal() || !primal.getBody().hasOneBlock())
    return primal.emitError("fm-autodiff: cannot differentiate '")
           << primal.getSymName()
           << "': only single-block functions with a body are supported";

  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfter(primal);
  auto into = func::FuncOp::create(b, primal.getLoc(),
                                   (primal.getSymName() + "_" + suffix).str(),
                                   b.getFunctionType(inputs, results));
  into.setPrivate();
  symbols.insert(into); // Renames on a clash with an existing symbol.

  Block *entry = into.addEntryBlock();
  IRMapping mapping;
  Block &primalBlock = primal.getBody().front();
  for (auto [from, to] :
       llvm::zip(primalBlock.getArguments(), entry->getArguments()))
    mapping.map(from, to);
  OpBuilder body = OpBuilder::atBlockEnd(entry);
  for (Operation &op : primalBlock)
    body.clone(op, mapping);
  if (failed(normalizeForDifferentiation(into))) {
    into.erase();
    return failure();
  }
  return into;
}
