//===- DnnlLoopsTest.cpp - The oneDNN layer's own loops -------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The loops fmrt_dnnl_matmul runs instead of oneDNN on CPUs with AVX-512 or
// AVX2 and FMA (runtime/lib/dnnl/Loops.h): narrow products in every layout
// one of them reads contiguously, and the ELU and SiLU epilogues, each
// against a double-precision reference (DnnlTestSupport.h) and checked to
// run without oneDNN where it should.
//
//===----------------------------------------------------------------------===//

#include "DnnlTestSupport.h"

#include <initializer_list>

namespace fmtest::dnnl {
namespace {

/// Products whose output has at most 4 rows or columns, without an
/// activation, run in the layer's own loops (no oneDNN execution) in every
/// layout one of them reads contiguously, the moons layers' among them, and
/// agree with the reference as oneDNN does; with the loops turned off
/// oneDNN computes them. An activation, or a layout no loop reads
/// contiguously, still goes to oneDNN.
TEST(DnnlMatmul, RunsNarrowProductsInItsOwnLoops) {
  if (!ownLoops())
    GTEST_SKIP() << "this CPU has neither AVX-512 nor AVX2 with FMA: no loops";
  std::mt19937 rng(11);
  const struct {
    int64_t m, n, k, flags;
  } narrow[] = {
      // Dot products along K: the output layer H·Woᵀ, K with a remainder,
      // K under one vector, one column.
      {256, 2, 64, kMatmulTransposeB | kMatmulBias},
      {10, 3, 37, kMatmulTransposeB},
      {7, 4, 5, kMatmulTransposeB | kMatmulAccumulate},
      {5, 1, 21, kMatmulBias},
      // Columns of C along A's columns: the input layer's dW = dYᵀ·X.
      {64, 3, 256, kMatmulTransposeA},
      {33, 2, 19, kMatmulTransposeA | kMatmulBias | kMatmulAccumulate},
      // Rows of C along B's rows: the output layer's dW = dYᵀ·H, and A·B.
      {2, 64, 256, kMatmulTransposeA},
      {3, 40, 17, kMatmulBias | kMatmulAccumulate},
  };
  for (const auto &c : narrow) {
    std::string what = describe(c.m, c.n, c.k, c.flags, 0);
    uint64_t executed = primitiveExecutions();
    checkMatmul(c.m, c.n, c.k, c.flags, 0, rng);
    EXPECT_EQ(primitiveExecutions(), executed) << what;
    setOwnLoops(false);
    checkMatmul(c.m, c.n, c.k, c.flags, 0, rng);
    setOwnLoops(true);
    EXPECT_EQ(primitiveExecutions(), executed + 1) << what;
  }

  // Padded and transposed views at offsets and a strided bias: nothing
  // read or written outside the views.
  Matrix a = Matrix::padded(256, 64, 70, 3);
  Matrix b = Matrix::columnMajor(64, 2, 69, 2);
  Matrix c = Matrix::padded(256, 2, 5, 1);
  Vector bias(2, 3, 1);
  a.fill(rng, -1, 1);
  b.fill(rng, -1, 1);
  bias[0] = 0.25f;
  bias[1] = -0.5f;
  uint64_t executed = primitiveExecutions();
  Product expected = reference(a, b, &bias, c, kMatmulBias, 0);
  _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), bias.memref(),
                                c.memref(), kMatmulBias, 0, 0);
  expectNear(c, expected, 64, f32Tolerance, "strided narrow product");
  EXPECT_EQ(primitiveExecutions(), executed);

  checkMatmul(256, 2, 64, kMatmulTransposeB | kMatmulBias, 2, rng);
  checkMatmul(9, 3, 11, 0, 0, rng);
  EXPECT_EQ(primitiveExecutions(), executed + 2);

