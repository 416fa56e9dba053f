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
#include "mlir/Dialect/SCF/IR/SCF.h"
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

/// With `wholeBlock`, element e takes block offset + e to itself instead
/// (its four words are its own; `word` is then meaningless).
ElementBlock emitElementBlock(OpBuilder &b, Location l, ArrayRef<int64_t> shape,
                              Value seed, Value offset, uint32_t stream,
                              bool wholeBlock = false) {
  PhiloxEmitter e(b, l);
  // Row-major linear index of this element; it never reads the size of the
  // first dimension, which may be dynamic.
  Value linear = linalg::IndexOp::create(b, l, 0);
  for (auto [d, size] : llvm::enumerate(shape.drop_front())) {
    Value sizeValue = arith::ConstantOp::create(b, l, b.getIndexAttr(size));
    Value scaled = arith::MulIOp::create(b, l, linear, sizeValue);
    linear = arith::AddIOp::create(b, l, scaled,
                                   linalg::IndexOp::create(b, l, d + 1));
  }
  Value linear64 = arith::IndexCastUIOp::create(b, l, b.getI64Type(), linear);
  Value two = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(2));
  Value three = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(3));
  Value block = arith::AddIOp::create(
      b, l, offset,
      wholeBlock ? linear64
                 : arith::ShRUIOp::create(b, l, linear64, two).getResult());
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

/// One all-parallel linalg.generic over the shape of `type` that writes a
/// fresh tensor of it: `inputs` are read through `inputMaps`, and `body`
/// gets their elements and returns the element to write. The random ops'
/// lowerings all have this form. A dynamic first dimension of `type` takes
/// the size of `like`'s first dimension.
Value buildParallelGeneric(
    OpBuilder &b, Location loc, RankedTensorType type, ValueRange inputs,
    ArrayRef<AffineMap> inputMaps,
    function_ref<Value(OpBuilder &, Location, ValueRange)> body,
    Value like = {}) {
  int64_t rank = type.getRank();
  SmallVector<Value> dynamicSizes;
  if (rank > 0 && type.isDynamicDim(0))
    dynamicSizes.push_back(tensor::DimOp::create(b, loc, like, 0));
  Value init = tensor::EmptyOp::create(b, loc, type, dynamicSizes);
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, inputs, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(
                   nb, l, body(nb, l, args.take_front(inputs.size())));
             })
      .getResult(0);
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
    auto type = llvm::cast<RankedTensorType>(op.getType());
    Value seed = adaptor.getSeed(), offset = adaptor.getOffset();
    uint32_t stream = op.getStream();
    int64_t vocabulary = op.getVocabulary();
    rewriter.replaceOp(
        op, buildParallelGeneric(
                rewriter, op.getLoc(), type, ValueRange{}, {},
                [&](OpBuilder &b, Location l, ValueRange) -> Value {
                  ElementBlock element = emitElementBlock(b, l, type.getShape(),
                                                          seed, offset, stream);
                  Type i64 = b.getI64Type();
                  Value word =
                      arith::ExtUIOp::create(b, l, i64, element.ownWord(b, l));
                  Value product = arith::MulIOp::create(
                      b, l, word,
                      arith::ConstantOp::create(
                          b, l, b.getI64IntegerAttr(vocabulary)));
                  Value token = arith::ShRUIOp::create(
                      b, l, product,
                      arith::ConstantOp::create(b, l, b.getI64IntegerAttr(32)));
                  if (type.getElementType() != i64)
                    token = arith::TruncIOp::create(b, l, type.getElementType(),
                                                    token);
                  return token;
                }));
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
    auto type = llvm::cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap row = AffineMap::get(rank, 0, rewriter.getAffineDimExpr(0));
    Value seed = adaptor.getSeed(), offset = adaptor.getOffset();
    uint32_t stream = op.getStream();
    auto scheduler = llvm::cast<SchedulerAttrInterface>(op.getScheduler());
    rewriter.replaceOp(
        op,
        buildParallelGeneric(
            rewriter, op.getLoc(), type,
            ValueRange{adaptor.getX0(), adaptor.getX1(), adaptor.getT()},
            {identity, identity, row},
            [&](OpBuilder &b, Location l, ValueRange args) -> Value {
              ElementBlock element =
                  emitElementBlock(b, l, type.getShape(), seed, offset, stream);
              Value u = unitFromWord(b, l, element.ownWord(b, l));
              Value t = args[2];
              Value kappa = materializeCoefficient(
                  b, l, scheduler.buildCoefficients(b, l, t).alpha,
                  t.getType());
              Value toData = arith::CmpFOp::create(
                  b, l, arith::CmpFPredicate::OLT, u, kappa);
              return arith::SelectOp::create(b, l, toData, args[1], args[0]);
            }));
    return success();
  }
};

