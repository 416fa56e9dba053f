//===- manifest.cpp - Fuzzing the manifest reader -------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// parseManifest on arbitrary text (a compiled library's manifest is JSON
// the runtime trusts only after reading it): an error or a manifest that
// prints again, never a crash or an ASan/UBSan report.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Program.h"

#include <string>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  std::string text(reinterpret_cast<const char *>(data), size);
  llvm::Expected<fmrt::Manifest> manifest = fmrt::parseManifest(text);
  if (!manifest) {
    llvm::consumeError(manifest.takeError());
    return 0;
  }
  std::string again = fmrt::printManifest(*manifest);
  llvm::Expected<fmrt::Manifest> reread = fmrt::parseManifest(again);
  if (!reread)
    __builtin_trap(); // what the runtime printed, it must read back
  return 0;
}
