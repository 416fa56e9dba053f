//===- ConcurrentCallsTest.cpp - Chunks of rows in calls at once ----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Driver/Compile.h"
#include "fm/Runtime/Likelihood.h"
#include "fm/Runtime/Sampler.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <thread>
#include <utility>
#include <vector>

using namespace fmrt;

namespace {

/// A flow whose velocity is a small network: tanh(x·W1ᵀ + t·c)·W2ᵀ.
constexpr const char *kFlow = R"mlir(
#mm_x = affine_map<(m, n, k) -> (m, k)>
#mm_w = affine_map<(m, n, k) -> (n, k)>
#mm_y = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
#col = affine_map<(i, j) -> (j)>
func.func @velocity(%x: tensor<?x2xf32>, %t: tensor<?xf32>,
                    %w1: tensor<16x2xf32> {fm.name = "w1"},
                    %c: tensor<16xf32> {fm.name = "c"},
                    %w2: tensor<2x16xf32> {fm.name = "w2"}) -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %e16 = tensor.empty(%n) : tensor<?x16xf32>
  %z16 = linalg.fill ins(%zero : f32) outs(%e16 : tensor<?x16xf32>) -> tensor<?x16xf32>
  %xw = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%x, %w1 : tensor<?x2xf32>, tensor<16x2xf32>) outs(%z16 : tensor<?x16xf32>) -> tensor<?x16xf32>
  %h = linalg.generic {indexing_maps = [#id, #row, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw, %t, %c : tensor<?x16xf32>, tensor<?xf32>, tensor<16xf32>) outs(%e16 : tensor<?x16xf32>) {
  ^bb0(%v: f32, %tv: f32, %cv: f32, %o: f32):
    %m = arith.mulf %tv, %cv : f32
    %s = arith.addf %v, %m : f32
    %r = math.tanh %s : f32
    linalg.yield %r : f32
  } -> tensor<?x16xf32>
  %e2 = tensor.empty(%n) : tensor<?x2xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %y = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%h, %w2 : tensor<?x16xf32>, tensor<2x16xf32>) outs(%z2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
fm.flow @f network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [2]
fm.sampler @sample_midpoint flow(@f) solver(midpoint)
fm.likelihood @exact flow(@f) solver(midpoint) divergence(exact)
)mlir";

/// kFlow compiled once for the suite (JIT, the default backend).
class ConcurrentCallsTest : public testing::Test {
protected:
  static void SetUpTestSuite() {
    auto compiled = mlir::fm::driver::compile(kFlow, "flow.mlir");
    ASSERT_TRUE(static_cast<bool>(compiled)) << toString(compiled.takeError());
    program = std::move(*compiled).release();
  }
  static void TearDownTestSuite() { delete program; }
  void SetUp() override { ASSERT_NE(program, nullptr); }

  /// Fixed values for parameter `name` of `shape`.
  static std::vector<float> parameterValues(llvm::StringRef name,
                                            llvm::ArrayRef<int64_t> shape) {
    std::vector<float> values(numElements(shape));
    for (size_t i = 0; i < values.size(); ++i)
      values[i] = 0.37f * std::sin(1.7f * static_cast<float>(i) +
                                   static_cast<float>(name.size()));
    return values;
  }

  /// Runs `count` tasks on a thread each.
  static void onThreads(int count, llvm::function_ref<void(int)> body) {
    std::vector<std::thread> threads;
    for (int task = 0; task < count; ++task)
      threads.emplace_back(body, task);
    for (std::thread &t : threads)
      t.join();
  }

  /// A midpoint sampler with fixed parameters, running up to `tasks`
  /// chunks at once, each on a thread of its own.
  std::unique_ptr<Sampler> makeSampler(int tasks) {
    auto sampler = Sampler::create(*program, "midpoint");
    EXPECT_TRUE(static_cast<bool>(sampler)) << toString(sampler.takeError());
    if (!sampler)
      return nullptr;
    for (auto [name, shape] : (*sampler)->parameterShapes()) {
      llvm::Error err =
          (*sampler)->setParameter(name, parameterValues(name, shape));
      EXPECT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
    }
    (*sampler)->setConcurrency(tasks, onThreads);
    return std::move(*sampler);
  }

  static Program *program;
};

Program *ConcurrentCallsTest::program = nullptr;

/// Every (first, count) a sink saw.
using Chunks = std::vector<std::pair<int64_t, int64_t>>;

} // namespace