/// The category of the row of weights w(v), v in [0, size), whose
/// cumulative weight first exceeds u·Σw, by two loops over v in the body
/// of a generic: the total, then the scan. Where rounding leaves u·Σw at or
/// above every partial sum, the last category of nonzero weight.
Value emitInverseCdf(OpBuilder &b, Location l, int64_t size, Value u,
                     function_ref<Value(OpBuilder &, Location, Value)> weight,
                     Type tokenType) {
  Value zero = arith::ConstantOp::create(b, l, b.getF32FloatAttr(0.0f));
  Value lower = arith::ConstantOp::create(b, l, b.getIndexAttr(0));
  Value upper = arith::ConstantOp::create(b, l, b.getIndexAttr(size));
  Value one = arith::ConstantOp::create(b, l, b.getIndexAttr(1));
  auto total = scf::ForOp::create(
      b, l, lower, upper, one, ValueRange{zero},
      [&](OpBuilder &nb, Location nl, Value v, ValueRange acc) {
        Value sum = arith::AddFOp::create(nb, nl, acc[0], weight(nb, nl, v));
        scf::YieldOp::create(nb, nl, sum);
      });
  Value target = arith::MulFOp::create(b, l, u, total.getResult(0));
  Value none = arith::ConstantOp::create(b, l, b.getIndexAttr(-1));
  auto scan = scf::ForOp::create(
      b, l, lower, upper, one, ValueRange{zero, none, none},
      [&](OpBuilder &nb, Location nl, Value v, ValueRange acc) {
        Value w = weight(nb, nl, v);
        Value sum = arith::AddFOp::create(nb, nl, acc[0], w);
        Value unchosen = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                               acc[1], none);
        Value crosses = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT,
                                              sum, target);
        Value take = arith::AndIOp::create(nb, nl, unchosen, crosses);
        Value chosen = arith::SelectOp::create(nb, nl, take, v, acc[1]);
        Value positive =
            arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OGT, w, zero);
        Value last = arith::SelectOp::create(nb, nl, positive, v, acc[2]);
        scf::YieldOp::create(nb, nl, ValueRange{sum, chosen, last});
      });
  Value chosen = scan.getResult(1);
  Value missed =
      arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, chosen, none);
  Value index =
      arith::SelectOp::create(b, l, missed, scan.getResult(2), chosen);
  return arith::IndexCastOp::create(b, l, tokenType, index);
}

/// The token's position in the generic's loops (linalg.index must sit in
/// the generic's body itself, not in the loops over the vocabulary).
SmallVector<Value> tokenPosition(OpBuilder &b, Location l, int64_t tokenRank) {
  SmallVector<Value> indices;
  for (int64_t d = 0; d < tokenRank; ++d)
    indices.push_back(linalg::IndexOp::create(b, l, d));
  return indices;
}

/// weights[position..., v].
Value weightAt(OpBuilder &b, Location l, Value weights,
               ArrayRef<Value> position, Value v) {
  SmallVector<Value> indices(position);
  indices.push_back(v);
  return tensor::ExtractOp::create(b, l, weights, indices);
}

/// fm.random_categorical → one generic over the tokens, each an inverse-CDF
/// scan of its row of weights with the element's uniform.
struct RandomCategoricalLowering : OpConversionPattern<RandomCategoricalOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(RandomCategoricalOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto type = llvm::cast<RankedTensorType>(op.getType());
    Value probs = adaptor.getProbs();
    int64_t size =
        llvm::cast<RankedTensorType>(probs.getType()).getShape().back();
    Value seed = adaptor.getSeed(), offset = adaptor.getOffset();
    uint32_t stream = op.getStream();
    rewriter.replaceOp(
        op, buildParallelGeneric(
                rewriter, op.getLoc(), type, ValueRange{}, {},
                [&](OpBuilder &b, Location l, ValueRange) -> Value {
                  ElementBlock element = emitElementBlock(b, l, type.getShape(),
                                                          seed, offset, stream);
                  Value u = unitFromWord(b, l, element.ownWord(b, l));
                  SmallVector<Value> position =
                      tokenPosition(b, l, type.getRank());
                  return emitInverseCdf(
                      b, l, size, u,
                      [&](OpBuilder &nb, Location nl, Value v) -> Value {
                        return weightAt(nb, nl, probs, position, v);
                      },
                      type.getElementType());
                },
                probs));
    return success();
  }
};

