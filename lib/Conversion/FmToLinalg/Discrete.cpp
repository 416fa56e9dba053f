//===- Discrete.cpp - Softmax and the losses of discrete flows ------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm.softmax, fm.log_softmax, fm.generalized_kl_loss and
// fm.cross_entropy_loss become reductions over the vocabulary (the last
// dimension of the logits) and elementwise generics, all of which
// fm-autodiff differentiates: the maximum subtracted for range is an
// fm.stop_gradient (nothing depends on it), and a token picks its logit by
// a sum over the vocabulary of `v == token ? logit : 0`, whose integer
// comparison carries no derivative.
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

#include <limits>

using namespace mlir;
using namespace mlir::fm;

namespace {

/// Builds the generics over logits [..., V] and the tensors of one value per
/// token (the logits' shape without V).
class VocabularyBuilder {
public:
  VocabularyBuilder(OpBuilder &b, Location loc, Value logits)
      : b(b), loc(loc), logits(logits),
        type(llvm::cast<RankedTensorType>(logits.getType())),
        element(type.getElementType()), rank(type.getRank()) {}

  /// A constant of the element type.
  Value constant(double value) {
    return arith::ConstantOp::create(b, loc, element,
                                     b.getFloatAttr(element, value));
  }

  /// An empty tensor of one value per token (the logits without V), of
  /// `elementType` (the logits' by default).
  Value emptyPerToken(Type elementType = {}) {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, logits);
    sizes.pop_back();
    return tensor::EmptyOp::create(b, loc, sizes,
                                   elementType ? elementType : element);
  }

  /// A tensor of one value per token filled with `value`.
  Value filledPerToken(double value) {
    return linalg::FillOp::create(b, loc, constant(value), emptyPerToken())
        .getResult(0);
  }

  /// Σ_v f(logit_v, v, per-token inputs...) over the vocabulary, one value
  /// per token; `body` gets the builder, the logit, v (index) and the
  /// per-token inputs, and returns the term.
  Value sumOverVocabulary(
      ValueRange perToken,
      function_ref<Value(OpBuilder &, Location, Value, Value, ValueRange)> body,
      Value init) {
    SmallVector<AffineMap> maps = {b.getMultiDimIdentityMap(rank)};
    for (size_t i = 0; i < perToken.size() + 1; ++i)
      maps.push_back(tokenMap());
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.back() = utils::IteratorType::reduction;
    SmallVector<Value> inputs = {logits};
    llvm::append_range(inputs, perToken);
    return linalg::GenericOp::create(
               b, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
               maps, iterators,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value v = linalg::IndexOp::create(nb, l, rank - 1);
                 Value term =
                     body(nb, l, args[0], v, args.slice(1, perToken.size()));
                 linalg::YieldOp::create(
                     nb, l,
                     arith::AddFOp::create(nb, l, args.back(), term)
                         .getResult());
               })
        .getResult(0);
  }

  /// log Σ_v exp(logit_v) per token, the maximum subtracted and added back
  /// as an fm.stop_gradient.
  Value logSumExp() {
    // The maximum over the vocabulary.
    Value lowest = constant(-std::numeric_limits<double>::infinity());
    Value maxInit =
        linalg::FillOp::create(b, loc, lowest, emptyPerToken()).getResult(0);
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    iterators.back() = utils::IteratorType::reduction;
    Value max =
        linalg::GenericOp::create(
            b, loc, TypeRange{maxInit.getType()}, ValueRange{logits},
            ValueRange{maxInit},
            ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank), tokenMap()},
            iterators,
            [](OpBuilder &nb, Location l, ValueRange args) {
              linalg::YieldOp::create(
                  nb, l,
                  arith::MaximumFOp::create(nb, l, args[1], args[0])
                      .getResult());
            })
            .getResult(0);
    max = StopGradientOp::create(b, loc, max);
    Value sum = sumOverVocabulary(
        ValueRange{max},
        [](OpBuilder &nb, Location l, Value logit, Value, ValueRange m) {
          return math::ExpOp::create(nb, l,
                                     arith::SubFOp::create(nb, l, logit, m[0]));
        },
        filledPerToken(0.0));
    return buildElementwise(b, loc, max, ValueRange{max, sum}, 1,
                            [](OpBuilder &nb, Location l, ValueRange args) {
                              Value log = math::LogOp::create(nb, l, args[1]);
                              return SmallVector<Value>{
                                  arith::AddFOp::create(nb, l, args[0], log)};
                            })
        .front();
  }

  /// logit[token] per token, as Σ_v (v == token ? logit_v : 0).
  Value logitOf(Value tokens) {
    Value zero = constant(0.0);
    return sumOverVocabulary(
        ValueRange{tokens},
        [&](OpBuilder &nb, Location l, Value logit, Value v, ValueRange t) {
          Value vi = arith::IndexCastOp::create(nb, l, t[0].getType(), v);
          Value is =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, vi, t[0]);
          return arith::SelectOp::create(nb, l, is, logit, zero).getResult();
        },
        filledPerToken(0.0));
  }

  /// The map from the logits' loops to a per-token tensor: all but the
  /// last loop.
  AffineMap tokenMap() {
    SmallVector<AffineExpr> dims;
    for (int64_t d = 0; d + 1 < rank; ++d)
      dims.push_back(b.getAffineDimExpr(d));
    return AffineMap::get(rank, 0, dims, b.getContext());
  }

  OpBuilder &b;
  Location loc;
  Value logits;
  RankedTensorType type;
  Type element;
  int64_t rank;
};

