//===- SafeTensorsTest.cpp - safetensors checkpoints and atomic writes ----===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Checks writeSafeTensors against the byte layout of the reference
// implementation (huggingface/safetensors, safetensors/src/tensor.rs:
// compact JSON, `__metadata__` first, tensors by name, the header padded
// with spaces to a multiple of 8), readSafeTensors against every kind of
// corruption, and writeFileAtomically's promise that a failed write leaves
// an existing file as it was.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/SafeTensors.h"
#include "fm/Runtime/FileUtils.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include "TempDir.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <csignal>
#include <cstring>
#include <map>
#include <string>
#include <sys/resource.h>
#include <vector>

using fmrt::SafeTensorsFile;
using fmrt::TensorView;

namespace {

std::string le64(uint64_t v) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = char((v >> (8 * i)) & 0xff);
  return bytes;
}

std::string f32(const std::vector<float> &values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

/// A safetensors file: the 8-byte length of `header`, `header`, `buffer`.
std::string stFile(const std::string &header, const std::string &buffer) {
  return le64(header.size()) + header + buffer;
}

class SafeTensorsTest : public fmtest::TempDirTest {
protected:
  SafeTensorsTest() : TempDirTest("fm-st-test") {}

  /// Expects reading `p` to fail with a message that starts with the
  /// checkpoint's name and contains `problem`.
  void expectReadErrorAt(const std::string &p, llvm::StringRef problem) {
    fmrt::StatusOr<SafeTensorsFile> file = fmrt::readSafeTensors(p);
    ASSERT_FALSE(file.ok())
        << "accepted a bad file, expected: " << problem.str();
    std::string message = file.status().message();
    EXPECT_EQ(message.rfind("checkpoint '" + p + "': ", 0), 0u) << message;
    EXPECT_NE(message.find(problem.str()), std::string::npos) << message;
  }
  void expectReadError(llvm::StringRef bytes, llvm::StringRef problem) {
    expectReadErrorAt(writeBytes("bad.safetensors", bytes), problem);
  }

  /// Expects writing to fail with a message naming `p` and containing
  /// `problem`.
  static void expectWriteError(const fmrt::Status &status, const std::string &p,
                               llvm::StringRef problem) {
    ASSERT_FALSE(status.ok()) << "expected: " << problem.str();
    const std::string &message = status.message();
    EXPECT_EQ(message.rfind("cannot write '" + p + "': ", 0), 0u) << message;
    EXPECT_NE(message.find(problem.str()), std::string::npos) << message;
  }
};

/// A small checkpoint used by several tests.
struct Sample {
  std::vector<float> weight, bias, scalar;
  std::vector<TensorView> views;
  std::map<std::string, std::string> metadata = {{"format", "pt"},
                                                 {"step", "100"}};
  Sample() : weight(64 * 2), bias(64), scalar{3.25f} {
    for (size_t i = 0; i < weight.size(); ++i)
      weight[i] = 0.01f * float(i) - 0.5f;
    for (size_t i = 0; i < bias.size(); ++i)
      bias[i] = -0.25f * float(i);
    views = {{"layer0.weight", {64, 2}, weight.data()},
             {"layer0.bias", {64}, bias.data()},
             {"scalar", {}, scalar.data()},
             {"empty", {0, 3}, nullptr}};
  }
};

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, RoundTripWithMetadata) {
  Sample s;
  std::string p = path("x.safetensors");
  ASSERT_TRUE(fmrt::writeSafeTensors(p, s.views, s.metadata).ok());
  fmrt::StatusOr<SafeTensorsFile> file = fmrt::readSafeTensors(p);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_EQ(file->getPath(), p);
  EXPECT_EQ(file->getMetadata(), s.metadata);
  // In file order: by name, the empty tensor (no bytes) first.
  std::vector<std::string> names;
  for (const fmrt::SafeTensor &t : file->getTensors())
    names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"empty", "layer0.bias",
                                             "layer0.weight", "scalar"}));
  const fmrt::SafeTensor *w = file->lookup("layer0.weight");
  ASSERT_NE(w, nullptr);
  EXPECT_EQ(w->shape, (std::vector<int64_t>{64, 2}));
  EXPECT_EQ(w->data, s.weight);
  EXPECT_EQ(file->lookup("layer0.bias")->data, s.bias);
  EXPECT_EQ(file->lookup("scalar")->shape, std::vector<int64_t>{});
  EXPECT_EQ(file->lookup("scalar")->data, s.scalar);
  EXPECT_EQ(file->lookup("empty")->shape, (std::vector<int64_t>{0, 3}));
  EXPECT_TRUE(file->lookup("empty")->data.empty());
  EXPECT_EQ(file->lookup("layer1.weight"), nullptr);
  // The data buffer starts 8-byte aligned.
  std::string bytes = readBytes(p);
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  EXPECT_EQ(n % 8, 0u);
}

