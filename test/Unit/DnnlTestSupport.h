//===- DnnlTestSupport.h - Matrices and references for the oneDNN tests -*- C++
//-*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// What DnnlTest.cpp and DnnlLoopsTest.cpp share: matrices and vectors with
// any layout, guarded by sentinels, as memrefs for the C ABI of
// fm/Runtime/Dnnl.h; double-precision references of every product and
// activation; and checkMatmul, which compares one call with its reference.
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

#ifndef FM_TEST_UNIT_DNNLTESTSUPPORT_H
#define FM_TEST_UNIT_DNNLTESTSUPPORT_H

#include "fm/Runtime/Dnnl.h"

#include "gtest/gtest.h"

#include <dlfcn.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace fmtest::dnnl {

using namespace fmrt::dnnl;

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
inline float sentinel() {
  uint32_t bits = 0x7fc0beefu;
  float f;
  std::memcpy(&f, &bits, sizeof(f));
  return f;
}

inline bool isSentinel(float f) {
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

inline const char *activationName(int64_t activation) {
  static const char *names[] = {"none",     "relu", "elu",  "gelu_tanh",
                                "gelu_erf", "silu", "tanh", "sigmoid"};
  return names[activation];
}

inline double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }

/// The forward activations, as the header documents them.
inline double activate(int64_t activation, double x) {
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

inline Product reference(const Matrix &a, const Matrix &b, Vector *bias,
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
inline double f32Tolerance(int64_t k, double scale, double value) {
  return (k + 3) * kUlp * kMaxSlope * scale + 0x1p-16 * std::fabs(value) + kUlp;
}

/// The bf16 error bound of the file header, plus the f32 one.
inline double bf16Tolerance(int64_t k, double scale, double value) {
  return 0x1p-7 * kMaxSlope * scale + f32Tolerance(k, scale, value);
}

/// Checks every element of `c` against `expected` within `tolerance` and
/// that nothing outside the view was written.
inline void
expectNear(const Matrix &c, const Product &expected, int64_t k,
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

inline std::string describe(int64_t m, int64_t n, int64_t k, int64_t flags,
                            int64_t activation) {
  return "M=" + std::to_string(m) + " N=" + std::to_string(n) +
         " K=" + std::to_string(k) + " flags=" + std::to_string(flags) +
         " activation=" + activationName(activation);
}

/// Builds operands for op(A) [m, k] and op(B) [k, n] as the flags require
/// (dense), runs the matmul and checks it against the reference.
inline void checkMatmul(int64_t m, int64_t n, int64_t k, int64_t flags,
                        int64_t activation, std::mt19937 &rng,
                        bool bf16 = false) {
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

/// libgomp's thread count for the calling thread, as oneDNN reads it (-1
/// where oneDNN does not run on libgomp).
inline int ompMaxThreads() {
  using Fn = int (*)();
  auto fn = reinterpret_cast<Fn>(dlsym(RTLD_DEFAULT, "omp_get_max_threads"));
  return fn ? fn() : -1;
}

} // namespace fmtest::dnnl

#endif // FM_TEST_UNIT_DNNLTESTSUPPORT_H
