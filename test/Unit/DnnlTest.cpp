//===- DnnlTest.cpp - The oneDNN kernels of the runtime -------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Checks the C ABI of fm/Runtime/Dnnl.h against double-precision references
// written out here: every matmul flag and activation combination, strided
// and offset memrefs, the primitive cache, the thread setting, bf16 math and
// the contract violations that abort.
//
// Tolerances. f32: a sum of K products in any order and with or without
// FMAs is within γ_K·Σ|a||b| of the exact sum, γ_K ≈ K·2⁻²⁴ (Higham, Accuracy
// and Stability of Numerical Algorithms, §3.1); adding the bias and
// rounding the result costs two more units, and an activation with slope at
// most 1.2 (all of ours) scales the error by at most 1.2. oneDNN evaluates
// exp, tanh and erf with polynomials a few ulps accurate; 2⁻¹⁶·|result|
// (≈ 256 ulps) plus 2⁻²⁴ absolute bounds that generously. bf16: each input
// rounds to 8 significant bits (unit roundoff u = 2⁻⁸), so each product is
// within (2u + u²)|a||b| < 2⁻⁷·|a||b| of the exact one, accumulated in f32.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Dnnl.h"

#include "gtest/gtest.h"

#include <dirent.h>
#include <dlfcn.h>
#include <sched.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace fmrt::dnnl;

