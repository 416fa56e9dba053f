//===- FuseElementwise.cpp - Elementwise fusion that keeps products whole -===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Upstream's elementwise fusion patterns with a cost function of our own:
// a producer with one use is fused into its consumer unless the consumer is
// a contraction. The upstream pass (linalg-fuse-elementwise-ops) fuses into
// every consumer and is meant for testing only.
//
//===----------------------------------------------------------------------===//

#include "fm/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMFUSEELEMENTWISE
#include "fm/Transforms/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;

/// Whether the producer of `fused` may be folded into its user: it has no
/// other user, neither is a product the backends would otherwise hand to a
/// library, and the fusion is sound. Upstream's fusion keeps a
/// producer that reads its own outputs (`out + x`, as fm-autodiff's
/// gradients do) as an extra output of the fused op, indexed through the
/// consumer's map: where that map broadcasts the producer over a loop, the
/// fused op would read and rewrite the same element once per iteration of
/// that loop, accumulating the producer's value (a gradient reduced over
/// rows, then broadcast over a vocabulary, came out multiplied by the
/// vocabulary index plus one).
static bool shouldFuse(OpOperand *fused) {
  Operation *producer = fused->get().getDefiningOp();
  if (!producer || !producer->hasOneUse())
    return false;
  // Nor is a reshape folded into a product (by expansion, it would become
  // a product of higher rank that no backend matches).
  if (auto product = dyn_cast<linalg::LinalgOp>(producer))
    if (linalg::isaContractionOpInterface(product))
      return false;
  auto consumer = dyn_cast<linalg::LinalgOp>(fused->getOwner());
  if (!consumer)
    return true;
  if (linalg::isaContractionOpInterface(consumer))
    return false;
  auto generic = dyn_cast<linalg::GenericOp>(producer);
  bool readsItsOutputs =
      generic && llvm::any_of(generic.getDpsInitsMutable(), [&](OpOperand &o) {
        return generic.payloadUsesValueFromOperand(&o);
      });
  return !readsItsOutputs ||
         consumer.getMatchingIndexingMap(fused).isPermutation();
}

namespace {
struct FmFuseElementwisePass
    : mlir::fm::impl::FmFuseElementwiseBase<FmFuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    // Operands a payload never reads go first: fm-autodiff's tangent of a
    // product still lists the primal operand, and only without it is the
    // generic recognizably a contraction.
    RewritePatternSet cleanup(context);
    linalg::populateEraseUnusedOperandsAndResultsPatterns(cleanup);
    if (failed(applyPatternsGreedily(getOperation(), std::move(cleanup))))
      return signalPassFailure();

    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, shouldFuse);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, shouldFuse);
    if (failed(applyPatternsGreedily(
            getOperation(), std::move(patterns),
            GreedyRewriteConfig().setUseTopDownTraversal())))
      signalPassFailure();
  }
};
} // namespace