  // Above 4 MFLOP a narrow product splits its wide dimension over the
  // configured threads: on two, each loop gives the bits it gives on one,
  // and still matches the reference.
  const struct {
    int64_t m, n, k, flags;
  } large[] = {
      {2048, 2, 1024, kMatmulTransposeB | kMatmulBias}, // dots, 8.4 MFLOP
      {1024, 3, 2048, kMatmulTransposeA | kMatmulBias}, // columns
      {3, 1024, 2048, kMatmulTransposeA | kMatmulBias}, // Cᵀ's columns
  };
  int before = configuredThreads();
  for (const auto &p : large) {
    std::string what = describe(p.m, p.n, p.k, p.flags, 0);
    bool ta = p.flags & kMatmulTransposeA, tb = p.flags & kMatmulTransposeB;
    Matrix a = ta ? Matrix::dense(p.k, p.m) : Matrix::dense(p.m, p.k);
    Matrix b = tb ? Matrix::dense(p.n, p.k) : Matrix::dense(p.k, p.n);
    Vector bias(p.n, 1, 0);
    a.fill(rng, -1, 1);
    b.fill(rng, -1, 1);
    for (int64_t j = 0; j < p.n; ++j)
      bias[j] = std::uniform_real_distribution<float>(-1, 1)(rng);
    std::vector<float> got[2];
    for (int threads : {1, 2}) {
      configureThreads(threads);
      Matrix c = Matrix::dense(p.m, p.n);
      Product expected = reference(a, b, &bias, c, p.flags, 0);
      uint64_t executed = primitiveExecutions();
      _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), bias.memref(),
                                    c.memref(), p.flags, 0, 0);
      EXPECT_EQ(primitiveExecutions(), executed) << what;
      EXPECT_EQ(ompMaxThreads(), threads) << what;
      expectNear(c, expected, p.k, f32Tolerance, what);
      for (int64_t i = 0; i < p.m; ++i)
        for (int64_t j = 0; j < p.n; ++j)
          got[threads - 1].push_back(c.at(i, j));
    }
    EXPECT_TRUE(got[0] == got[1]) << what << ": two threads changed the bits";
  }
  configureThreads(before);
}

/// `activation` (with `alpha`) of each of `args` through fmrt_dnnl_matmul:
/// C = act(A·B) with A = [[1, 0, ...]] ([1, depth]) and B [depth, n] the
/// arguments as its first row and zeros below, so C holds act of each
/// argument exactly (products by 1 and 0, no bias). Depth 1 keeps B small
/// enough for the layer's register tiles; depth 17 (K·N > 65536) sends the
/// product to oneDNN and the activation to the loop over its output.
/// `path` says which ran.
std::vector<float> activateThroughProduct(const std::vector<float> &args,
                                          Activation activation, float alpha,
                                          int64_t depth, std::string &path) {
  const int64_t n = static_cast<int64_t>(args.size());
  Matrix a = Matrix::dense(1, depth), b = Matrix::dense(depth, n);
  Matrix c = Matrix::dense(1, n);
  for (int64_t k = 0; k < depth; ++k)
    a.at(0, k) = k == 0 ? 1.0f : 0.0f;
  for (int64_t k = 0; k < depth; ++k)
    for (int64_t j = 0; j < n; ++j)
      b.at(k, j) = k == 0 ? args[j] : 0.0f;
  Vector noBias(0, 1, 0);
  uint64_t executed = primitiveExecutions();
  _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), noBias.memref(),
                                c.memref(), 0, static_cast<int64_t>(activation),
                                alpha);
  path = primitiveExecutions() == executed ? "register tiles"
                                           : "oneDNN, then the loop";
  std::vector<float> out(n);
  for (int64_t j = 0; j < n; ++j)
    out[j] = c.at(0, j);
  return out;
}

/// 4096 arguments (vectors and a tail with the 3 that follow), half
/// log-spaced in (2^-40, 2^-1] in magnitude (negative, or of alternating
/// sign with `bothSigns`), half uniform in [lo, hi]; then NaN, -∞ and ∞.
std::vector<float> activationArguments(double lo, double hi, bool bothSigns) {
  const int64_t n = 4099;
  std::vector<float> args(n);
  for (int64_t j = 0; j < n - 3; ++j) {
    double t = static_cast<double>(j) / (n - 4);
    double tiny = std::ldexp(1.0, -1 - 39 * t);
    bool negative = !bothSigns || j % 4 == 1;
    args[j] = j % 2 ? static_cast<float>(negative ? -tiny : tiny)
                    : static_cast<float>(lo + (hi - lo) * t);
  }
  args[n - 3] = std::numeric_limits<float>::quiet_NaN();
  args[n - 2] = -std::numeric_limits<float>::infinity();
  args[n - 1] = std::numeric_limits<float>::infinity();
  return args;
}

