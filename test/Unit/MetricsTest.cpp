//===- MetricsTest.cpp - Sample-quality metrics ---------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Checks the metrics against closed forms and brute force written out here,
// independently of the implementation: W2 against the minimum over all
// permutations (n ≤ 8), against translations and the sorted matching of
// points on a line; the energy distance and MMD² against hand-computed tiny
// cases and exact expressions for identical sets. Random points come from
// std::mt19937 (whose output the standard fixes) through a Box–Muller
// transform written here, so they are the same on every platform.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Metrics.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iterator>
#include <limits>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <vector>

using fmrt::MetricError;
using fmrt::MetricResult;

namespace {

constexpr double kPi = 3.14159265358979323846;

/// Deterministic random points.
class PointSource {
public:
  explicit PointSource(uint32_t seed) : engine(seed) {}

  /// Uniform in [0, 1) with 32 random bits.
  double uniform() { return engine() * 0x1p-32; }

  /// Standard normal (Box–Muller).
  double normal() {
    double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * u2);
  }

  /// `n` points of dimension `dim` with independent N(0, 1) coordinates.
  std::vector<float> gaussian(int64_t n, int64_t dim = 2) {
    std::vector<float> points(n * dim);
    for (float &v : points)
      v = static_cast<float>(normal());
    return points;
  }

  /// `n` points in the style of make_moons: half on the upper unit half
  /// circle, half on the lower one centred at (1, 0.5), plus N(0, noise²).
  std::vector<float> moons(int64_t n, double noise = 0.05) {
    std::vector<float> points(n * 2);
    for (int64_t i = 0; i < n; ++i) {
      double angle = kPi * uniform();
      double x = std::cos(angle), y = std::sin(angle);
      if (i % 2) {
        x = 1.0 - x;
        y = 0.5 - y;
      }
      points[2 * i] = static_cast<float>(x + noise * normal());
      points[2 * i + 1] = static_cast<float>(y + noise * normal());
    }
    return points;
  }

private:
  std::mt19937 engine;
};

/// The [n, n] matrix of squared distances between the points of `x` and `y`.
std::vector<double> squaredDistances(const std::vector<float> &x,
                                     const std::vector<float> &y, int64_t n,
                                     int64_t dim) {
  std::vector<double> cost(n * n, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t k = 0; k < dim; ++k) {
        double d = double(x[i * dim + k]) - double(y[j * dim + k]);
        cost[i * n + j] += d * d;
      }
  return cost;
}

/// The minimal assignment cost by trying every permutation.
double bruteForceAssignment(const std::vector<double> &cost, int64_t n) {
  std::vector<int64_t> perm(n);
  std::iota(perm.begin(), perm.end(), 0);
  double best = std::numeric_limits<double>::infinity();
  do {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i)
      sum += cost[i * n + perm[i]];
    best = std::min(best, sum);
  } while (std::next_permutation(perm.begin(), perm.end()));
  return best;
}

/// W2 of two equal-size sets, which must succeed.
double w2(const std::vector<float> &x, const std::vector<float> &y,
          int64_t dim = 2) {
  int64_t n = static_cast<int64_t>(x.size()) / dim;
  MetricResult result = fmrt::wasserstein2(x.data(), n, y.data(), n, dim);
  EXPECT_TRUE(result.ok()) << fmrt::describeMetricError(result.error);
  return result.value;
}

/// (1/n) Σ ||x_i − y_i||²: the cost of matching each point to the point of
/// the same index.
double identityMatchingCost(const std::vector<float> &x,
                            const std::vector<float> &y, int64_t dim = 2) {
  double sum = 0.0;
  for (size_t k = 0; k < x.size(); ++k) {
    double d = double(x[k]) - double(y[k]);
    sum += d * d;
  }
  return sum / double(x.size() / dim);
}

//===----------------------------------------------------------------------===//
// Linear assignment
//===----------------------------------------------------------------------===//

