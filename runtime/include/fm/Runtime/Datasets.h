//===- Datasets.h - Built-in 2-D toy datasets -------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The 2-D toy distributions of the flow-matching literature, drawn from a
// PhiloxStream into a caller-provided [n, 2] row-major float buffer. A batch
// is drawn every training step, so sampling allocates nothing: the shuffles
// of moons and circles permute the rows of the output buffer in place, and
// no dataset needs a workspace.
//
// The constructions follow their references exactly, up to the random
// numbers, which come from the stream:
//
//  - moons: sklearn.datasets.make_moons(n, noise) (scikit-learn,
//    sklearn/datasets/_samples_generator.py): n/2 points on the upper unit
//    half circle, the other n - n/2 on the lower half circle of radius 1
//    centred at (1, 0.5), at numpy.linspace(0, π, m) angles; the rows are
//    shuffled; N(0, noise²) is added to both coordinates.
//  - 8gaussians, checkerboard, circles, spirals: `inf_train_gen` of FFJORD
//    (github.com/rtqichen/ffjord, lib/toy_data.py, commit d6126740), the
//    datasets "8gaussians", "checkerboard", "circles" and "2spirals".
//
// Each sampler documents which blocks of the stream it uses. A draw of n
// points at `offset` uses exactly `datasetBlocks(kind, n)` blocks starting at
// `offset`, whatever the noise level; a caller advancing its offset by that
// number never reuses a counter.
//
// This header belongs to the runtime core: plain C++17, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_DATASETS_H
#define FM_RUNTIME_DATASETS_H

#include "fm/Runtime/Random.h"

#include <cstdint>
#include <optional>
#include <string_view>

namespace fmrt {

/// The built-in datasets.
enum class Dataset : uint8_t {
  /// "moons": sklearn's make_moons. Points lie on two interleaving half
  /// circles: the upper half of the unit circle and the lower half of the
  /// unit circle centred at (1, 0.5). `noise` is the standard deviation of
  /// the Gaussian noise added to each coordinate (0.05 in the seed example).
  Moons,
  /// "8gaussians": eight Gaussians of standard deviation `noise` (0.5 in
  /// FFJORD) centred at 4·(cos kπ/4, sin kπ/4), all divided by 1.414.
  EightGaussians,
  /// "checkerboard": uniform on the 8 black squares of side 2 of a 4×4
  /// board covering [-4, 4)². `noise` is ignored.
  Checkerboard,
  /// "circles": sklearn's make_circles(n, factor=0.5, noise) times 3, i.e.
  /// circles of radii 3 and 1.5 with noise of standard deviation 3·noise
  /// (noise = 0.08 in FFJORD).
  Circles,
  /// "spirals" (FFJORD's "2spirals"): two interleaved spiral arms, one the
  /// point mirror of the other, with Gaussian noise of standard deviation
  /// `noise` (0.1 in FFJORD).
  Spirals,
};

/// The dataset called `name` ("moons", "8gaussians", "checkerboard",
/// "circles", "spirals"), or nullopt.
std::optional<Dataset> parseDataset(std::string_view name);

/// The name `parseDataset` accepts for `dataset`.
const char *datasetName(Dataset dataset);

/// The noise level of the reference construction: 0.05 for moons (the seed
/// example; sklearn has no default), 0.5 for 8gaussians, 0 for checkerboard,
/// 0.08 for circles and 0.1 for spirals.
float defaultNoise(Dataset dataset);

/// The number of Philox blocks that a draw of `n` points uses.
uint64_t datasetBlocks(Dataset dataset, int64_t n);

/// Draws `n` points of `dataset` into out[0, 2n) (row-major [n, 2]) from
/// `stream`, starting at block `offset`. `noise` is the dataset's noise
/// parameter (see `Dataset`); it does not change which blocks are used.
/// Returns the number of blocks used, `datasetBlocks(dataset, n)`. Allocates
/// only where a thread first draws moons or circles of some n (their
/// noise-free curve, which it keeps for the last n). A given (stream,
/// offset, n, noise) always gives the same batch.
/// n must be at most 2^32 (the shuffles draw one 32-bit word per row).
uint64_t sampleDataset(Dataset dataset, float noise, const PhiloxStream &stream,
                       uint64_t offset, float *out, int64_t n);

//===----------------------------------------------------------------------===//
// Token datasets
//===----------------------------------------------------------------------===//

/// The built-in datasets of tokens, drawn into int64 rows.
enum class TokenDataset : uint8_t {
  /// "checkerboard-tokens": the flow_matching library's 2-D discrete
  /// example (examples/2d_discrete_flow_matching.ipynb, `inf_train_gen`), a
  /// checkerboard on a 128 × 128 grid of tokens. With G = 128 / 4 = 32, a
  /// sample is (x1, x2) with x1 uniform in [0, 128) and
  /// x2 = s + 2G − 2G·b + (⌊x1 / G⌋ mod 2)·G, s uniform in [0, G) and b a
  /// fair bit: uniform on the 8 cells of side G whose ⌊x1 / G⌋ + ⌊x2 / G⌋
  /// is even (the "on" cells), which cover half of the grid.
  CheckerboardTokens,
};

/// The token dataset called `name` ("checkerboard-tokens"), or nullopt.
std::optional<TokenDataset> parseTokenDataset(std::string_view name);

/// The name `parseTokenDataset` accepts for `dataset`.
const char *tokenDatasetName(TokenDataset dataset);

/// The tokens of a sample (2 for checkerboard-tokens).
int64_t tokenDatasetWidth(TokenDataset dataset);

/// The vocabulary: every token is in [0, tokenVocabulary) (128 for
/// checkerboard-tokens).
int64_t tokenVocabulary(TokenDataset dataset);

/// The number of Philox blocks that a draw of `n` samples uses.
uint64_t tokenDatasetBlocks(TokenDataset dataset, int64_t n);

/// Draws `n` samples of `dataset` into out[0, n·width) (row-major [n,
/// width]) from `stream`, starting at block `offset`, and returns the number
/// of blocks used, `tokenDatasetBlocks(dataset, n)`. Allocates nothing.
/// checkerboard-tokens takes one 32-bit word per sample: x1 from its low 7
/// bits, s from the next 5 and b from the next one (every range a power of
/// two, so each draw is exactly uniform).
uint64_t sampleTokenDataset(TokenDataset dataset, const PhiloxStream &stream,
                            uint64_t offset, int64_t *out, int64_t n);

/// Whether the sample `tokens` (tokenDatasetWidth values) lies where
/// `dataset` has mass: for checkerboard-tokens, both tokens in [0, 128) and
/// on an "on" cell. A uniform draw over the vocabulary scores 1/2.
bool isTokenDatasetHit(TokenDataset dataset, const int64_t *tokens);

} // namespace fmrt

#endif // FM_RUNTIME_DATASETS_H
