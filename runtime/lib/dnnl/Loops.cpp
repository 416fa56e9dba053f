//===- Loops.cpp - The oneDNN layer's own loops ---------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Narrow products run one of two loops, each vectorized along a dimension
// its operands hold contiguously:
//
//   dots     C has <= 4 columns, A's rows and B's columns are contiguous:
//            each C[i, j] is a dot product along K, kept in one vector of
//            partial sums (the moons output layer, H·Woᵀ).
//   columns  C has <= 4 columns and A's columns are contiguous: each column
//            of C accumulates A[:, k]·B[k, j] over k, four vectors of rows
//            at a time in registers (the input layer's weight gradient,
//            dYᵀ·X). With <= 4 rows and B's rows contiguous, the same loop
//            runs on the transposed product Cᵀ = Bᵀ·Aᵀ (the output layer's
//            weight gradient, dYᵀ·H).
//
// Products with a small B run in register tiles (`blocked`): B is packed
// into panels of two vectors of columns, and each tile of 6 rows by one
// panel sums A[i, k]·B[k, :] along K in 12 vector registers (AVX2 has 16)
// with one broadcast of A per row and step, the bias added on the way out
// (`fm-bench-dnnl layers` compares them with oneDNN; bench/RESULTS.md).
//
// ELU runs over C's rows with exp's usual reduction x = n·ln 2 + r and a
// Taylor polynomial for expm1(r), so that small arguments keep their
// relative precision; SiLU with exp(−x) reduced the same way, its 2ⁿ read
// off the rounding FMA.
//
// The loops are written once (LoopKernels.inc) and compiled twice: for
// AVX-512 (16 lanes) and for AVX2 with FMA (8 lanes), each in a namespace of
// its own whose every function carries its target, so that nothing compiled
// for one instruction set can be linked in for the other. The CPU picks one
// when the process starts; on a CPU with neither, every product and
// epilogue goes to oneDNN.
//
//===----------------------------------------------------------------------===//

#include "Loops.h"

#include <immintrin.h>

#include <algorithm>
#include <iterator>
#include <vector>

using namespace fmrt::dnnl::detail;

