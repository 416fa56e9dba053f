// RUN: fm-opt %s --fm-autodiff --split-input-file | FileCheck %s

/// A VJP through a function that takes a JVP: the fm.jvp is expanded first,
/// and the reverse mode differentiates the forward-mode code that replaced
/// it. g(x, t) = t·eˣ (the tangent of eˣ), so ∂g/∂x = t·eˣ and ∂g/∂t = eˣ.

// CHECK-LABEL: func.func private @f_jvp
// CHECK-LABEL: func.func @g(
// CHECK: call @f_jvp
// CHECK-LABEL: func.func private @g_vjp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: f32, %[[T:[a-z0-9_]+]]: f32, %[[CT:[a-z0-9_]+]]: f32)
// CHECK-NOT: call
// CHECK-NEXT: %[[E:.+]] = math.exp %[[X]] : f32
// CHECK-NEXT: %[[G:.+]] = arith.mulf %[[T]], %[[E]] : f32
// CHECK-NEXT: %[[GT:.+]] = arith.mulf %[[CT]], %[[E]] : f32
// CHECK-NEXT: %[[A:.+]] = arith.mulf %[[CT]], %[[T]] : f32
// CHECK-NEXT: %[[GX:.+]] = arith.mulf %[[A]], %[[E]] : f32
// CHECK-NEXT: return %[[G]], %[[GX]], %[[GT]]
// CHECK-LABEL: func.func @second_derivative
// CHECK: call @g_vjp
func.func @f(%x: f32) -> f32 {
  %y = math.exp %x : f32
  return %y : f32
}

func.func @g(%x: f32, %t: f32) -> f32 {
  %y, %dy = fm.jvp @f(%x) tangents(%t) : (f32), (f32) -> (f32, f32)
  return %dy : f32
}

func.func @second_derivative(%x: f32, %t: f32, %ct: f32) -> (f32, f32) {
  %d, %gx, %gt = fm.vjp @g(%x, %t) cotangents(%ct) : (f32, f32), (f32) -> (f32, f32, f32)
  return %gx, %gt : f32, f32
}

// -----

/// MeanFlow's loss: ‖u − stopgrad(v − du)‖² with du the JVP of the network
/// along v. The stopped target gets no adjoint, so v, which only reaches
/// the loss through it, has a zero gradient, and w's gradient flows through
/// u alone.

// CHECK-LABEL: func.func private @loss_vjp
// CHECK-SAME: -> (f32, tensor<2x2xf32>, tensor<3x2xf32>)
// CHECK-NOT: call
// CHECK-NOT: fm.stop_gradient
// CHECK: %[[GW:.+]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "parallel"]
// CHECK-NEXT: ^bb0
// CHECK: %[[ZERO:.+]] = arith.constant 0.0
// CHECK-NEXT: %[[E:.+]] = tensor.empty() : tensor<3x2xf32>
// CHECK-NEXT: %[[GV:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<3x2xf32>)
// CHECK-NEXT: return %{{.+}}, %[[GW]], %[[GV]]
func.func @u(%w: tensor<2x2xf32>, %z: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %f = linalg.fill ins(%c0 : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %m = linalg.matmul ins(%z, %w : tensor<3x2xf32>, tensor<2x2xf32>)
      outs(%f : tensor<3x2xf32>) -> tensor<3x2xf32>
  %t = math.tanh %m : tensor<3x2xf32>
  return %t : tensor<3x2xf32>
}

func.func @loss(%w: tensor<2x2xf32>, %v: tensor<3x2xf32>) -> f32 {
  %zw = arith.constant dense<0.0> : tensor<2x2xf32>
  %z = arith.constant dense<0.5> : tensor<3x2xf32>
  %u, %du = fm.jvp @u(%w, %z) tangents(%zw, %v)
      : (tensor<2x2xf32>, tensor<3x2xf32>), (tensor<2x2xf32>, tensor<3x2xf32>)
      -> (tensor<3x2xf32>, tensor<3x2xf32>)
  %tgt = arith.subf %v, %du : tensor<3x2xf32>
  %sg = fm.stop_gradient %tgt : tensor<3x2xf32>
  %d = arith.subf %u, %sg : tensor<3x2xf32>
  %sq = arith.mulf %d, %d : tensor<3x2xf32>
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %f = linalg.fill ins(%c0 : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %s = linalg.reduce ins(%sq : tensor<3x2xf32>) outs(%f : tensor<f32>) dimensions = [0, 1]
    (%a: f32, %b: f32) {
      %r = arith.addf %a, %b : f32
      linalg.yield %r : f32
    }
  %l = tensor.extract %s[] : tensor<f32>
  return %l : f32
}

func.func @step(%w: tensor<2x2xf32>, %v: tensor<3x2xf32>) -> (tensor<2x2xf32>, tensor<3x2xf32>) {
  %one = arith.constant 1.0 : f32
  %l, %gw, %gv = fm.vjp @loss(%w, %v) cotangents(%one)
      : (tensor<2x2xf32>, tensor<3x2xf32>), (f32) -> (f32, tensor<2x2xf32>, tensor<3x2xf32>)
  return %gw, %gv : tensor<2x2xf32>, tensor<3x2xf32>
}
