//===- Random.cpp - fm.random_* to Philox arithmetic ----------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm.random_uniform, fm.random_normal, fm.random_logit_normal,
// fm.random_tokens and fm.mixture_sample become one linalg.generic each,
// whose body computes the element's Philox4x32-10 block from its linear
// index with plain integer arithmetic: the same numbers on every backend as
// the runtime's fmrt::PhiloxStream.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"
#include "Utils.h"

#include "fm/Dialect/FmOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

#include <array>

using namespace mlir;
using namespace mlir::fm;

namespace {

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

/// The Philox block behind the element of a generic over `shape` at the
/// builder's insertion point (its body): element e (row-major) takes block
/// offset + ⌊e / 4⌋ of (seed, stream), whose words are `x`, and `word` is
/// e mod 4 (i64).
struct ElementBlock {
  std::array<Value, 4> x;
  Value word;

  /// x[word]: the element's own 32-bit word.
  Value ownWord(OpBuilder &b, Location l) const {
    auto wordIs = [&](int64_t w) -> Value {
      Value wv = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(w));
      return arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, word, wv);
    };
    auto pick = [&](Value cond, Value a, Value c) -> Value {
      return arith::SelectOp::create(b, l, cond, a, c);
    };
    return pick(wordIs(0), x[0],
                pick(wordIs(1), x[1], pick(wordIs(2), x[2], x[3])));
  }
};

ElementBlock emitElementBlock(OpBuilder &b, Location l, ArrayRef<int64_t> shape,
                              Value seed, Value offset, uint32_t stream) {
  PhiloxEmitter e(b, l);
  // Row-major linear index of this element.
  Value linear = arith::ConstantOp::create(b, l, b.getIndexAttr(0));
  for (auto [d, size] : llvm::enumerate(shape)) {
    Value sizeValue = arith::ConstantOp::create(b, l, b.getIndexAttr(size));
    Value scaled = arith::MulIOp::create(b, l, linear, sizeValue);
    linear =
        arith::AddIOp::create(b, l, scaled, linalg::IndexOp::create(b, l, d));
  }
  Value linear64 = arith::IndexCastUIOp::create(b, l, b.getI64Type(), linear);
  Value two = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(2));
  Value three = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(3));
  Value block = arith::AddIOp::create(
      b, l, offset, arith::ShRUIOp::create(b, l, linear64, two));
  ElementBlock result;
  result.word = arith::AndIOp::create(b, l, linear64, three);
  result.x = e.philox({e.lo32(block), e.hi32(block), e.i32(stream), e.i32(0)},
                      {e.lo32(seed), e.hi32(seed)});
  return result;
}

/// The top 24 bits of a 32-bit word, scaled into [0, 1): fm.random_uniform's
/// number for that word.
Value unitFromWord(OpBuilder &b, Location l, Value word) {
  Value eight = arith::ConstantOp::create(b, l, b.getI32IntegerAttr(8));
  Value bits = arith::ShRUIOp::create(b, l, word, eight);
  Value scale =
      arith::ConstantOp::create(b, l, b.getF32FloatAttr(1.0f / 16777216.0f));
  return arith::MulFOp::create(
      b, l, arith::UIToFPOp::create(b, l, b.getF32Type(), bits), scale);
}

/// What a random op draws: U[0, 1), N(0, 1) (Box–Muller on pairs of
/// uniforms), or sigmoid(N(mean, std²)).
enum class Distribution { Uniform, Normal, LogitNormal };

/// fm.random_uniform / fm.random_normal / fm.random_logit_normal → one
/// linalg.generic whose body computes each element's Philox block from its
/// linear index.
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
          ElementBlock element =
              emitElementBlock(b, l, type.getShape(), seed, offset, stream);
          std::array<Value, 4> x = element.x;
          Value word = element.word;
          auto pick = [&](Value cond, Value a, Value c) -> Value {
            return arith::SelectOp::create(b, l, cond, a, c);
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
            result = unitFromWord(b, l, element.ownWord(b, l));
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

/// fm.random_tokens → one linalg.generic: token = ⌊x · vocabulary / 2³²⌋
/// of the element's word x.
struct RandomTokensLowering : OpConversionPattern<RandomTokensOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RandomTokensOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getType());
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    SmallVector<AffineMap> maps = {
        rewriter.getMultiDimIdentityMap(type.getRank())};
    SmallVector<utils::IteratorType> iterators(type.getRank(),
                                               utils::IteratorType::parallel);
    Value seed = adaptor.getSeed(), offset = adaptor.getOffset();
    uint32_t stream = op.getStream();
    int64_t vocabulary = op.getVocabulary();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location l, ValueRange) {
          ElementBlock element =
              emitElementBlock(b, l, type.getShape(), seed, offset, stream);
          Type i64 = b.getI64Type();
          Value word = arith::ExtUIOp::create(b, l, i64, element.ownWord(b, l));
          Value product = arith::MulIOp::create(
              b, l, word,
              arith::ConstantOp::create(b, l, b.getI64IntegerAttr(vocabulary)));
          Value token = arith::ShRUIOp::create(
              b, l, product,
              arith::ConstantOp::create(b, l, b.getI64IntegerAttr(32)));
          if (type.getElementType() != i64)
            token = arith::TruncIOp::create(b, l, type.getElementType(), token);
          linalg::YieldOp::create(b, l, token);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// fm.mixture_sample → one linalg.generic over the tokens: x1 where the
/// element's uniform u < κ_t (the scheduler's α_t of its row's time), x0
/// elsewhere.
struct MixtureSampleLowering : OpConversionPattern<MixtureSampleOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MixtureSampleOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    Value init = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                         type.getElementType());
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap row = AffineMap::get(rank, 0, rewriter.getAffineDimExpr(0));
    SmallVector<AffineMap> maps = {identity, identity, row, identity};
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    Value seed = adaptor.getSeed(), offset = adaptor.getOffset();
    uint32_t stream = op.getStream();
    auto scheduler = llvm::cast<SchedulerAttrInterface>(op.getScheduler());
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type},
        ValueRange{adaptor.getX0(), adaptor.getX1(), adaptor.getT()},
        ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          ElementBlock element =
              emitElementBlock(b, l, type.getShape(), seed, offset, stream);
          Value u = unitFromWord(b, l, element.ownWord(b, l));
          Value t = args[2];
          Value kappa = materializeCoefficient(
              b, l, scheduler.buildCoefficients(b, l, t).alpha, t.getType());
          Value toData =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, u, kappa);
          linalg::YieldOp::create(
              b, l,
              arith::SelectOp::create(b, l, toData, args[1], args[0])
                  .getResult());
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

} // namespace

void mlir::fm::populateFmRandomToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RandomOpLowering<RandomUniformOp, Distribution::Uniform>,
               RandomOpLowering<RandomNormalOp, Distribution::Normal>,
               RandomOpLowering<RandomLogitNormalOp, Distribution::LogitNormal>,
               RandomTokensLowering, MixtureSampleLowering>(
      patterns.getContext());
}