namespace {

/// The wide dimension of `columns` is walked in blocks of this many vectors.
constexpr int64_t kBlockVectors = 4;

/// `blocked`'s register tile: kTileRows rows of C by kPanelVectors vectors
/// of columns, 12 accumulators (of 16 registers with AVX2): six rows of A
/// broadcast against two vectors of B per step along K.
constexpr int64_t kTileRows = 6;
constexpr int64_t kPanelVectors = 2;

using fmrt::Activation;

/// What happens to a sum on its way into C.
struct Epilogue {
  /// Added to every sum, indexed by C's column (or row, with biasOfRows:
  /// when C is the transpose of the caller's output); null for none.
  const float *bias;
  bool biasOfRows;
  /// Add into C instead of overwriting it.
  bool accumulate;
};

Operand transposed(const Operand &m) {
  return {m.data, m.cols, m.rows, m.colStride, m.rowStride};
}

/// Rows [begin, end) of `m`.
Operand rowsOf(const Operand &m, int64_t begin, int64_t end) {
  return {m.data + begin * m.rowStride, end - begin, m.cols, m.rowStride,
          m.colStride};
}

namespace avx512 {
#define FM_LOOPS_TARGET gnu::target("avx512f")
struct V {
  using Reg = __m512;
  static constexpr int64_t kLanes = 16;
  /// The mask of the first `n` lanes (n clamped to [0, 16]).
  static __mmask16 first(int64_t n) {
    if (n >= kLanes)
      return 0xffff;
    return n <= 0 ? 0 : static_cast<__mmask16>((1u << n) - 1);
  }
  [[FM_LOOPS_TARGET]] static Reg zero() { return _mm512_setzero_ps(); }
  [[FM_LOOPS_TARGET]] static Reg set1(float x) { return _mm512_set1_ps(x); }
  [[FM_LOOPS_TARGET]] static Reg loadu(const float *p) {
    return _mm512_loadu_ps(p);
  }
  [[FM_LOOPS_TARGET]] static void storeu(float *p, Reg v) {
    _mm512_storeu_ps(p, v);
  }
  [[FM_LOOPS_TARGET]] static Reg loadFirst(const float *p, int64_t n) {
    return _mm512_maskz_loadu_ps(first(n), p);
  }
  [[FM_LOOPS_TARGET]] static void storeFirst(float *p, int64_t n, Reg v) {
    _mm512_mask_storeu_ps(p, first(n), v);
  }
  [[FM_LOOPS_TARGET]] static Reg add(Reg a, Reg b) {
    return _mm512_add_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg sub(Reg a, Reg b) {
    return _mm512_sub_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg mul(Reg a, Reg b) {
    return _mm512_mul_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg max(Reg a, Reg b) {
    return _mm512_max_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg fmadd(Reg a, Reg b, Reg c) {
    return _mm512_fmadd_ps(a, b, c);
  }
  [[FM_LOOPS_TARGET]] static Reg fnmadd(Reg a, Reg b, Reg c) {
    return _mm512_fnmadd_ps(a, b, c);
  }
  [[FM_LOOPS_TARGET]] static Reg lowBitsToExponent(Reg v) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_castps_si512(v), 23));
  }
  [[FM_LOOPS_TARGET]] static float reduceAdd(Reg v) {
    return _mm512_reduce_add_ps(v);
  }
  [[FM_LOOPS_TARGET]] static Reg min(Reg a, Reg b) {
    return _mm512_min_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg div(Reg a, Reg b) {
    return _mm512_div_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg ifNegative(Reg x, Reg a, Reg b) {
    return _mm512_mask_blend_ps(
        _mm512_cmp_ps_mask(x, _mm512_setzero_ps(), _CMP_LT_OQ), b, a);
  }
};
#include "LoopKernels.inc"
#undef FM_LOOPS_TARGET
} // namespace avx512

namespace avx2 {
#define FM_LOOPS_TARGET gnu::target("avx2,fma")
struct V {
  using Reg = __m256;
  static constexpr int64_t kLanes = 8;
  /// All ones in the first `n` lanes (n clamped to [0, 8]), the mask
  /// operand of maskload and maskstore.
  [[FM_LOOPS_TARGET]] static __m256i first(int64_t n) {
    int32_t count = static_cast<int32_t>(std::clamp<int64_t>(n, 0, kLanes));
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(count),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  [[FM_LOOPS_TARGET]] static Reg zero() { return _mm256_setzero_ps(); }
  [[FM_LOOPS_TARGET]] static Reg set1(float x) { return _mm256_set1_ps(x); }
  [[FM_LOOPS_TARGET]] static Reg loadu(const float *p) {
    return _mm256_loadu_ps(p);
  }
  [[FM_LOOPS_TARGET]] static void storeu(float *p, Reg v) {
    _mm256_storeu_ps(p, v);
  }
  [[FM_LOOPS_TARGET]] static Reg loadFirst(const float *p, int64_t n) {
    return n >= kLanes ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, first(n));
  }
  [[FM_LOOPS_TARGET]] static void storeFirst(float *p, int64_t n, Reg v) {
    if (n >= kLanes)
      _mm256_storeu_ps(p, v);
    else
      _mm256_maskstore_ps(p, first(n), v);
  }
  [[FM_LOOPS_TARGET]] static Reg add(Reg a, Reg b) {
    return _mm256_add_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg sub(Reg a, Reg b) {
    return _mm256_sub_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg mul(Reg a, Reg b) {
    return _mm256_mul_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg max(Reg a, Reg b) {
    return _mm256_max_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg fmadd(Reg a, Reg b, Reg c) {
    return _mm256_fmadd_ps(a, b, c);
  }
  [[FM_LOOPS_TARGET]] static Reg fnmadd(Reg a, Reg b, Reg c) {
    return _mm256_fnmadd_ps(a, b, c);
  }
  [[FM_LOOPS_TARGET]] static Reg lowBitsToExponent(Reg v) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_castps_si256(v), 23));
  }
  [[FM_LOOPS_TARGET]] static float reduceAdd(Reg v) {
    __m128 half =
        _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    half = _mm_add_ps(half, _mm_movehl_ps(half, half));
    half = _mm_add_ss(half, _mm_movehdup_ps(half));
    return _mm_cvtss_f32(half);
  }
  [[FM_LOOPS_TARGET]] static Reg min(Reg a, Reg b) {
    return _mm256_min_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg div(Reg a, Reg b) {
    return _mm256_div_ps(a, b);
  }
  [[FM_LOOPS_TARGET]] static Reg ifNegative(Reg x, Reg a, Reg b) {
    return _mm256_blendv_ps(b, a,
                            _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_LT_OQ));
  }
};
#include "LoopKernels.inc"
#undef FM_LOOPS_TARGET
} // namespace avx2

/// The loops of one instruction set.
struct Kernels {
  /// A narrow product's loop, for C's narrow dimension (1 to 4).
  using Loop = void (*)(int64_t narrow, const Operand &a, const Operand &b,
                        const Operand &c, const Epilogue &out);
  Loop dots;
  Loop columns;
  void (*elu)(const Operand &c, float alpha);
  void (*silu)(const Operand &c);
  /// The register-tiled product: B's panels, packing and rows.
  int64_t (*panelsSize)(int64_t depth, int64_t cols);
  void (*packPanels)(const Operand &b, const float *bias, float *to,
                     float *biasTo);
  void (*blocked)(Activation act, const Operand &a, const float *panels,
                  const float *bias, const Operand &c, float alpha,
                  int64_t begin, int64_t end);
};

/// This CPU's loops, or null.
const Kernels *kernels() {
  static const Kernels avx512Kernels{avx512::dispatch<avx512::Dots>,
                                     avx512::dispatch<avx512::Columns>,
                                     avx512::elu,
                                     avx512::silu,
                                     avx512::panelsSize,
                                     avx512::packPanels,
                                     avx512::blocked};
  static const Kernels avx2Kernels{avx2::dispatch<avx2::Dots>,
                                   avx2::dispatch<avx2::Columns>,
                                   avx2::elu,
                                   avx2::silu,
                                   avx2::panelsSize,
                                   avx2::packPanels,
                                   avx2::blocked};
  static const Kernels *chosen =
      __builtin_cpu_supports("avx512f") ? &avx512Kernels
      : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
          ? &avx2Kernels
          : nullptr;
  return chosen;
}

} // namespace

bool fmrt::dnnl::detail::hasOwnLoops() { return kernels() != nullptr; }

bool fmrt::dnnl::detail::narrowMatmul(const Operand &a, const Operand &b,
                                      const Operand &c, const float *bias,
                                      bool accumulate, int threads) {
  const Kernels *loops = kernels();
  if (!loops)
    return false;
  // The loop, and the product it computes as C' = A'·B' with C' narrow in
  // its columns: C's rows split over the threads are then A' and C''s.
  Kernels::Loop loop;
  Operand a2 = a, b2 = b, c2 = c;
  Epilogue out{bias, /*biasOfRows=*/false, accumulate};
  int64_t narrow = c.cols;
  if (c.cols <= kNarrowOutput && a.colStride == 1 && b.rowStride == 1) {
    loop = loops->dots;
  } else if (c.cols <= kNarrowOutput && a.rowStride == 1) {
    loop = loops->columns;
  } else if (c.rows <= kNarrowOutput && b.colStride == 1) {
    // Cᵀ = Bᵀ·Aᵀ: Bᵀ's columns are B's rows.
    loop = loops->columns;
    a2 = transposed(b);
    b2 = transposed(a);
    c2 = transposed(c);
    out.biasOfRows = true;
    narrow = c.rows;
  } else {
    return false;
  }
  // Each element's sum is the same on any thread: the rows split exactly.
  struct Work {
    Kernels::Loop loop;
    int64_t narrow;
    const Operand &a, &b, &c;
    const Epilogue &out;
  } work{loop, narrow, a2, b2, c2, out};
  parallelRows(
      threads, c2.rows,
      [](void *context, int64_t begin, int64_t end) {
        auto *w = static_cast<Work *>(context);
        Epilogue out = w->out;
        if (out.biasOfRows && out.bias)
          out.bias += begin;
        w->loop(w->narrow, rowsOf(w->a, begin, end), w->b,
                rowsOf(w->c, begin, end), out);
      },
      &work);
  return true;
}

/// Runs `kernel` of this CPU's loops over C's rows, split over `threads`
/// threads; false, touching nothing, where the loops cannot take C.
template <typename Kernel>
static bool overRows(const Operand &c, int threads, Kernel kernel) {
  if (!hasOwnLoops() || (c.colStride != 1 && c.cols > 1))
    return false;
  struct Work {
    const Operand &c;
    Kernel kernel;
  } work{c, kernel};
  parallelRows(
      threads, c.rows,
      [](void *context, int64_t begin, int64_t end) {
        auto *w = static_cast<Work *>(context);
        w->kernel(*kernels(), rowsOf(w->c, begin, end));
      },
      &work);
  return true;
}

bool fmrt::dnnl::detail::eluInPlace(const Operand &c, float alpha,
                                    int threads) {
  return overRows(c, threads, [alpha](const Kernels &k, const Operand &part) {
    k.elu(part, alpha);
  });
}

bool fmrt::dnnl::detail::siluInPlace(const Operand &c, int threads) {
  return overRows(c, threads,
                  [](const Kernels &k, const Operand &part) { k.silu(part); });
}

bool fmrt::dnnl::detail::blockedMatmul(const Operand &a, const Operand &b,
                                       const Operand &c, const float *bias,
                                       Activation act, float alpha,
                                       int threads) {
  const Kernels *loops = kernels();
  if (!loops || (a.colStride != 1 && a.cols > 1) ||
      (c.colStride != 1 && c.cols > 1) ||
      (act != Activation::None && act != Activation::Elu &&
       act != Activation::Silu))
    return false;
  // B and the bias in panels, packed once on this thread and read by all.
  thread_local std::vector<float> panels, biases;
  panels.resize(static_cast<size_t>(loops->panelsSize(b.rows, b.cols)));
  biases.resize(static_cast<size_t>(loops->panelsSize(1, b.cols)));
  loops->packPanels(b, bias, panels.data(), biases.data());

  struct Work {
    const Kernels *loops;
    Activation act;
    const Operand &a, &c;
    const float *panels, *bias;
    float alpha;
  } work{loops, act, a, c, panels.data(), biases.data(), alpha};
  // The rows go to the threads in whole tiles, so that every row is
  // computed the same way on any number of threads.
  int64_t tiles = (c.rows + kTileRows - 1) / kTileRows;
  parallelRows(
      threads, tiles,
      [](void *context, int64_t begin, int64_t end) {
        auto *w = static_cast<Work *>(context);
        w->loops->blocked(w->act, w->a, w->panels, w->bias, w->c, w->alpha,
                          begin * kTileRows,
                          std::min(end * kTileRows, w->c.rows));
      },
      &work);
  return true;
}
