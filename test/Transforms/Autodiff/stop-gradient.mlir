// RUN: fm-opt %s --fm-autodiff --split-input-file | FileCheck %s

/// x · stop_gradient(x): the stopped factor is a constant to both modes, so
/// the derivative is x, not 2x: one product in the reverse sweep's result
/// and in the tangent. The op itself is replaced by its operand everywhere.

// CHECK-LABEL: func.func @half(
// CHECK-NEXT: %[[Y:.+]] = arith.mulf %[[X:[a-z0-9_]+]], %[[X]] : f32
// CHECK-NEXT: return %[[Y]]
// CHECK-LABEL: func.func private @half_jvp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: f32, %[[DX:[a-z0-9_]+]]: f32)
// CHECK-NOT: fm.stop_gradient
// CHECK-NEXT: %[[Y:.+]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK-NEXT: %[[DY:.+]] = arith.mulf %[[DX]], %[[X]] : f32
// CHECK-NEXT: return %[[Y]], %[[DY]]
// CHECK-LABEL: func.func private @half_vjp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: f32, %[[CT:[a-z0-9_]+]]: f32)
// CHECK-NOT: fm.stop_gradient
// CHECK: %[[G:.+]] = arith.mulf %[[CT]], %[[X]] : f32
// CHECK-NOT: arith.addf
// CHECK: return %{{.+}}, %[[G]]
func.func @half(%x: f32) -> f32 {
  %s = fm.stop_gradient %x : f32
  %y = arith.mulf %x, %s : f32
  return %y : f32
}

func.func @half_grad(%x: f32, %ct: f32) -> f32 {
  %y, %g = fm.vjp @half(%x) cotangents(%ct) : (f32), (f32) -> (f32, f32)
  return %g : f32
}

func.func @half_tangent(%x: f32, %dx: f32) -> f32 {
  %y, %dy = fm.jvp @half(%x) tangents(%dx) : (f32), (f32) -> (f32, f32)
  return %dy : f32
}

// -----

/// Without differentiation the op is the identity.

// CHECK-LABEL: func.func @plain
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<4xf32>)
// CHECK-NEXT: return %[[X]]
func.func @plain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = fm.stop_gradient %x : tensor<4xf32>
  return %s : tensor<4xf32>
}

// -----

/// In a generic body it stops the scalar's tangent: tanh(v) · sg(v) has the
/// tangent dv·(1 − tanh²)·v alone.

// CHECK-LABEL: func.func private @body_jvp
// CHECK: linalg.generic
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: f32, %[[DV:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NEXT: %[[T:.+]] = math.tanh %[[V]]
// CHECK-NOT: fm.stop_gradient
// CHECK: %[[DT:.+]] = arith.mulf %[[DV]], %{{.+}} : f32
// CHECK-NEXT: %[[R:.+]] = arith.mulf %[[DT]], %[[V]] : f32
// CHECK-NEXT: linalg.yield %[[R]]
func.func @body(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    %s = fm.stop_gradient %v : f32
    %r = arith.mulf %t, %s : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @body_caller(%x: tensor<4xf32>, %dx: tensor<4xf32>) -> tensor<4xf32> {
  %y, %dy = fm.jvp @body(%x) tangents(%dx)
      : (tensor<4xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %dy : tensor<4xf32>
}