/// One ulp of `want` rounded to float.
double ulpOf(double want) {
  float wantF = static_cast<float>(want);
  return std::nextafter(std::fabs(wantF), INFINITY) - std::fabs(wantF);
}

/// Runs `activation` (with `alpha`) of `args` (activationArguments) through
/// both paths, the register tiles (depth 1) and oneDNN's plain product with
/// the loop over its output (depth 17), and checks that each path ran, that
/// every finite argument x gives want(x) within bound(x, want(x)), that NaN
/// stays NaN, and that −∞ and ∞ give `atMinusInfinity` and ∞.
void checkActivation(const std::vector<float> &args, Activation activation,
                     float alpha, const char *name,
                     const std::function<double(double)> &want,
                     const std::function<double(double, double)> &bound,
                     float atMinusInfinity) {
  const size_t n = args.size();
  for (int64_t depth : {1, 17}) {
    std::string path;
    std::vector<float> got =
        activateThroughProduct(args, activation, alpha, depth, path);
    EXPECT_EQ(path, depth == 1 ? "register tiles" : "oneDNN, then the loop");
    int64_t failures = 0;
    for (size_t j = 0; j < n - 3; ++j) {
      double x = args[j], expected = want(x);
      if (!(std::fabs(got[j] - expected) <= bound(x, expected)) &&
          failures++ < 5)
        ADD_FAILURE() << name << "(" << x << ") = " << got[j] << ", expected "
                      << expected << " (alpha " << alpha << ", " << path << ")";
    }
    EXPECT_TRUE(std::isnan(got[n - 3])) << got[n - 3];
    EXPECT_EQ(got[n - 2], atMinusInfinity);
    EXPECT_EQ(got[n - 1], INFINITY);
  }
}

/// ELU after a product whose output rows are contiguous runs in the layer's
/// own loop, in its register tiles (small B) or over oneDNN's plain product
/// (larger B): within one ulp of expm1 (evaluated in double) from far below
/// zero, where it is -1, through tiny arguments, where exp(x) - 1 would lose
/// every digit, to positives, NaN and the infinities. With a larger B it
/// runs on the primitive of the product without the activation.
TEST(DnnlMatmul, RunsEluInItsOwnLoop) {
  if (!ownLoops())
    GTEST_SKIP() << "this CPU has neither AVX-512 nor AVX2 with FMA: no loops";
  std::vector<float> args = activationArguments(-100, 3, /*bothSigns=*/false);
  for (float alpha : {1.0f, 2.0f})
    checkActivation(
        args, Activation::Elu, alpha, "ELU",
        [&](double x) { return x < 0 ? alpha * std::expm1(x) : x; },
        [](double, double want) { return ulpOf(want); }, -alpha);

  // One primitive for the product with and without ELU; a second only
  // when oneDNN computes the ELU.
  const int64_t elu = static_cast<int64_t>(Activation::Elu);
  uint64_t created = primitiveCreations();
  std::mt19937 rng(5);
  checkMatmul(8, 300, 230, kMatmulBias, elu, rng);
  checkMatmul(8, 300, 230, kMatmulBias, 0, rng);
  EXPECT_EQ(primitiveCreations(), created + 1);
  setOwnLoops(false);
  checkMatmul(8, 300, 230, kMatmulBias, elu, rng);
  setOwnLoops(true);
  EXPECT_EQ(primitiveCreations(), created + 2);
}

/// SiLU after a product whose output rows are contiguous runs in the
/// layer's own loop, in its register tiles or over oneDNN's plain product
/// as ELU does: within 4 ulps of x·σ(x) evaluated in double (exp to an ulp,
/// then an add and a division, each rounded once) from −100 through tiny
/// arguments to 100, where it is x. Below −87 the loop gives 0 for values
/// under 2e-36 in magnitude (there within 1e-35 absolute). NaN stays NaN,
/// SiLU(−∞) is 0 and SiLU(∞) is ∞.
TEST(DnnlMatmul, RunsSiluInItsOwnLoop) {
  if (!ownLoops())
    GTEST_SKIP() << "this CPU has neither AVX-512 nor AVX2 with FMA: no loops";
  checkActivation(
      activationArguments(-100, 100, /*bothSigns=*/true), Activation::Silu, 0,
      "SiLU", [](double x) { return x / (1 + std::exp(-x)); },
      [](double x, double want) { return x < -87 ? 1e-35 : 4 * ulpOf(want); },
      0.0f);

  const int64_t silu = static_cast<int64_t>(Activation::Silu);
  uint64_t created = primitiveCreations();
  std::mt19937 rng(5);
  checkMatmul(9, 301, 230, kMatmulBias, silu, rng);
  checkMatmul(9, 301, 230, kMatmulBias, 0, rng);
  EXPECT_EQ(primitiveCreations(), created + 1);
}

