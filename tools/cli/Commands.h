//===- Commands.h - The commands of fm-run and fm-exec -------- -*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// One function per command. Each checks its flags (Options.h) and its
// outputs before any work, runs the runtime object that does the work, and
// returns an error with the message to print.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TOOLS_CLI_COMMANDS_H
#define FM_TOOLS_CLI_COMMANDS_H

#include "Cli.h"

#include "fm/Runtime/Chunks.h"

#include <optional>
#include <utility>

namespace fm::cli {

/// The program to run (the positional PROGRAM): a compiled library as it
/// is, or an .mlir file compiled for --backend where the tool has a
/// compiler; checked against --backend and --precision.
llvm::Expected<std::unique_ptr<fmrt::Program>>
loadProgram(const ToolConfig &config);

/// How many independent calls of `program` (chunks of a sampling or
/// likelihood run) may run at once, and the runner that runs them: the
/// threads the oneDNN layer uses (--threads), each call's products on one;
/// one call at a time for GPU programs or without the oneDNN layer.
std::pair<int, fmrt::TaskRunner> concurrentCalls(const fmrt::Program &program);

/// The ODE steps to give an entry point that integrates: --steps where it
/// takes them, none where the program fixes them; an error naming `entry`
/// where --steps was given to such an entry point.
llvm::Expected<std::optional<int64_t>>
solverStepsFor(const fmrt::EntryPoint &entry, bool takesSteps);

/// `train` (Train.cpp).
llvm::Error runTrain(const ToolConfig &config);
/// `sample` (Sample.cpp).
llvm::Error runSample(const ToolConfig &config);
/// `likelihood` (Evaluate.cpp).
llvm::Error runLikelihood(const ToolConfig &config);
/// `eval` (Evaluate.cpp).
llvm::Error runEval();

} // namespace fm::cli

#endif // FM_TOOLS_CLI_COMMANDS_H
