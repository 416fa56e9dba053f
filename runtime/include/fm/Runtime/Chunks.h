//===- Chunks.h - Compiled calls over chunks of rows ------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fmrt::ChunkRunner runs a computation over rows [0, n) in chunks, several
// chunks at once through a task runner, and hands the chunks on in row
// order. fmrt::Sampler and fmrt::LikelihoodEvaluator call their entry
// points this way: the rows of an ODE solve are independent, so chunks on
// different threads meet only when they are done.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_CHUNKS_H
#define FM_RUNTIME_CHUNKS_H

#include "fm/Runtime/Program.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <functional>

namespace fmrt {

/// Runs body(task) for each task in [0, tasks), possibly at once, and
/// returns when all have (fmrt::dnnl::runConcurrently, say).
using TaskRunner =
    std::function<void(int tasks, llvm::function_ref<void(int task)> body)>;

/// Works on chunk `first`, `count` rows, with the buffers of `slot`.
using ChunkFn =
    llvm::function_ref<llvm::Error(int64_t first, int64_t count, int slot)>;

/// How a run calls its entry point over chunks of rows: up to `tasks`
/// chunks at once through a task runner, or one at a time on the calling
/// thread (the default).
class ChunkRunner {
public:
  /// Runs up to `tasks` chunks at once through `runner`; `tasks` under 2
  /// or an empty runner run one at a time.
  void set(int tasks, TaskRunner runner);

  /// The chunks that run at once, and so the buffers a run needs.
  int slots() const { return runner ? tasks : 1; }

  /// Covers rows [0, n) with chunks of `rows` rows: runs `work` on up to
  /// slots() consecutive chunks at once, then `deliver` on each of them in
  /// row order. Stops at the first error in row order; the errors of later
  /// chunks of the same round are dropped.
  llvm::Error forEachChunk(int64_t n, int64_t rows, ChunkFn work,
                           ChunkFn deliver) const;

private:
  int tasks = 1;
  TaskRunner runner;
};

/// The rows per chunk for `n` rows in chunks of at most `limit` rows, a
/// multiple of `multiple` (at least `multiple`; at most `limit` where that
/// is `multiple` or more), in a number of chunks that is a multiple of
/// `slots` (so that no round of concurrent chunks runs short), as even as
/// those allow.
int64_t rowsPerChunk(int64_t n, int64_t limit, int slots, int64_t multiple);

/// The bytes of f32 activations per layer that a chunk's rows default to
/// (cacheChunkRows): small enough for the chunk's layers to stay in the
/// last-level cache, large enough for products to run near their peak.
inline constexpr int64_t kChunkActivationBytes = int64_t(2) << 20;

/// The default rows per chunk for a network whose widest layer has
/// `widest` values per row: kChunkActivationBytes of f32, a multiple of 4
/// from 256 to 65,536. Measured on one core of an AVX2 machine
/// (bench/RESULTS.md): sampling 10,000 points in chunks of 512 rows at
/// width 1024, 2,048 at width 256, took 0.73 and 0.84 times as long as in
/// one chunk.
int64_t cacheChunkRows(int64_t widest);

/// cacheChunkRows for `entry`, whose points have `pointSize` values: of the
/// widest dimension of a point or of a parameter (a layer's width).
int64_t cacheChunkRows(const EntryPoint &entry, int64_t pointSize);

} // namespace fmrt

#endif // FM_RUNTIME_CHUNKS_H
