//===- NpyTest.cpp - NumPy .npy reading and writing -----------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Every fixture is built byte by byte in the test, so no Python is needed.
// The expected bytes of writeNpy are those numpy.save writes (checked
// against numpy 1.24 when the test was written); the layout is described in
// numpy/lib/format.py.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Npy.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "TempDir.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

using fmrt::NpyArray;

namespace {

/// The bytes of `values` as little-endian float32 / float64 (the test
/// machine is little-endian, as the .npy dtypes here are).
std::string f4(const std::vector<float> &values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}
std::string f8(const std::vector<double> &values) {
  std::string bytes(values.size() * 8, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

/// A .npy file: magic, version, header length (2 bytes for major 1, else
/// 4), `dict` padded with spaces and a newline to a multiple of 64 bytes,
/// then `data`.
std::string npy(const std::string &dict, const std::string &data, int major = 1,
                int minor = 0) {
  size_t lengthBytes = major == 1 ? 2 : 4;
  size_t prefix = 8 + lengthBytes;
  std::string header = dict;
  header.append(63 - (prefix + header.size()) % 64, ' ');
  header += '\n';
  std::string bytes = "\x93NUMPY";
  bytes += char(major);
  bytes += char(minor);
  for (size_t i = 0; i < lengthBytes; ++i)
    bytes += char((header.size() >> (8 * i)) & 0xff);
  return bytes + header + data;
}

std::string dictFor(const std::string &descr, const std::string &shape,
                    const std::string &fortran = "False") {
  return "{'descr': '" + descr + "', 'fortran_order': " + fortran +
         ", 'shape': " + shape + ", }";
}

class NpyTest : public fmtest::TempDirTest {
protected:
  NpyTest() : TempDirTest("fm-npy-test") {}

  NpyArray read(llvm::StringRef bytes) {
    fmrt::StatusOr<NpyArray> array = fmrt::readNpy(writeBytes("in.npy", bytes));
    if (!array.ok()) {
      ADD_FAILURE() << array.status().message();
      return {};
    }
    return std::move(*array);
  }

  /// Expects reading a file of `bytes` to fail with a message that names
  /// the file and contains `problem`.
  void expectError(llvm::StringRef bytes, llvm::StringRef problem) {
    std::string p = writeBytes("bad.npy", bytes);
    expectErrorAt(p, problem);
  }
  void expectErrorAt(const std::string &p, llvm::StringRef problem) {
    fmrt::StatusOr<NpyArray> array = fmrt::readNpy(p);
    ASSERT_FALSE(array.ok())
        << "accepted a bad file, expected: " << problem.str();
    std::string message = array.status().message();
    EXPECT_NE(message.find("npy file '" + p + "': "), std::string::npos)
        << message;
    EXPECT_NE(message.find(problem.str()), std::string::npos) << message;
  }
};

//===----------------------------------------------------------------------===//
// Writing and round trips
//===----------------------------------------------------------------------===//

TEST_F(NpyTest, WritesExactlyWhatNumpySaveWrites) {
  // np.save(f, np.array([[0, 1], [2, 3], [4, 5]], np.float32)): a 118-byte
  // header (a 59-byte dict, 21 − len("3") = 20 spaces of room for the
  // growth axis, 38 spaces to align the data at 128, a newline), then the
  // data.
  const float data[] = {0, 1, 2, 3, 4, 5};
  std::string p = path("numpy.npy");
  ASSERT_TRUE(fmrt::writeNpy(p, data, 3, 2).ok());
  std::string expected = std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
                         "{'descr': '<f4', 'fortran_order': False, "
                         "'shape': (3, 2), }" +
                         std::string(20, ' ') + std::string(38, ' ') + "\n" +
                         f4({0, 1, 2, 3, 4, 5});
  EXPECT_EQ(readBytes(p), expected);
}

TEST_F(NpyTest, RoundTrip) {
  for (auto [rows, cols] : {std::pair<int64_t, int64_t>(3, 2),
                            {1, 1},
                            {1000, 3},
                            {0, 2},
                            {4, 0},
                            {123456, 2}}) {
    std::vector<float> data(rows * cols);
    for (size_t i = 0; i < data.size(); ++i)
      data[i] = std::sin(0.37f * float(i)) * 1e3f - float(i);
    std::string p = path("round.npy");
    ASSERT_TRUE(fmrt::writeNpy(p, data.data(), rows, cols).ok());
    // The data always starts at a multiple of 64 bytes.
    std::string bytes = readBytes(p);
    EXPECT_EQ((bytes.size() - data.size() * 4) % 64, 0u);
    fmrt::StatusOr<NpyArray> array = fmrt::readNpy(p);
    ASSERT_TRUE(array.ok()) << array.status().message();
    EXPECT_EQ(array->rows, rows);
    EXPECT_EQ(array->cols, cols);
    EXPECT_EQ(array->data, data);
  }
}

/// int64 tokens: numpy.save's bytes for np.int64 (the header differs from
/// the float one in its descr alone), read back exactly, extremes included.
TEST_F(NpyTest, WritesInt64LikeNumpySave) {
  const int64_t data[] = {0,
                          -1,
                          127,
                          int64_t(1) << 40,
                          std::numeric_limits<int64_t>::min(),
                          std::numeric_limits<int64_t>::max()};
  std::string p = path("tokens.npy");
  ASSERT_TRUE(fmrt::writeNpyInt64(p, data, 3, 2).ok());
  std::string bytes = readBytes(p);
  std::string header = std::string("\x93NUMPY\x01\x00\x76\x00", 10) +
                       "{'descr': '<i8', 'fortran_order': False, "
                       "'shape': (3, 2), }" +
                       std::string(20, ' ') + std::string(38, ' ') + "\n";
  EXPECT_EQ(bytes.substr(0, header.size()), header);
  EXPECT_EQ(bytes.size(), header.size() + sizeof(data));
  fmrt::StatusOr<fmrt::NpyTensor> back = fmrt::readNpyTensor(p);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->dtype, fmrt::ElementType::I64);
  EXPECT_EQ(back->shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(back->ints, std::vector<int64_t>(std::begin(data), std::end(data)));
  EXPECT_FALSE(fmrt::writeNpyInt64(path("bad.npy"), nullptr, 2, 2).ok());
  EXPECT_FALSE(fmrt::writeNpyInt64(path("bad.npy"), data, -1, 2).ok());
}

/// Streamed in chunks of any size, an array's file holds the bytes
/// writeNpy and writeNpyInt64 write for it, and npyFileBytes says how many;
/// a producer that fails, gives too few or too many rows, or a non-finite
/// float leaves an existing file as it was.
TEST_F(NpyTest, StreamedWritesEqualWholeWrites) {
  std::vector<float> floats(7 * 3);
  for (size_t i = 0; i < floats.size(); ++i)
    floats[i] = 0.25f * static_cast<float>(i) - 2.0f;
  std::vector<int64_t> ints(7 * 3);
  for (size_t i = 0; i < ints.size(); ++i)
    ints[i] = static_cast<int64_t>(i * i) - 5;
  ASSERT_TRUE(fmrt::writeNpy(path("f.npy"), floats.data(), 7, 3).ok());
  ASSERT_TRUE(fmrt::writeNpyInt64(path("i.npy"), ints.data(), 7, 3).ok());
  auto inChunks = [](const void *data, size_t size) {
    return [=](const fmrt::NpyRowSink &write) {
      const char *bytes = static_cast<const char *>(data);
      for (int64_t first = 0, rows = 1; first < 7; first += rows, ++rows) {
        rows = std::min<int64_t>(rows, 7 - first);
        if (fmrt::Status s = write(bytes + first * 3 * size, rows); !s.ok())
          return s;
      }
      return fmrt::Status::success();
    };
  };
  ASSERT_TRUE(fmrt::writeNpyStreamed(path("fs.npy"), fmrt::ElementType::F32, 7,
                                     3, inChunks(floats.data(), 4))
                  .ok());
  ASSERT_TRUE(fmrt::writeNpyStreamed(path("is.npy"), fmrt::ElementType::I64, 7,
                                     3, inChunks(ints.data(), 8))
                  .ok());
  EXPECT_EQ(readBytes(path("fs.npy")), readBytes(path("f.npy")));
  EXPECT_EQ(readBytes(path("is.npy")), readBytes(path("i.npy")));
  EXPECT_EQ(fmrt::npyFileBytes(fmrt::ElementType::F32, 7, 3),
            static_cast<int64_t>(readBytes(path("f.npy")).size()));
  EXPECT_EQ(fmrt::npyFileBytes(fmrt::ElementType::I64, 7, 3),
            static_cast<int64_t>(readBytes(path("i.npy")).size()));
  EXPECT_EQ(fmrt::npyFileBytes(fmrt::ElementType::F32, int64_t(1) << 62, 2),
            -1);

  std::string kept = writeBytes("kept.npy", "old contents");
  auto fails = [&](fmrt::ElementType element, int64_t rows,
                   const std::function<fmrt::Status(const fmrt::NpyRowSink &)>
                       &produce) {
    fmrt::Status status =
        fmrt::writeNpyStreamed(kept, element, rows, 3, produce);
    EXPECT_EQ(readBytes(kept), "old contents");
    return status.ok() ? std::string("<written>") : status.message();
  };
  EXPECT_EQ(fails(fmrt::ElementType::F32, 8, inChunks(floats.data(), 4)),
            "cannot write '" + kept + "': 7 rows for an array of 8");
  EXPECT_EQ(fails(fmrt::ElementType::F32, 6, inChunks(floats.data(), 4)),
            "cannot write '" + kept + "': 7 rows for an array of 6");
  EXPECT_EQ(fails(fmrt::ElementType::F32, 7,
                  [](const fmrt::NpyRowSink &) {
                    return fmrt::Status::error("the sampler failed");
                  }),
            "cannot write '" + kept + "': the sampler failed");
  floats[10] = std::nanf("");
  EXPECT_NE(
      fails(fmrt::ElementType::F32, 7, inChunks(floats.data(), 4)).find("NaN"),
      std::string::npos);
  EXPECT_EQ(fails(fmrt::ElementType::F64, 7, inChunks(floats.data(), 4)),
            "cannot write '" + kept +
                "': only float32 and int64 arrays are written");
}

TEST_F(NpyTest, WriteReplacesAnExistingFile) {
  std::string p = writeBytes("old.npy", "old contents");
  const float data[] = {1.5f, -2.5f};
  ASSERT_TRUE(fmrt::writeNpy(p, data, 1, 2).ok());
  fmrt::StatusOr<NpyArray> array = fmrt::readNpy(p);
  ASSERT_TRUE(array.ok()) << array.status().message();
  EXPECT_EQ(array->data, std::vector<float>({1.5f, -2.5f}));
}

TEST_F(NpyTest, WriteErrors) {
  const float good[] = {1, 2, 3, 4};
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const float withNaN[] = {1, 2, 3, nan};
  const float withInf[] = {1, -inf, 3, 4};
  std::string existing = writeBytes("keep.npy", "precious");
  struct Case {
    std::string path;
    const float *data;
    int64_t rows, cols;
    std::string problem;
  };
  Case cases[] = {
      {existing, good, -1, 2, "negative shape [-1, 2]"},
      {existing, good, 2, -3, "negative shape [2, -3]"},
      {existing, nullptr, 2, 2, "no data"},
      {existing, good, int64_t(1) << 40, int64_t(1) << 40, "shape too large"},
      {existing, withNaN, 2, 2, "value at row 1, column 1 is NaN"},
      {existing, withInf, 2, 2, "value at row 0, column 1 is -inf"},
      {path("missing-dir/out.npy"), good, 2, 2,
       "cannot create a temporary file"},
  };
  for (const Case &c : cases) {
    fmrt::Status status = fmrt::writeNpy(c.path, c.data, c.rows, c.cols);
    ASSERT_FALSE(status.ok()) << c.problem;
    std::string message = status.message();
    EXPECT_NE(message.find("cannot write '" + c.path + "': "),
              std::string::npos)
        << message;
    EXPECT_NE(message.find(c.problem), std::string::npos) << message;
  }
  // Nothing touched the existing file.
  EXPECT_EQ(readBytes(existing), "precious");
}

//===----------------------------------------------------------------------===//
// Reading valid files
//===----------------------------------------------------------------------===//

TEST_F(NpyTest, ReadsVersions1To3) {
  std::string data = f4({1, 2, 3, 4, 5, 6});
  for (int major : {1, 2, 3}) {
    NpyArray a = read(npy(dictFor("<f4", "(2, 3)"), data, major));
    EXPECT_EQ(a.rows, 2);
    EXPECT_EQ(a.cols, 3);
    EXPECT_EQ(a.data, std::vector<float>({1, 2, 3, 4, 5, 6})) << major;
  }
}

TEST_F(NpyTest, ReadsFloat64) {
  // Rounded to the nearest float32; values below float32's range become
  // subnormals or zero; float32's largest value survives.
  std::vector<double> values = {0.1,   -2.5,  1.0 / 3,
                                1e-50, 1e-40, 3.4028234663852886e38};
  NpyArray a = read(npy(dictFor("<f8", "(3, 2)"), f8(values)));
  ASSERT_EQ(a.data.size(), values.size());
  for (size_t i = 0; i < values.size(); ++i)
    EXPECT_EQ(a.data[i], static_cast<float>(values[i])) << i;
  EXPECT_EQ(a.data[3], 0.0f);
  EXPECT_EQ(a.data[5], std::numeric_limits<float>::max());
}

TEST_F(NpyTest, ReadsOneDimensionalAsAColumn) {
  NpyArray a = read(npy(dictFor("<f4", "(3,)"), f4({7, 8, 9})));
  EXPECT_EQ(a.rows, 3);
  EXPECT_EQ(a.cols, 1);
  EXPECT_EQ(a.data, std::vector<float>({7, 8, 9}));
}

TEST_F(NpyTest, ReadsEmptyArrays) {
  NpyArray a = read(npy(dictFor("<f4", "(0, 5)"), ""));
  EXPECT_EQ(a.rows, 0);
  EXPECT_EQ(a.cols, 5);
  EXPECT_TRUE(a.data.empty());
}

TEST_F(NpyTest, AcceptsOtherSpellingsOfTheHeader) {
  // Any key order, double quotes, no trailing comma, no spaces, no padding,
  // a trailing comma in the shape.
  const char *dicts[] = {
      "{'shape': (2, 1), 'fortran_order': False, 'descr': '<f4'}",
      "{\"descr\":\"<f4\",\"fortran_order\":False,\"shape\":(2,1)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1,), }",
      "  {  'descr'  :  '<f4'  ,\t'fortran_order':False,'shape':( 2 , 1 )}  ",
  };
  for (const char *dict : dicts) {
    NpyArray a = read(npy(dict, f4({1, 2})));
    EXPECT_EQ(a.rows, 2) << dict;
    EXPECT_EQ(a.cols, 1) << dict;
  }
  // An unpadded header (the length says where the data starts).
  std::string dict = dictFor("<f4", "(1, 1)");
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += char(dict.size());
  bytes += '\0';
  NpyArray a = read(bytes + dict + f4({42}));
  EXPECT_EQ(a.data, std::vector<float>({42}));
}

//===----------------------------------------------------------------------===//
// Rejected files, one test per problem
//===----------------------------------------------------------------------===//

TEST_F(NpyTest, MissingFile) {
  expectErrorAt(path("nope.npy"), "cannot open: No such file or directory");
}

TEST_F(NpyTest, DirectoryInsteadOfFile) {
  expectErrorAt(std::string(dir), "cannot open");
}

TEST_F(NpyTest, BadMagic) {
  std::string good = npy(dictFor("<f4", "(1, 1)"), f4({1}));
  expectError("", "bad magic string");
  expectError("\x93NUM", "bad magic string");
  expectError("PK\x03\x04 this is a zip file", "bad magic string");
  std::string bad = good;
  bad[1] = 'n';
  expectError(bad, "bad magic string");
}

TEST_F(NpyTest, UnsupportedVersion) {
  std::string data = f4({1});
  expectError(npy(dictFor("<f4", "(1, 1)"), data, 4, 0),
              "unsupported format version 4.0");
  expectError(npy(dictFor("<f4", "(1, 1)"), data, 1, 1),
              "unsupported format version 1.1");
  expectError(npy(dictFor("<f4", "(1, 1)"), data, 0, 0),
              "unsupported format version 0.0");
}

TEST_F(NpyTest, TruncatedHeader) {
  expectError(std::string("\x93NUMPY\x01", 7), "no format version");
  expectError(std::string("\x93NUMPY\x01\x00\x10", 9), "no header length");
  expectError(std::string("\x93NUMPY\x02\x00\x10\x00\x00", 11),
              "no header length");
  std::string good = npy(dictFor("<f4", "(1, 1)"), "");
  expectError(good.substr(0, 50),
              "truncated header: header length 118 exceeds the 40 bytes");
  // A version 2.0 length of 4 GiB − 1.
  expectError(std::string("\x93NUMPY\x02\x00\xff\xff\xff\xff{}", 14),
              "header length 4294967295 exceeds");
}

TEST_F(NpyTest, MalformedHeaderDict) {
  std::string data = f4({1, 2});
  struct Case {
    std::string dict;
    std::string problem;
  };
  Case cases[] = {
      {"", "expected '{'"},
      {"[1, 2]", "expected '{'"},
      {"{'descr' '<f4'}", "expected ':' after key 'descr'"},
      {"{descr: '<f4'}", "expected a quoted string"},
      {"{'descr: '<f4'}", "expected ':' after key 'descr: '"},
      {"{'descr': '<f4", "unterminated string"},
      {"{'descr': '<\\x66\\x34'}", "escape sequences in strings are not"},
      {"{'descr': '<f4' 'shape': (2,)}", "expected ',' or '}'"},
      {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), 'x': 1}",
       "unexpected key 'x'"},
      {"{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, "
       "'shape': (2, 1)}",
       "key 'descr' appears twice"},
      {"{'descr': '<f4', 'fortran_order': False}", "no 'shape' key"},
      {"{'shape': (2, 1), 'fortran_order': False}", "no 'descr' key"},
      {"{'descr': '<f4', 'shape': (2, 1)}", "no 'fortran_order' key"},
      {"{}", "no 'descr' key"},
      {dictFor("<f4", "(2, 1)", "false"), "'fortran_order' is not True or"},
      {dictFor("<f4", "(2, 1)", "Falsey"), "'fortran_order' is not True or"},
      {dictFor("<f4", "(2, 1)", "0"), "'fortran_order' is not True or"},
      {"{'descr': 4, 'fortran_order': False, 'shape': (2, 1)}",
       "'descr' is not a string"},
      {dictFor("<f4", "[2, 1]"), "'shape' is not a tuple"},
      {dictFor("<f4", "(2)"), "'shape' is not a tuple"},
      {dictFor("<f4", "(2, -1)"), "'shape' has a negative dimension"},
      {dictFor("<f4", "(2, 1.0)"), "expected ',' or ')' in 'shape'"},
      {dictFor("<f4", "(2, x)"), "'shape' is not a tuple of integers"},
      {dictFor("<f4", "(2, 99999999999999999999)"),
       "a dimension of 'shape' is too large"},
      {dictFor("<f4", "(2, 1)") + " junk", "unexpected text after the header"},
      {dictFor("<f4", "(2, 1)") + "}", "unexpected text after the header"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.dict);
    expectError(npy(c.dict, data), "malformed header");
    expectError(npy(c.dict, data), c.problem);
  }
}

TEST_F(NpyTest, OtherDtypes) {
  for (const char *descr : {"<f2", ">f4", ">f8", "<i4", "<i8", "|u1", "|b1",
                            "<c8", "|O", "f4", "float32", "<U3"})
    expectError(npy(dictFor(descr, "(2, 1)"), f4({1, 2})),
                "unsupported dtype '" + std::string(descr) +
                    "' (supported: '<f4' and '<f8')");
  expectError(npy("{'descr': [('x', '<f4'), ('y', '<f4')], "
                  "'fortran_order': False, 'shape': (2,)}",
                  f4({1, 2, 3, 4})),
              "structured dtypes");
}

TEST_F(NpyTest, FortranOrder) {
  expectError(npy(dictFor("<f4", "(2, 1)", "True"), f4({1, 2})),
              "fortran_order True is not supported");
}

TEST_F(NpyTest, NotTwoDimensional) {
  expectError(npy(dictFor("<f4", "()"), f4({1})), "shape () is not 2-D");
  expectError(npy(dictFor("<f4", "(2, 2, 1)"), f4({1, 2, 3, 4})),
              "shape (2, 2, 1) is not 2-D");
}

TEST_F(NpyTest, ShapeTooLarge) {
  expectError(npy(dictFor("<f4", "(4611686018427387904, 4)"), ""),
              "shape (4611686018427387904, 4) is too large");
  expectError(npy(dictFor("<f8", "(4611686018427387904, 1)"), ""),
              "is too large");
}

TEST_F(NpyTest, TruncatedData) {
  expectError(npy(dictFor("<f4", "(3, 2)"), f4({1, 2, 3, 4, 5})),
              "truncated data: shape (3, 2) needs 24 bytes, the file has 20");
  expectError(npy(dictFor("<f8", "(3, 2)"), f4({1, 2, 3, 4, 5, 6})),
              "truncated data: shape (3, 2) needs 48 bytes, the file has 24");
  expectError(npy(dictFor("<f4", "(1, 1)"), ""),
              "needs 4 bytes, the file has 0");
}

TEST_F(NpyTest, TrailingGarbage) {
  expectError(npy(dictFor("<f4", "(2, 1)"), f4({1, 2}) + "abc"),
              "trailing garbage: 3 bytes after the array data");
  expectError(npy(dictFor("<f4", "(0, 1)"), "\n"), "trailing garbage: 1 bytes");
}

TEST_F(NpyTest, Float64Overflow) {
  expectError(npy(dictFor("<f8", "(2, 2)"), f8({0, 1, 1e300, 3})),
              "at row 1, column 0 overflows float32");
  expectError(npy(dictFor("<f8", "(2, 2)"), f8({0, 1, 2, -3.5e38})),
              "float64 value -3.500000e+38 at row 1, column 1 overflows");
}

TEST_F(NpyTest, NonFiniteValues) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  expectError(npy(dictFor("<f4", "(3, 2)"), f4({0, 1, 2, 3, 4, nan})),
              "value at row 2, column 1 is NaN");
  expectError(npy(dictFor("<f4", "(3, 2)"), f4({0, inf, 2, 3, 4, nan})),
              "value at row 0, column 1 is inf");
  expectError(npy(dictFor("<f4", "(3,)"), f4({0, 1, -inf})),
              "value at row 2, column 0 is -inf");
  expectError(npy(dictFor("<f8", "(2, 2)"),
                  f8({0, 1, 2, std::numeric_limits<double>::quiet_NaN()})),
              "value at row 1, column 1 is NaN");
  expectError(npy(dictFor("<f8", "(2, 2)"),
                  f8({-std::numeric_limits<double>::infinity(), 1, 2, 3})),
              "value at row 0, column 0 is -inf");
}

} // namespace

