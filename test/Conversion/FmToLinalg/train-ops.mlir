// RUN: fm-opt %s --fm-convert-to-linalg --split-input-file | FileCheck %s

/// mse_loss: a sum of squares over every loop, then a division by the count.

// CHECK-LABEL: func.func @mse
// CHECK-SAME: (%[[P:[a-z0-9_]+]]: tensor<256x2xf32>, %[[T:[a-z0-9_]+]]: tensor<256x2xf32>)
// CHECK: %[[INIT:.+]] = linalg.fill
// CHECK: %[[SUM:.+]] = linalg.generic
// CHECK-SAME: iterator_types = ["reduction", "reduction"]
// CHECK-SAME: ins(%[[P]], %[[T]] : tensor<256x2xf32>, tensor<256x2xf32>) outs(%[[INIT]] : tensor<f32>)
// CHECK: ^bb0(%[[A:[a-z0-9_]+]]: f32, %[[B:[a-z0-9_]+]]: f32, %[[ACC:[a-z0-9_]+]]: f32):
// CHECK:   %[[D:.+]] = arith.subf %[[A]], %[[B]] : f32
// CHECK:   %[[SQ:.+]] = arith.mulf %[[D]], %[[D]] : f32
// CHECK:   %[[R:.+]] = arith.addf %[[ACC]], %[[SQ]] : f32
// CHECK:   linalg.yield %[[R]]
// CHECK: %[[TOTAL:.+]] = tensor.extract %[[SUM]][] : tensor<f32>
// CHECK: %[[N:.+]] = arith.uitofp %{{.+}} : i64 to f32
// CHECK: %[[MEAN:.+]] = arith.divf %[[TOTAL]], %[[N]] : f32
// CHECK: return %[[MEAN]]
func.func @mse(%p: tensor<256x2xf32>, %t: tensor<256x2xf32>) -> f32 {
  %l = fm.mse_loss %p, %t : tensor<256x2xf32> -> f32
  return %l : f32
}

// -----

/// adam_update: f64 bias corrections from the step, then one generic with
/// three results (parameter, first and second moments).

// CHECK-LABEL: func.func @adam
// CHECK-SAME: (%[[P:[a-z0-9_]+]]: tensor<64x3xf32>, %[[G:[a-z0-9_]+]]: tensor<64x3xf32>, %[[M:[a-z0-9_]+]]: tensor<64x3xf32>, %[[V:[a-z0-9_]+]]: tensor<64x3xf32>, %[[STEP:[a-z0-9_]+]]: i64)
// CHECK: %[[S:.+]] = arith.sitofp %[[STEP]] : i64 to f64
// CHECK: math.powf %{{.+}}, %[[S]] : f64
// CHECK: math.powf %{{.+}}, %[[S]] : f64
// CHECK: %[[NEGSTEP:.+]] = arith.truncf %{{.+}} : f64 to f32
// CHECK: %[[BC2:.+]] = arith.truncf %{{.+}} : f64 to f32
// CHECK: %{{.+}}:3 = linalg.generic
// CHECK-SAME: ins(%[[P]], %[[G]], %[[M]], %[[V]] :
// CHECK: ^bb0(%[[PV:[a-z0-9_]+]]: f32, %[[GV:[a-z0-9_]+]]: f32, %[[MV:[a-z0-9_]+]]: f32, %[[VV:[a-z0-9_]+]]: f32,
// CHECK: %[[B1:.+]] = arith.constant 0.899999976 : f32
// CHECK: arith.mulf %[[MV]], %[[B1]] : f32
// CHECK: %[[GG:.+]] = arith.mulf %[[GV]], %[[GV]] : f32
// CHECK: %[[B2:.+]] = arith.constant 9.990000e-01 : f32
// CHECK: arith.mulf %[[VV]], %[[B2]] : f32
// CHECK: math.sqrt
// CHECK: arith.divf %{{.+}}, %[[BC2]] : f32
// CHECK: arith.constant 9.99999993E-9 : f32
// CHECK: arith.mulf %[[NEGSTEP]], %{{.+}} : f32
// CHECK: %[[NEWP:.+]] = arith.addf %[[PV]], %{{.+}} : f32
// CHECK: linalg.yield %[[NEWP]], %{{.+}}, %{{.+}} : f32, f32, f32
func.func @adam(%p: tensor<64x3xf32>, %g: tensor<64x3xf32>, %m: tensor<64x3xf32>,
                %v: tensor<64x3xf32>, %step: i64)
    -> (tensor<64x3xf32>, tensor<64x3xf32>, tensor<64x3xf32>) {
  %p1, %m1, %v1 = fm.adam_update %p, %g, %m, %v, %step {lr = 1.0e-2} : tensor<64x3xf32>
  return %p1, %m1, %v1 : tensor<64x3xf32>, tensor<64x3xf32>, tensor<64x3xf32>
}

// -----

/// AdamW scales the parameter by 1 - lr·wd = 0.999 before the update; Adam
/// with weight decay adds wd·p = 0.1·p to the gradient instead.

