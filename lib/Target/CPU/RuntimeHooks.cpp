//===- RuntimeHooks.cpp - Calls from compiled code into the runtime -------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "RuntimeHooks.h"

using namespace mlir;

LLVM::LLVMFuncOp mlir::fm::getOrDeclareFunction(ModuleOp module, StringRef name,
                                                LLVM::LLVMFunctionType type,
                                                LLVM::Linkage linkage) {
  if (auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  return LLVM::LLVMFuncOp::create(b, module.getLoc(), name, type, linkage);
}

LLVM::GlobalOp mlir::fm::getOrCreateHookGlobal(ModuleOp module,
                                               StringRef name) {
  if (auto hook = module.lookupSymbol<LLVM::GlobalOp>(name))
    return hook;
  Location loc = module.getLoc();
  Type ptr = LLVM::LLVMPointerType::get(module.getContext());
  OpBuilder g = OpBuilder::atBlockEnd(module.getBody());
  auto hook =
      LLVM::GlobalOp::create(g, loc, ptr, /*isConstant=*/false,
                             LLVM::Linkage::External, name, Attribute());
  Block *init = g.createBlock(&hook.getInitializerRegion());
  g.setInsertionPointToEnd(init);
  LLVM::ReturnOp::create(g, loc, LLVM::ZeroOp::create(g, loc, ptr));
  return hook;
}

void mlir::fm::callHookOrAbort(OpBuilder &b, Location loc, ModuleOp module,
                               LLVM::GlobalOp hook, ValueRange args) {
  MLIRContext *ctx = module.getContext();
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type none = LLVM::LLVMVoidType::get(ctx);
  LLVM::LLVMFuncOp abort = getOrDeclareFunction(
      module, "abort", LLVM::LLVMFunctionType::get(none, {}),
      LLVM::Linkage::External);
  Region *region = b.getInsertionBlock()->getParent();
  Block *report = new Block(), *stop = new Block();
  region->push_back(report);
  region->push_back(stop);
  Value handler = LLVM::LoadOp::create(b, loc, ptr,
                                       LLVM::AddressOfOp::create(b, loc, hook));
  Value null = LLVM::ZeroOp::create(b, loc, ptr);
  Value present =
      LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, handler, null);
  LLVM::CondBrOp::create(b, loc, present, report, stop);
  b.setInsertionPointToEnd(report);
  llvm::SmallVector<Value> operands{handler};
  llvm::append_range(operands, args);
  llvm::SmallVector<Type> argTypes(args.getTypes());
  LLVM::CallOp::create(b, loc, LLVM::LLVMFunctionType::get(none, argTypes),
                       operands);
  LLVM::BrOp::create(b, loc, stop);
  b.setInsertionPointToEnd(stop);
  LLVM::CallOp::create(b, loc, abort, ValueRange{});
  LLVM::UnreachableOp::create(b, loc);
}
