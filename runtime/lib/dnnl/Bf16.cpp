//===- Bf16.cpp - f32 to bf16 conversion of matmul operands ---------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// oneDNN 2.6.3 accepts fpmath_mode::bf16 on an f32 matmul but still runs its
// f32 kernel (measured: "brg:avx512_core", the f32 speed, the f32 result). So
// BF16 math converts op(A) and op(B) to bf16 here, rounding to nearest even,
// and runs a bf16 x bf16 -> f32 matmul (AMX or avx512_bf16 kernels, f32
// accumulation, f32 bias and output). Only used where hasBf16().
//
//===----------------------------------------------------------------------===//

#include "Internal.h"

#include <immintrin.h>

#include <cstring>

using namespace fmrt::dnnl::detail;

namespace {

/// f32 -> bf16, rounding to nearest even; NaNs stay (quiet) NaNs.
uint16_t toBf16(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x40u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(bits >> 16);
}

/// Converts n contiguous floats with vcvtneps2bf16 (the same rounding).
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16"))) void
toBf16Avx512(const float *from, uint16_t *to, int64_t n) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256bh h = _mm512_cvtneps_pbh(_mm512_loadu_ps(from + i));
    _mm256_storeu_si256(reinterpret_cast<__m256i *>(to + i),
                        reinterpret_cast<__m256i &>(h));
  }
  if (i < n) {
    __mmask16 mask = static_cast<__mmask16>((1u << (n - i)) - 1);
    __m256bh h = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(mask, from + i));
    _mm256_mask_storeu_epi16(to + i, mask, reinterpret_cast<__m256i &>(h));
  }
}

} // namespace

View fmrt::dnnl::detail::bf16Layout(const View &v) {
  if (v.columnMajor())
    return {v.rows, v.cols, 1, v.rows, nullptr};
  return {v.rows, v.cols, v.cols, 1, nullptr};
}

void fmrt::dnnl::detail::convertToBf16(const View &v, uint16_t *to) {
  // Walk the dense copy's outer dimension; the inner one is contiguous in
  // the copy and, unless the view has no unit stride, in the view.
  bool colMajor = v.columnMajor();
  int64_t outer = colMajor ? v.cols : v.rows;
  int64_t inner = colMajor ? v.rows : v.cols;
  int64_t outerStride = colMajor ? v.colStride : v.rowStride;
  int64_t innerStride = colMajor ? v.rowStride : v.colStride;
  for (int64_t o = 0; o < outer; ++o) {
    const float *from = v.data + o * outerStride;
    uint16_t *dst = to + o * inner;
    if (innerStride == 1) {
      toBf16Avx512(from, dst, inner);
      continue;
    }
    for (int64_t i = 0; i < inner; ++i)
      dst[i] = toBf16(from[i * innerStride]);
  }
}
