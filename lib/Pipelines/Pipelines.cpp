//===- Pipelines.cpp - Named pass pipelines of FM-MLIR --------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Pipelines/Pipelines.h"

#include "fm/Conversion/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/ErrorHandling.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

/// The CPU lowering, spelled as a textual pipeline so it reads like the
/// fm-opt command line it replaces. Everything after fm-convert-to-linalg is
/// upstream MLIR.
static constexpr llvm::StringLiteral kCpuPipeline =
    "fm-convert-to-linalg,"
    "linalg-fuse-elementwise-ops,"
    "one-shot-bufferize{bufferize-function-boundaries "
    "function-boundary-type-conversion=identity-layout-map},"
    "canonicalize,cse,"
    "buffer-deallocation-pipeline,"
    "convert-bufferization-to-memref,"
    "convert-linalg-to-loops,"
    "convert-vector-to-scf,"
    "expand-strided-metadata,"
    "lower-affine,"
    "loop-invariant-code-motion,"
    "convert-scf-to-cf,"
    "convert-vector-to-llvm,"
    "convert-math-to-llvm,"
    "convert-arith-to-llvm,"
    "convert-ub-to-llvm,"
    "finalize-memref-to-llvm,"
    "convert-func-to-llvm,"
    "convert-cf-to-llvm,"
    "convert-index-to-llvm,"
    "reconcile-unrealized-casts,"
    "canonicalize";

void mlir::fm::buildFmCpuPipeline(OpPassManager &pm) {
  // The pipeline text is a constant of this file: failing to parse it is a
  // bug in FM-MLIR (for example a pass that is not registered), not bad input.
  std::string error;
  llvm::raw_string_ostream errorStream(error);
  if (failed(parsePassPipeline(kCpuPipeline, pm, errorStream)))
    llvm::report_fatal_error(llvm::Twine("fm-cpu-pipeline: ") + error);
}

void mlir::fm::registerFmPipelines() {
  PassPipelineRegistration<>(
      "fm-cpu-pipeline",
      "Lower fm and linalg on tensors to the LLVM dialect for the host CPU",
      buildFmCpuPipeline);
}
