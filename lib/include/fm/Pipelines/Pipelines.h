//===- Pipelines.h - Named pass pipelines of FM-MLIR ------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_PIPELINES_PIPELINES_H
#define FM_PIPELINES_PIPELINES_H

#include "fm/Runtime/Backend.h"

#include "mlir/Pass/PassManager.h"

namespace mlir::fm {

/// Adds to `pm` (anchored on builtin.module) the passes that take a module
/// of fm ops and linalg on tensors to the LLVM dialect for `backend`: the
/// one pipeline every tool and driver builds, the backend passed down as a
/// value (fm/Runtime/Backend.h).
void buildFmPipeline(OpPassManager &pm, fmrt::Backend backend);

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

/// Registers the named pipelines with the global pass registry:
/// `fm-pipeline{backend=dnnl|linalg}`, and its two spellings
/// `fm-cpu-pipeline` (linalg) and `fm-dnnl-pipeline`.
void registerFmPipelines();

} // namespace mlir::fm

#endif // FM_PIPELINES_PIPELINES_H
