//===- Autodiff.cpp - Reverse-mode differentiation of linalg functions ----===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-autodiff: replaces fm.vjp with calls to generated vector-Jacobian-product
// functions (VJPBuilder.h), one per callee and set of gradients read. The
// generated function clones the callee, rewrites named linalg ops and
// elementwise tensor arith as linalg.generic (Normalize.h), and appends a
// reverse sweep built from the scalar derivative rules of
// ScalarDerivatives.h.
//
//===----------------------------------------------------------------------===//

#include "fm/Transforms/Passes.h"

#include "VJPBuilder.h"

#include "fm/Dialect/FmOps.h"

#include "mlir/IR/SymbolTable.h"

#include <map>

namespace mlir::fm {
#define GEN_PASS_DEF_FMAUTODIFF
#include "fm/Transforms/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;

namespace {
struct FmAutodiffPass : mlir::fm::impl::FmAutodiffBase<FmAutodiffPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<VJPOp> vjps;
    module.walk([&](VJPOp op) { vjps.push_back(op); });

    // One function per callee and set of gradients its users read.
    std::map<std::pair<Operation *, SmallVector<bool, 16>>, func::FuncOp>
        generated;
    for (VJPOp op : vjps) {
      auto callee = symbols.lookup<func::FuncOp>(op.getCallee());
      if (!callee) {
        // VJPOp::verifySymbolUses rejects this before any pass runs; the
        // same message covers IR built without verification.
        op.emitOpError("'")
            << op.getCallee() << "' does not reference a func.func";
        return signalPassFailure();
      }
      // Gradients follow the callee's results among the op's results.
      SmallVector<bool, 16> wanted;
      for (Value grad : op->getResults().drop_front(callee.getNumResults()))
        wanted.push_back(!grad.use_empty());
      func::FuncOp &vjp = generated[{callee, wanted}];
      if (!vjp) {
        FailureOr<func::FuncOp> built =
            autodiff::VJPBuilder(callee, wanted).build(symbols);
        if (failed(built))
          return signalPassFailure();
        vjp = *built;
      }
      OpBuilder b(op);
      SmallVector<Value> operands(op.getInputs());
      llvm::append_range(operands, op.getCotangents());
      auto call = func::CallOp::create(b, op.getLoc(), vjp, operands);
      op.replaceAllUsesWith(call.getResults());
      op.erase();
    }
  }
};
} // namespace
