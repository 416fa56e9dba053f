//===- fm-exec.cpp - Train and sample compiled fm programs ----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
//   fm-exec train|sample|eval ...   (tools/cli/)
//
// fm-run without the compiler, for programs `fm-run compile` wrote: no
// libMLIR or libLLVM in the process, so a run holds the model, not the
// compiler.
//
//===----------------------------------------------------------------------===//

#include "Cli.h"

int main(int argc, char **argv) {
  fm::cli::ToolConfig config;
  config.name = "fm-exec";
  return fm::cli::runTool(argc, argv, config);
}
