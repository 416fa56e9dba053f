// RUN: fm-opt %s | FileCheck %s
// RUN: fm-opt %s | fm-opt | FileCheck %s
// RUN: fm-opt %s --mlir-print-op-generic | fm-opt | FileCheck %s

// CHECK-LABEL: func.func @path_sample_cond_ot
// CHECK-SAME: (%[[X0:[a-z0-9_]+]]: tensor<256x2xf32>, %[[X1:[a-z0-9_]+]]: tensor<256x2xf32>, %[[T:[a-z0-9_]+]]: tensor<256xf32>)
func.func @path_sample_cond_ot(%x0: tensor<256x2xf32>, %x1: tensor<256x2xf32>,
                               %t: tensor<256xf32>)
    -> (tensor<256x2xf32>, tensor<256x2xf32>) {
  // CHECK: %[[XT:.+]], %[[DXT:.+]] = fm.path_sample #fm.cond_ot %[[X0]], %[[X1]], %[[T]] : tensor<256x2xf32>, tensor<256xf32>
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x0, %x1, %t
      : tensor<256x2xf32>, tensor<256xf32>
  // CHECK: return %[[XT]], %[[DXT]]
  return %x_t, %dx_t : tensor<256x2xf32>, tensor<256x2xf32>
}

/// A dynamic batch, a rank-3 sample (e.g. sequences of vectors) and f64.
// CHECK-LABEL: func.func @path_sample_dynamic_rank3_f64
// CHECK: fm.path_sample #fm.poly<2.0> %{{.+}}, %{{.+}}, %{{.+}} : tensor<?x4x3xf64>, tensor<?xf64>
func.func @path_sample_dynamic_rank3_f64(%x0: tensor<?x4x3xf64>,
                                         %x1: tensor<?x4x3xf64>,
                                         %t: tensor<?xf64>)
    -> tensor<?x4x3xf64> {
  %x_t, %dx_t = fm.path_sample #fm.poly<2.0> %x0, %x1, %t
      : tensor<?x4x3xf64>, tensor<?xf64>
  return %dx_t : tensor<?x4x3xf64>
}

/// A static batch may meet a dynamic time vector and vice versa.
// CHECK-LABEL: func.func @path_sample_mixed_static_dynamic
// CHECK: fm.path_sample #fm.vp<beta_max = 10.0> %{{.+}}, %{{.+}}, %{{.+}} : tensor<8x2xf32>, tensor<?xf32>
func.func @path_sample_mixed_static_dynamic(%x0: tensor<8x2xf32>,
                                            %x1: tensor<8x2xf32>,
                                            %t: tensor<?xf32>)
    -> tensor<8x2xf32> {
  %x_t, %dx_t = fm.path_sample #fm.vp<beta_max = 10.0> %x0, %x1, %t
      : tensor<8x2xf32>, tensor<?xf32>
  return %x_t : tensor<8x2xf32>
}

// CHECK-LABEL: func.func @vjp_roundtrip
// CHECK-SAME: (%[[W:[a-z0-9_]+]]: tensor<4x3xf32>, %[[X:[a-z0-9_]+]]: tensor<8x3xf32>, %[[CT:[a-z0-9_]+]]: f32)
// CHECK: %{{.+}}:3 = fm.vjp @loss(%[[W]], %[[X]]) cotangents(%[[CT]]) : (tensor<4x3xf32>, tensor<8x3xf32>), (f32) -> (f32, tensor<4x3xf32>, tensor<8x3xf32>)
func.func private @loss(tensor<4x3xf32>, tensor<8x3xf32>) -> f32

func.func @vjp_roundtrip(%w: tensor<4x3xf32>, %x: tensor<8x3xf32>, %ct: f32)
    -> tensor<4x3xf32> {
  %loss, %dw, %dx = fm.vjp @loss(%w, %x) cotangents(%ct)
      : (tensor<4x3xf32>, tensor<8x3xf32>), (f32)
      -> (f32, tensor<4x3xf32>, tensor<8x3xf32>)
  return %dw : tensor<4x3xf32>
}

// CHECK-LABEL: func.func @random_roundtrip
// CHECK-SAME: (%[[SEED:[a-z0-9_]+]]: i64, %[[OFF:[a-z0-9_]+]]: i64)
// CHECK: fm.random_normal %[[SEED]], %[[OFF]] stream 0 : tensor<256x2xf32>
// CHECK: fm.random_uniform %[[SEED]], %[[OFF]] stream 1 : tensor<256xf32>
func.func @random_roundtrip(%seed: i64, %offset: i64) -> (tensor<256x2xf32>, tensor<256xf32>) {
  %x0 = fm.random_normal %seed, %offset stream 0 : tensor<256x2xf32>
  %t = fm.random_uniform %seed, %offset stream 1 : tensor<256xf32>
  return %x0, %t : tensor<256x2xf32>, tensor<256xf32>
}