TEST_F(SafeTensorsTest, WritesTheReferenceLayout) {
  // What safetensors' serialize() gives for F32 tensors "b" [2] = {1, 2}
  // and "a" [1, 2] = {3, 4} with metadata {"step": "7"}: the 138-byte
  // compact JSON header, 6 spaces of padding to 144, then a's and b's data.
  const float a[] = {3, 4}, b[] = {1, 2};
  std::vector<TensorView> views = {{"b", {2}, b}, {"a", {1, 2}, a}};
  std::string p = path("ref.safetensors");
  ASSERT_TRUE(fmrt::writeSafeTensors(p, views, {{"step", "7"}}).ok());
  std::string header =
      R"({"__metadata__":{"step":"7"},)"
      R"("a":{"dtype":"F32","shape":[1,2],"data_offsets":[0,8]},)"
      R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})";
  ASSERT_EQ(header.size(), 138u);
  EXPECT_EQ(readBytes(p),
            stFile(header + std::string(6, ' '), f32({3, 4}) + f32({1, 2})));

  // Without metadata there is no "__metadata__" entry: a 53-byte header
  // padded by 3 spaces.
  const float x[] = {5};
  ASSERT_TRUE(fmrt::writeSafeTensors(p, {{"x", {}, x}}, {}).ok());
  EXPECT_EQ(readBytes(p),
            stFile(R"({"x":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})"
                   "   ",
                   f32({5})));

  // No tensors at all.
  ASSERT_TRUE(fmrt::writeSafeTensors(p, {}, {}).ok());
  EXPECT_EQ(readBytes(p), stFile("{}      ", ""));
  fmrt::StatusOr<SafeTensorsFile> file = fmrt::readSafeTensors(p);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_TRUE(file->getTensors().empty());
  EXPECT_TRUE(file->getMetadata().empty());
}

TEST_F(SafeTensorsTest, EscapesNamesAndMetadata) {
  const float v[] = {1};
  std::string name = "quote\" backslash\\ newline\n tab\t ünï";
  std::map<std::string, std::string> metadata = {{"k\"", "v\\\n\x01"}};
  std::string p = path("esc.safetensors");
  ASSERT_TRUE(fmrt::writeSafeTensors(p, {{name, {1}, v}}, metadata).ok());
  fmrt::StatusOr<SafeTensorsFile> file = fmrt::readSafeTensors(p);
  ASSERT_TRUE(file.ok()) << file.status().message();
  ASSERT_NE(file->lookup(name), nullptr);
  EXPECT_EQ(file->getMetadata(), metadata);
}

TEST_F(SafeTensorsTest, EscapesAsEarlierVersionsDid) {
  // '"' and '\' behind a backslash, \n, \r and \t short, every other
  // control character (\b and \f too) as \u00xx, DEL and the rest of UTF-8
  // as they are: the bytes the writer has always written.
  const float v[] = {1};
  std::string name = "q\" b\\ n\n r\r t\t b\b f\f s\x01 u\x1f d\x7f \xc3\xbc";
  std::string p = path("esc.safetensors");
  ASSERT_TRUE(
      fmrt::writeSafeTensors(p, {{name, {1}, v}}, {{"k", "\b\f"}}).ok());
  std::string header =
      R"({"__metadata__":{"k":"\u0008\u000c"},)"
      R"("q\" b\\ n\n r\r t\t b\u0008 f\u000c s\u0001 u\u001f d)"
      "\x7f \xc3\xbc"
      R"(":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  header.append((8 - header.size() % 8) % 8, ' ');
  EXPECT_EQ(readBytes(p), stFile(header, f32({1})));
}

