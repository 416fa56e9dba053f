//===- Datasets.cpp - Built-in 2-D toy datasets ---------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Every sampler draws its random numbers in phases; each phase starts at a
// block boundary right after the previous one and uses its words in order.
// Integer draws use one 32-bit word each; normals come from
// PhiloxStream::fillNormal, so the noise of phase p is exactly
// fillNormal(2n, start of p).
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Datasets.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <utility>
#include <vector>

using namespace fmrt;

static constexpr double kPi = 3.14159265358979323846;

namespace {
/// Hands out the words of consecutive blocks of a stream in order.
class WordReader {
public:
  WordReader(const PhiloxStream &stream, uint64_t firstBlock)
      : stream(stream), nextBlock(firstBlock) {}

  uint32_t operator()() {
    if (pos == 4) {
      words = stream.block(nextBlock++);
      pos = 0;
    }
    return words[pos++];
  }

private:
  const PhiloxStream &stream;
  uint64_t nextBlock;
  std::array<uint32_t, 4> words{};
  unsigned pos = 4;
};
} // namespace

/// Blocks holding `words` words.
static uint64_t blocksForWords(int64_t words) {
  return PhiloxStream::blocksFor(words);
}

/// A uniform integer in [0, bound) from one random word, floor(w·bound/2^32).
/// For bound ≤ 2^32 each value has probability within 2^-32 of 1/bound.
static uint64_t boundedFromWord(uint32_t word, uint64_t bound) {
  assert(bound <= (uint64_t(1) << 32) && "bound too large for one word");
  return (static_cast<uint64_t>(word) * bound) >> 32;
}

/// Shuffles the n rows of the [n, 2] array `xy` uniformly (Fisher–Yates,
/// i = n−1 down to 1 swapping row i with row j ∈ [0, i]), using the n − 1
/// words from block `offset` on. Returns the blocks used.
static uint64_t shuffleRows(const PhiloxStream &stream, uint64_t offset,
                            float *xy, int64_t n) {
  WordReader next(stream, offset);
  for (int64_t i = n - 1; i > 0; --i) {
    auto j = static_cast<int64_t>(
        boundedFromWord(next(), static_cast<uint64_t>(i) + 1));
    std::swap(xy[2 * i], xy[2 * j]);
    std::swap(xy[2 * i + 1], xy[2 * j + 1]);
  }
  return blocksForWords(n - 1);
}

/// x[k] += scale · z[k] for k < count, with z = fillNormal(count, offset).
/// Returns the blocks used.
static uint64_t addNormalNoise(const PhiloxStream &stream, uint64_t offset,
                               float *x, int64_t count, float scale) {
  for (int64_t i = 0; i < count; i += 4) {
    float z[4];
    int64_t m = count - i < 4 ? count - i : 4;
    stream.fillNormal(z, m, offset + static_cast<uint64_t>(i / 4));
    for (int64_t k = 0; k < m; ++k)
      x[i + k] += scale * z[k];
  }
  return blocksForWords(count);
}

/// Element i of numpy.linspace(0, stop, m) (endpoint included): i·step with
/// step = stop/(m−1), and exactly `stop` for the last element.
static double linspaceAt(double stop, int64_t i, int64_t m) {
  if (m == 1)
    return 0.0;
  if (i == m - 1)
    return stop;
  return static_cast<double>(i) * (stop / static_cast<double>(m - 1));
}

namespace {
/// The noise-free points of a dataset that depend on n alone (moons',
/// circles'), kept per thread for the last n: a training loop draws the same
/// n every step, and recomputing their sines and cosines in double took
/// about 2% of a moons training step.
class CurveCache {
public:
  /// Writes the 2n floats of the curve for n into `out`, from `fill(points,
  /// n)` the first time.
  template <typename Fill> void copy(int64_t n, float *out, Fill fill) {
    if (n != cachedN) {
      points.resize(static_cast<size_t>(2 * n));
      fill(points.data(), n);
      cachedN = n;
    }
    std::copy(points.begin(), points.end(), out);
  }

private:
  int64_t cachedN = -1;
  std::vector<float> points;
};
} // namespace