TEST(LinearAssignmentTest, MatchesBruteForceOnRandomMatrices) {
  PointSource source(1);
  // Uniform costs, costs with many ties, negative costs.
  for (int kind = 0; kind < 3; ++kind) {
    for (int64_t n = 1; n <= 8; ++n) {
      for (int trial = 0; trial < 6; ++trial) {
        std::vector<double> cost(n * n);
        for (double &c : cost) {
          double u = source.uniform();
          c = kind == 0 ? u : kind == 1 ? std::floor(3.0 * u) : 100 * u - 50;
        }
        std::vector<int64_t> rowToCol(n, -1);
        std::optional<double> total =
            fmrt::solveLinearAssignment(cost.data(), n, rowToCol.data());
        ASSERT_TRUE(total.has_value());
        EXPECT_NEAR(*total, bruteForceAssignment(cost, n), 1e-12)
            << "kind " << kind << ", n " << n << ", trial " << trial;
        // The assignment is a permutation and its cost is the total.
        std::set<int64_t> columns(rowToCol.begin(), rowToCol.end());
        EXPECT_EQ(int64_t(columns.size()), n);
        EXPECT_GE(*columns.begin(), 0);
        EXPECT_LT(*columns.rbegin(), n);
        double sum = 0.0;
        for (int64_t i = 0; i < n; ++i)
          sum += cost[i * n + rowToCol[i]];
        EXPECT_EQ(sum, *total);
      }
    }
  }
}

TEST(LinearAssignmentTest, KnownOptimum) {
  // The anti-diagonal is the only optimum: 1 + 1 + 1.
  std::vector<double> cost = {9, 9, 1, //
                              9, 1, 2, //
                              1, 2, 9};
  std::vector<int64_t> rowToCol(3);
  std::optional<double> total =
      fmrt::solveLinearAssignment(cost.data(), 3, rowToCol.data());
  ASSERT_TRUE(total.has_value());
  EXPECT_EQ(*total, 3.0);
  EXPECT_EQ(rowToCol, (std::vector<int64_t>{2, 1, 0}));
}

TEST(LinearAssignmentTest, EdgeCases) {
  EXPECT_EQ(fmrt::solveLinearAssignment(nullptr, 0, nullptr), 0.0);
  double one = -2.5;
  int64_t col = -1;
  EXPECT_EQ(fmrt::solveLinearAssignment(&one, 1, &col), -2.5);
  EXPECT_EQ(col, 0);
  // All costs equal: every permutation is optimal.
  std::vector<double> flat(25, 7.0);
  EXPECT_EQ(fmrt::solveLinearAssignment(flat.data(), 5, nullptr), 35.0);

  EXPECT_FALSE(fmrt::solveLinearAssignment(&one, -1, nullptr));
  EXPECT_FALSE(fmrt::solveLinearAssignment(nullptr, 2, nullptr));
  std::vector<double> bad = {1, 2, std::nan(""), 4};
  std::vector<int64_t> untouched = {-7, -7};
  EXPECT_FALSE(fmrt::solveLinearAssignment(bad.data(), 2, untouched.data()));
  EXPECT_EQ(untouched, (std::vector<int64_t>{-7, -7}));
  bad[2] = std::numeric_limits<double>::infinity();
  EXPECT_FALSE(fmrt::solveLinearAssignment(bad.data(), 2, nullptr));
  // Finite costs whose range overflows.
  std::vector<double> huge = {1e308, -1e308, 0, 0};
  EXPECT_FALSE(fmrt::solveLinearAssignment(huge.data(), 2, nullptr));
}

//===----------------------------------------------------------------------===//
// W2
//===----------------------------------------------------------------------===//

TEST(Wasserstein2Test, MatchesBruteForceOnSmallSets) {
  PointSource source(2);
  for (int64_t n = 1; n <= 8; ++n) {
    for (int trial = 0; trial < 4; ++trial) {
      for (int64_t dim : {1, 2, 3}) {
        std::vector<float> x = source.gaussian(n, dim);
        std::vector<float> y = source.gaussian(n, dim);
        double expected = std::sqrt(
            bruteForceAssignment(squaredDistances(x, y, n, dim), n) / n);
        EXPECT_NEAR(w2(x, y, dim), expected, 1e-12 * (1.0 + expected))
            << "n " << n << ", dim " << dim << ", trial " << trial;
      }
    }
  }
}

