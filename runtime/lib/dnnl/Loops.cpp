//===- Loops.cpp - The oneDNN layer's own loops ---------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// AVX-512 intrinsics. Narrow products run one of two loops, each vectorized
// along a dimension its operands hold contiguously:
//
//   dots     C has <= 4 columns, A's rows and B's columns are contiguous:
//            each C[i, j] is a dot product along K, kept in 16 partial
//            sums (the moons output layer, H·Woᵀ).
//   columns  C has <= 4 columns and A's columns are contiguous: each column
//            of C accumulates A[:, k]·B[k, j] over k, 64 rows at a time in
//            registers (the input layer's weight gradient, dYᵀ·X). With <= 4
//            rows and B's rows contiguous, the same loop runs on the
//            transposed product Cᵀ = Bᵀ·Aᵀ (the output layer's weight
//            gradient, dYᵀ·H).
//
// ELU runs over C's rows with exp's usual reduction x = n·ln 2 + r and a
// Taylor polynomial for expm1(r), so that small arguments keep their
// relative precision.
//
// On a CPU without AVX-512 every product and epilogue goes to oneDNN.
//
//===----------------------------------------------------------------------===//

#include "Loops.h"

#include <immintrin.h>

#include <algorithm>

using namespace fmrt::dnnl::detail;

namespace {

constexpr int64_t kLanes = 16;
/// The wide dimension is walked in blocks of four vectors.
constexpr int64_t kBlock = 4 * kLanes;

/// What happens to a sum on its way into C.
struct Epilogue {
  /// Added to every sum, indexed by C's column (or row, with biasOfRows:
  /// when C is the transpose of the caller's output); null for none.
  const float *bias;
  bool biasOfRows;
  /// Add into C instead of overwriting it.
  bool accumulate;

  void store(const Operand &c, int64_t i, int64_t j, float sum) const {
    float &out = c.data[i * c.rowStride + j * c.colStride];
    float value = bias ? sum + bias[biasOfRows ? i : j] : sum;
    out = accumulate ? out + value : value;
  }
};

/// The mask of the first `n` lanes (n clamped to [0, 16]).
inline __mmask16 firstLanes(int64_t n) {
  if (n >= kLanes)
    return 0xffff;
  return n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1);
}

Operand transposed(const Operand &m) {
  return {m.data, m.cols, m.rows, m.colStride, m.rowStride};
}

/// C [M, N <= 4]: each element a dot product of a row of A and a column of
/// B, both contiguous, in 16 partial sums.
template <int64_t N>
[[gnu::target("avx512f")]] void dots(const Operand &a, const Operand &b,
                                     const Operand &c, const Epilogue &out) {
  int64_t depth = a.cols, full = depth / kLanes * kLanes;
  __mmask16 tail = firstLanes(depth - full);
  for (int64_t i = 0; i < a.rows; ++i) {
    const float *row = a.data + i * a.rowStride;
    __m512 sums[N];
    for (int64_t j = 0; j < N; ++j)
      sums[j] = _mm512_setzero_ps();
    for (int64_t k = 0; k < full; k += kLanes) {
      __m512 x = _mm512_loadu_ps(row + k);
      for (int64_t j = 0; j < N; ++j)
        sums[j] = _mm512_fmadd_ps(
            x, _mm512_loadu_ps(b.data + j * b.colStride + k), sums[j]);
    }
    if (tail) {
      __m512 x = _mm512_maskz_loadu_ps(tail, row + full);
      for (int64_t j = 0; j < N; ++j)
        sums[j] = _mm512_fmadd_ps(
            x, _mm512_maskz_loadu_ps(tail, b.data + j * b.colStride + full),
            sums[j]);
    }
    for (int64_t j = 0; j < N; ++j)
      out.store(c, i, j, _mm512_reduce_add_ps(sums[j]));
  }
}

/// C [M, N <= 4] from A's contiguous columns: block by block of 64 rows,
/// C[:, j] accumulates A[:, k]·B[k, j] over k in registers.
template <int64_t N>
[[gnu::target("avx512f")]] void columns(const Operand &a, const Operand &b,
                                        const Operand &c, const Epilogue &out) {
  for (int64_t i0 = 0; i0 < a.rows; i0 += kBlock) {
    int64_t height = std::min(kBlock, a.rows - i0);
    __mmask16 masks[4];
    __m512 sums[N][4];
    for (int64_t v = 0; v < 4; ++v) {
      masks[v] = firstLanes(height - v * kLanes);
      for (int64_t j = 0; j < N; ++j)
        sums[j][v] = _mm512_setzero_ps();
    }
    for (int64_t k = 0; k < a.cols; ++k) {
      const float *column = a.data + i0 + k * a.colStride;
      __m512 x[4];
      for (int64_t v = 0; v < 4; ++v)
        x[v] = _mm512_maskz_loadu_ps(masks[v], column + v * kLanes);
      for (int64_t j = 0; j < N; ++j) {
        __m512 scale =
            _mm512_set1_ps(b.data[k * b.rowStride + j * b.colStride]);
        for (int64_t v = 0; v < 4; ++v)
          sums[j][v] = _mm512_fmadd_ps(x[v], scale, sums[j][v]);
      }
    }
    alignas(64) float lanes[kLanes];
    for (int64_t j = 0; j < N; ++j)
      for (int64_t v = 0; v * kLanes < height; ++v) {
        _mm512_store_ps(lanes, sums[j][v]);
        for (int64_t l = 0; l < kLanes && v * kLanes + l < height; ++l)
          out.store(c, i0 + v * kLanes + l, j, lanes[l]);
      }
  }
}

