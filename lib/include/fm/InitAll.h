//===- InitAll.h - Register everything FM-MLIR provides ---------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The entry points a compiler that embeds FM-MLIR calls: add the fm dialect
// and the translations of compiled programs to its registry, and register
// fm's passes and named pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef FM_INITALL_H
#define FM_INITALL_H

namespace mlir {
class DialectRegistry;

namespace fm {

/// Adds the fm dialect to `registry`, with every dialect and external
/// interface model (bufferization) that fm's lowerings and named pipelines
/// need, so a host compiler that registers nothing else can run them.
void registerFmDialects(DialectRegistry &registry);

/// Adds to `registry` the translations to LLVM IR that compiled fm programs
/// need: the LLVM and builtin dialects' for host code, and for the CUDA
/// backend, the NVVM target (kernels to PTX or cubins) and the GPU
/// dialect's (embedded kernel images, launches as mgpu* calls).
void registerFmTranslations(DialectRegistry &registry);

/// Registers every fm pass and named pipeline with the global pass registry.
/// Safe to call more than once.
void registerFmPasses();

} // namespace fm
} // namespace mlir

#endif // FM_INITALL_H