/// The CTMC jump of one token of fm.mixture_euler_step: X1 ~ Cat(p) by
/// inverse CDF of `u1`, the rates u_y, and the new value (by inverse CDF of
/// `u3`) where `u2` < 1 − exp(−h·λ), else `xt`.
static Value emitJump(OpBuilder &b, Location l, Value xt, Value u1, Value u2,
                      Value u3,
                      function_ref<Value(OpBuilder &, Location, Value)> p,
                      Value rate, Value divFree, Value kappa, Value oneMinus,
                      Value sourceMass, Value h, bool mask, int64_t size,
                      Type tokenType) {
  auto f = [&](double v) -> Value {
    return arith::ConstantOp::create(b, l,
                                     b.getF32FloatAttr(static_cast<float>(v)));
  };
  Value x1 = emitInverseCdf(b, l, size, u1, p, tokenType);

  // u_y: the rate toward X1, the divergence-free term, none toward
  // the current token.
  auto uOf = [&](OpBuilder &nb, Location nl, Value v) -> Value {
    auto g = [&](double x) -> Value {
      return arith::ConstantOp::create(
          nb, nl, nb.getF32FloatAttr(static_cast<float>(x)));
    };
    Value vt = arith::IndexCastOp::create(nb, nl, tokenType, v);
    Value isX1 =
        arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, vt, x1);
    Value isXt =
        arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, vt, xt);
    Value toX1 = arith::SelectOp::create(nb, nl, isX1, g(1), g(0));
    Value p0 = sourceMass;
    if (mask) {
      Value last = arith::ConstantOp::create(
          nb, nl, nb.getIntegerAttr(tokenType, size - 1));
      Value isMask =
          arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, vt, last);
      p0 = arith::SelectOp::create(nb, nl, isMask, g(1), g(0));
    }
    Value mix = arith::AddFOp::create(
        nb, nl, arith::MulFOp::create(nb, nl, oneMinus, p0),
        arith::MulFOp::create(nb, nl, kappa, toX1));
    Value uy =
        arith::AddFOp::create(nb, nl, arith::MulFOp::create(nb, nl, rate, toX1),
                              arith::MulFOp::create(nb, nl, divFree, mix));
    return arith::SelectOp::create(nb, nl, isXt, g(0), uy);
  };
  // λ = Σ_y u_y; jump with probability 1 − exp(−h·λ).
  Value lower = arith::ConstantOp::create(b, l, b.getIndexAttr(0));
  Value upper = arith::ConstantOp::create(b, l, b.getIndexAttr(size));
  Value one = arith::ConstantOp::create(b, l, b.getIndexAttr(1));
  auto lambda = scf::ForOp::create(
      b, l, lower, upper, one, ValueRange{f(0)},
      [&](OpBuilder &nb, Location nl, Value v, ValueRange acc) {
        scf::YieldOp::create(
            nb, nl,
            arith::AddFOp::create(nb, nl, acc[0], uOf(nb, nl, v)).getResult());
      });
  Value stay = math::ExpOp::create(
      b, l,
      arith::NegFOp::create(
          b, l, arith::MulFOp::create(b, l, h, lambda.getResult(0))));
  Value jump = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, u2,
                                     arith::SubFOp::create(b, l, f(1.0), stay));
  Value next = emitInverseCdf(b, l, size, u3, uOf, tokenType);
  return arith::SelectOp::create(b, l, jump, next, xt);
}

