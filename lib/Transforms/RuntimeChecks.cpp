//===- RuntimeChecks.cpp - Check what the compiler cannot prove -----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-runtime-checks (fm/Transforms/Passes.td): the run-time conditions of
// linalg and tensor ops (RuntimeVerifiableOpInterface) as cf.assert ops,
// folded, with the ones that fold to false reported at compile time.
//
//===----------------------------------------------------------------------===//

#include "fm/Transforms/Passes.h"

#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/RuntimeVerifiableOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMRUNTIMECHECKS
#include "fm/Transforms/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;

/// "file:line:col" of the first file location in `loc` (the op's own, not
/// its callers', after inlining), or "" where it has none.
static std::string describeLocation(Location loc) {
  FileLineColLoc file;
  loc->walk([&](Location inner) {
    if (auto candidate = llvm::dyn_cast<FileLineColLoc>(inner)) {
      file = candidate;
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  if (!file)
    return "";
  return (file.getFilename().strref() + ":" + llvm::Twine(file.getLine()) +
          ":" + llvm::Twine(file.getColumn()))
      .str();
}

/// The message of a failed check of `op`: where it is, what it is, and
/// what failed.
static std::string checkMessage(Operation *op, StringRef what) {
  std::string where = describeLocation(op->getLoc());
  return (where.empty() ? std::string() : where + ": ") + "'" +
         op->getName().getStringRef().str() + "': " + what.str();
}

/// Whether `op` is checked: an op of the linalg or tensor dialect with run
/// time conditions, at the level of a function's code rather than inside a
/// linalg op's body (whose ops see elements, not tensors).
static bool isChecked(Operation *op) {
  if (!llvm::isa<RuntimeVerifiableOpInterface>(op))
    return false;
  StringRef dialect = op->getName().getDialectNamespace();
  if (dialect != "linalg" && dialect != "tensor")
    return false;
  return !op->getParentOfType<linalg::LinalgOp>();
}

namespace {
struct FmRuntimeChecksPass
    : mlir::fm::impl::FmRuntimeChecksBase<FmRuntimeChecksPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::SmallVector<Operation *> checked;
    module.walk([&](Operation *op) {
      if (isChecked(op))
        checked.push_back(op);
    });
    if (checked.empty())
      return;
    OpBuilder builder(&getContext());
    for (Operation *op : checked) {
      builder.setInsertionPoint(op);
      llvm::cast<RuntimeVerifiableOpInterface>(op).generateRuntimeVerification(
          builder, op->getLoc(), checkMessage);
    }

    // Fold what static shapes decide: the true checks go, and a false one
    // is a program that fails whenever it runs.
    RewritePatternSet patterns(&getContext());
    for (Dialect *dialect : getContext().getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName name : getContext().getRegisteredOperations())
      name.getCanonicalizationPatterns(patterns, &getContext());
    // As the canonicalizer does, a rewrite that stops short of a fixed
    // point leaves correct code (checks that are merely not folded).
    (void)applyPatternsGreedily(module, std::move(patterns));
    bool failedStatically = false;
    module.walk([&](cf::AssertOp check) {
      if (!matchPattern(check.getArg(), m_Zero()))
        return;
      // The diagnostic has the location already.
      StringRef message = check.getMsg();
      std::string where = describeLocation(check.getLoc());
      if (!where.empty())
        message.consume_front(where + ": ");
      check.emitError() << "this check fails whenever the code runs: "
                        << message;
      failedStatically = true;
    });
    if (failedStatically)
      signalPassFailure();
  }
};
} // namespace