namespace {

constexpr double kUlp = 0x1p-24;
/// Bounds every activation's slope (gelu's maximum is 1.129).
constexpr double kMaxSlope = 1.2;
/// ELU's α in these tests: not 1, so that a dropped α shows.
constexpr float kEluAlpha = 0.7f;

//===----------------------------------------------------------------------===//
// Matrices with any layout
//===----------------------------------------------------------------------===//

/// A quiet NaN with a payload: what every buffer element outside the view
/// holds, so a stray read shows up as a NaN and a stray write as a changed
/// bit pattern.
float sentinel() {
  uint32_t bits = 0x7fc0beefu;
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

bool isSentinel(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits == 0x7fc0beefu;
}

/// A rows x cols view into a larger buffer, at an offset, with any strides.
class Matrix {
public:
  /// Dense and row-major.
  static Matrix dense(int64_t rows, int64_t cols) {
    return Matrix(rows, cols, cols, 1, 0);
  }
  /// Row-major with row stride `ld` (≥ cols), starting at `offset`.
  static Matrix padded(int64_t rows, int64_t cols, int64_t ld, int64_t offset) {
    return Matrix(rows, cols, ld, 1, offset);
  }
  /// Column-major with column stride `ld` (≥ rows), starting at `offset`:
  /// the transposed view of a row-major [cols, ld] buffer.
  static Matrix columnMajor(int64_t rows, int64_t cols, int64_t ld,
                            int64_t offset) {
    return Matrix(rows, cols, 1, ld, offset);
  }
  /// Any strides, starting at `offset`.
  static Matrix strided(int64_t rows, int64_t cols, int64_t rowStride,
                        int64_t colStride, int64_t offset) {
    return Matrix(rows, cols, rowStride, colStride, offset);
  }

  /// A copy owns its buffer: the descriptor points into it.
  Matrix(const Matrix &other) : storage(other.storage), ref(other.ref) {
    ref.basePtr = ref.data = storage.data();
  }
  Matrix(Matrix &&other) = default;
  Matrix &operator=(const Matrix &) = delete;

  int64_t rows() const { return ref.sizes[0]; }
  int64_t cols() const { return ref.sizes[1]; }
  float &at(int64_t i, int64_t j) {
    return storage[ref.offset + i * ref.strides[0] + j * ref.strides[1]];
  }
  float at(int64_t i, int64_t j) const {
    return storage[ref.offset + i * ref.strides[0] + j * ref.strides[1]];
  }
  StridedMemRefType<float, 2> *memref() { return &ref; }

  void fill(std::mt19937 &rng, float lo, float hi) {
    std::uniform_real_distribution<float> dist(lo, hi);
    for (int64_t i = 0; i < rows(); ++i)
      for (int64_t j = 0; j < cols(); ++j)
        at(i, j) = dist(rng);
  }

  /// How many buffer elements outside the view lost their sentinel.
  int64_t strayWrites() const {
    std::vector<bool> inView(storage.size());
    for (int64_t i = 0; i < rows(); ++i)
      for (int64_t j = 0; j < cols(); ++j)
        inView[ref.offset + i * ref.strides[0] + j * ref.strides[1]] = true;
    int64_t n = 0;
    for (size_t k = 0; k < storage.size(); ++k)
      n += !inView[k] && !isSentinel(storage[k]);
    return n;
  }

private:
  Matrix(int64_t rows, int64_t cols, int64_t rowStride, int64_t colStride,
         int64_t offset)
      : storage(static_cast<size_t>(offset + (rows - 1) * rowStride +
                                    (cols - 1) * colStride + 1 + 5),
                sentinel()) {
    ref = {storage.data(),
           storage.data(),
           offset,
           {rows, cols},
           {rowStride, colStride}};
  }

  /// Five trailing sentinels catch writes just past the view.
  std::vector<float> storage;
  StridedMemRefType<float, 2> ref;
};

/// A vector [n] with stride `stride` at `offset`, sentinels elsewhere.
class Vector {
public:
  Vector(int64_t n, int64_t stride, int64_t offset)
      : storage(static_cast<size_t>(offset + n * stride + 1), sentinel()) {
    ref = {storage.data(), storage.data(), offset, {n}, {stride}};
  }
  Vector(const Vector &) = delete;
  Vector &operator=(const Vector &) = delete;
  float &operator[](int64_t i) {
    return storage[ref.offset + i * ref.strides[0]];
  }
  StridedMemRefType<float, 1> *memref() { return &ref; }

private:
  std::vector<float> storage;
  StridedMemRefType<float, 1> ref;
};

//===----------------------------------------------------------------------===//
// Double-precision references
//===----------------------------------------------------------------------===//

const char *activationName(int64_t activation) {
  static const char *names[] = {"none",     "relu", "elu",  "gelu_tanh",
                                "gelu_erf", "silu", "tanh", "sigmoid"};
  return names[activation];
}

double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

/// The forward activations, as the header documents them.
double activate(int64_t activation, double x) {
  constexpr double kSqrt2OverPi = 0.79788456080286535588;
  switch (activation) {
  case 0:
    return x;
  case 1:
    return x > 0 ? x : 0;
  case 2:
    return x > 0 ? x : kEluAlpha * std::expm1(x);
  case 3:
    return 0.5 * x * (1 + std::tanh(kSqrt2OverPi * (x + 0.044715 * x * x * x)));
  case 4:
    return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
  case 5:
    return x * sigmoid(x);
  case 6:
    return std::tanh(x);
  case 7:
    return sigmoid(x);
  default:
    ADD_FAILURE() << "no activation " << activation;
    return 0;
  }
}

/// op(A)·op(B) [+ bias], activated or accumulated, in double precision, with
/// the error scale Σ|a||b| + |bias| + |C₀| of each element.
struct Product {
  std::vector<double> value, scale;
  int64_t cols;
  double valueAt(int64_t i, int64_t j) const { return value[i * cols + j]; }
  double scaleAt(int64_t i, int64_t j) const { return scale[i * cols + j]; }
};

Product reference(const Matrix &a, const Matrix &b, Vector *bias,
                  const Matrix &c0, int64_t flags, int64_t activation) {
  bool ta = flags & kMatmulTransposeA, tb = flags & kMatmulTransposeB;
  int64_t m = ta ? a.cols() : a.rows(), k = ta ? a.rows() : a.cols();
  int64_t n = tb ? b.rows() : b.cols();
  Product p{std::vector<double>(m * n), std::vector<double>(m * n), n};
  for (int64_t i = 0; i < m; ++i) {
    for (int64_t j = 0; j < n; ++j) {
      double sum = 0, scale = 0;
      for (int64_t l = 0; l < k; ++l) {
        double x = ta ? a.at(l, i) : a.at(i, l);
        double y = tb ? b.at(j, l) : b.at(l, j);
        sum += x * y;
        scale += std::fabs(x * y);
      }
      if (flags & kMatmulBias) {
        sum += (*bias)[j];
        scale += std::fabs((*bias)[j]);
      }
      if (flags & kMatmulAccumulate) {
        sum += c0.at(i, j);
        scale += std::fabs(c0.at(i, j));
      }
      p.value[i * n + j] = activate(activation, sum);
      p.scale[i * n + j] = scale;
    }
  }
  return p;
}

/// The f32 error bound of the file header for an element of a K-term
/// product (K + 3 roundings: the products' sum, bias, C₀ and the result).
double f32Tolerance(int64_t k, double scale, double value) {
  return (k + 3) * kUlp * kMaxSlope * scale + 0x1p-16 * std::fabs(value) + kUlp;
}

/// The bf16 error bound of the file header, plus the f32 one.
double bf16Tolerance(int64_t k, double scale, double value) {
  return 0x1p-7 * kMaxSlope * scale + f32Tolerance(k, scale, value);
}

/// Checks every element of `c` against `expected` within `tolerance` and
/// that nothing outside the view was written.
void expectNear(const Matrix &c, const Product &expected, int64_t k,
                const std::function<double(int64_t, double, double)> &tol,
                const std::string &what) {
  int64_t failures = 0;
  for (int64_t i = 0; i < c.rows(); ++i) {
    for (int64_t j = 0; j < c.cols(); ++j) {
      double want = expected.valueAt(i, j);
      double bound = tol(k, expected.scaleAt(i, j), want);
      if (!(std::fabs(c.at(i, j) - want) <= bound) && failures++ < 5)
        ADD_FAILURE() << what << ": C[" << i << ", " << j
                      << "] = " << c.at(i, j) << ", expected " << want << " ± "
                      << bound;
    }
  }
  EXPECT_EQ(failures, 0) << what;
  EXPECT_EQ(c.strayWrites(), 0) << what;
}

std::string describe(int64_t m, int64_t n, int64_t k, int64_t flags,
                     int64_t activation) {
  return "M=" + std::to_string(m) + " N=" + std::to_string(n) +
         " K=" + std::to_string(k) + " flags=" + std::to_string(flags) +
         " activation=" + activationName(activation);
}

/// Builds operands for op(A) [m, k] and op(B) [k, n] as the flags require
/// (dense), runs the matmul and checks it against the reference.
void checkMatmul(int64_t m, int64_t n, int64_t k, int64_t flags,
                 int64_t activation, std::mt19937 &rng, bool bf16 = false) {
  bool ta = flags & kMatmulTransposeA, tb = flags & kMatmulTransposeB;
  Matrix a = ta ? Matrix::dense(k, m) : Matrix::dense(m, k);
  Matrix b = tb ? Matrix::dense(n, k) : Matrix::dense(k, n);
  Matrix c = Matrix::dense(m, n);
  Vector bias((flags & kMatmulBias) ? n : 0, 1, 0);
  a.fill(rng, -1, 1);
  b.fill(rng, -1, 1);
  c.fill(rng, -1, 1);
  for (int64_t j = 0; j < n && (flags & kMatmulBias); ++j)
    bias[j] = std::uniform_real_distribution<float>(-1, 1)(rng);
  Matrix c0 = c;
  Product expected = reference(a, b, &bias, c0, flags, activation);
  _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), bias.memref(),
                                c.memref(), flags, activation, kEluAlpha);
  expectNear(c, expected, k, bf16 ? bf16Tolerance : f32Tolerance,
             describe(m, n, k, flags, activation));
}

