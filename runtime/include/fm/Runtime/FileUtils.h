//===- FileUtils.h - Reading and writing files safely -----------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// File helpers of the host runtime, on POSIX and the C++ standard library.
//
// This header belongs to the runtime's host layer: plain C++17, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_FILEUTILS_H
#define FM_RUNTIME_FILEUTILS_H

#include "fm/Runtime/Status.h"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace fmrt {

/// The contents of the file at `path`. The error's message is the system's
/// description of what failed ("No such file or directory", "Is a
/// directory", ...), without the path.
StatusOr<std::string> readFile(std::string_view path);

/// Where writeFileAtomically's writer puts its bytes: an open file that
/// remembers the first write error, after which further writes do nothing.
class FileWriter {
public:
  explicit FileWriter(int fd) : fd(fd) {}

  /// Appends `size` bytes at `data`.
  void write(const void *data, size_t size);
  /// Appends `bytes`.
  void write(std::string_view bytes) { write(bytes.data(), bytes.size()); }

  /// The errno value of the first failed write, or 0.
  int getError() const { return error; }

private:
  int fd;
  int error = 0;
};

/// Replaces the file at `path` with what `write` writes, atomically: the
/// bytes go to a new, uniquely named temporary file in the same directory
/// (`<name>.tmp-XXXXXXXX`), which is closed and checked for write errors,
/// and only then renamed over `path`. Readers see the old file or the
/// complete new one, never a partial file.
///
/// If anything fails (creating the temporary file, `write` returning an
/// error, a write error on the file, the rename), the temporary file is
/// removed, an existing file at `path` is left untouched, and the returned
/// error names `path`. The new file has the default permissions (0666 less
/// the umask), not those of the file it replaces. The data is not fsync'ed:
/// atomicity holds against crashes of the process, not of the machine.
Status writeFileAtomically(std::string_view path,
                           const std::function<Status(FileWriter &)> &write);

/// Removes the temporary files writeFileAtomically calls in this process
/// are writing. For a process about to end without unwinding (out of
/// memory in the runtime's own allocations), where the calls' own cleanup
/// never runs; async-signal-safe. It also runs at exit(), which a library
/// may call on a fatal error. The files of at most 16 concurrent writes
/// are tracked.
void removeTemporaryFiles();

/// Writes `count` floats to `os` as little-endian float32 (the byte order of
/// .npy '<f4' and safetensors F32), whatever the host's byte order.
void writeFloat32LE(FileWriter &os, const float *data, int64_t count);

} // namespace fmrt

#endif // FM_RUNTIME_FILEUTILS_H
