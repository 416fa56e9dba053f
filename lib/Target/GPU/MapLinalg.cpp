//===- MapLinalg.cpp - linalg on buffers onto GPU blocks and threads ------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-gpu-map-linalg and fm-gpu-check-host-loops (fm/Target/GPU/Passes.td).
// The mapping is set by hand rather than by upstream's
// gpu-map-parallel-loops, whose two policies give either uncoalesced
// threads or a grid on block_y, capped at 65,535 blocks
// (docs/notes/CudaLowering.md).
//
//===----------------------------------------------------------------------===//

#include "DeviceMemory.h"

#include "fm/Target/GPU/Passes.h"

#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMGPUMAPLINALG
#define GEN_PASS_DEF_FMGPUCHECKHOSTLOOPS
#include "fm/Target/GPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;

/// The mapping of one loop onto `processor`.
static gpu::ParallelLoopDimMappingAttr onto(MLIRContext *ctx,
                                            gpu::Processor processor) {
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  return gpu::ParallelLoopDimMappingAttr::get(ctx, processor, id, id);
}

/// Tile sizes of a loop nest over `upperBounds` (from 0, step 1) for blocks
/// of `threads` threads: the innermost loop takes as many as it has (at
/// most `threads`; where its size is dynamic, 32, or all of them for a
/// single loop), the outermost the rest of the block, the others 1.
static SmallVector<int64_t> blockTile(ValueRange upperBounds, int64_t threads) {
  size_t rank = upperBounds.size();
  SmallVector<int64_t> tiles(rank, 1);
  std::optional<int64_t> inner = getConstantIntValue(upperBounds.back());
  // A dynamic innermost size leaves room for other loops in the block,
  // unless there are none.
  int64_t dynamicTile = rank == 1 ? threads : std::min<int64_t>(32, threads);
  tiles.back() = inner ? std::clamp<int64_t>(*inner, 1, threads) : dynamicTile;
  if (rank > 1)
    tiles.front() = std::max<int64_t>(1, threads / tiles.back());
  return tiles;
}

namespace {
struct FmGpuMapLinalgPass
    : mlir::fm::impl::FmGpuMapLinalgBase<FmGpuMapLinalgPass> {
  using FmGpuMapLinalgBase::FmGpuMapLinalgBase;

  void runOnOperation() override {
    if (threads < 1 || threads > 1024) {
      getOperation().emitError("fm-gpu-map-linalg: threads must be in "
                               "[1, 1024], got ")
          << static_cast<int64_t>(threads);
      return signalPassFailure();
    }
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureBufferSemantics() && !op->getParentOfType<gpu::LaunchOp>())
        ops.push_back(op);
    });
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    for (linalg::LinalgOp op : ops) {
      rewriter.setInsertionPoint(op);
      if (op.getNumParallelLoops() == 0) {
        // A full reduction: one thread runs it.
        Location loc = op.getLoc();
        Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
        Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
        auto single = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                              ValueRange{one}, ValueRange{one});
        op->moveBefore(single.getBody()->getTerminator());
        rewriter.setInsertionPoint(op);
        if (failed(linalg::linalgOpToLoops(rewriter, op)))
          return signalPassFailure();
        rewriter.eraseOp(op);
        (void)gpu::setMappingAttr(single, {onto(ctx, gpu::Processor::BlockX)});
        continue;
      }
      // Parallel loops outermost, in their order, so that they form one
      // scf.parallel nest and every reduction runs inside a thread (a
      // column sum: each thread sums a column, a warp reads a row).
      if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation())) {
        SmallVector<unsigned> order;
        SmallVector<utils::IteratorType> iterators =
            generic.getIteratorTypesArray();
        for (auto [i, it] : llvm::enumerate(iterators))
          if (it == utils::IteratorType::parallel)
            order.push_back(i);
        for (auto [i, it] : llvm::enumerate(iterators))
          if (it != utils::IteratorType::parallel)
            order.push_back(i);
        if (!llvm::is_sorted(order)) {
          FailureOr<linalg::GenericOp> interchanged =
              linalg::interchangeGenericOp(rewriter, generic, order);
          if (failed(interchanged)) {
            op->emitError("fm-gpu-map-linalg: cannot reorder this op's loops");
            return signalPassFailure();
          }
          op = *interchanged;
        }
      }
      FailureOr<linalg::LinalgLoops> loops =
          linalg::linalgOpToParallelLoops(rewriter, op);
      if (failed(loops) || loops->empty()) {
        op->emitError("fm-gpu-map-linalg: cannot turn this op into loops");
        return signalPassFailure();
      }
      rewriter.eraseOp(op);
      auto nest = llvm::dyn_cast<scf::ParallelOp>(loops->front());
      if (!nest) {
        op->emitError("fm-gpu-map-linalg: this op has no outer parallel loop");
        return signalPassFailure();
      }
      SmallVector<int64_t> tiles =
          blockTile(nest.getUpperBound(), static_cast<int64_t>(threads));
      auto [blocks, lanes] =
          scf::tileParallelLoop(nest, tiles, /*noMinMaxBounds=*/true);
      size_t rank = tiles.size();
      SmallVector<gpu::ParallelLoopDimMappingAttr> blockMap, threadMap;
      const gpu::Processor blockDims[] = {gpu::Processor::BlockX,
                                          gpu::Processor::BlockY,
                                          gpu::Processor::BlockZ};
      for (size_t d = 0; d < rank; ++d) {
        blockMap.push_back(
            onto(ctx, d < 3 ? blockDims[d] : gpu::Processor::Sequential));
        gpu::Processor lane = gpu::Processor::Sequential;
        if (d + 1 == rank)
          lane = gpu::Processor::ThreadX;
        else if (d == 0)
          lane = gpu::Processor::ThreadY;
        threadMap.push_back(onto(ctx, lane));
      }
      if (failed(gpu::setMappingAttr(blocks, blockMap)) ||
          failed(gpu::setMappingAttr(lanes, threadMap))) {
        blocks.emitError("fm-gpu-map-linalg: cannot map this loop nest");
        return signalPassFailure();
      }
    }
  }
};

struct FmGpuCheckHostLoopsPass
    : mlir::fm::impl::FmGpuCheckHostLoopsBase<FmGpuCheckHostLoopsPass> {
  void runOnOperation() override {
    bool failedCheck = false;
    auto report = [&](Operation *op, StringRef what) {
      op->emitError() << what
                      << " on the host, but the buffer lives in GPU memory: "
                         "this would crash at run time";
      failedCheck = true;
    };
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (auto launch = dyn_cast<gpu::LaunchOp>(op)) {
        // What a kernel reads from the host's scope must be device memory.
        llvm::SetVector<Value> captured;
        getUsedValuesDefinedAbove(launch.getBody(), captured);
        for (Value v : captured)
          if (isa<MemRefType>(v.getType()) && !isDeviceBuffer(v)) {
            launch.emitError("a kernel reads a buffer in host memory, which "
                             "the GPU cannot address");
            failedCheck = true;
            break;
          }
        return WalkResult::skip();
      }
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
        if (linalgOp.hasPureBufferSemantics()) {
          report(op, "this op stays");
          return WalkResult::skip();
        }
        return WalkResult::advance();
      }
      if (auto load = dyn_cast<memref::LoadOp>(op)) {
        if (isDeviceBuffer(load.getMemRef()))
          report(op, "a loop or load reads memory");
      } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
        if (isDeviceBuffer(store.getMemRef()))
          report(op, "a loop or store writes memory");
      }
      return WalkResult::advance();
    });
    if (failedCheck)
      signalPassFailure();
  }
};
} // namespace
