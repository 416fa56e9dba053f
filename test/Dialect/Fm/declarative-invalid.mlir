// RUN: fm-opt %s --split-input-file --verify-diagnostics

// Every diagnostic of the declarative level: fm.flow, fm.trainer,
// fm.sampler and their attributes.

//===----------------------------------------------------------------------===//
// fm.flow
//===----------------------------------------------------------------------===//

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op data_shape dimension #1 must be > 0, got 0}}
fm.flow @flow_empty_dim network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2, 0]

// -----

// expected-error @+1 {{'fm.flow' op network 'missing' does not reference a func.func}}
fm.flow @flow_missing_network network(@missing) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @other network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
/// A symbol that is not a function.
// expected-error @+1 {{'fm.flow' op network 'other' does not reference a func.func}}
fm.flow @flow_network_not_func network(@other) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network 'v' must take the samples x and the times t, then its parameters, but it takes 1 argument(s)}}
fm.flow @flow_network_no_time network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x3xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x3xf32> {
  return %x : tensor<?x3xf32>
}
// expected-error @+1 {{'fm.flow' op network argument x has type 'tensor<?x3xf32>' but data_shape [2] needs 'tensor<?x2xf32>' or the same with a static batch size}}
fm.flow @flow_x_wrong_shape network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf64>, %t: tensor<?xf64>, %w: tensor<2x2xf32>) -> tensor<?x2xf64> {
  return %x : tensor<?x2xf64>
}
// expected-error @+1 {{'fm.flow' op network argument x has type 'tensor<?x2xf64>' but data_shape [2] needs 'tensor<?x2xf32>' or the same with a static batch size}}
fm.flow @flow_x_f64 network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2x2xf32> {
  return %x : tensor<?x2x2xf32>
}
// expected-error @+1 {{'fm.flow' op network argument x has type 'tensor<?x2x2xf32>' but data_shape [2] needs 'tensor<?x2xf32>' or the same with a static batch size}}
fm.flow @flow_x_wrong_rank network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<8x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<8x2xf32> {
  return %x : tensor<8x2xf32>
}
// expected-error @+1 {{'fm.flow' op network argument t has type 'tensor<?xf32>' but needs 'tensor<8xf32>', one time per row of x}}
fm.flow @flow_t_batch_mismatch network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: f32, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network argument t has type 'f32' but needs 'tensor<?xf32>', one time per row of x}}
fm.flow @flow_t_scalar network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<8x2xf32> {
  %c = tensor.cast %x : tensor<?x2xf32> to tensor<8x2xf32>
  return %c : tensor<8x2xf32>
}
// expected-error @+1 {{'fm.flow' op network 'v' has type '(tensor<?x2xf32>, tensor<?xf32>, tensor<2x2xf32>) -> tensor<8x2xf32>' but must return one velocity of x's type 'tensor<?x2xf32>'}}
fm.flow @flow_result_type network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  return %x, %x : tensor<?x2xf32>, tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network 'v' has type '(tensor<?x2xf32>, tensor<?xf32>, tensor<2x2xf32>) -> (tensor<?x2xf32>, tensor<?x2xf32>)' but must return one velocity of x's type 'tensor<?x2xf32>'}}
fm.flow @flow_two_results network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<?x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network parameter #0 (argument #2) must be a statically shaped f32 tensor of rank >= 1, got 'tensor<?x2xf32>'}}
fm.flow @flow_param_dynamic network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>, %s: f32) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network parameter #1 (argument #3) must be a statically shaped f32 tensor of rank >= 1, got 'f32'}}
fm.flow @flow_param_scalar network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<f32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network parameter #0 (argument #2) must be a statically shaped f32 tensor of rank >= 1, got 'tensor<f32>'}}
fm.flow @flow_param_rank0 network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xbf16>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network parameter #0 (argument #2) must be a statically shaped f32 tensor of rank >= 1, got 'tensor<2x2xbf16>'}}
fm.flow @flow_param_bf16 network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

/// A bias takes its fan_in from the weight before it: the first parameter
/// cannot be a bias.
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %b: tensor<2xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network parameter #0 is 1-D (a bias) but no weight of rank >= 2 precedes it to give its fan_in for initialization}}
fm.flow @flow_leading_bias network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

/// fm.name is verified on its own, before any flow reads it.
// expected-error @+1 {{'func.func' op argument #3: 'fm.name' must be a non-empty string, got 3 : i64}}
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>, %b: tensor<2xf32> {fm.name = 3 : i64}) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @flow_name_not_string network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32> {fm.name = "w"}, %b: tensor<2xf32>,
             %w2: tensor<2x2xf32> {fm.name = "w"}) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network parameters #0 and #2 are both named 'w'}}