TEST_F(SafeTensorsTest, WriteErrors) {
  const float v[] = {1, 2, 3, 4};
  std::string p = path("bad.safetensors");
  struct Case {
    std::vector<TensorView> views;
    std::map<std::string, std::string> metadata;
    std::string problem;
  };
  Case cases[] = {
      {{{"a", {2}, v}, {"b", {2}, v}, {"a", {1}, v}},
       {},
       "duplicate tensor 'a'"},
      {{{"", {2}, v}}, {}, "a tensor has an empty name"},
      {{{"__metadata__", {2}, v}}, {}, "'__metadata__' is reserved"},
      {{{"bad\xff", {2}, v}}, {}, "is not valid UTF-8"},
      {{{"a", {2}, v}}, {{"k", "\xc3"}}, "metadata entry 'k' is not valid"},
      {{{"a", {2}, v}}, {{"\xc3", "v"}}, "is not valid UTF-8"},
      {{{"a", {2, -1}, v}}, {}, "tensor 'a' has an invalid shape [2, -1]"},
      {{{"a", {int64_t(1) << 62, 4}, v}}, {}, "has an invalid shape"},
      {{{"a", {int64_t(1) << 40, int64_t(1) << 20}, v},
        {"b", {int64_t(1) << 40, int64_t(1) << 20}, v}},
       {},
       "the tensors are too large"},
      {{{"a", {2}, nullptr}}, {}, "tensor 'a' has no data"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.problem);
    expectWriteError(fmrt::writeSafeTensors(p, c.views, c.metadata), p,
                     c.problem);
  }
  // Nothing was created.
  EXPECT_TRUE(listDir().empty());
}

//===----------------------------------------------------------------------===//
// Failed writes keep the old file
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, InvalidTensorsKeepTheOldFile) {
  Sample s;
  std::string p = path("ckpt.safetensors");
  ASSERT_TRUE(fmrt::writeSafeTensors(p, s.views, s.metadata).ok());
  std::string before = readBytes(p);
  std::vector<TensorView> bad = s.views;
  bad.push_back(s.views[0]);
  expectWriteError(fmrt::writeSafeTensors(p, bad, {}), p, "duplicate tensor");
  EXPECT_EQ(readBytes(p), before);
  EXPECT_EQ(listDir(), std::vector<std::string>{"ckpt.safetensors"});
}

TEST_F(SafeTensorsTest, AnExistingFileSurvivesATemporaryFileFailure) {
  // A 250-character name fits NAME_MAX (255) but its temporary file,
  // "<name>.tmp-XXXXXXXX", does not, so creating it fails even for root.
  std::string p = writeBytes(std::string(250, 'c'), "old checkpoint bytes");
  Sample s;
  expectWriteError(fmrt::writeSafeTensors(p, s.views, s.metadata), p,
                   "cannot create a temporary file in its directory: File "
                   "name too long");
  EXPECT_EQ(readBytes(p), "old checkpoint bytes");
  EXPECT_EQ(listDir(), std::vector<std::string>{std::string(250, 'c')});
}

TEST_F(SafeTensorsTest, MissingDirectory) {
  Sample s;
  std::string p = path("no/such/dir/x.safetensors");
  expectWriteError(fmrt::writeSafeTensors(p, s.views, {}), p,
                   "cannot create a temporary file in its directory: No such "
                   "file or directory");
  EXPECT_TRUE(listDir().empty());
}

