//===- safetensors.cpp - Fuzzing the checkpoint reader --------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// readSafeTensors on arbitrary bytes: an error or a file whose every tensor
// can be read whole, never a crash or an ASan/UBSan report.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/SafeTensors.h"

#include "FuzzFile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fmrt::StatusOr<fmrt::SafeTensorsFile> file =
      fmrt::readSafeTensors(writeFuzzInput(data, size));
  if (!file.ok())
    return 0;
  volatile float sum = 0;
  for (const fmrt::SafeTensor &tensor : file->getTensors())
    for (float value : tensor.data)
      sum = sum + value;
  return 0;
}
