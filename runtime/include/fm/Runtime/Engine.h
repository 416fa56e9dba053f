//===- Engine.h - JIT-compiled fm programs ----------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The runtime's embedding API for compiled programs: an fm/linalg module is
// lowered with the fm CPU pipeline, JIT-compiled for the host through
// mlir::ExecutionEngine, and its public functions are called with float32
// tensors and scalars. Errors come back as llvm::Error / llvm::Expected.
//
// Calling convention (the one ABI between compiled code and the runtime):
// every public func.func with a body is an entry point. A tensor argument is
// passed as the standard unpacked memref descriptor (allocated pointer,
// aligned pointer, offset, sizes, strides); scalars (f32, f64, i64, index)
// by value. Results are returned by the compiled code in buffers it
// allocates with malloc; Program::call copies them into the caller's
// destinations and frees them, so callers own every buffer they see.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_ENGINE_H
#define FM_RUNTIME_ENGINE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace fmrt {

/// The type of one argument or result of an entry point.
struct ValueType {
  enum class Kind { Tensor, F32, F64, I64, Index };
  Kind kind = Kind::F32;
  /// Tensor shape; -1 marks a dynamic dimension.
  llvm::SmallVector<int64_t, 4> shape;

  std::string str() const;
};

/// A public function of a compiled program.
struct EntryPoint {
  std::string name;
  std::vector<ValueType> inputs;
  std::vector<ValueType> results;
  /// The `fm.name` attribute of each input (a parameter's checkpoint name),
  /// or "" where there is none.
  std::vector<std::string> inputNames;
};

/// The number of elements of a tensor of static `shape`.
int64_t numElements(llvm::ArrayRef<int64_t> shape);

/// A row-major, contiguous float32 tensor that the caller owns.
struct TensorRef {
  float *data = nullptr;
  llvm::SmallVector<int64_t, 4> shape;

  int64_t numElements() const;
};

/// One argument of a call.
using Argument = std::variant<TensorRef, float, double, int64_t>;
/// One result destination: a tensor of the result's shape, or a scalar.
using Destination = std::variant<TensorRef, float *, double *, int64_t *>;

/// Options of Program::compile.
struct CompileOptions {
  /// LLVM optimization level of the JIT (0-3).
  unsigned optLevel = 2;
};

/// A JIT-compiled module. Thread-compatible: one call at a time.
class Program {
public:
  ~Program();
  Program(const Program &) = delete;
  Program &operator=(const Program &) = delete;

  /// Parses, verifies, lowers and JIT-compiles `source`. `bufferName` names
  /// the source in diagnostics (e.g. the file it came from).
  static llvm::Expected<std::unique_ptr<Program>>
  compile(llvm::StringRef source, llvm::StringRef bufferName,
          const CompileOptions &options = {});
  /// Same, reading the source from `path`.
  static llvm::Expected<std::unique_ptr<Program>>
  compileFile(llvm::StringRef path, const CompileOptions &options = {});

  /// The entry point `name`, or null.
  const EntryPoint *lookup(llvm::StringRef name) const;
  const std::vector<EntryPoint> &entryPoints() const { return entries; }

  /// Calls `name`. Arguments and destinations must match the entry point's
  /// types (tensor shapes included; a dynamic result dimension must match
  /// the destination's). Results are copied into the destinations, which
  /// may alias the arguments.
  llvm::Error call(llvm::StringRef name, llvm::ArrayRef<Argument> args,
                   llvm::ArrayRef<Destination> results);

private:
  struct Impl;
  explicit Program(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl;
  std::vector<EntryPoint> entries;
};

} // namespace fmrt

#endif // FM_RUNTIME_ENGINE_H
