//===- ActivationTest.cpp - The activation matcher of fm/Utils ------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// matchActivation is shared by fm-autodiff (which takes ReLU, ELU and tanh
// derivatives from their output) and fm-linalg-to-dnnl (which fuses every
// recognized activation into a oneDNN call). These tests pin the forms it
// recognizes, that finding s and checking a given s agree, and forms that
// look alike but are not activations.
//
//===----------------------------------------------------------------------===//

#include "fm/Utils/Activation.h"

#include "fm/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <string>

using namespace mlir;
using namespace mlir::fm;

namespace {

class ActivationTest : public ::testing::Test {
protected:
  ActivationTest() {
    DialectRegistry registry;
    registerFmDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
  }

  /// What the matcher says about the value `body` returns, in a function of
  /// two f32 arguments %s and %t.
  struct Result {
    /// matchActivation(y).
    ActivationKind kind = ActivationKind::None;
    /// Whether matchActivation(y) found %s as the input.
    bool inputIsS = false;
    /// matchActivation(y, %s).kind and matchActivation(y, %t).kind.
    ActivationKind kindGivenS = ActivationKind::None;
    ActivationKind kindGivenT = ActivationKind::None;
  };

  Result match(StringRef body) {
    std::string text = "func.func @f(%s: f32, %t: f32) -> f32 {\n" +
                       body.str() + "\n  return %y : f32\n}\n";
    OwningOpRef<ModuleOp> module = parseSourceString<ModuleOp>(text, &context);
    EXPECT_TRUE(module) << text;
    if (!module)
      return {};
    auto func = cast<func::FuncOp>(module->getBody()->front());
    Value y = func.getBody().front().getTerminator()->getOperand(0);
    Value s = func.getArgument(0), t = func.getArgument(1);
    ActivationMatch found = matchActivation(y);
    EXPECT_EQ(static_cast<bool>(found), static_cast<bool>(found.input));
    return {found.kind, found.input == s, matchActivation(y, s).kind,
            matchActivation(y, t).kind};
  }

  /// Expects `body` to compute `kind` of %s, found both ways.
  void expectActivation(StringRef body, ActivationKind kind) {
    Result r = match(body);
    EXPECT_EQ(r.kind, kind) << body.str();
    EXPECT_TRUE(r.inputIsS) << body.str();
    EXPECT_EQ(r.kindGivenS, kind) << body.str();
    EXPECT_EQ(r.kindGivenT, ActivationKind::None) << body.str();
  }

  /// Expects `body` to compute no activation of anything.
  void expectNone(StringRef body) {
    Result r = match(body);
    EXPECT_EQ(r.kind, ActivationKind::None) << body.str();
    EXPECT_EQ(r.kindGivenS, ActivationKind::None) << body.str();
    EXPECT_EQ(r.kindGivenT, ActivationKind::None) << body.str();
  }

  MLIRContext context;
};

TEST_F(ActivationTest, Relu) {
  expectActivation(R"mlir(
  %z = arith.constant 0.0 : f32
  %y = arith.maximumf %s, %z : f32)mlir",
                   ActivationKind::Relu);
  expectActivation(R"mlir(
  %z = arith.constant 0.0 : f32
  %y = arith.maxnumf %z, %s : f32)mlir",
                   ActivationKind::Relu);
  expectActivation(R"mlir(
  %z = arith.constant 0.0 : f32
  %c = arith.cmpf ogt, %s, %z : f32
  %y = arith.select %c, %s, %z : f32)mlir",
                   ActivationKind::Relu);
}

TEST_F(ActivationTest, Elu) {
  expectActivation(R"mlir(
  %z = arith.constant 0.0 : f32
  %c = arith.cmpf ogt, %s, %z : f32
  %m = math.expm1 %s : f32
  %y = arith.select %c, %s, %m : f32)mlir",
                   ActivationKind::Elu);
}

TEST_F(ActivationTest, Tanh) {
  expectActivation("  %y = math.tanh %s : f32", ActivationKind::Tanh);
}

TEST_F(ActivationTest, SigmoidAndSilu) {
  // 1 / (1 + exp(−s)), the 1 on either side of the sum.
  expectActivation(R"mlir(
  %one = arith.constant 1.0 : f32
  %n = arith.negf %s : f32
  %e = math.exp %n : f32
  %d = arith.addf %e, %one : f32
  %y = arith.divf %one, %d : f32)mlir",
                   ActivationKind::Sigmoid);
  // s·sigmoid(s), in either order.
  for (const char *product :
       {"%y = arith.mulf %sig, %s : f32", "%y = arith.mulf %s, %sig : f32"})
    expectActivation(std::string(R"mlir(
  %one = arith.constant 1.0 : f32
  %n = arith.negf %s : f32
  %e = math.exp %n : f32
  %d = arith.addf %one, %e : f32
  %sig = arith.divf %one, %d : f32
  )mlir") + product,
                     ActivationKind::Silu);
}

