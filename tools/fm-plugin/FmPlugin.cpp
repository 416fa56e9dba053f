//===- FmPlugin.cpp - fm as a plugin of upstream mlir-opt -----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// One shared object that is both a dialect plugin and a pass plugin:
//
//   mlir-opt --load-dialect-plugin=FMPlugin.so \
//            --load-pass-plugin=FMPlugin.so --fm-convert-to-linalg in.mlir
//
//===----------------------------------------------------------------------===//

#include "fm/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "FMDialectPlugin", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            mlir::fm::registerFmDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "FMPassPlugin", LLVM_VERSION_STRING,
          [] { mlir::fm::registerFmPasses(); }};
}
