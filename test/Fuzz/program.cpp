//===- program.cpp - Fuzzing fm programs through the passes ---------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Arbitrary text as an fm program: parsed with the fm dialect and verified
// (the dialect's verifiers see whatever parses), then, where it verifies,
// through FM-MLIR's own passes: fm-expand-flow, fm-convert-to-linalg,
// fm-autodiff, fm-bubble-up-slices, fm-fuse-elementwise and
// fm-runtime-checks, the front half of every pipeline. A pass may fail with a
// diagnostic; it may not crash, and a pass that succeeds must leave IR that
// verifies (the verifier runs at the end rather than between passes, so that a
// pass producing invalid IR aborts here instead of failing quietly).
//
//===----------------------------------------------------------------------===//

#include "fm/Conversion/Passes.h"
#include "fm/Dialect/FmDialect.h"
#include "fm/Transforms/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/RuntimeOpVerification.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/RuntimeOpVerification.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"

#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mlir;

static MLIRContext &context() {
  static MLIRContext *ctx = [] {
    // The dialects of fm programs and of what the front half produces (the
    // instrumented copies of fm's libraries stand alone, without
    // FMInitAll).
    DialectRegistry registry;
    registry
        .insert<fm::FmDialect, affine::AffineDialect, arith::ArithDialect,
                cf::ControlFlowDialect, func::FuncDialect, index::IndexDialect,
                linalg::LinalgDialect, math::MathDialect, scf::SCFDialect,
                tensor::TensorDialect>();
    linalg::registerRuntimeVerifiableOpInterfaceExternalModels(registry);
    tensor::registerRuntimeVerifiableOpInterfaceExternalModels(registry);
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    c->getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    return c;
  }();
  return *ctx;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // MLIR's lexer reads up to a terminating NUL, which the fuzzer's buffer
  // lacks: parse a copy that has one, as a file read from disk would.
  std::string text(reinterpret_cast<const char *>(data), size);
  ParserConfig config(&context());
  OwningOpRef<ModuleOp> module =
      parseSourceString<ModuleOp>(llvm::StringRef(text.c_str(), size), config);
  if (!module || failed(verify(*module)))
    return 0;
  PassManager pm(&context());
  pm.enableVerifier(false);
  pm.addPass(fm::createFmExpandFlow());
  pm.addPass(fm::createFmConvertToLinalg());
  pm.addPass(fm::createFmAutodiff());
  pm.addPass(fm::createFmBubbleUpSlices());
  pm.addPass(fm::createFmFuseElementwise());
  pm.addPass(fm::createFmRuntimeChecks());
  if (succeeded(pm.run(*module)) && failed(verify(*module))) {
    std::fprintf(stderr, "fm's passes succeeded on IR that verified and left "
                         "IR that does not\n");
    std::abort();
  }
  return 0;
}
