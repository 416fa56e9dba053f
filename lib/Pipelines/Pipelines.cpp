//===- Pipelines.cpp - Named pass pipelines of FM-MLIR --------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Pipelines/Pipelines.h"

#include "fm/Conversion/Passes.h"
#include "fm/Target/CPU/Passes.h"
#include "fm/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using fmrt::Backend;

/// Built from the passes' create functions rather than a textual pipeline,
/// so it works in a host compiler that never registered MLIR's passes. The
/// textual equivalents are in docs/Pipelines.md.
void mlir::fm::buildFmPipeline(OpPassManager &pm, Backend backend) {
  // The declarative level to loop-level functions, fm → linalg on tensors,
  // differentiation (fm.vjp, fm.jvp) of the result, and fusion of the
  // elementwise chains.
  pm.addPass(fm::createFmExpandFlow());
  pm.addPass(fm::createFmConvertToLinalg());
  pm.addPass(fm::createFmAutodiff());
  // Every call inlined: the network's layers, the network in its solvers and
  // losses, and the generated derivative functions, which then go (private
  // functions nobody calls). CSE computes once what several calls shared,
  // such as the forward pass of the D JVPs of an exact divergence.
  pm.addPass(createInlinerPass());
  pm.addPass(createSymbolDCEPass());
  pm.addPass(createCSEPass());
  // What no slice reads is not computed: a likelihood's divergence at the
  // solver stages whose ℓ nobody reads.
  pm.addPass(fm::createFmBubbleUpSlices());
  pm.addPass(fm::createFmFuseElementwise());
  // Every structured op as a generic. The reverse sweep's products come out
  // of fm-autodiff with bodies that only canonicalization turns into a
  // plain multiply-add.
  pm.addPass(createLinalgGeneralizeNamedOpsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // linalg: contractions become register-blocked vector code. (dnnl: they
  // stay generics until they are calls, after bufferization.)
  if (backend == Backend::Linalg) {
    pm.addPass(fm::createFmCpuVectorizeContractions());
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  // The other generics get the loop order LLVM's vectorizer wants.
  pm.addPass(fm::createFmCpuLoopOrder());
  // dnnl recognizes activations by their math ops: approximate them after.
  if (backend == Backend::Linalg)
    pm.addPass(fm::createFmCpuApproximateMath());

  // Tensors → buffers, across function boundaries, then deallocation.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // Loops (training steps, ODE steps) yield freshly computed tensors.
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (backend == Backend::Dnnl) {
    pm.addPass(fm::createFmLinalgToDnnl());
    pm.addPass(fm::createFmCpuApproximateMath());
  }
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  // Strided copies as loops: compiled code then calls no MLIR runtime
  // library (fm-exec loads it without libMLIR).
  pm.addPass(fm::createFmCpuInlineStridedCopies());

  // Loops, then the standard lowering to the LLVM dialect.
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createLoopInvariantCodeMotionPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void mlir::fm::buildFmCpuPipeline(OpPassManager &pm) {
  buildFmPipeline(pm, Backend::Linalg);
}

void mlir::fm::buildFmDnnlPipeline(OpPassManager &pm) {
  buildFmPipeline(pm, Backend::Dnnl);
}

namespace {
/// The options of `fm-pipeline`.
struct FmPipelineOptions : PassPipelineOptions<FmPipelineOptions> {
  Option<Backend> backend{
      *this, "backend", llvm::cl::desc("The backend to lower for"),
      llvm::cl::init(Backend::Linalg),
      llvm::cl::values(
          clEnumValN(Backend::Linalg, "linalg", "generated vector code"),
          clEnumValN(Backend::Dnnl, "dnnl", "oneDNN calls for products"))};
};
} // namespace

void mlir::fm::registerFmPipelines() {
  PassPipelineRegistration<FmPipelineOptions>(
      "fm-pipeline",
      "Lower fm and linalg on tensors to the LLVM dialect for a backend",
      [](OpPassManager &pm, const FmPipelineOptions &options) {
        buildFmPipeline(pm, options.backend);
      });
  PassPipelineRegistration<>(
      "fm-cpu-pipeline",
      "Lower fm and linalg on tensors to the LLVM dialect for the host CPU",
      buildFmCpuPipeline);
  PassPipelineRegistration<>(
      "fm-dnnl-pipeline",
      "Lower fm and linalg on tensors to the LLVM dialect for the host CPU, "
      "with contractions as calls of the runtime's oneDNN layer",
      buildFmDnnlPipeline);
}