TEST_F(SafeTensorsTest, FailedRenameKeepsWhatWasThere) {
  // `path` is a non-empty directory: the temporary file is written, the
  // rename over the directory fails, and the temporary file is removed.
  std::string p = path("x.safetensors");
  ASSERT_FALSE(llvm::sys::fs::create_directory(p));
  writeBytes("x.safetensors/inside", "keep me");
  Sample s;
  expectWriteError(fmrt::writeSafeTensors(p, s.views, {}), p,
                   "cannot rename the temporary file over it");
  EXPECT_EQ(readBytes(p + "/inside"), "keep me");
  EXPECT_EQ(listDir(), std::vector<std::string>{"x.safetensors"});
}

/// Lowers the file size limit for its lifetime (writes beyond it fail with
/// EFBIG instead of raising SIGXFSZ), which makes the stream's writes fail
/// even for root.
class FileSizeLimit {
public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &saved);
    savedHandler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = saved;
    limit.rlim_cur = bytes;
    ok = setrlimit(RLIMIT_FSIZE, &limit) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &saved);
    std::signal(SIGXFSZ, savedHandler);
  }
  bool ok = false;

private:
  rlimit saved;
  void (*savedHandler)(int);
};

TEST_F(SafeTensorsTest, StreamWriteErrorKeepsTheOldFile) {
  Sample s;
  std::string p = path("ckpt.safetensors");
  ASSERT_TRUE(fmrt::writeSafeTensors(p, s.views, s.metadata).ok());
  std::string before = readBytes(p);
  std::vector<float> big(1 << 20, 1.0f);
  fmrt::Status status;
  {
    FileSizeLimit limit(4096);
    ASSERT_TRUE(limit.ok);
    status = fmrt::writeSafeTensors(p, {{"big", {1 << 20}, big.data()}}, {});
  }
  expectWriteError(status, p, "write error: File too large");
  EXPECT_EQ(readBytes(p), before);
  EXPECT_EQ(listDir(), std::vector<std::string>{"ckpt.safetensors"});
}

//===----------------------------------------------------------------------===//
// writeFileAtomically
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, WriteFileAtomicallyReplacesTheFile) {
  std::string p = writeBytes("f.txt", "old");
  ASSERT_TRUE(fmrt::writeFileAtomically(p, [](fmrt::FileWriter &os) {
                os.write("new contents");
                return fmrt::Status::success();
              }).ok());
  EXPECT_EQ(readBytes(p), "new contents");
  // A new file, and an empty one.
  std::string q = path("g.txt");
  ASSERT_TRUE(fmrt::writeFileAtomically(q, [](fmrt::FileWriter &) {
                return fmrt::Status::success();
              }).ok());
  EXPECT_EQ(readBytes(q), "");
  EXPECT_EQ(listDir(), (std::vector<std::string>{"f.txt", "g.txt"}));
}

TEST_F(SafeTensorsTest, WriteFileAtomicallyPropagatesTheWritersError) {
  std::string p = writeBytes("f.txt", "old");
  fmrt::Status status = fmrt::writeFileAtomically(p, [](fmrt::FileWriter &os) {
    os.write("half of the new contents");
    return fmrt::Status::error("the model has no parameters");
  });
  expectWriteError(status, p, "the model has no parameters");
  EXPECT_EQ(readBytes(p), "old");
  EXPECT_EQ(listDir(), std::vector<std::string>{"f.txt"});
}

