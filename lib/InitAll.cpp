//===- InitAll.cpp - Register everything FM-MLIR provides -----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/InitAll.h"

#include "fm/Conversion/Passes.h"
#include "fm/Dialect/FmDialect.h"
#include "fm/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"

#include <mutex>

void mlir::fm::registerFmDialects(DialectRegistry &registry) {
  registry.insert<FmDialect>();
}

void mlir::fm::registerFmPasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerFmConversionPasses();
    registerFmPipelines();
  });
}
