//===- Dnnl.h - oneDNN kernels called by compiled code ----------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The runtime's oneDNN layer: matrix products with fused epilogues that
// JIT-compiled code calls through the C ABI below (`llvm.emit_c_interface`:
// every tensor crosses as a pointer to a strided memref descriptor). The
// functions are those of fm/Runtime/DnnlAbi.def, which documents each one;
// their prototypes here are generated from it. Memrefs may have any positive
// strides and any offset, so a transposed or padded view needs no copy.
//
// Each distinct call signature (shapes, strides, flags, activation, alpha,
// math mode, thread count) creates its oneDNN primitive once, on first use,
// and every later call with the same signature reuses it: creating a
// primitive costs far more than executing an MLP layer (bench/RESULTS.md).
//
// Threads: the first use reads FM_DNNL_THREADS (default: the cores the
// process may run on), the most OpenMP threads a product uses; products too
// small for a parallel region to pay run on one thread, which opens none,
// so no libgomp worker exists to spin. Math: the first use reads FM_DNNL_MATH
// (`f32`, the default, or `bf16`). Own loops: on a CPU with AVX-512, or
// with AVX2 and FMA, the
// layer runs its own loops for products whose output has at most 4 rows or
// columns and no activation (in f32 math), where oneDNN 2.6.3 is several
// times slower, and for the ELU epilogue of a product whose output rows are
// contiguous (on the product's threads), as fast as oneDNN's post-op and
// exact near 0 (runtime/lib/dnnl/Loops.h); FM_DNNL_LOOPS=0 leaves everything to
// oneDNN. Calls to configureThreads, setMathMode and setOwnLoops override the
// environment.
//
// Errors: compiled code cannot receive an error, and the compiler emits only
// valid calls (consistent shapes, a supported activation). A call that
// breaks the contract prints what is wrong to stderr and aborts.
//
// This library (FMDnnl) depends on oneDNN and the C++ standard library only;
// it uses the header-only descriptor type of MLIR's CRunnerUtils.h.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_DNNL_H
#define FM_RUNTIME_DNNL_H

#include "fm/Runtime/DnnlAbi.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"

#include <cstdint>

namespace fmrt::dnnl {

/// How matrix products compute.
enum class MathMode {
  /// f32 everywhere.
  F32,
  /// f32 tensors in and out; op(A) and op(B) are rounded to bf16 (to
  /// nearest even) and multiplied by oneDNN's bf16 kernels with f32
  /// accumulation, bias and output. Used only where hasBf16(). (oneDNN
  /// 2.6.3 accepts fpmath_mode::bf16 on an f32 matmul but computes in f32,
  /// so the conversion is explicit.)
  BF16,
};

/// Sets the most OpenMP threads a product uses (at least 1), for every
/// calling thread. Each product decides: one thread below a size where a
/// parallel region pays (kParallelFlop, DnnlAbi.h) or for a depth under 16,
/// the configured count above. Primitives are cached per thread count. Without
/// a call (or FM_DNNL_THREADS), the count is the cores the process may run
/// on. More than one thread on cores other processes use needs
/// OMP_WAIT_POLICY=passive in the process's initial environment: libgomp
/// reads it when it loads, before any of this code runs, and its default
/// policy spins (see runtime/lib/dnnl/Environment.cpp). Warns on stderr,
/// once, when numThreads > 1 and neither OMP_WAIT_POLICY nor
/// GOMP_SPINCOUNT is set.
void configureThreads(int numThreads);

/// Creates oneDNN's engine and runs a first, tiny product. oneDNN 2.6 sets
/// up part of its state on the first execution of a primitive without
/// checking its allocations, so a first product under memory pressure
/// would crash the process; a process that calls this first, before it
/// allocates much, gets an error for a later failed allocation instead.
/// fm-run and fm-exec call it when they load a dnnl program. Idempotent.
void prepare();

/// The most threads a product uses: configureThreads', FM_DNNL_THREADS' or
/// the process's cores.
int configuredThreads();

/// Runs body(context, i) for each i in [0, tasks), up to `tasks` at once on
/// libgomp's threads (the ones products use), and returns when all are
/// done. Inside a task, products and fmrt_dnnl_parallel_for loops run on
/// the task's own thread: independent calls of compiled code, such as a
/// sampler's chunks of rows, then share the cores without a parallel
/// region in each product. `body` must not throw. Without libgomp the
/// tasks run one after another on the calling thread.
void runConcurrently(int tasks, void (*body)(void *context, int task),
                     void *context);

/// Selects the math of later matrix products. BF16 on a CPU without
/// avx512_bf16 (see hasBf16) behaves as F32.
void setMathMode(MathMode mode);

/// The math mode later matrix products use (F32 where BF16 was asked for
/// on a CPU without bf16 support).
MathMode getMathMode();

/// Whether the layer runs its own loops (narrow products, the ELU
/// epilogue; the default on CPUs with AVX-512 or AVX2 and FMA) or leaves
/// everything to oneDNN. ownLoops() is false on a CPU without either
/// whatever was set.
void setOwnLoops(bool enabled);
bool ownLoops();

/// Whether oneDNN runs bf16 arithmetic natively here (avx512_core_bf16 or
/// newer, as oneDNN's effective ISA reports).
bool hasBf16();

/// How many oneDNN primitives this process has created.
uint64_t primitiveCreations();

/// How many times this process has executed a cached primitive.
uint64_t primitiveExecutions();

//===----------------------------------------------------------------------===//
// The C ABI (DnnlAbi.def)
//===----------------------------------------------------------------------===//

/// The C type of each AbiType in `_mlir_ciface_*` prototypes.
template <AbiType> struct AbiCType;
template <> struct AbiCType<AbiType::Memref2dF32> {
  using type = StridedMemRefType<float, 2> *;
};
template <> struct AbiCType<AbiType::Memref1dF32> {
  using type = StridedMemRefType<float, 1> *;
};
template <> struct AbiCType<AbiType::I64> {
  using type = int64_t;
};
template <> struct AbiCType<AbiType::F32> {
  using type = float;
};
template <> struct AbiCType<AbiType::Pointer> {
  using type = void *;
};

/// Calls `callback` once for each function of DnnlAbi.def, in its order,
/// with its C interface's symbol (`_mlir_ciface_<name>`), that function's
/// address in this library and `user`: the symbols a JIT must resolve for
/// compiled code of the dnnl backend.
void forEachAbiFunction(void (*callback)(const char *symbolName, void *address,
                                         void *user),
                        void *user);

} // namespace fmrt::dnnl

extern "C" {

/// `void _mlir_ciface_<name>(...)` for each function of DnnlAbi.def, which
/// documents them.
#define FM_DNNL_ABI_PARAM(Type, param)                                         \
  fmrt::dnnl::AbiCType<fmrt::dnnl::AbiType::Type>::type param
#define FM_DNNL_ABI_FUNCTION(name, params) void _mlir_ciface_##name params;
#include "fm/Runtime/DnnlAbi.def"

} // extern "C"

#endif // FM_RUNTIME_DNNL_H
