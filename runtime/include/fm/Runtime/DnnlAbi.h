//===- DnnlAbi.h - The oneDNN layer's C ABI as data -------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// What compiled code and the runtime's oneDNN layer agree on: the table of
// functions compiled code calls (DnnlAbi.def, here as kAbiFunctions, with
// parameter types in the AbiType vocabulary), and the flag bits and
// activation codes it passes to `fmrt_dnnl_matmul`. The compiler
// (fm-linalg-to-dnnl) and the runtime (fm/Runtime/Dnnl.h) both use this
// header, so the two sides of the ABI are one definition. No dependencies
// beyond the C++ standard library.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_DNNLABI_H
#define FM_RUNTIME_DNNLABI_H

#include "fm/Runtime/MatmulAbi.h"

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace fmrt::dnnl {

/// fmrt_dnnl_matmul takes the product calls' flags and activation codes
/// (fm/Runtime/MatmulAbi.h).
using fmrt::Activation;
using fmrt::kMatmulAccumulate;
using fmrt::kMatmulBias;
using fmrt::kMatmulTransposeA;
using fmrt::kMatmulTransposeB;

//===----------------------------------------------------------------------===//
// The function table
//===----------------------------------------------------------------------===//

/// The parameter types of DnnlAbi.def's functions. The compiler passes
/// memrefs in their fully dynamic strided form; with
/// `llvm.emit_c_interface` the runtime receives a pointer to the descriptor
/// (fmrt::dnnl::AbiCType in fm/Runtime/Dnnl.h gives each C type).
enum class AbiType {
  /// memref<?x?xf32, strided<[?, ?], offset: ?>>.
  Memref2dF32,
  /// memref<?xf32, strided<[?], offset: ?>>.
  Memref1dF32,
  /// i64.
  I64,
  /// f32.
  F32,
  /// !llvm.ptr: an untyped pointer, a function's included.
  Pointer,
};

/// One entry of DnnlAbi.def: compiled code declares and calls `name`, the
/// runtime defines `_mlir_ciface_<name>`; it takes `numParams` parameters
/// of the types `params` and returns nothing.
struct AbiFunction {
  const char *name;
  const AbiType *params;
  std::size_t numParams;
};

/// The least work (in FLOP: 2·M·N·K for a product) that runs on more than
/// one thread: below it, a parallel region's start and end (a few µs with
/// libgomp) cost more than the second core saves (bench/RESULTS.md). The
/// runtime applies it to every call; fm-cpu-parallel-elementwise leaves
/// loops with static shapes below it as they are.
inline constexpr int64_t kParallelFlop = int64_t{4} << 20;

namespace detail {
/// Removes the parentheses around a parameter list of DnnlAbi.def.
#define FM_DNNL_ABI_UNPAREN(...) __VA_ARGS__
/// Each function's parameter types, as `<name>_params`.
#define FM_DNNL_ABI_PARAM(Type, param) AbiType::Type
#define FM_DNNL_ABI_FUNCTION(name, params)                                     \
  inline constexpr AbiType name##_params[] = {FM_DNNL_ABI_UNPAREN params};
#include "fm/Runtime/DnnlAbi.def"
} // namespace detail

/// Every function of DnnlAbi.def, in its order.
inline constexpr AbiFunction kAbiFunctions[] = {
#define FM_DNNL_ABI_FUNCTION(name, params)                                     \
  {#name, detail::name##_params, std::size(detail::name##_params)},
#include "fm/Runtime/DnnlAbi.def"
};
#undef FM_DNNL_ABI_UNPAREN

/// The entry of kAbiFunctions named `name`, or null.
constexpr const AbiFunction *lookupAbiFunction(std::string_view name) {
  for (const AbiFunction &function : kAbiFunctions)
    if (name == function.name)
      return &function;
  return nullptr;
}

} // namespace fmrt::dnnl

#endif // FM_RUNTIME_DNNLABI_H
