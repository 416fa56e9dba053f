//===- CheckedAllocations.cpp - Allocation functions that check ---------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-cpu-checked-allocations (fm/Target/CPU/Passes.td): the bodies of the
// generic allocation functions that finalize-memref-to-llvm calls, in the
// LLVM dialect, so that a failed malloc reaches the runtime
// (fm/Runtime/Allocation.h) instead of a null dereference.
//
//===----------------------------------------------------------------------===//

#include "fm/Target/CPU/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCPUCHECKEDALLOCATIONS
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;

/// The global through which the runtime gives compiled code its handler
/// of failed allocations (fmrt::kOutOfMemoryHook).
static constexpr llvm::StringLiteral kHookName = "fm_out_of_memory_hook";

/// The function `name` of `module`, declared with `type` and `linkage`
/// where the module has none.
static LLVM::LLVMFuncOp getOrDeclare(ModuleOp module, StringRef name,
                                     LLVM::LLVMFunctionType type,
                                     LLVM::Linkage linkage) {
  if (auto existing = module.lookupSymbol<LLVM::LLVMFuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  return LLVM::LLVMFuncOp::create(b, module.getLoc(), name, type, linkage);
}

namespace {
struct FmCpuCheckedAllocationsPass
    : mlir::fm::impl::FmCpuCheckedAllocationsBase<FmCpuCheckedAllocationsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    Location loc = module.getLoc();
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    Type i64 = IntegerType::get(ctx, 64);
    Type none = LLVM::LLVMVoidType::get(ctx);

    auto alloc =
        module.lookupSymbol<LLVM::LLVMFuncOp>("_mlir_memref_to_llvm_alloc");
    // Code lowered without the generic functions (gpu-to-llvm's host side)
    // calls malloc itself: those calls go through the checked function too.
    llvm::SmallVector<LLVM::CallOp> mallocCalls;
    module.walk([&](LLVM::CallOp call) {
      if (call.getCallee() == "malloc")
        mallocCalls.push_back(call);
    });
    if (!mallocCalls.empty() && !alloc)
      alloc = getOrDeclare(module, "_mlir_memref_to_llvm_alloc",
                           LLVM::LLVMFunctionType::get(ptr, i64),
                           LLVM::Linkage::External);
    if (alloc && alloc.isExternal())
      for (LLVM::CallOp call : mallocCalls)
        call.setCallee(alloc.getSymName());
    if (alloc && alloc.isExternal()) {
      LLVM::LLVMFuncOp malloc =
          getOrDeclare(module, "malloc", LLVM::LLVMFunctionType::get(ptr, i64),
                       LLVM::Linkage::External);
      // The runtime's handler, which the runtime stores into this global
      // when it loads the module (fm/Runtime/Allocation.h); null elsewhere.
      auto hook = module.lookupSymbol<LLVM::GlobalOp>(kHookName);
      if (!hook) {
        OpBuilder g = OpBuilder::atBlockEnd(module.getBody());
        hook = LLVM::GlobalOp::create(g, loc, ptr, /*isConstant=*/false,
                                      LLVM::Linkage::External, kHookName,
                                      Attribute());
        Block *init = g.createBlock(&hook.getInitializerRegion());
        g.setInsertionPointToEnd(init);
        LLVM::ReturnOp::create(g, loc, LLVM::ZeroOp::create(g, loc, ptr));
      }
      LLVM::LLVMFuncOp abort =
          getOrDeclare(module, "abort", LLVM::LLVMFunctionType::get(none, {}),
                       LLVM::Linkage::External);
      // One copy per library: internal, so that two loaded libraries never
      // share it.
      alloc.setLinkage(LLVM::Linkage::Internal);
      OpBuilder b(ctx);
      Block *entry = alloc.addEntryBlock(b);
      Region &body = alloc.getBody();
      Block *done = new Block(), *failed = new Block(), *report = new Block(),
            *stop = new Block();
      body.push_back(done);
      body.push_back(failed);
      body.push_back(report);
      body.push_back(stop);
      Value size = entry->getArgument(0);

      // p = malloc(size); p == null && size != 0 fails.
      b.setInsertionPointToEnd(entry);
      Value p =
          LLVM::CallOp::create(b, loc, malloc, ValueRange{size}).getResult();
      Value null = LLVM::ZeroOp::create(b, loc, ptr);
      Value zero = LLVM::ConstantOp::create(b, loc, i64, 0);
      Value isNull =
          LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::eq, p, null);
      Value nonzero =
          LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, size, zero);
      Value fails = LLVM::AndOp::create(b, loc, isNull, nonzero);
      LLVM::CondBrOp::create(b, loc, fails, failed, done);
      b.setInsertionPointToEnd(done);
      LLVM::ReturnOp::create(b, loc, p);

      // The runtime's hook where the process has one (it does not return),
      // abort otherwise.
      b.setInsertionPointToEnd(failed);
      Value handler = LLVM::LoadOp::create(
          b, loc, ptr, LLVM::AddressOfOp::create(b, loc, hook));
      Value present =
          LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, handler, null);
      LLVM::CondBrOp::create(b, loc, present, report, stop);
      b.setInsertionPointToEnd(report);
      LLVM::CallOp::create(b, loc, LLVM::LLVMFunctionType::get(none, i64),
                           ValueRange{handler, size});
      LLVM::BrOp::create(b, loc, stop);
      b.setInsertionPointToEnd(stop);
      LLVM::CallOp::create(b, loc, abort, ValueRange{});
      LLVM::UnreachableOp::create(b, loc);
    }

    auto release =
        module.lookupSymbol<LLVM::LLVMFuncOp>("_mlir_memref_to_llvm_free");
    if (release && release.isExternal()) {
      LLVM::LLVMFuncOp free =
          getOrDeclare(module, "free", LLVM::LLVMFunctionType::get(none, ptr),
                       LLVM::Linkage::External);
      release.setLinkage(LLVM::Linkage::Internal);
      OpBuilder b(ctx);
      Block *entry = release.addEntryBlock(b);
      b.setInsertionPointToEnd(entry);
      LLVM::CallOp::create(b, loc, free, ValueRange{entry->getArgument(0)});
      LLVM::ReturnOp::create(b, loc, ValueRange{});
    }
  }
};
} // namespace
