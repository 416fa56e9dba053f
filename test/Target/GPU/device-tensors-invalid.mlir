// RUN: fm-opt %s --fm-gpu-device-tensors --verify-diagnostics

/// A constant that is not a splat would be a host global.
func.func @table() -> tensor<2xf32> {
  // expected-error @+1 {{a constant tensor that is not a splat has no place in GPU memory yet; the CUDA backend cannot compile it}}
  %c = arith.constant dense<[1.0, 2.0]> : tensor<2xf32>
  return %c : tensor<2xf32>
}
