//===- Program.h - Loading and calling compiled fm programs -----*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The runtime's view of a compiled program: its entry points with their
// roles (fm/Runtime/Roles.h) and types, and a way to call them. A Program
// comes from a shared library that `fm-run compile` wrote (Program::load,
// which needs no compiler: LLVM's Support and TargetParser libraries only)
// or from the compiler's JIT (fm/Driver/Compile.h, which builds one with
// Program::fromFunctions). Errors come back as llvm::Error / llvm::Expected.
//
// A compiled library holds, besides the code:
//   fm_program_manifest  a NUL-terminated JSON object (printManifest): the
//                        format version, the backend, the CPU and target
//                        features the code was generated for, and every
//                        entry point's role, types and value roles;
//   _mlir_<name>         per entry point, `void(void **args)`: args holds a
//                        pointer to each unpacked argument word, then one to
//                        the result struct (the convention of
//                        mlir::ExecutionEngine::invokePacked).
// Its undefined symbols are the C library's and, for the dnnl backend, the
// oneDNN layer's (fm/Runtime/Dnnl.h): the loading executable provides them
// (fm-run and fm-exec export theirs).
//
// Calling convention (the one ABI between compiled code and the runtime):
// every public func.func with a body is an entry point. A tensor argument is
// passed as the standard unpacked memref descriptor (allocated pointer,
// aligned pointer, offset, sizes, strides); scalars (f32, f64, i64, index)
// by value. On the CPU backends, each tensor result is a destination: one
// more memref argument, after the others, that the caller's buffer fills
// (fm-cpu-result-destinations), and the function returns its scalar
// results only. The code computes into the destinations directly, so no
// result is copied after the call. On the cuda backend, results are
// returned in buffers the code allocates, which Program::call copies into
// the caller's destinations and frees. Either way, callers own every
// buffer they see.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_PROGRAM_H
#define FM_RUNTIME_PROGRAM_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include "fm/Runtime/Backend.h"
#include "fm/Runtime/ElementType.h"
#include "fm/Runtime/Roles.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace fmrt {

/// The type of one argument or result of an entry point.
struct ValueType {
  enum class Kind { Tensor, F32, F64, I64, Index };
  Kind kind = Kind::F32;
  /// A tensor's element type.
  ElementType element = ElementType::F32;
  /// Tensor shape; -1 marks a dynamic dimension.
  llvm::SmallVector<int64_t, 4> shape;

  bool isTensor() const { return kind == Kind::Tensor; }
  /// The MLIR spelling: "f32", "index", "tensor<?x2xf32>", ...
  std::string str() const;
  bool operator==(const ValueType &other) const {
    return kind == other.kind && element == other.element &&
           shape == other.shape;
  }
};

/// One input or result of an entry point: its type and what it holds.
struct EntryValue {
  ValueType type;
  /// The value's role; none for entry points without one.
  std::optional<ValueRole> role;
  /// The parameter a Param or OptState value belongs to (its checkpoint
  /// name), or "".
  std::string name;
  /// An OptState value's slot (e.g. "exp_avg"), or "".
  std::string slot;
};

/// A public function of a compiled program.
struct EntryPoint {
  std::string name;
  /// What the entry point is for; none for a plain public function, which
  /// can be called but which no Trainer or Sampler uses.
  std::optional<EntryRole> role;
  /// A sampler's method (e.g. "midpoint") and direction ("forward" or
  /// "reverse"), or "".
  std::string solver, direction;
  /// A likelihood's divergence estimator ("exact" or "hutchinson"), or "".
  std::string divergence;
  /// A discrete flow's source ("uniform" or "mask") and vocabulary V on its
  /// training step and samplers: tokens lie in [0, V), the mask token is V.
  std::string source;
  std::optional<int64_t> vocabulary;
  /// A sampler's steps where the program fixes them: a number of equal
  /// steps, or a time grid. Neither where it takes a `steps` input.
  std::optional<int64_t> fixedSteps;
  std::vector<double> timeGrid;
  std::vector<EntryValue> inputs;
  std::vector<EntryValue> results;
};

/// The number of elements of a tensor of static `shape`.
int64_t numElements(llvm::ArrayRef<int64_t> shape);

