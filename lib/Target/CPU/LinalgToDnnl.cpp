//===- LinalgToDnnl.cpp - Contractions on buffers to oneDNN calls ---------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// After bufferization, a network layer is three ops on buffers:
//
//   linalg.fill 0 → C                      (or a generic yielding 0)
//   linalg.generic C[m, n] += A·B          (a contraction, any layout)
//   linalg.generic D = act(C + bias)       (an elementwise epilogue)
//
// This pass replaces them with one call of the runtime's oneDNN layer,
// `fmrt_dnnl_matmul(A, B, bias, D, flags, activation, alpha)`, whose flags
// say which operands are read transposed and whether a bias is added; every
// activation becomes a oneDNN post-op. The matching and rewriting are
// fm/Utils/ProductCalls.h, shared with the GPU target's cuBLASLt calls.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/DnnlAbi.h"
#include "fm/Target/CPU/Passes.h"
#include "fm/Utils/ProductCalls.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMLINALGTODNNL
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;
using namespace fmrt::dnnl;

/// The runtime function every contraction becomes (DnnlAbi.def).
constexpr const AbiFunction *kMatmulFunction =
    lookupAbiFunction("fmrt_dnnl_matmul");
static_assert(kMatmulFunction, "DnnlAbi.def has no fmrt_dnnl_matmul");

/// The MLIR type compiled code passes for a parameter of the runtime's C
/// ABI (DnnlAbi.def).
static Type getAbiType(MLIRContext *ctx, AbiType type) {
  switch (type) {
  case AbiType::Memref2dF32:
    return getDynamicStridedF32(ctx, 2);
  case AbiType::Memref1dF32:
    return getDynamicStridedF32(ctx, 1);
  case AbiType::I64:
    return IntegerType::get(ctx, 64);
  case AbiType::F32:
    return Float32Type::get(ctx);
  }
  llvm_unreachable("unknown fmrt::dnnl::AbiType");
}

/// The function type of a runtime function (DnnlAbi.def).
static FunctionType getAbiFunctionType(MLIRContext *ctx,
                                       const AbiFunction &function) {
  SmallVector<Type> inputs;
  for (AbiType param : ArrayRef(function.params, function.numParams))
    inputs.push_back(getAbiType(ctx, param));
  return FunctionType::get(ctx, inputs, {});
}

/// The private declaration of a runtime function (DnnlAbi.def), with
/// `llvm.emit_c_interface`: created at the start of `module` unless it is
/// already there.
static func::FuncOp declareAbiFunction(ModuleOp module,
                                       const AbiFunction &function) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(function.name))
    return existing;
  MLIRContext *ctx = module.getContext();
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto func = func::FuncOp::create(b, module.getLoc(), function.name,
                                   getAbiFunctionType(ctx, function));
  func.setPrivate();
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  return func;
}

namespace {
struct FmLinalgToDnnlPass
    : mlir::fm::impl::FmLinalgToDnnlBase<FmLinalgToDnnlPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // oneDNN has a post-op for every activation of the ABI.
    replaceProductsWithCalls(
        module, [&] { return declareAbiFunction(module, *kMatmulFunction); },
        [](Activation) { return true; });
  }
};
} // namespace