TEST_F(SafeTensorsTest, WriteFileAtomicallyRejectsAnEmptyPath) {
  expectWriteError(
      fmrt::writeFileAtomically(
          "", [](fmrt::FileWriter &) { return fmrt::Status::success(); }),
      "", "empty path");
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

TEST_F(SafeTensorsTest, ReadsHandWrittenFiles) {
  // Another writer's choices: no padding, whitespace, any key and entry
  // order, empty tensors sharing an offset, data at unaligned offsets.
  std::string header = R"( { "b" : {"data_offsets":[4, 12], "shape":[2],)"
                       R"( "dtype":"F32"}, "e1": {"dtype": "F32", "shape":)"
                       R"( [0], "data_offsets": [4, 4]}, "__metadata__":)"
                       R"( {}, "a": {"shape": [], "dtype": "F32",)"
                       R"( "data_offsets": [0, 4]},"e0":{"dtype":"F32",)"
                       R"("shape":[2,0],"data_offsets":[4,4]}} )";
  std::string p =
      writeBytes("hand.safetensors", stFile(header, f32({7}) + f32({8, 9})));
  fmrt::StatusOr<SafeTensorsFile> file = fmrt::readSafeTensors(p);
  ASSERT_TRUE(file.ok()) << file.status().message();
  std::vector<std::string> names;
  for (const fmrt::SafeTensor &t : file->getTensors())
    names.push_back(t.name);
  EXPECT_EQ(names, (std::vector<std::string>{"a", "e0", "e1", "b"}));
  EXPECT_EQ(file->lookup("a")->data, std::vector<float>{7});
  EXPECT_EQ(file->lookup("b")->data, (std::vector<float>{8, 9}));
  EXPECT_EQ(file->lookup("e0")->shape, (std::vector<int64_t>{2, 0}));
  EXPECT_TRUE(file->getMetadata().empty());
}

TEST_F(SafeTensorsTest, BracketsInNamesAreNotNesting) {
  std::string name(200, '[');
  std::string header = "{\"" + name +
                       "\\\"{{\":{\"dtype\":\"F32\","
                       "\"shape\":[1],\"data_offsets\":[0,4]}}";
  std::string p = writeBytes("b.safetensors", stFile(header, f32({1})));
  fmrt::StatusOr<SafeTensorsFile> file = fmrt::readSafeTensors(p);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_NE(file->lookup(name + "\"{{"), nullptr);
}

TEST_F(SafeTensorsTest, CheckTensor) {
  Sample s;
  std::string p = path("x.safetensors");
  ASSERT_TRUE(fmrt::writeSafeTensors(p, s.views, s.metadata).ok());
  fmrt::StatusOr<SafeTensorsFile> file = fmrt::readSafeTensors(p);
  ASSERT_TRUE(file.ok()) << file.status().message();
  EXPECT_TRUE(fmrt::checkTensor(*file, "layer0.weight", {64, 2}).ok());
  EXPECT_TRUE(fmrt::checkTensor(*file, "scalar", {}).ok());
  EXPECT_EQ(
      fmrt::checkTensor(*file, "layer0.weight", {64, 3}).message(),
      "checkpoint '" + p +
          "': tensor 'layer0.weight' has shape [64, 2], expected [64, 3]");
  EXPECT_EQ(fmrt::checkTensor(*file, "scalar", {1}).message(),
            "checkpoint '" + p +
                "': tensor 'scalar' has shape [], expected [1]");
  EXPECT_EQ(fmrt::checkTensor(*file, "layer1.bias", {64}).message(),
            "checkpoint '" + p + "': missing tensor 'layer1.bias'");
}

TEST_F(SafeTensorsTest, MissingFile) {
  expectReadErrorAt(path("nope.safetensors"),
                    "cannot open: No such file or directory");
}

TEST_F(SafeTensorsTest, EveryTruncationFails) {
  Sample s;
  std::string p = path("x.safetensors");
  ASSERT_TRUE(fmrt::writeSafeTensors(p, s.views, s.metadata).ok());
  std::string bytes = readBytes(p);
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  for (size_t size = 0; size < bytes.size(); ++size) {
    SCOPED_TRACE(size);
    llvm::StringRef problem =
        size < 8       ? "bytes is too short for the 8-byte header length"
        : size < 8 + n ? "exceeds the"
                       : "beyond the";
    expectReadError(llvm::StringRef(bytes).take_front(size), problem);
  }
  expectReadError("", "file of 0 bytes is too short");
  expectReadError(llvm::StringRef(bytes).take_front(20),
                  "header length " + std::to_string(n) +
                      " exceeds the 12 bytes after the length field");
  expectReadError(llvm::StringRef(bytes).take_front(8 + n),
                  "beyond the 0-byte data buffer");
}

TEST_F(SafeTensorsTest, AppendedBytes) {
  Sample s;
  std::string p = path("x.safetensors");
  ASSERT_TRUE(fmrt::writeSafeTensors(p, s.views, s.metadata).ok());
  expectReadError(readBytes(p) + "junk",
                  "4 bytes at the end of the file belong to no tensor");
}

TEST_F(SafeTensorsTest, LyingHeaderLengths) {
  std::string header =
      R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})";
  std::string rest = header + f32({1});
  expectReadError(le64(rest.size() + 1) + rest,
                  "header length 59 exceeds the 58 bytes after the length");
  expectReadError(le64(uint64_t(1) << 63) + rest,
                  "header length 9223372036854775808 exceeds the format's "
                  "limit of 100000000 bytes");
  expectReadError(le64(100000001) + rest, "exceeds the format's limit");
  expectReadError(le64(header.size() - 1) + rest, "malformed JSON header");
  expectReadError(le64(0) + rest, "malformed JSON header");
  expectReadError(le64(header.size() + 4) + rest, "malformed JSON header");
}

