//===- Training.cpp - Losses and optimizer updates ------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The ops of a training step besides the network: fm.mse_loss becomes a
// reduction, fm.adam_update one elementwise generic with three results.
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

using namespace mlir;
using namespace mlir::fm;

namespace {

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
    rewriter.replaceOp(op, divideByElementCount(rewriter, loc, total,
                                                adaptor.getPrediction(), rank));
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

} // namespace

void mlir::fm::populateFmTrainingToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<MSELossOpLowering, AdamUpdateOpLowering>(patterns.getContext());
}
