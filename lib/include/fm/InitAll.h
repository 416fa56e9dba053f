//===- InitAll.h - Register everything FM-MLIR provides ---------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The entry points a compiler that embeds FM-MLIR calls: add the fm dialect
// to its registry and register fm's passes and named pipelines.
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

/// Registers every fm pass and named pipeline with the global pass registry.
/// Safe to call more than once.
void registerFmPasses();

} // namespace fm
} // namespace mlir

#endif // FM_INITALL_H
