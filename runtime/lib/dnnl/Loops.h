//===- Loops.h - The oneDNN layer's own loops -------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Where oneDNN 2.6.3 is slow or inexact at an MLP's shapes,
// fmrt_dnnl_matmul runs its own loops instead, on CPUs with AVX-512 or with
// AVX2 and FMA (build/bin/fm-bench-dnnl times both ways side by side; the
// timings are in bench/RESULTS.md):
//
//  - narrow products, in f32 math: an output with at most 4 rows or
//    columns and no activation. They are a few thousand FMAs, far from
//    oneDNN's sweet spot; a loop along the output's wide dimension, or a
//    dot product along K, is several times faster. Large ones (weight
//    gradients at batch 4096) split the wide dimension over the threads.
//  - products with a small B (K·N <= 65536: hidden layers up to 256 wide
//    and shallow input layers) and more than 4 columns of C: register tiles of
//    6 rows by two vectors, B packed once per call, the bias added in
//    registers and the activation applied to each 6-row block while it is
//    in the first-level cache (after oneDNN's product, the activation reads
//    the whole output back from further out).
//  - the ELU epilogue: the plain product and this loop over its output are
//    as fast as the product with oneDNN's post-op, and the loop keeps
//    expm1's precision near 0, where oneDNN's exp(x) - 1 returns 0 for
//    ELU(-1e-10).
//  - the SiLU epilogue: oneDNN 2.6.3's swish post-op costs about 1.7 ms
//    per 640,000 values on an AVX2 core (bench/RESULTS.md).
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_DNNL_LOOPS_H
#define FM_RUNTIME_DNNL_LOOPS_H

#include "fm/Runtime/MatmulAbi.h"

#include <cstdint>

namespace fmrt::dnnl::detail {

/// A strided 2-D operand; strides are positive (unit dimensions may have
/// any stride).
struct Operand {
  float *data;
  int64_t rows, cols, rowStride, colStride;
};

/// Whether this CPU runs the loops (AVX-512, or AVX2 with FMA).
bool hasOwnLoops();

/// The widest dimension of the output narrowMatmul takes as narrow.
inline constexpr int64_t kNarrowOutput = 4;

/// C = A·B + bias (bias null: none, else dense), or C += A·B + bias with
/// `accumulate`, where C has A's rows and B's columns and overlaps neither.
/// Returns false, touching nothing, unless this CPU has the loops and C has
/// at most kNarrowOutput rows or columns and a layout one of them reads
/// contiguously. Sums run in K order per output element except in the
/// dot-product loop, which keeps one vector of partial sums (16 with
/// AVX-512, 8 with AVX2: the two round differently). The wide dimension of
/// C is split over `threads` of libgomp, each element computed the same way
/// on any number.
bool narrowMatmul(const Operand &a, const Operand &b, const Operand &c,
                  const float *bias, bool accumulate, int threads);

/// C = act(A·B + bias) (bias null: none, else dense; act None, Elu with
/// `alpha`, or Silu) in register tiles of six rows of C by two vectors of
/// columns, with the bias and the activation applied to each tile in
/// registers: each element summed in K order, then biased and activated,
/// the same way on any number of threads (C's rows are split over
/// `threads` of libgomp in whole tiles). B and the bias are first copied
/// into column panels (K·N floats). Returns false, touching nothing, unless
/// this CPU has the loops, A's and C's rows are contiguous, and act is one
/// of those three. C must overlap neither A nor B.
bool blockedMatmul(const Operand &a, const Operand &b, const Operand &c,
                   const float *bias, Activation act, float alpha,
                   int threads = 1);

/// C = ELU(C) = C where C >= 0, else alpha·expm1(C) (within 1 ulp of
/// expm1), in place, its rows split over `threads` threads of libgomp (the
/// pool oneDNN runs on; each element is computed the same way on any
/// number). Returns false, touching nothing, unless this CPU has the loops
/// and C's rows are contiguous.
bool eluInPlace(const Operand &c, float alpha, int threads = 1);

/// C = SiLU(C) = C·σ(C), within a few ulps, in place, as eluInPlace.
bool siluInPlace(const Operand &c, int threads = 1);

/// Runs body(begin, end) over [0, rows) in `threads` contiguous parts on
/// libgomp's threads (GOMP_parallel, the entry point compilers emit for
/// `omp parallel`), or at once on the calling thread where threads is 1 or
/// oneDNN does not run on libgomp. (Environment.cpp.)
void parallelRows(int threads, int64_t rows,
                  void (*body)(void *context, int64_t begin, int64_t end),
                  void *context);

} // namespace fmrt::dnnl::detail

#endif // FM_RUNTIME_DNNL_LOOPS_H
