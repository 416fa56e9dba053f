//===- FmToLinalg.cpp - Lower fm ops to linalg on tensors -----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Conversion/FmToLinalg/FmToLinalg.h"

#include "fm/Dialect/FmDialect.h"
#include "fm/Dialect/FmOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

#include "mlir/Transforms/DialectConversion.h"
#include <array>

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

/// A coefficient as an SSA value of type `type`.
static Value materialize(OpBuilder &b, Location loc, OpFoldResult ofr,
                         Type type) {
  if (auto value = llvm::dyn_cast_if_present<Value>(ofr))
    return value;
  return arith::ConstantOp::create(
      b, loc, type, llvm::cast<TypedAttr>(llvm::cast<Attribute>(ofr)));
}

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
          Value a = materialize(b, l, c.alpha, f);
          Value s = materialize(b, l, c.sigma, f);
          Value da = materialize(b, l, c.dAlpha, f);
          Value ds = materialize(b, l, c.dSigma, f);
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

//===----------------------------------------------------------------------===//
// Random numbers
//===----------------------------------------------------------------------===//

/// Emits 32-bit integer arithmetic on i32 values.
class PhiloxEmitter {
public:
  PhiloxEmitter(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  Value i32(uint32_t v) const {
    return arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(v));
  }
  Value add(Value x, Value y) const {
    return arith::AddIOp::create(b, loc, x, y);
  }
  Value xorI(Value x, Value y) const {
    return arith::XOrIOp::create(b, loc, x, y);
  }
  Value lo32(Value v64) const {
    return arith::TruncIOp::create(b, loc, b.getI32Type(), v64);
  }
  Value hi32(Value v64) const {
    Value shift = arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(32));
    return lo32(arith::ShRUIOp::create(b, loc, v64, shift));
  }

  /// The high and low words of the 64-bit product of two i32 values, as
  /// zero-extended i64 arithmetic (which vectorizes and lowers everywhere,
  /// unlike arith.mului_extended on vectors).
  std::pair<Value, Value> mulWide(Value x, Value y) const {
    Type i64 = b.getI64Type();
    Value product =
        arith::MulIOp::create(b, loc, arith::ExtUIOp::create(b, loc, i64, x),
                              arith::ExtUIOp::create(b, loc, i64, y));
    return {hi32(product), lo32(product)};
  }

  /// Philox4x32-10: ten rounds of two 32×32→64 multiplies, with the key
  /// bumped by the Weyl constants between rounds.
  std::array<Value, 4> philox(std::array<Value, 4> c,
                              std::array<Value, 2> k) const {
    Value m0 = i32(0xD2511F53), m1 = i32(0xCD9E8D57);
    Value w0 = i32(0x9E3779B9), w1 = i32(0xBB67AE85);
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k[0] = add(k[0], w0);
        k[1] = add(k[1], w1);
      }
      auto [hi0, lo0] = mulWide(m0, c[0]);
      auto [hi1, lo1] = mulWide(m1, c[2]);
      c = {xorI(xorI(hi1, c[1]), k[0]), lo1, xorI(xorI(hi0, c[3]), k[1]), lo0};
    }
    return c;
  }

private:
  OpBuilder &b;
  Location loc;
};

/// fm.random_uniform / fm.random_normal → one linalg.generic whose body
/// computes each element's Philox block from its linear index.
enum class Distribution { Uniform, Normal, LogitNormal };

template <typename RandomOp, Distribution kDistribution>
struct RandomOpLowering : OpConversionPattern<RandomOp> {
  using OpConversionPattern<RandomOp>::OpConversionPattern;
  using OpAdaptor = typename RandomOp::Adaptor;

  LogicalResult
  matchAndRewrite(RandomOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    SmallVector<AffineMap> maps = {rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    Value seed = adaptor.getSeed(), offset = adaptor.getOffset();
    uint32_t stream = op.getStream();
    double mean = 0.0, stddev = 1.0;
    if constexpr (kDistribution == Distribution::LogitNormal) {
      mean = op.getMean().convertToDouble();
      stddev = op.getStd().convertToDouble();
    }

    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange) {
          PhiloxEmitter e(b, l);
          // Row-major linear index of this element.
          Value linear = arith::ConstantOp::create(b, l, b.getIndexAttr(0));
          for (int64_t d = 0; d < rank; ++d) {
            Value size = arith::ConstantOp::create(
                b, l, b.getIndexAttr(type.getDimSize(d)));
            Value scaled = arith::MulIOp::create(b, l, linear, size);
            linear = arith::AddIOp::create(b, l, scaled,
                                           linalg::IndexOp::create(b, l, d));
          }
          Value linear64 =
              arith::IndexCastUIOp::create(b, l, b.getI64Type(), linear);
          Value two = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(2));
          Value three = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(3));
          Value block = arith::AddIOp::create(
              b, l, offset, arith::ShRUIOp::create(b, l, linear64, two));
          Value word = arith::AndIOp::create(b, l, linear64, three);
          std::array<Value, 4> x =
              e.philox({e.lo32(block), e.hi32(block), e.i32(stream), e.i32(0)},
                       {e.lo32(seed), e.hi32(seed)});

