//===- Sampler.h - Sampling compiled programs -------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fmrt::Sampler integrates a batch of points with one of a program's
// `sampler` entry points, found by its solver (fm/Runtime/Roles.h): it loads
// the parameters by name from a checkpoint, draws the source points from
// Philox noise (or takes given ones), and calls the sampler in chunks of
// rows, so memory stays bounded for any number of points. Given a task
// runner (setConcurrency), it integrates several chunks at once, each in
// one call of the compiled code on one thread.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_SAMPLER_H
#define FM_RUNTIME_SAMPLER_H

#include "fm/Runtime/Chunks.h"
#include "fm/Runtime/EntryParameters.h"
#include "fm/Runtime/Program.h"
#include "fm/Runtime/SafeTensors.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <optional>
#include <vector>

namespace fmrt {

/// The Philox stream of a seed that sampling noise is drawn from.
inline constexpr uint64_t kSampleNoiseStream = 2000;

/// One sampler entry point of a program and the parameters it runs with.
class Sampler {
public:
  /// The sampler of `program` whose solver is `solver` ("midpoint", ...).
  /// Fails, listing the solvers the program has, where there is none.
  static llvm::Expected<std::unique_ptr<Sampler>>
  create(Program &program, llvm::StringRef solver);

  const EntryPoint &entry() const { return *sampler; }
  /// Whether the sampler takes its number of steps at run time; otherwise
  /// the program fixes them (fm.sampler steps(n) or a time grid).
  bool takesSteps() const { return stepsInput.has_value(); }
  /// The number of values in one point (the product of the state's
  /// trailing dimensions).
  int64_t pointSize() const;
  /// The shape of n points: [n, ...].
  llvm::SmallVector<int64_t, 4> pointsShape(int64_t n) const;
  /// The parameters the sampler needs: names and shapes.
  std::vector<std::pair<std::string, llvm::SmallVector<int64_t, 4>>>
  parameterShapes() const;

  /// The chunk size a run should use unless told otherwise: cacheChunkRows
  /// of the widest dimension of a point or a parameter (a layer's width).
  int64_t defaultChunkRows() const;

  /// Takes every parameter from `checkpoint` by name, checking its shape.
  /// (`allowExtra`: see EntryParameters::load.)
  llvm::Error loadParameters(const SafeTensorsFile &checkpoint,
                             bool allowExtra = false);
  /// Sets parameter `name` (row-major f32 of its shape), e.g. from a
  /// Trainer in the same process.
  llvm::Error setParameter(llvm::StringRef name, llvm::ArrayRef<float> value);

  /// Lets later runs integrate up to `tasks` chunks of rows at once through
  /// `runner`, each in its own call of the compiled sampler: a run of n
  /// points then calls it on chunks of at most ceil(n / tasks) rows (a
  /// multiple of 4), and hands them to its sink in order. The compiled code
  /// must allow concurrent calls (Program::call: the CPU backends do). Rows
  /// are integrated independently, so the points do not change, provided
  /// the code's result for a row does not depend on how many rows share
  /// its call (true where products sum each row in a fixed order, as the
  /// oneDNN layer's own loops do). `tasks` 1 (the default) calls the
  /// sampler on the caller's thread alone.
  void setConcurrency(int tasks, TaskRunner runner);

  /// Integrates `n` points from `x0` into `out` (both [n, ...] f32, row
  /// major; they may be the same buffer) with `steps` solver steps (none
  /// where !takesSteps()), at most `chunkRows` points per call.
  llvm::Error sample(const float *x0, float *out, int64_t n,
                     std::optional<int64_t> steps, int64_t chunkRows);

  /// Consumes rows [first, first + count) of a sampling run's points, row
  /// major: f32 values, or int64 tokens for a discrete flow's sampler.
  using PointSink = llvm::function_ref<llvm::Error(
      const void *points, int64_t first, int64_t count)>;

  /// Draws `n` source points from N(0, I) with `seed` (stream
  /// kSampleNoiseStream), integrates them in chunks of a multiple of 4 rows
  /// (at least 4, at most `chunkRows` where that is 4 or more) and hands
  /// each chunk to `sink` as it is done, so memory stays bounded for any
  /// `n`. The points do not depend on the chunk size: each chunk's noise is
  /// the part of one draw of all n that it covers.
  llvm::Error sampleFromNoise(int64_t n, uint64_t seed,
                              std::optional<int64_t> steps, int64_t chunkRows,
                              PointSink sink);
  /// The same into `out` ([n, ...] f32).
  llvm::Error sampleFromNoise(float *out, int64_t n, uint64_t seed,
                              std::optional<int64_t> steps, int64_t chunkRows);

  /// Whether the sampler is a discrete flow's: its points are tokens.
  bool samplesTokens() const { return vocabulary() > 0; }
  /// A discrete flow's vocabulary V (tokens in [0, V), the mask token V),
  /// or 0.
  int64_t vocabulary() const { return sampler->vocabulary.value_or(0); }

  /// A discrete flow's sampling: draws `n` points of source tokens with
  /// `seed` (uniform over the vocabulary from stream kSampleNoiseStream, or
  /// the mask token) and runs the sampler on them, passing it `seed` for
  /// its own draws, chunk by chunk into `sink` as sampleFromNoise does. The
  /// tokens do not depend on `chunkRows`.
  llvm::Error sampleTokens(int64_t n, uint64_t seed,
                           std::optional<int64_t> steps, int64_t chunkRows,
                           PointSink sink);
  /// The same into `out` ([n, ...] int64).
  llvm::Error sampleTokens(int64_t *out, int64_t n, uint64_t seed,
                           std::optional<int64_t> steps, int64_t chunkRows);

private:
  Sampler(Program &program, const EntryPoint &sampler);

  /// The checks every sampling call makes first.
  llvm::Error checkCall(int64_t n, std::optional<int64_t> steps,
                        int64_t chunkRows) const;
  /// One call of the sampler: points `state` in (the compiled code may
  /// write into that buffer), `result` out; `seed` and `first` (the index
  /// of the first point among all) go to a discrete flow's sampler.
  llvm::Error call(TensorRef state, TensorRef result,
                   std::optional<int64_t> steps, uint64_t seed, int64_t first);

  Program &program;
  const EntryPoint *sampler;
  EntryParameters params;
  std::optional<size_t> stepsInput, seedInput, firstRowInput;
  size_t stateInput = 0;
  ChunkRunner chunks;
};

} // namespace fmrt

#endif // FM_RUNTIME_SAMPLER_H
