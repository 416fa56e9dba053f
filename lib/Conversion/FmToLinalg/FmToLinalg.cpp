//===- FmToLinalg.cpp - Lower fm ops to linalg on tensors -----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The fm-convert-to-linalg pass itself: the conversion target and the
// patterns, which live in one file per family of ops (PopulatePatterns.h).
//
//===----------------------------------------------------------------------===//

#include "fm/Conversion/FmToLinalg/FmToLinalg.h"

#include "PopulatePatterns.h"

#include "fm/Dialect/FmDialect.h"
#include "fm/Dialect/FmOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCONVERTTOLINALG
#include "fm/Conversion/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;
using mlir::fm::impl::FmConvertToLinalgBase;

namespace {

struct FmConvertToLinalgPass : FmConvertToLinalgBase<FmConvertToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    ConversionTarget target(*context);
    target.addIllegalDialect<FmDialect>();
    // fm.vjp and fm.jvp are fm-autodiff's to expand, after this pass has
    // lowered the fm ops inside the functions they differentiate;
    // fm.stop_gradient is fm-autodiff's to remove, and fm.embedding, whose
    // gradient is a scatter no linalg op expresses, fm-autodiff's to lower.
    target.addLegalOp<VJPOp, JVPOp, StopGradientOp, EmbeddingOp>();
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    RewritePatternSet patterns(context);
    populateFmToLinalgConversionPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace

void mlir::fm::populateFmToLinalgConversionPatterns(
    RewritePatternSet &patterns) {
  populateFmPathToLinalgPatterns(patterns);
  populateFmTrainingToLinalgPatterns(patterns);
  populateFmODEToLinalgPatterns(patterns);
  populateFmRandomToLinalgPatterns(patterns);
  populateFmDiscreteToLinalgPatterns(patterns);
}
