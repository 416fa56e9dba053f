//===- Pipelines.h - Named pass pipelines of FM-MLIR ------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_PIPELINES_PIPELINES_H
#define FM_PIPELINES_PIPELINES_H

#include "fm/Runtime/Backend.h"

#include "mlir/Pass/PassManager.h"

#include <string>

namespace mlir::fm {

/// The accumulator block of the linalg backend's contractions
/// (fm-cpu-vectorize-contractions): `rows` × `cols` floats held in vector
/// registers through `depth` reduction steps at a time. The defaults fill
/// 16 of AVX-512's 32 registers; contractionTilesForHost picks a block that
/// fits the compiling host's registers.
struct ContractionTiles {
  int64_t rows = 8;
  int64_t cols = 32;
  int64_t depth = 16;
};

/// The block for this process's CPU: the defaults with AVX-512; 4 × 16 (8
/// of 16 registers of 8 floats) with AVX; 4 × 8 (8 of 16 registers of 4
/// floats) otherwise. An 8 × 32 block on AVX2 needs 32 registers of 16 and
/// spills in the reduction loop.
ContractionTiles contractionTilesForHost();

/// Adds to `pm` (anchored on builtin.module) the passes that take a module
/// of fm ops and linalg on tensors to the LLVM dialect for `backend`: the
/// one pipeline every tool and driver builds, the backend passed down as a
/// value (fm/Runtime/Backend.h). `tiles` is the linalg backend's
/// contraction block.
void buildFmPipeline(OpPassManager &pm, fmrt::Backend backend,
                     const ContractionTiles &tiles = {});

/// buildFmPipeline for fmrt::Backend::Linalg: fm → linalg, elementwise
/// fusion, register-blocked contractions, one-shot bufferization with
/// function boundaries, deallocation, and the standard lowering to LLVM.
void buildFmCpuPipeline(OpPassManager &pm);

/// buildFmPipeline for fmrt::Backend::Dnnl: contractions (and their bias
/// and activation epilogues) become calls of the runtime's oneDNN layer
/// (`fmrt_dnnl_matmul`, fm/Runtime/Dnnl.h) instead of generated vector
/// code. The module then needs that layer at run time (fm-run and fm-exec
/// provide it).
void buildFmDnnlPipeline(OpPassManager &pm);

/// Options of buildFmCudaPipeline and buildFmGpuKernelsPipeline.
struct GpuKernelsOptions {
  /// The GPU architecture kernels are built for.
  std::string chip = "sm_90";
  /// A CUDA toolkit's root: where libdevice (the math functions) and ptxas
  /// come from. "" uses the one found when FM-MLIR was configured, if any.
  std::string toolkit;
  /// What is embedded: "isa" (PTX, compiled by the driver at load time),
  /// "bin" (a cubin, needs ptxas) or "fatbin" (cubin and PTX); "" picks
  /// fatbin with a toolkit and PTX without one.
  std::string format;
};

/// The CUDA toolkit FM-MLIR was configured with, or "".
llvm::StringRef configuredCudaToolkit();

/// buildFmPipeline for fmrt::Backend::Cuda, with the default options, and
/// `fm-cuda-pipeline{chip= toolkit= format=}`: the same front half on
/// tensors; scalar results and constants kept on the device
/// (fm-gpu-device-tensors); bufferization; products as calls of the
/// runtime's cuBLASLt layer (fm-gpu-linalg-to-cublas, `fmrt_cuda_matmul`,
/// fm/Runtime/CudaAbi.h); deallocation; buffers in device memory
/// (fm-gpu-device-memory); then buildFmGpuKernelsPipeline.
void buildFmCudaPipeline(OpPassManager &pm, const GpuKernelsOptions &options);

/// Adds to `pm` the GPU half of `fm-cuda-pipeline`: it takes a bufferized
/// module (linalg on memrefs, whose buffers live in
/// device memory) to the LLVM dialect, with every linalg op a kernel
/// (fm-gpu-map-linalg, convert-parallel-loops-to-gpu; nothing left on the
/// host that touches memory: fm-gpu-check-host-loops), launched
/// asynchronously, and the kernels compiled for `options.chip` and
/// embedded as a `gpu.binary`. The host code calls the `mgpu*` functions
/// of a CUDA runtime layer.
void buildFmGpuKernelsPipeline(OpPassManager &pm,
                               const GpuKernelsOptions &options);

/// Registers the named pipelines with the global pass registry:
/// `fm-pipeline{backend=dnnl|linalg}`, and its two spellings
/// `fm-cpu-pipeline` (linalg) and `fm-dnnl-pipeline`,
/// `fm-cuda-pipeline{chip= toolkit= format=}` and
/// `fm-gpu-kernels-pipeline{chip= toolkit= format=}`.
void registerFmPipelines();

} // namespace mlir::fm

#endif // FM_PIPELINES_PIPELINES_H