          auto pick = [&](Value cond, Value a, Value c) -> Value {
            return arith::SelectOp::create(b, l, cond, a, c);
          };
          auto wordIs = [&](int64_t w) -> Value {
            Value wv = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(w));
            return arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, word,
                                         wv);
          };
          // 24 random bits scaled into [0, 1).
          Type f32 = b.getF32Type();
          Value eight = e.i32(8);
          Value scale = arith::ConstantOp::create(
              b, l, b.getF32FloatAttr(1.0f / 16777216.0f));
          auto toUnit = [&](Value bits24) -> Value {
            return arith::MulFOp::create(
                b, l, arith::UIToFPOp::create(b, l, f32, bits24), scale);
          };
          auto top24 = [&](Value v) -> Value {
            return arith::ShRUIOp::create(b, l, v, eight);
          };

          Value result;
          if (kDistribution == Distribution::Uniform) {
            Value bits =
                pick(wordIs(0), x[0],
                     pick(wordIs(1), x[1], pick(wordIs(2), x[2], x[3])));
            result = toUnit(top24(bits));
          } else {
            // Elements 4b, 4b+1 use (x0, x1); 4b+2, 4b+3 use (x2, x3).
            Value secondPair = arith::CmpIOp::create(
                b, l, arith::CmpIPredicate::uge, word,
                arith::ConstantOp::create(b, l, b.getI64IntegerAttr(2)));
            Value a = pick(secondPair, x[2], x[0]);
            Value c = pick(secondPair, x[3], x[1]);
            Value u1 = toUnit(e.add(top24(a), e.i32(1)));
            Value u2 = toUnit(top24(c));
            Value minusTwo =
                arith::ConstantOp::create(b, l, b.getF32FloatAttr(-2.0f));
            Value twoPi = arith::ConstantOp::create(
                b, l, b.getF32FloatAttr(6.28318530717958647692f));
            Value logU1 = math::LogOp::create(b, l, u1);
            Value r = math::SqrtOp::create(
                b, l, arith::MulFOp::create(b, l, minusTwo, logU1));
            Value theta = arith::MulFOp::create(b, l, twoPi, u2);
            Value odd = arith::TruncIOp::create(b, l, b.getI1Type(), word);
            Value cosTheta = math::CosOp::create(b, l, theta);
            Value sinTheta = math::SinOp::create(b, l, theta);
            result =
                arith::MulFOp::create(b, l, r, pick(odd, sinTheta, cosTheta));
          }
          if constexpr (kDistribution == Distribution::LogitNormal) {
            // sigmoid(mean + stddev·z) = 1 / (1 + exp(−(mean + stddev·z))).
            auto f32Const = [&](double v) -> Value {
              return arith::ConstantOp::create(
                  b, l, b.getF32FloatAttr(static_cast<float>(v)));
            };
            Value shifted = arith::AddFOp::create(
                b, l, arith::MulFOp::create(b, l, f32Const(stddev), result),
                f32Const(mean));
            Value e =
                math::ExpOp::create(b, l, arith::NegFOp::create(b, l, shifted));
            result = arith::DivFOp::create(
                b, l, f32Const(1.0),
                arith::AddFOp::create(b, l, f32Const(1.0), e));
          }
          linalg::YieldOp::create(b, l, result);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Elementwise helpers
//===----------------------------------------------------------------------===//

/// A linalg.generic over the shape of `like` (all loops parallel, identity
/// maps) whose scalar body `body(b, loc, args)` maps the elements of
/// `inputs` to the elements of one result of `like`'s type per yielded
/// value.
static ValueRange buildElementwise(
    OpBuilder &b, Location loc, Value like, ValueRange inputs,
    unsigned numResults,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body) {
  auto type = llvm::cast<RankedTensorType>(like.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, like);
  SmallVector<Value> inits;
  for (unsigned i = 0; i < numResults; ++i)
    inits.push_back(
        tensor::EmptyOp::create(b, loc, sizes, type.getElementType()));
  SmallVector<AffineMap> maps(inputs.size() + numResults,
                              b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  SmallVector<Type> resultTypes(numResults, type);
  return linalg::GenericOp::create(
             b, loc, resultTypes, inputs, inits, maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nloc, body(nb, nloc, args.take_front(inputs.size())));
             })
      .getResults();
}

