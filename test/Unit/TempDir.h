//===- TempDir.h - A test fixture owning a temporary directory --*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TEST_UNIT_TEMPDIR_H
#define FM_TEST_UNIT_TEMPDIR_H

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <string>
#include <vector>

namespace fmtest {

/// A gtest fixture with a fresh directory per test, removed afterwards, and
/// helpers to write, read and list files in it.
class TempDirTest : public ::testing::Test {
protected:
  explicit TempDirTest(llvm::StringRef prefix) : prefix(prefix) {}

  void SetUp() override {
    ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory(prefix, dir));
  }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  /// `name` inside the test directory.
  std::string path(llvm::StringRef name) const {
    llvm::SmallString<128> p(dir);
    llvm::sys::path::append(p, name);
    return std::string(p);
  }

  /// Writes `bytes` to `name` in the test directory; returns its path.
  std::string writeBytes(llvm::StringRef name, llvm::StringRef bytes) const {
    std::string p = path(name);
    std::error_code ec;
    llvm::raw_fd_ostream os(p, ec);
    EXPECT_FALSE(ec) << ec.message();
    os << bytes;
    return p;
  }

  /// The contents of the file at `p` ("" and a test failure if unreadable).
  std::string readBytes(const std::string &p) const {
    auto buffer = llvm::MemoryBuffer::getFile(p, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    EXPECT_TRUE(bool(buffer)) << p;
    return buffer ? (*buffer)->getBuffer().str() : std::string();
  }

  /// The names in the test directory, sorted.
  std::vector<std::string> listDir() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec;
         it.increment(ec))
      names.push_back(llvm::sys::path::filename(it->path()).str());
    std::sort(names.begin(), names.end());
    return names;
  }

  llvm::SmallString<128> dir;

private:
  std::string prefix;
};

} // namespace fmtest

#endif // FM_TEST_UNIT_TEMPDIR_H
