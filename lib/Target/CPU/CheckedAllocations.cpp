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

#include "RuntimeHooks.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCPUCHECKEDALLOCATIONS
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;

/// The global through which the runtime gives compiled code its handler
/// of failed allocations (fmrt::kOutOfMemoryHook).
static constexpr llvm::StringLiteral kHookName = "fm_out_of_memory_hook";

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
      alloc = getOrDeclareFunction(module, "_mlir_memref_to_llvm_alloc",
                                   LLVM::LLVMFunctionType::get(ptr, i64),
                                   LLVM::Linkage::External);
    if (alloc && alloc.isExternal())
      for (LLVM::CallOp call : mallocCalls)
        call.setCallee(alloc.getSymName());
    if (alloc && alloc.isExternal()) {
      LLVM::LLVMFuncOp malloc = getOrDeclareFunction(
          module, "malloc", LLVM::LLVMFunctionType::get(ptr, i64),
          LLVM::Linkage::External);
      // The runtime's handler, which the runtime stores into this global
      // when it loads the module (fm/Runtime/Allocation.h); null elsewhere.
      LLVM::GlobalOp hook = getOrCreateHookGlobal(module, kHookName);
      // One copy per library: internal, so that two loaded libraries never
      // share it.
      alloc.setLinkage(LLVM::Linkage::Internal);
      OpBuilder b(ctx);
      Block *entry = alloc.addEntryBlock(b);
      Region &body = alloc.getBody();
      Block *done = new Block(), *failed = new Block();
      body.push_back(done);
      body.push_back(failed);
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
      callHookOrAbort(b, loc, module, hook, ValueRange{size});
    }

    auto release =
        module.lookupSymbol<LLVM::LLVMFuncOp>("_mlir_memref_to_llvm_free");
    if (release && release.isExternal()) {
      LLVM::LLVMFuncOp free = getOrDeclareFunction(
          module, "free", LLVM::LLVMFunctionType::get(none, ptr),
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