/// A row-major, contiguous tensor that the caller owns.
struct TensorRef {
  TensorRef() = default;
  TensorRef(float *data, llvm::ArrayRef<int64_t> shape)
      : data(data), element(ElementType::F32), shape(shape) {}
  TensorRef(double *data, llvm::ArrayRef<int64_t> shape)
      : data(data), element(ElementType::F64), shape(shape) {}
  TensorRef(int32_t *data, llvm::ArrayRef<int64_t> shape)
      : data(data), element(ElementType::I32), shape(shape) {}
  TensorRef(int64_t *data, llvm::ArrayRef<int64_t> shape)
      : data(data), element(ElementType::I64), shape(shape) {}
  TensorRef(void *data, ElementType element, llvm::ArrayRef<int64_t> shape)
      : data(data), element(element), shape(shape) {}

  void *data = nullptr;
  ElementType element = ElementType::F32;
  llvm::SmallVector<int64_t, 4> shape;

  int64_t numElements() const;
};

/// One argument of a call.
using Argument = std::variant<TensorRef, float, double, int64_t>;
/// One result destination: a tensor of the result's shape, or a scalar.
using Destination = std::variant<TensorRef, float *, double *, int64_t *>;

/// Whether this build has the oneDNN layer.
bool hasDnnlBackend();

/// Whether this build can run code compiled for `backend`.
bool isBackendAvailable(Backend backend);

/// Dnnl where it is available, Linalg elsewhere.
Backend defaultBackend();

/// What a compiled library says about itself.
struct Manifest {
  Backend backend = Backend::Linalg;
  /// The CPU the code was generated for (LLVM's name, e.g. "znver4") and
  /// the target features it may use (LLVM's names, e.g. "avx512f").
  std::string cpu;
  std::vector<std::string> features;
  std::vector<EntryPoint> entries;
};

/// The manifest as JSON text (format "fm-program", version 4).
std::string printManifest(const Manifest &manifest);
/// Parses printManifest's text; fails on anything else, naming what is wrong.
llvm::Expected<Manifest> parseManifest(llvm::StringRef text);
/// Fails, naming what is missing, unless this CPU has every feature the
/// manifest's code may use: code for another CPU would die of an illegal
/// instruction instead.
llvm::Error checkRunsOnHost(const Manifest &manifest);

/// A compiled module: JIT-compiled in this process, or loaded from a shared
/// library compiled ahead of time. Thread-compatible: one call at a time.
class Program {
public:
  ~Program();
  Program(const Program &) = delete;
  Program &operator=(const Program &) = delete;

  /// Loads a shared library that `fm-run compile` (fm::driver::
  /// compileToLibrary) wrote. Needs no compiler.
  static llvm::Expected<std::unique_ptr<Program>> load(llvm::StringRef path);

  /// An entry point's packed form: see the file comment.
  using PackedFunction = void (*)(void **);

  /// A program whose code is already in this process, for compilers (the
  /// JIT of fm/Driver/Compile.h): `functions` holds each entry point's
  /// packed form, and `owner` keeps their code alive as long as the
  /// program.
  static std::unique_ptr<Program>
  fromFunctions(std::vector<EntryPoint> entries,
                llvm::StringMap<PackedFunction> functions,
                std::shared_ptr<void> owner, Backend backend);

  /// The entry point `name`, or null.
  const EntryPoint *lookup(llvm::StringRef name) const;
  /// The entry points of role `role`, in the program's order.
  std::vector<const EntryPoint *> entriesWithRole(EntryRole role) const;
  const std::vector<EntryPoint> &entryPoints() const { return entries; }
  /// The backend the program was compiled for.
  Backend backend() const { return compiledFor; }

  /// Calls `name`. Arguments and destinations must match the entry point's
  /// types (tensor shapes included; a dynamic result dimension must match
  /// the destination's, which compiled code checks before it writes).
  /// A destination may be an argument's buffer (an update in place): one
  /// that overlaps an argument or another destination is written through
  /// a buffer of the call's own and copied after it. Compiled code never
  /// writes into its arguments' buffers (fm-cpu-read-only-arguments; on
  /// the cuda backend it gets copies). On the CPU backends, several threads
  /// may call at once: the compiled code keeps no state between calls, and
  /// each call's arguments and scratch are its own.
  llvm::Error call(llvm::StringRef name, llvm::ArrayRef<Argument> args,
                   llvm::ArrayRef<Destination> results);

private:
  struct Impl;
  /// `owner` keeps the code of `functions` alive (the JIT or the library).
  Program(std::vector<EntryPoint> entries,
          llvm::StringMap<PackedFunction> functions,
          std::shared_ptr<void> owner, Backend backend);

  std::unique_ptr<Impl> impl;
  std::vector<EntryPoint> entries;
  Backend compiledFor;
};

} // namespace fmrt

#endif // FM_RUNTIME_PROGRAM_H
