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

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string_view>

namespace fmrt::dnnl {

/// fmrt_dnnl_matmul's `flags`: op(A) = Aᵀ (`a` is [K, M]).
constexpr int64_t kMatmulTransposeA = 1;
/// fmrt_dnnl_matmul's `flags`: op(B) = Bᵀ (`b` is [N, K]).
constexpr int64_t kMatmulTransposeB = 2;
/// fmrt_dnnl_matmul's `flags`: add `bias` ([N]) to every row.
constexpr int64_t kMatmulBias = 4;
/// fmrt_dnnl_matmul's `flags`: C += op(A)·op(B) [+ bias].
constexpr int64_t kMatmulAccumulate = 8;

/// The activations, numbered as in the C ABI.
enum class Activation : int64_t {
  None = 0,
  Relu = 1,
  /// x > 0 ? x : α(eˣ − 1).
  Elu = 2,
  /// 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))).
  GeluTanh = 3,
  /// 0.5x(1 + erf(x/√2)).
  GeluErf = 4,
  /// x·sigmoid(x) (swish with β = 1).
  Silu = 5,
  Tanh = 6,
  Sigmoid = 7,
};

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
};

/// One entry of DnnlAbi.def: compiled code declares and calls `name`, the
/// runtime defines `_mlir_ciface_<name>`; it takes `numParams` parameters
/// of the types `params` and returns nothing.
struct AbiFunction {
  const char *name;
  const AbiType *params;
  std::size_t numParams;
};

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
