//===- dnnl_matmul.cpp - Times the oneDNN kernels at MLP sizes ------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-bench-dnnl [calls]: times the C ABI of fm/Runtime/Dnnl.h as compiled
// code calls it (cache lookup, memory objects and execution included) on a
// 256x64 layer of width 64:
//
//   forward   Y  = ELU(X·W + b)   X [256, 64], W [64, 64]   flags 4
//   dX        dX = dY·Wᵀ          W passed as is             flags 2
//   dW        dW = Xᵀ·dY          X passed as is             flags 1
//
// then, with the layer's own loops (where the CPU has AVX-512, or AVX2
// and FMA) and with oneDNN alone, the forward layer (which the loops run in
// their register tiles, ELU included) and the
// model's narrow products: the output layer H·Woᵀ (Wo [2, 64]) and the
// weight gradients dYᵀ·X (X [256, 3]) and dYᵀ·H (dY [256, 2]); and ELU at
// three small arguments, to show each way's precision.
//
// Each is called `calls` times (default 20,000) after one untimed call that
// creates its primitive; the first call's time is reported separately. The
// runs are repeated in bf16 math where the CPU supports it. Threads and
// math follow FM_DNNL_THREADS and FM_DNNL_MATH like any other caller.
//
// fm-bench-dnnl layers [rounds]: the layers a sampler evaluates on 10,000
// points, Y = act(X·Wᵀ + b) for an input layer (K = 3) and a hidden layer
// (K = N) of widths 64 and 256, without activation and with ELU and SiLU,
// with the layer's own loops (register tiles, where the CPU has them) and
// with oneDNN alone: per call, the least over `rounds` (default 7) rounds of
// 20 calls, the two ways alternating, so that interference from other
// tenants of the machine, which only adds time, drops out.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Dnnl.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <string>
#include <vector>

using namespace fmrt::dnnl;

namespace {

using Clock = std::chrono::steady_clock;

/// A dense row-major matrix and its memref descriptor.
struct Matrix {
  std::vector<float> values;
  StridedMemRefType<float, 2> ref;

  Matrix(int64_t rows, int64_t cols, std::mt19937 &rng)
      : values(static_cast<size_t>(rows * cols)) {
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (float &v : values)
      v = dist(rng);
    ref = {values.data(), values.data(), 0, {rows, cols}, {cols, 1}};
  }
};

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

/// Times `call`: one first call, then `calls` more. Prints one line.
void time(const char *name, double flops, int calls,
          const std::function<void()> &call) {
  Clock::time_point t0 = Clock::now();
  call();
  double first = seconds(Clock::now() - t0);
  t0 = Clock::now();
  for (int i = 0; i < calls; ++i)
    call();
  double perCall = seconds(Clock::now() - t0) / calls;
  if (flops > 0)
    std::printf("  %-8s %9.2f us/call %8.1f GFLOP/s   (first call %8.1f us)\n",
                name, perCall * 1e6, flops / perCall * 1e-9, first * 1e6);
  else
    std::printf("  %-8s %9.2f us/call %8s           (first call %8.1f us)\n",
                name, perCall * 1e6, "", first * 1e6);
}

/// `fm-bench-dnnl layers [rounds]` (the file header).
int layers(int rounds) {
  if (!ownLoops()) {
    std::printf("this CPU runs no loops of its own: nothing to compare\n");
    return 0;
  }
  constexpr int64_t rows = 10000;
  constexpr int kCalls = 20;
  std::mt19937 rng(0);
  std::printf("fm-bench-dnnl layers: %lld rows, least of %d rounds of %d "
              "calls, %d thread(s)\n",
              static_cast<long long>(rows), rounds, kCalls,
              configuredThreads());
  std::printf("| K | N | activation | own loops | oneDNN alone | oneDNN / own "
              "|\n|---|---|---|---|---|---|\n");
  for (int64_t width : {64, 256})
    for (int64_t depth : {int64_t{3}, width}) {
      Matrix x(rows, depth, rng), w(width, depth, rng), y(rows, width, rng);
      std::vector<float> bias(static_cast<size_t>(width), 0.1f);
      StridedMemRefType<float, 1> biasRef{
          bias.data(), bias.data(), 0, {width}, {1}};
      for (Activation act :
           {Activation::None, Activation::Elu, Activation::Silu}) {
        auto call = [&] {
          _mlir_ciface_fmrt_dnnl_matmul(&x.ref, &w.ref, &biasRef, &y.ref,
                                        kMatmulTransposeB | kMatmulBias,
                                        static_cast<int64_t>(act), 1.0f);
        };
        double best[2] = {1e30, 1e30};
        for (int round = 0; round < rounds; ++round)
          for (int way = 0; way < 2; ++way) {
            setOwnLoops(way == 0);
            call(); // the primitive, and the caches
            Clock::time_point t0 = Clock::now();
            for (int i = 0; i < kCalls; ++i)
              call();
            best[way] =
                std::min(best[way], seconds(Clock::now() - t0) / kCalls);
          }
        setOwnLoops(true);
        const char *name = act == Activation::None  ? "none"
                           : act == Activation::Elu ? "ELU"
                                                    : "SiLU";
        std::printf("| %lld | %lld | %s | %.3f ms | %.3f ms | %.2f |\n",
                    static_cast<long long>(depth),
                    static_cast<long long>(width), name, best[0] * 1e3,
                    best[1] * 1e3, best[1] / best[0]);
      }
    }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc > 1 && std::string(argv[1]) == "layers") {
    int rounds = argc > 2 ? std::atoi(argv[2]) : 7;
    if (rounds < 1) {
      std::fprintf(stderr, "usage: fm-bench-dnnl layers [rounds]\n");
      return 2;
    }
    return layers(rounds);
  }
  int calls = argc > 1 ? std::atoi(argv[1]) : 20000;
  if (calls < 1) {
    std::fprintf(stderr, "usage: fm-bench-dnnl [calls] | layers [rounds]\n");
    return 2;
  }
  constexpr int64_t batch = 256, width = 64;
  std::mt19937 rng(0);
  Matrix x(batch, width, rng), w(width, width, rng), dy(batch, width, rng);
  Matrix y(batch, width, rng), dx(batch, width, rng), dw(width, width, rng);
  std::vector<float> bias(width, 0.1f);
  StridedMemRefType<float, 1> biasRef{
      bias.data(), bias.data(), 0, {width}, {1}};
  StridedMemRefType<float, 1> noBias{nullptr, nullptr, 0, {0}, {1}};
  const double flops = 2.0 * batch * width * width;
  const int64_t elu = static_cast<int64_t>(Activation::Elu);

