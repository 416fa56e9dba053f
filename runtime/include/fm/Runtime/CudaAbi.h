//===- CudaAbi.h - The calls GPU-compiled code makes ------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The functions that host code compiled for the GPU calls: MLIR's
// gpu-to-llvm lowering and its LLVM translation emit calls of these `mgpu*`
// functions for every module load, launch, stream, event, allocation, copy
// and fill (signatures as MLIR 22 emits them; docs/notes/CudaLowering.md).
// The runtime's CUDA layer (runtime/lib/cuda, fm/Runtime/Cuda.h) defines
// them on the CUDA driver API, which it loads with dlopen, so that every
// binary starts on a machine without a GPU. They cannot report an error
// to compiled code: each records the first failure, which the runtime
// turns into an error after the call (fmrt::cuda::takeError).
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_CUDAABI_H
#define FM_RUNTIME_CUDAABI_H

#include <cstddef>
#include <cstdint>

extern "C" {
/// A kernel module from a cubin or fatbin image of `size` bytes (run by a
/// global constructor of the compiled library); null on failure.
void *mgpuModuleLoad(void *data, size_t size);
/// A kernel module from PTX, compiled by the driver at `optLevel`.
void *mgpuModuleLoadJIT(void *ptx, int optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
/// Launches `function` on `stream` with the kernel's parameters `params`
/// (`paramsCount` pointers to the values).
void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t sharedMemoryBytes, void *stream,
                      void **params, void **extra, size_t paramsCount);
void *mgpuStreamCreate();
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuEventCreate();
void mgpuEventDestroy(void *event);
void mgpuEventSynchronize(void *event);
void mgpuEventRecord(void *event, void *stream);
/// `bytes` of device memory, ordered on `stream` (null for 0 bytes or on
/// failure). Host-shared (managed) memory is not offered.
void *mgpuMemAlloc(uint64_t bytes, void *stream, bool isHostShared);
void mgpuMemFree(void *pointer, void *stream);
/// Copies `bytes` between any two of host and device memory (unified
/// addressing), ordered on `stream`.
void mgpuMemcpy(void *destination, void *source, size_t bytes, void *stream);
void mgpuMemset32(void *destination, unsigned int value, size_t count,
                  void *stream);
void mgpuMemset16(void *destination, unsigned short value, size_t count,
                  void *stream);
}

#endif // FM_RUNTIME_CUDAABI_H