/// Shapes: odd sizes (remainders everywhere), single rows and columns
/// (unit-dimension strides), the moons model's 256x64 layers and K = 256.
struct Shape {
  int64_t m, n, k;
};
const Shape kShapes[] = {{13, 17, 29},  {1, 5, 7},     {6, 1, 4},
                         {256, 64, 64}, {64, 64, 256}, {256, 2, 64}};

//===----------------------------------------------------------------------===//
// Matmul
//===----------------------------------------------------------------------===//

class DnnlMatmulTest : public testing::TestWithParam<int64_t> {};

/// Every combination of transposes and bias with one activation.
TEST_P(DnnlMatmulTest, MatchesReference) {
  std::mt19937 rng(static_cast<unsigned>(GetParam()));
  for (const Shape &s : kShapes)
    for (int64_t flags = 0; flags < 8; ++flags)
      checkMatmul(s.m, s.n, s.k, flags, GetParam(), rng);
}

INSTANTIATE_TEST_SUITE_P(Activations, DnnlMatmulTest,
                         testing::Range<int64_t>(0, 8),
                         [](const testing::TestParamInfo<int64_t> &info) {
                           return std::string(activationName(info.param));
                         });

/// C += op(A)·op(B) [+ bias] for every combination of transposes and bias.
TEST(DnnlMatmul, AccumulatesIntoC) {
  std::mt19937 rng(42);
  for (const Shape &s : kShapes)
    for (int64_t flags = 8; flags < 16; ++flags)
      checkMatmul(s.m, s.n, s.k, flags, 0, rng);
}

