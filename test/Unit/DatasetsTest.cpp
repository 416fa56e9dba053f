//===- DatasetsTest.cpp - Built-in 2-D toy datasets -----------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Checks each dataset against its reference construction: the exact point
// sets where there is no noise (moons, circles), the documented use of the
// random stream, and the moments of large draws against values derived from
// the construction by hand (derivations in the comments).
//
// Statistical tolerances are 5 standard errors. Where the only randomness is
// the added noise (moons, circles, the means of spirals) the standard error
// is derived; elsewhere it is the sample standard deviation over sqrt(n).
// The draws are deterministic, so a check that passes once passes always.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Datasets.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

using fmrt::Dataset;
using fmrt::isTokenDatasetHit;
using fmrt::parseDataset;
using fmrt::parseTokenDataset;
using fmrt::PhiloxStream;
using fmrt::sampleTokenDataset;
using fmrt::TokenDataset;
using fmrt::tokenDatasetBlocks;
using fmrt::tokenDatasetWidth;
using fmrt::tokenVocabulary;

namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr Dataset kAll[] = {Dataset::Moons, Dataset::EightGaussians,
                            Dataset::Checkerboard, Dataset::Circles,
                            Dataset::Spirals};
/// |z| ≤ sqrt(-2 ln 2^-24) for every normal of a PhiloxStream.
const double kMaxNormal = std::sqrt(-2.0 * std::log(0x1p-24)) + 1e-5;

struct Batch {
  std::vector<float> xy;
  uint64_t used = 0;
  int64_t rows() const { return static_cast<int64_t>(xy.size() / 2); }
  float x(int64_t i) const { return xy[2 * i]; }
  float y(int64_t i) const { return xy[2 * i + 1]; }
};

Batch draw(Dataset dataset, float noise, int64_t n, uint64_t seed = 1,
           uint64_t offset = 0, uint32_t streamId = 0) {
  Batch batch;
  batch.xy.assign(2 * n, std::nanf(""));
  batch.used = fmrt::sampleDataset(dataset, noise, PhiloxStream(seed, streamId),
                                   offset, batch.xy.data(), n);
  return batch;
}

/// Mean of f(x, y) over the rows, and its standard error computed from the
/// sample standard deviation over sqrt(effectiveN).
struct Estimate {
  double mean;
  double se;
};

template <typename F>
Estimate estimate(const Batch &b, F f, double effectiveN) {
  double sum = 0, sumSq = 0;
  for (int64_t i = 0; i < b.rows(); ++i) {
    double v = f(double(b.x(i)), double(b.y(i)));
    sum += v;
    sumSq += v * v;
  }
  double mean = sum / b.rows();
  double var = sumSq / b.rows() - mean * mean;
  return {mean, std::sqrt(std::max(var, 0.0) / effectiveN)};
}

/// Population mean and variance of one coordinate.
std::pair<double, double> meanVar(const Batch &b, int coord) {
  double sum = 0, sumSq = 0;
  for (int64_t i = 0; i < b.rows(); ++i) {
    double v = b.xy[2 * i + coord];
    sum += v;
    sumSq += v * v;
  }
  double mean = sum / b.rows();
  return {mean, sumSq / b.rows() - mean * mean};
}

/// The standard error of the sample variance of p_i + s·z_i for a fixed
/// point set of variance varSet and i.i.d. standard normals z_i:
/// Var(sample variance) ≈ (4 s² varSet + 2 s⁴) / n.
double noiseOnlyVarianceSE(double varSet, double s, double n) {
  return std::sqrt((4 * s * s * varSet + 2 * s * s * s * s) / n);
}

TEST(DatasetsTest, NamesRoundTrip) {
  const char *names[] = {"moons", "8gaussians", "checkerboard", "circles",
                         "spirals"};
  for (int i = 0; i < 5; ++i) {
    EXPECT_STREQ(fmrt::datasetName(kAll[i]), names[i]);
    EXPECT_EQ(fmrt::parseDataset(names[i]), kAll[i]);
  }
  for (const char *bad : {"", "Moons", "moon", "2spirals", "moons ", "8"})
    EXPECT_EQ(fmrt::parseDataset(bad), std::nullopt) << bad;
}

TEST(DatasetsTest, DefaultNoise) {
  EXPECT_EQ(fmrt::defaultNoise(Dataset::Moons), 0.05f);
  EXPECT_EQ(fmrt::defaultNoise(Dataset::EightGaussians), 0.5f);
  EXPECT_EQ(fmrt::defaultNoise(Dataset::Checkerboard), 0.0f);
  EXPECT_EQ(fmrt::defaultNoise(Dataset::Circles), 0.08f);
  EXPECT_EQ(fmrt::defaultNoise(Dataset::Spirals), 0.1f);
}

