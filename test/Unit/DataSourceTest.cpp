//===- DataSourceTest.cpp - Training batches of any type and shape --------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/DataSource.h"

#include "fm/Runtime/Datasets.h"
#include "fm/Runtime/Random.h"

#include "TempDir.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <vector>

using namespace fmrt;

namespace {

/// A version 1.0 .npy file of `descr` and `shape` holding `values`.
template <typename T>
std::string npyBytes(const std::string &descr, const std::string &shape,
                     const std::vector<T> &values) {
  std::string header = "{'descr': '" + descr +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  header.append(63 - (10 + header.size()) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY\x01";
  bytes += '\0';
  bytes += char(header.size() & 0xff);
  bytes += char(header.size() >> 8);
  std::string data(values.size() * sizeof(T), '\0');
  if (!values.empty())
    std::memcpy(data.data(), values.data(), data.size());
  return bytes + header + data;
}

class DataSourceTest : public fmtest::TempDirTest {
protected:
  DataSourceTest() : TempDirTest("fm-data-source-test") {}

  /// The message of a source that cannot be made, or "<made>".
  std::string failure(llvm::StringRef name, const BatchSpec &spec) {
    auto source = DataSource::create(name, 0, spec);
    return source ? std::string("<made>") : toString(source.takeError());
  }
};

} // namespace

/// A built-in dataset's batches are the dataset's own draws from stream
/// 1000 of the seed, in sequence; an f64 batch gets the same points.
TEST_F(DataSourceTest, BuiltinBatchesFollowTheStream) {
  BatchSpec f32{ElementType::F32, {8, 2}}, f64{ElementType::F64, {8, 2}};
  auto a = DataSource::create("moons", 5, f32);
  auto b = DataSource::create("moons", 5, f64);
  ASSERT_TRUE(static_cast<bool>(a)) << toString(a.takeError());
  ASSERT_TRUE(static_cast<bool>(b)) << toString(b.takeError());
  std::vector<float> want(32), got(16);
  std::vector<double> wide(16);
  uint64_t used = sampleDataset(Dataset::Moons, defaultNoise(Dataset::Moons),
                                PhiloxStream(5, 1000), 0, want.data(), 8);
  sampleDataset(Dataset::Moons, defaultNoise(Dataset::Moons),
                PhiloxStream(5, 1000), used, want.data() + 16, 8);
  for (int batch = 0; batch < 2; ++batch) {
    (*a)->fill(got.data());
    (*b)->fill(wide.data());
    for (int i = 0; i < 16; ++i) {
      EXPECT_EQ(got[i], want[16 * batch + i]) << "batch " << batch << " " << i;
      EXPECT_EQ(wide[i], static_cast<double>(want[16 * batch + i])) << i;
    }
  }
}

/// A token dataset fills i64 and i32 batches with the same draws from
/// stream 1000 of the seed; it fits integer batches of its width alone.
TEST_F(DataSourceTest, TokenBatchesFollowTheStream) {
  BatchSpec i64{ElementType::I64, {6, 2}}, i32{ElementType::I32, {6, 2}};
  auto a = DataSource::create("checkerboard-tokens", 4, i64);
  auto b = DataSource::create("checkerboard-tokens", 4, i32);
  ASSERT_TRUE(static_cast<bool>(a)) << toString(a.takeError());
  ASSERT_TRUE(static_cast<bool>(b)) << toString(b.takeError());
  std::vector<int64_t> want(24), got(12);
  std::vector<int32_t> narrow(12);
  uint64_t used = sampleTokenDataset(TokenDataset::CheckerboardTokens,
                                     PhiloxStream(4, 1000), 0, want.data(), 6);
  sampleTokenDataset(TokenDataset::CheckerboardTokens, PhiloxStream(4, 1000),
                     used, want.data() + 12, 6);
  for (int batch = 0; batch < 2; ++batch) {
    (*a)->fill(got.data());
    (*b)->fill(narrow.data());
    for (int i = 0; i < 12; ++i) {
      EXPECT_EQ(got[i], want[12 * batch + i]) << "batch " << batch << " " << i;
      EXPECT_EQ(narrow[i], want[12 * batch + i]) << "batch " << batch;
    }
  }
  const char *tokens = "dataset 'checkerboard-tokens' is rows of 2 integer "
                       "tokens in [0, 128), and the program's batch is ";
  EXPECT_EQ(failure("checkerboard-tokens", BatchSpec{ElementType::F32, {4, 2}}),
            std::string(tokens) + "tensor<4x2xf32>");
  EXPECT_EQ(failure("checkerboard-tokens", BatchSpec{ElementType::I64, {4, 3}}),
            std::string(tokens) + "tensor<4x3xi64>");
}

/// Rows of a file come whole, with the batch's trailing shape or flattened,
/// in the batch's element type.
TEST_F(DataSourceTest, FileRowsOfAnyShapeAndType) {
  // Four rows of [2, 3]; row r holds 10r .. 10r + 5.
  std::vector<float> values;
  for (int r = 0; r < 4; ++r)
    for (int k = 0; k < 6; ++k)
      values.push_back(10.0f * r + k);
  std::vector<double> wide(values.begin(), values.end());
  std::vector<int64_t> tokens;
  for (float v : values)
    tokens.push_back(static_cast<int64_t>(v));
  std::string shaped =
      writeBytes("shaped.npy", npyBytes("<f4", "(4, 2, 3)", values));
  std::string flat = writeBytes("flat.npy", npyBytes("<f8", "(4, 6)", wide));
  std::string ints =
      writeBytes("ints.npy", npyBytes("<i8", "(4, 2, 3)", tokens));

  auto checkRows = [](auto *batch, int rows) {
    for (int i = 0; i < rows; ++i) {
      auto first = batch[6 * i];
      int r = static_cast<int>(first) / 10;
      ASSERT_EQ(first, decltype(first)(10 * r)) << "row " << i;
      ASSERT_TRUE(r >= 0 && r < 4) << first;
      for (int k = 0; k < 6; ++k)
        EXPECT_EQ(batch[6 * i + k], decltype(first)(10 * r + k))
            << "row " << i << " element " << k;
    }
  };
  BatchSpec f32{ElementType::F32, {16, 2, 3}};
  for (const std::string &file : {shaped, flat}) {
    auto source = DataSource::create(file, 1, f32);
    ASSERT_TRUE(static_cast<bool>(source)) << toString(source.takeError());
    std::vector<float> batch(96);
    (*source)->fill(batch.data());
    checkRows(batch.data(), 16);
  }
  for (ElementType element : {ElementType::I32, ElementType::I64}) {
    BatchSpec spec{element, {16, 2, 3}};
    auto source = DataSource::create(ints, 1, spec);
    ASSERT_TRUE(static_cast<bool>(source)) << toString(source.takeError());
    if (element == ElementType::I32) {
      std::vector<int32_t> batch(96);
      (*source)->fill(batch.data());
      checkRows(batch.data(), 16);
    } else {
      std::vector<int64_t> batch(96);
      (*source)->fill(batch.data());
      checkRows(batch.data(), 16);
    }
  }
  // Each batch input draws from its own stream.
  auto zero = DataSource::create(shaped, 1, f32, 0);
  auto one = DataSource::create(shaped, 1, f32, 1);
  ASSERT_TRUE(zero && one);
  std::vector<float> x(96), y(96);
  (*zero)->fill(x.data());
  (*one)->fill(y.data());
  EXPECT_NE(x, y);
}

TEST_F(DataSourceTest, ExplainsDataThatDoesNotFit) {
  std::string floats =
      writeBytes("floats.npy", npyBytes<float>("<f4", "(2, 2)", {1, 2, 3, 4}));
  std::string nan =
      writeBytes("nan.npy", npyBytes<float>("<f4", "(2, 2)", {1, 2, 3, NAN}));
  std::string big =
      writeBytes("big.npy", npyBytes<double>("<f8", "(1, 2)", {1, 1e300}));
  std::string wide = writeBytes(
      "wide.npy", npyBytes<int64_t>("<i8", "(1, 2)", {1, int64_t(1) << 40}));
  std::string empty =
      writeBytes("empty.npy", npyBytes<float>("<f4", "(0, 2)", {}));
  BatchSpec f32{ElementType::F32, {4, 2}}, i32{ElementType::I32, {4, 2}};

  EXPECT_EQ(failure(floats, i32),
            "'" + floats +
                "' holds float32 values, and the program's batch is "
                "tensor<4x2xi32>");
  EXPECT_EQ(failure(wide, f32), "'" + wide +
                                    "' holds int64 values, and the program's "
                                    "batch is tensor<4x2xf32>");
  EXPECT_EQ(failure(nan, f32),
            "'" + nan + "': the value at row 1, element 1 is NaN");
  EXPECT_EQ(failure(big, f32), "'" + big +
                                   "': the value 1.000000e+300 at row 0, "
                                   "element 1 overflows float32");
  EXPECT_EQ(failure(wide, i32), "'" + wide +
                                    "': the value 1099511627776 at row 0, "
                                    "element 1 does not fit the batch's i32");
  EXPECT_EQ(failure(floats, BatchSpec{ElementType::F32, {4, 3}}),
            "'" + floats +
                "' is [2, 2] float32, and a row of the program's batch "
                "tensor<4x3xf32> has 3 values");
  EXPECT_EQ(failure(empty, f32), "'" + empty + "' has no rows");
  EXPECT_EQ(failure("moons", i32), "dataset 'moons' is 2-D float points, and "
                                   "the program's batch is tensor<4x2xi32>");
  EXPECT_EQ(failure("moons", BatchSpec{ElementType::F32, {4, 3}}),
            "dataset 'moons' is 2-D float points, and the program's batch is "
            "tensor<4x3xf32>");
  EXPECT_EQ(
      failure("swirls", f32),
      "unknown dataset 'swirls' (expected moons, 8gaussians, "
      "checkerboard, circles, spirals, checkerboard-tokens, or a .npy file)");
  EXPECT_NE(failure(path("missing.npy"), f32).find("cannot open"),
            std::string::npos);
}

/// A discrete flow's batch takes tokens of its vocabulary only: a file's
/// token outside [0, V), negative ones included, and a dataset of a larger
/// vocabulary are errors; tokens inside it load.
TEST_F(DataSourceTest, TokensMustLieInTheVocabulary) {
  std::string inside = writeBytes(
      "inside.npy", npyBytes<int64_t>("<i8", "(2, 2)", {0, 3, 127, 5}));
  std::string above = writeBytes(
      "above.npy", npyBytes<int64_t>("<i8", "(2, 2)", {0, 3, 128, 5}));
  std::string negative = writeBytes(
      "negative.npy", npyBytes<int32_t>("<i4", "(2, 2)", {0, -1, 1, 5}));
  BatchSpec tokens{ElementType::I64, {4, 2}, 128};
  BatchSpec narrow{ElementType::I32, {4, 2}, 128};
  EXPECT_EQ(failure(inside, tokens), "<made>");
  EXPECT_EQ(failure(above, tokens), "'" + above +
                                        "': the token 128 at row 1, element "
                                        "0 is outside the program's "
                                        "vocabulary [0, 128)");
  EXPECT_EQ(failure(negative, narrow), "'" + negative +
                                           "': the token -1 at row 0, "
                                           "element 1 is outside the "
                                           "program's vocabulary [0, 128)");
  EXPECT_EQ(failure("checkerboard-tokens", tokens), "<made>");
  EXPECT_EQ(
      failure("checkerboard-tokens", BatchSpec{ElementType::I64, {4, 2}, 64}),
      "dataset 'checkerboard-tokens' has tokens in [0, 128), more than "
      "the program's vocabulary [0, 64)");
}