TEST_F(SafeTensorsTest, FlippedHeaderBytesNeverCrash) {
  // Flipping bits of the header gives either an error that names the file
  // or (when, say, a name changes) another valid file, never a crash or an
  // inconsistent result.
  Sample s;
  std::string p = path("x.safetensors");
  ASSERT_TRUE(fmrt::writeSafeTensors(p, s.views, s.metadata).ok());
  std::string bytes = readBytes(p);
  uint64_t n;
  std::memcpy(&n, bytes.data(), 8);
  int failures = 0, total = 0;
  for (size_t i = 8; i < 8 + n; ++i) {
    for (unsigned char mask : {0x01, 0x02, 0x10, 0x20, 0x80, 0xff}) {
      std::string bad = bytes;
      bad[i] = char(bad[i] ^ mask);
      std::string q = writeBytes("flip.safetensors", bad);
      fmrt::StatusOr<SafeTensorsFile> file = fmrt::readSafeTensors(q);
      ++total;
      if (!file.ok()) {
        ++failures;
        std::string message = file.status().message();
        ASSERT_EQ(message.rfind("checkpoint '" + q + "': ", 0), 0u) << message;
        continue;
      }
      for (const fmrt::SafeTensor &t : file->getTensors()) {
        size_t count = 1;
        for (int64_t d : t.shape)
          count *= size_t(d);
        ASSERT_EQ(t.data.size(), count) << t.name;
      }
    }
  }
  // Most flips break the JSON, a dtype, a shape or an offset.
  EXPECT_GT(failures, total * 3 / 4);
}