/// fm.mixture_euler_step → one generic over the tokens: X1 by inverse CDF
/// of p, the rates u_y, the jump and the new value by inverse CDF of u.
struct MixtureEulerStepLowering : OpConversionPattern<MixtureEulerStepOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MixtureEulerStepOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = llvm::cast<RankedTensorType>(op.getType());
    int64_t rank = type.getRank();
    Value probs = adaptor.getProbs();
    int64_t size =
        llvm::cast<RankedTensorType>(probs.getType()).getShape().back();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap row = AffineMap::get(rank, 0, rewriter.getAffineDimExpr(0));
    Value seed = adaptor.getSeed(), offset = adaptor.getOffset();
    Value h = adaptor.getH(), c = adaptor.getDivFree();
    uint32_t stream = op.getStream();
    bool mask = op.getSource() == Source::Mask;
    auto scheduler = llvm::cast<SchedulerAttrInterface>(op.getScheduler());
    Type tokenType = type.getElementType();
    Value result = buildParallelGeneric(
        rewriter, loc, type, ValueRange{adaptor.getXT(), adaptor.getT()},
        {identity, row},
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value xt = args[0], t = args[1];
          auto f = [&](double v) -> Value {
            return arith::ConstantOp::create(
                b, l, b.getF32FloatAttr(static_cast<float>(v)));
          };
          ElementBlock element = emitElementBlock(
              b, l, type.getShape(), seed, offset, stream, /*wholeBlock=*/true);
          Value u1 = unitFromWord(b, l, element.x[0]);
          Value u2 = unitFromWord(b, l, element.x[1]);
          Value u3 = unitFromWord(b, l, element.x[2]);
          SmallVector<Value> position = tokenPosition(b, l, rank);
          auto p = [&](OpBuilder &nb, Location nl, Value v) -> Value {
            return weightAt(nb, nl, probs, position, v);
          };

          SchedulerCoefficients k = scheduler.buildCoefficients(b, l, t);
          Value kappa = materializeCoefficient(b, l, k.alpha, t.getType());
          Value dKappa = materializeCoefficient(b, l, k.dAlpha, t.getType());
          Value oneMinus = arith::SubFOp::create(b, l, f(1.0), kappa);
          Value rate = arith::DivFOp::create(b, l, dKappa, oneMinus);
          // c·κ̇/(κ(1 − κ)), zero where c = 0 (κ = 0 at t = 0 would make
          // it 0·∞).
          Value positive =
              arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, c, f(0));
          Value divFree = arith::SelectOp::create(
              b, l, positive,
              arith::DivFOp::create(
                  b, l, arith::MulFOp::create(b, l, c, dKappa),
                  arith::MulFOp::create(b, l, kappa, oneMinus)),
              f(0));
          Value sourceMass = f(1.0 / static_cast<double>(size));

          // λ ≤ rate + divFree (the source's and X1's masses sum to at most
          // one), so where u2 ≥ 1 − exp(−h·bound) the token stays whatever
          // X1 is: X1, λ and the new value are drawn only where a jump is
          // possible, a few steps of a token's trajectory. The bound is
          // widened by 10⁻³ for rounding in λ's sum and exp.
          Value bound = arith::AddFOp::create(
              b, l,
              arith::MulFOp::create(
                  b, l, arith::AddFOp::create(b, l, rate, divFree), f(1.001)),
              f(1e-6));
          Value mayJump = arith::CmpFOp::create(
              b, l, arith::CmpFPredicate::OLT, u2,
              arith::SubFOp::create(
                  b, l, f(1.0),
                  math::ExpOp::create(
                      b, l,
                      arith::NegFOp::create(
                          b, l, arith::MulFOp::create(b, l, h, bound)))));
          auto ifJump = scf::IfOp::create(b, l, TypeRange{tokenType}, mayJump,
                                          /*withElseRegion=*/true);
          {
            OpBuilder::InsertionGuard guard(b);
            b.setInsertionPointToStart(ifJump.elseBlock());
            scf::YieldOp::create(b, l, xt);
            b.setInsertionPointToStart(ifJump.thenBlock());
            scf::YieldOp::create(b, l,
                                 emitJump(b, l, xt, u1, u2, u3, p, rate,
                                          divFree, kappa, oneMinus, sourceMass,
                                          h, mask, size, tokenType));
          }
          return ifJump.getResult(0);
        },
        adaptor.getXT());
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void mlir::fm::populateFmRandomToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<RandomOpLowering<RandomUniformOp, Distribution::Uniform>,
               RandomOpLowering<RandomNormalOp, Distribution::Normal>,
               RandomOpLowering<RandomLogitNormalOp, Distribution::LogitNormal>,
               RandomTokensLowering, MixtureSampleLowering,
               RandomCategoricalLowering, MixtureEulerStepLowering>(
      patterns.getContext());
}
