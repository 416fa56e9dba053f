//===- ODE.cpp - fm.integrate and fm.ode_step -----------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Samplers: fm.integrate becomes fm.ode_step ops (in an scf.for, or one per
// interval of a time grid), and each step calls of the velocity function
// combined by elementwise generics.
//
//===----------------------------------------------------------------------===//

#include "PopulatePatterns.h"
#include "Utils.h"

#include "fm/Dialect/FmOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::fm;

namespace {

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

} // namespace

void mlir::fm::populateFmODEToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<IntegrateOpLowering, ODEStepOpLowering>(patterns.getContext());
}