/// Transposed (column-major) and padded views at offsets, without and with
/// the transpose flags, and a strided bias: no copies, nothing written
/// outside C's view, nothing read outside the inputs' views (they are
/// surrounded by NaNs).
TEST(DnnlMatmul, HonoursStridesAndOffsets) {
  std::mt19937 rng(7);
  const int64_t m = 19, n = 23, k = 31;
  for (int64_t flags :
       {kMatmulBias, kMatmulBias | kMatmulTransposeA | kMatmulTransposeB}) {
    bool transposed = flags & kMatmulTransposeA;
    // op(A) = A [m, k] stored column-major, or Aᵀ where `a` [k, m] is
    // column-major (so op(A) is row-major again); likewise B padded.
    Matrix a = transposed ? Matrix::columnMajor(k, m, k + 3, 5)
                          : Matrix::columnMajor(m, k, m + 3, 5);
    Matrix b = transposed ? Matrix::padded(n, k, k + 4, 2)
                          : Matrix::padded(k, n, n + 4, 2);
    Matrix c = Matrix::padded(m, n, n + 6, 11);
    Vector bias(n, 3, 1);
    a.fill(rng, -1, 1);
    b.fill(rng, -1, 1);
    for (int64_t j = 0; j < n; ++j)
      bias[j] = std::uniform_real_distribution<float>(-1, 1)(rng);
    for (int64_t act : {int64_t{0}, int64_t{2}}) {
      Product expected = reference(a, b, &bias, c, flags, act);
      _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), bias.memref(),
                                    c.memref(), flags, act, kEluAlpha);
      expectNear(c, expected, k, f32Tolerance,
                 "strided " + describe(m, n, k, flags, act));
    }
  }
  // A column-major C too, accumulated into.
  Matrix a = Matrix::dense(m, k), b = Matrix::dense(k, n);
  Matrix c = Matrix::columnMajor(m, n, m + 2, 3);
  Vector noBias(0, 1, 0);
  a.fill(rng, -1, 1);
  b.fill(rng, -1, 1);
  c.fill(rng, -1, 1);
  Product expected = reference(a, b, &noBias, c, kMatmulAccumulate, 0);
  _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), noBias.memref(),
                                c.memref(), kMatmulAccumulate, 0, 0);
  expectNear(c, expected, k, f32Tolerance, "column-major C");
}

/// K = 0: C = act(bias), or C unchanged when accumulating; M = 0 or N = 0:
/// nothing to do.
TEST(DnnlMatmul, HandlesEmptyDimensions) {
  std::mt19937 rng(3);
  for (int64_t flags : {int64_t{0}, kMatmulBias, kMatmulAccumulate,
                        kMatmulBias | kMatmulTransposeA | kMatmulTransposeB})
    for (int64_t act : {int64_t{0}, int64_t{7}})
      if (!(flags & kMatmulAccumulate) || act == 0)
        checkMatmul(4, 3, 0, flags, act, rng);
  checkMatmul(0, 3, 5, kMatmulBias, 1, rng);
  checkMatmul(4, 0, 5, kMatmulBias, 1, rng);
}

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

