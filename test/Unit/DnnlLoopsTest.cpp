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
}

/// `activation` (with `alpha`) of each of `args` through fmrt_dnnl_matmul:
/// C = act(op(A)·op(B)) with op(A) = [[1]] and B the arguments as one row,
/// so C holds act of each argument exactly (products by 1, no bias).
std::vector<float> activateThroughProduct(const std::vector<float> &args,
                                          Activation activation, float alpha) {
  const int64_t n = static_cast<int64_t>(args.size());
  Matrix a = Matrix::dense(1, 1), b = Matrix::dense(1, n);
  Matrix c = Matrix::dense(1, n);
  a.at(0, 0) = 1.0f;
  for (int64_t j = 0; j < n; ++j)
    b.at(0, j) = args[j];
  Vector noBias(0, 1, 0);
  _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), noBias.memref(),
                                c.memref(), 0, static_cast<int64_t>(activation),
                                alpha);
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

/// ELU after a product whose output rows are contiguous runs in the layer's
/// own loop: within one ulp of expm1 (evaluated in double) from far below
/// zero, where it is -1, through tiny arguments, where exp(x) - 1 would lose
/// every digit, to positives, NaN and the infinities; and it runs on the
/// primitive of the product without the activation.
TEST(DnnlMatmul, RunsEluInItsOwnLoop) {
  if (!ownLoops())
    GTEST_SKIP() << "this CPU has neither AVX-512 nor AVX2 with FMA: no loops";
  std::vector<float> args = activationArguments(-100, 3, /*bothSigns=*/false);
  const size_t n = args.size();
  for (float alpha : {1.0f, 2.0f}) {
    std::vector<float> got =
        activateThroughProduct(args, Activation::Elu, alpha);
    int64_t failures = 0;
    for (size_t j = 0; j < n - 3; ++j) {
      double x = args[j];
      double want = x < 0 ? alpha * std::expm1(x) : x;
      if (!(std::fabs(got[j] - want) <= ulpOf(want)) && failures++ < 5)
        ADD_FAILURE() << "ELU(" << x << ") = " << got[j] << ", expected "
                      << want << " (alpha " << alpha << ")";
    }
    EXPECT_TRUE(std::isnan(got[n - 3])) << got[n - 3];
    EXPECT_EQ(got[n - 2], -alpha);
    EXPECT_EQ(got[n - 1], INFINITY);
  }

  // One primitive for the product with and without ELU; a second only
  // when oneDNN computes the ELU.
  const int64_t elu = static_cast<int64_t>(Activation::Elu);
  uint64_t created = primitiveCreations();
  std::mt19937 rng(5);
  checkMatmul(8, 40, 5, kMatmulBias, elu, rng);
  checkMatmul(8, 40, 5, kMatmulBias, 0, rng);
  EXPECT_EQ(primitiveCreations(), created + 1);
  setOwnLoops(false);
  checkMatmul(8, 40, 5, kMatmulBias, elu, rng);
  setOwnLoops(true);
  EXPECT_EQ(primitiveCreations(), created + 2);
}

/// SiLU after a product whose output rows are contiguous runs in the
/// layer's own loop, on the primitive of the product without the
/// activation: within 4 ulps of x·σ(x) evaluated in double (exp to an ulp,
/// then an add, a multiply and a division, each rounded once) from −100
/// through tiny arguments to 100, where it is x. Below −87 the loop gives 0
/// for values under 2e-36 in magnitude (there within 1e-35 absolute). NaN
/// stays NaN, SiLU(−∞) is 0 and SiLU(∞) is ∞.
TEST(DnnlMatmul, RunsSiluInItsOwnLoop) {
  if (!ownLoops())
    GTEST_SKIP() << "this CPU has neither AVX-512 nor AVX2 with FMA: no loops";
  std::vector<float> args = activationArguments(-100, 100, /*bothSigns=*/true);
  const size_t n = args.size();
  std::vector<float> got = activateThroughProduct(args, Activation::Silu, 0);
  int64_t failures = 0;
  for (size_t j = 0; j < n - 3; ++j) {
    double x = args[j];
    double want = x / (1 + std::exp(-x));
    double bound = x < -87 ? 1e-35 : 4 * ulpOf(want);
    if (!(std::fabs(got[j] - want) <= bound) && failures++ < 5)
      ADD_FAILURE() << "SiLU(" << x << ") = " << got[j] << ", expected "
                    << want;
  }
  EXPECT_TRUE(std::isnan(got[n - 3])) << got[n - 3];
  EXPECT_EQ(got[n - 2], 0.0f);
  EXPECT_EQ(got[n - 1], INFINITY);

  const int64_t silu = static_cast<int64_t>(Activation::Silu);
  uint64_t created = primitiveCreations();
  std::mt19937 rng(5);
  checkMatmul(9, 41, 5, kMatmulBias, silu, rng);
  checkMatmul(9, 41, 5, kMatmulBias, 0, rng);
  EXPECT_EQ(primitiveCreations(), created + 1);
}

} // namespace
} // namespace fmtest::dnnl