// CHECK-LABEL: func.func @adamw
// CHECK: ^bb0(%[[PV:[a-z0-9_]+]]: f32,
// CHECK: %[[DECAY:.+]] = arith.constant 9.990000e-01 : f32
// CHECK-NEXT: arith.mulf %[[PV]], %[[DECAY]] : f32
// CHECK-LABEL: func.func @adam_l2
// CHECK: ^bb0(%[[PV:[a-z0-9_]+]]: f32, %[[GV:[a-z0-9_]+]]: f32,
// CHECK: %[[WD:.+]] = arith.constant 1.000000e-01 : f32
// CHECK-NEXT: %[[WP:.+]] = arith.mulf %[[WD]], %[[PV]] : f32
// CHECK-NEXT: arith.addf %[[GV]], %[[WP]] : f32
func.func @adamw(%p: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>,
                 %step: i64) -> tensor<4xf32> {
  %p1, %m1, %v1 = fm.adam_update %p, %g, %m, %v, %step {lr = 1.0e-2, weight_decay = 0.1, decoupled} : tensor<4xf32>
  return %p1 : tensor<4xf32>
}

func.func @adam_l2(%p: tensor<4xf32>, %g: tensor<4xf32>, %m: tensor<4xf32>, %v: tensor<4xf32>,
                   %step: i64) -> tensor<4xf32> {
  %p1, %m1, %v1 = fm.adam_update %p, %g, %m, %v, %step {lr = 1.0e-2, weight_decay = 0.1} : tensor<4xf32>
  return %p1 : tensor<4xf32>
}

// -----

/// ode_step midpoint: v at (x, t), then at (x + h/2·k1, t + h/2), with t
/// broadcast to one entry per row and the parameters passed through.

func.func private @velocity(tensor<16x2xf32>, tensor<16xf32>, tensor<4x3xf32>) -> tensor<16x2xf32>

// CHECK-LABEL: func.func @midpoint
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<16x2xf32>, %[[T:[a-z0-9_]+]]: f32, %[[H:[a-z0-9_]+]]: f32, %[[W:[a-z0-9_]+]]: tensor<4x3xf32>)
// CHECK: %[[HALF:.+]] = arith.mulf %[[H]], %{{.+}} : f32
// CHECK: %[[T1:.+]] = linalg.fill ins(%[[T]] : f32) outs(%{{.+}} : tensor<16xf32>)
// CHECK: %[[K1:.+]] = call @velocity(%[[X]], %[[T1]], %[[W]])
// CHECK: %[[XM:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[K1]] :
// CHECK: arith.mulf %[[HALF]], %{{.+}} : f32
// CHECK: %[[TM:.+]] = arith.addf %[[T]], %[[HALF]] : f32
// CHECK: %[[T2:.+]] = linalg.fill ins(%[[TM]] : f32)
// CHECK: %[[K2:.+]] = call @velocity(%[[XM]], %[[T2]], %[[W]])
// CHECK: %[[NEXT:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[K2]] :
// CHECK: arith.mulf %[[H]], %{{.+}} : f32
// CHECK: return %[[NEXT]]
func.func @midpoint(%x: tensor<16x2xf32>, %t: f32, %h: f32, %w: tensor<4x3xf32>) -> tensor<16x2xf32> {
  %n = fm.ode_step midpoint @velocity(%x, %t, %h) params(%w : tensor<4x3xf32>)
      : tensor<16x2xf32>, f32
  return %n : tensor<16x2xf32>
}

// -----

/// Euler calls the velocity once, rk4 and rk38 four times.

func.func private @v(tensor<?x2xf32>, tensor<?xf32>) -> tensor<?x2xf32>

// CHECK-LABEL: func.func @euler
// CHECK-COUNT-1: call @v
// CHECK-NOT: call @v
// CHECK-LABEL: func.func @rk4
// CHECK-COUNT-4: call @v
// CHECK-NOT: call @v
// CHECK-LABEL: func.func @rk38
// CHECK-COUNT-4: call @v
// CHECK-NOT: call @v
func.func @euler(%x: tensor<?x2xf32>, %t: f32, %h: f32) -> tensor<?x2xf32> {
  %n = fm.ode_step euler @v(%x, %t, %h) : tensor<?x2xf32>, f32
  return %n : tensor<?x2xf32>
}
func.func @rk4(%x: tensor<?x2xf32>, %t: f32, %h: f32) -> tensor<?x2xf32> {
  %n = fm.ode_step rk4 @v(%x, %t, %h) : tensor<?x2xf32>, f32
  return %n : tensor<?x2xf32>
}
func.func @rk38(%x: tensor<?x2xf32>, %t: f32, %h: f32) -> tensor<?x2xf32> {
  %n = fm.ode_step rk38 @v(%x, %t, %h) : tensor<?x2xf32>, f32
  return %n : tensor<?x2xf32>
}

// -----

/// fm.vjp is left for fm-autodiff.
// CHECK-LABEL: func.func @vjp_untouched
// CHECK: fm.vjp @sq
func.func @sq(%x: f32) -> f32 {
  %y = arith.mulf %x, %x : f32
  return %y : f32
}
func.func @vjp_untouched(%x: f32) -> f32 {
  %y, %dx = fm.vjp @sq(%x) cotangents(%x) : (f32), (f32) -> (f32, f32)
  return %dx : f32
}
