// RUN: fm-opt %s --fm-convert-to-linalg | FileCheck %s

/// fm.vjp, fm.jvp and fm.stop_gradient are fm-autodiff's: the conversion
/// leaves them alone and lowers the fm ops of the functions they
/// differentiate.

// CHECK-LABEL: func.func @loss
// CHECK-NOT: fm.mse_loss
// CHECK: return
func.func @loss(%p: tensor<4x2xf32>, %t: tensor<4x2xf32>) -> f32 {
  %l = fm.mse_loss %p, %t : tensor<4x2xf32> -> f32
  return %l : f32
}

// CHECK-LABEL: func.func @caller
// CHECK: %[[S:.+]] = fm.stop_gradient %{{.+}} : tensor<4x2xf32>
// CHECK: fm.jvp @loss(%{{.+}}, %[[S]]) tangents
// CHECK: fm.vjp @loss(%{{.+}}, %[[S]]) cotangents
func.func @caller(%p: tensor<4x2xf32>, %t: tensor<4x2xf32>, %dp: tensor<4x2xf32>)
    -> (f32, tensor<4x2xf32>) {
  %s = fm.stop_gradient %t : tensor<4x2xf32>
  %l, %dl = fm.jvp @loss(%p, %s) tangents(%dp, %dp)
      : (tensor<4x2xf32>, tensor<4x2xf32>), (tensor<4x2xf32>, tensor<4x2xf32>) -> (f32, f32)
  %one = arith.constant 1.0 : f32
  %l2, %gp, %gt = fm.vjp @loss(%p, %s) cotangents(%one)
      : (tensor<4x2xf32>, tensor<4x2xf32>), (f32) -> (f32, tensor<4x2xf32>, tensor<4x2xf32>)
  return %dl, %gp : f32, tensor<4x2xf32>
}
