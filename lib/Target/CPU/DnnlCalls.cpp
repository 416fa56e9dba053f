//===- DnnlCalls.cpp - Declarations of the oneDNN layer's ABI -------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "DnnlCalls.h"

#include "fm/Utils/ProductCalls.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

using namespace mlir;
using namespace fmrt::dnnl;

/// The MLIR type compiled code passes for a parameter of the runtime's C
/// ABI (DnnlAbi.def).
static Type getAbiType(MLIRContext *ctx, AbiType type) {
  switch (type) {
  case AbiType::Memref2dF32:
    return fm::getDynamicStridedF32(ctx, 2);
  case AbiType::Memref1dF32:
    return fm::getDynamicStridedF32(ctx, 1);
  case AbiType::I64:
    return IntegerType::get(ctx, 64);
  case AbiType::F32:
    return Float32Type::get(ctx);
  case AbiType::Pointer:
    return LLVM::LLVMPointerType::get(ctx);
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

func::FuncOp mlir::fm::declareAbiFunction(ModuleOp module,
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