//===----------------------------------------------------------------------===//
// Loss
//===----------------------------------------------------------------------===//

/// fm.mse_loss → a sum-of-squares reduction into a 0-d tensor, divided by
/// the element count.
struct MSELossOpLowering : OpConversionPattern<MSELossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MSELossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getPrediction().getType());
    Type element = type.getElementType();
    int64_t rank = type.getRank();
    Value zero = arith::ConstantOp::create(rewriter, loc, element,
                                           rewriter.getFloatAttr(element, 0));
    Value empty =
        tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{}, element);
    Value init =
        linalg::FillOp::create(rewriter, loc, zero, empty).getResult(0);
    AffineMap id = rewriter.getMultiDimIdentityMap(rank);
    AffineMap scalar = AffineMap::get(rank, 0, {}, getContext());
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::reduction);
    auto sum = linalg::GenericOp::create(
        rewriter, loc, TypeRange{init.getType()},
        ValueRange{adaptor.getPrediction(), adaptor.getTarget()},
        ValueRange{init}, ArrayRef<AffineMap>{id, id, scalar}, iterators,
        [](OpBuilder &b, Location l, ValueRange args) {
          Value d = arith::SubFOp::create(b, l, args[0], args[1]);
          Value sq = arith::MulFOp::create(b, l, d, d);
          linalg::YieldOp::create(
              b, l, arith::AddFOp::create(b, l, args[2], sq).getResult());
        });
    Value total = tensor::ExtractOp::create(rewriter, loc, sum.getResult(0),
                                            ValueRange{});
    // Element count, as a float of the element type.
    Value count =
        arith::ConstantOp::create(rewriter, loc, rewriter.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d) {
      Value size =
          tensor::DimOp::create(rewriter, loc, adaptor.getPrediction(), d);
      count = arith::MulIOp::create(rewriter, loc, count, size);
    }
    Value count64 = arith::IndexCastUIOp::create(rewriter, loc,
                                                 rewriter.getI64Type(), count);
    Value countF = arith::UIToFPOp::create(rewriter, loc, element, count64);
    rewriter.replaceOpWithNewOp<arith::DivFOp>(op, total, countF);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// Optimizers
//===----------------------------------------------------------------------===//

/// fm.adam_update → scalar bias corrections in f64, then one elementwise
/// generic producing the new parameter and both moments.
struct AdamUpdateOpLowering : OpConversionPattern<AdamUpdateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(AdamUpdateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getParam().getType());
    auto element = llvm::cast<FloatType>(type.getElementType());
    double lr = op.getLr().convertToDouble();
    double beta1 = op.getBeta1().convertToDouble();
    double beta2 = op.getBeta2().convertToDouble();
    double eps = op.getEps().convertToDouble();
    double weightDecay = op.getWeightDecay().convertToDouble();
    bool decoupled = op.getDecoupled();

    // Host-side scalars, in f64 like PyTorch's Python floats.
    auto f64 = [&](double v) -> Value {
      return arith::ConstantOp::create(rewriter, loc,
                                       rewriter.getF64FloatAttr(v));
    };
    auto toElement = [&](Value v) -> Value {
      if (element.getWidth() == 64)
        return v;
      return arith::TruncFOp::create(rewriter, loc, element, v);
    };
    Value step = arith::SIToFPOp::create(rewriter, loc, rewriter.getF64Type(),
                                         adaptor.getStep());
    Value one = f64(1.0);
    Value bc1 = arith::SubFOp::create(
        rewriter, loc, one,
        math::PowFOp::create(rewriter, loc, f64(beta1), step));
    Value bc2 = arith::SubFOp::create(
        rewriter, loc, one,
        math::PowFOp::create(rewriter, loc, f64(beta2), step));
    Value negStepSize =
        toElement(arith::DivFOp::create(rewriter, loc, f64(-lr), bc1));
    Value bc2Sqrt = toElement(math::SqrtOp::create(rewriter, loc, bc2));

    auto constant = [&](OpBuilder &b, Location l, double v) -> Value {
      return arith::ConstantOp::create(b, l, element,
                                       b.getFloatAttr(element, v));
    };
    ValueRange results = buildElementwise(
        rewriter, loc, adaptor.getParam(),
        ValueRange{adaptor.getParam(), adaptor.getGrad(), adaptor.getExpAvg(),
                   adaptor.getExpAvgSq()},
        3, [&](OpBuilder &b, Location l, ValueRange args) {
          Value p = args[0], g = args[1], m = args[2], v = args[3];
          if (weightDecay != 0.0 && !decoupled)
            g = arith::AddFOp::create(
                b, l, g,
                arith::MulFOp::create(b, l, constant(b, l, weightDecay), p));
          if (weightDecay != 0.0 && decoupled)
            p = arith::MulFOp::create(b, l, p,
                                      constant(b, l, 1.0 - lr * weightDecay));
          Value m1 = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, m, constant(b, l, beta1)),
              arith::MulFOp::create(b, l, g, constant(b, l, 1.0 - beta1)));
          Value gg = arith::MulFOp::create(b, l, g, g);
          Value v1 = arith::AddFOp::create(
              b, l, arith::MulFOp::create(b, l, v, constant(b, l, beta2)),
              arith::MulFOp::create(b, l, gg, constant(b, l, 1.0 - beta2)));
          Value denom = arith::AddFOp::create(
              b, l,
              arith::DivFOp::create(b, l, math::SqrtOp::create(b, l, v1),
                                    bc2Sqrt),
              constant(b, l, eps));
          Value update = arith::MulFOp::create(
              b, l, negStepSize, arith::DivFOp::create(b, l, m1, denom));
          Value p1 = arith::AddFOp::create(b, l, p, update);
          return SmallVector<Value>{p1, m1, v1};
        });
    rewriter.replaceOp(op, results);
    return success();
  }
};

