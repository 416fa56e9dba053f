//===- VectorizeContractions.cpp - Register-blocked contractions ----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Tiles every f32 matmul-like linalg.generic on tensors with static columns
// and reduction into register-sized blocks and turns each block into vector
// FMAs:
//
//   for m in 0..M step TM, n in 0..N step TN:  (scf.for on tensors)
//     acc = C[m:TM, n:TN]                        (hoisted out of the k loop)
//     for k in 0..K step TK:
//       acc = contract(A[m, k], B[k, n], acc)    (outer products, vector.fma)
//     C[m:TM, n:TN] = acc
//
// The accumulator block (TM × TN floats) stays in vector registers across
// the k loop; each k step broadcasts one element of A per row and multiplies
// it by a row of B. A right operand laid out [n, k] (a forward layer's
// weight) is transposed once before the loops; the other layouts that are
// not A[m, k]·B[k, n] (the transposed products of the backward pass) are
// handled by vector transposes of the small operand blocks. Dynamic rows
// are peeled into full blocks and a remainder that becomes plain loops.
//
//===----------------------------------------------------------------------===//

#include "fm/Target/CPU/Passes.h"
#include "fm/Utils/Contraction.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCPUVECTORIZECONTRACTIONS
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using mlir::fm::ContractionLoops;
using mlir::fm::getContractionLoops;

namespace {

/// Returns the loops of `op` if it is an f32 contraction on tensors with a
/// 2-D result whose columns and reduction are static, the shape this pass
/// knows how to block.
static std::optional<ContractionLoops> matchContraction(linalg::GenericOp op) {
  if (!op.hasPureTensorSemantics())
    return std::nullopt;
  std::optional<ContractionLoops> loops = getContractionLoops(op);
  if (!loops)
    return std::nullopt;
  auto resultType = dyn_cast<RankedTensorType>(op.getResultTypes()[0]);
  if (!resultType || !resultType.getElementType().isF32())
    return std::nullopt;
  // Only the rows (a batch) may be dynamic: their loop is peeled into full
  // blocks and a remainder.
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ShapedType::isDynamic(ranges[loops->n]) ||
      ShapedType::isDynamic(ranges[loops->k]))
    return std::nullopt;
  return loops;
}

/// The largest of `preferred` that divides `extent`, or the whole extent when
/// none does (small dimensions such as a 2-D output layer).
static int64_t blockSize(int64_t extent, ArrayRef<int64_t> preferred) {
  for (int64_t size : preferred)
    if (extent >= size && extent % size == 0)
      return size;
  return extent;
}

/// Whether `map` indexes exactly the loops `outer`, `inner`, in this order.
static bool indexes(AffineMap map, unsigned outer, unsigned inner) {
  return map.getNumResults() == 2 &&
         map.getResult(0) == getAffineDimExpr(outer, map.getContext()) &&
         map.getResult(1) == getAffineDimExpr(inner, map.getContext());
}

/// The contraction's inputs and indexing maps as the kernel wants them: the
/// operand indexed by m first (A), the one indexed by n second (B), and B
/// laid out [k, n] so that each reduction step reads one contiguous row of
/// it. A forward layer's weight, [n, k] (PyTorch's [out, in]), is
/// transposed once here, outside the blocked loops; transposing it block by
/// block inside them costs more shuffles than the FMAs it feeds
/// (bench/RESULTS.md, "How the training time got here", has the numbers).
static std::pair<SmallVector<Value>, SmallVector<AffineMap>>
kernelOperands(RewriterBase &rewriter, linalg::GenericOp op,
               const ContractionLoops &loops) {
  SmallVector<Value> inputs = op.getDpsInputs();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  auto usesLoop = [](AffineMap map, unsigned loop) {
    return map.isFunctionOfDim(loop);
  };
  if (!usesLoop(maps[0], loops.m)) {
    std::swap(inputs[0], inputs[1]);
    std::swap(maps[0], maps[1]);
  }
  if (indexes(maps[1], loops.n, loops.k)) {
    auto type = cast<RankedTensorType>(inputs[1].getType());
    Location loc = op.getLoc();
    Value empty = tensor::EmptyOp::create(
        rewriter, loc,
        ArrayRef<int64_t>{type.getDimSize(1), type.getDimSize(0)},
        type.getElementType());
    inputs[1] = linalg::TransposeOp::create(rewriter, loc, inputs[1], empty,
                                            ArrayRef<int64_t>{1, 0})
                    ->getResult(0);
    maps[1] = AffineMap::get(3, 0,
                             {rewriter.getAffineDimExpr(loops.k),
                              rewriter.getAffineDimExpr(loops.n)},
                             rewriter.getContext());
  }
  return {inputs, maps};
}