uint64_t ceil4(int64_t words) { return words <= 0 ? 0 : (words + 3) / 4; }

TEST(DatasetsTest, BlockAccounting) {
  for (Dataset d : kAll) {
    for (int64_t n : {0, 1, 2, 3, 4, 5, 7, 8, 9, 100, 1001}) {
      // The phases documented in Datasets.cpp.
      uint64_t expected = 0;
      if (n > 0) {
        switch (d) {
        case Dataset::Moons:
        case Dataset::Circles:
          expected = ceil4(n - 1) + ceil4(2 * n);
          break;
        case Dataset::EightGaussians:
        case Dataset::Checkerboard:
          expected = ceil4(2 * n) + ceil4(n);
          break;
        case Dataset::Spirals:
          expected = ceil4(3 * (n - n / 2)) + ceil4(2 * n);
          break;
        }
      }
      EXPECT_EQ(fmrt::datasetBlocks(d, n), expected)
          << fmrt::datasetName(d) << " n=" << n;
      Batch b = draw(d, fmrt::defaultNoise(d), n);
      EXPECT_EQ(b.used, expected) << fmrt::datasetName(d) << " n=" << n;
    }
    // The noise level does not change the blocks used.
    EXPECT_EQ(draw(d, 0.0f, 33).used, draw(d, 1.0f, 33).used);
  }
}

TEST(DatasetsTest, ShapesAndFiniteValues) {
  for (Dataset d : kAll) {
    for (int64_t n : {1, 2, 3, 1001, 4096}) {
      Batch b = draw(d, fmrt::defaultNoise(d), n, 7, 11);
      ASSERT_EQ(b.rows(), n);
      for (float v : b.xy)
        ASSERT_TRUE(std::isfinite(v)) << fmrt::datasetName(d) << " n=" << n;
    }
    // n = 0 writes nothing.
    float sentinel[2] = {-7.0f, -7.0f};
    EXPECT_EQ(fmrt::sampleDataset(d, 0.1f, PhiloxStream(1, 0), 0, sentinel, 0),
              0u);
    EXPECT_EQ(sentinel[0], -7.0f);
  }
}

TEST(DatasetsTest, SameOffsetSameBatchOtherOffsetsDiffer) {
  for (Dataset d : kAll) {
    const int64_t n = 512;
    float noise = fmrt::defaultNoise(d);
    Batch a = draw(d, noise, n, 42, 1000);
    EXPECT_EQ(draw(d, noise, n, 42, 1000).xy, a.xy) << fmrt::datasetName(d);
    // The next batch, at the advanced offset, another seed and another
    // stream each give different points.
    for (const Batch &other :
         {draw(d, noise, n, 42, 1000 + a.used), draw(d, noise, n, 43, 1000),
          draw(d, noise, n, 42, 1000, 1)}) {
      int64_t equalRows = 0;
      for (int64_t i = 0; i < n; ++i)
        equalRows += other.x(i) == a.x(i) && other.y(i) == a.y(i);
      EXPECT_LT(equalRows, 20) << fmrt::datasetName(d);
    }
  }
}

/// Moons and circles keep their noise-free curve per thread for the last n:
/// draws of other sizes in between, and draws on a thread that has none
/// yet, give the same batches.
TEST(DatasetsTest, KeptCurvesFollowTheSize) {
  for (Dataset d : {Dataset::Moons, Dataset::Circles}) {
    float noise = fmrt::defaultNoise(d);
    Batch large = draw(d, noise, 512, 42, 1000);
    Batch small = draw(d, noise, 301, 42, 1000);
    EXPECT_EQ(draw(d, noise, 512, 42, 1000).xy, large.xy);
    Batch fresh;
    std::thread([&] { fresh = draw(d, noise, 301, 42, 1000); }).join();
    EXPECT_EQ(fresh.xy, small.xy) << fmrt::datasetName(d);
    std::thread([&] { fresh = draw(d, noise, 512, 42, 1000); }).join();
    EXPECT_EQ(fresh.xy, large.xy) << fmrt::datasetName(d);
  }
}

//===----------------------------------------------------------------------===//
// moons
//===----------------------------------------------------------------------===//

