//===- LibrarySeal.cpp - Compiled libraries checked before loading --------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/LibrarySeal.h"

#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"

#include <array>

using namespace fmrt;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error fmrt::sealLibrary(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!file)
    return makeError("cannot seal '" + path +
                     "': " + file.getError().message());
  llvm::StringRef bytes = (*file)->getBuffer();
  std::array<uint8_t, 32> hash = llvm::SHA256::hash(llvm::ArrayRef(
      reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size()));
  char length[8];
  llvm::support::endian::write64le(length, bytes.size());
  std::error_code ec;
  llvm::raw_fd_ostream out(path, ec, llvm::sys::fs::OF_Append);
  if (ec)
    return makeError("cannot seal '" + path + "': " + ec.message());
  out.write(reinterpret_cast<const char *>(hash.data()), hash.size());
  out.write(length, sizeof length);
  out << kSealMagic;
  out.close();
  if (out.has_error())
    return makeError("cannot seal '" + path + "': " + out.error().message());
  return llvm::Error::success();
}

llvm::Error fmrt::checkLibrarySeal(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!file)
    return makeError(file.getError().message());
  llvm::StringRef bytes = (*file)->getBuffer();
  if (bytes.size() < kSealSize || !bytes.ends_with(kSealMagic))
    return makeError("it has no seal of `fm-run compile` (it was not written "
                     "by it, or was cut short or extended since)");
  size_t payload = bytes.size() - kSealSize;
  uint64_t recorded =
      llvm::support::endian::read64le(bytes.data() + payload + 32);
  if (recorded != payload)
    return makeError("it is " + llvm::Twine(payload) +
                     " bytes long where `fm-run compile` wrote " +
                     llvm::Twine(recorded) + " (cut short or extended)");
  std::array<uint8_t, 32> hash = llvm::SHA256::hash(
      llvm::ArrayRef(reinterpret_cast<const uint8_t *>(bytes.data()), payload));
  if (llvm::StringRef(reinterpret_cast<const char *>(hash.data()),
                      hash.size()) != bytes.substr(payload, 32))
    return makeError("its contents do not match the SHA-256 that `fm-run "
                     "compile` recorded (it was modified since)");
  return llvm::Error::success();
}