TEST_F(ActivationTest, GeluErf) {
  // (0.5·s)·(1 + erf(s·(1/√2)))
  expectActivation(R"mlir(
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %r = arith.constant 0.707106769 : f32
  %h = arith.mulf %s, %half : f32
  %a = arith.mulf %r, %s : f32
  %g = math.erf %a : f32
  %p = arith.addf %g, %one : f32
  %y = arith.mulf %p, %h : f32)mlir",
                   ActivationKind::GeluErf);
  // 0.5·(s·(1 + erf(s·(1/√2))))
  expectActivation(R"mlir(
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %r = arith.constant 0.707106769 : f32
  %a = arith.mulf %s, %r : f32
  %g = math.erf %a : f32
  %p = arith.addf %one, %g : f32
  %q = arith.mulf %s, %p : f32
  %y = arith.mulf %half, %q : f32)mlir",
                   ActivationKind::GeluErf);
}

TEST_F(ActivationTest, GeluTanh) {
  // (0.5·s)·(1 + tanh(√(2/π)·(s + 0.044715·s³))), s³ as (s·s)·s and s·(s·s).
  for (const char *cube :
       {"%c3 = arith.mulf %sq, %s : f32", "%c3 = arith.mulf %s, %sq : f32"})
    expectActivation(std::string(R"mlir(
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %k = arith.constant 0.044715 : f32
  %r = arith.constant 0.797884583 : f32
  %sq = arith.mulf %s, %s : f32
  )mlir") + cube + R"mlir(
  %kc = arith.mulf %k, %c3 : f32
  %in = arith.addf %s, %kc : f32
  %arg = arith.mulf %in, %r : f32
  %g = math.tanh %arg : f32
  %p = arith.addf %one, %g : f32
  %h = arith.mulf %half, %s : f32
  %y = arith.mulf %h, %p : f32)mlir",
                     ActivationKind::GeluTanh);
}

TEST_F(ActivationTest, LookAlikesAreNotActivations) {
  // An op that no form starts with.
  expectNone("  %y = arith.addf %s, %t : f32");
  // max with a non-zero bound.
  expectNone(R"mlir(
  %c1 = arith.constant 1.0 : f32
  %y = arith.maximumf %s, %c1 : f32)mlir");
  // The wrong comparison.
  expectNone(R"mlir(
  %z = arith.constant 0.0 : f32
  %c = arith.cmpf olt, %s, %z : f32
  %y = arith.select %c, %s, %z : f32)mlir");
  // ELU's negative branch of another value, and its test of another value.
  expectNone(R"mlir(
  %z = arith.constant 0.0 : f32
  %c = arith.cmpf ogt, %s, %z : f32
  %m = math.expm1 %t : f32
  %y = arith.select %c, %s, %m : f32)mlir");
  expectNone(R"mlir(
  %z = arith.constant 0.0 : f32
  %c = arith.cmpf ogt, %t, %z : f32
  %m = math.expm1 %s : f32
  %y = arith.select %c, %s, %m : f32)mlir");
  // 1 / (1 + exp(s)): no negation.
  expectNone(R"mlir(
  %one = arith.constant 1.0 : f32
  %e = math.exp %s : f32
  %d = arith.addf %one, %e : f32
  %y = arith.divf %one, %d : f32)mlir");
  // s times the sigmoid of another value.
  expectNone(R"mlir(
  %one = arith.constant 1.0 : f32
  %n = arith.negf %t : f32
  %e = math.exp %n : f32
  %d = arith.addf %one, %e : f32
  %sig = arith.divf %one, %d : f32
  %y = arith.mulf %s, %sig : f32)mlir");
  // GELU with a wrong constant (0.6 for 1/√2).
  expectNone(R"mlir(
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %r = arith.constant 0.6 : f32
  %h = arith.mulf %s, %half : f32
  %a = arith.mulf %s, %r : f32
  %g = math.erf %a : f32
  %p = arith.addf %g, %one : f32
  %y = arith.mulf %h, %p : f32)mlir");
}

} // namespace
