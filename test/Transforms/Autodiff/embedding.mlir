// RUN: fm-opt %s --fm-autodiff | FileCheck %s
// RUN: fm-opt %s --fm-autodiff=embedding-gradient=reduction \
// RUN:   | FileCheck %s --check-prefix=REDUCTION
// RUN: not fm-opt %s --fm-autodiff=embedding-gradient=atomic 2>&1 \
// RUN:   | FileCheck %s --check-prefix=BAD-OPTION

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

/// With embedding-gradient=reduction (the GPU target's), the same sum is
/// one generic over (row, feature, position): every row adds the
/// positions whose clamped token is that row. No loop, no tensor.insert.
// REDUCTION-LABEL: func.func private @lookup_sum_vjp
// REDUCTION-NOT: scf.for
// REDUCTION: %[[Z:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<5x3xf32>)
// REDUCTION: %[[FT:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0, 1]] : tensor<4x2xi64> into tensor<8xi64>
// REDUCTION: %[[FG:.+]] = tensor.collapse_shape %{{.+}} {{\[}}[0, 1], [2]] : tensor<4x2x3xf32> into tensor<8x3xf32>
// REDUCTION: linalg.generic {indexing_maps = [#{{.+}}, #{{.+}}, #{{.+}}], iterator_types = ["parallel", "parallel", "reduction"]}
// REDUCTION-SAME: ins(%[[FT]], %[[FG]] : tensor<8xi64>, tensor<8x3xf32>) outs(%[[Z]] : tensor<5x3xf32>)
// REDUCTION: ^bb0(%[[TOK:.+]]: i64, %[[GR:.+]]: f32, %[[ACC:.+]]: f32):
// REDUCTION: arith.maxsi
// REDUCTION: %[[ROW:.+]] = arith.minsi
// REDUCTION: %[[HERE:.+]] = linalg.index 0 : index
// REDUCTION: %[[PICKS:.+]] = arith.cmpi eq, %[[ROW]], %[[HERE]] : index
// REDUCTION: %[[SUM:.+]] = arith.addf %[[ACC]], %[[GR]] : f32
// REDUCTION: arith.select %[[PICKS]], %[[SUM]], %[[ACC]] : f32
// REDUCTION-NOT: tensor.insert

// BAD-OPTION: error: fm-autodiff: embedding-gradient must be scatter or reduction, got 'atomic'
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
