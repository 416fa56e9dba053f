//===- MatmulAbi.h - The product calls' flags and activations ---*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// What compiled code passes to a runtime's matrix product, on every
// backend that has one: `fmrt_dnnl_matmul` (fm/Runtime/DnnlAbi.def) and
// `fmrt_cuda_matmul` (fm/Runtime/CudaAbi.h) take the same parameters
//
//   (a, b, bias, c, flags, activation, alpha)
//
// and compute C = act(op(A)·op(B) [+ bias]), or C += op(A)·op(B) [+ bias]
// with kMatmulAccumulate. The compiler's product rewriting
// (fm/Utils/ProductCalls.h) and the runtime layers both use this header.
// No dependencies beyond the C++ standard library.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_MATMULABI_H
#define FM_RUNTIME_MATMULABI_H

#include <cstdint>

namespace fmrt {

/// A product's `flags`: op(A) = Aᵀ (`a` is [K, M]).
constexpr int64_t kMatmulTransposeA = 1;
/// A product's `flags`: op(B) = Bᵀ (`b` is [N, K]).
constexpr int64_t kMatmulTransposeB = 2;
/// A product's `flags`: add `bias` ([N]) to every row.
constexpr int64_t kMatmulBias = 4;
/// A product's `flags`: C += op(A)·op(B) [+ bias].
constexpr int64_t kMatmulAccumulate = 8;

/// The activations a product applies to its result, numbered as in the C
/// ABI. A backend fuses the ones it has an epilogue for (oneDNN: all;
/// cuBLASLt: ReLU and tanh-GELU); the compiler never passes another.
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

} // namespace fmrt

#endif // FM_RUNTIME_MATMULABI_H