/// make_moons's rows before shuffling and noise, written from sklearn's
/// source: np.linspace(0, π, m) is i·(π/(m−1)) with the last element exactly
/// π (and [0] for m = 1).
std::vector<std::pair<float, float>> sklearnMoons(int64_t n) {
  auto linspace = [](int64_t i, int64_t m) {
    return m == 1 ? 0.0 : i == m - 1 ? kPi : double(i) * (kPi / double(m - 1));
  };
  std::vector<std::pair<float, float>> rows;
  int64_t nOut = n / 2, nIn = n - nOut;
  for (int64_t i = 0; i < nOut; ++i)
    rows.emplace_back(float(std::cos(linspace(i, nOut))),
                      float(std::sin(linspace(i, nOut))));
  for (int64_t i = 0; i < nIn; ++i)
    rows.emplace_back(float(1 - std::cos(linspace(i, nIn))),
                      float(1 - std::sin(linspace(i, nIn)) - 0.5));
  return rows;
}

bool onOuterMoon(float x, float y) {
  return std::abs(double(x) * x + double(y) * y - 1) < 1e-6 && y >= -1e-7f;
}
bool onInnerMoon(float x, float y) {
  double dx = double(x) - 1, dy = double(y) - 0.5;
  return std::abs(dx * dx + dy * dy - 1) < 1e-6 && y <= 0.5f + 1e-7f;
}

TEST(DatasetsTest, MoonsWithoutNoiseAreTheShuffledConstruction) {
  for (int64_t n : {1, 2, 5, 1000, 1001}) {
    Batch b = draw(Dataset::Moons, 0.0f, n, 3, 77);
    int64_t outer = 0, inner = 0;
    std::vector<std::pair<float, float>> rows;
    for (int64_t i = 0; i < n; ++i) {
      // The two half circles do not meet, so each point is on exactly one.
      bool isOuter = onOuterMoon(b.x(i), b.y(i));
      bool isInner = onInnerMoon(b.x(i), b.y(i));
      EXPECT_NE(isOuter, isInner) << "(" << b.x(i) << ", " << b.y(i) << ")";
      outer += isOuter;
      inner += isInner;
      rows.emplace_back(b.x(i), b.y(i));
    }
    EXPECT_EQ(outer, n / 2);
    EXPECT_EQ(inner, n - n / 2);
    // A permutation of sklearn's rows, exactly.
    std::vector<std::pair<float, float>> expected = sklearnMoons(n);
    std::sort(rows.begin(), rows.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(rows, expected) << "n=" << n;
  }
  // The rows are shuffled: among the first 500 of 1000 rows, the number on
  // the outer moon is hypergeometric with mean 250 and standard deviation
  // sqrt(500·½·½·500/999) ≈ 7.9; unshuffled it would be 500.
  Batch b = draw(Dataset::Moons, 0.0f, 1000, 3, 77);
  int64_t outerFirstHalf = 0;
  for (int64_t i = 0; i < 500; ++i)
    outerFirstHalf += onOuterMoon(b.x(i), b.y(i));
  EXPECT_NEAR(double(outerFirstHalf), 250.0, 5 * 7.9);
}

TEST(DatasetsTest, MoonsShuffleIsUniform) {
  // n = 4 without noise: rows (1, 0), (−1, 0), (0, 0.5), (2, 0.5) before the
  // shuffle, told apart by x. Each of the 24 orders should appear with
  // probability 1/24: over 24000 draws, count 1000 with standard error
  // sqrt(24000·(1/24)·(23/24)) ≈ 31.
  const int draws = 24000;
  std::map<std::vector<int>, int> counts;
  PhiloxStream stream(11, 4);
  uint64_t offset = 0;
  float xy[8];
  for (int k = 0; k < draws; ++k) {
    offset += fmrt::sampleDataset(Dataset::Moons, 0.0f, stream, offset, xy, 4);
    std::vector<int> order;
    for (int i = 0; i < 4; ++i)
      order.push_back(static_cast<int>(std::lround(xy[2 * i])));
    ++counts[order];
  }
  EXPECT_EQ(counts.size(), 24u);
  double se = std::sqrt(draws * (1.0 / 24) * (23.0 / 24));
  for (const auto &[order, count] : counts)
    EXPECT_NEAR(count, draws / 24.0, 5 * se);
}

TEST(DatasetsTest, MoonsStatistics) {
  // For even n = 2m the noise-free point set has, exactly:
  //  - E[x] = 1/2: Σcos(θ_i) = 0 over linspace(0, π, m) (cos(π−θ) = −cos θ),
  //    so the outer x sum to 0 and the inner x = 1 − cos φ sum to m.
  //  - E[y] = 1/4: the outer y sum to S = Σ sin(iπ/(m−1)), the inner
  //    y = 1/2 − sin φ to m/2 − S.
  //  - Var[x] = 3/4 + 1/n: Σcos² = (m+1)/2 over linspace(0, π, m), so
  //    Σx² = (m+1)/2 + Σ(1 − cos)² = 2m + 1.
  //  - Var[y] = (5m/4 − 1 − S)/(2m) − 1/16, from Σsin² = (m−1)/2 and
  //    Σ(1/2 − sin)² = m/4 − S + (m−1)/2, with S = cot(π/(2(m−1))).
  // Shuffling does not change these; the noise adds N(0, σ²) per
  // coordinate, so the batch mean has standard error σ/sqrt(n).
  const int64_t n = 1000000, m = n / 2;
  const double sigma = 0.1;
  Batch b = draw(Dataset::Moons, float(sigma), n, 2718, 5);
  double s = 1 / std::tan(kPi / (2 * double(m - 1)));
  double varX = 0.75 + 1.0 / n;
  double varY = (1.25 * m - 1 - s) / (2.0 * m) - 1.0 / 16;
  auto [meanX, sampleVarX] = meanVar(b, 0);
  auto [meanY, sampleVarY] = meanVar(b, 1);
  EXPECT_NEAR(meanX, 0.5, 5 * sigma / std::sqrt(double(n)));
  EXPECT_NEAR(meanY, 0.25, 5 * sigma / std::sqrt(double(n)));
  EXPECT_NEAR(sampleVarX, varX + sigma * sigma,
              5 * noiseOnlyVarianceSE(varX, sigma, n));
  EXPECT_NEAR(sampleVarY, varY + sigma * sigma,
              5 * noiseOnlyVarianceSE(varY, sigma, n));

  // Every point is within the noise bound of the half circles' bounding
  // box [−1, 2] × [−1/2, 1] (the noise of a point is at most σ·kMaxNormal).
  double pad = sigma * kMaxNormal;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_GE(b.x(i), -1 - pad);
    ASSERT_LE(b.x(i), 2 + pad);
    ASSERT_GE(b.y(i), -0.5 - pad);
    ASSERT_LE(b.y(i), 1 + pad);
  }
}

