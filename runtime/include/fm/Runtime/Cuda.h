//===- Cuda.h - The runtime's CUDA layer ------------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The CUDA driver, loaded on first use with dlopen (libcuda.so.1, or the
// path in FM_CUDA_DRIVER), on the first device and its primary context,
// with one stream for all the process's GPU work.
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

/// The one stream all GPU work of the process is ordered on: compiled
/// code's launches, copies, allocations and frees (its `mgpuStreamCreate`
/// returns this stream), the cuBLASLt products and the runtime's own copies.
/// Since everything is in order on it and compiled host code never reads
/// device memory (fm-gpu-check-host-loops proves it), compiled code's waits
/// (`mgpuStreamSynchronize`) return at once: the runtime synchronizes before
/// it reads results (synchronize()). Null where load() failed.
void *stream();

/// `bytes` of device memory, ordered on stream(); null for 0 bytes. Needs
/// load() to have succeeded.
Status allocate(size_t bytes, void **pointer);

/// Frees what allocate() or compiled code allocated, ordered on stream().
void deallocate(void *pointer);

/// Copies `bytes` between host and device memory (either direction, or
/// device to device), ordered on stream(). The host side is free to reuse
/// once the copy is synchronized.
Status copy(void *destination, const void *source, size_t bytes);

/// Waits until everything ordered on stream() has run, and returns the
/// first error recorded since the last takeError() (clearing it).
Status synchronize();

} // namespace fmrt::cuda

#endif // FM_RUNTIME_CUDA_H
