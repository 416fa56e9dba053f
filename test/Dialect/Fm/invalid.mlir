// RUN: fm-opt %s --split-input-file --verify-diagnostics

//===----------------------------------------------------------------------===//
// Scheduler attributes
//===----------------------------------------------------------------------===//

// expected-error @+1 {{polynomial scheduler exponent must be a finite number greater than 0, got 0.0}}
func.func @poly_exponent_zero() attributes {s = #fm.poly<0.0>} { return }

// -----

// expected-error @+1 {{polynomial scheduler exponent must be a finite number greater than 0, got -2.0}}
func.func @poly_exponent_negative() attributes {s = #fm.poly<-2.0>} { return }

// -----

// expected-error @+1 {{polynomial scheduler exponent must be a finite number greater than 0, got inf}}
func.func @poly_exponent_infinite() attributes {s = #fm.poly<0x7FF0000000000000>} { return }

// -----

// expected-error @+3 {{unexpected decimal integer literal for a floating point value}}
// expected-note @+2 {{add a trailing dot to make the literal a float}}
// expected-error @+1 {{failed to parse Fm_PolynomialAttr parameter 'exponent'}}
func.func @poly_exponent_integer() attributes {s = #fm.poly<3>} { return }

// -----

// expected-error @+1 {{expected '<'}}
func.func @poly_exponent_missing() attributes {s = #fm.poly} { return }

// -----

// expected-error @+1 {{VP scheduler beta_min must be >= 0, got -0.1}}
func.func @vp_beta_min_negative() attributes {s = #fm.vp<beta_min = -0.1>} { return }

// -----

// expected-error @+1 {{VP scheduler requires beta_min < beta_max, got 5.0 and 5.0}}
func.func @vp_betas_equal() attributes {s = #fm.vp<beta_min = 5.0, beta_max = 5.0>} { return }

// -----

// expected-error @+1 {{VP scheduler requires beta_min < beta_max, got 0.1 and 0.05}}
func.func @vp_beta_max_below_default_min() attributes {s = #fm.vp<beta_max = 0.05>} { return }

// -----

// expected-error @+1 {{VP scheduler betas must be finite}}
func.func @vp_beta_infinite() attributes {s = #fm.vp<beta_max = 0x7FF0000000000000>} { return }

// -----

// expected-error @+1 {{duplicate or unknown struct parameter name: gamma}}
func.func @vp_unknown_parameter() attributes {s = #fm.vp<gamma = 1.0>} { return }

// -----

// expected-error @+1 {{unknown attribute `rectified` in dialect `fm`}}
func.func @unknown_scheduler() attributes {s = #fm.rectified} { return }

// -----

//===----------------------------------------------------------------------===//
// fm.path_sample
//===----------------------------------------------------------------------===//

func.func @path_sample_integer_samples(%x: tensor<4x2xi32>, %t: tensor<4xi32>) {
  // expected-error @+1 {{'fm.path_sample' op samples must have a float element type, got 'i32'}}
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x, %x, %t : tensor<4x2xi32>, tensor<4xi32>
  return
}

// -----

func.func @path_sample_no_batch_dim(%x: tensor<f32>, %t: tensor<1xf32>) {
  // expected-error @+1 {{'fm.path_sample' op samples must have a leading batch dimension, got a 0-d tensor}}
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x, %x, %t : tensor<f32>, tensor<1xf32>
  return
}

// -----

func.func @path_sample_time_rank2(%x: tensor<4x2xf32>, %t: tensor<4x1xf32>) {
  // expected-error @+1 {{'fm.path_sample' op time must be a 1-D tensor with one entry per batch row, got rank 2}}
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x, %x, %t : tensor<4x2xf32>, tensor<4x1xf32>
  return
}

// -----

func.func @path_sample_time_element_type(%x: tensor<4x2xf32>, %t: tensor<4xf64>) {
  // expected-error @+1 {{'fm.path_sample' op time element type 'f64' does not match the sample element type 'f32'}}
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x, %x, %t : tensor<4x2xf32>, tensor<4xf64>
  return
}

// -----

func.func @path_sample_batch_mismatch(%x: tensor<4x2xf32>, %t: tensor<3xf32>) {
  // expected-error @+1 {{'fm.path_sample' op time has 3 entries but the batch has 4 rows}}
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x, %x, %t : tensor<4x2xf32>, tensor<3xf32>
  return
}

// -----

/// x0 and x1 must have one type; only the generic form can spell a mismatch.
func.func @path_sample_x1_type(%x0: tensor<4x2xf32>, %x1: tensor<4x3xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'fm.path_sample' op failed to verify that all of {x0, x1, x_t, dx_t} have same type}}
  %x_t, %dx_t = "fm.path_sample"(%x0, %x1, %t) {scheduler = #fm.cond_ot}
      : (tensor<4x2xf32>, tensor<4x3xf32>, tensor<4xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>)
  return
}

// -----

func.func @path_sample_result_type(%x: tensor<4x2xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'fm.path_sample' op failed to verify that all of {x0, x1, x_t, dx_t} have same type}}
  %x_t, %dx_t = "fm.path_sample"(%x, %x, %t) {scheduler = #fm.cond_ot}
      : (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>) -> (tensor<4x2xf32>, tensor<4x2xf64>)
  return
}

// -----

func.func @path_sample_not_a_scheduler(%x: tensor<4x2xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'fm.path_sample' op attribute 'scheduler' failed to satisfy constraint: flow-matching scheduler}}
  %x_t, %dx_t = "fm.path_sample"(%x, %x, %t) {scheduler = 1.0 : f32}
      : (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>)
  return
}

// -----

func.func @path_sample_missing_scheduler(%x: tensor<4x2xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'fm.path_sample' op requires attribute 'scheduler'}}
  %x_t, %dx_t = "fm.path_sample"(%x, %x, %t)
      : (tensor<4x2xf32>, tensor<4x2xf32>, tensor<4xf32>) -> (tensor<4x2xf32>, tensor<4x2xf32>)
  return
}

// -----

func.func @path_sample_unranked(%x: tensor<*xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'fm.path_sample' op operand #0 must be ranked tensor of any type values, but got 'tensor<*xf32>'}}
  %x_t, %dx_t = "fm.path_sample"(%x, %x, %t) {scheduler = #fm.cond_ot}
      : (tensor<*xf32>, tensor<*xf32>, tensor<4xf32>) -> (tensor<*xf32>, tensor<*xf32>)
  return
}

// -----

//===----------------------------------------------------------------------===//
// fm.vjp
//===----------------------------------------------------------------------===//

func.func @vjp_no_callee(%x: f32) {
  // expected-error @+1 {{'fm.vjp' op 'missing' does not reference a func.func}}
  %y, %dx = fm.vjp @missing(%x) cotangents(%x) : (f32), (f32) -> (f32, f32)
  return
}

// -----

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @vjp_input_count(%x: f32) {
  // expected-error @+1 {{'fm.vjp' op callee takes 1 inputs but 2 were given}}
  %y, %dx, %dz = fm.vjp @f(%x, %x) cotangents(%x) : (f32, f32), (f32) -> (f32, f32, f32)
  return
}

// -----

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @vjp_cotangent_count(%x: f32) {
  // expected-error @+1 {{'fm.vjp' op callee has 1 results, so it needs as many cotangents, but 2 were given}}
  %y, %dx = fm.vjp @f(%x) cotangents(%x, %x) : (f32), (f32, f32) -> (f32, f32)
  return
}

// -----

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @vjp_result_count(%x: f32) {
  // expected-error @+1 {{'fm.vjp' op expects 2 results (the callee's results, then one gradient per input), got 1}}
  %y = fm.vjp @f(%x) cotangents(%x) : (f32), (f32) -> (f32)
  return
}

// -----

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @vjp_input_type(%x: f64, %ct: f32) {
  // expected-error @+1 {{'fm.vjp' op input #0 has type 'f64' but the callee expects 'f32'}}
  %y, %dx = fm.vjp @f(%x) cotangents(%ct) : (f64), (f32) -> (f32, f64)
  return
}

// -----

func.func @g(%n: !llvm.ptr) -> f32 {
  %c = arith.constant 1.0 : f32
  return %c : f32
}

func.func @vjp_pointer_input(%n: !llvm.ptr, %ct: f32) {
  // expected-error @+1 {{'fm.vjp' op input #0 of type '!llvm.ptr' is not supported (expected a float, an integer, an index or a ranked tensor of them)}}
  %y, %dn = fm.vjp @g(%n) cotangents(%ct) : (!llvm.ptr), (f32) -> (f32, !llvm.ptr)
  return
}

// -----

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> { return %x : tensor<4xf32> }

func.func @vjp_gradient_type(%x: tensor<4xf32>) {
  // expected-error @+1 {{'fm.vjp' op gradient #0 has type 'tensor<4xf64>' but its input has type 'tensor<4xf32>'}}
  %y, %dx = fm.vjp @f(%x) cotangents(%x)
      : (tensor<4xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf64>)
  return
}

// -----

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> { return %x : tensor<4xf32> }

func.func @vjp_cotangent_type(%x: tensor<4xf32>, %ct: tensor<3xf32>) {
  // expected-error @+1 {{'fm.vjp' op cotangent #0 has type 'tensor<3xf32>' but callee result #0 has type 'tensor<4xf32>'}}
  %y, %dx = fm.vjp @f(%x) cotangents(%ct)
      : (tensor<4xf32>), (tensor<3xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @h(%x: f32) -> i32 {
  %c = arith.constant 1 : i32
  return %c : i32
}

func.func @vjp_integer_cotangent(%x: f32, %ct: i32) {
  // expected-error @+1 {{'fm.vjp' op cotangent #0 of type 'i32' is not differentiable (expected a float or a ranked tensor of floats)}}
  %y, %dx = fm.vjp @h(%x) cotangents(%ct) : (f32), (i32) -> (i32, f32)
  return
}

// -----

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @vjp_primal_result_type(%x: f32) {
  // expected-error @+1 {{'fm.vjp' op result #0 has type 'f64' but callee result #0 has type 'f32'}}
  %y, %dx = fm.vjp @f(%x) cotangents(%x) : (f32), (f32) -> (f64, f32)
  return
}

// -----

//===----------------------------------------------------------------------===//
// fm.random_uniform, fm.random_normal
//===----------------------------------------------------------------------===//

func.func @random_dynamic(%seed: i64, %offset: i64) {
  // expected-error @+1 {{'fm.random_uniform' op result #0 must be statically shaped tensor of 32-bit float values, but got 'tensor<?xf32>'}}
  %u = fm.random_uniform %seed, %offset stream 0 : tensor<?xf32>
  return
}

// -----

func.func @random_f64(%seed: i64, %offset: i64) {
  // expected-error @+1 {{'fm.random_normal' op result #0 must be statically shaped tensor of 32-bit float values, but got 'tensor<4xf64>'}}
  %n = fm.random_normal %seed, %offset stream 0 : tensor<4xf64>
  return
}

// -----

func.func @random_i32_seed(%seed: i32, %offset: i64) {
  // expected-error @+1 {{'fm.random_normal' op operand #0 must be 64-bit signless integer, but got 'i32'}}
  %n = "fm.random_normal"(%seed, %offset) {stream = 0 : i32} : (i32, i64) -> tensor<4xf32>
  return
}

// -----

func.func @random_no_stream(%seed: i64, %offset: i64) {
  // expected-error @+1 {{expected 'stream'}}
  %n = fm.random_normal %seed, %offset : tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// fm.mse_loss
//===----------------------------------------------------------------------===//

func.func @mse_integer(%a: tensor<4xi32>) {
  // expected-error @+1 {{'fm.mse_loss' op operands must have a float element type, got 'i32'}}
  %l = fm.mse_loss %a, %a : tensor<4xi32> -> f32
  return
}

// -----

func.func @mse_result_type(%a: tensor<4xf32>) {
  // expected-error @+1 {{'fm.mse_loss' op loss type 'f64' does not match the operand element type 'f32'}}
  %l = fm.mse_loss %a, %a : tensor<4xf32> -> f64
  return
}

// -----

func.func @mse_shapes(%a: tensor<4xf32>, %b: tensor<5xf32>) {
  // expected-error @+1 {{'fm.mse_loss' op failed to verify that all of {prediction, target} have same type}}
  %l = "fm.mse_loss"(%a, %b) : (tensor<4xf32>, tensor<5xf32>) -> f32
  return
}

// -----

//===----------------------------------------------------------------------===//
// fm.adam_update
//===----------------------------------------------------------------------===//

func.func @adam_integer(%p: tensor<4xi32>, %s: i64) {
  // expected-error @+1 {{'fm.adam_update' op parameters must have a float element type, got 'i32'}}
  %a, %b, %c = fm.adam_update %p, %p, %p, %p, %s {lr = 1.0e-2} : tensor<4xi32>
  return
}

// -----

func.func @adam_lr(%p: tensor<4xf32>, %s: i64) {
  // expected-error @+1 {{'fm.adam_update' op lr must be a finite number > 0, got 0.0}}
  %a, %b, %c = fm.adam_update %p, %p, %p, %p, %s {lr = 0.0} : tensor<4xf32>
  return
}

// -----

func.func @adam_beta1(%p: tensor<4xf32>, %s: i64) {
  // expected-error @+1 {{'fm.adam_update' op beta1 must be in [0, 1), got 1.0}}
  %a, %b, %c = fm.adam_update %p, %p, %p, %p, %s {lr = 1.0e-2, beta1 = 1.0} : tensor<4xf32>
  return
}

// -----

func.func @adam_beta2(%p: tensor<4xf32>, %s: i64) {
  // expected-error @+1 {{'fm.adam_update' op beta2 must be in [0, 1), got -0.5}}
  %a, %b, %c = fm.adam_update %p, %p, %p, %p, %s {lr = 1.0e-2, beta2 = -0.5} : tensor<4xf32>
  return
}

// -----

func.func @adam_eps(%p: tensor<4xf32>, %s: i64) {
  // expected-error @+1 {{'fm.adam_update' op eps must be a finite number > 0, got 0.0}}
  %a, %b, %c = fm.adam_update %p, %p, %p, %p, %s {lr = 1.0e-2, eps = 0.0} : tensor<4xf32>
  return
}

// -----

func.func @adam_weight_decay(%p: tensor<4xf32>, %s: i64) {
  // expected-error @+1 {{'fm.adam_update' op weight_decay must be a finite number >= 0, got -1.0}}
  %a, %b, %c = fm.adam_update %p, %p, %p, %p, %s {lr = 1.0e-2, weight_decay = -1.0} : tensor<4xf32>
  return
}

// -----

func.func @adam_missing_lr(%p: tensor<4xf32>, %s: i64) {
  // expected-error @+1 {{'fm.adam_update' op requires attribute 'lr'}}
  %a, %b, %c = fm.adam_update %p, %p, %p, %p, %s : tensor<4xf32>
  return
}

// -----

func.func @adam_moment_type(%p: tensor<4xf32>, %m: tensor<4xf64>, %s: i64) {
  // expected-error @+1 {{'fm.adam_update' op failed to verify that all of {param, grad, exp_avg, exp_avg_sq, new_param, new_exp_avg, new_exp_avg_sq} have same type}}
  %a, %b, %c = "fm.adam_update"(%p, %p, %m, %p, %s) {lr = 1.0e-2 : f64}
      : (tensor<4xf32>, tensor<4xf32>, tensor<4xf64>, tensor<4xf32>, i64)
      -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

//===----------------------------------------------------------------------===//
// fm.ode_step
//===----------------------------------------------------------------------===//

func.func private @v(tensor<4x2xi32>, tensor<4xi32>) -> tensor<4x2xi32>

func.func @ode_integer(%x: tensor<4x2xi32>, %t: i32) {
  // expected-error @+1 {{'fm.ode_step' op operand #1 must be floating-point, but got 'i32'}}
  %n = "fm.ode_step"(%x, %t, %t) {method = #fm<ode_method euler>, velocity = @v}
      : (tensor<4x2xi32>, i32, i32) -> tensor<4x2xi32>
  return
}

// -----

func.func private @v(tensor<4x2xi32>, tensor<4xf32>) -> tensor<4x2xi32>

func.func @ode_integer_state(%x: tensor<4x2xi32>, %t: f32) {
  // expected-error @+1 {{'fm.ode_step' op state must have a float element type, got 'i32'}}
  %n = fm.ode_step euler @v(%x, %t, %t) : tensor<4x2xi32>, f32
  return
}

// -----

func.func private @v(tensor<f32>, tensor<1xf32>) -> tensor<f32>

func.func @ode_scalar_state(%x: tensor<f32>, %t: f32) {
  // expected-error @+1 {{'fm.ode_step' op state must have a leading batch dimension, got a 0-d tensor}}
  %n = fm.ode_step euler @v(%x, %t, %t) : tensor<f32>, f32
  return
}

// -----

func.func private @v(tensor<4x2xf32>, tensor<4xf32>) -> tensor<4x2xf32>

func.func @ode_time_type(%x: tensor<4x2xf32>, %t: f64) {
  // expected-error @+1 {{'fm.ode_step' op time type 'f64' does not match the state element type 'f32'}}
  %n = fm.ode_step euler @v(%x, %t, %t) : tensor<4x2xf32>, f64
  return
}

// -----

func.func @ode_no_callee(%x: tensor<4x2xf32>, %t: f32) {
  // expected-error @+1 {{'fm.ode_step' op 'missing' does not reference a func.func}}
  %n = fm.ode_step euler @missing(%x, %t, %t) : tensor<4x2xf32>, f32
  return
}

// -----

func.func private @v(tensor<4x2xf32>, f32) -> tensor<4x2xf32>

func.func @ode_callee_type(%x: tensor<4x2xf32>, %t: f32) {
  // expected-error @+1 {{'fm.ode_step' op velocity function 'v' has type '(tensor<4x2xf32>, f32) -> tensor<4x2xf32>' but this step needs '(tensor<4x2xf32>, tensor<4xf32>) -> tensor<4x2xf32>'}}
  %n = fm.ode_step euler @v(%x, %t, %t) : tensor<4x2xf32>, f32
  return
}

// -----

func.func private @v(tensor<4x2xf32>, tensor<4xf32>) -> tensor<4x2xf32>

func.func @ode_unknown_method(%x: tensor<4x2xf32>, %t: f32) {
  // expected-error @+2 {{expected ::mlir::fm::ODEMethod to be one of: euler, midpoint, heun, rk4, rk38}}
  // expected-error @+1 {{failed to parse Fm_ODEMethodAttr parameter 'value'}}
  %n = fm.ode_step dopri5 @v(%x, %t, %t) : tensor<4x2xf32>, f32
  return
}

// -----

func.func @logit_normal_std(%seed: i64, %offset: i64) {
  // expected-error @+1 {{'fm.random_logit_normal' op std must be a finite number > 0, got 0.0}}
  %t = fm.random_logit_normal %seed, %offset stream 0 {std = 0.0} : tensor<4xf32>
  return
}

// -----

func.func @logit_normal_mean(%seed: i64, %offset: i64) {
  // expected-error @+1 {{'fm.random_logit_normal' op mean must be finite, got inf}}
  %t = fm.random_logit_normal %seed, %offset stream 0 {mean = 0x7FF0000000000000 : f64} : tensor<4xf32>
  return
}

// -----

func.func @logit_normal_dynamic(%seed: i64, %offset: i64) {
  // expected-error @+1 {{'fm.random_logit_normal' op result #0 must be statically shaped tensor of 32-bit float values, but got 'tensor<?xf32>'}}
  %t = fm.random_logit_normal %seed, %offset stream 0 : tensor<?xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// fm.convert_prediction
//===----------------------------------------------------------------------===//

func.func @convert_to_itself(%p: tensor<4x2xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'fm.convert_prediction' op converts a velocity prediction to itself; remove the op}}
  %u = fm.convert_prediction #fm.cond_ot %p from velocity to velocity at %p, %t : tensor<4x2xf32>, tensor<4xf32>
  return
}

// -----

func.func @convert_batch_mismatch(%p: tensor<4x2xf32>, %t: tensor<5xf32>) {
  // expected-error @+1 {{'fm.convert_prediction' op time has 5 entries but the batch has 4 rows}}
  %u = fm.convert_prediction #fm.cond_ot %p from target to velocity at %p, %t : tensor<4x2xf32>, tensor<5xf32>
  return
}

// -----

func.func @convert_integer(%p: tensor<4x2xi32>, %t: tensor<4xi32>) {
  // expected-error @+1 {{'fm.convert_prediction' op samples must have a float element type, got 'i32'}}
  %u = fm.convert_prediction #fm.cond_ot %p from target to velocity at %p, %t : tensor<4x2xi32>, tensor<4xi32>
  return
}

// -----

func.func @convert_x_t_type(%p: tensor<4x2xf32>, %x: tensor<4x3xf32>, %t: tensor<4xf32>) {
  // expected-error @+1 {{'fm.convert_prediction' op failed to verify that all of {prediction, x_t, result} have same type}}
  %u = "fm.convert_prediction"(%p, %x, %t) {scheduler = #fm.cond_ot, from = #fm<prediction target>, to = #fm<prediction velocity>}
      : (tensor<4x2xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<4x2xf32>
  return
}

// -----

func.func @convert_unknown_kind(%p: tensor<4x2xf32>, %t: tensor<4xf32>) {
  // expected-error @+2 {{expected ::mlir::fm::Prediction to be one of: velocity, target, epsilon}}
  // expected-error @+1 {{failed to parse Fm_PredictionAttr parameter 'value'}}
  %u = fm.convert_prediction #fm.cond_ot %p from score to velocity at %p, %t : tensor<4x2xf32>, tensor<4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// fm.integrate
//===----------------------------------------------------------------------===//

func.func private @v(tensor<4x2xf32>, tensor<4xf32>) -> tensor<4x2xf32>

func.func @integrate_neither(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'fm.integrate' op needs either a step count or a time_grid, not neither}}
  %y = fm.integrate euler @v(%x) : tensor<4x2xf32>
  return
}

// -----

func.func private @v(tensor<4x2xf32>, tensor<4xf32>) -> tensor<4x2xf32>

func.func @integrate_both(%x: tensor<4x2xf32>, %n: index) {
  // expected-error @+1 {{'fm.integrate' op needs either a step count or a time_grid, not both}}
  %y = fm.integrate euler @v(%x) steps(%n) {time_grid = array<f64: 0.0, 1.0>} : tensor<4x2xf32>
  return
}

// -----

func.func private @v(tensor<4x2xf32>, tensor<4xf32>) -> tensor<4x2xf32>

func.func @integrate_short_grid(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'fm.integrate' op time_grid needs at least 2 times, got 1}}
  %y = fm.integrate euler @v(%x) {time_grid = array<f64: 0.0>} : tensor<4x2xf32>
  return
}

// -----

func.func private @v(tensor<4x2xf32>, tensor<4xf32>) -> tensor<4x2xf32>

func.func @integrate_unordered_grid(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'fm.integrate' op time_grid must be strictly monotone, but entry 2 (0.4) breaks the order}}
  %y = fm.integrate euler @v(%x) {time_grid = array<f64: 0.0, 0.5, 0.4, 1.0>} : tensor<4x2xf32>
  return
}

// -----

func.func private @v(tensor<4x2xf32>, tensor<4xf32>) -> tensor<4x2xf32>

func.func @integrate_empty_interval(%x: tensor<4x2xf32>, %n: index) {
  // expected-error @+1 {{'fm.integrate' op t0 and t1 are both 0.5: the time interval is empty}}
  %y = fm.integrate euler @v(%x) steps(%n) {t0 = 0.5, t1 = 0.5} : tensor<4x2xf32>
  return
}

// -----

func.func private @v(tensor<4x2xi32>, tensor<4xi32>) -> tensor<4x2xi32>

func.func @integrate_integer(%x: tensor<4x2xi32>, %n: index) {
  // expected-error @+1 {{'fm.integrate' op state must have a float element type, got 'i32'}}
  %y = fm.integrate euler @v(%x) steps(%n) : tensor<4x2xi32>
  return
}

// -----

func.func private @v(tensor<f32>, tensor<1xf32>) -> tensor<f32>

func.func @integrate_scalar_state(%x: tensor<f32>, %n: index) {
  // expected-error @+1 {{'fm.integrate' op state must have a leading batch dimension, got a 0-d tensor}}
  %y = fm.integrate euler @v(%x) steps(%n) : tensor<f32>
  return
}

// -----

func.func private @v(tensor<4x2xf32>, tensor<4xf32>, f32) -> tensor<4x2xf32>

func.func @integrate_callee(%x: tensor<4x2xf32>, %n: index) {
  // expected-error @+1 {{'fm.integrate' op velocity function 'v' has type '(tensor<4x2xf32>, tensor<4xf32>, f32) -> tensor<4x2xf32>' but this step needs '(tensor<4x2xf32>, tensor<4xf32>) -> tensor<4x2xf32>'}}
  %y = fm.integrate euler @v(%x) steps(%n) : tensor<4x2xf32>
  return
}

// -----

func.func @integrate_no_callee(%x: tensor<4x2xf32>, %n: index) {
  // expected-error @+1 {{'fm.integrate' op 'missing' does not reference a func.func}}
  %y = fm.integrate euler @missing(%x) steps(%n) : tensor<4x2xf32>
  return
}
