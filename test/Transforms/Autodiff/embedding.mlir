// RUN: fm-opt %s --fm-autodiff | FileCheck %s

/// The gradient of an embedding's weight is a scatter-add: zeros, then for
/// every token position and feature, the result's adjoint added into the row
/// the (clamped) token picks. The primal lookup becomes a gather.

// CHECK-LABEL: func.func private @lookup_sum_vjp
// CHECK: %[[G:.+]] = linalg.generic
// CHECK: tensor.extract %{{.+}}[%{{.+}}, %{{.+}}] : tensor<5x3xf32>
// CHECK: %[[Z:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<5x3xf32>)
// CHECK: %[[FT:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0, 1]] : tensor<4x2xi64> into tensor<8xi64>
// CHECK: scf.for %[[I:.+]] = {{.+}} iter_args(%[[ACC:.+]] = %[[Z]]) -> (tensor<5x3xf32>)
// CHECK: %[[T:.+]] = tensor.extract %[[FT]][%[[I]]] : tensor<8xi64>
// CHECK: arith.maxsi
// CHECK: arith.minsi
// CHECK: scf.for
// CHECK: arith.addf
// CHECK: tensor.insert
// CHECK-NOT: fm.embedding
func.func @lookup_sum(%w: tensor<5x3xf32>) -> f32 {
  %x = arith.constant dense<[[0, 1], [1, 4], [2, 2], [3, 0]]> : tensor<4x2xi64>
  %e = fm.embedding %w[%x] : tensor<5x3xf32>, tensor<4x2xi64> -> tensor<4x2x3xf32>
  %zero = arith.constant 0.0 : f32
  %acc = tensor.empty() : tensor<f32>
  %z = linalg.fill ins(%zero : f32) outs(%acc : tensor<f32>) -> tensor<f32>
  %s = linalg.generic {indexing_maps = [affine_map<(i, j, h) -> (i, j, h)>, affine_map<(i, j, h) -> ()>],
                       iterator_types = ["reduction", "reduction", "reduction"]}
      ins(%e : tensor<4x2x3xf32>) outs(%z : tensor<f32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.addf %o, %v : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  %v = tensor.extract %s[] : tensor<f32>
  return %v : f32
}

func.func @grad(%w: tensor<5x3xf32>) -> tensor<5x3xf32> {
  %one = arith.constant 1.0 : f32
  %l, %gw = fm.vjp @lookup_sum(%w) cotangents(%one)
      : (tensor<5x3xf32>), (f32) -> (f32, tensor<5x3xf32>)
  return %gw : tensor<5x3xf32>
}
