//===- Chunks.cpp - Compiled calls over chunks of rows --------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Chunks.h"

#include <algorithm>
#include <optional>
#include <vector>

using namespace fmrt;

void ChunkRunner::set(int tasks, TaskRunner runner) {
  this->tasks = std::max(1, tasks);
  this->runner = this->tasks > 1 ? std::move(runner) : nullptr;
}

llvm::Error ChunkRunner::forEachChunk(int64_t n, int64_t rows, ChunkFn work,
                                      ChunkFn deliver) const {
  int slots = this->slots();
  for (int64_t first = 0; first < n; first += slots * rows) {
    int round = static_cast<int>(
        std::min<int64_t>(slots, (n - first + rows - 1) / rows));
    auto rowsAt = [&](int slot) {
      return std::min(rows, n - first - slot * rows);
    };
    std::vector<std::optional<llvm::Error>> errors(round);
    auto body = [&](int slot) {
      errors[slot].emplace(work(first + slot * rows, rowsAt(slot), slot));
    };
    if (round == 1)
      body(0);
    else
      runner(round, body);
    for (int slot = 0; slot < round; ++slot) {
      llvm::Error err = std::move(*errors[slot]);
      if (!err)
        err = deliver(first + slot * rows, rowsAt(slot), slot);
      if (err) {
        for (int rest = slot + 1; rest < round; ++rest)
          llvm::consumeError(std::move(*errors[rest]));
        return err;
      }
    }
  }
  return llvm::Error::success();
}

int64_t fmrt::rowsPerChunk(int64_t n, int64_t limit, int slots,
                           int64_t multiple) {
  auto ceilDiv = [](int64_t a, int64_t b) { return (a + b - 1) / b; };
  int64_t longest = std::max(multiple, limit / multiple * multiple);
  int64_t chunks = ceilDiv(std::max<int64_t>(n, 1), longest);
  chunks = ceilDiv(chunks, std::max(slots, 1)) * std::max(slots, 1);
  return ceilDiv(ceilDiv(n, chunks), multiple) * multiple;
}

int64_t fmrt::cacheChunkRows(int64_t widest) {
  int64_t rows = kChunkActivationBytes / 4 / std::max<int64_t>(widest, 1);
  return std::clamp<int64_t>(rows, 256, 65536) / 4 * 4;
}

int64_t fmrt::cacheChunkRows(const EntryPoint &entry, int64_t pointSize) {
  int64_t widest = pointSize;
  for (const EntryValue &input : entry.inputs)
    if (input.role == ValueRole::Param)
      for (int64_t d : input.type.shape)
        widest = std::max(widest, d);
  return cacheChunkRows(widest);
}
