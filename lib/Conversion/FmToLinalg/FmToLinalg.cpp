//===- FmToLinalg.cpp - Lower fm ops to linalg on tensors -----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Conversion/FmToLinalg/FmToLinalg.h"

#include "fm/Dialect/FmDialect.h"
#include "fm/Dialect/FmOps.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCONVERTTOLINALG
#include "fm/Conversion/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;
using mlir::fm::impl::FmConvertToLinalgBase;

namespace {

/// One term c·x of a linear combination, with constant coefficients ±1 and 0
/// folded away: `value` is x (or c·x) and `negated` says whether it enters
/// with a minus sign. A null value is the zero term.
struct Term {
  Value value;
  bool negated = false;
};

} // namespace

static Term buildTerm(OpBuilder &b, Location loc, OpFoldResult coeff, Value x) {
  if (auto value = llvm::dyn_cast_if_present<Value>(coeff))
    return {arith::MulFOp::create(b, loc, value, x)};
  auto attr = llvm::cast<FloatAttr>(llvm::cast<Attribute>(coeff));
  double c = attr.getValueAsDouble();
  if (c == 0.0)
    return {};
  if (c == 1.0 || c == -1.0)
    return {x, c < 0.0};
  Value constant = arith::ConstantOp::create(b, loc, x.getType(), attr);
  return {arith::MulFOp::create(b, loc, constant, x)};
}

/// Emits c0·x0 + c1·x1 with as few operations as the constant coefficients
/// allow (e.g. `x1 - x0` for the coefficients −1 and 1).
static Value buildLinearCombination(OpBuilder &b, Location loc, OpFoldResult c0,
                                    Value x0, OpFoldResult c1, Value x1) {
  Term lhs = buildTerm(b, loc, c0, x0), rhs = buildTerm(b, loc, c1, x1);
  if (!lhs.value && !rhs.value)
    return arith::ConstantOp::create(b, loc, x0.getType(),
                                     b.getFloatAttr(x0.getType(), 0.0));
  if (!lhs.value || !rhs.value) {
    Term only = lhs.value ? lhs : rhs;
    return only.negated ? arith::NegFOp::create(b, loc, only.value)
                        : only.value;
  }
  if (lhs.negated != rhs.negated) {
    Term pos = lhs.negated ? rhs : lhs, neg = lhs.negated ? lhs : rhs;
    return arith::SubFOp::create(b, loc, pos.value, neg.value);
  }
  Value sum = arith::AddFOp::create(b, loc, lhs.value, rhs.value);
  return lhs.negated ? arith::NegFOp::create(b, loc, sum).getResult() : sum;
}

namespace {

/// fm.path_sample → one linalg.generic producing x_t and dx_t. The time
/// operand is read through a (d0, ..., dn) -> (d0) map, so the scheduler
/// coefficients are computed per element from the row's t; after lowering to
/// loops they are invariant in the inner loops and get hoisted.
struct PathSampleOpLowering : OpConversionPattern<PathSampleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(PathSampleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getX0().getType());
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, adaptor.getX0());
    auto makeInit = [&] {
      return tensor::EmptyOp::create(rewriter, loc, sizes,
                                     type.getElementType())
          .getResult();
    };
    SmallVector<Value> inits = {makeInit(), makeInit()};

    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap batchRow =
        AffineMap::get(rank, 0, rewriter.getAffineDimExpr(0), getContext());
    SmallVector<AffineMap> maps = {identity, identity, batchRow, identity,
                                   identity};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    SchedulerAttrInterface scheduler = op.getScheduler();

    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type, type},
        ValueRange{adaptor.getX0(), adaptor.getX1(), adaptor.getT()}, inits,
        maps, iterators, [&](OpBuilder &b, Location bodyLoc, ValueRange args) {
          Value x0 = args[0], x1 = args[1], t = args[2];
          SchedulerCoefficients c = scheduler.buildCoefficients(b, bodyLoc, t);
          Value xt =
              buildLinearCombination(b, bodyLoc, c.sigma, x0, c.alpha, x1);
          Value dxt =
              buildLinearCombination(b, bodyLoc, c.dSigma, x0, c.dAlpha, x1);
          linalg::YieldOp::create(b, bodyLoc, ValueRange{xt, dxt});
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

struct FmConvertToLinalgPass : FmConvertToLinalgBase<FmConvertToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    target.addIllegalDialect<FmDialect>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(context);
    populateFmToLinalgConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::fm::populateFmToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  patterns.add<PathSampleOpLowering>(patterns.getContext());
}
