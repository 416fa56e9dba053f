// RUN: fm-opt %s --fm-runtime-checks --split-input-file --verify-diagnostics

/// A check that static shapes decide against is an error at compile time:
/// the code would fail whenever it runs.

func.func @index_past_the_end(%w: tensor<64x64xf32>) -> f32 {
  %c99 = arith.constant 99 : index
  // expected-error @+1 {{this check fails whenever the code runs: 'tensor.extract': out-of-bounds access}}
  %v = tensor.extract %w[%c99, %c99] : tensor<64x64xf32>
  return %v : f32
}

