//===- Internal.h - What the oneDNN layer's files share ---------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Private to runtime/lib/dnnl: the declarations its files share.
//
//   Environment.cpp  errors, FM_DNNL_* and the OpenMP thread count;
//                    fmrt_dnnl_parallel_for
//   Cache.cpp        the CPU engine, per-thread streams and the primitive
//                    cache
//   Bf16.cpp         f32 -> bf16 conversion of matmul operands
//   Matmul.cpp       fmrt_dnnl_matmul
//   Abi.cpp          the symbols of DnnlAbi.def's functions
//   Loops.cpp        the layer's own AVX-512 and AVX2 loops (Loops.h,
//                    LoopKernels.inc)
//
// oneDNN reports errors with C++ exceptions (dnnl::error). Every file that
// includes this header is compiled with -fexceptions (runtime/CMakeLists.txt),
// so that oneDNN's inline C++ API is compiled one way and an exception thrown
// while a primitive is created unwinds through the cache to Matmul.cpp,
// which turns it into a message and abort(): compiled code cannot receive
// errors.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_DNNL_INTERNAL_H
#define FM_RUNTIME_DNNL_INTERNAL_H

#include "Loops.h"

#include "fm/Runtime/Dnnl.h"

#include "oneapi/dnnl/dnnl.hpp"

#include <array>
#include <cstdint>
#include <type_traits>

namespace fmrt::dnnl::detail {

namespace onednn = ::dnnl;

//===----------------------------------------------------------------------===//
// Errors and threads (Environment.cpp)
//===----------------------------------------------------------------------===//

/// Prints "fmrt_dnnl: <message>" to stderr and aborts.
[[noreturn]] __attribute__((format(printf, 1, 2))) void
fatal(const char *format, ...);

/// The threads a product of `flop` FLOP runs on: one below kParallelFlop,
/// the configured count above, applied to the calling thread's libgomp
/// count. Applies the environment once per process first (before any
/// explicit setting, which therefore wins).
int threadsFor(int64_t flop);

//===----------------------------------------------------------------------===//
// The primitive cache (Cache.cpp)
//===----------------------------------------------------------------------===//

/// The process's CPU engine. Deliberately never destroyed (nor is the
/// cache): compiled code may still run on other threads while the process
/// exits, and primitives must not outlive their engine.
onednn::engine &cpuEngine();

/// What a primitive depends on, as integers; unused words stay 0.
struct Key {
  std::array<int64_t, 16> words{};
  bool operator==(const Key &other) const { return words == other.words; }
};

/// The most arguments a primitive here takes.
constexpr int kNumArgs = 4;

/// A cached primitive, the oneDNN argument ids (DNNL_ARG_*) it takes and
/// their memory descriptors; callers pass buffers in the same order. Ids of
/// 0 mark unused slots.
struct Entry {
  onednn::primitive primitive;
  std::array<int, kNumArgs> argIds{};
  std::array<onednn::memory::desc, kNumArgs> descs;
};

/// A cached primitive as one thread uses it: memory objects over its
/// arguments, created once and pointed at each call's buffers (creating
/// them per call would cost more than the cache lookup; bench/RESULTS.md).
struct Bound {
  const Entry *entry;
  std::array<onednn::memory, kNumArgs> memories;

  /// Executes the primitive on the calling thread's stream over `buffers`
  /// (in the order of Entry::argIds; unused slots are ignored).
  void execute(const std::array<void *, kNumArgs> &buffers);
};

/// lookup() without its template: `create(context)` makes the entry.
Bound &lookupBound(const Key &key, Entry (*create)(const void *context),
                   const void *context);

/// The calling thread's binding of the primitive for `key`: looked up
/// without a lock in a per-thread map, then in the shared cache, which
/// creates the primitive (`create()`) the first time any thread needs it.
/// Exceptions from `create()` reach the caller, and nothing is cached.
template <typename CreateFn> Bound &lookup(const Key &key, CreateFn &&create) {
  using Fn = std::remove_reference_t<CreateFn>;
  return lookupBound(
      key,
      [](const void *fn) -> Entry { return (*static_cast<const Fn *>(fn))(); },
      &create);
}

//===----------------------------------------------------------------------===//
// Memref views
//===----------------------------------------------------------------------===//

/// A 2-D view: sizes, strides (normalized) and the first element.
struct View {
  int64_t rows, cols;
  int64_t rowStride, colStride;
  float *data;

  /// The view of the transpose.
  View transposed() const { return {cols, rows, colStride, rowStride, data}; }

  /// The same view for the layer's own loops (Loops.h).
  Operand operand() const { return {data, rows, cols, rowStride, colStride}; }

  /// Whether the columns are contiguous and the rows are not: the layout
  /// of a transposed row-major buffer.
  bool columnMajor() const { return rowStride == 1 && colStride != 1; }

  onednn::memory::desc desc() const {
    return onednn::memory::desc({rows, cols}, onednn::memory::data_type::f32,
                                {rowStride, colStride});
  }
};

//===----------------------------------------------------------------------===//
// bf16 conversion (Bf16.cpp)
//===----------------------------------------------------------------------===//

/// The bf16 copy's layout for an f32 view: dense, column-major where the
/// view is (so that the copy reads and writes contiguously), else
/// row-major.
View bf16Layout(const View &v);

/// Writes `v` into `to` in the layout bf16Layout(v), rounding to nearest
/// even. Needs avx512_bf16 (hasBf16()).
void convertToBf16(const View &v, uint16_t *to);

} // namespace fmrt::dnnl::detail

#endif // FM_RUNTIME_DNNL_INTERNAL_H