TEST(Wasserstein2Test, SetWithItselfIsZero) {
  PointSource source(3);
  for (int64_t n : {1, 2, 17, 300}) {
    std::vector<float> x = source.gaussian(n);
    EXPECT_EQ(w2(x, x), 0.0) << "n " << n;
  }
  // With repeated points too.
  std::vector<float> repeated = {0, 0, 1, 1, 0, 0, 1, 1, 2, 2};
  EXPECT_EQ(w2(repeated, repeated), 0.0);
}

TEST(Wasserstein2Test, TranslationMovesByItsLength) {
  // Moving every point by v costs |v|² for any matching that is the
  // identity, and any other matching costs more: Σ||x_i − x_π(i) − v||² =
  // Σ||x_i − x_π(i)||² + n|v|². Coordinates that are multiples of 1/64 and
  // v = (0.75, −1) make y = x + v exact in float, so W2 = 1.25 exactly up to
  // the rounding of the final division and square root.
  PointSource source(4);
  for (int64_t n : {1, 5, 64, 400}) {
    std::vector<float> x(2 * n), y(2 * n);
    for (int64_t i = 0; i < n; ++i) {
      x[2 * i] = std::floor(256 * source.uniform()) / 64.0f - 2.0f;
      x[2 * i + 1] = std::floor(256 * source.uniform()) / 64.0f - 2.0f;
      y[2 * i] = x[2 * i] + 0.75f;
      y[2 * i + 1] = x[2 * i + 1] - 1.0f;
    }
    EXPECT_NEAR(w2(x, y), 1.25, 1e-14) << "n " << n;
  }
  // Gaussian points and a translation that float rounds.
  std::vector<float> x = source.gaussian(500), y(x.size());
  const double v[2] = {0.3, -0.4};
  for (size_t k = 0; k < x.size(); ++k)
    y[k] = static_cast<float>(x[k] + v[k % 2]);
  EXPECT_NEAR(w2(x, y), 0.5, 1e-6);
}

TEST(Wasserstein2Test, PointsOnALineUseTheSortedMatching) {
  // For the convex cost (s − t)², the optimal matching of points on a line
  // pairs them in sorted order. The line is t·(0.6, 0.8) + (−1, 2) for x and
  // the same line moved by w = (0.8, −0.6) ⊥ (0.6, 0.8), |w| = 1, for y, so
  // W2² = (1/n) Σ (s_(i) − t_(i))² + |w|².
  PointSource source(5);
  for (int64_t n : {3, 10, 200}) {
    std::vector<double> s(n), t(n);
    for (int64_t i = 0; i < n; ++i) {
      s[i] = 3.0 * source.normal();
      t[i] = source.uniform() * 4.0 - 1.0;
    }
    std::vector<float> x(2 * n), y(2 * n);
    for (int64_t i = 0; i < n; ++i) {
      x[2 * i] = static_cast<float>(-1.0 + 0.6 * s[i]);
      x[2 * i + 1] = static_cast<float>(2.0 + 0.8 * s[i]);
      y[2 * i] = static_cast<float>(-1.0 + 0.8 + 0.6 * t[i]);
      y[2 * i + 1] = static_cast<float>(2.0 - 0.6 + 0.8 * t[i]);
    }
    std::sort(s.begin(), s.end());
    std::sort(t.begin(), t.end());
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i)
      sum += (s[i] - t[i]) * (s[i] - t[i]);
    double expected = std::sqrt(sum / double(n) + 1.0);
    // The points are rounded to float, hence the tolerance.
    EXPECT_NEAR(w2(x, y), expected, 1e-6 * expected) << "n " << n;
  }
  // A 1-D set: the same formula without the offset.
  std::vector<float> a = {3, -1, 0.5f, 7}, b = {0, 2, 2, -4};
  // Sorted: (−1, 0.5, 3, 7) against (−4, 0, 2, 2).
  EXPECT_NEAR(w2(a, b, 1), std::sqrt((9 + 0.25 + 1 + 25) / 4.0), 1e-15);
}

