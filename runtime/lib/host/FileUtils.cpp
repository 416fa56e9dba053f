//===- FileUtils.cpp - Writing files safely -------------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/FileUtils.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SwapByteOrder.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace fmrt;

llvm::Error fmrt::writeFileAtomically(
    llvm::StringRef path,
    llvm::function_ref<llvm::Error(llvm::raw_ostream &)> write) {
  auto fail = [&](const llvm::Twine &what) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot write '" + path + "': " + what);
  };
  if (path.empty())
    return fail("empty path");

  // The temporary file lives next to `path`, so the rename stays within one
  // file system and is atomic.
  llvm::SmallString<256> model(path);
  model += ".tmp-%%%%%%%%";
  int fd = -1;
  llvm::SmallString<256> tempPath;
  if (std::error_code ec = llvm::sys::fs::createUniqueFile(model, fd, tempPath))
    return fail("cannot create a temporary file in its directory: " +
                ec.message());

  auto discard = [&](const llvm::Twine &what) {
    llvm::sys::fs::remove(tempPath);
    return fail(what);
  };

  llvm::Error writeError = llvm::Error::success();
  std::error_code streamError;
  {
    llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
    writeError = write(os);
    os.close();
    streamError = os.error();
    // The error is handled here; without this the stream's destructor would
    // abort the process.
    os.clear_error();
  }
  if (writeError)
    return discard(llvm::toString(std::move(writeError)));
  if (streamError)
    return discard("write error: " + streamError.message());
  if (std::error_code ec = llvm::sys::fs::rename(tempPath, path))
    return discard("cannot rename the temporary file over it: " + ec.message());
  return llvm::Error::success();
}

void fmrt::writeFloat32LE(llvm::raw_ostream &os, const float *data,
                          int64_t count) {
  if (llvm::sys::IsLittleEndianHost) {
    os.write(reinterpret_cast<const char *>(data),
             static_cast<size_t>(count) * 4);
    return;
  }
  char buffer[4096];
  for (int64_t i = 0; i < count;) {
    int64_t chunk = std::min<int64_t>(count - i, sizeof(buffer) / 4);
    for (int64_t k = 0; k < chunk; ++k)
      llvm::support::endian::write32le(buffer + 4 * k,
                                       llvm::bit_cast<uint32_t>(data[i + k]));
    os.write(buffer, static_cast<size_t>(chunk) * 4);
    i += chunk;
  }
}
