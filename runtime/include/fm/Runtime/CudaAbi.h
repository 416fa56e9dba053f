//===- CudaAbi.h - The calls GPU-compiled code makes ------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The functions that host code compiled for the GPU calls: MLIR's
// gpu-to-llvm lowering and its LLVM translation emit calls of these `mgpu*`
// functions for every module load, launch, stream, event, allocation, copy
// and fill (signatures as MLIR 22 emits them; docs/notes/CudaLowering.md),
// and fm-gpu-linalg-to-cublas calls `fmrt_cuda_matmul` for every product.
// The runtime's CUDA layer (runtime/lib/cuda, fm/Runtime/Cuda.h) defines
// them on the CUDA driver API, which it loads with dlopen, so that every
// binary starts on a machine without a GPU. They cannot report an error
// to compiled code: each records the first failure, which the runtime
// turns into an error after the call (fmrt::cuda::takeError).
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_CUDAABI_H
#define FM_RUNTIME_CUDAABI_H

#include "fm/Runtime/MatmulAbi.h"

#include <cstddef>
#include <cstdint>

namespace fmrt::cuda {
/// A memref descriptor of f32 as compiled code passes it through
/// `llvm.emit_c_interface`: MLIR's StridedMemRefType<float, Rank> (the
/// pointers are device addresses).
template <int Rank> struct MemRefF32 {
  float *allocated;
  float *aligned;
  int64_t offset;
  int64_t sizes[Rank];
  int64_t strides[Rank];
};
} // namespace fmrt::cuda

extern "C" {
/// C = act(op(A)·op(B) [+ bias]), or C += op(A)·op(B) [+ bias], on the
/// runtime's stream with cuBLASLt (f32 in, f32 accumulation), with the
/// flags and activation codes of fm/Runtime/MatmulAbi.h: op(A) is A
/// ([M, K]) or, with kMatmulTransposeA, aᵀ for `a` of shape [K, M]; op(B)
/// is B ([K, N]) or, with kMatmulTransposeB, bᵀ for `b` of shape [N, K];
/// `bias` ([N]) is read only with kMatmulBias. The activation is None, Relu
/// or GeluTanh (cuBLASLt's epilogues); `alpha` is unused. Rows may be
/// padded, but each operand's last dimension must be contiguous. A call
/// that cannot run records its error (fmrt::cuda::takeError).
void _mlir_ciface_fmrt_cuda_matmul(fmrt::cuda::MemRefF32<2> *a,
                                   fmrt::cuda::MemRefF32<2> *b,
                                   fmrt::cuda::MemRefF32<1> *bias,
                                   fmrt::cuda::MemRefF32<2> *c, int64_t flags,
                                   int64_t activation, float alpha);

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
