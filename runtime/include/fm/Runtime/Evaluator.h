//===- Evaluator.h - Sample quality against reference data ------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fmrt::evaluateSamples compares samples with reference points: fresh points
// of a built-in dataset (Philox stream 3000 of a seed) or the first rows of
// a `.npy` file, by the exact 2-Wasserstein distance, the energy distance
// and the multi-bandwidth RBF MMD² (fm/Runtime/Metrics.h).
// fmrt::evaluateTokens scores token samples against a built-in token
// dataset: the fraction of them where the dataset has mass.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_EVALUATOR_H
#define FM_RUNTIME_EVALUATOR_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace fmrt {

/// The Philox stream of a seed that reference points are drawn from.
inline constexpr uint64_t kReferenceStream = 3000;

/// The metrics of one comparison.
struct Evaluation {
  /// Points compared on each side.
  int64_t count = 0;
  double w2 = 0, energy = 0, mmd2 = 0;
};

/// Compares the first `count` of `n` samples (row-major [n, dims] f32) with
/// as many reference points from `data`, drawn with `seed`.
llvm::Expected<Evaluation> evaluateSamples(const float *samples, int64_t n,
                                           int64_t dims, llvm::StringRef data,
                                           int64_t count, uint64_t seed);

/// The score of token samples against a token dataset.
struct TokenEvaluation {
  /// Samples scored, and how many of them lie where the dataset has mass.
  int64_t count = 0, hits = 0;
  double hitRate() const {
    return count ? static_cast<double>(hits) / static_cast<double>(count) : 0;
  }
};

/// Scores the first `count` of `n` token samples (row-major [n, width]
/// int64) against the built-in token dataset `data`
/// (`isTokenDatasetHit`). Fails where `data` is no token dataset or the
/// width is not its width.
llvm::Expected<TokenEvaluation> evaluateTokens(const int64_t *samples,
                                               int64_t n, int64_t width,
                                               llvm::StringRef data,
                                               int64_t count);

} // namespace fmrt

#endif // FM_RUNTIME_EVALUATOR_H