TEST(Wasserstein2Test, NoMoreThanAnyMatching) {
  PointSource source(6);
  std::vector<float> x = source.gaussian(300), y = source.moons(300);
  double best = w2(x, y);
  EXPECT_LE(best * best, identityMatchingCost(x, y));
  // Nor more than the matchings of a few rotations of y's indices.
  for (int64_t shift : {1, 7, 150}) {
    std::vector<float> rotated(y.size());
    for (size_t k = 0; k < y.size(); ++k)
      rotated[k] = y[(k + 2 * shift) % y.size()];
    EXPECT_LE(best * best, identityMatchingCost(x, rotated));
  }
  // And it is symmetric.
  EXPECT_NEAR(w2(y, x), best, 1e-12);
}

TEST(Wasserstein2Test, RejectsBadInput) {
  std::vector<float> x = {0, 0, 1, 1}, y = {0, 0, 1, 1, 2, 2};
  MetricResult r = fmrt::wasserstein2(x.data(), 2, y.data(), 3, 2);
  EXPECT_EQ(r.error, MetricError::SizeMismatch);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.value, 0.0);
  EXPECT_EQ(fmrt::wasserstein2(x.data(), 0, y.data(), 0, 2).error,
            MetricError::TooFewPoints);
  EXPECT_EQ(fmrt::wasserstein2(nullptr, 2, y.data(), 2, 2).error,
            MetricError::TooFewPoints);
  EXPECT_EQ(fmrt::wasserstein2(x.data(), 2, y.data(), 2, 0).error,
            MetricError::BadDimension);
  EXPECT_EQ(fmrt::wasserstein2(x.data(), -1, y.data(), -1, 2).error,
            MetricError::TooFewPoints);
  y[3] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(fmrt::wasserstein2(x.data(), 2, y.data(), 2, 2).error,
            MetricError::NonFinite);
  y[3] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(fmrt::wasserstein2(x.data(), 2, y.data(), 2, 2).error,
            MetricError::NonFinite);
}

TEST(Wasserstein2Test, TwoThousandPointsComplete) {
  // The size of REFERENCE.md's sample-quality table: 2000 samples against
  // 2000 data points. Not a timing assertion; the time is printed for
  // information.
  PointSource source(7);
  const int64_t n = 2000;
  std::vector<float> x = source.gaussian(n), y = source.moons(n);
  auto start = std::chrono::steady_clock::now();
  MetricResult result = fmrt::wasserstein2(x.data(), n, y.data(), n, 2);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_TRUE(result.ok());
  std::printf("[ info     ] W2(N(0, I), moons) for n = %lld: %.6f in %.3f s\n",
              static_cast<long long>(n), result.value, seconds);
  EXPECT_GT(result.value, 0.5);
  EXPECT_LE(result.value * result.value, identityMatchingCost(x, y));
}

//===----------------------------------------------------------------------===//
// Energy distance
//===----------------------------------------------------------------------===//

double energy(const std::vector<float> &x, const std::vector<float> &y,
              int64_t dim = 2) {
  MetricResult result =
      fmrt::energyDistance(x.data(), int64_t(x.size()) / dim, y.data(),
                           int64_t(y.size()) / dim, dim);
  EXPECT_TRUE(result.ok()) << fmrt::describeMetricError(result.error);
  return result.value;
}

TEST(EnergyDistanceTest, TinyClosedForms) {
  // One point each: 2·|x − y|.
  EXPECT_DOUBLE_EQ(energy({0, 0}, {3, 4}), 10.0);
  // x = {(0,0), (3,4)}, y = {(0,0)}: E||X−Y|| = (0 + 5)/2, E||X−X'|| =
  // (0 + 5 + 5 + 0)/4, E||Y−Y'|| = 0, so 2·2.5 − 2.5 − 0 = 2.5.
  EXPECT_DOUBLE_EQ(energy({0, 0, 3, 4}, {0, 0}), 2.5);
  // In 1-D the energy distance is 2∫(F − G)²: for x = {0, 1}, y = {2},
  // F − G is 1/2 on [0, 1) and 1 on [1, 2), so 2·(1/4 + 1) = 2.5; from the
  // definition, 2·(2 + 1)/2 − (0 + 1 + 1 + 0)/4 − 0 = 2.5.
  EXPECT_DOUBLE_EQ(energy({0, 1}, {2}, 1), 2.5);
  // The same sets in either order.
  EXPECT_DOUBLE_EQ(energy({2}, {0, 1}, 1), 2.5);
}