template <int64_t N> struct Dots {
  static void run(const Operand &a, const Operand &b, const Operand &c,
                  const Epilogue &out) {
    dots<N>(a, b, c, out);
  }
};
template <int64_t N> struct Columns {
  static void run(const Operand &a, const Operand &b, const Operand &c,
                  const Epilogue &out) {
    columns<N>(a, b, c, out);
  }
};

/// Runs `Loop<n>` for C's narrow dimension n in 1..4.
template <template <int64_t> class Loop>
void dispatch(int64_t n, const Operand &a, const Operand &b, const Operand &c,
              const Epilogue &out) {
  switch (n) {
  case 1:
    return Loop<1>::run(a, b, c, out);
  case 2:
    return Loop<2>::run(a, b, c, out);
  case 3:
    return Loop<3>::run(a, b, c, out);
  default:
    return Loop<4>::run(a, b, c, out);
  }
}

/// expm1(x) for x <= 0. exp(x) = 2ⁿ·exp(r) with n = round(x / ln 2) and
/// |r| <= ln 2 / 2 (ln 2 split in two so that r is exact to a few ulps of
/// x); expm1(r) from its Taylor polynomial to r⁸/8! (truncation error
/// r⁹/9! < 2e-10 for |r| <= 0.35, far under an ulp); then
/// expm1(x) = 2ⁿ·expm1(r) + (2ⁿ − 1), exact for n = 0. Below −87, exp
/// underflows and expm1 is −1 to float precision.
[[gnu::target("avx512f")]] __m512 expm1NonPositive(__m512 x) {
  x = _mm512_max_ps(x, _mm512_set1_ps(-87.0f));
  __m512 n = _mm512_roundscale_ps(
      _mm512_mul_ps(x, _mm512_set1_ps(1.44269504088896341f)),
      _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693359375f), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(-2.12194440e-4f), r);
  // expm1(r) = r + r²·(1/2! + r·(1/3! + … + r·1/8!)).
  static constexpr float kInverseFactorials[] = {
      1.0f / 40320, 1.0f / 5040, 1.0f / 720, 1.0f / 120,
      1.0f / 24,    1.0f / 6,    1.0f / 2};
  __m512 poly = _mm512_set1_ps(kInverseFactorials[0]);
  for (int k = 1; k < 7; ++k)
    poly = _mm512_fmadd_ps(poly, r, _mm512_set1_ps(kInverseFactorials[k]));
  __m512 expm1R = _mm512_fmadd_ps(_mm512_mul_ps(r, r), poly, r);
  __m512 twoToN = _mm512_scalef_ps(_mm512_set1_ps(1.0f), n);
  return _mm512_fmadd_ps(twoToN, expm1R,
                         _mm512_sub_ps(twoToN, _mm512_set1_ps(1.0f)));
}

[[gnu::target("avx512f")]] void elu(const Operand &c, float alpha) {
  __m512 scale = _mm512_set1_ps(alpha);
  for (int64_t i = 0; i < c.rows; ++i) {
    float *row = c.data + i * c.rowStride;
    for (int64_t j = 0; j < c.cols; j += kLanes) {
      __mmask16 lanes = firstLanes(c.cols - j);
      __m512 x = _mm512_maskz_loadu_ps(lanes, row + j);
      // Negative lanes only: NaN, zeros and positives stay as they are.
      __mmask16 negative =
          _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ);
      __m512 y = _mm512_mul_ps(scale, expm1NonPositive(x));
      _mm512_mask_storeu_ps(row + j, lanes & negative, y);
    }
  }
}

} // namespace

bool fmrt::dnnl::detail::hasOwnLoops() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

bool fmrt::dnnl::detail::narrowMatmul(const Operand &a, const Operand &b,
                                      const Operand &c, const float *bias,
                                      bool accumulate) {
  if (!hasOwnLoops())
    return false;
  Epilogue out{bias, /*biasOfRows=*/false, accumulate};
  if (c.cols <= kNarrowOutput && a.colStride == 1 && b.rowStride == 1) {
    dispatch<Dots>(c.cols, a, b, c, out);
  } else if (c.cols <= kNarrowOutput && a.rowStride == 1) {
    dispatch<Columns>(c.cols, a, b, c, out);
  } else if (c.rows <= kNarrowOutput && b.colStride == 1) {
    // Cᵀ = Bᵀ·Aᵀ: Bᵀ's columns are B's rows.
    out.biasOfRows = true;
    dispatch<Columns>(c.rows, transposed(b), transposed(a), transposed(c), out);
  } else {
    return false;
  }
  return true;
}

bool fmrt::dnnl::detail::eluInPlace(const Operand &c, float alpha,
                                    int threads) {
  if (!hasOwnLoops() || (c.colStride != 1 && c.cols > 1))
    return false;
  struct Work {
    const Operand &c;
    float alpha;
  } work{c, alpha};
  parallelRows(
      threads, c.rows,
      [](void *context, int64_t begin, int64_t end) {
        auto *w = static_cast<Work *>(context);
        Operand part = w->c;
        part.data += begin * part.rowStride;
        part.rows = end - begin;
        elu(part, w->alpha);
      },
      &work);
  return true;
}