/// The mean over all tokens of `term(args...)`, the per-token tensors
/// `perToken` (and, if `time` is given, the row's time) as args.
static Value
meanOverTokens(OpBuilder &b, Location loc, VocabularyBuilder &vb,
               ValueRange perToken, Value time,
               function_ref<Value(OpBuilder &, Location, ValueRange)> term) {
  int64_t rank = vb.rank - 1;
  Value empty =
      tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, vb.element);
  Value init =
      linalg::FillOp::create(b, loc, vb.constant(0.0), empty).getResult(0);
  SmallVector<AffineMap> maps(perToken.size(), b.getMultiDimIdentityMap(rank));
  SmallVector<Value> inputs(perToken);
  if (time) {
    maps.push_back(AffineMap::get(rank, 0, b.getAffineDimExpr(0)));
    inputs.push_back(time);
  }
  maps.push_back(AffineMap::get(rank, 0, {}, b.getContext()));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::reduction);
  Value sum =
      linalg::GenericOp::create(
          b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
          iterators,
          [&](OpBuilder &nb, Location l, ValueRange args) {
            Value t = term(nb, l, args.drop_back());
            linalg::YieldOp::create(
                nb, l,
                arith::AddFOp::create(nb, l, args.back(), t).getResult());
          })
          .getResult(0);
  Value total = tensor::ExtractOp::create(b, loc, sum, ValueRange{});
  return divideByElementCount(b, loc, total, vb.logits, rank);
}

/// fm.softmax and fm.log_softmax.
template <typename SoftmaxFamilyOp, bool kLog>
struct SoftmaxLowering : OpConversionPattern<SoftmaxFamilyOp> {
  using OpConversionPattern<SoftmaxFamilyOp>::OpConversionPattern;
  using OpAdaptor = typename SoftmaxFamilyOp::Adaptor;

  LogicalResult
  matchAndRewrite(SoftmaxFamilyOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    VocabularyBuilder vb(rewriter, loc, adaptor.getInput());
    Value lse = vb.logSumExp();
    AffineMap id = rewriter.getMultiDimIdentityMap(vb.rank);
    SmallVector<utils::IteratorType> iterators(vb.rank,
                                               utils::IteratorType::parallel);
    Value init = tensor::EmptyOp::create(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, vb.logits),
        vb.element);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{vb.type}, ValueRange{vb.logits, lse},
        ValueRange{init}, ArrayRef<AffineMap>{id, vb.tokenMap(), id}, iterators,
        [](OpBuilder &b, Location l, ValueRange args) {
          Value shifted = arith::SubFOp::create(b, l, args[0], args[1]);
          Value result =
              kLog ? shifted : math::ExpOp::create(b, l, shifted).getResult();
          linalg::YieldOp::create(b, l, result);
        });
    rewriter.replaceOp(op, generic.getResults());
    return success();
  }
};