TEST(DatasetsTest, MoonsNoiseIsTheDocumentedNormalDraw) {
  // Same stream and offset with and without noise: the shuffle is the same
  // and the difference is σ·fillNormal(2n) at the block after the shuffle's
  // ceil((n−1)/4) blocks.
  const int64_t n = 37;
  const float sigma = 0.25f;
  Batch clean = draw(Dataset::Moons, 0.0f, n, 9, 100);
  Batch noisy = draw(Dataset::Moons, sigma, n, 9, 100);
  std::vector<float> z(2 * n);
  PhiloxStream(9, 0).fillNormal(z.data(), 2 * n, 100 + ceil4(n - 1));
  for (int64_t k = 0; k < 2 * n; ++k)
    EXPECT_NEAR(noisy.xy[k] - clean.xy[k], sigma * z[k], 1e-6) << k;
}

//===----------------------------------------------------------------------===//
// 8gaussians
//===----------------------------------------------------------------------===//

/// FFJORD's centers (lib/toy_data.py): scale 4 times (1,0), (−1,0), (0,1),
/// (0,−1), (±1/√2, ±1/√2).
std::vector<std::pair<double, double>> ffjordCenters() {
  double r = 1 / std::sqrt(2.0);
  std::vector<std::pair<double, double>> c = {
      {1, 0}, {-1, 0}, {0, 1}, {0, -1}, {r, r}, {r, -r}, {-r, r}, {-r, -r}};
  for (auto &[x, y] : c) {
    x *= 4;
    y *= 4;
  }
  return c;
}

TEST(DatasetsTest, EightGaussiansCentersWithoutNoise) {
  // With zero spread every point is a center divided by 1.414, and each
  // center is chosen with probability 1/8: over n = 80000 points, count
  // 10000 with standard error sqrt(n·(1/8)·(7/8)) ≈ 93.5.
  const int64_t n = 80000;
  Batch b = draw(Dataset::EightGaussians, 0.0f, n, 31, 0);
  std::vector<std::pair<double, double>> centers = ffjordCenters();
  std::vector<int64_t> counts(8, 0);
  for (int64_t i = 0; i < n; ++i) {
    int hit = -1;
    for (int c = 0; c < 8; ++c)
      if (std::abs(b.x(i) - centers[c].first / 1.414) < 1e-5 &&
          std::abs(b.y(i) - centers[c].second / 1.414) < 1e-5)
        hit = c;
    ASSERT_GE(hit, 0) << "(" << b.x(i) << ", " << b.y(i) << ")";
    ++counts[hit];
  }
  double se = std::sqrt(n * (1.0 / 8) * (7.0 / 8));
  for (int64_t count : counts)
    EXPECT_NEAR(double(count), n / 8.0, 5 * se);
}

