//===- DnnlTest.cpp - The oneDNN kernels of the runtime -------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Checks the C ABI of fm/Runtime/Dnnl.h against double-precision references
// (DnnlTestSupport.h, where the tolerances are explained): every matmul
// flag and activation combination, strided and offset memrefs, the
// primitive cache, the thread setting, bf16 math and the contract
// violations that abort. The layer's own loops: DnnlLoopsTest.cpp.
//
//===----------------------------------------------------------------------===//

#include "DnnlTestSupport.h"

#include <dirent.h>
#include <dlfcn.h>
#include <sched.h>

#include <thread>

namespace fmtest::dnnl {
namespace {

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
  // Shapes no other test uses (tests may share a process), with B too large
  // for the layer's register tiles (K·N > 65536), so that oneDNN runs them.
  uint64_t created = primitiveCreations();
  uint64_t executed = primitiveExecutions();
  callMatmul(37, 301, 243, 0, 100);
  EXPECT_EQ(primitiveCreations(), created + 1);
  EXPECT_EQ(primitiveExecutions(), executed + 100);

  // New buffers and offsets are not new primitives...
  callMatmul(37, 301, 243, 0, 10, /*offset=*/9);
  EXPECT_EQ(primitiveCreations(), created + 1);
  // ... a new shape or activation is.
  callMatmul(37, 301, 244, 0, 10);
  EXPECT_EQ(primitiveCreations(), created + 2);
  callMatmul(37, 301, 243, 6, 10);
  EXPECT_EQ(primitiveCreations(), created + 3);

  // Another thread shares the primitives.
  std::thread([] { callMatmul(37, 301, 243, 0, 10); }).join();
  EXPECT_EQ(primitiveCreations(), created + 3);
  EXPECT_EQ(primitiveExecutions(), executed + 140);
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
  // 2·160·300·230 ≈ 22 MFLOP: two, on this thread and on another (B too
  // large for the layer's register tiles: a oneDNN primitive).
  callMatmul(160, 300, 230, 0, 1);
  EXPECT_EQ(ompMaxThreads(), 2);
  int seen = 0;
  std::thread([&] {
    callMatmul(160, 300, 230, 0, 1);
    seen = ompMaxThreads();
  }).join();
  EXPECT_EQ(seen, 2);

  // Two threads compute the same product (within the usual tolerance), and
  // a new thread count is a new primitive.
  std::mt19937 rng(5);
  checkMatmul(160, 150, 170, kMatmulBias, 3, rng);
  uint64_t created = primitiveCreations();
  configureThreads(1);
  callMatmul(160, 300, 230, 0, 1);
  EXPECT_EQ(ompMaxThreads(), 1);
  EXPECT_EQ(primitiveCreations(), created + 1);
  configureThreads(before);
}

/// runConcurrently runs each task once, on as many threads as it asks for,
/// and every product inside a task on that task's thread alone; after it,
/// the calling thread's products pick their threads again.
TEST(DnnlThreads, TasksRunTheirProductsOnTheirOwnThread) {
  ASSERT_NE(ompMaxThreads(), -1) << "oneDNN is expected to run on libgomp";
  int before = configuredThreads();
  configureThreads(2);
  struct Seen {
    int runs = 0, threads = 0;
    std::thread::id thread;
  };
  std::array<Seen, 5> seen;
  runConcurrently(
      static_cast<int>(seen.size()),
      [](void *context, int task) {
        Seen &s = (*static_cast<std::array<Seen, 5> *>(context))[task];
        ++s.runs;
        callMatmul(160, 300, 230, 0, 1); // 22 MFLOP: two threads outside
        s.threads = ompMaxThreads();
        s.thread = std::this_thread::get_id();
      },
      &seen);
  for (const Seen &s : seen) {
    EXPECT_EQ(s.runs, 1);
    EXPECT_EQ(s.threads, 1);
  }
  // Five tasks asked for five threads.
  EXPECT_NE(seen[0].thread, seen[1].thread);
  callMatmul(160, 300, 230, 0, 1);
  EXPECT_EQ(ompMaxThreads(), 2);
  // Inside a task, a product computes what it does on one thread.
  std::array<std::mt19937, 2> rngs{std::mt19937(9), std::mt19937(10)};
  runConcurrently(
      2,
      [](void *rngs, int task) {
        checkMatmul(160, 150, 170, kMatmulBias, 3,
                    (*static_cast<std::array<std::mt19937, 2> *>(rngs))[task]);
      },
      &rngs);
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
  callMatmul(21, 301, 243, 0, 2);
  {
    MathModeScope scope(MathMode::BF16);
    callMatmul(21, 301, 243, 0, 2);
  }
  callMatmul(21, 301, 243, 0, 2);
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
  // A shallow product (K = 3, a network's input layer) of 25 MFLOP with
  // tanh, which only oneDNN computes, runs on the calling thread however
  // many are configured...
  EXPECT_EXIT(
      {
        setenv("FM_DNNL_THREADS", "2", 1);
        callMatmul(4096, 1024, 3, 6, 3);
        std::exit(tasks() == 1 && ompMaxThreads() == 1 ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");

  // The rest runs in the layer's own loops (AVX-512, or AVX2 with FMA).
  if (!ownLoops())
    return;
  // A narrow product (C of 3 rows, like a 3-wide output layer's weight
  // gradient) of 12.6 MFLOP splits its columns over the configured two, in
  // the layer's own loop: a worker starts, and no oneDNN primitive runs.
  EXPECT_EXIT(
      {
        setenv("FM_DNNL_THREADS", "2", 1);
        uint64_t executed = primitiveExecutions();
        callMatmul(3, 1024, 2048, 0, 1);
        std::exit(tasks() > 1 && primitiveExecutions() == executed ? 0 : 1);
      },
      testing::ExitedWithCode(0), "");
  // The shallow product above with SiLU, in the layer's register tiles,
  // splits its rows over both threads: most of its work is the activation's.
  EXPECT_EXIT(
      {
        setenv("FM_DNNL_THREADS", "2", 1);
        uint64_t executed = primitiveExecutions();
        callMatmul(4096, 1024, 3, 5, 3);
        std::exit(tasks() > 1 && primitiveExecutions() == executed ? 0 : 1);
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
} // namespace fmtest::dnnl
