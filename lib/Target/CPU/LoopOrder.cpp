//===- LoopOrder.cpp - Vectorizable loop order for linalg.generic ---------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Target/CPU/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCPULOOPORDER
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;

namespace {
struct FmCpuLoopOrderPass
    : mlir::fm::impl::FmCpuLoopOrderBase<FmCpuLoopOrderPass> {
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> generics;
    getOperation()->walk([&](linalg::GenericOp op) { generics.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics) {
      if (op.getNumDpsInits() == 0)
        continue;
      AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
      if (outMap.getNumResults() == 0)
        continue;
      auto last = dyn_cast<AffineDimExpr>(outMap.getResults().back());
      unsigned numLoops = op.getNumLoops();
      if (!last || last.getPosition() + 1 == numLoops)
        continue;
      // Loop `last` moves to the end; the others keep their order.
      SmallVector<unsigned> order;
      for (unsigned d = 0; d < numLoops; ++d)
        if (d != last.getPosition())
          order.push_back(d);
      order.push_back(last.getPosition());
      rewriter.setInsertionPoint(op);
      if (failed(linalg::interchangeGenericOp(rewriter, op, order)))
        return signalPassFailure();
    }
  }
};
} // namespace
