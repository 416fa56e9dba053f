//===- FileUtils.cpp - Reading and writing files safely -------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/FileUtils.h"

#include "Bytes.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

using namespace fmrt;

/// The system's description of the errno value `error`.
static std::string describeErrno(int error) {
  return std::error_code(error, std::generic_category()).message();
}

StatusOr<std::string> fmrt::readFile(std::string_view path) {
  std::string name(path);
  int fd;
  do
    fd = ::open(name.c_str(), O_RDONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0)
    return Status::error(describeErrno(errno));

  // Read until the end of the file into a buffer of the file's size plus
  // one byte (to see the end), growing it only for files that have no size
  // (pipes) or that grow while being read.
  std::string bytes;
  struct stat info;
  size_t initial = 1 << 16;
  if (::fstat(fd, &info) == 0 && S_ISREG(info.st_mode) && info.st_size > 0)
    initial = static_cast<size_t>(info.st_size) + 1;
  bytes.resize(initial);
  size_t size = 0;
  while (true) {
    if (size == bytes.size())
      bytes.resize(2 * size);
    ssize_t n = ::read(fd, &bytes[size], bytes.size() - size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return Status::error(describeErrno(error));
    }
    if (n == 0)
      break;
    size += static_cast<size_t>(n);
  }
  ::close(fd);
  bytes.resize(size);
  return bytes;
}

void FileWriter::write(const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0 && !error) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno != EINTR && errno != EAGAIN)
        error = errno;
      continue;
    }
    if (n == 0) {
      error = EIO;
      break;
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

/// Eight hexadecimal digits that differ from call to call and from process
/// to process; O_EXCL makes a collision a retry, not a clash.
static std::string uniqueSuffix() {
  static std::atomic<uint64_t> counter{0};
  uint64_t x =
      static_cast<uint64_t>(
          std::chrono::steady_clock::now().time_since_epoch().count()) ^
      (static_cast<uint64_t>(::getpid()) << 32) ^
      (counter.fetch_add(1) * 0x9e3779b97f4a7c15ull);
  // splitmix64's finalizer spreads every input bit over the output.
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  x ^= x >> 31;
  char digits[9];
  std::snprintf(digits, sizeof(digits), "%08x",
                static_cast<unsigned>(x & 0xffffffffu));
  return digits;
}

/// The temporary files being written, for removeTemporaryFiles: each slot
/// holds the path of one writeFileAtomically call while its file exists.
static std::atomic<const char *> temporaryFiles[16];

namespace {
/// Lists a temporary file in temporaryFiles while it lives (not at all if
/// every slot is taken).
class TemporaryFileEntry {
public:
  explicit TemporaryFileEntry(const char *path) {
    // A library that ends the process with exit() (libgomp when it cannot
    // start a thread) leaves no temporary file behind either.
    static const bool removedAtExit =
        std::atexit([] { fmrt::removeTemporaryFiles(); }) == 0;
    (void)removedAtExit;
    for (std::atomic<const char *> &slot : temporaryFiles) {
      const char *empty = nullptr;
      if (slot.compare_exchange_strong(empty, path)) {
        entry = &slot;
        return;
      }
    }
  }
  ~TemporaryFileEntry() {
    if (entry)
      entry->store(nullptr);
  }
  TemporaryFileEntry(const TemporaryFileEntry &) = delete;
  TemporaryFileEntry &operator=(const TemporaryFileEntry &) = delete;

private:
  std::atomic<const char *> *entry = nullptr;
};
} // namespace

void fmrt::removeTemporaryFiles() {
  for (std::atomic<const char *> &slot : temporaryFiles)
    if (const char *path = slot.load())
      ::unlink(path);
}

Status
fmrt::writeFileAtomically(std::string_view path,
                          const std::function<Status(FileWriter &)> &write) {
  auto fail = [&](const std::string &what) {
    return Status::error("cannot write '" + std::string(path) + "': " + what);
  };
  if (path.empty())
    return fail("empty path");

  // The temporary file lives next to `path`, so the rename stays within one
  // file system and is atomic.
  std::string tempPath;
  int fd = -1;
  for (int attempt = 0; attempt < 128 && fd < 0; ++attempt) {
    tempPath = std::string(path) + ".tmp-" + uniqueSuffix();
    do
      fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  0666);
    while (fd < 0 && errno == EINTR);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0)
    return fail("cannot create a temporary file in its directory: " +
                describeErrno(errno));

  auto discard = [&](const std::string &what) {
    ::unlink(tempPath.c_str());
    return fail(what);
  };
  TemporaryFileEntry listed(tempPath.c_str());

  FileWriter writer(fd);
  Status status = write(writer);
  int writeError = writer.getError();
  if (::close(fd) != 0 && !writeError && errno != EINTR)
    writeError = errno;
  if (!status.ok())
    return discard(status.message());
  if (writeError)
    return discard("write error: " + describeErrno(writeError));
  if (::rename(tempPath.c_str(), std::string(path).c_str()) != 0)
    return discard("cannot rename the temporary file over it: " +
                   describeErrno(errno));
  return Status::success();
}

void fmrt::writeFloat32LE(FileWriter &os, const float *data, int64_t count) {
  if (isLittleEndianHost()) {
    os.write(data, static_cast<size_t>(count) * 4);
    return;
  }
  char buffer[4096];
  for (int64_t i = 0; i < count;) {
    int64_t chunk = std::min<int64_t>(count - i, sizeof(buffer) / 4);
    for (int64_t k = 0; k < chunk; ++k)
      storeFloat32LE(buffer + 4 * k, data[i + k]);
    os.write(buffer, static_cast<size_t>(chunk) * 4);
    i += chunk;
  }
}