/// make_moons' two half circles for n points, before shuffling and noise.
static void moonsCurve(float *out, int64_t n) {
  int64_t nOut = n / 2, nIn = n - nOut;
  for (int64_t i = 0; i < nOut; ++i) {
    double theta = linspaceAt(kPi, i, nOut);
    out[2 * i] = static_cast<float>(std::cos(theta));
    out[2 * i + 1] = static_cast<float>(std::sin(theta));
  }
  for (int64_t i = 0; i < nIn; ++i) {
    double phi = linspaceAt(kPi, i, nIn);
    float *row = out + 2 * (nOut + i);
    row[0] = static_cast<float>(1.0 - std::cos(phi));
    row[1] = static_cast<float>(1.0 - std::sin(phi) - 0.5);
  }
}

/// sklearn make_moons: phases [shuffle: n−1 words] [noise: 2n normals].
static uint64_t sampleMoons(const PhiloxStream &stream, uint64_t offset,
                            float *out, int64_t n, float noise) {
  thread_local CurveCache curve;
  curve.copy(n, out, moonsCurve);
  uint64_t used = shuffleRows(stream, offset, out, n);
  used += addNormalNoise(stream, offset + used, out, 2 * n, noise);
  return used;
}

/// make_circles' two circles (factor 0.5) for n points, before shuffling,
/// noise and scaling: numpy.linspace(0, 2π, m, endpoint=False), i·(2π/m).
static void circlesCurve(float *out, int64_t n) {
  int64_t nOut = n / 2, nIn = n - nOut;
  for (int64_t i = 0; i < nOut; ++i) {
    double theta = static_cast<double>(i) * (2 * kPi / nOut);
    out[2 * i] = static_cast<float>(std::cos(theta));
    out[2 * i + 1] = static_cast<float>(std::sin(theta));
  }
  for (int64_t i = 0; i < nIn; ++i) {
    double theta = static_cast<double>(i) * (2 * kPi / nIn);
    float *row = out + 2 * (nOut + i);
    row[0] = static_cast<float>(std::cos(theta) * 0.5);
    row[1] = static_cast<float>(std::sin(theta) * 0.5);
  }
}

/// sklearn make_circles(factor=0.5) times 3, as FFJORD's "circles":
/// phases [shuffle: n−1 words] [noise: 2n normals].
static uint64_t sampleCircles(const PhiloxStream &stream, uint64_t offset,
                              float *out, int64_t n, float noise) {
  thread_local CurveCache curve;
  curve.copy(n, out, circlesCurve);
  uint64_t used = shuffleRows(stream, offset, out, n);
  used += addNormalNoise(stream, offset + used, out, 2 * n, noise);
  for (int64_t k = 0; k < 2 * n; ++k)
    out[k] *= 3.0f;
  return used;
}

/// FFJORD "8gaussians": phases [2n normals] [n words for the component].
static uint64_t sampleEightGaussians(const PhiloxStream &stream,
                                     uint64_t offset, float *out, int64_t n,
                                     float noise) {
  static constexpr double kR = 0.70710678118654752440; // 1/√2
  // FFJORD's order: (1,0), (−1,0), (0,1), (0,−1), (r,r), (r,−r), (−r,r),
  // (−r,−r), each times the scale 4.
  static constexpr double kCenters[8][2] = {{4, 0},
                                            {-4, 0},
                                            {0, 4},
                                            {0, -4},
                                            {4 * kR, 4 * kR},
                                            {4 * kR, -4 * kR},
                                            {-4 * kR, 4 * kR},
                                            {-4 * kR, -4 * kR}};
  stream.fillNormal(out, 2 * n, offset);
  uint64_t used = blocksForWords(2 * n);
  WordReader next(stream, offset + used);
  for (int64_t i = 0; i < n; ++i) {
    const double *c = kCenters[next() >> 29];
    for (int d = 0; d < 2; ++d) {
      auto p = static_cast<float>(static_cast<double>(out[2 * i + d]) *
                                      static_cast<double>(noise) +
                                  c[d]);
      out[2 * i + d] = p / 1.414f;
    }
  }
  return used + blocksForWords(n);
}