/// ELU after a product whose output rows are contiguous runs in the layer's
/// own loop: within one ulp of expm1 (evaluated in double) from far below
/// zero, where it is -1, through tiny arguments, where exp(x) - 1 would lose
/// every digit, to positives, NaN and the infinities; and it runs on the
/// primitive of the product without the activation.
TEST(DnnlMatmul, RunsEluInItsOwnLoop) {
  if (!ownLoops())
    GTEST_SKIP() << "this CPU has neither AVX-512 nor AVX2 with FMA: no loops";
  // C = ELU(op(A)·op(B)) with op(A) = [[1]]: C holds ELU of B's row, exactly
  // (products by 1, no bias). 4099 arguments: vectors and a tail.
  const int64_t n = 4099;
  Matrix a = Matrix::dense(1, 1), b = Matrix::dense(1, n);
  Matrix c = Matrix::dense(1, n);
  a.at(0, 0) = 1.0f;
  for (int64_t j = 0; j < n - 3; ++j) {
    double t = static_cast<double>(j) / (n - 4);
    // Half the points log-spaced in (-2^-40, -2^-1], half uniform in
    // [-100, 3].
    b.at(0, j) = j % 2 ? static_cast<float>(-std::ldexp(1.0, -1 - 39 * t))
                       : static_cast<float>(-100 + 103 * t);
  }
  b.at(0, n - 3) = std::numeric_limits<float>::quiet_NaN();
  b.at(0, n - 2) = -std::numeric_limits<float>::infinity();
  b.at(0, n - 1) = std::numeric_limits<float>::infinity();
  Vector noBias(0, 1, 0);
  const int64_t elu = static_cast<int64_t>(Activation::Elu);
  for (float alpha : {1.0f, 2.0f}) {
    _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), noBias.memref(),
                                  c.memref(), 0, elu, alpha);
    int64_t failures = 0;
    for (int64_t j = 0; j < n - 3; ++j) {
      double x = b.at(0, j);
      double want = x < 0 ? alpha * std::expm1(x) : x;
      float wantF = static_cast<float>(want);
      double ulp =
          std::nextafter(std::fabs(wantF), INFINITY) - std::fabs(wantF);
      if (!(std::fabs(c.at(0, j) - want) <= ulp) && failures++ < 5)
        ADD_FAILURE() << "ELU(" << x << ") = " << c.at(0, j) << ", expected "
                      << want << " (alpha " << alpha << ")";
    }
    EXPECT_TRUE(std::isnan(c.at(0, n - 3))) << c.at(0, n - 3);
    EXPECT_EQ(c.at(0, n - 2), -alpha);
    EXPECT_EQ(c.at(0, n - 1), INFINITY);
  }

  // One primitive for the product with and without ELU; a second only
  // when oneDNN computes the ELU.
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
  const int64_t n = 4099;
  Matrix a = Matrix::dense(1, 1), b = Matrix::dense(1, n);
  Matrix c = Matrix::dense(1, n);
  a.at(0, 0) = 1.0f;
  for (int64_t j = 0; j < n - 3; ++j) {
    double t = static_cast<double>(j) / (n - 4);
    // Half the points log-spaced in ±(2^-40, 2^-1], half uniform in
    // [-100, 100].
    double tiny = std::ldexp(1.0, -1 - 39 * t);
    b.at(0, j) = j % 2 ? static_cast<float>(j % 4 == 1 ? -tiny : tiny)
                       : static_cast<float>(-100 + 200 * t);
  }
  b.at(0, n - 3) = std::numeric_limits<float>::quiet_NaN();
  b.at(0, n - 2) = -std::numeric_limits<float>::infinity();
  b.at(0, n - 1) = std::numeric_limits<float>::infinity();
  Vector noBias(0, 1, 0);
  const int64_t silu = static_cast<int64_t>(Activation::Silu);
  _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), noBias.memref(),
                                c.memref(), 0, silu, 0);
  int64_t failures = 0;
  for (int64_t j = 0; j < n - 3; ++j) {
    double x = b.at(0, j);
    double want = x / (1 + std::exp(-x));
    float wantF = static_cast<float>(want);
    double ulp = std::nextafter(std::fabs(wantF), INFINITY) - std::fabs(wantF);
    double bound = x < -87 ? 1e-35 : 4 * ulp;
    if (!(std::fabs(c.at(0, j) - want) <= bound) && failures++ < 5)
      ADD_FAILURE() << "SiLU(" << x << ") = " << c.at(0, j) << ", expected "
                    << want;
  }
  EXPECT_TRUE(std::isnan(c.at(0, n - 3))) << c.at(0, n - 3);
  EXPECT_EQ(c.at(0, n - 2), 0.0f);
  EXPECT_EQ(c.at(0, n - 1), INFINITY);

  uint64_t created = primitiveCreations();
  std::mt19937 rng(5);
  checkMatmul(9, 41, 5, kMatmulBias, silu, rng);
  checkMatmul(9, 41, 5, kMatmulBias, 0, rng);
  EXPECT_EQ(primitiveCreations(), created + 1);
}

