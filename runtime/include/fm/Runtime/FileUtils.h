//===- FileUtils.h - Writing files safely -----------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// File helpers of the host runtime, on LLVM's Support library.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_FILEUTILS_H
#define FM_RUNTIME_FILEUTILS_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace llvm {
class raw_ostream;
} // namespace llvm

namespace fmrt {

/// Replaces the file at `path` with what `write` writes, atomically: the
/// bytes go to a new, uniquely named temporary file in the same directory
/// (`<name>.tmp-XXXXXXXX`), which is flushed, closed and checked for write
/// errors, and only then renamed over `path`. Readers see the old file or
/// the complete new one, never a partial file.
///
/// If anything fails (creating the temporary file, `write` returning an
/// error, a write error on the stream, the rename), the temporary file is
/// removed, an existing file at `path` is left untouched, and the returned
/// error names `path`. The new file has the default permissions (0666 less
/// the umask), not those of the file it replaces. The data is not fsync'ed:
/// atomicity holds against crashes of the process, not of the machine.
llvm::Error
writeFileAtomically(llvm::StringRef path,
                    llvm::function_ref<llvm::Error(llvm::raw_ostream &)> write);

/// Writes `count` floats to `os` as little-endian float32 (the byte order of
/// .npy '<f4' and safetensors F32), whatever the host's byte order.
void writeFloat32LE(llvm::raw_ostream &os, const float *data, int64_t count);

} // namespace fmrt

#endif // FM_RUNTIME_FILEUTILS_H
