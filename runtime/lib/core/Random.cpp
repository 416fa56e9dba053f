//===- Random.cpp - Counter-based random numbers (Philox4x32-10) ----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Random.h"

#include <cassert>
#include <cmath>

using namespace fmrt;

static constexpr uint32_t kPhiloxM0 = 0xD2511F53u;
static constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
static constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;
static constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;

/// 2π rounded to float32 (0x40C90FDB).
static constexpr float kTwoPiF = 6.28318530717958647692f;

PhiloxCounter fmrt::philox4x32(PhiloxCounter c, PhiloxKey k) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += kPhiloxW0;
      k[1] += kPhiloxW1;
    }
    uint64_t p0 = static_cast<uint64_t>(kPhiloxM0) * c[0];
    uint64_t p1 = static_cast<uint64_t>(kPhiloxM1) * c[2];
    uint32_t hi0 = static_cast<uint32_t>(p0 >> 32);
    uint32_t lo0 = static_cast<uint32_t>(p0);
    uint32_t hi1 = static_cast<uint32_t>(p1 >> 32);
    uint32_t lo1 = static_cast<uint32_t>(p1);
    c = {hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0};
  }
  return c;
}

std::array<float, 2> fmrt::normalPairFromWords(uint32_t a, uint32_t b) {
  // One float32 operation per line, in the order documented in Random.h.
  float u1 = static_cast<float>((a >> 8) + 1) * 0x1p-24f;
  float u2 = static_cast<float>(b >> 8) * 0x1p-24f;
  float logU1 = std::log(u1);
  float r = std::sqrt(-2.0f * logU1);
  float theta = kTwoPiF * u2;
  return {r * std::cos(theta), r * std::sin(theta)};
}

void PhiloxStream::fillUniform(float *out, int64_t n, uint64_t offset) const {
  assert(n >= 0 && "negative element count");
  for (int64_t i = 0; i < n; i += 4) {
    std::array<uint32_t, 4> w = block(offset + static_cast<uint64_t>(i / 4));
    int64_t count = n - i < 4 ? n - i : 4;
    for (int64_t j = 0; j < count; ++j)
      out[i + j] = uniformFromWord(w[j]);
  }
}

void PhiloxStream::fillNormal(float *out, int64_t n, uint64_t offset) const {
  assert(n >= 0 && "negative element count");
  for (int64_t i = 0; i < n; i += 4) {
    std::array<uint32_t, 4> w = block(offset + static_cast<uint64_t>(i / 4));
    std::array<float, 2> z01 = normalPairFromWords(w[0], w[1]);
    out[i] = z01[0];
    if (i + 1 < n)
      out[i + 1] = z01[1];
    if (i + 2 >= n)
      break;
    std::array<float, 2> z23 = normalPairFromWords(w[2], w[3]);
    out[i + 2] = z23[0];
    if (i + 3 < n)
      out[i + 3] = z23[1];
  }
}

void PhiloxStream::fillTokens(int64_t *out, int64_t n, uint64_t offset,
                              uint32_t vocabulary) const {
  assert(n >= 0 && "negative element count");
  for (int64_t i = 0; i < n; i += 4) {
    std::array<uint32_t, 4> w = block(offset + static_cast<uint64_t>(i / 4));
    int64_t count = n - i < 4 ? n - i : 4;
    for (int64_t j = 0; j < count; ++j)
      out[i + j] = static_cast<int64_t>(
          (static_cast<uint64_t>(w[j]) * vocabulary) >> 32);
  }
}
