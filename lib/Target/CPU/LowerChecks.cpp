//===- LowerChecks.cpp - Failed run-time checks as runtime errors ---------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-cpu-lower-checks (fm/Target/CPU/Passes.td): cf.assert as a branch to a
// call of the runtime's handler, which reports the message as the error of
// the call that ran the code.
//
//===----------------------------------------------------------------------===//

#include "fm/Target/CPU/Passes.h"

#include "RuntimeHooks.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/IR/Matchers.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCPULOWERCHECKS
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;

/// The global through which the runtime gives compiled code its handler
/// of failed checks (fmrt::kCheckFailedHook).
static constexpr llvm::StringLiteral kHookName = "fm_check_failed_hook";

/// The module's function that reports a failed check: it calls the
/// runtime's handler with the message, or aborts.
static constexpr llvm::StringLiteral kReportName = "fm_check_failed";

namespace {
struct FmCpuLowerChecksPass
    : mlir::fm::impl::FmCpuLowerChecksBase<FmCpuLowerChecksPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::SmallVector<cf::AssertOp> checks;
    // A check that folded to true is gone; the others become branches.
    module.walk([&](cf::AssertOp check) {
      if (matchPattern(check.getArg(), m_One()))
        check.erase();
      else
        checks.push_back(check);
    });
    if (checks.empty())
      return;

    MLIRContext *ctx = &getContext();
    Location loc = module.getLoc();
    Type ptr = LLVM::LLVMPointerType::get(ctx);
    Type none = LLVM::LLVMVoidType::get(ctx);
    LLVM::LLVMFuncOp report = getOrDeclareFunction(
        module, kReportName, LLVM::LLVMFunctionType::get(none, ptr),
        LLVM::Linkage::Internal);
    if (report.isExternal()) {
      LLVM::GlobalOp hook = getOrCreateHookGlobal(module, kHookName);
      OpBuilder b(ctx);
      Block *entry = report.addEntryBlock(b);
      b.setInsertionPointToEnd(entry);
      callHookOrAbort(b, loc, module, hook, entry->getArguments());
    }

    for (auto [i, check] : llvm::enumerate(checks)) {
      // before: ..., cond_br %ok, ^rest, ^failed
      // ^failed: fm_check_failed(message); unreachable
      // ^rest:   what followed the check
      Block *before = check->getBlock();
      Block *rest = before->splitBlock(check->getNextNode());
      OpBuilder b(ctx);
      b.createBlock(rest);
      Block *failed = b.getInsertionBlock();
      std::string message = check.getMsg().str();
      message.push_back('\0');
      Value text = LLVM::createGlobalString(
          check.getLoc(), b, ("fm_check_message_" + llvm::Twine(i)).str(),
          message, LLVM::Linkage::Internal);
      LLVM::CallOp::create(b, check.getLoc(), report, ValueRange{text});
      LLVM::UnreachableOp::create(b, check.getLoc());
      b.setInsertionPointAfter(check);
      cf::CondBranchOp::create(b, check.getLoc(), check.getArg(), rest,
                               ValueRange{}, failed, ValueRange{});
      check.erase();
    }
  }
};
} // namespace