TEST(EnergyDistanceTest, IdenticalSetsAreZeroAndShiftsArePositive) {
  PointSource source(8);
  std::vector<float> x = source.gaussian(400);
  EXPECT_NEAR(energy(x, x), 0.0, 1e-12);
  std::vector<float> shifted = x;
  for (size_t k = 0; k < shifted.size(); k += 2)
    shifted[k] += 0.5f;
  double e1 = energy(x, shifted);
  EXPECT_GT(e1, 0.0);
  for (size_t k = 0; k < shifted.size(); k += 2)
    shifted[k] += 0.5f;
  // A larger shift is further away.
  EXPECT_GT(energy(x, shifted), e1);
  // Two samples of one distribution are closer than samples of two.
  std::vector<float> other = source.gaussian(400);
  EXPECT_LT(energy(x, other), e1);
  EXPECT_GE(energy(x, other), 0.0);
}

TEST(EnergyDistanceTest, RejectsBadInput) {
  std::vector<float> x = {0, 0}, y = {1, 1};
  EXPECT_EQ(fmrt::energyDistance(x.data(), 0, y.data(), 1, 2).error,
            MetricError::TooFewPoints);
  EXPECT_EQ(fmrt::energyDistance(x.data(), 1, y.data(), 1, -2).error,
            MetricError::BadDimension);
  y[0] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_EQ(fmrt::energyDistance(x.data(), 1, y.data(), 1, 2).error,
            MetricError::NonFinite);
}

//===----------------------------------------------------------------------===//
// MMD²
//===----------------------------------------------------------------------===//

double mmd(const std::vector<float> &x, const std::vector<float> &y,
           double bandwidth) {
  MetricResult result = fmrt::mmd2Rbf(x.data(), int64_t(x.size()) / 2, y.data(),
                                      int64_t(y.size()) / 2, 2, bandwidth);
  EXPECT_TRUE(result.ok()) << fmrt::describeMetricError(result.error);
  return result.value;
}

TEST(MmdTest, TinyClosedForm) {
  // x = {(0,0), (1,0)}, y = {(0,0), (0,2)}, bandwidth 1, k = exp(−d²/2):
  // the x pair is at d² = 1, the y pair at d² = 4, and the four cross pairs
  // at d² = 0, 4, 1, 5.
  std::vector<float> x = {0, 0, 1, 0}, y = {0, 0, 0, 2};
  double expected =
      std::exp(-0.5) + std::exp(-2.0) -
      2.0 * (1.0 + std::exp(-2.0) + std::exp(-0.5) + std::exp(-2.5)) / 4.0;
  EXPECT_NEAR(mmd(x, y, 1.0), expected, 1e-15);
  // Bandwidth 2 divides every d² by 4 more.
  double expected2 =
      std::exp(-0.125) + std::exp(-0.5) -
      2.0 * (1.0 + std::exp(-0.5) + std::exp(-0.125) + std::exp(-0.625)) / 4.0;
  EXPECT_NEAR(mmd(x, y, 2.0), expected2, 1e-15);
}

TEST(MmdTest, IdenticalSetsGiveTheExactUnbiasedValue) {
  // For y = x, with A = Σ_{i≠j} k(x_i, x_j) and k(x, x) = 1, the estimate is
  // 2A/(n(n−1)) − 2(A + n)/n² = 2A/(n²(n−1)) − 2/n, which lies in [−2/n, 0]
  // because 0 ≤ A ≤ n(n−1).
  PointSource source(9);
  const int64_t n = 200;
  std::vector<float> x = source.gaussian(n);
  for (double h : {0.1, 1.0, 5.0}) {
    double a = 0.0;
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < n; ++j) {
        if (i == j)
          continue;
        double dx = double(x[2 * i]) - x[2 * j];
        double dy = double(x[2 * i + 1]) - x[2 * j + 1];
        a += std::exp(-(dx * dx + dy * dy) / (2 * h * h));
      }
    double expected = 2.0 * a / (double(n) * n * (n - 1)) - 2.0 / n;
    double value = mmd(x, x, h);
    EXPECT_NEAR(value, expected, 1e-12) << "bandwidth " << h;
    EXPECT_LE(value, 1e-12);
    EXPECT_GE(value, -2.0 / n - 1e-12);
  }
}

