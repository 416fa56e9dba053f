//===- ApproximateMath.cpp - Vectorizable f32 math functions --------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// `math.exp` and friends lower to calls into libm (`expf`), which LLVM's
// loop vectorizer cannot widen: an ELU layer then runs one scalar call per
// element. This pass rewrites the selected f32 functions into MLIR's
// polynomial approximations, plain arith that vectorizes with the loop
// around it.
//
//===----------------------------------------------------------------------===//

#include "fm/Target/CPU/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringSet.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCPUAPPROXIMATEMATH
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;

namespace {
/// expm1(x) for f32 from exp: its Taylor polynomial of degree 8 where
/// |x| < 1/2 (truncation error x⁹/9! < 6e-9, well under half an ulp of the
/// result, so small arguments keep full relative precision) and exp(x) − 1
/// elsewhere (|expm1(x)| > 0.39 there, so the subtraction loses at most a
/// factor 2.6 of exp's relative error). One exp, a short polynomial and a
/// select: about half the work of MLIR's expm1 approximation, which divides
/// by a second, logarithm, polynomial.
struct Expm1FromExp : OpRewritePattern<math::ExpM1Op> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::ExpM1Op op,
                                PatternRewriter &rewriter) const override {
    Type type = op.getType();
    if (!getElementTypeOrSelf(type).isF32())
      return failure();
    Location loc = op.getLoc();
    auto constant = [&](double value) -> Value {
      TypedAttr attr = rewriter.getF32FloatAttr(static_cast<float>(value));
      if (auto shaped = dyn_cast<ShapedType>(type))
        attr = DenseElementsAttr::get(shaped, attr);
      return arith::ConstantOp::create(rewriter, loc, attr);
    };
    Value x = op.getOperand();
    // Horner: x·(1 + x·(1/2! + x·(1/3! + … + x·(1/8!)))).
    double factorial = 40320.0; // 8!
    Value poly = constant(1.0 / factorial);
    for (int n = 7; n >= 1; --n) {
      factorial /= n + 1;
      poly = math::FmaOp::create(rewriter, loc, x, poly,
                                 constant(1.0 / factorial));
    }
    poly = arith::MulFOp::create(rewriter, loc, x, poly);
    Value exp = math::ExpOp::create(rewriter, loc, x);
    Value expMinusOne = arith::SubFOp::create(rewriter, loc, exp, constant(1));
    Value magnitude = math::AbsFOp::create(rewriter, loc, x);
    Value small = arith::CmpFOp::create(
        rewriter, loc, arith::CmpFPredicate::OLT, magnitude, constant(0.5));
    rewriter.replaceOpWithNewOp<arith::SelectOp>(op, small, poly, expMinusOne);
    return success();
  }
};

struct FmCpuApproximateMathPass
    : mlir::fm::impl::FmCpuApproximateMathBase<FmCpuApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    llvm::StringSet<> selected;
    for (const std::string &name : functions)
      selected.insert(name);
    if (selected.empty())
      for (StringRef name : {"exp", "expm1", "tanh", "erf"})
        selected.insert(name);
    auto isSelected = [&](Operation *op) {
      StringRef name = op->getName().getStringRef();
      return name.consume_front("math.") && selected.contains(name);
    };
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isSelected(op))
        ops.push_back(op);
    });
    if (ops.empty())
      return;

    // Only the selected ops and what their rewrites create are rewritten:
    // expm1's approximation is built on math.exp, which must be
    // approximated too, while an exp or log elsewhere (a log in the normal
    // draws) keeps libm's result.
    RewritePatternSet patterns(&getContext());
    patterns.add<Expm1FromExp>(&getContext(), /*benefit=*/2);
    populateMathPolynomialApproximationPatterns(
        patterns, [](StringRef name) { return name != "math.expm1"; });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      return signalPassFailure();
  }
};
} // namespace
