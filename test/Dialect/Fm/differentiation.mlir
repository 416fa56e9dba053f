// RUN: fm-opt %s | FileCheck %s
// RUN: fm-opt %s | fm-opt | FileCheck %s
// RUN: fm-opt %s --mlir-print-op-generic | fm-opt | FileCheck %s

/// fm.jvp and fm.stop_gradient print as they parse (fm.vjp is in ops.mlir).

// CHECK-LABEL: func.func @jvp_roundtrip
// CHECK-SAME: (%[[Z:[a-z0-9_]+]]: tensor<8x2xf32>, %[[T:[a-z0-9_]+]]: tensor<8xf32>, %[[V:[a-z0-9_]+]]: tensor<8x2xf32>, %[[ONE:[a-z0-9_]+]]: tensor<8xf32>, %[[N:[a-z0-9_]+]]: i64)
// CHECK: %{{.+}}:4 = fm.jvp @u(%[[Z]], %[[T]], %[[N]]) tangents(%[[V]], %[[ONE]], %[[N]]) : (tensor<8x2xf32>, tensor<8xf32>, i64), (tensor<8x2xf32>, tensor<8xf32>, i64) -> (tensor<8x2xf32>, f32, tensor<8x2xf32>, f32)
func.func private @u(%z: tensor<8x2xf32>, %t: tensor<8xf32>, %n: i64) -> (tensor<8x2xf32>, f32) {
  %c = arith.constant 1.0 : f32
  return %z, %c : tensor<8x2xf32>, f32
}

func.func @jvp_roundtrip(%z: tensor<8x2xf32>, %t: tensor<8xf32>, %v: tensor<8x2xf32>,
                         %one: tensor<8xf32>, %n: i64) -> tensor<8x2xf32> {
  %u, %s, %du, %ds = fm.jvp @u(%z, %t, %n) tangents(%v, %one, %n)
      : (tensor<8x2xf32>, tensor<8xf32>, i64), (tensor<8x2xf32>, tensor<8xf32>, i64)
      -> (tensor<8x2xf32>, f32, tensor<8x2xf32>, f32)
  return %du : tensor<8x2xf32>
}

// CHECK-LABEL: func.func @stop_gradient_roundtrip
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<8x2xf32>, %[[S:[a-z0-9_]+]]: f64)
// CHECK: %{{.+}} = fm.stop_gradient %[[X]] : tensor<8x2xf32>
// CHECK: %{{.+}} = fm.stop_gradient %[[S]] : f64
func.func @stop_gradient_roundtrip(%x: tensor<8x2xf32>, %s: f64) -> (tensor<8x2xf32>, f64) {
  %y = fm.stop_gradient %x : tensor<8x2xf32>
  %r = fm.stop_gradient %s : f64
  return %y, %r : tensor<8x2xf32>, f64
}