//===----------------------------------------------------------------------===//
// ODE steps
//===----------------------------------------------------------------------===//

/// fm.ode_step → calls of the velocity function and elementwise updates.
struct ODEStepOpLowering : OpConversionPattern<ODEStepOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(ODEStepOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getX().getType());
    Type element = type.getElementType();
    Value x = adaptor.getX(), t = adaptor.getT(), h = adaptor.getH();
    SmallVector<Value> params(adaptor.getParams());

    auto scalar = [&](double v) -> Value {
      return arith::ConstantOp::create(rewriter, loc, element,
                                       rewriter.getFloatAttr(element, v));
    };
    auto mulS = [&](Value a, Value c) -> Value {
      return arith::MulFOp::create(rewriter, loc, a, c);
    };
    auto addS = [&](Value a, Value c) -> Value {
      return arith::AddFOp::create(rewriter, loc, a, c);
    };
    // v(state, time): the time broadcast to one entry per batch row.
    auto velocity = [&](Value state, Value time) -> Value {
      SmallVector<OpFoldResult> rows = {
          tensor::getMixedSize(rewriter, loc, state, 0)};
      Value empty = tensor::EmptyOp::create(rewriter, loc, rows, element);
      Value times =
          linalg::FillOp::create(rewriter, loc, time, empty).getResult(0);
      SmallVector<Value> operands = {state, times};
      llvm::append_range(operands, params);
      return func::CallOp::create(rewriter, loc, op.getVelocity(),
                                  TypeRange{type}, operands)
          .getResult(0);
    };
    // x + Σ c_i·k_i, one elementwise generic; the scalars c_i are captured.
    auto combine = [&](ArrayRef<std::pair<Value, Value>> terms) -> Value {
      SmallVector<Value> inputs = {x};
      for (auto &term : terms)
        inputs.push_back(term.second);
      return buildElementwise(
          rewriter, loc, x, inputs, 1,
          [&](OpBuilder &b, Location l, ValueRange args) {
            Value acc = args[0];
            for (auto [i, term] : llvm::enumerate(terms))
              acc = arith::AddFOp::create(
                  b, l, acc,
                  arith::MulFOp::create(b, l, term.first, args[i + 1]));
            return SmallVector<Value>{acc};
          })[0];
    };

    Value next;
    Value half = mulS(h, scalar(0.5));
    switch (op.getMethod()) {
    case ODEMethod::Euler:
      next = combine({{h, velocity(x, t)}});
      break;
    case ODEMethod::Midpoint: {
      Value k1 = velocity(x, t);
      Value k2 = velocity(combine({{half, k1}}), addS(t, half));
      next = combine({{h, k2}});
      break;
    }
    case ODEMethod::Heun: {
      Value k1 = velocity(x, t);
      Value k2 = velocity(combine({{h, k1}}), addS(t, h));
      next = combine({{half, k1}, {half, k2}});
      break;
    }
    case ODEMethod::RK4: {
      Value k1 = velocity(x, t);
      Value k2 = velocity(combine({{half, k1}}), addS(t, half));
      Value k3 = velocity(combine({{half, k2}}), addS(t, half));
      Value k4 = velocity(combine({{h, k3}}), addS(t, h));
      Value sixth = mulS(h, scalar(1.0 / 6.0));
      Value third = mulS(h, scalar(1.0 / 3.0));
      next = combine({{sixth, k1}, {third, k2}, {third, k3}, {sixth, k4}});
      break;
    }
    case ODEMethod::RK38: {
      Value third = mulS(h, scalar(1.0 / 3.0));
      Value k1 = velocity(x, t);
      Value k2 = velocity(combine({{third, k1}}), addS(t, third));
      Value k3 = velocity(
          combine({{arith::NegFOp::create(rewriter, loc, third), k1}, {h, k2}}),
          addS(t, mulS(h, scalar(2.0 / 3.0))));
      Value k4 =
          velocity(combine({{h, k1},
                            {arith::NegFOp::create(rewriter, loc, h), k2},
                            {h, k3}}),
                   addS(t, h));
      Value eighth = mulS(h, scalar(1.0 / 8.0));
      Value threeEighths = mulS(h, scalar(3.0 / 8.0));
      next = combine(
          {{eighth, k1}, {threeEighths, k2}, {threeEighths, k3}, {eighth, k4}});
      break;
    }
    }
    rewriter.replaceOp(op, next);
    return success();
  }
};

