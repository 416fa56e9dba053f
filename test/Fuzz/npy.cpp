//===- npy.cpp - Fuzzing the .npy readers ---------------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// readNpyTensor and readNpy on arbitrary bytes: an error or an array whose
// values can be read whole, never a crash or an ASan/UBSan report.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Npy.h"

#include "FuzzFile.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const std::string &path = writeFuzzInput(data, size);
  volatile double sum = 0;
  fmrt::StatusOr<fmrt::NpyTensor> tensor = fmrt::readNpyTensor(path);
  if (tensor.ok()) {
    for (double value : tensor->floats)
      sum = sum + value;
    for (int64_t value : tensor->ints)
      sum = sum + static_cast<double>(value);
  }
  fmrt::StatusOr<fmrt::NpyArray> array = fmrt::readNpy(path);
  if (array.ok())
    for (float value : array->data)
      sum = sum + value;
  return 0;
}
