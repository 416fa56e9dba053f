//===- Pipelines.cpp - Named pass pipelines of FM-MLIR --------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Pipelines/Pipelines.h"

#include "fm/Conversion/Passes.h"
#include "fm/Target/CPU/Passes.h"
#include "fm/Target/GPU/Passes.h"
#include "fm/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;
using fmrt::Backend;

/// The pipelines are built from the passes' create functions rather than
/// textual pipelines, so they work in a host compiler that never registered
/// MLIR's passes. The textual equivalents are in docs/Pipelines.md.

/// The front half of every pipeline: the declarative level to linalg on
/// tensors, differentiated, inlined and fused. The GPU gets embedding
/// gradients without host loops.
static void buildTensorPipeline(OpPassManager &pm, Backend backend) {
  // The declarative level to loop-level functions, fm → linalg on tensors,
  // differentiation (fm.vjp, fm.jvp) of the result, and fusion of the
  // elementwise chains.
  pm.addPass(fm::createFmExpandFlow());
  pm.addPass(fm::createFmConvertToLinalg());
  fm::FmAutodiffOptions autodiff;
  if (backend == Backend::Cuda)
    autodiff.embeddingGradient = "reduction";
  pm.addPass(fm::createFmAutodiff(autodiff));
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
  // What the shapes leave open (a dynamic batch) is checked when it runs.
  pm.addPass(fm::createFmRuntimeChecks());
}

/// One-shot bufferization of a whole module, entry points included.
static void addBufferization(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  // Loops (training steps, ODE steps) yield freshly computed tensors.
  bufferize.allowReturnAllocsFromLoops = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

mlir::fm::ContractionTiles mlir::fm::contractionTilesForHost() {
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  if (features.lookup("avx512f"))
    return ContractionTiles{};
  if (features.lookup("avx"))
    return ContractionTiles{4, 16, 16};
  return ContractionTiles{4, 8, 16};
}

void mlir::fm::buildFmPipeline(OpPassManager &pm, Backend backend,
                               const ContractionTiles &tiles) {
  if (backend == Backend::Cuda)
    return buildFmCudaPipeline(pm, GpuKernelsOptions{});
  buildTensorPipeline(pm, backend);
  // linalg: contractions become register-blocked vector code. (dnnl: they
  // stay generics until they are calls, after bufferization.)
  if (backend == Backend::Linalg) {
    fm::FmCpuVectorizeContractionsOptions blocks;
    blocks.tileM = tiles.rows;
    blocks.tileN = tiles.cols;
    blocks.tileK = tiles.depth;
    pm.addPass(fm::createFmCpuVectorizeContractions(blocks));
    pm.addPass(createCanonicalizerPass());
    pm.addPass(createCSEPass());
  }
  // The other generics get the loop order LLVM's vectorizer wants.
  pm.addPass(fm::createFmCpuLoopOrder());
  // dnnl recognizes activations by their math ops: approximate them after.
  if (backend == Backend::Linalg)
    pm.addPass(fm::createFmCpuApproximateMath());

  // Tensors → buffers, across function boundaries, then deallocation.
  // Entry points read their arguments and compute their buffer results in
  // the caller's buffers. No two linalg ops share an init, so none is
  // copied.
  pm.addPass(fm::createFmCpuFreshInits());
  pm.addPass(fm::createFmCpuReadOnlyArguments());
  addBufferization(pm);
  pm.addPass(fm::createFmCpuResultDestinations());
  if (backend == Backend::Dnnl) {
    pm.addPass(fm::createFmLinalgToDnnl());
    pm.addPass(fm::createFmCpuApproximateMath());
  }
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  // Strided copies as loops: compiled code then calls no MLIR runtime
  // library (fm-exec loads it without libMLIR).
  pm.addPass(fm::createFmCpuInlineStridedCopies());
  // dnnl: large elementwise loops run on the products' threads.
  if (backend == Backend::Dnnl)
    pm.addPass(fm::createFmCpuParallelElementwise());

  // Loops, then the standard lowering to the LLVM dialect.
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertVectorToSCFPass(
      VectorTransferToSCFOptions().enableFullUnroll()));
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createLoopInvariantCodeMotionPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(fm::createFmCpuLowerChecks());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createUBToLLVMConversionPass());
  // Allocations through the runtime's functions, which report a failed one
  // instead of returning NULL (fm/Runtime/Allocation.h).
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(fm::createFmCpuCheckedAllocations());
  pm.addPass(createCanonicalizerPass());
}

