//===- ApproximateMath.cpp - Vectorizable f32 math functions --------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// `math.exp` and friends lower to calls into libm (`expf`), which LLVM's
// loop vectorizer cannot widen: an ELU layer then runs one scalar call per
// element. This pass rewrites the selected f32 functions into MLIR's
// polynomial approximations, plain arith that vectorizes with the loop
// around it.
//
//===----------------------------------------------------------------------===//

#include "fm/Transforms/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringSet.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCPUAPPROXIMATEMATH
#include "fm/Transforms/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;

namespace {
struct FmCpuApproximateMathPass
    : mlir::fm::impl::FmCpuApproximateMathBase<FmCpuApproximateMathPass> {
  using Base::Base;

  void runOnOperation() override {
    llvm::StringSet<> selected;
    for (const std::string &name : functions)
      selected.insert(name);
    if (selected.empty())
      for (StringRef name : {"exp", "expm1", "tanh"})
        selected.insert(name);
    auto isSelected = [&](Operation *op) {
      StringRef name = op->getName().getStringRef();
      return name.consume_front("math.") && selected.contains(name);
    };
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isSelected(op))
        ops.push_back(op);
    });
    if (ops.empty())
      return;

    // Only the selected ops and what their rewrites create are rewritten:
    // expm1's approximation is built on math.log, which must be
    // approximated too, while a log elsewhere (in the normal draws) keeps
    // libm's result.
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns,
                                                [](StringRef) { return true; });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingAndNewOps);
    if (failed(applyOpPatternsGreedily(ops, std::move(patterns), config)))
      return signalPassFailure();
  }
};
} // namespace
