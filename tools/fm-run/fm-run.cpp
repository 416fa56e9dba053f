//===- fm-run.cpp - Compile, train and sample flow-matching programs ------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
//   fm-run compile PROGRAM.mlir -o program.so [--backend cuda|dnnl|linalg]
//   fm-run train|sample|eval ...   (tools/cli/; as fm-exec, plus .mlir input)
//
// fm-run is fm-exec with the compiler: it compiles a program ahead of time
// into a shared library (fm::driver::compileToLibrary), and runs .mlir
// programs by compiling them in process first (fm::driver::compileFile).
//
//===----------------------------------------------------------------------===//

#include "Cli.h"

#include "fm/Driver/Compile.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>

namespace cl = llvm::cl;
using namespace fm::cli;

static constexpr llvm::StringLiteral kToolName = "fm-run";

static cl::SubCommand
    compileCommand("compile", "Compile a program into a shared library that "
                              "fm-run and fm-exec load without compiling");
static cl::opt<std::string> sourcePath(cl::Positional, cl::Required,
                                       cl::desc("<program.mlir>"),
                                       cl::sub(compileCommand),
                                       cl::cat(category()));
static cl::opt<std::string> libraryPath("o", cl::Required,
                                        cl::desc("Output file"),
                                        cl::value_desc("path"),
                                        cl::sub(compileCommand),
                                        cl::cat(category()));
static cl::opt<std::string> compileBackend(
    "backend",
    cl::desc("What the library runs on: dnnl (the CPU, with oneDNN calls "
             "for products; the default where oneDNN is built), linalg (the "
             "CPU, generated vector code) or cuda (NVIDIA GPUs, sm_90: "
             "kernels and cuBLASLt calls)"),
    cl::value_desc("cuda|dnnl|linalg"), cl::sub(compileCommand),
    cl::cat(category()));

static llvm::Error compile() {
  if (llvm::Error err = checkOutputPath(libraryPath, {sourcePath}))
    return err;
  if (isCompiledProgram(sourcePath))
    return makeError("'" + sourcePath + "' is already compiled");
  llvm::Expected<fmrt::Backend> backend =
      parseBackendFlag(compileBackend, kToolName, /*toCompile=*/true);
  if (!backend)
    return backend.takeError();
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(sourcePath, /*IsText=*/true);
  if (!file)
    return makeError("cannot read '" + sourcePath +
                     "': " + file.getError().message());
  mlir::fm::driver::CompileOptions options;
  options.backend = *backend;
  auto start = std::chrono::steady_clock::now();
  if (llvm::Error err = mlir::fm::driver::compileToLibrary(
          (*file)->getBuffer(), sourcePath, libraryPath, options))
    return err;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  llvm::outs() << llvm::formatv("compiled '{0}' for the {1} backend into "
                                "'{2}' in {3:f2} s\n",
                                sourcePath,
                                llvm::StringRef(fmrt::backendName(*backend)),
                                libraryPath, seconds);
  return llvm::Error::success();
}

int main(int argc, char **argv) {
  ToolConfig config;
  config.name = kToolName;
  config.compileSource = [](llvm::StringRef path, fmrt::Backend backend) {
    mlir::fm::driver::CompileOptions options;
    options.backend = backend;
    return mlir::fm::driver::compileFile(path, options);
  };
  config.extraCommand = &compileCommand;
  config.extraAction = compile;
  return runTool(argc, argv, config);
}
