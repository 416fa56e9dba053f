//===- Compile.h - Compiling fm programs for a backend ----------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The compiler's driver: parses a module of fm ops and linalg on tensors,
// expands the declarative level, reads every entry point's role into the
// runtime's description (fmrt::EntryPoint), lowers the module with
// buildFmPipeline for one backend, and then either JIT-compiles it for the
// host through mlir::ExecutionEngine or writes it as a shared library with
// an embedded manifest that fmrt::Program::load opens without a compiler.
// The runtime does not depend on this library; it depends on the runtime.
//
//===----------------------------------------------------------------------===//

#ifndef FM_DRIVER_COMPILE_H
#define FM_DRIVER_COMPILE_H

#include "fm/Runtime/Program.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>

namespace mlir::fm::driver {

/// How to compile.
struct CompileOptions {
  /// LLVM optimization level (0-3).
  unsigned optLevel = 2;
  /// The backend to lower for; one this build lacks is an error.
  fmrt::Backend backend = fmrt::defaultBackend();
};

/// Parses, verifies, lowers and JIT-compiles `source`. `bufferName` names
/// the source in diagnostics (e.g. the file it came from). Diagnostics, with
/// their locations, come back in the error.
llvm::Expected<std::unique_ptr<fmrt::Program>>
compile(llvm::StringRef source, llvm::StringRef bufferName,
        const CompileOptions &options = {});

/// Same, reading the source from `path`.
llvm::Expected<std::unique_ptr<fmrt::Program>>
compileFile(llvm::StringRef path, const CompileOptions &options = {});

/// Parses, verifies and lowers `source` like compile, then writes it as a
/// shared library to `outputPath` (compiled for this host's CPU, linked with
/// ld.lld; written atomically: a failure leaves no file and never touches an
/// existing one).
llvm::Error compileToLibrary(llvm::StringRef source, llvm::StringRef bufferName,
                             llvm::StringRef outputPath,
                             const CompileOptions &options = {});

} // namespace mlir::fm::driver

#endif // FM_DRIVER_COMPILE_H
