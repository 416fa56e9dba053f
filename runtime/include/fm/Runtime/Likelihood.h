//===- Likelihood.h - Log-likelihoods of compiled programs ------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fmrt::LikelihoodEvaluator computes the log-likelihood of data points with
// one of a program's `likelihood` entry points (fm/Runtime/Roles.h), found
// by its solver and divergence: it loads the parameters by name from a
// checkpoint and calls the entry point in chunks of rows, several at once
// given a task runner (setConcurrency).
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_LIKELIHOOD_H
#define FM_RUNTIME_LIKELIHOOD_H

#include "fm/Runtime/Chunks.h"
#include "fm/Runtime/EntryParameters.h"
#include "fm/Runtime/Program.h"
#include "fm/Runtime/SafeTensors.h"

#include <optional>
#include <vector>

namespace fmrt {

/// The Philox stream of a seed that likelihood data points are drawn from
/// when they come from a built-in dataset.
inline constexpr uint64_t kLikelihoodDataStream = 4000;

/// One likelihood entry point of a program and the parameters it runs with.
class LikelihoodEvaluator {
public:
  /// The likelihood of `program` with solver `solver` and divergence
  /// `divergence` ("exact" or "hutchinson"). Fails, listing what the
  /// program has, where there is none.
  static llvm::Expected<std::unique_ptr<LikelihoodEvaluator>>
  create(Program &program, llvm::StringRef solver, llvm::StringRef divergence);

  const EntryPoint &entry() const { return *likelihood; }
  /// Whether the entry point takes its number of steps at run time.
  bool takesSteps() const { return stepsInput.has_value(); }
  /// Whether it takes a seed (Hutchinson's probes).
  bool takesSeed() const { return seedInput.has_value(); }
  /// The number of values in one point.
  int64_t pointSize() const;
  /// The number of points one call takes, or nullopt for any number.
  std::optional<int64_t> staticRows() const;

  /// The chunk size evaluate() should use unless told otherwise (see
  /// Sampler::defaultChunkRows).
  int64_t defaultChunkRows() const;

  /// Takes every parameter from `checkpoint` by name, checking its shape.
  /// (`allowExtra`: see EntryParameters::load.)
  llvm::Error loadParameters(const SafeTensorsFile &checkpoint,
                             bool allowExtra = false);

  /// Sets parameter `name` (row-major f32 of its shape), e.g. from a
  /// Trainer in the same process.
  llvm::Error setParameter(llvm::StringRef name, llvm::ArrayRef<float> value);

  /// Lets later calls of evaluate() run up to `tasks` chunks at once through
  /// `runner`, each in its own call of the entry point (on the CPU
  /// backends, which allow concurrent calls). A likelihood that takes any
  /// number of rows (the exact divergence) then splits n points into chunks
  /// of at most ceil(n / tasks) rows; one of a static batch (Hutchinson's,
  /// whose chunk k draws its probes from seed + k) keeps its chunks. So
  /// results do not depend on `tasks` (see Sampler::setConcurrency for what
  /// that needs of the compiled code).
  void setConcurrency(int tasks, TaskRunner runner);

  /// Writes log p of `n` points `x` ([n, D] f32, row major) into `logp`
  /// (n values, nats) with `steps` solver steps (none where !takesSteps())
  /// and, for Hutchinson, `seed`; at most `chunkRows` points per call (ignored
  /// where the entry point takes a static number of rows). Chunk k uses
  /// seed + k, so results do not depend on the chunking only for exact.
  llvm::Error evaluate(const float *x, float *logp, int64_t n,
                       std::optional<int64_t> steps, uint64_t seed,
                       int64_t chunkRows);

private:
  LikelihoodEvaluator(Program &program, const EntryPoint &likelihood);

  Program &program;
  const EntryPoint *likelihood;
  EntryParameters params;
  std::optional<size_t> stepsInput, seedInput;
  size_t stateInput = 0;
  ChunkRunner chunks;
};

} // namespace fmrt

#endif // FM_RUNTIME_LIKELIHOOD_H
