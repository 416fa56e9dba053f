//===- SchedulerTest.cpp - Runtime scheduler math
//--------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Checks fmrt::Scheduler against the closed forms of REFERENCE.md (written
// out again here, independently of the implementation), its derivatives
// against finite differences and snrInverse against evaluate.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Schedulers.h"

#include "gtest/gtest.h"

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

using fmrt::Scheduler;
using fmrt::SchedulerValues;

namespace {

constexpr double kPi = 3.14159265358979323846;
const std::vector<double> kTimes = {0.0, 0.05, 0.25, 0.5, 0.75, 0.9, 0.99};

struct Case {
  std::string name;
  Scheduler scheduler;
  /// The closed form of REFERENCE.md's scheduler table.
  std::function<SchedulerValues(double)> closedForm;
};

/// Names the case in gtest's failure messages instead of dumping its bytes.
[[maybe_unused]] void PrintTo(const Case &c, std::ostream *os) {
  *os << c.name;
}

std::vector<Case> allCases() {
  auto vp = [](double b, double bigB) {
    return [=](double t) {
      double bigT = 0.5 * (1 - t) * (1 - t) * (bigB - b) + (1 - t) * b;
      double dT = -(1 - t) * (bigB - b) - b;
      return SchedulerValues{
          std::exp(-bigT / 2), std::sqrt(1 - std::exp(-bigT)),
          -0.5 * dT * std::exp(-bigT / 2),
          0.5 * dT * std::exp(-bigT) / std::sqrt(1 - std::exp(-bigT))};
    };
  };
  auto poly = [](double n) {
    return [=](double t) {
      return SchedulerValues{std::pow(t, n), 1 - std::pow(t, n),
                             n * std::pow(t, n - 1), -n * std::pow(t, n - 1)};
    };
  };
  return {
      {"cond_ot", Scheduler::condOT(),
       [](double t) { return SchedulerValues{t, 1 - t, 1, -1}; }},
      {"poly2", Scheduler::polynomial(2.0), poly(2.0)},
      {"poly3_5", Scheduler::polynomial(3.5), poly(3.5)},
      {"vp_default", Scheduler::vp(0.1, 20.0), vp(0.1, 20.0)},
      {"vp_0_30", Scheduler::vp(0.0, 30.0), vp(0.0, 30.0)},
      {"linear_vp", Scheduler::linearVP(),
       [](double t) {
         return SchedulerValues{t, std::sqrt(1 - t * t), 1,
                                -t / std::sqrt(1 - t * t)};
       }},
      {"cosine", Scheduler::cosine(),
       [](double t) {
         return SchedulerValues{std::sin(kPi * t / 2), std::cos(kPi * t / 2),
                                kPi / 2 * std::cos(kPi * t / 2),
                                -kPi / 2 * std::sin(kPi * t / 2)};
       }},
  };
}

class SchedulerTest : public ::testing::TestWithParam<Case> {};

// Same formulas evaluated in double: agreement to a few ulps.
TEST_P(SchedulerTest, MatchesClosedForm) {
  const Case &c = GetParam();
  for (double t : kTimes) {
    SchedulerValues got = c.scheduler.evaluate(t);
    SchedulerValues want = c.closedForm(t);
    SCOPED_TRACE("t = " + std::to_string(t));
    auto near = [](double a, double b) {
      return std::abs(a - b) <= 1e-13 * (1 + std::abs(b));
    };
    EXPECT_PRED2(near, got.alpha, want.alpha);
    EXPECT_PRED2(near, got.sigma, want.sigma);
    EXPECT_PRED2(near, got.dAlpha, want.dAlpha);
    EXPECT_PRED2(near, got.dSigma, want.dSigma);
  }
}

// Central differences with h = 1e-5 have truncation error h²/6·|f'''| and
// rounding error ~eps/h ≈ 2e-11; |f'''| stays below ~1e4 for these schedulers
// on t ≤ 0.9 (VP's T is quadratic with β_max = 20), so 1e-5 relative is safe
// and still catches any wrong derivative formula.
TEST_P(SchedulerTest, DerivativesMatchFiniteDifferences) {
  const Case &c = GetParam();
  const double h = 1e-5;
  for (double t : {0.05, 0.25, 0.5, 0.75, 0.9}) {
    SchedulerValues at = c.scheduler.evaluate(t);
    SchedulerValues hi = c.scheduler.evaluate(t + h);
    SchedulerValues lo = c.scheduler.evaluate(t - h);
    SCOPED_TRACE("t = " + std::to_string(t));
    double dAlpha = (hi.alpha - lo.alpha) / (2 * h);
    double dSigma = (hi.sigma - lo.sigma) / (2 * h);
    EXPECT_NEAR(at.dAlpha, dAlpha, 1e-5 * (1 + std::abs(dAlpha)));
    EXPECT_NEAR(at.dSigma, dSigma, 1e-5 * (1 + std::abs(dSigma)));
  }
}

// snrInverse inverts t ↦ α_t/σ_t. The inversions use sqrt/log/pow of values
// computed in double, so 1e-9 leaves room for their conditioning near 0.
TEST_P(SchedulerTest, SnrInverseInvertsSnr) {
  const Case &c = GetParam();
  for (double t : {0.05, 0.25, 0.5, 0.75, 0.9}) {
    SchedulerValues v = c.scheduler.evaluate(t);
    EXPECT_NEAR(c.scheduler.snrInverse(v.alpha / v.sigma), t, 1e-9)
        << "t = " << t;
  }
}

// Every scheduler is a path from the source (σ = 1, α = 0 up to VP's
// e^{-T(0)/2}) to the data (α = 1, σ = 0).
TEST_P(SchedulerTest, EndpointsAreSourceAndData) {
  const Case &c = GetParam();
  SchedulerValues end = c.scheduler.evaluate(1.0);
  EXPECT_NEAR(end.alpha, 1.0, 1e-15);
  EXPECT_NEAR(end.sigma, 0.0, 1e-15);
  SchedulerValues start = c.scheduler.evaluate(0.0);
  EXPECT_NEAR(start.sigma, 1.0, 1e-4); // VP(0.1, 20): σ_0 = √(1 − e^{−10.05})
  EXPECT_LT(start.alpha, 1e-2);
}

INSTANTIATE_TEST_SUITE_P(AllSchedulers, SchedulerTest,
                         ::testing::ValuesIn(allCases()),
                         [](const ::testing::TestParamInfo<Case> &info) {
                           return info.param.name;
                         });

// The reference does not clamp: σ̇ is infinite at t = 1 for VP-type paths.
TEST(SchedulerEdgeTest, VPDerivativeIsInfiniteAtData) {
  EXPECT_TRUE(std::isinf(Scheduler::vp(0.1, 20).evaluate(1.0).dSigma));
  EXPECT_TRUE(std::isinf(Scheduler::linearVP().evaluate(1.0).dSigma));
}

} // namespace
