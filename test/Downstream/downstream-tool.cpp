//===- downstream-tool.cpp - Embeds FM-MLIR in another pipeline -----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Parses an fm program, runs fm's lowering from C++ through a textual
// pipeline, and prints the result, using only the installed package. Every
// public pass header is included, so each must compile from the install.
//
//===----------------------------------------------------------------------===//

#include "fm/Conversion/Passes.h"
#include "fm/Dialect/FmDialect.h"
#include "fm/InitAll.h"
#include "fm/Target/CPU/Passes.h"
#include "fm/Transforms/Passes.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

int main(int argc, char **argv) {
  if (argc != 3) {
    llvm::errs() << "usage: downstream-tool INPUT.mlir PIPELINE\n";
    return 2;
  }
  mlir::fm::registerFmPasses();
  mlir::DialectRegistry registry;
  mlir::fm::registerFmDialects(registry);
  mlir::MLIRContext context(registry);

  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], sourceMgr, &context);
  if (!module)
    return 1;

  mlir::PassManager pm(&context);
  if (mlir::failed(mlir::parsePassPipeline(argv[2], pm, llvm::errs())))
    return 1;
  if (mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