//===----------------------------------------------------------------------===//
// The primitive cache and the thread setting
//===----------------------------------------------------------------------===//

/// Calls a dense [m, k]·[k, n] matmul `times` times.
void callMatmul(int64_t m, int64_t n, int64_t k, int64_t activation, int times,
                int64_t offset = 0) {
  Matrix a = Matrix::padded(m, k, k, offset), b = Matrix::dense(k, n);
  Matrix c = Matrix::dense(m, n);
  std::mt19937 rng(1);
  a.fill(rng, -1, 1);
  b.fill(rng, -1, 1);
  Vector bias(0, 1, 0);
  for (int i = 0; i < times; ++i)
    _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), bias.memref(),
                                  c.memref(), 0, activation, 0);
}

TEST(DnnlCache, CreatesEachPrimitiveOnce) {
  // Shapes no other test uses (tests may share a process).
  uint64_t created = primitiveCreations();
  uint64_t executed = primitiveExecutions();
  callMatmul(37, 41, 43, 0, 100);
  EXPECT_EQ(primitiveCreations(), created + 1);
  EXPECT_EQ(primitiveExecutions(), executed + 100);

  // New buffers and offsets are not new primitives...
  callMatmul(37, 41, 43, 0, 10, /*offset=*/9);
  EXPECT_EQ(primitiveCreations(), created + 1);
  // ... a new shape or activation is.
  callMatmul(37, 41, 44, 0, 10);
  EXPECT_EQ(primitiveCreations(), created + 2);
  callMatmul(37, 41, 43, 6, 10);
  EXPECT_EQ(primitiveCreations(), created + 3);

  // Another thread shares the primitives.
  std::thread([] { callMatmul(37, 41, 43, 0, 10); }).join();
  EXPECT_EQ(primitiveCreations(), created + 3);
  EXPECT_EQ(primitiveExecutions(), executed + 140);
}

/// libgomp's thread count for the calling thread, as oneDNN reads it.
int ompMaxThreads() {
  using Fn = int (*)();
  auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
  return fn ? fn() : -1;
}

/// Each product picks its threads: one below the size where a parallel
/// region pays (4 MFLOP), the configured count above it, on whatever thread
/// calls; primitives are per thread count.
TEST(DnnlThreads, ProductsPickTheirThreads) {
  ASSERT_NE(ompMaxThreads(), -1) << "oneDNN is expected to run on libgomp";
  int before = configuredThreads();
  configureThreads(2);
  EXPECT_EQ(configuredThreads(), 2);
  // 2·5·6·7 FLOP: one thread.
  callMatmul(5, 6, 7, 0, 1);
  EXPECT_EQ(ompMaxThreads(), 1);
  // 2·160·160·160 ≈ 8.2 MFLOP: two, on this thread and on another.
  callMatmul(160, 160, 160, 0, 1);
  EXPECT_EQ(ompMaxThreads(), 2);
  int seen = 0;
  std::thread([&] {
    callMatmul(160, 160, 160, 0, 1);
    seen = ompMaxThreads();
  }).join();
  EXPECT_EQ(seen, 2);

  // Two threads compute the same product (within the usual tolerance), and
  // a new thread count is a new primitive.
  std::mt19937 rng(5);
  checkMatmul(160, 150, 170, kMatmulBias, 3, rng);
  uint64_t created = primitiveCreations();
  configureThreads(1);
  callMatmul(160, 160, 160, 0, 1);
  EXPECT_EQ(ompMaxThreads(), 1);
  EXPECT_EQ(primitiveCreations(), created + 1);
  configureThreads(before);
}

//===----------------------------------------------------------------------===//
// bf16
//===----------------------------------------------------------------------===//

/// Sets a math mode for a scope.
class MathModeScope {
public:
  explicit MathModeScope(MathMode mode) : saved(getMathMode()) {
    setMathMode(mode);
  }
  ~MathModeScope() { setMathMode(saved); }

private:
  MathMode saved;
};

