//===- FreshInits.cpp - An init tensor of its own for each linalg op ------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCPUFRESHINITS
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;

/// The value a fill of a `tensor.empty` writes (linalg.fill, or a generic
/// that is one), or null for any other `value`.
static Value filledValue(Value value) {
  auto op = value.getDefiningOp<linalg::LinalgOp>();
  if (!op || op.getNumDpsInits() != 1 ||
      !op.getDpsInits()[0].getDefiningOp<tensor::EmptyOp>())
    return nullptr;
  if (auto fill = dyn_cast<linalg::FillOp>(op.getOperation()))
    return fill.getInputs()[0];
  if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
    return linalg::isaFillOpInterface(generic).value_or(nullptr);
  return nullptr;
}

/// Where `op` reads `init` (all its loops parallel, so once per element)
/// only to add +0.0 to another value, yields that value instead. Returns
/// whether it did.
static bool dropAddedZero(RewriterBase &rewriter, linalg::LinalgOp op,
                          OpOperand &init) {
  Value filled = filledValue(init.get());
  if (!filled || !matchPattern(filled, m_PosZeroFloat()) ||
      op.getNumReductionLoops() != 0)
    return false;
  BlockArgument out = op.getMatchingBlockArgument(&init);
  if (!out.hasOneUse())
    return false;
  auto add = dyn_cast<arith::AddFOp>(*out.getUsers().begin());
  if (!add)
    return false;
  Value other = add.getLhs() == out ? add.getRhs() : add.getLhs();
  rewriter.replaceOp(add, other);
  return true;
}

/// A tensor with the sizes of `value`, looking through destination-style
/// producers (a fill's result has its init's sizes): asking it for them
/// keeps no producer of `value` alive.
static Value sizeSource(Value value) {
  while (auto result = dyn_cast<OpResult>(value)) {
    auto dps = dyn_cast<DestinationStyleOpInterface>(result.getOwner());
    if (!dps)
      break;
    value = dps.getTiedOpOperand(result)->get();
  }
  return value;
}

namespace {
struct FmCpuFreshInitsPass
    : mlir::fm::impl::FmCpuFreshInitsBase<FmCpuFreshInitsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      for (OpOperand &init : op.getDpsInitsMutable()) {
        Value value = init.get();
        Operation *producer = value.getDefiningOp();
        rewriter.setInsertionPoint(op);
        bool read = op.payloadUsesValueFromOperand(&init) &&
                    !dropAddedZero(rewriter, op, init);
        if (!read) {
          // Every element is written (the init's indexing map is a
          // projected permutation): its old values do not matter.
          if (isa_and_nonnull<tensor::EmptyOp>(producer) ||
              !op.getMatchingIndexingMap(&init).isProjectedPermutation())
            continue;
          auto type = cast<RankedTensorType>(value.getType());
          SmallVector<OpFoldResult> sizes =
              tensor::getMixedSizes(rewriter, op.getLoc(), sizeSource(value));
          Value empty = tensor::EmptyOp::create(rewriter, op.getLoc(), sizes,
                                                type.getElementType());
          rewriter.modifyOpInPlace(op, [&] { init.set(empty); });
        } else if (filledValue(value) && !value.hasOneUse()) {
          Operation *clone = rewriter.clone(*producer);
          rewriter.modifyOpInPlace(op, [&] { init.set(clone->getResult(0)); });
        }
        if (producer && isOpTriviallyDead(producer))
          rewriter.eraseOp(producer);
      }
    }
  }
};
} // namespace
