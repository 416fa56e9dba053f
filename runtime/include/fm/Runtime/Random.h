//===- Random.h - Counter-based random numbers (Philox4x32-10) --*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The runtime's only source of randomness: the Philox4x32-10 counter-based
// generator of Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"
// (SC'11), as in the Random123 library. A counter-based generator is a pure
// function of (counter, key), so any element of any draw can be computed
// independently, in any order, by the runtime or by compiled code, and two
// implementations agree bit for bit.
//
// Conversions to floats are part of the contract, because compiled code
// emits the same float32 operations:
//
//  - uniform in [0, 1):  u = float(x >> 8) * 2^-24  (exact: 24 bits);
//  - normal pair (Box–Muller) from words (a, b), all in float32:
//      u1 = float((a >> 8) + 1) * 2^-24        in (0, 1]
//      u2 = float(b >> 8) * 2^-24              in [0, 1)
//      r  = sqrtf(-2.0f * logf(u1))
//      θ  = 6.28318548f * u2                   (2π rounded to float)
//      z0 = r * cosf(θ),  z1 = r * sinf(θ)
//    Every step is one correctly ordered float32 operation with no
//    opportunity for contraction into an FMA, so the results agree bit for
//    bit with any code that performs the same operations with the same libm.
//    |z| ≤ sqrt(-2 ln 2^-24) ≈ 5.768 for every pair.
//
// This header belongs to the runtime core: plain C++17, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_RANDOM_H
#define FM_RUNTIME_RANDOM_H

#include <array>
#include <cstdint>

namespace fmrt {

/// The 128-bit counter of Philox4x32, as four 32-bit words.
using PhiloxCounter = std::array<uint32_t, 4>;
/// The 64-bit key of Philox4x32, as two 32-bit words.
using PhiloxKey = std::array<uint32_t, 2>;

/// Philox4x32-10: ten rounds of the Philox S-box on `counter` with the key
/// schedule starting at `key`. Each round computes
/// (hi0, lo0) = mulhilo(0xD2511F53, c0), (hi1, lo1) = mulhilo(0xCD9E8D57, c2)
/// and c = {hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0}; between rounds the key
/// is bumped by the Weyl constants (0x9E3779B9, 0xBB67AE85).
PhiloxCounter philox4x32(PhiloxCounter counter, PhiloxKey key);

/// The uniform float in [0, 1) of a random word: its top 24 bits times
/// 2^-24. Exact, so 0 is possible and 1 is not.
inline float uniformFromWord(uint32_t x) {
  return static_cast<float>(x >> 8) * 0x1p-24f;
}

/// A pair of independent standard normals from two random words by the
/// float32 Box–Muller transform described in the file header.
std::array<float, 2> normalPairFromWords(uint32_t a, uint32_t b);

/// One reproducible stream of random numbers: a seed (the Philox key) and a
/// stream id (the third counter word) that separates independent consumers
/// sharing a seed, e.g. the data sampler and the time sampler.
///
/// Draws address the stream by an `offset` counted in 128-bit blocks: a draw
/// of n values at `offset` uses blocks offset, offset + 1, ...,
/// offset + ceil(n/4) − 1, where block b is
/// philox4x32({lo32(b), hi32(b), streamId, 0}, {lo32(seed), hi32(seed)}).
/// A caller that advances its offset by `blocksFor(n)` after each draw
/// therefore never reuses a counter (the block index wraps modulo 2^64).
///
/// The fill functions only compute: no allocation, no state, and they are
/// safe to call concurrently.
class PhiloxStream {
public:
  PhiloxStream(uint64_t seed, uint32_t streamId)
      : key{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
        streamId(streamId) {}

  uint64_t getSeed() const {
    return static_cast<uint64_t>(key[1]) << 32 | key[0];
  }
  uint32_t getStreamId() const { return streamId; }

  /// The number of blocks a draw of `n` values consumes: ceil(n / 4).
  static uint64_t blocksFor(int64_t n) {
    return n <= 0 ? 0 : (static_cast<uint64_t>(n) + 3) / 4;
  }

  /// The four random words of block `index`.
  std::array<uint32_t, 4> block(uint64_t index) const {
    return philox4x32({static_cast<uint32_t>(index),
                       static_cast<uint32_t>(index >> 32), streamId, 0},
                      key);
  }

  /// Writes n uniforms in [0, 1) to out[0, n): element 4b + i is
  /// uniformFromWord(word i of block offset + b).
  void fillUniform(float *out, int64_t n, uint64_t offset) const;

  /// Writes n standard normals to out[0, n): block offset + b with words
  /// (x0, x1, x2, x3) gives elements 4b, 4b+1 from the pair (x0, x1) and
  /// 4b+2, 4b+3 from (x2, x3). A tail of n % 4 elements takes the first
  /// values of its block, so a draw of n values is a prefix of a draw of
  /// n + k at the same offset.
  void fillNormal(float *out, int64_t n, uint64_t offset) const;

  /// Writes n tokens uniform over [0, vocabulary) to out[0, n), as
  /// fm.random_tokens draws them: element 4b + i maps word x = word i of
  /// block offset + b to ⌊x · vocabulary / 2³²⌋.
  void fillTokens(int64_t *out, int64_t n, uint64_t offset,
                  uint32_t vocabulary) const;

private:
  PhiloxKey key;
  uint32_t streamId;
};

} // namespace fmrt

#endif // FM_RUNTIME_RANDOM_H