TEST(MmdTest, ShiftedSetsAreFurther) {
  PointSource source(10);
  std::vector<float> x = source.gaussian(300), y = source.gaussian(300);
  std::vector<float> shifted = y;
  for (size_t k = 0; k < shifted.size(); k += 2)
    shifted[k] += 1.0f;
  double same = mmd(x, y, 1.0), apart = mmd(x, shifted, 1.0);
  EXPECT_GT(apart, 0.1);
  EXPECT_LT(std::fabs(same), 0.02);
  EXPECT_NEAR(mmd(shifted, x, 1.0), apart, 1e-12);
}

TEST(MmdTest, MultiBandwidthIsTheSumOverBandwidths) {
  PointSource source(11);
  std::vector<float> x = source.moons(120), y = source.gaussian(90);
  double sum = 0.0;
  for (double h : fmrt::kDefaultMmdBandwidths)
    sum += fmrt::mmd2Rbf(x.data(), 120, y.data(), 90, 2, h).value;
  MetricResult multi = fmrt::mmd2RbfMulti(x.data(), 120, y.data(), 90, 2);
  ASSERT_TRUE(multi.ok());
  EXPECT_NEAR(multi.value, sum, 1e-12);
  EXPECT_EQ(std::vector<double>(std::begin(fmrt::kDefaultMmdBandwidths),
                                std::end(fmrt::kDefaultMmdBandwidths)),
            (std::vector<double>{0.1, 0.2, 0.5, 1.0, 2.0}));
  const double two[] = {0.5, 3.0};
  EXPECT_NEAR(fmrt::mmd2RbfMulti(x.data(), 120, y.data(), 90, 2, two, 2).value,
              mmd(x, y, 0.5) + mmd(x, y, 3.0), 1e-12);
}

TEST(MmdTest, RejectsBadInput) {
  std::vector<float> x = {0, 0, 1, 1}, y = {1, 1, 2, 2};
  EXPECT_EQ(fmrt::mmd2Rbf(x.data(), 1, y.data(), 2, 2, 1.0).error,
            MetricError::TooFewPoints);
  EXPECT_EQ(fmrt::mmd2Rbf(x.data(), 2, y.data(), 2, 0, 1.0).error,
            MetricError::BadDimension);
  for (double h :
       {0.0, -1.0, std::nan(""), std::numeric_limits<double>::infinity()})
    EXPECT_EQ(fmrt::mmd2Rbf(x.data(), 2, y.data(), 2, 2, h).error,
              MetricError::BadBandwidth)
        << h;
  const double some[] = {1.0};
  EXPECT_EQ(fmrt::mmd2RbfMulti(x.data(), 2, y.data(), 2, 2, some, 0).error,
            MetricError::BadBandwidth);
  x[0] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(fmrt::mmd2Rbf(x.data(), 2, y.data(), 2, 2, 1.0).error,
            MetricError::NonFinite);
}

TEST(MetricErrorTest, EveryErrorHasADistinctDescription) {
  std::set<std::string> seen;
  for (MetricError e : {MetricError::None, MetricError::TooFewPoints,
                        MetricError::BadDimension, MetricError::SizeMismatch,
                        MetricError::NonFinite, MetricError::BadBandwidth}) {
    const char *text = fmrt::describeMetricError(e);
    ASSERT_NE(text, nullptr);
    EXPECT_TRUE(seen.insert(text).second) << text;
  }
}

} // namespace

namespace {
// A set against a separate copy of itself: the three sums round differently,
// but the energy distance must come out exactly 0, never slightly negative.
TEST(EnergyDistanceCopyTest, CopyOfASetGivesExactlyZero) {
  std::vector<float> x, y;
  for (int i = 0; i < 500; ++i) {
    x.push_back(std::sin(0.37f * i) * 1.7f);
    x.push_back(std::cos(0.91f * i) + 0.01f * i);
  }
  y = x;
  fmrt::MetricResult r = fmrt::energyDistance(x.data(), 500, y.data(), 500, 2);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value, 0.0);
}
} // namespace
