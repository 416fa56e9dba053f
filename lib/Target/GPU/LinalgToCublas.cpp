//===- LinalgToCublas.cpp - Contractions on buffers to cuBLASLt calls -----===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-gpu-linalg-to-cublas: the GPU target's products. Every f32 2-D
// contraction on buffers becomes a call of the runtime's CUDA layer,
// `fmrt_cuda_matmul(A, B, bias, D, flags, activation, alpha)`, which runs
// it with cuBLASLt on the runtime's stream (fm/Runtime/CudaAbi.h). The
// matching and rewriting are those of the oneDNN calls
// (fm/Utils/ProductCalls.h); only the epilogues differ: cuBLASLt has bias,
// ReLU and tanh-GELU epilogues, so a layer with another activation (ELU,
// SiLU) keeps it in its own kernel.
//
//===----------------------------------------------------------------------===//

#include "fm/Target/GPU/Passes.h"
#include "fm/Utils/ProductCalls.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMGPULINALGTOCUBLAS
#include "fm/Target/GPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;
using fmrt::Activation;

/// The function compiled code calls for a product (fm/Runtime/CudaAbi.h).
static constexpr llvm::StringLiteral kCudaMatmul = "fmrt_cuda_matmul";

/// Whether cuBLASLt has an epilogue for `activation`
/// (CUBLASLT_EPILOGUE_RELU_BIAS, CUBLASLT_EPILOGUE_GELU_BIAS and their forms
/// without a bias).
static bool cublasFuses(Activation activation) {
  return activation == Activation::Relu || activation == Activation::GeluTanh;
}

namespace {
struct FmGpuLinalgToCublasPass
    : mlir::fm::impl::FmGpuLinalgToCublasBase<FmGpuLinalgToCublasPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto declare = [&] {
      if (auto existing = module.lookupSymbol<func::FuncOp>(kCudaMatmul))
        return existing;
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      auto func = func::FuncOp::create(b, module.getLoc(), kCudaMatmul,
                                       getProductCallType(&getContext()));
      func.setPrivate();
      func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
      return func;
    };
    replaceProductsWithCalls(module, declare, cublasFuses);
  }
};
} // namespace