/// Products with a small B (K·N <= 65536) and more than 4 columns, with or
/// without a bias and ELU or SiLU, run in the layer's register tiles (no
/// oneDNN execution) whatever the tails of M (tiles of 6 rows) and N
/// (panels of two vectors), B transposed or not, and agree with the
/// reference as oneDNN does; on two threads they give the same bits as on
/// one, since the rows are split in whole tiles. A transposed A, an
/// accumulation, another activation or a larger B still go to oneDNN.
TEST(DnnlMatmul, RunsSmallProductsInRegisterTiles) {
  if (!ownLoops())
    GTEST_SKIP() << "this CPU has neither AVX-512 nor AVX2 with FMA: no loops";
  const int64_t elu = static_cast<int64_t>(Activation::Elu);
  const int64_t silu = static_cast<int64_t>(Activation::Silu);
  std::mt19937 rng(17);
  struct Case {
    int64_t m, n, k, flags, activation;
  };
  // Checks each case against the reference and that it ran `executions`
  // oneDNN primitives.
  auto check = [&](std::initializer_list<Case> cases, uint64_t executions) {
    for (const Case &t : cases) {
      uint64_t executed = primitiveExecutions();
      checkMatmul(t.m, t.n, t.k, t.flags, t.activation, rng);
      EXPECT_EQ(primitiveExecutions(), executed + executions)
          << describe(t.m, t.n, t.k, t.flags, t.activation);
    }
  };
  check(
      {
          // The moons layers: input (K = 3), hidden, and an input gradient.
          {256, 64, 3, kMatmulTransposeB | kMatmulBias, elu},
          {256, 64, 64, kMatmulTransposeB | kMatmulBias, silu},
          {256, 64, 64, 0, 0},
          // Tails: rows 1 to 11, columns under a panel and past one, K = 1.
          {1, 5, 7, kMatmulBias, silu},
          {7, 17, 9, kMatmulTransposeB, elu},
          {11, 33, 1, kMatmulBias, 0},
          {13, 40, 256, kMatmulTransposeB | kMatmulBias, silu},
      },
      /*executions=*/0);
  check(
      {
          {9, 20, 30, kMatmulTransposeA, 0},
          {9, 20, 30, kMatmulAccumulate, 0},
          {9, 20, 30, kMatmulBias, 1},
          {9, 300, 230, kMatmulBias, silu},
      },
      /*executions=*/1);

  // 600 rows through 64→64 with SiLU: 4.9 MFLOP, above the size at which
  // a product takes the configured threads.
  Matrix a = Matrix::dense(600, 64), b = Matrix::dense(64, 64);
  Vector bias(64, 1, 0);
  a.fill(rng, -1, 1);
  b.fill(rng, -1, 1);
  for (int64_t j = 0; j < 64; ++j)
    bias[j] = std::uniform_real_distribution<float>(-1, 1)(rng);
  std::vector<std::vector<float>> results;
  int before = configuredThreads();
  for (int threads : {1, 2}) {
    configureThreads(threads);
    Matrix c = Matrix::dense(600, 64);
    _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), bias.memref(),
                                  c.memref(), kMatmulBias, silu, 0);
    std::vector<float> values;
    for (int64_t i = 0; i < 600; ++i)
      for (int64_t j = 0; j < 64; ++j)
        values.push_back(c.at(i, j));
    results.push_back(values);
  }
  configureThreads(before);
  EXPECT_TRUE(results[0] == results[1])
      << "two threads changed the register tiles' results";
}

} // namespace
} // namespace fmtest::dnnl
