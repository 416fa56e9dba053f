//===- NarrowMatmul.h - Products too narrow for oneDNN ----------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// oneDNN 2.6.3 runs f32 products whose output has 2-4 rows or columns at
// 20-30 GFLOP/s (bench/narrow_products.mlir: 3.3 µs for a 256x64 by 64x2
// product, 4.4 µs for a 64x256 by 256x3 one). Such products are a few
// thousand FMAs, and a direct loop over the output's wide dimension, or a
// dot product along K, does them several times faster. fmrt_dnnl_matmul
// sends them here when they need no activation and no bf16 math.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_DNNL_NARROWMATMUL_H
#define FM_RUNTIME_DNNL_NARROWMATMUL_H

#include <cstdint>

namespace fmrt::dnnl::detail {

/// A strided 2-D operand; strides are positive (unit dimensions may have
/// any stride).
struct Operand {
  float *data;
  int64_t rows, cols, rowStride, colStride;
};

/// The widest dimension of the output narrowMatmul takes as narrow.
inline constexpr int64_t kNarrowOutput = 4;

/// Whether this CPU runs the narrow loops (AVX-512).
bool hasNarrowKernels();

/// C = A·B + bias (bias null: none, else dense), or C += A·B + bias with
/// `accumulate`, where C has A's rows and B's columns and overlaps neither.
/// Returns false, touching nothing, unless this CPU has the loops and C has
/// at most kNarrowOutput rows or columns and a layout one of them reads
/// contiguously. Sums run in
/// K order per output element except in the dot-product loop, which keeps
/// 16 partial sums.
bool narrowMatmul(const Operand &a, const Operand &b, const Operand &c,
                  const float *bias, bool accumulate);

} // namespace fmrt::dnnl::detail

#endif // FM_RUNTIME_DNNL_NARROWMATMUL_H