TEST(DatasetsTest, EightGaussiansMatchesTheDocumentedDraws) {
  // Phase 1: the 2n normals z = fillNormal(2n); phase 2: one word per point
  // whose top 3 bits pick the center. Point i is (σ·z + 4c)/1.414.
  const int64_t n = 13;
  const float sigma = 0.5f;
  PhiloxStream stream(8, 8);
  std::vector<float> out(2 * n), z(2 * n);
  fmrt::sampleDataset(Dataset::EightGaussians, sigma, stream, 50, out.data(),
                      n);
  stream.fillNormal(z.data(), 2 * n, 50);
  std::vector<std::pair<double, double>> centers = ffjordCenters();
  for (int64_t i = 0; i < n; ++i) {
    uint64_t block = 50 + ceil4(2 * n) + i / 4;
    int c = stream.block(block)[i % 4] >> 29;
    EXPECT_NEAR(out[2 * i], (sigma * z[2 * i] + centers[c].first) / 1.414,
                1e-5);
    EXPECT_NEAR(out[2 * i + 1],
                (sigma * z[2 * i + 1] + centers[c].second) / 1.414, 1e-5);
  }
}

TEST(DatasetsTest, EightGaussiansStatistics) {
  // E[x] = E[y] = E[xy] = 0 by the symmetry of the centers (Σ cx·cy = 0).
  // E[x²] = E[y²] = (16·E[ux²] + σ²)/1.414² with E[ux²] = (1+1+0+0+4·½)/8
  // = ½ over the unit directions.
  const int64_t n = 1000000;
  const double sigma = 0.5;
  Batch b = draw(Dataset::EightGaussians, float(sigma), n, 1234, 0);
  double second = (16 * 0.5 + sigma * sigma) / (1.414 * 1.414);
  struct Check {
    const char *what;
    double (*f)(double, double);
    double expected;
  };
  Check checks[] = {
      {"E[x]", [](double x, double) { return x; }, 0.0},
      {"E[y]", [](double, double y) { return y; }, 0.0},
      {"E[x²]", [](double x, double) { return x * x; }, second},
      {"E[y²]", [](double, double y) { return y * y; }, second},
      {"E[xy]", [](double x, double y) { return x * y; }, 0.0},
  };
  for (const Check &c : checks) {
    Estimate e = estimate(b, c.f, double(n));
    EXPECT_NEAR(e.mean, c.expected, 5 * e.se) << c.what;
  }
}

//===----------------------------------------------------------------------===//
// checkerboard
//===----------------------------------------------------------------------===//

TEST(DatasetsTest, CheckerboardSquares) {
  // FFJORD: x1 ~ U[−2, 2), x2 ∈ [0,1) ∪ [−2,−1) shifted up by floor(x1) mod
  // 2, both times 2. With the squares of side 2 indexed by
  // (floor(x/2), floor(y/2)) ∈ {−2..1}², points fill the 8 squares whose
  // indices have an even sum, each with probability 1/8.
  const int64_t n = 1000000;
  Batch b = draw(Dataset::Checkerboard, 0.0f, n, 5, 0);
  std::map<std::pair<int, int>, int64_t> counts;
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_GE(b.x(i), -4.0f);
    ASSERT_LT(b.x(i), 4.0f);
    ASSERT_GE(b.y(i), -4.0f);
    ASSERT_LT(b.y(i), 4.0f);
    int col = static_cast<int>(std::floor(b.x(i) / 2));
    int row = static_cast<int>(std::floor(b.y(i) / 2));
    ASSERT_EQ((col + row) % 2, 0) << "(" << b.x(i) << ", " << b.y(i) << ")";
    ++counts[{col, row}];
  }
  EXPECT_EQ(counts.size(), 8u);
  double se = std::sqrt(n * (1.0 / 8) * (7.0 / 8));
  for (const auto &[square, count] : counts)
    EXPECT_NEAR(double(count), n / 8.0, 5 * se);

  // Moments: x, y uniform on [−4, 4) marginally, so E = 0 and E[x²] = 16/3.
  // E[xy]: within a square x and y are independent, so before the scaling
  // by 2, E[x1·x2] is the mean over the 8 squares of the products of their
  // centers (i+½)(j+½): (−0.75 + 2.25 − 0.75 + 0.25 + 0.25 − 0.75 + 2.25
  // − 0.75)/8 = 0.25 for (i, j) = (−2,0), (−2,−2), (−1,1), (−1,−1), (0,0),
  // (0,−2), (1,1), (1,−1); after the scaling, 4·0.25 = 1.
  struct Check {
    const char *what;
    double (*f)(double, double);
    double expected;
  };
  Check checks[] = {
      {"E[x]", [](double x, double) { return x; }, 0.0},
      {"E[y]", [](double, double y) { return y; }, 0.0},
      {"E[x²]", [](double x, double) { return x * x; }, 16.0 / 3},
      {"E[y²]", [](double, double y) { return y * y; }, 16.0 / 3},
      {"E[xy]", [](double x, double y) { return x * y; }, 1.0},
  };
  for (const Check &c : checks) {
    Estimate e = estimate(b, c.f, double(n));
    EXPECT_NEAR(e.mean, c.expected, 5 * e.se) << c.what;
  }
}