struct FmCpuVectorizeContractionsPass
    : mlir::fm::impl::FmCpuVectorizeContractionsBase<
          FmCpuVectorizeContractionsPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    SmallVector<std::pair<linalg::GenericOp, ContractionLoops>> targets;
    getOperation()->walk([&](linalg::GenericOp op) {
      if (std::optional<ContractionLoops> loops = matchContraction(op))
        targets.emplace_back(op, *loops);
    });

    IRRewriter rewriter(ctx);
    for (auto [op, loops] : targets) {
      SmallVector<int64_t> ranges = op.getStaticLoopRanges();
      SmallVector<int64_t> sizes(3, 0);
      sizes[loops.m] = ShapedType::isDynamic(ranges[loops.m])
                           ? int64_t(tileM)
                           : blockSize(ranges[loops.m], {tileM});
      sizes[loops.n] = blockSize(ranges[loops.n], {tileN, tileN / 2});
      // A reduction block equal to the whole reduction needs no loop.
      int64_t k = blockSize(ranges[loops.k], {tileK});
      sizes[loops.k] = k == ranges[loops.k] ? 0 : k;

      scf::SCFTilingOptions options;
      options.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
      options.setTileSizes(getAsIndexOpFoldResult(ctx, sizes));
      options.setInterchange({loops.m, loops.n, loops.k});
      // The vectorizer turns only named contractions into vector.contract
      // (a generic becomes broadcasts and a multi_reduction), so the generic
      // is restated as linalg.contract, with its operands in the layout the
      // outer-product kernel reads fastest.
      rewriter.setInsertionPoint(op);
      auto [inputs, maps] = kernelOperands(rewriter, op, loops);
      auto contract = linalg::ContractOp::create(
          rewriter, op.getLoc(), op.getResultTypes(), inputs, op.getDpsInits(),
          rewriter.getAffineMapArrayAttr(maps));
      rewriter.replaceOp(op, contract->getResults());
      FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
          rewriter, cast<TilingInterface>(contract.getOperation()), options);
      if (failed(tiled)) {
        contract.emitError("fm-cpu-vectorize-contractions: tiling failed");
        return signalPassFailure();
      }
      rewriter.replaceOp(contract, tiled->replacements);

      // Dynamic rows: full blocks, then a remainder loop of fewer than
      // tile-m rows, which stays a (dynamically shaped) linalg.contract and
      // becomes plain loops.
      if (ShapedType::isDynamic(ranges[loops.m])) {
        auto rows = cast<scf::ForOp>(tiled->loops.front().getOperation());
        scf::ForOp remainder;
        (void)scf::peelForLoopAndSimplifyBounds(rewriter, rows, remainder);
      }
    }

    // Folds the full blocks' sizes into their types (affine.min → 8,
    // tensor.cast into linalg.contract).
    {
      RewritePatternSet patterns(ctx);
      tensor::ExtractSliceOp::getCanonicalizationPatterns(patterns, ctx);
      tensor::InsertSliceOp::getCanonicalizationPatterns(patterns, ctx);
      tensor::CastOp::getCanonicalizationPatterns(patterns, ctx);
      affine::AffineMinOp::getCanonicalizationPatterns(patterns, ctx);
      affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
      ctx->getLoadedDialect<linalg::LinalgDialect>()
          ->getCanonicalizationPatterns(patterns);
      ctx->getLoadedDialect<tensor::TensorDialect>()
          ->getCanonicalizationPatterns(patterns);
      if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
        return signalPassFailure();
    }

    // Every block with a static shape becomes a vector.contract.
    SmallVector<linalg::ContractOp> blocks;
    getOperation()->walk([&](linalg::ContractOp op) {
      if (llvm::all_of(op->getOperandTypes(), [](Type t) {
            return cast<ShapedType>(t).hasStaticShape();
          }))
        blocks.push_back(op);
    });
    for (linalg::ContractOp block : blocks) {
      rewriter.setInsertionPoint(block);
      FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
          rewriter, block, /*inputVectorSizes=*/{},
          /*inputScalableVecDims=*/{}, /*vectorizeNDExtract=*/false,
          /*flatten1DDepthwiseConv=*/false,
          /*assumeDynamicDimsMatchVecSizes=*/false,
          /*createNamedContraction=*/true);
      if (failed(vectorized)) {
        block->emitError("fm-cpu-vectorize-contractions: vectorization failed");
        return signalPassFailure();
      }
      rewriter.replaceOp(block, vectorized->replacements);
    }

    // vector.contract → outer products → vector.fma, with the operand
    // transposes as shuffles.
    RewritePatternSet patterns(ctx);
    vector::populateVectorContractLoweringPatterns(
        patterns, vector::VectorContractLowering::OuterProduct);
    vector::populateVectorOuterProductLoweringPatterns(patterns);
    vector::populateVectorTransposeLoweringPatterns(
        patterns, vector::VectorTransposeLowering::Shuffle1D);
    vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
    vector::populateVectorShapeCastLoweringPatterns(patterns);
    vector::populateVectorBroadcastLoweringPatterns(patterns);
    vector::TransferReadOp::getCanonicalizationPatterns(patterns, ctx);
    vector::TransferWriteOp::getCanonicalizationPatterns(patterns, ctx);
    vector::ContractionOp::getCanonicalizationPatterns(patterns, ctx);
    scf::ForOp::getCanonicalizationPatterns(patterns, ctx);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();

    // The accumulator block is read before and written after the reduction
    // loop, not on every step. This runs after the patterns above, which
    // move the vectorizer's index constants out of the loops: a subset
    // whose offsets are defined inside a loop is not invariant.
    getOperation()->walk([&](LoopLikeOpInterface loop) {
      hoistLoopInvariantSubsets(rewriter, loop);
    });
  }
};
} // namespace
