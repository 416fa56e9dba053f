//===- Pipelines.h - Named pass pipelines of FM-MLIR ------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_PIPELINES_PIPELINES_H
#define FM_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"

namespace mlir::fm {

/// Adds to `pm` (anchored on builtin.module) the passes that take a module
/// of fm ops and linalg on tensors to the LLVM dialect for the host CPU:
/// fm → linalg, elementwise fusion, one-shot bufferization with function
/// boundaries, deallocation, and the standard lowering to LLVM.
void buildFmCpuPipeline(OpPassManager &pm);

/// The same pipeline with contractions (and their bias and activation
/// epilogues) as calls of the runtime's oneDNN layer (`fmrt_dnnl_matmul`,
/// fm/Runtime/Dnnl.h) instead of generated vector code. The module then
/// needs that layer at run time (fmrt::Program provides it).
void buildFmDnnlPipeline(OpPassManager &pm);

/// Registers the named pipelines (`fm-cpu-pipeline`, `fm-dnnl-pipeline`) with
/// the global pass registry, so `fm-opt --fm-cpu-pipeline` and textual
/// pipelines find them.
void registerFmPipelines();

} // namespace mlir::fm

#endif // FM_PIPELINES_PIPELINES_H