fm.flow @flow_duplicate_names network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+2 {{expected one of [gaussian, uniform, mask] for source distribution of a flow, got: laplace}}
// expected-error @+1 {{invalid value for property source, expected source distribution of a flow}}
fm.flow @flow_unknown_source network(@v) path(#fm.cond_ot) source(laplace) data_shape [2]

// -----

func.func @flow_in_function() {
  // expected-error @+1 {{'fm.flow' op expects parent op 'builtin.module'}}
  fm.flow @f network(@flow_in_function) path(#fm.cond_ot) source(gaussian) data_shape [2]
  return
}

// -----

//===----------------------------------------------------------------------===//
// fm.trainer
//===----------------------------------------------------------------------===//

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.trainer' op batch must be > 0, got 0}}
fm.trainer @trainer_batch_zero flow(@f) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(0)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.trainer' op batch must be > 0, got -4}}
fm.trainer @trainer_batch_negative flow(@f) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(-4)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.trainer' op flow 'v' does not reference an fm.flow}}
fm.trainer @trainer_flow_is_func flow(@v) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(8)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.trainer' op flow 'f' has a network without parameters: there is nothing to train}}
fm.trainer @trainer_no_parameters flow(@f) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(8)

// -----

func.func @v(%x: tensor<8x2xf32>, %t: tensor<8xf32>, %w: tensor<2x2xf32>) -> tensor<8x2xf32> {
  return %x : tensor<8x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.trainer' op batch 16 does not match the static batch size 8 of network 'v'}}
fm.trainer @trainer_static_batch flow(@f) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(16)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.trainer' op attribute 'optimizer' failed to satisfy constraint: optimizer (#fm.adam or #fm.adamw)}}
fm.trainer @trainer_optimizer_not_adam flow(@f) loss(mse) optimizer(#fm.cond_ot) time(#fm.uniform) batch(8)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.trainer' op attribute 'time' failed to satisfy constraint: time distribution (#fm.uniform or #fm.logit_normal)}}
fm.trainer @trainer_time_not_distribution flow(@f) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.cosine) batch(8)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+2 {{expected one of [mse, meanflow, generalized_kl, cross_entropy] for training loss of a flow, got: l1}}
// expected-error @+1 {{invalid value for property loss, expected training loss of a flow}}
fm.trainer @trainer_unknown_loss flow(@f) loss(l1) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(8)

// -----

//===----------------------------------------------------------------------===//
// Optimizers and time distributions
//===----------------------------------------------------------------------===//

// expected-error @+1 {{Adam lr must be a finite number > 0, got 0.0}}
func.func @adam_lr_zero() attributes {o = #fm.adam<lr = 0.0>} { return }

// -----

// expected-error @+1 {{Adam lr must be a finite number > 0, got inf}}
func.func @adam_lr_infinite() attributes {o = #fm.adam<lr = 0x7FF0000000000000>} { return }

// -----

// expected-error @+1 {{Adam beta1 must be in [0, 1), got 1.0}}
func.func @adam_beta1_one() attributes {o = #fm.adam<lr = 1.0e-2, beta1 = 1.0>} { return }

// -----

// expected-error @+1 {{Adam beta2 must be in [0, 1), got -0.5}}
func.func @adam_beta2_negative() attributes {o = #fm.adam<lr = 1.0e-2, beta2 = -0.5>} { return }

// -----

// expected-error @+1 {{Adam eps must be a finite number > 0, got 0.0}}
func.func @adam_eps_zero() attributes {o = #fm.adam<lr = 1.0e-2, eps = 0.0>} { return }

// -----

// expected-error @+1 {{Adam weight_decay must be a finite number >= 0, got -0.01}}
func.func @adam_weight_decay_negative() attributes {o = #fm.adam<lr = 1.0e-2, weight_decay = -1.0e-2>} { return }

// -----

// expected-error @+1 {{AdamW lr must be a finite number > 0, got -0.001}}
func.func @adamw_lr_negative() attributes {o = #fm.adamw<lr = -1.0e-3>} { return }

// -----

// expected-error @+1 {{struct is missing required parameter: lr}}
func.func @adam_lr_missing() attributes {o = #fm.adam<beta1 = 0.5>} { return }

// -----

// expected-error @+1 {{logit-normal time mean must be finite, got -inf}}
func.func @logit_normal_mean_infinite() attributes {d = #fm.logit_normal<mean = 0xFFF0000000000000>} { return }

// -----

// expected-error @+1 {{logit-normal time std must be a finite number > 0, got 0.0}}
func.func @logit_normal_std_zero() attributes {d = #fm.logit_normal<std = 0.0>} { return }

// -----

//===----------------------------------------------------------------------===//
// fm.sampler
//===----------------------------------------------------------------------===//

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.sampler' op takes either steps or a time_grid, not both}}
fm.sampler @sampler_steps_and_grid flow(@f) solver(euler) steps(4) time_grid [0.0, 1.0]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.sampler' op steps must be > 0, got 0}}
fm.sampler @sampler_zero_steps flow(@f) solver(euler) steps(0)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.sampler' op time_grid needs at least 2 times, got 1}}
fm.sampler @sampler_grid_too_short flow(@f) solver(euler) time_grid [0.0]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.sampler' op time_grid entries must be in [0, 1], but entry 2 is 1.5}}
fm.sampler @sampler_grid_outside flow(@f) solver(euler) time_grid [0.0, 1.0, 1.5]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.sampler' op time_grid must be strictly monotone, but entry 2 (0.5) breaks the order}}
fm.sampler @sampler_grid_not_monotone flow(@f) solver(euler) time_grid [0.0, 0.5, 0.5, 1.0]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.sampler' op time_grid runs from 1.0 to 0.0 but the direction is forward}}
fm.sampler @sampler_grid_backwards flow(@f) solver(euler) time_grid [1.0, 0.0]

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.sampler' op time_grid runs from 0.0 to 1.0 but the direction is reverse}}
fm.sampler @sampler_grid_forwards flow(@f) solver(euler) time_grid [0.0, 1.0] direction(reverse)

// -----

// expected-error @+1 {{'fm.sampler' op flow 'missing' does not reference an fm.flow}}
fm.sampler @sampler_missing_flow flow(@missing) solver(euler)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+2 {{expected one of [euler, midpoint, heun, rk4, rk38, meanflow] for method of a sampler, got: dopri5}}
// expected-error @+1 {{invalid value for property solver, expected method of a sampler}}
fm.sampler @sampler_unknown_solver flow(@f) solver(dopri5)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+2 {{expected one of [forward, reverse] for direction of a sampler, got: backward}}
// expected-error @+1 {{invalid value for property direction, expected direction of a sampler}}
fm.sampler @sampler_unknown_direction flow(@f) solver(euler) direction(backward)

// -----

/// A mean flow's network takes (z, r, t, params...): a velocity network
/// does not fit.
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network argument t has type 'tensor<2x2xf32>' but needs 'tensor<?xf32>', one time per row of x (a mean flow's network takes (z, r, t, params...))}}
fm.flow @mean_of_velocity network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)

// -----

func.func @u(%z: tensor<?x2xf32>, %r: tensor<?x1xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network argument r has type 'tensor<?x1xf32>' but needs 'tensor<?xf32>', one time per row of x (a mean flow's network takes (z, r, t, params...))}}
fm.flow @mean_bad_r network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)

// -----

func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network 'u' of a mean flow must take the samples z and the times r and t, then its parameters, but it takes 2 argument(s)}}
fm.flow @mean_too_few network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)

// -----

func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
fm.flow @mf network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)
// expected-error @+1 {{'fm.trainer' op loss mse cannot train flow 'mf' of kind mean: a mean flow trains with loss(meanflow)}}
fm.trainer @trainer_mse_on_mean flow(@mf) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(8)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.trainer' op loss meanflow cannot train flow 'f' of kind velocity: a velocity flow trains with loss(mse)}}
fm.trainer @trainer_meanflow_on_velocity flow(@f) loss(meanflow) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(8)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.trainer' op has meanflow settings but its loss is mse}}
fm.trainer @trainer_settings_without_meanflow flow(@f) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(8) meanflow(#fm.meanflow)

// -----

func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
fm.flow @mf network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)
// expected-error @+1 {{meanflow ratio must be in [0, 1], got 1.5}}
fm.trainer @trainer_bad_ratio flow(@mf) loss(meanflow) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(8) meanflow(#fm.meanflow<ratio = 1.5>)

// -----

func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
fm.flow @mf network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)
// expected-error @+1 {{meanflow p must be a finite number >= 0, got -1.0}}
fm.trainer @trainer_bad_p flow(@mf) loss(meanflow) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(8) meanflow(#fm.meanflow<p = -1.0>)

// -----

func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
fm.flow @mf network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)
// expected-error @+1 {{meanflow c must be a finite number > 0, got 0.0}}
fm.trainer @trainer_bad_c flow(@mf) loss(meanflow) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(8) meanflow(#fm.meanflow<c = 0.0>)

// -----

func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
fm.flow @mf network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)
// expected-error @+1 {{'fm.sampler' op solver euler cannot sample flow 'mf' of kind mean: a mean flow samples with solver(meanflow)}}
fm.sampler @sampler_euler_on_mean flow(@mf) solver(euler)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.sampler' op solver meanflow cannot sample flow 'f' of kind velocity: solver(meanflow) needs a flow of kind mean}}
fm.sampler @sampler_meanflow_on_velocity flow(@f) solver(meanflow)

// -----

func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
fm.flow @mf network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)
// expected-error @+1 {{'fm.sampler' op solver meanflow only samples forward, from noise to data}}
fm.sampler @sampler_meanflow_reverse flow(@mf) solver(meanflow) steps(2) direction(reverse)

//===----------------------------------------------------------------------===//
// fm.likelihood
//===----------------------------------------------------------------------===//

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.likelihood' op steps must be > 0, got 0}}
fm.likelihood @zero_steps flow(@f) solver(euler) steps(0) divergence(exact)

// -----

// expected-error @+1 {{'fm.likelihood' op flow 'missing' does not reference an fm.flow}}
fm.likelihood @no_flow flow(@missing) solver(euler) divergence(exact)

// -----

// A network that takes no arguments: the flow's error, and none from the
// likelihood, which reads the network's x (found by fuzzing: it read an
// input that is not there).
func.func @nothing() -> tensor<4x2xf32> {
  %z = arith.constant dense<0.0> : tensor<4x2xf32>
  return %z : tensor<4x2xf32>
}
// expected-error @+1 {{'fm.flow' op network 'nothing' must take the samples x and the times t, then its parameters, but it takes 0 argument(s)}}
fm.flow @f network(@nothing) path(#fm.cond_ot) source(gaussian) data_shape [2]
fm.likelihood @loglik flow(@f) solver(euler) divergence(hutchinson)

// -----

func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
fm.flow @mf network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)
// expected-error @+1 {{'fm.likelihood' op needs a flow of kind velocity, but 'mf' is of kind mean}}
fm.likelihood @of_mean flow(@mf) solver(euler) divergence(exact)

// -----

func.func @v(%x: tensor<?x2x3xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2x3xf32> {
  return %x : tensor<?x2x3xf32>
}
fm.flow @img network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2, 3]
// expected-error @+1 {{'fm.likelihood' op needs rank-1 data points, but flow 'img' has data_shape of rank 2}}
fm.likelihood @of_images flow(@img) solver(euler) divergence(exact)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.likelihood' op divergence hutchinson needs a static batch, but the network of flow 'f' takes 'tensor<?x2xf32>'}}
fm.likelihood @dynamic_hutchinson flow(@f) solver(euler) divergence(hutchinson)

// -----

/// A network that calls itself through a helper: compiled code would recurse
/// without end.
func.func @helper(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  %y = func.call @v(%x, %t, %w) : (tensor<?x2xf32>, tensor<?xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  %y = func.call @helper(%x, %t, %w) : (tensor<?x2xf32>, tensor<?xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network 'v' calls itself (@v -> @helper -> @v): recursion cannot be compiled, it would overflow the stack at run time}}
fm.flow @flow_recursive network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

/// Direct recursion.
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  %y = func.call @v(%x, %t, %w) : (tensor<?x2xf32>, tensor<?xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network 'v' calls itself (@v -> @v)}}
fm.flow @flow_self network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

/// A shared helper called twice is no recursion.
func.func @layer(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  %a = func.call @layer(%x) : (tensor<?x2xf32>) -> tensor<?x2xf32>
  %b = func.call @layer(%a) : (tensor<?x2xf32>) -> tensor<?x2xf32>
  return %b : tensor<?x2xf32>
}
fm.flow @flow_shared network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

/// Sizes no process can address are rejected when verified, never aborted
/// at run time (a batch of 2^62 rows; a parameter of 10^16 floats).
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.trainer' op batch 4611686018427387904 of data_shape [2] is more than a process can address (2^47 bytes)}}
fm.trainer @huge_batch flow(@f) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(4611686018427387904)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<100000000x100000000xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op network parameter #0 'tensor<100000000x100000000xf32>' is more than a process can address (2^47 bytes)}}
fm.flow @huge_param network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