/// FFJORD "checkerboard": phases [2n words: x1 and the fraction of x2]
/// [n words: the high bit picks the square's row pair].
static uint64_t sampleCheckerboard(const PhiloxStream &stream, uint64_t offset,
                                   float *out, int64_t n) {
  // FFJORD: x1 = U·4 − 2, x2 = U' − 2·B + (floor(x1) mod 2), both times 2.
  // x2 is built as an integer plus a 23-bit fraction so that it is exact in
  // float32 and never rounds onto the closed edge of its square (a 24-bit
  // fraction would, just below −1 and 1).
  WordReader next(stream, offset);
  for (int64_t i = 0; i < n; ++i) {
    float x1 = uniformFromWord(next()) * 4.0f - 2.0f; // exact
    float frac = static_cast<float>(next() >> 9) * 0x1p-23f;
    out[2 * i] = x1;
    out[2 * i + 1] = frac;
  }
  uint64_t used = blocksForWords(2 * n);
  WordReader bits(stream, offset + used);
  for (int64_t i = 0; i < n; ++i) {
    float x1 = out[2 * i];
    int parity = static_cast<int>(std::floor(x1)) & 1; // Python's mod 2
    int base = parity - 2 * static_cast<int>(bits() >> 31);
    out[2 * i] = 2.0f * x1;
    out[2 * i + 1] = 2.0f * (static_cast<float>(base) + out[2 * i + 1]);
  }
  return used + blocksForWords(n);
}

/// FFJORD "2spirals": h = ceil(n/2) base points; phases [3h words: radius
/// and the two jitters of each base point] [2n normals]. Rows [0, h) are the
/// base points, rows [h, n) their negations, as FFJORD's vstack(d1, −d1).
static uint64_t sampleSpirals(const PhiloxStream &stream, uint64_t offset,
                              float *out, int64_t n, float noise) {
  int64_t h = n - n / 2;
  WordReader next(stream, offset);
  for (int64_t i = 0; i < h; ++i) {
    double u = uniformFromWord(next());
    double jx = uniformFromWord(next());
    double jy = uniformFromWord(next());
    double t = std::sqrt(u) * 540 * (2 * kPi) / 360;
    out[2 * i] = static_cast<float>((-std::cos(t) * t + jx * 0.5) / 3);
    out[2 * i + 1] = static_cast<float>((std::sin(t) * t + jy * 0.5) / 3);
  }
  for (int64_t i = h; i < n; ++i) {
    out[2 * i] = -out[2 * (i - h)];
    out[2 * i + 1] = -out[2 * (i - h) + 1];
  }
  uint64_t used = blocksForWords(3 * h);
  used += addNormalNoise(stream, offset + used, out, 2 * n, noise);
  return used;
}

std::optional<Dataset> fmrt::parseDataset(std::string_view name) {
  for (Dataset d : {Dataset::Moons, Dataset::EightGaussians,
                    Dataset::Checkerboard, Dataset::Circles, Dataset::Spirals})
    if (name == datasetName(d))
      return d;
  return std::nullopt;
}

const char *fmrt::datasetName(Dataset dataset) {
  switch (dataset) {
  case Dataset::Moons:
    return "moons";
  case Dataset::EightGaussians:
    return "8gaussians";
  case Dataset::Checkerboard:
    return "checkerboard";
  case Dataset::Circles:
    return "circles";
  case Dataset::Spirals:
    return "spirals";
  }
  return "unknown";
}

float fmrt::defaultNoise(Dataset dataset) {
  switch (dataset) {
  case Dataset::Moons:
    return 0.05f;
  case Dataset::EightGaussians:
    return 0.5f;
  case Dataset::Checkerboard:
    return 0.0f;
  case Dataset::Circles:
    return 0.08f;
  case Dataset::Spirals:
    return 0.1f;
  }
  return 0.0f;
}

uint64_t fmrt::datasetBlocks(Dataset dataset, int64_t n) {
  if (n <= 0)
    return 0;
  switch (dataset) {
  case Dataset::Moons:
  case Dataset::Circles:
    return blocksForWords(n - 1) + blocksForWords(2 * n);
  case Dataset::EightGaussians:
  case Dataset::Checkerboard:
    return blocksForWords(2 * n) + blocksForWords(n);
  case Dataset::Spirals:
    return blocksForWords(3 * (n - n / 2)) + blocksForWords(2 * n);
  }
  return 0;
}