TEST(DatasetsTest, CheckerboardIgnoresNoiseAndUsesTheDocumentedWords) {
  const int64_t n = 21;
  Batch a = draw(Dataset::Checkerboard, 0.0f, n, 6, 3);
  EXPECT_EQ(draw(Dataset::Checkerboard, 0.7f, n, 6, 3).xy, a.xy);
  // x = 2·(4u − 2) with u the uniform of word 2i of the first phase.
  std::vector<float> u(2 * n);
  PhiloxStream(6, 0).fillUniform(u.data(), 2 * n, 3);
  for (int64_t i = 0; i < n; ++i)
    EXPECT_EQ(a.x(i), 2 * (4 * u[2 * i] - 2));
}

//===----------------------------------------------------------------------===//
// circles
//===----------------------------------------------------------------------===//

TEST(DatasetsTest, CirclesWithoutNoise) {
  // make_circles(factor=0.5) times 3: n/2 points on the circle of radius 3,
  // the rest on radius 1.5, at angles linspace(0, 2π, m, endpoint=False).
  for (int64_t n : {1, 2, 7, 1000}) {
    Batch b = draw(Dataset::Circles, 0.0f, n, 12, 0);
    int64_t outer = 0, inner = 0;
    for (int64_t i = 0; i < n; ++i) {
      double r = std::hypot(double(b.x(i)), double(b.y(i)));
      outer += std::abs(r - 3) < 1e-5;
      inner += std::abs(r - 1.5) < 1e-5;
    }
    EXPECT_EQ(outer, n / 2) << n;
    EXPECT_EQ(inner, n - n / 2) << n;
  }
  // The angles of the outer circle are the m multiples of 2π/m.
  const int64_t n = 16;
  Batch b = draw(Dataset::Circles, 0.0f, n, 12, 0);
  std::vector<long> steps;
  for (int64_t i = 0; i < n; ++i)
    if (std::hypot(double(b.x(i)), double(b.y(i))) > 2) {
      double angle = std::atan2(double(b.y(i)), double(b.x(i)));
      steps.push_back(std::lround((angle < -1e-6 ? angle + 2 * kPi : angle) /
                                  (2 * kPi / 8)) %
                      8);
    }
  std::sort(steps.begin(), steps.end());
  EXPECT_EQ(steps, (std::vector<long>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST(DatasetsTest, CirclesStatistics) {
  // For n = 2m with m ≥ 3 the noise-free set has E[x] = E[y] = 0 (cos and
  // sin sum to 0 over a full period) and E[x²] = E[y²] = 9·(m/2 + ¼·m/2)/n
  // = 9·5/16 (Σcos² = m/2 over a full period). The noise N(0, σ²) is added
  // before the scaling by 3, i.e. with standard deviation 3σ.
  const int64_t n = 1000000;
  const double sigma = 0.08, s = 3 * sigma;
  Batch b = draw(Dataset::Circles, float(sigma), n, 99, 1);
  double varSet = 9 * 5.0 / 16;
  for (int coord = 0; coord < 2; ++coord) {
    auto [mean, var] = meanVar(b, coord);
    EXPECT_NEAR(mean, 0.0, 5 * s / std::sqrt(double(n))) << coord;
    EXPECT_NEAR(var, varSet + s * s, 5 * noiseOnlyVarianceSE(varSet, s, n))
        << coord;
  }
  // Every point is within 3σ·kMaxNormal of its circle.
  for (int64_t i = 0; i < n; ++i) {
    double r = std::hypot(double(b.x(i)), double(b.y(i)));
    double pad = s * kMaxNormal + 1e-5;
    ASSERT_TRUE(std::abs(r - 3) <= pad || std::abs(r - 1.5) <= pad) << r;
  }
}

//===----------------------------------------------------------------------===//
// spirals
//===----------------------------------------------------------------------===//

TEST(DatasetsTest, SpiralsWithoutNoise) {
  // FFJORD's vstack(d1, −d1): the second half of the rows negates the first.
  // With t = 3π·sqrt(u) ≤ 3π and jitters in [0, ½), each point is within
  // (3π + ½·√2)/3 of the origin.
  for (int64_t n : {1, 2, 9, 1000}) {
    Batch b = draw(Dataset::Spirals, 0.0f, n, 4, 4);
    int64_t h = n - n / 2;
    for (int64_t i = h; i < n; ++i) {
      EXPECT_EQ(b.x(i), -b.x(i - h));
      EXPECT_EQ(b.y(i), -b.y(i - h));
    }
    for (int64_t i = 0; i < n; ++i)
      EXPECT_LE(std::hypot(double(b.x(i)), double(b.y(i))),
                (3 * kPi + 0.5 * std::sqrt(2.0)) / 3 + 1e-5);
  }
}

TEST(DatasetsTest, SpiralsStatistics) {
  // Base point: t = 3π·sqrt(u) (sqrt(u)·540·2π/360), x = (−t·cos t + ½v)/3,
  // y = (t·sin t + ½w)/3 with u, v, w ~ U[0,1). t has density 2t/(9π²) on
  // [0, 3π], which gives by integration by parts
  //   E[t cos t] = −4/(3π),  E[t sin t] = 2 − 8/(9π²),
  //   E[t² cos² t] = (9π² + 3)/4,  E[t² sin² t] = (9π² − 3)/4,
  // hence E[x²] = ((9π²+3)/4 + 2/(3π) + 1/12)/9 + σ² and
  // E[y²] = ((9π²−3)/4 + 1 − 4/(9π²) + 1/12)/9 + σ².
  // The mirrored half makes E[x] = E[y] = 0 exactly before the noise, so the
  // means have standard error σ/sqrt(n); each base point appears twice, so
  // the second moments use n/2 for their standard errors.
  const int64_t n = 1000000;
  const double sigma = 0.1;
  Batch b = draw(Dataset::Spirals, float(sigma), n, 77, 0);
  const double pi2 = kPi * kPi;
  double ex2 = ((9 * pi2 + 3) / 4 + 2 / (3 * kPi) + 1.0 / 12) / 9 + 0.01;
  double ey2 = ((9 * pi2 - 3) / 4 + 1 - 4 / (9 * pi2) + 1.0 / 12) / 9 + 0.01;
  auto [meanX, varX] = meanVar(b, 0);
  auto [meanY, varY] = meanVar(b, 1);
  EXPECT_NEAR(meanX, 0.0, 5 * sigma / std::sqrt(double(n)));
  EXPECT_NEAR(meanY, 0.0, 5 * sigma / std::sqrt(double(n)));
  Estimate x2 = estimate(b, [](double x, double) { return x * x; }, n / 2.0);
  Estimate y2 = estimate(b, [](double, double y) { return y * y; }, n / 2.0);
  EXPECT_NEAR(x2.mean, ex2, 5 * x2.se);
  EXPECT_NEAR(y2.mean, ey2, 5 * y2.se);
}

TEST(DatasetsTest, SpiralsNoiseIsTheDocumentedNormalDraw) {
  const int64_t n = 11, h = n - n / 2;
  const float sigma = 0.3f;
  Batch clean = draw(Dataset::Spirals, 0.0f, n, 2, 9);
  Batch noisy = draw(Dataset::Spirals, sigma, n, 2, 9);
  std::vector<float> z(2 * n);
  PhiloxStream(2, 0).fillNormal(z.data(), 2 * n, 9 + ceil4(3 * h));
  for (int64_t k = 0; k < 2 * n; ++k)
    EXPECT_NEAR(noisy.xy[k] - clean.xy[k], sigma * z[k], 1e-6) << k;
}

} // namespace

//===----------------------------------------------------------------------===//
// Token datasets
//===----------------------------------------------------------------------===//

namespace {

std::vector<int64_t> drawTokens(int64_t n, uint64_t seed, uint64_t offset) {
  std::vector<int64_t> tokens(2 * n);
  uint64_t used =
      sampleTokenDataset(TokenDataset::CheckerboardTokens,
                         PhiloxStream(seed, 0), offset, tokens.data(), n);
  EXPECT_EQ(used, tokenDatasetBlocks(TokenDataset::CheckerboardTokens, n));
  return tokens;
}

/// The cell of side 32 a token pair falls in, as 4 * row + column.
int cellOf(const int64_t *t) { return int(t[1] / 32) * 4 + int(t[0] / 32); }

} // namespace

TEST(DatasetsTest, TokenDatasetNames) {
  EXPECT_EQ(parseTokenDataset("checkerboard-tokens"),
            TokenDataset::CheckerboardTokens);
  EXPECT_EQ(parseTokenDataset("checkerboard"), std::nullopt);
  EXPECT_EQ(parseDataset("checkerboard-tokens"), std::nullopt);
  EXPECT_EQ(tokenVocabulary(TokenDataset::CheckerboardTokens), 128);
  EXPECT_EQ(tokenDatasetWidth(TokenDataset::CheckerboardTokens), 2);
  // One 32-bit word a sample, four a block.
  EXPECT_EQ(tokenDatasetBlocks(TokenDataset::CheckerboardTokens, 9), 3u);
}

/// inf_train_gen's checkerboard: every sample on one of the 8 cells whose
/// column and row indices have an even sum, each cell hit with probability
/// 1/8, and every token of a cell's 32 × 32 equally likely (the last two
/// within 5 standard errors of a binomial count).
TEST(DatasetsTest, CheckerboardTokensCoverTheOnCellsUniformly) {
  const int64_t n = 400000;
  std::vector<int64_t> t = drawTokens(n, 3, 0);
  std::vector<int64_t> perCell(16), perColumnToken(128);
  for (int64_t i = 0; i < n; ++i) {
    ASSERT_GE(t[2 * i], 0);
    ASSERT_LT(t[2 * i], 128);
    ASSERT_GE(t[2 * i + 1], 0);
    ASSERT_LT(t[2 * i + 1], 128);
    ASSERT_TRUE(isTokenDatasetHit(TokenDataset::CheckerboardTokens, &t[2 * i]))
        << t[2 * i] << ", " << t[2 * i + 1];
    ++perCell[cellOf(&t[2 * i])];
    ++perColumnToken[t[2 * i]];
  }
  for (int cell = 0; cell < 16; ++cell) {
    bool on = (cell / 4 + cell % 4) % 2 == 0;
    if (!on) {
      EXPECT_EQ(perCell[cell], 0) << cell;
      continue;
    }
    double p = 1.0 / 8, se = std::sqrt(n * p * (1 - p));
    EXPECT_NEAR(perCell[cell], n * p, 5 * se) << cell;
  }
  for (int x = 0; x < 128; ++x) {
    double p = 1.0 / 128, se = std::sqrt(n * p * (1 - p));
    EXPECT_NEAR(perColumnToken[x], n * p, 5 * se) << x;
  }
}

/// A draw is the stream's words in order: the same (seed, offset) gives the
/// same batch, and a draw of 2n is two draws of n in sequence.
TEST(DatasetsTest, CheckerboardTokensFollowTheStream) {
  std::vector<int64_t> whole = drawTokens(8, 11, 5);
  std::vector<int64_t> first = drawTokens(4, 11, 5);
  std::vector<int64_t> second = drawTokens(4, 11, 6);
  EXPECT_EQ(drawTokens(8, 11, 5), whole);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(whole[i], first[i]);
    EXPECT_EQ(whole[8 + i], second[i]);
  }
}

/// Uniform tokens over the vocabulary hit half the time; anything outside
/// the grid (a mask token 128, a negative token) never does.
TEST(DatasetsTest, CheckerboardTokenHits) {
  std::vector<uint32_t> words;
  PhiloxStream stream(1, 7);
  for (uint64_t b = 0; b < 10000; ++b)
    for (uint32_t w : stream.block(b))
      words.push_back(w);
  int64_t hits = 0;
  for (size_t i = 0; i < words.size(); i += 2) {
    int64_t pair[2] = {words[i] & 127, words[i + 1] & 127};
    hits += isTokenDatasetHit(TokenDataset::CheckerboardTokens, pair);
  }
  double n = words.size() / 2.0;
  EXPECT_NEAR(hits / n, 0.5, 5 * std::sqrt(0.25 / n));
  int64_t corner[2] = {0, 0}, offCell[2] = {32, 0}, mask[2] = {128, 0},
          negative[2] = {-1, 0}, top[2] = {127, 127};
  EXPECT_TRUE(isTokenDatasetHit(TokenDataset::CheckerboardTokens, corner));
  EXPECT_FALSE(isTokenDatasetHit(TokenDataset::CheckerboardTokens, offCell));
  EXPECT_FALSE(isTokenDatasetHit(TokenDataset::CheckerboardTokens, mask));
  EXPECT_FALSE(isTokenDatasetHit(TokenDataset::CheckerboardTokens, negative));
  EXPECT_TRUE(isTokenDatasetHit(TokenDataset::CheckerboardTokens, top));
}