  std::printf("fm-bench-dnnl: %d calls each, %d thread(s), bf16 %s\n", calls,
              configuredThreads(), hasBf16() ? "available" : "unavailable");
  std::vector<MathMode> modes = {MathMode::F32};
  if (hasBf16())
    modes.push_back(MathMode::BF16);
  auto forward = [&] {
    _mlir_ciface_fmrt_dnnl_matmul(&x.ref, &w.ref, &biasRef, &y.ref, kMatmulBias,
                                  elu, 1.0f);
  };
  for (MathMode mode : modes) {
    setMathMode(mode);
    std::printf("%s math:\n", mode == MathMode::F32 ? "f32" : "bf16");
    time("forward", flops, calls, forward);
    time("dX", flops, calls, [&] {
      _mlir_ciface_fmrt_dnnl_matmul(&dy.ref, &w.ref, &noBias, &dx.ref,
                                    kMatmulTransposeB, 0, 0.0f);
    });
    time("dW", flops, calls, [&] {
      _mlir_ciface_fmrt_dnnl_matmul(&x.ref, &dy.ref, &noBias, &dw.ref,
                                    kMatmulTransposeA, 0, 0.0f);
    });
  }
  // Where the layer runs its own loops: the forward layer's ELU epilogue
  // and the moons model's narrow products, with the loops and in oneDNN
  // alone, side by side.
  setMathMode(MathMode::F32);
  Matrix h(batch, width, rng), wOut(2, width, rng), out(batch, 2, rng);
  Matrix x3(batch, 3, rng), dw3(width, 3, rng), dy2(batch, 2, rng);
  Matrix dwOut(2, width, rng);
  std::vector<float> bias2(2, 0.1f);
  StridedMemRefType<float, 1> bias2Ref{bias2.data(), bias2.data(), 0, {2}, {1}};
  const double narrowFlops = 2.0 * batch * width * 2;
  const double inputFlops = 2.0 * batch * width * 3;
  for (bool own : {true, false}) {
    if (own && !ownLoops())
      continue;
    setOwnLoops(own);
    std::printf("f32, %s:\n", own ? "the layer's own loops" : "oneDNN alone");
    time("forward", flops, calls, forward);
    time("H.Wo^T", narrowFlops, calls, [&] {
      _mlir_ciface_fmrt_dnnl_matmul(&h.ref, &wOut.ref, &bias2Ref, &out.ref,
                                    kMatmulTransposeB | kMatmulBias, 0, 0.0f);
    });
    time("dY^T.X", inputFlops, calls, [&] {
      _mlir_ciface_fmrt_dnnl_matmul(&dy.ref, &x3.ref, &noBias, &dw3.ref,
                                    kMatmulTransposeA, 0, 0.0f);
    });
    time("dY^T.H", narrowFlops, calls, [&] {
      _mlir_ciface_fmrt_dnnl_matmul(&dy2.ref, &h.ref, &noBias, &dwOut.ref,
                                    kMatmulTransposeA, 0, 0.0f);
    });
    // ELU near 0, as [[1]]·[x] with the ELU epilogue; expm1(x) is x to
    // float precision there.
    float one = 1.0f, args[3] = {-1e-10f, -1e-6f, -1e-3f}, elus[3];
    StridedMemRefType<float, 2> oneRef{&one, &one, 0, {1, 1}, {1, 1}};
    StridedMemRefType<float, 2> argsRef{args, args, 0, {1, 3}, {3, 1}};
    StridedMemRefType<float, 2> elusRef{elus, elus, 0, {1, 3}, {3, 1}};
    _mlir_ciface_fmrt_dnnl_matmul(&oneRef, &argsRef, &noBias, &elusRef, 0, elu,
                                  1.0f);
    std::printf("  ELU(-1e-10, -1e-6, -1e-3) = %.9g, %.9g, %.9g\n", elus[0],
                elus[1], elus[2]);
  }
  setOwnLoops(true);

  std::printf("primitives: %llu created, %llu executions\n",
              static_cast<unsigned long long>(primitiveCreations()),
              static_cast<unsigned long long>(primitiveExecutions()));
  return 0;
}
