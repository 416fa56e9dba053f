//===- Cli.h - The command line shared by fm-run and fm-exec ----*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-run and fm-exec are one command line over the runtime's Trainer,
// Sampler and evaluateSamples: `train`, `sample` and `eval`, with the same
// flags and messages. They differ only in how they get a program from an
// .mlir file (fm-run compiles it; fm-exec has no compiler) and in fm-run's
// extra `compile` command, which a ToolConfig supplies.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TOOLS_CLI_CLI_H
#define FM_TOOLS_CLI_CLI_H

#include "fm/Runtime/Program.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <memory>

namespace fm::cli {

/// What distinguishes one front end from the other.
struct ToolConfig {
  /// The tool's name in messages ("fm-run").
  llvm::StringRef name;
  /// Compiles an .mlir program in process for a backend; null in a tool
  /// without a compiler.
  std::function<llvm::Expected<std::unique_ptr<fmrt::Program>>(
      llvm::StringRef path, fmrt::Backend backend)>
      compileSource;
  /// A command only this tool has (fm-run's `compile`), and what it does.
  llvm::cl::SubCommand *extraCommand = nullptr;
  std::function<llvm::Error()> extraAction;
};

/// The category of every option of the tools (the others are hidden).
llvm::cl::OptionCategory &category();

/// Parses the command line and runs the command it names; returns the exit
/// status: 0, 1 for a failed command (its message printed), 2 for no
/// command.
int runTool(int argc, char **argv, const ToolConfig &config);

/// The backend `--backend <flag>` names: the build's default for "", an
/// error naming the choices for an unknown name or one this build lacks.
/// `toCompile`: the backend is for `fm-run compile`, which compiles for
/// cuda in every build; other commands run what they compile, and refuse
/// cuda (GPU code is compiled ahead of time).
llvm::Expected<fmrt::Backend> parseBackendFlag(llvm::StringRef flag,
                                               llvm::StringRef toolName,
                                               bool toCompile);

/// Fails, before any work is done, for an output path that could not be
/// written or would destroy something: a directory, a symbolic link or
/// another special file (outputs are written as new regular files and
/// renamed into place, which would replace the link itself: name its
/// target instead), one of the command's `inputs` (the same file by device
/// and inode, under any name), a name too long for the temporary file
/// written next to it, or a directory that does not exist or is not
/// writable.
llvm::Error checkOutputPath(llvm::StringRef path,
                            llvm::ArrayRef<llvm::StringRef> inputs = {});

/// checkOutputPath for every output of one command, which must also differ
/// from each other.
llvm::Error checkOutputPaths(llvm::ArrayRef<llvm::StringRef> outputs,
                             llvm::ArrayRef<llvm::StringRef> inputs);

/// Whether `path` starts like an ELF file: a compiled program.
bool isCompiledProgram(llvm::StringRef path);

/// An llvm::Error carrying `message`.
llvm::Error makeError(const llvm::Twine &message);

} // namespace fm::cli

#endif // FM_TOOLS_CLI_CLI_H
