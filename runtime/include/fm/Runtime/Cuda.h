//===- Cuda.h - The runtime's CUDA layer ------------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The CUDA driver, loaded on first use with dlopen (libcuda.so.1, or the
// path in FM_CUDA_DRIVER), on the first device and its primary context.
// Nothing links against CUDA: on a machine without the driver or a device
// every binary still starts, load() says why the GPU is unavailable, and
// the `mgpu*` functions (fm/Runtime/CudaAbi.h) record that as their error
// instead of crashing. Plain C++17 and POSIX, like the runtime's core.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_CUDA_H
#define FM_RUNTIME_CUDA_H

#include "fm/Runtime/Status.h"

#include <string>

namespace fmrt::cuda {

/// Loads the driver and makes the first device's primary context current,
/// once per process; later calls return the first call's result.
Status load();

/// The first error an `mgpu*` function recorded since the last call, or
/// success; the record is cleared.
Status takeError();

/// The device load() found, e.g. "NVIDIA H100 80GB HBM3 (sm_90)"; "" if
/// none.
std::string deviceName();

} // namespace fmrt::cuda

#endif // FM_RUNTIME_CUDA_H