TEST(DnnlBf16, MatchesReferenceWithinBf16Rounding) {
  if (!hasBf16())
    GTEST_SKIP() << "this CPU has no avx512_bf16";
  MathModeScope scope(MathMode::BF16);
  ASSERT_EQ(getMathMode(), MathMode::BF16);
  std::mt19937 rng(11);
  for (const Shape &s : kShapes)
    for (int64_t flags : {int64_t{0}, int64_t{5}, int64_t{6}, int64_t{11}})
      for (int64_t act : {int64_t{0}, int64_t{2}})
        if (!(flags & kMatmulAccumulate) || act == 0)
          checkMatmul(s.m, s.n, s.k, flags, act, rng, /*bf16=*/true);
  // The strided path (no unit stride: converted element by element).
  Matrix a = Matrix::strided(9, 8, 20, 2, 1);
  Matrix b = Matrix::strided(8, 7, 2, 17, 0);
  Matrix c = Matrix::dense(9, 7);
  a.fill(rng, -1, 1);
  b.fill(rng, -1, 1);
  Vector noBias(0, 1, 0);
  Product expected = reference(a, b, &noBias, c, 0, 0);
  _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), noBias.memref(),
                                c.memref(), 0, 0, 0);
  expectNear(c, expected, 8, bf16Tolerance, "bf16 with no unit strides");
}

/// bf16 math really rounds the inputs (oneDNN 2.6's fpmath_mode alone would
/// not): with K = 1 and B = 1, C is A rounded to bf16, to nearest even.
TEST(DnnlBf16, RoundsInputsToNearestEven) {
  if (!hasBf16())
    GTEST_SKIP() << "this CPU has no avx512_bf16";
  MathModeScope scope(MathMode::BF16);
  // x, and x rounded to 8 significant bits.
  const std::vector<std::pair<float, float>> cases = {
      {1.0f, 1.0f},
      {1.0f + 0x1p-8f, 1.0f},               // a tie: to even (down)
      {1.0f + 3 * 0x1p-8f, 1.0f + 0x1p-6f}, // a tie: to even (up)
      {1.0f + 0x1p-8f + 0x1p-20f, 1.0f + 0x1p-7f},
      {-3.0f - 0x1p-9f, -3.0f},
      {0.1f, 0.10009765625f},
      {65504.0f, 65536.0f},
      {0.0f, 0.0f},
  };
  const int64_t m = static_cast<int64_t>(cases.size()) * 3; // vector + tail
  // op(A) = aᵀ with `a` [1, m] (contiguous: the vector conversion) and
  // op(B) = [[1]].
  Matrix a = Matrix::dense(1, m), b = Matrix::dense(1, 1);
  Matrix c = Matrix::dense(m, 1);
  for (int64_t i = 0; i < m; ++i)
    a.at(0, i) = cases[i % cases.size()].first;
  b.at(0, 0) = 1.0f;
  Vector noBias(0, 1, 0);
  _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), noBias.memref(),
                                c.memref(), kMatmulTransposeA, 0, 0);
  for (int64_t i = 0; i < m; ++i)
    EXPECT_EQ(c.at(i, 0), cases[i % cases.size()].second)
        << "bf16(" << cases[i % cases.size()].first << ")";

  // In f32 math the same call is exact.
  setMathMode(MathMode::F32);
  _mlir_ciface_fmrt_dnnl_matmul(a.memref(), b.memref(), noBias.memref(),
                                c.memref(), kMatmulTransposeA, 0, 0);
  for (int64_t i = 0; i < m; ++i)
    EXPECT_EQ(c.at(i, 0), cases[i % cases.size()].first);
}

/// The math mode is part of the cache key.
TEST(DnnlBf16, IsPartOfTheCacheKey) {
  if (!hasBf16())
    GTEST_SKIP() << "this CPU has no avx512_bf16";
  uint64_t created = primitiveCreations();
  callMatmul(21, 22, 23, 0, 2);
  {
    MathModeScope scope(MathMode::BF16);
    callMatmul(21, 22, 23, 0, 2);
  }
  callMatmul(21, 22, 23, 0, 2);
  EXPECT_EQ(primitiveCreations(), created + 2);
}

//===----------------------------------------------------------------------===//
// The environment and contract violations
//===----------------------------------------------------------------------===//