/// fm.integrate → fm.ode_step ops: an scf.for over `steps` equal steps, or
/// one step per interval of an explicit time grid. The steps are lowered by
/// ODEStepOpLowering in the same conversion.
struct IntegrateOpLowering : OpConversionPattern<IntegrateOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(IntegrateOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getX().getType());
    Type element = type.getElementType();
    auto scalar = [&](double v) -> Value {
      return arith::ConstantOp::create(rewriter, loc, element,
                                       rewriter.getFloatAttr(element, v));
    };
    auto step = [&](OpBuilder &b, Value x, Value t, Value h) -> Value {
      return ODEStepOp::create(b, loc, type, op.getMethodAttr(),
                               op.getVelocityAttr(), x, t, h,
                               adaptor.getParams())
          .getResult();
    };

    if (std::optional<ArrayRef<double>> grid = op.getTimeGrid()) {
      Value x = adaptor.getX();
      for (size_t i = 0; i + 1 < grid->size(); ++i)
        x = step(rewriter, x, scalar((*grid)[i]),
                 scalar((*grid)[i + 1] - (*grid)[i]));
      rewriter.replaceOp(op, x);
      return success();
    }

    // t_i = t0 + i·h with h = (t1 − t0) / steps.
    double t0 = op.getT0().convertToDouble(), t1 = op.getT1().convertToDouble();
    Value steps = adaptor.getSteps();
    Value steps64 =
        arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), steps);
    Value stepsF = arith::SIToFPOp::create(rewriter, loc, element, steps64);
    Value h = arith::DivFOp::create(rewriter, loc, scalar(t1 - t0), stepsF);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, steps, one, ValueRange{adaptor.getX()},
        [&](OpBuilder &b, Location l, Value i, ValueRange iterArgs) {
          Value i64 = arith::IndexCastOp::create(b, l, b.getI64Type(), i);
          Value iF = arith::SIToFPOp::create(b, l, element, i64);
          Value t0Value = arith::ConstantOp::create(
              b, l, element, b.getFloatAttr(element, t0));
          Value t = arith::AddFOp::create(b, l, t0Value,
                                          arith::MulFOp::create(b, l, iF, h));
          scf::YieldOp::create(b, l, step(b, iterArgs[0], t, h));
        });
    rewriter.replaceOp(op, loop.getResults());
    return success();
  }
};

struct FmConvertToLinalgPass : FmConvertToLinalgBase<FmConvertToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    target.addIllegalDialect<FmDialect>();
    // fm.vjp is fm-autodiff's to expand, after this pass has lowered the
    // fm ops inside the functions it differentiates.
    target.addLegalOp<VJPOp>();
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
  patterns
      .add<PathSampleOpLowering, ConvertPredictionOpLowering, MSELossOpLowering,
           AdamUpdateOpLowering, IntegrateOpLowering, ODEStepOpLowering,
           RandomOpLowering<RandomUniformOp, Distribution::Uniform>,
           RandomOpLowering<RandomNormalOp, Distribution::Normal>,
           RandomOpLowering<RandomLogitNormalOp, Distribution::LogitNormal>>(
          patterns.getContext());
}
