//===- RandomTest.cpp - Philox4x32-10 and its float conversions -----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Checks fmrt::philox4x32 against Random123's known-answer vectors, the
// documented counter layout and float conversions of PhiloxStream, and the
// statistics of its uniforms and normals.
//
// Statistical tolerances are 5 standard errors of the estimate (a false
// failure has probability below 6e-7 per check for a Gaussian estimate); the
// draws are deterministic, so a check that passes once passes always.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Random.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

using fmrt::PhiloxStream;

namespace {

/// Known-answer vectors copied from Random123 (github.com/DEShawResearch/
/// random123, file tests/kat_vectors, commit 9545ff6413f2, lines 27-29):
///
///   philox4x32 10 00000000 00000000 00000000 00000000 00000000 00000000
///                 6627e8d5 e169c58d bc57ac4c 9b00dbd8
///   philox4x32 10 ffffffff ffffffff ffffffff ffffffff ffffffff ffffffff
///                 408f276d 41c83b0e a20bc7c6 6d5451fd
///   philox4x32 10 243f6a88 85a308d3 13198a2e 03707344 a4093822 299f31d0
///                 d16cfe09 94fdcceb 5001e420 24126ea1
///
/// Columns: counter (4 words), key (2 words), expected output (4 words).
struct KnownAnswer {
  fmrt::PhiloxCounter counter;
  fmrt::PhiloxKey key;
  fmrt::PhiloxCounter expected;
};

const KnownAnswer kKnownAnswers[] = {
    {{0x00000000, 0x00000000, 0x00000000, 0x00000000},
     {0x00000000, 0x00000000},
     {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
    {{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
     {0xffffffff, 0xffffffff},
     {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
    {{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
     {0xa4093822, 0x299f31d0},
     {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
};

TEST(PhiloxTest, KnownAnswerVectors) {
  for (const KnownAnswer &kat : kKnownAnswers)
    EXPECT_EQ(fmrt::philox4x32(kat.counter, kat.key), kat.expected);
}

uint32_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof(bits));
  return bits;
}

TEST(PhiloxTest, UniformFromWord) {
  EXPECT_EQ(fmrt::uniformFromWord(0), 0.0f);
  EXPECT_EQ(fmrt::uniformFromWord(0xff), 0.0f); // low 8 bits are dropped
  EXPECT_EQ(fmrt::uniformFromWord(0x80000000u), 0.5f);
  EXPECT_EQ(fmrt::uniformFromWord(0x00000100u), 0x1p-24f);
  EXPECT_EQ(fmrt::uniformFromWord(0xffffffffu), 1.0f - 0x1p-24f);
  EXPECT_LT(fmrt::uniformFromWord(0xffffffffu), 1.0f);
}

TEST(PhiloxTest, NormalPairExtremes) {
  // a >> 8 = 2^24 − 1 gives u1 = 1, so r = 0.
  std::array<float, 2> zero = fmrt::normalPairFromWords(0xffffffffu, 12345);
  EXPECT_EQ(zero[0], 0.0f);
  EXPECT_EQ(zero[1], 0.0f);
  // a = 0 gives the smallest u1 = 2^-24 and the largest radius; b = 0 gives
  // θ = 0.
  std::array<float, 2> far = fmrt::normalPairFromWords(0, 0);
  double rMax = std::sqrt(-2.0 * std::log(0x1p-24));
  EXPECT_NEAR(far[0], rMax, 1e-5);
  EXPECT_EQ(far[1], 0.0f);
  // b = 2^30 gives θ = π/2.
  std::array<float, 2> up = fmrt::normalPairFromWords(0, 0x40000000u);
  EXPECT_NEAR(up[0], 0.0, 1e-5);
  EXPECT_NEAR(up[1], rMax, 1e-5);
}

/// The float32 operation sequence that Random.h documents, written out
/// again: the runtime must perform exactly these operations, because
/// compiled code does.
std::array<float, 2> documentedBoxMuller(uint32_t a, uint32_t b) {
  float u1 = static_cast<float>((a >> 8) + 1) * 0x1p-24f;
  float u2 = static_cast<float>(b >> 8) * 0x1p-24f;
  float r = sqrtf(-2.0f * logf(u1));
  float theta = 6.28318548f * u2;
  return {r * cosf(theta), r * sinf(theta)};
}

TEST(PhiloxTest, NormalPairIsTheDocumentedFloat32Sequence) {
  PhiloxStream stream(99, 3);
  for (uint64_t b = 0; b < 2000; ++b) {
    std::array<uint32_t, 4> w = stream.block(b);
    for (int k = 0; k < 4; k += 2) {
      std::array<float, 2> got = fmrt::normalPairFromWords(w[k], w[k + 1]);
      std::array<float, 2> want = documentedBoxMuller(w[k], w[k + 1]);
      ASSERT_EQ(floatBits(got[0]), floatBits(want[0])) << "block " << b;
      ASSERT_EQ(floatBits(got[1]), floatBits(want[1])) << "block " << b;
    }
  }
}

TEST(PhiloxStreamTest, CounterAndKeyLayout) {
  const uint64_t seed = 0x0123456789abcdefull;
  const uint32_t streamId = 7;
  PhiloxStream stream(seed, streamId);
  EXPECT_EQ(stream.getSeed(), seed);
  EXPECT_EQ(stream.getStreamId(), streamId);
  // An offset just below a 2^32 boundary: block 1 carries into the high
  // counter word.
  const uint64_t offset = 0x00000005ffffffffull;
  float uniforms[8];
  stream.fillUniform(uniforms, 8, offset);
  fmrt::PhiloxKey key = {0x89abcdefu, 0x01234567u};
  fmrt::PhiloxCounter c0 = {0xffffffffu, 0x00000005u, streamId, 0};
  fmrt::PhiloxCounter c1 = {0x00000000u, 0x00000006u, streamId, 0};
  fmrt::PhiloxCounter w0 = fmrt::philox4x32(c0, key);
  fmrt::PhiloxCounter w1 = fmrt::philox4x32(c1, key);
  EXPECT_EQ(stream.block(offset), w0);
  EXPECT_EQ(stream.block(offset + 1), w1);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(uniforms[i], fmrt::uniformFromWord(w0[i]));
    EXPECT_EQ(uniforms[4 + i], fmrt::uniformFromWord(w1[i]));
  }

  float normals[8];
  stream.fillNormal(normals, 8, offset);
  const fmrt::PhiloxCounter *words[2] = {&w0, &w1};
  for (int b = 0; b < 2; ++b) {
    const fmrt::PhiloxCounter &w = *words[b];
    std::array<float, 2> z01 = fmrt::normalPairFromWords(w[0], w[1]);
    std::array<float, 2> z23 = fmrt::normalPairFromWords(w[2], w[3]);
    EXPECT_EQ(normals[4 * b + 0], z01[0]);
    EXPECT_EQ(normals[4 * b + 1], z01[1]);
    EXPECT_EQ(normals[4 * b + 2], z23[0]);
    EXPECT_EQ(normals[4 * b + 3], z23[1]);
  }
}

TEST(PhiloxStreamTest, BlocksFor) {
  EXPECT_EQ(PhiloxStream::blocksFor(-3), 0u);
  EXPECT_EQ(PhiloxStream::blocksFor(0), 0u);
  EXPECT_EQ(PhiloxStream::blocksFor(1), 1u);
  EXPECT_EQ(PhiloxStream::blocksFor(4), 1u);
  EXPECT_EQ(PhiloxStream::blocksFor(5), 2u);
  EXPECT_EQ(PhiloxStream::blocksFor(1000001), 250001u);
}

TEST(PhiloxStreamTest, ShortDrawsArePrefixes) {
  PhiloxStream stream(2024, 1);
  float fullNormal[12], fullUniform[12];
  stream.fillNormal(fullNormal, 12, 40);
  stream.fillUniform(fullUniform, 12, 40);
  for (int n = 0; n <= 12; ++n) {
    float normal[12], uniform[12];
    std::fill(normal, normal + 12, -99.0f);
    std::fill(uniform, uniform + 12, -99.0f);
    stream.fillNormal(normal, n, 40);
    stream.fillUniform(uniform, n, 40);
    for (int i = 0; i < 12; ++i) {
      // The first n are the prefix; nothing past n is written.
      EXPECT_EQ(normal[i], i < n ? fullNormal[i] : -99.0f) << n << " " << i;
      EXPECT_EQ(uniform[i], i < n ? fullUniform[i] : -99.0f) << n << " " << i;
    }
  }
  // The brief's example: 7 normals are the first 7 of 8.
  float seven[7], eight[8];
  stream.fillNormal(seven, 7, 3);
  stream.fillNormal(eight, 8, 3);
  for (int i = 0; i < 7; ++i)
    EXPECT_EQ(floatBits(seven[i]), floatBits(eight[i]));
}

TEST(PhiloxStreamTest, AdvancingTheOffsetNeverReusesACounter) {
  // Draws of 4k values at offsets advanced by blocksFor(n) concatenate to a
  // single draw.
  PhiloxStream stream(5, 0);
  std::vector<float> whole(64), parts(64);
  stream.fillUniform(whole.data(), 64, 100);
  uint64_t offset = 100;
  int64_t at = 0;
  for (int64_t n : {8, 4, 20, 32}) {
    stream.fillUniform(parts.data() + at, n, offset);
    offset += PhiloxStream::blocksFor(n);
    at += n;
  }
  EXPECT_EQ(parts, whole);
}

TEST(PhiloxStreamTest, DeterministicAndDistinct) {
  const int64_t n = 4096;
  auto draw = [&](uint64_t seed, uint32_t streamId, uint64_t offset) {
    std::vector<float> out(n);
    PhiloxStream(seed, streamId).fillNormal(out.data(), n, offset);
    return out;
  };
  std::vector<float> base = draw(42, 0, 0);
  EXPECT_EQ(draw(42, 0, 0), base);
  // Changing the seed's low or high word, the stream or the offset gives
  // unrelated values: equal floats at the same index are then chance
  // coincidences, rare among 4096 continuous values.
  for (const std::vector<float> &other :
       {draw(43, 0, 0), draw(42 + (uint64_t(1) << 32), 0, 0), draw(42, 1, 0),
        draw(42, 0, 1), draw(42, 0, uint64_t(1) << 32)}) {
    int equal = 0;
    for (int64_t i = 0; i < n; ++i)
      equal += other[i] == base[i];
    EXPECT_LT(equal, 5);
  }
}

TEST(PhiloxStreamTest, UniformStatistics) {
  const int64_t n = 1000000;
  std::vector<float> u(n);
  PhiloxStream(123456789, 2).fillUniform(u.data(), n, 0);
  double sum = 0, sumSq = 0;
  for (float x : u) {
    ASSERT_GE(x, 0.0f);
    ASSERT_LT(x, 1.0f);
    sum += x;
    sumSq += static_cast<double>(x) * x;
  }
  double mean = sum / n;
  double var = sumSq / n - mean * mean;
  // U[0,1): mean 1/2 with standard error sqrt(1/12/n) = 2.9e-4; variance
  // 1/12 with standard error sqrt((μ4 − σ⁴)/n) = sqrt((1/80 − 1/144)/n)
  // = 7.5e-5. (The 24-bit grid shifts the mean by 2^-25, negligible.)
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(var, 1.0 / 12, 5 * std::sqrt((1.0 / 80 - 1.0 / 144) / n));
}

TEST(PhiloxStreamTest, NormalStatistics) {
  const int64_t n = 1000000;
  std::vector<float> z(n);
  PhiloxStream(987654321, 5).fillNormal(z.data(), n, 17);
  double sum = 0, sumSq = 0, pairProduct = 0;
  int64_t within1 = 0;
  // Box–Muller with u1 ≥ 2^-24 bounds every value by sqrt(-2 ln 2^-24).
  const double bound = std::sqrt(-2.0 * std::log(0x1p-24)) + 1e-5;
  for (int64_t i = 0; i < n; ++i) {
    double x = z[i];
    ASSERT_LE(std::abs(x), bound);
    sum += x;
    sumSq += x * x;
    within1 += std::abs(x) < 1.0;
    if (i % 2 == 0)
      pairProduct += x * z[i + 1];
  }
  double mean = sum / n;
  double var = sumSq / n - mean * mean;
  double fraction = static_cast<double>(within1) / n;
  // N(0,1): the mean has standard error 1/sqrt(n) = 1e-3; the variance
  // sqrt(2/n) = 1.4e-3 (μ4 = 3); P(|z| < 1) = erf(1/√2) = 0.682689 with
  // standard error sqrt(p(1−p)/n) = 4.7e-4.
  EXPECT_NEAR(mean, 0.0, 5 / std::sqrt(double(n)));
  EXPECT_NEAR(var, 1.0, 5 * std::sqrt(2.0 / n));
  double p = std::erf(1 / std::sqrt(2.0));
  EXPECT_NEAR(fraction, p, 5 * std::sqrt(p * (1 - p) / n));
  // The two values of a Box–Muller pair are independent: E[z0·z1] = 0 with
  // standard error 1/sqrt(n/2).
  EXPECT_NEAR(pairProduct / (n / 2), 0.0, 5 / std::sqrt(n / 2.0));
}

} // namespace