/// Runs `body` in a fresh copy of this test binary (gtest's threadsafe death
/// tests re-execute it), so that the environment is read there for the
/// first time.
class DnnlDeathTest : public testing::Test {
protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

TEST_F(DnnlDeathTest, ReadsTheEnvironmentOnFirstUse) {
  EXPECT_EXIT(
      {
        setenv("FM_DNNL_THREADS", "3", 1);
        setenv("FM_DNNL_MATH", "bf16", 1);
        setenv("FM_DNNL_LOOPS", "0", 1);
        bool ok = !ownLoops() && configuredThreads() == 3 &&
                  getMathMode() == (hasBf16() ? MathMode::BF16 : MathMode::F32);
        callMatmul(160, 160, 160, 0, 1);
        ok = ok && ompMaxThreads() == 3;
        std::exit(ok ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
  EXPECT_DEATH(
      {
        setenv("FM_DNNL_THREADS", "zero", 1);
        callMatmul(3, 4, 5, 0, 1);
      },
      "FM_DNNL_THREADS must be a thread count");
  EXPECT_DEATH(
      {
        setenv("FM_DNNL_LOOPS", "yes", 1);
        callMatmul(3, 4, 5, 0, 1);
      },
      "FM_DNNL_LOOPS must be '1' or '0', not 'yes'");
}

/// By default a product uses the cores the process may run on, but one too
/// small for a parallel region runs on the calling thread alone and starts
/// no OpenMP worker; with one core in the process's affinity mask, neither
/// does a large one. So no worker spins where it cannot pay.
TEST_F(DnnlDeathTest, StartsNoWorkerThreadsWhereTheyCannotPay) {
  auto tasks = [] {
    int count = 0;
    if (DIR *dir = opendir("/proc/self/task")) {
      while (dirent *e = readdir(dir))
        count += e->d_name[0] != '.';
      closedir(dir);
    }
    return count;
  };
  EXPECT_EXIT(
      {
        unsetenv("FM_DNNL_THREADS");
        callMatmul(64, 64, 64, 2, 3);
        std::exit(tasks() == 1 && ompMaxThreads() == 1 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
  EXPECT_EXIT(
      {
        unsetenv("FM_DNNL_THREADS");
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(sched_getcpu(), &one);
        sched_setaffinity(0, sizeof one, &one);
        callMatmul(512, 512, 512, 2, 3);
        std::exit(configuredThreads() == 1 && tasks() == 1 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
  // A shallow product (K = 3, a network's input layer) of 25 MFLOP runs on
  // the calling thread however many are configured.
  EXPECT_EXIT(
      {
        setenv("FM_DNNL_THREADS", "2", 1);
        callMatmul(4096, 1024, 3, 5, 3);
        std::exit(tasks() == 1 && ompMaxThreads() == 1 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
}

TEST_F(DnnlDeathTest, AbortsOnInvalidCalls) {
  Matrix a = Matrix::dense(3, 4), b = Matrix::dense(5, 6);
  Matrix c = Matrix::dense(3, 6);
  Vector bias(7, 1, 0);
  EXPECT_DEATH(_mlir_ciface_fmrt_dnnl_matmul(
                   a.memref(), b.memref(), bias.memref(), c.memref(), 0, 0, 0),
               "fmrt_dnnl_matmul: op\\(A\\) is 3x4 and op\\(B\\) is 5x6 but C "
               "is 3x6");
  Matrix b2 = Matrix::dense(4, 6);
  EXPECT_DEATH(_mlir_ciface_fmrt_dnnl_matmul(a.memref(), b2.memref(),
                                             bias.memref(), c.memref(),
                                             kMatmulBias, 0, 0),
               "bias has 7 elements but C has 6 columns");
  EXPECT_DEATH(_mlir_ciface_fmrt_dnnl_matmul(
                   a.memref(), b2.memref(), bias.memref(), c.memref(), 0, 9, 0),
               "unsupported activation 9");
  EXPECT_DEATH(_mlir_ciface_fmrt_dnnl_matmul(a.memref(), b2.memref(),
                                             bias.memref(), c.memref(),
                                             kMatmulAccumulate, 1, 0),
               "accumulation \\(flags & 8\\) needs activation 0");
  EXPECT_DEATH(_mlir_ciface_fmrt_dnnl_matmul(a.memref(), b2.memref(),
                                             bias.memref(), c.memref(), 16, 0,
                                             0),
               "unknown flags 0x10");
}

} // namespace