/// Chunks integrated at once on three threads give the bits of one call
/// over all rows: each row's noise is its part of one draw, and the
/// compiled code computes each row alone.
TEST_F(ConcurrentCallsTest, ConcurrentChunksGiveTheSameBits) {
  constexpr int64_t n = 1003;
  std::vector<float> one(2 * n), three(2 * n, -1.0f);
  ASSERT_FALSE(static_cast<bool>(
      makeSampler(1)->sampleFromNoise(one.data(), n, 5, 3, 65536)));
  ASSERT_FALSE(static_cast<bool>(
      makeSampler(3)->sampleFromNoise(three.data(), n, 5, 3, 65536)));
  EXPECT_EQ(std::memcmp(one.data(), three.data(), one.size() * 4), 0);

  // Given start points, integrated in place.
  std::vector<float> x0(2 * n);
  for (size_t i = 0; i < x0.size(); ++i)
    x0[i] = 0.001f * static_cast<float>(i % 1500) - 0.7f;
  std::vector<float> out(2 * n), inPlace = x0;
  ASSERT_FALSE(static_cast<bool>(
      makeSampler(1)->sample(x0.data(), out.data(), n, 3, 65536)));
  ASSERT_FALSE(static_cast<bool>(
      makeSampler(3)->sample(inPlace.data(), inPlace.data(), n, 3, 65536)));
  EXPECT_EQ(std::memcmp(out.data(), inPlace.data(), out.size() * 4), 0);
}

/// The sink gets the chunks in row order, each a multiple of 4 rows but
/// the last: as many as there are tasks where --chunk allows, else a
/// multiple of the tasks of at most --chunk rows, as even as they can be.
TEST_F(ConcurrentCallsTest, ConcurrentChunksReachTheSinkInOrder) {
  auto chunksOf = [&](int tasks, int64_t n, int64_t chunkRows) {
    Chunks seen;
    auto sink = [&](const void *, int64_t first, int64_t count) {
      seen.push_back({first, count});
      return llvm::Error::success();
    };
    llvm::Error err =
        makeSampler(tasks)->sampleFromNoise(n, 1, 2, chunkRows, sink);
    EXPECT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
    return seen;
  };
  EXPECT_EQ(chunksOf(3, 1003, 65536),
            (Chunks{{0, 336}, {336, 336}, {672, 331}}));
  // Five chunks of 100 would leave the third task idle in the last round:
  // six of 76 (and one of 70) keep all three busy.
  EXPECT_EQ(
      chunksOf(3, 450, 100),
      (Chunks{{0, 76}, {76, 76}, {152, 76}, {228, 76}, {304, 76}, {380, 70}}));
  EXPECT_EQ(chunksOf(1, 450, 100),
            (Chunks{{0, 92}, {92, 92}, {184, 92}, {276, 92}, {368, 82}}));
  EXPECT_EQ(chunksOf(2, 6, 65536), (Chunks{{0, 4}, {4, 2}}));
  EXPECT_EQ(chunksOf(1, 1003, 65536), (Chunks{{0, 1003}}));
}

/// A failing chunk ends the run with its error: the sink sees nothing
/// after it.
TEST_F(ConcurrentCallsTest, ConcurrentRunsStopAtTheFirstFailure) {
  Chunks seen;
  auto sink = [&](const void *, int64_t first, int64_t count) -> llvm::Error {
    seen.push_back({first, count});
    if (first == 76)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "disk full");
    return llvm::Error::success();
  };
  llvm::Error err = makeSampler(3)->sampleFromNoise(450, 1, 2, 100, sink);
  EXPECT_EQ(toString(std::move(err)), "disk full");
  EXPECT_EQ(seen, (Chunks{{0, 76}, {76, 76}}));
}

/// The likelihood's chunks, too, give the bits of one call over all rows
/// (the exact divergence: each row's trace is its own).
TEST_F(ConcurrentCallsTest, LikelihoodChunksGiveTheSameBits) {
  constexpr int64_t n = 450;
  std::vector<float> x(2 * n);
  for (size_t i = 0; i < x.size(); ++i)
    x[i] = 0.002f * static_cast<float>(i % 700) - 0.6f;
  auto logp = [&](llvm::StringRef divergence, int tasks, int64_t chunkRows) {
    std::vector<float> out(n, 0.0f);
    auto evaluator =
        LikelihoodEvaluator::create(*program, "midpoint", divergence);
    EXPECT_TRUE(static_cast<bool>(evaluator))
        << toString(evaluator.takeError());
    if (!evaluator)
      return out;
    for (const EntryValue &input : (*evaluator)->entry().inputs) {
      if (input.role != ValueRole::Param)
        continue;
      llvm::Error err =
          (*evaluator)
              ->setParameter(input.name,
                             parameterValues(input.name, input.type.shape));
      EXPECT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
    }
    (*evaluator)->setConcurrency(tasks, onThreads);
    llvm::Error err =
        (*evaluator)->evaluate(x.data(), out.data(), n, 3, 11, chunkRows);
    EXPECT_FALSE(static_cast<bool>(err)) << toString(std::move(err));
    return out;
  };
  std::vector<float> one = logp("exact", 1, 65536);
  EXPECT_NE(one[0], 0.0f);
  EXPECT_EQ(logp("exact", 3, 65536), one);
  EXPECT_EQ(logp("exact", 2, 100), one);
}