//===----------------------------------------------------------------------===//
// Arrays of any rank and dtype (readNpyTensor)
//===----------------------------------------------------------------------===//

namespace {
template <typename T> std::string rawBytes(const std::vector<T> &values) {
  std::string bytes(values.size() * sizeof(T), '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}
} // namespace

TEST_F(NpyTest, TensorReadsEveryDtypeAndRank) {
  struct Case {
    std::string descr, shape, data;
    fmrt::ElementType dtype;
    std::vector<int64_t> wantShape;
  };
  std::vector<Case> cases = {
      {"<f4",
       "(2, 1, 3)",
       rawBytes<float>({1, 2, 3, 4, 5, -6.5f}),
       fmrt::ElementType::F32,
       {2, 1, 3}},
      {"<f8",
       "(3,)",
       rawBytes<double>({0.1, 1e300, -2}),
       fmrt::ElementType::F64,
       {3}},
      {"<i4",
       "(2, 2)",
       rawBytes<int32_t>({-7, 0, 127, 2147483647}),
       fmrt::ElementType::I32,
       {2, 2}},
      {"<i8",
       "()",
       rawBytes<int64_t>({-(int64_t(1) << 40)}),
       fmrt::ElementType::I64,
       {}},
  };
  for (const Case &c : cases) {
    std::string p = writeBytes("t.npy", npy(dictFor(c.descr, c.shape), c.data));
    fmrt::StatusOr<fmrt::NpyTensor> t = fmrt::readNpyTensor(p);
    ASSERT_TRUE(t.ok()) << c.descr << ": " << t.status().message();
    EXPECT_EQ(t->dtype, c.dtype) << c.descr;
    EXPECT_EQ(t->shape, c.wantShape) << c.descr;
    EXPECT_EQ(t->isFloat(), c.descr[1] == 'f') << c.descr;
  }
  // Values, exactly.
  std::string p =
      writeBytes("f.npy", npy(dictFor("<f4", "(2, 1, 3)"),
                              rawBytes<float>({1, 2, 3, 4, 5, -6.5f})));
  EXPECT_EQ(fmrt::readNpyTensor(p)->floats,
            (std::vector<double>{1, 2, 3, 4, 5, -6.5}));
  p = writeBytes("i.npy", npy(dictFor("<i4", "(2, 2)"),
                              rawBytes<int32_t>({-7, 0, 127, 2147483647})));
  EXPECT_EQ(fmrt::readNpyTensor(p)->ints,
            (std::vector<int64_t>{-7, 0, 127, 2147483647}));
  p = writeBytes("l.npy", npy(dictFor("<i8", "()"),
                              rawBytes<int64_t>({-(int64_t(1) << 40)})));
  EXPECT_EQ(fmrt::readNpyTensor(p)->ints,
            (std::vector<int64_t>{-(int64_t(1) << 40)}));
}

TEST_F(NpyTest, TensorErrors) {
  auto message = [&](const std::string &bytes) {
    std::string p = writeBytes("bad.npy", bytes);
    fmrt::StatusOr<fmrt::NpyTensor> t = fmrt::readNpyTensor(p);
    return t.ok() ? std::string("<read>") : t.status().message();
  };
  EXPECT_NE(message(npy(dictFor("|b1", "(2,)"), "\1\0"))
                .find("unsupported dtype '|b1' (supported: '<f4', '<f8', "
                      "'<i4' and '<i8')"),
            std::string::npos);
  EXPECT_NE(message(npy(dictFor(">i4", "(1,)"), "\0\0\0\1"))
                .find("unsupported dtype '>i4'"),
            std::string::npos);
  EXPECT_NE(message(npy(dictFor("<i8", "(2, 3)"), rawBytes<int64_t>({1, 2})))
                .find("truncated data: shape (2, 3) needs 48 bytes, the file "
                      "has 16"),
            std::string::npos);
  EXPECT_NE(message(npy(dictFor("<i4", "(4611686018427387904, 4)"), ""))
                .find("is too large"),
            std::string::npos);
  // readNpy keeps reading floats only, and says so.
  std::string p = writeBytes(
      "ints.npy", npy(dictFor("<i4", "(1, 1)"), rawBytes<int32_t>({3})));
  fmrt::StatusOr<NpyArray> floats = fmrt::readNpy(p);
  ASSERT_FALSE(floats.ok());
  EXPECT_NE(floats.status().message().find(
                "unsupported dtype '<i4' (supported: '<f4' and '<f8')"),
            std::string::npos)
      << floats.status().message();
}