void mlir::fm::buildFmCpuPipeline(OpPassManager &pm) {
  buildFmPipeline(pm, Backend::Linalg);
}

void mlir::fm::buildFmDnnlPipeline(OpPassManager &pm) {
  buildFmPipeline(pm, Backend::Dnnl);
}

llvm::StringRef mlir::fm::configuredCudaToolkit() {
#ifdef FM_CUDA_TOOLKIT_DIR
  return FM_CUDA_TOOLKIT_DIR;
#else
  return "";
#endif
}

void mlir::fm::buildFmCudaPipeline(OpPassManager &pm,
                                   const GpuKernelsOptions &options) {
  buildTensorPipeline(pm, Backend::Cuda);
  // Generics with their contiguous loop innermost, which the kernel
  // mapping puts on thread_x: a warp reads consecutive elements.
  pm.addPass(fm::createFmCpuLoopOrder());
  pm.addPass(fm::createFmGpuDeviceTensors());
  addBufferization(pm);
  pm.addPass(fm::createFmGpuLinalgToCublas());
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
  pm.addPass(fm::createFmGpuDeviceMemory());
  buildFmGpuKernelsPipeline(pm, options);
}

void mlir::fm::buildFmGpuKernelsPipeline(OpPassManager &pm,
                                         const GpuKernelsOptions &options) {
  // Kernels: no canonicalization between the mapping and the conversion,
  // which would merge the tiled loop nests (docs/notes/CudaLowering.md).
  OpPassManager &kernels = pm.nest<func::FuncOp>();
  kernels.addPass(createFmGpuMapLinalg());
  kernels.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createFmGpuCheckHostLoops());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addNestedPass<func::FuncOp>(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  // Launches, copies and allocations on a stream, in order.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());

  std::string toolkit =
      options.toolkit.empty() ? configuredCudaToolkit().str() : options.toolkit;
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = "+ptx80";
  target.optLevel = 3;
  pm.addPass(createGpuNVVMAttachTarget(target));
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(fm::createFmCpuLowerChecks());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  device.addPass(createStripDebugInfoPass());
  device.addPass(createConvertGpuOpsToNVVMOps());
  device.addPass(createCanonicalizerPass());
  device.addPass(createCSEPass());
  device.addPass(createReconcileUnrealizedCastsPass());
  // The host side, once the kernels are NVVM (gpu-to-llvm needs their
  // final signatures).
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  // The host's own allocations (deallocation bookkeeping) report a failure
  // as the CPU pipelines' do (fm/Runtime/Allocation.h).
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useGenericFunctions = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(fm::createFmCpuCheckedAllocations());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  GpuModuleToBinaryPassOptions binary;
  binary.toolkitPath = toolkit;
  binary.compilationTarget = !options.format.empty()
                                 ? options.format
                                 : (toolkit.empty() ? "isa" : "fatbin");
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

namespace {
/// The options of `fm-gpu-kernels-pipeline`.
struct FmGpuKernelsOptions : PassPipelineOptions<FmGpuKernelsOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("GPU architecture (sm_90)"),
                           llvm::cl::init("sm_90")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit root (default: the one configured)")};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("isa, bin or fatbin (default: fatbin with a toolkit, "
                     "else isa)")};
};

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
  PassPipelineRegistration<FmGpuKernelsOptions>(
      "fm-cuda-pipeline",
      "Lower fm and linalg on tensors to the LLVM dialect for NVIDIA GPUs: "
      "kernels (NVVM, embedded), cuBLASLt calls for products, and host code "
      "calling the runtime's CUDA layer",
      [](OpPassManager &pm, const FmGpuKernelsOptions &options) {
        buildFmCudaPipeline(pm, GpuKernelsOptions{options.chip, options.toolkit,
                                                  options.format});
      });
  PassPipelineRegistration<FmGpuKernelsOptions>(
      "fm-gpu-kernels-pipeline",
      "Lower linalg on buffers to GPU kernels (NVVM, embedded) and host code "
      "calling a CUDA runtime layer",
      [](OpPassManager &pm, const FmGpuKernelsOptions &options) {
        buildFmGpuKernelsPipeline(
            pm,
            GpuKernelsOptions{options.chip, options.toolkit, options.format});
      });
}
