//===- SchedulerAttrTest.cpp - #fm scheduler attributes
//--------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The scheduler attributes evaluate their math twice: as the runtime's double
// reference (getScheduler) and as IR (buildCoefficients). These tests emit the
// IR on a constant f64 time, let MLIR's folders evaluate it, and compare with
// the runtime at several t. They also check parsing and default parameters.
//
//===----------------------------------------------------------------------===//

#include "fm/Dialect/FmAttrs.h"
#include "fm/Dialect/FmDialect.h"
#include "fm/InitAll.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "gtest/gtest.h"

#include <array>
#include <optional>

using namespace mlir;
using namespace mlir::fm;

namespace {

class SchedulerAttrTest : public ::testing::Test {
protected:
  SchedulerAttrTest() {
    DialectRegistry registry;
    registerFmDialects(registry);
    registry.insert<func::FuncDialect>();
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  SchedulerAttrInterface parse(StringRef text) {
    Attribute attr = parseAttribute(text, &context);
    return llvm::dyn_cast_if_present<SchedulerAttrInterface>(attr);
  }

  /// Emits the coefficients at constant time `t` (f64) into a function that
  /// returns them, folds it, and reads back the constants. Returns nullopt if
  /// anything did not fold to a constant.
  std::optional<std::array<double, 4>>
  foldCoefficients(SchedulerAttrInterface scheduler, double t) {
    OpBuilder builder(&context);
    Location loc = builder.getUnknownLoc();
    OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
    builder.setInsertionPointToEnd(module->getBody());
    Type f64 = builder.getF64Type();
    auto func =
        func::FuncOp::create(builder, loc, "coefficients",
                             builder.getFunctionType({}, {f64, f64, f64, f64}));
    builder.setInsertionPointToStart(func.addEntryBlock());
    Value time = arith::ConstantOp::create(builder, loc, f64,
                                           builder.getF64FloatAttr(t));
    SchedulerCoefficients c = scheduler.buildCoefficients(builder, loc, time);
    SmallVector<Value> results;
    for (OpFoldResult ofr : {c.alpha, c.sigma, c.dAlpha, c.dSigma}) {
      if (auto value = llvm::dyn_cast<Value>(ofr)) {
        results.push_back(value);
        continue;
      }
      results.push_back(arith::ConstantOp::create(
          builder, loc, f64,
          llvm::cast<TypedAttr>(llvm::cast<Attribute>(ofr))));
    }
    func::ReturnOp::create(builder, loc, results);
    if (failed(applyPatternsGreedily(func, RewritePatternSet(&context))))
      return std::nullopt;

    std::array<double, 4> values;
    auto ret = llvm::cast<func::ReturnOp>(func.getBody().front().back());
    for (auto [i, operand] : llvm::enumerate(ret.getOperands())) {
      auto constant = operand.getDefiningOp<arith::ConstantOp>();
      if (!constant)
        return std::nullopt;
      values[i] = llvm::cast<FloatAttr>(constant.getValue()).getValueAsDouble();
    }
    return values;
  }

  MLIRContext context;
};

TEST_F(SchedulerAttrTest, ParsesEverySchedulerWithItsParameters) {
  auto poly = parse("#fm.poly<3.5>");
  ASSERT_TRUE(poly);
  EXPECT_EQ(poly.getScheduler().getKind(), fmrt::Scheduler::Kind::Polynomial);
  EXPECT_EQ(poly.getScheduler().getExponent(), 3.5);

  auto vp = parse("#fm.vp<beta_max = 10.0>");
  ASSERT_TRUE(vp);
  EXPECT_EQ(vp.getScheduler().getKind(), fmrt::Scheduler::Kind::VP);
  EXPECT_EQ(vp.getScheduler().getBetaMin(), 0.1); // the default
  EXPECT_EQ(vp.getScheduler().getBetaMax(), 10.0);

  auto vpDefault = parse("#fm.vp");
  ASSERT_TRUE(vpDefault);
  EXPECT_EQ(vpDefault.getScheduler().getBetaMax(), 20.0);

  EXPECT_EQ(parse("#fm.cond_ot").getScheduler().getKind(),
            fmrt::Scheduler::Kind::CondOT);
  EXPECT_EQ(parse("#fm.linear_vp").getScheduler().getKind(),
            fmrt::Scheduler::Kind::LinearVP);
  EXPECT_EQ(parse("#fm.cosine").getScheduler().getKind(),
            fmrt::Scheduler::Kind::Cosine);
}

TEST_F(SchedulerAttrTest, RejectsInvalidParameters) {
  // The diagnostics themselves are pinned by test/Dialect/Fm/invalid.mlir.
  context.getDiagEngine().registerHandler(
      [](Diagnostic &) { return success(); });
  EXPECT_FALSE(parse("#fm.poly<0.0>"));
  EXPECT_FALSE(parse("#fm.vp<beta_min = 5.0, beta_max = 1.0>"));
}

// The emitted IR and the runtime evaluate the same formulas in f64, in a
// slightly different order of operations, so they agree to a few ulps of the
// largest intermediate (|T'| ≤ 20, |σ̇| ≤ ~50 here): 1e-12 relative.
TEST_F(SchedulerAttrTest, EmittedIRMatchesRuntimeMath) {
  for (StringRef text :
       {"#fm.cond_ot", "#fm.poly<1.0>", "#fm.poly<2.0>", "#fm.poly<3.5>",
        "#fm.vp", "#fm.vp<beta_min = 0.5, beta_max = 8.0>", "#fm.linear_vp",
        "#fm.cosine"}) {
    SchedulerAttrInterface scheduler = parse(text);
    ASSERT_TRUE(scheduler) << text.str();
    for (double t : {0.0, 0.1, 0.25, 0.5, 0.75, 0.9}) {
      SCOPED_TRACE(text.str() + " at t = " + std::to_string(t));
      std::optional<std::array<double, 4>> folded =
          foldCoefficients(scheduler, t);
      ASSERT_TRUE(folded) << "coefficients did not fold to constants";
      fmrt::SchedulerValues want = scheduler.getScheduler().evaluate(t);
      std::array<double, 4> expected = {want.alpha, want.sigma, want.dAlpha,
                                        want.dSigma};
      for (int i = 0; i < 4; ++i)
        EXPECT_NEAR((*folded)[i], expected[i],
                    1e-12 * (1 + std::abs(expected[i])))
            << "coefficient " << i;
    }
  }
}

} // namespace
