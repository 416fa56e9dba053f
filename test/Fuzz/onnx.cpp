//===- onnx.cpp - Fuzzing the ONNX importer -------------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Arbitrary bytes through fm-import-onnx's whole path: parsed as a binary
// model (or, when the first byte is '<', as ONNX's textual syntax), checked,
// converted and shape-inferred by libonnx, then imported both as a plain
// function and as a network. Every outcome must be an error or IR that
// verifies: a crash, a sanitizer report or an import that succeeds with
// invalid IR (which aborts here) is a finding.
//
//===----------------------------------------------------------------------===//

#include "fm/Import/Onnx.h"
#include "fm/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <cstdio>
#include <cstdlib>

using namespace mlir;

static MLIRContext &context() {
  static MLIRContext *ctx = [] {
    DialectRegistry registry;
    fm::registerFmDialects(registry);
    // No thread pool: the importer forks (libonnx runs in a child).
    auto *c = new MLIRContext(registry, MLIRContext::Threading::DISABLED);
    c->loadAllAvailableDialects();
    // Errors are the expected outcome of most inputs: keep them quiet.
    c->getDiagEngine().registerHandler([](Diagnostic &) { return success(); });
    return c;
  }();
  return *ctx;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  llvm::StringRef bytes(reinterpret_cast<const char *>(data), size);
  bool textual = !bytes.empty() && bytes.front() == '<';
  llvm::Expected<fm::onnx::Model> model =
      fm::onnx::Model::parse(bytes, "fuzz", textual);
  if (!model) {
    llvm::consumeError(model.takeError());
    return 0;
  }
  for (bool network : {false, true}) {
    fm::onnx::ImportOptions options;
    options.network = network;
    OwningOpRef<ModuleOp> module =
        ModuleOp::create(UnknownLoc::get(&context()));
    if (succeeded(fm::onnx::importModel(*model, *module, options)) &&
        failed(verify(*module))) {
      std::fprintf(stderr, "the importer produced IR that does not verify\n");
      module->print(llvm::errs());
      std::abort();
    }
  }
  if (llvm::Expected<std::vector<fm::onnx::TensorData>> params =
          fm::onnx::networkParameters(*model);
      !params)
    llvm::consumeError(params.takeError());
  return 0;
}
