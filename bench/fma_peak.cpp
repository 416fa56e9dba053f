//===- fma_peak.cpp - This core's peak f32 FMA throughput -----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-bench-fma [iterations]: the peak f32 throughput of one core, as twelve
// independent chains of fused multiply-adds (enough to hide the FMA latency
// on two FMA pipes), 512-bit with AVX-512 and 256-bit with AVX2 and FMA,
// printed in GFLOP/s (2 FLOP per lane and FMA). Run it pinned (`taskset -c
// 0`); bench/RESULTS.md compares achieved throughput with it. Without
// either it says so and exits 1.
//
//===----------------------------------------------------------------------===//

#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

[[gnu::target("avx512f")]] static double fmaGflops(long iterations) {
  constexpr int kChains = 12;
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm512_set1_ps(1.0f + 1e-3f * static_cast<float>(i));
  __m512 scale = _mm512_set1_ps(0.999999f), shift = _mm512_set1_ps(1e-7f);
  auto start = std::chrono::steady_clock::now();
  for (long k = 0; k < iterations; ++k)
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm512_fmadd_ps(acc[i], scale, shift);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  // Use the results, so the loop is not removed.
  float sum = 0;
  for (int i = 0; i < kChains; ++i)
    sum += _mm512_reduce_add_ps(acc[i]);
  if (sum == 0)
    std::puts("");
  return static_cast<double>(iterations) * kChains * 16 * 2 / seconds / 1e9;
}

[[gnu::target("avx2,fma")]] static double fma256Gflops(long iterations) {
  constexpr int kChains = 12;
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = _mm256_set1_ps(1.0f + 1e-3f * static_cast<float>(i));
  __m256 scale = _mm256_set1_ps(0.999999f), shift = _mm256_set1_ps(1e-7f);
  auto start = std::chrono::steady_clock::now();
  for (long k = 0; k < iterations; ++k)
    for (int i = 0; i < kChains; ++i)
      acc[i] = _mm256_fmadd_ps(acc[i], scale, shift);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  alignas(32) float lanes[8];
  float sum = 0;
  for (int i = 0; i < kChains; ++i) {
    _mm256_store_ps(lanes, acc[i]);
    for (float v : lanes)
      sum += v;
  }
  if (sum == 0)
    std::puts("");
  return static_cast<double>(iterations) * kChains * 8 * 2 / seconds / 1e9;
}

int main(int argc, char **argv) {
  bool avx512 = __builtin_cpu_supports("avx512f");
  if (!avx512 &&
      !(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) {
    std::fputs("fm-bench-fma: this CPU has neither AVX-512 nor AVX2 with "
               "FMA\n",
               stderr);
    return 1;
  }
  long iterations = argc > 1 ? std::atol(argv[1]) : 200000000;
  if (iterations <= 0) {
    std::fputs("usage: fm-bench-fma [iterations > 0]\n", stderr);
    return 1;
  }
  double gflops = avx512 ? fmaGflops(iterations) : fma256Gflops(iterations);
  std::printf("f32 FMA peak: %.1f GFLOP/s on one core (%s)\n", gflops,
              avx512 ? "AVX-512" : "AVX2");
  return 0;
}
