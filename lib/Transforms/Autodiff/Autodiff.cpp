//===- Autodiff.cpp - Differentiation of linalg functions -----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-autodiff: replaces fm.vjp with calls to generated vector-Jacobian-product
// functions (VJPBuilder.h, reverse mode) and fm.jvp with calls to generated
// Jacobian-vector-product functions (JVPBuilder.h, forward mode). A
// generated function clones the callee and rewrites named linalg ops and
// elementwise tensor arith as linalg.generic (Normalize.h); both modes build
// on the scalar derivative rules of ScalarDerivatives.h. An op is expanded
// once its callee, and every function that callee calls, holds no fm.vjp or
// fm.jvp of its own, so either mode sees the other's generated code.
// fm.stop_gradient ops are replaced by their operands at the end.
//
//===----------------------------------------------------------------------===//

#include "fm/Transforms/Passes.h"

#include "Embedding.h"
#include "JVPBuilder.h"
#include "VJPBuilder.h"

#include "fm/Dialect/FmOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SmallPtrSet.h"

#include <map>

namespace mlir::fm {
#define GEN_PASS_DEF_FMAUTODIFF
#include "fm/Transforms/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;

/// Whether `v` is zero by construction: a float constant or a fill of one,
/// possibly behind `tensor.cast`s.
static bool isKnownZero(Value v) {
  // A change of static type only: a constant batch of tangents passed where
  // the callee takes a dynamic batch.
  while (auto cast = v.getDefiningOp<tensor::CastOp>())
    v = cast.getSource();
  if (matchPattern(v, m_AnyZeroFloat()))
    return true;
  auto fill = v.getDefiningOp<linalg::FillOp>();
  return fill && fill->getNumResults() == 1 &&
         matchPattern(fill.getInputs()[0], m_AnyZeroFloat());
}

/// The callee of an fm.vjp or fm.jvp.
static StringRef calleeOf(Operation *op) {
  if (auto vjp = dyn_cast<VJPOp>(op))
    return vjp.getCallee();
  return cast<JVPOp>(op).getCallee();
}

/// `func` and the functions it reaches through calls and, if
/// `throughDifferentiation`, through the callees of fm.vjp and fm.jvp.
static llvm::SmallPtrSet<Operation *, 8>
reachableFunctions(func::FuncOp func, SymbolTable &symbols,
                   bool throughDifferentiation) {
  SmallVector<func::FuncOp> worklist = {func};
  llvm::SmallPtrSet<Operation *, 8> reached = {func};
  while (!worklist.empty()) {
    worklist.pop_back_val().walk([&](Operation *op) {
      StringRef name;
      if (auto call = dyn_cast<func::CallOp>(op))
        name = call.getCallee();
      else if (throughDifferentiation && isa<VJPOp, JVPOp>(op))
        name = calleeOf(op);
      else
        return;
      if (auto callee = symbols.lookup<func::FuncOp>(name))
        if (reached.insert(callee).second)
          worklist.push_back(callee);
    });
  }
  return reached;
}

namespace {
/// Expands the fm.vjp and fm.jvp ops of one module.
class Differentiator {
public:
  Differentiator(ModuleOp module, bool embeddingReduction)
      : module(module), symbols(module),
        embeddingReduction(embeddingReduction) {}

  /// Expands every op, callees first, or fails with a diagnostic.
  LogicalResult run() {
    SmallVector<Operation *> pending;
    module.walk([&](Operation *op) {
      if (isa<VJPOp, JVPOp>(op))
        pending.push_back(op);
    });
    // Rounds: expand every op whose callee, and every function that callee
    // calls, differentiates nothing itself; its replacement calls a
    // generated function without fm.vjp or fm.jvp, which frees the ops of
    // the next round.
    while (!pending.empty()) {
      SmallVector<Operation *> ready, later;
      for (Operation *op : pending)
        (isReady(op) ? ready : later).push_back(op);
      if (ready.empty())
        return reportCycle(pending);
      for (Operation *op : ready)
        if (failed(isa<VJPOp>(op) ? expandVJP(cast<VJPOp>(op))
                                  : expandJVP(cast<JVPOp>(op))))
          return failure();
      pending = std::move(later);
    }
    return success();
  }

private:
  /// Whether no function that `op`'s expansion clones holds an fm.vjp or
  /// fm.jvp.
  bool isReady(Operation *op) {
    auto callee = symbols.lookup<func::FuncOp>(calleeOf(op));
    if (!callee)
      return true; // The expansion reports it.
    for (Operation *func : reachableFunctions(callee, symbols,
                                              /*throughDifferentiation=*/false))
      if (func->walk([](Operation *nested) {
                return isa<VJPOp, JVPOp>(nested) ? WalkResult::interrupt()
                                                 : WalkResult::advance();
              })
              .wasInterrupted())
        return false;
    return true;
  }