uint64_t fmrt::sampleDataset(Dataset dataset, float noise,
                             const PhiloxStream &stream, uint64_t offset,
                             float *out, int64_t n) {
  assert(n >= 0 && "negative point count");
  assert(n <= (int64_t(1) << 32) && "at most 2^32 points per draw");
  if (n <= 0)
    return 0;
  uint64_t used = 0;
  switch (dataset) {
  case Dataset::Moons:
    used = sampleMoons(stream, offset, out, n, noise);
    break;
  case Dataset::EightGaussians:
    used = sampleEightGaussians(stream, offset, out, n, noise);
    break;
  case Dataset::Checkerboard:
    used = sampleCheckerboard(stream, offset, out, n);
    break;
  case Dataset::Circles:
    used = sampleCircles(stream, offset, out, n, noise);
    break;
  case Dataset::Spirals:
    used = sampleSpirals(stream, offset, out, n, noise);
    break;
  }
  assert(used == datasetBlocks(dataset, n) && "block accounting out of sync");
  return used;
}

//===----------------------------------------------------------------------===//
// Token datasets
//===----------------------------------------------------------------------===//

namespace {
/// checkerboard-tokens: a 128 × 128 grid in 4 × 4 cells of side 32.
constexpr int64_t kTokenGrid = 128;
constexpr int64_t kTokenCell = kTokenGrid / 4;
} // namespace

std::optional<TokenDataset> fmrt::parseTokenDataset(std::string_view name) {
  if (name == tokenDatasetName(TokenDataset::CheckerboardTokens))
    return TokenDataset::CheckerboardTokens;
  return std::nullopt;
}

const char *fmrt::tokenDatasetName(TokenDataset dataset) {
  switch (dataset) {
  case TokenDataset::CheckerboardTokens:
    return "checkerboard-tokens";
  }
  return "unknown";
}

int64_t fmrt::tokenDatasetWidth(TokenDataset dataset) {
  switch (dataset) {
  case TokenDataset::CheckerboardTokens:
    return 2;
  }
  return 0;
}

int64_t fmrt::tokenVocabulary(TokenDataset dataset) {
  switch (dataset) {
  case TokenDataset::CheckerboardTokens:
    return kTokenGrid;
  }
  return 0;
}

uint64_t fmrt::tokenDatasetBlocks(TokenDataset dataset, int64_t n) {
  switch (dataset) {
  case TokenDataset::CheckerboardTokens:
    return blocksForWords(n);
  }
  return 0;
}

uint64_t fmrt::sampleTokenDataset(TokenDataset dataset,
                                  const PhiloxStream &stream, uint64_t offset,
                                  int64_t *out, int64_t n) {
  assert(n >= 0 && "negative sample count");
  if (n <= 0)
    return 0;
  switch (dataset) {
  case TokenDataset::CheckerboardTokens: {
    // inf_train_gen: x2 = s + 2G − 2G·b + (⌊x1 / G⌋ mod 2)·G.
    WordReader next(stream, offset);
    for (int64_t i = 0; i < n; ++i) {
      uint32_t word = next();
      int64_t x1 = word & (kTokenGrid - 1);
      int64_t s = (word >> 7) & (kTokenCell - 1);
      int64_t b = (word >> 12) & 1;
      out[2 * i] = x1;
      out[2 * i + 1] = s + 2 * kTokenCell - 2 * kTokenCell * b +
                       ((x1 / kTokenCell) % 2) * kTokenCell;
    }
    break;
  }
  }
  return tokenDatasetBlocks(dataset, n);
}

bool fmrt::isTokenDatasetHit(TokenDataset dataset, const int64_t *tokens) {
  switch (dataset) {
  case TokenDataset::CheckerboardTokens: {
    int64_t x1 = tokens[0], x2 = tokens[1];
    if (x1 < 0 || x1 >= kTokenGrid || x2 < 0 || x2 >= kTokenGrid)
      return false;
    return (x1 / kTokenCell + x2 / kTokenCell) % 2 == 0;
  }
  }
  return false;
}
