//===- Paths.cpp - fm.path_sample, fm.convert_prediction ------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The ops of the affine probability path x_t = σ_t·x0 + α_t·x1: each becomes
// one elementwise linalg.generic whose body evaluates the scheduler's
// coefficients from the batch row's t (SchedulerAttrInterface).
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"
#include "Utils.h"

#include "fm/Dialect/FmOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::fm;

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

/// fm.convert_prediction → one linalg.generic computing A·x_t + B·p with
/// the row's scheduler coefficients (AffineProbPath's conversions).
struct ConvertPredictionOpLowering : OpConversionPattern<ConvertPredictionOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ConvertPredictionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getPrediction().getType());
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, adaptor.getPrediction());
    Value init =
        tensor::EmptyOp::create(rewriter, loc, sizes, type.getElementType());
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap batchRow =
        AffineMap::get(rank, 0, rewriter.getAffineDimExpr(0), getContext());
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    SchedulerAttrInterface scheduler = op.getScheduler();
    Prediction from = op.getFrom(), to = op.getTo();

    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type},
        ValueRange{adaptor.getPrediction(), adaptor.getXT(), adaptor.getT()},
        ValueRange{init},
        ArrayRef<AffineMap>{identity, identity, batchRow, identity}, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value p = args[0], xt = args[1], t = args[2];
          SchedulerCoefficients c = scheduler.buildCoefficients(b, l, t);
          Type f = t.getType();
          Value a = materializeCoefficient(b, l, c.alpha, f);
          Value s = materializeCoefficient(b, l, c.sigma, f);
          Value da = materializeCoefficient(b, l, c.dAlpha, f);
          Value ds = materializeCoefficient(b, l, c.dSigma, f);
          auto mul = [&](Value x, Value y) -> Value {
            return arith::MulFOp::create(b, l, x, y);
          };
          auto div = [&](Value x, Value y) -> Value {
            return arith::DivFOp::create(b, l, x, y);
          };
          auto sub = [&](Value x, Value y) -> Value {
            return arith::SubFOp::create(b, l, x, y);
          };
          auto neg = [&](Value x) -> Value {
            return arith::NegFOp::create(b, l, x);
          };
          Value one = arith::ConstantOp::create(b, l, f, b.getFloatAttr(f, 1));
          // result = A·x_t + B·p.
          Value coeffX, coeffP;
          if (to == Prediction::Velocity && from == Prediction::Target) {
            coeffX = div(ds, s);
            coeffP = div(sub(mul(da, s), mul(ds, a)), s);
          } else if (to == Prediction::Velocity) { // from epsilon
            coeffX = div(da, a);
            coeffP = div(sub(mul(ds, a), mul(da, s)), a);
          } else if (from == Prediction::Velocity && to == Prediction::Target) {
            Value d = sub(mul(da, s), mul(ds, a));
            coeffX = div(neg(ds), d);
            coeffP = div(s, d);
          } else if (from == Prediction::Velocity) { // to epsilon
            Value e = sub(mul(ds, a), mul(da, s));
            coeffX = div(neg(da), e);
            coeffP = div(a, e);
          } else if (to == Prediction::Target) { // from epsilon
            coeffX = div(one, a);
            coeffP = neg(div(s, a));
          } else { // target to epsilon
            coeffX = div(one, s);
            coeffP = neg(div(a, s));
          }
          Value result = buildLinearCombination(b, l, coeffX, xt, coeffP, p);
          linalg::YieldOp::create(b, l, result);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void mlir::fm::populateFmPathToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<PathSampleOpLowering, ConvertPredictionOpLowering>(
      patterns.getContext());
}