  /// No op of `pending` is ready: some op's callee needs, to be
  /// differentiated, the expansion of that very op. Reports such an op.
  LogicalResult reportCycle(ArrayRef<Operation *> pending) {
    Operation *culprit = pending.front();
    for (Operation *op : pending) {
      auto callee = symbols.lookup<func::FuncOp>(calleeOf(op));
      if (callee && reachableFunctions(callee, symbols,
                                       /*throughDifferentiation=*/true)
                        .contains(op->getParentOfType<func::FuncOp>())) {
        culprit = op;
        break;
      }
    }
    return culprit->emitError("fm-autodiff: cannot differentiate '")
           << calleeOf(culprit)
           << "': its derivative depends on itself, through an fm.vjp or "
              "fm.jvp in it or in a function it calls";
  }

  /// Replaces `op` with a call to the VJP function of its callee and the
  /// gradients its users read.
  LogicalResult expandVJP(VJPOp op) {
    auto callee = symbols.lookup<func::FuncOp>(op.getCallee());
    if (!callee) {
      // VJPOp::verifySymbolUses rejects this before any pass runs; the
      // same message covers IR built without verification.
      return op.emitOpError("'")
             << op.getCallee() << "' does not reference a func.func";
    }
    // Gradients follow the callee's results among the op's results.
    SmallVector<bool, 16> wanted;
    for (Value grad : op->getResults().drop_front(callee.getNumResults()))
      wanted.push_back(!grad.use_empty() &&
                       autodiff::isDifferentiableType(grad.getType()));
    func::FuncOp &vjp = vjps[{callee, wanted}];
    if (!vjp) {
      FailureOr<func::FuncOp> built =
          autodiff::VJPBuilder(callee, wanted, embeddingReduction)
              .build(symbols);
      if (failed(built))
        return failure();
      vjp = *built;
    }
    OpBuilder b(op);
    SmallVector<Value> operands(op.getInputs());
    llvm::append_range(operands, op.getCotangents());
    auto call = func::CallOp::create(b, op.getLoc(), vjp, operands);
    op.replaceAllUsesWith(call.getResults());
    op.erase();
    return success();
  }

  /// Replaces `op` with a call to the JVP function of its callee, the
  /// inputs whose tangents may be nonzero and the result tangents its users
  /// read.
  LogicalResult expandJVP(JVPOp op) {
    auto callee = symbols.lookup<func::FuncOp>(op.getCallee());
    if (!callee)
      return op.emitOpError("'")
             << op.getCallee() << "' does not reference a func.func";
    // Per input whether it is seeded, then per result whether its tangent
    // is read.
    SmallVector<bool, 16> key;
    for (Value tangent : op.getTangents())
      key.push_back(autodiff::isDifferentiableType(tangent.getType()) &&
                    !isKnownZero(tangent));
    for (Value tangent : op.getResultTangents())
      key.push_back(!tangent.use_empty());
    func::FuncOp &jvp = jvps[{callee, key}];
    if (!jvp) {
      ArrayRef<bool> flags(key);
      size_t numInputs = op.getInputs().size();
      FailureOr<func::FuncOp> built =
          autodiff::JVPBuilder(callee, flags.take_front(numInputs),
                               flags.drop_front(numInputs))
              .build(symbols);
      if (failed(built))
        return failure();
      jvp = *built;
    }
    OpBuilder b(op);
    SmallVector<Value> operands(op.getInputs());
    llvm::append_range(operands, op.getTangents());
    auto call = func::CallOp::create(b, op.getLoc(), jvp, operands);
    op.replaceAllUsesWith(call.getResults());
    op.erase();
    return success();
  }

  /// The module whose ops are expanded.
  ModuleOp module;
  /// Its symbols, generated functions included.
  SymbolTable symbols;
  /// fm-autodiff's embedding-gradient=reduction.
  bool embeddingReduction;
  /// The generated VJP functions, per callee and set of gradients read.
  std::map<std::pair<Operation *, SmallVector<bool, 16>>, func::FuncOp> vjps;
  /// The generated JVP functions, per callee and key (seeded inputs, then
  /// result tangents read).
  std::map<std::pair<Operation *, SmallVector<bool, 16>>, func::FuncOp> jvps;
};

struct FmAutodiffPass : mlir::fm::impl::FmAutodiffBase<FmAutodiffPass> {
  using FmAutodiffBase::FmAutodiffBase;

  void runOnOperation() override {
    if (embeddingGradient != "scatter" && embeddingGradient != "reduction") {
      getOperation().emitError("fm-autodiff: embedding-gradient must be "
                               "scatter or reduction, got '")
          << embeddingGradient << "'";
      return signalPassFailure();
    }
    if (failed(Differentiator(getOperation(), embeddingGradient == "reduction")
                   .run()))
      return signalPassFailure();
    // What differentiation did not consume is the identity.
    getOperation().walk([](StopGradientOp op) {
      op.replaceAllUsesWith(op.getInput());
      op.erase();
    });
    // Embedding lookups were kept for their derivative rules; they are now
    // gathers.
    getOperation().walk([](EmbeddingOp op) {
      OpBuilder b(op);
      Value gather = autodiff::buildEmbeddingGather(
          b, op.getLoc(), op.getWeight(), op.getTokens(), op.getType());
      op.replaceAllUsesWith(gather);
      op.erase();
    });
  }
};
} // namespace