// CHECK-LABEL: func.func @train_ops_roundtrip
// CHECK: fm.mse_loss %{{.+}}, %{{.+}} : tensor<256x2xf32> -> f32
// CHECK: fm.adam_update %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {decoupled, lr = 1.000000e-02 : f64, weight_decay = 1.000000e-01 : f64} : tensor<64x3xf32>
func.func @train_ops_roundtrip(%v: tensor<256x2xf32>, %u: tensor<256x2xf32>,
                               %w: tensor<64x3xf32>, %g: tensor<64x3xf32>, %step: i64)
    -> (f32, tensor<64x3xf32>) {
  %l = fm.mse_loss %v, %u : tensor<256x2xf32> -> f32
  %w1, %m1, %v1 = fm.adam_update %w, %g, %g, %g, %step {lr = 1.0e-2, weight_decay = 0.1, decoupled} : tensor<64x3xf32>
  return %l, %w1 : f32, tensor<64x3xf32>
}

// CHECK-LABEL: func.func @ode_roundtrip
// CHECK: fm.ode_step midpoint @velocity(%{{.+}}, %{{.+}}, %{{.+}}) params(%{{.+}} : tensor<4x3xf32>) : tensor<16x2xf32>, f32
// CHECK: fm.ode_step rk38 @free(%{{.+}}, %{{.+}}, %{{.+}}) : tensor<16x2xf32>, f32
func.func private @velocity(tensor<16x2xf32>, tensor<16xf32>, tensor<4x3xf32>) -> tensor<16x2xf32>
func.func private @free(tensor<16x2xf32>, tensor<16xf32>) -> tensor<16x2xf32>

func.func @ode_roundtrip(%x: tensor<16x2xf32>, %t: f32, %h: f32, %w: tensor<4x3xf32>) -> tensor<16x2xf32> {
  %x1 = fm.ode_step midpoint @velocity(%x, %t, %h) params(%w : tensor<4x3xf32>) : tensor<16x2xf32>, f32
  %x2 = fm.ode_step rk38 @free(%x1, %t, %h) : tensor<16x2xf32>, f32
  return %x2 : tensor<16x2xf32>
}

// CHECK-LABEL: func.func @logit_normal_roundtrip
// CHECK: fm.random_logit_normal %{{.+}}, %{{.+}} stream 1 {mean = -4.000000e-01 : f64} : tensor<256xf32>
// CHECK: fm.random_logit_normal %{{.+}}, %{{.+}} stream 2 : tensor<8xf32>
func.func @logit_normal_roundtrip(%seed: i64, %offset: i64) -> (tensor<256xf32>, tensor<8xf32>) {
  %t = fm.random_logit_normal %seed, %offset stream 1 {mean = -0.4, std = 1.0} : tensor<256xf32>
  %s = fm.random_logit_normal %seed, %offset stream 2 : tensor<8xf32>
  return %t, %s : tensor<256xf32>, tensor<8xf32>
}

// CHECK-LABEL: func.func @convert_prediction_roundtrip
// CHECK: fm.convert_prediction #fm.vp %{{.+}} from epsilon to velocity at %{{.+}}, %{{.+}} : tensor<?x2xf32>, tensor<?xf32>
func.func @convert_prediction_roundtrip(%eps: tensor<?x2xf32>, %x_t: tensor<?x2xf32>, %t: tensor<?xf32>)
    -> tensor<?x2xf32> {
  %u = fm.convert_prediction #fm.vp %eps from epsilon to velocity at %x_t, %t
      : tensor<?x2xf32>, tensor<?xf32>
  return %u : tensor<?x2xf32>
}

// CHECK-LABEL: func.func @integrate_roundtrip
// CHECK: fm.integrate midpoint @free(%{{.+}}) steps(%{{.+}}) : tensor<16x2xf32>
// CHECK: fm.integrate rk4 @free(%{{.+}}) steps(%{{.+}}) {t0 = 1.000000e+00 : f64, t1 = 0.000000e+00 : f64} : tensor<16x2xf32>
// CHECK: fm.integrate euler @free(%{{.+}}) {time_grid = array<f64: 0.000000e+00, 5.000000e-01, 1.000000e+00>} : tensor<16x2xf32>
func.func @integrate_roundtrip(%x: tensor<16x2xf32>, %n: index) -> tensor<16x2xf32> {
  %a = fm.integrate midpoint @free(%x) steps(%n) : tensor<16x2xf32>
  %b = fm.integrate rk4 @free(%a) steps(%n) {t0 = 1.0, t1 = 0.0} : tensor<16x2xf32>
  %c = fm.integrate euler @free(%b) {time_grid = array<f64: 0.0, 0.5, 1.0>} : tensor<16x2xf32>
  return %c : tensor<16x2xf32>
}