/// fm.generalized_kl_loss: with lse, the logits of x1 and of x_t per token,
/// ℓ = −κ̇/(1 − κ)·[exp(l(x_t) − lse) − δ + (1 − δ)·(l(x1) − lse)], meaned.
struct GeneralizedKLLossLowering : OpConversionPattern<GeneralizedKLLossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(GeneralizedKLLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    VocabularyBuilder vb(rewriter, loc, adaptor.getLogits());
    Value lse = vb.logSumExp();
    Value logitX1 = vb.logitOf(adaptor.getX1());
    Value logitXt = vb.logitOf(adaptor.getXT());
    auto scheduler = llvm::cast<SchedulerAttrInterface>(op.getScheduler());
    Type element = vb.element;
    Value loss = meanOverTokens(
        rewriter, loc, vb,
        ValueRange{lse, logitX1, logitXt, adaptor.getX1(), adaptor.getXT()},
        adaptor.getT(), [&](OpBuilder &b, Location l, ValueRange args) {
          Value lseV = args[0], l1 = args[1], lt = args[2], x1 = args[3],
                xt = args[4], t = args[5];
          SchedulerCoefficients c = scheduler.buildCoefficients(b, l, t);
          Value kappa = materializeCoefficient(b, l, c.alpha, element);
          Value dKappa = materializeCoefficient(b, l, c.dAlpha, element);
          auto f = [&](double v) -> Value {
            return arith::ConstantOp::create(b, l, element,
                                             b.getFloatAttr(element, v));
          };
          Value same =
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::eq, x1, xt);
          Value delta = arith::SelectOp::create(b, l, same, f(1.0), f(0.0));
          Value pXt =
              math::ExpOp::create(b, l, arith::SubFOp::create(b, l, lt, lseV));
          Value logP1 = arith::SubFOp::create(b, l, l1, lseV);
          // (1 − δ)·log p(x1), as a select so that log p(x1) of a kept
          // token (where it may be −inf in range) never enters.
          Value transfer = arith::SelectOp::create(b, l, same, f(0.0), logP1);
          Value bracket = arith::AddFOp::create(
              b, l, arith::SubFOp::create(b, l, pXt, delta), transfer);
          Value rate = arith::DivFOp::create(
              b, l, dKappa, arith::SubFOp::create(b, l, f(1.0), kappa));
          return arith::NegFOp::create(
                     b, l, arith::MulFOp::create(b, l, rate, bracket))
              .getResult();
        });
    rewriter.replaceOp(op, loss);
    return success();
  }
};

/// fm.cross_entropy_loss: mean(lse − logit(x1)).
struct CrossEntropyLossLowering : OpConversionPattern<CrossEntropyLossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(CrossEntropyLossOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    VocabularyBuilder vb(rewriter, loc, adaptor.getLogits());
    Value lse = vb.logSumExp();
    Value logitX1 = vb.logitOf(adaptor.getX1());
    Value loss = meanOverTokens(
        rewriter, loc, vb, ValueRange{lse, logitX1}, Value(),
        [](OpBuilder &b, Location l, ValueRange args) {
          return arith::SubFOp::create(b, l, args[0], args[1]).getResult();
        });
    rewriter.replaceOp(op, loss);
    return success();
  }
};

} // namespace

void mlir::fm::populateFmDiscreteToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<SoftmaxLowering<SoftmaxOp, /*kLog=*/false>,
               SoftmaxLowering<LogSoftmaxOp, /*kLog=*/true>,
               GeneralizedKLLossLowering, CrossEntropyLossLowering>(
      patterns.getContext());
}