TEST_F(SafeTensorsTest, MalformedHeaders) {
  const std::string w16 = R"("dtype":"F32","shape":[4],"data_offsets":[0,16])";
  struct Case {
    std::string header;
    size_t bufferBytes;
    std::string problem;
  };
  Case cases[] = {
      // The JSON itself.
      {"{", 0, "malformed JSON header"},
      {"", 0, "malformed JSON header"},
      {R"({"a":{)" + w16 + "},}", 16, "malformed JSON header"},
      {"{\"a\xff\":{" + w16 + "}}", 16, "malformed JSON header"},
      {"[]", 0, "header is not a JSON object"},
      // Not JSON (RFC 8259), though JSON parsers tend to take them.
      {"\xef\xbb\xbf{}", 0,
       "malformed JSON header: a byte order mark at the start"},
      {std::string("{}\0", 3), 0,
       "malformed JSON header: a NUL byte at offset 2"},
      {R"({"w":{"dtype":"F32","shape":[04],"data_offsets":[0,16]}})", 16,
       "malformed JSON header"},
      {R"({"\ud800":{)" + w16 + "}}", 16, "malformed JSON header"},
      {R"("text")", 0, "header is not a JSON object"},
      {"{\"__metadata__\":" + std::string(100, '[') + std::string(100, ']') +
           "}",
       0, "header nests deeper than 64 levels"},
      // Duplicate keys, which JSON parsers tend to merge.
      {R"({"a":{)" + w16 + R"(},"a":{)" + w16 + "}}", 16,
       "duplicate tensor 'a' in the header"},
      {R"({"a":{)" + w16 + R"(},"\u0061":{)" + w16 + "}}", 16,
       "duplicate tensor 'a' in the header"},
      {R"({"a":{"dtype":"F32","dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
       16, "duplicate key 'dtype' in the header"},
      {R"({"__metadata__":{"k":"1","k":"2"}})", 0,
       "duplicate key 'k' in the header"},
      // __metadata__.
      {R"({"__metadata__":[1]})", 0, "'__metadata__' is not an object"},
      {R"({"__metadata__":{"k":1}})", 0,
       "'__metadata__' value of 'k' is not a string"},
      // Entries.
      {R"({"w":5})", 0, "tensor 'w' is not described by an object"},
      {R"({"w":{)" + w16 + R"(,"x":1}})", 16,
       "tensor 'w' has an unknown field 'x'"},
      {R"({"w":{"dtype":"F16","shape":[8],"data_offsets":[0,16]}})", 16,
       "tensor 'w' has dtype F16; only F32 is supported"},
      {R"({"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}})", 16,
       "tensor 'test' has dtype I32; only F32 is supported"},
      {R"({"w":{"shape":[4],"data_offsets":[0,16]}})", 16,
       "tensor 'w' has no 'dtype'"},
      {R"({"w":{"dtype":32,"shape":[4],"data_offsets":[0,16]}})", 16,
       "tensor 'w' has a 'dtype' that is not a string"},
      {R"({"w":{"dtype":"F32","data_offsets":[0,16]}})", 16,
       "tensor 'w' has no 'shape'"},
      {R"({"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}})", 16,
       "tensor 'w' has a 'shape' that is not an array"},
      {R"({"w":{"dtype":"F32","shape":[-4],"data_offsets":[0,16]}})", 16,
       "'shape' that is not a list of non-negative integers"},
      {R"({"w":{"dtype":"F32","shape":[2.5],"data_offsets":[0,10]}})", 10,
       "'shape' that is not a list of non-negative integers"},
      {R"({"w":{"dtype":"F32","shape":[4,"1"],"data_offsets":[0,16]}})", 16,
       "'shape' that is not a list of non-negative integers"},
      {R"({"w":{"dtype":"F32","shape":[4]}})", 16,
       "tensor 'w' has no 'data_offsets'"},
      {R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0]}})", 16,
       "'data_offsets' that are not two non-negative integers"},
      {R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16,16]}})", 16,
       "'data_offsets' that are not two non-negative integers"},
      {R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[-1,15]}})", 16,
       "'data_offsets' that are not two non-negative integers"},
      {R"({"w":{"dtype":"F32","shape":[4],"data_offsets":"0,16"}})", 16,
       "'data_offsets' that are not two non-negative integers"},
      {R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[16,0]}})", 16,
       "tensor 'w' has decreasing data_offsets [16, 0]"},
      {R"({"w":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})", 16,
       "tensor 'w' has data_offsets [0, 32] beyond the 16-byte data buffer"},
      {R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,16]}})", 16,
       "tensor 'w' has shape [3], which needs 12 bytes, but data_offsets "
       "[0, 16] span 16"},
      {R"({"w":{"dtype":"F32","shape":[4611686018427387904,8],)"
       R"("data_offsets":[0,16]}})",
       16, "tensor 'w' has a shape [4611686018427387904, 8] that is too large"},
      // The tiling of the data buffer.
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
       16, "tensors 'a' and 'b' overlap in the data buffer"},
      {R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},)"
       R"("b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
       16, "hole of 4 bytes in the data buffer before tensor 'b'"},
      {R"({"a":{"dtype":"F32","shape":[3],"data_offsets":[4,16]}})", 16,
       "hole of 4 bytes in the data buffer before tensor 'a'"},
      {R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 16,
       "8 bytes at the end of the file belong to no tensor"},
      {"{}", 16, "16 bytes at the end of the file belong to no tensor"},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.header);
    expectReadError(stFile(c.header, std::string(c.bufferBytes, '\0')),
                    c.problem);
  }
}

} // namespace
