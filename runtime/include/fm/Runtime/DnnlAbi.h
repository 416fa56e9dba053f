//===- DnnlAbi.h - Constants of the oneDNN layer's C ABI --------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The flag bits and activation codes that compiled code passes to
// `fmrt_dnnl_matmul` and `fmrt_dnnl_eltwise_backward` (fm/Runtime/Dnnl.h).
// The compiler (fm-linalg-to-dnnl) and the runtime both use this header, so
// the two sides of the ABI are one definition. No dependencies.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_DNNLABI_H
#define FM_RUNTIME_DNNLABI_H

#include <cstdint>

namespace fmrt::dnnl {

/// fmrt_dnnl_matmul's `flags`: op(A) = Aᵀ (`a` is [K, M]).
constexpr int64_t kMatmulTransposeA = 1;
/// fmrt_dnnl_matmul's `flags`: op(B) = Bᵀ (`b` is [N, K]).
constexpr int64_t kMatmulTransposeB = 2;
/// fmrt_dnnl_matmul's `flags`: add `bias` ([N]) to every row.
constexpr int64_t kMatmulBias = 4;
/// fmrt_dnnl_matmul's `flags`: C += op(A)·op(B) [+ bias].
constexpr int64_t kMatmulAccumulate = 8;

/// fmrt_dnnl_eltwise_backward's `flags`: `data` is the forward output
/// act(x), not the forward input x.
constexpr int64_t kEltwiseUseDst = 1;
/// fmrt_dnnl_eltwise_backward's `flags`: diff_src += act'(x) ⊙ diff_dst.
constexpr int64_t kEltwiseAccumulate = 8;

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

} // namespace fmrt::dnnl

#endif // FM_RUNTIME_DNNLABI_H
