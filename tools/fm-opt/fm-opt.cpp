//===- fm-opt.cpp - The FM-MLIR optimizer driver --------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// mlir-opt with the fm dialect, its passes and named pipelines added to every
// upstream dialect, extension and pass.
//
//===----------------------------------------------------------------------===//

#include "fm/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::fm::registerFmPasses();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR inside the pipeline.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::fm::registerFmDialects(registry);

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "FM-MLIR optimizer driver\n", registry));
}
