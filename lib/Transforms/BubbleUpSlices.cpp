//===- BubbleUpSlices.cpp - Compute only the slices that are read ---------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Moves tensor.extract_slice towards the producers of its source, so that
// the parts of a tensor that no slice reads are never computed.
//
//===----------------------------------------------------------------------===//

#include "fm/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMBUBBLEUPSLICES
#include "fm/Transforms/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;

namespace {
/// extract_slice(insert_slice(%v into %dest)) reads %dest alone when the
/// two slices are disjoint: along some dimension, both have a static offset
/// and size and unit strides, and their intervals do not meet.
struct ExtractFromDisjointInsert : OpRewritePattern<tensor::ExtractSliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExtractSliceOp extract,
                                PatternRewriter &rewriter) const override {
    auto insert = extract.getSource().getDefiningOp<tensor::InsertSliceOp>();
    if (!insert || !disjoint(extract, insert))
      return failure();
    rewriter.modifyOpInPlace(
        extract, [&] { extract.getSourceMutable().assign(insert.getDest()); });
    return success();
  }

  static bool disjoint(tensor::ExtractSliceOp extract,
                       tensor::InsertSliceOp insert) {
    ArrayRef<int64_t> offsetsA = extract.getStaticOffsets(),
                      sizesA = extract.getStaticSizes(),
                      stridesA = extract.getStaticStrides();
    ArrayRef<int64_t> offsetsB = insert.getStaticOffsets(),
                      sizesB = insert.getStaticSizes(),
                      stridesB = insert.getStaticStrides();
    for (size_t d = 0, e = offsetsA.size(); d < e; ++d) {
      int64_t values[] = {offsetsA[d], sizesA[d], stridesA[d],
                          offsetsB[d], sizesB[d], stridesB[d]};
      if (llvm::any_of(values, ShapedType::isDynamic) || stridesA[d] != 1 ||
          stridesB[d] != 1)
        continue;
      if (offsetsA[d] + sizesA[d] <= offsetsB[d] ||
          offsetsB[d] + sizesB[d] <= offsetsA[d])
        return true;
    }
    return false;
  }
};

struct FmBubbleUpSlicesPass
    : mlir::fm::impl::FmBubbleUpSlicesBase<FmBubbleUpSlicesPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::populateBubbleUpExtractSliceOpPatterns(patterns);
    patterns.add<ExtractFromDisjointInsert>(context);
    tensor::ExtractSliceOp::getCanonicalizationPatterns(patterns, context);
    tensor::InsertSliceOp::getCanonicalizationPatterns(patterns, context);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
