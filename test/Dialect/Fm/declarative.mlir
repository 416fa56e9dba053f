// RUN: fm-opt %s | fm-opt | FileCheck %s
// RUN: fm-opt %s --mlir-print-op-generic | fm-opt | FileCheck %s

// The declarative level round-trips: flows, trainers and samplers, their
// attributes (parameters equal to their default are elided) and optional
// clauses.

func.func @velocity(%x: tensor<?x2xf32>, %t: tensor<?xf32>,
                    %w: tensor<2x2xf32> {fm.name = "net.weight"},
                    %b: tensor<2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}

/// A network with a static batch size and 2x3 data samples.
func.func @static_velocity(%x: tensor<16x2x3xf32>, %t: tensor<16xf32>,
                           %w: tensor<4x2x3xf32>) -> tensor<16x2x3xf32> {
  return %x : tensor<16x2x3xf32>
}

/// A parameter-free (analytic) velocity field can be sampled.
func.func @analytic(%x: tensor<?x2xf32>, %t: tensor<?xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}

// CHECK: fm.flow @moons network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [2]{{$}}
fm.flow @moons network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [2]

// CHECK: fm.flow @images network(@static_velocity) path(#fm.poly<2.0>) source(gaussian) data_shape [2, 3]{{$}}
fm.flow @images network(@static_velocity) path(#fm.poly<2.0>) source(gaussian)
    data_shape [2, 3]

// CHECK: fm.flow @field network(@analytic) path(#fm.vp<beta_max = 10.0>) source(gaussian) data_shape [2]{{$}}
fm.flow @field network(@analytic) path(#fm.vp<beta_max = 10.0>) source(gaussian) data_shape [2]

// CHECK: fm.trainer @train_step flow(@moons) loss(mse) optimizer(#fm.adam<lr = 0.01>) time(#fm.uniform) batch(256){{$}}
fm.trainer @train_step flow(@moons) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>)
    time(#fm.uniform) batch(256)

/// Parameters equal to PyTorch's defaults are elided.
// CHECK: fm.trainer @adam_defaults flow(@moons) loss(mse) optimizer(#fm.adam<lr = 0.001, beta2 = 0.99>) time(#fm.uniform) batch(8){{$}}
fm.trainer @adam_defaults flow(@moons) loss(mse)
    optimizer(#fm.adam<lr = 1.0e-3, beta1 = 0.9, beta2 = 0.99, eps = 1.0e-8, weight_decay = 0.0>)
    time(#fm.uniform) batch(8)

/// AdamW's weight_decay defaults to 0.01, as in PyTorch.
// CHECK: fm.trainer @adamw flow(@moons) loss(mse) optimizer(#fm.adamw<lr = 0.001>) time(#fm.logit_normal<mean = -0.4>) batch(64){{$}}
fm.trainer @adamw flow(@moons) loss(mse)
    optimizer(#fm.adamw<lr = 1.0e-3, weight_decay = 1.0e-2>)
    time(#fm.logit_normal<mean = -0.4, std = 1.0>) batch(64)

// CHECK: fm.trainer @adamw_no_decay flow(@moons) loss(mse) optimizer(#fm.adamw<lr = 0.001, weight_decay = 0.0>) time(#fm.logit_normal) batch(64){{$}}
fm.trainer @adamw_no_decay flow(@moons) loss(mse)
    optimizer(#fm.adamw<lr = 1.0e-3, weight_decay = 0.0>) time(#fm.logit_normal) batch(64)

/// The batch matches the network's static batch size.
// CHECK: fm.trainer @train_images flow(@images) loss(mse) optimizer(#fm.adam<lr = 0.0001, eps = 1.0e-06>) time(#fm.logit_normal<std = 0.5>) batch(16){{$}}
fm.trainer @train_images flow(@images) loss(mse)
    optimizer(#fm.adam<lr = 1.0e-4, eps = 1.0e-6>) time(#fm.logit_normal<std = 0.5>)
    batch(16)

/// A step count at run time; the default direction is elided.
// CHECK: fm.sampler @sample_midpoint flow(@moons) solver(midpoint){{$}}
fm.sampler @sample_midpoint flow(@moons) solver(midpoint) direction(forward)

// CHECK: fm.sampler @encode flow(@moons) solver(rk4) steps(20) direction(reverse){{$}}
fm.sampler @encode flow(@moons) solver(rk4) steps(20) direction(reverse)

// CHECK: fm.sampler @sample_grid flow(@moons) solver(euler) time_grid [0.000000e+00, 5.000000e-01, 8.000000e-01, 1.000000e+00]{{$}}
fm.sampler @sample_grid flow(@moons) solver(euler) time_grid [0.0, 0.5, 0.8, 1.0]

// CHECK: fm.sampler @encode_grid flow(@field) solver(heun) time_grid [1.000000e+00, 2.500000e-01, 0.000000e+00] direction(reverse){{$}}
fm.sampler @encode_grid flow(@field) solver(heun) time_grid [1.0, 0.25, 0.0] direction(reverse)

// CHECK: fm.sampler @sample_rk38 flow(@images) solver(rk38) steps(1){{$}}
fm.sampler @sample_rk38 flow(@images) solver(rk38) steps(1)

/// Likelihoods: a step count at run time or fixed, and a divergence.
// CHECK: fm.likelihood @loglik flow(@moons) solver(midpoint) divergence(exact){{$}}
fm.likelihood @loglik flow(@moons) solver(midpoint) divergence(exact)

// CHECK: fm.likelihood @loglik_rk4 flow(@moons) solver(rk4) steps(20) divergence(exact){{$}}
fm.likelihood @loglik_rk4 flow(@moons) solver(rk4) steps(20) divergence(exact)

/// MeanFlow: an average-velocity network u(z, r, t), its flow of kind mean
/// (the default kind velocity is elided), its loss with default or given
/// settings, and its sampler.
func.func @average(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>,
                   %w: tensor<2x4xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}

// CHECK: fm.flow @mf network(@average) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean){{$}}
fm.flow @mf network(@average) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)

// CHECK: fm.flow @velocity_kind network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [2]{{$}}
fm.flow @velocity_kind network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [2]
    kind(velocity)

// CHECK: fm.trainer @train_mf flow(@mf) loss(meanflow) optimizer(#fm.adam<lr = 0.01>) time(#fm.uniform) batch(256){{$}}
fm.trainer @train_mf flow(@mf) loss(meanflow) optimizer(#fm.adam<lr = 1.0e-2>)
    time(#fm.uniform) batch(256)

/// Settings equal to their defaults (0.25, 1.0, 0.01) are elided.
// CHECK: fm.trainer @train_mf_cifar flow(@mf) loss(meanflow) optimizer(#fm.adam<lr = 0.0006>) time(#fm.logit_normal<mean = -2.0, std = 2.0>) batch(128) meanflow(#fm.meanflow<ratio = 0.75, p = 0.75, c = 0.001>){{$}}
fm.trainer @train_mf_cifar flow(@mf) loss(meanflow) optimizer(#fm.adam<lr = 6.0e-4>)
    time(#fm.logit_normal<mean = -2.0, std = 2.0>) batch(128)
    meanflow(#fm.meanflow<ratio = 0.75, p = 0.75, c = 1.0e-3>)

// CHECK: fm.trainer @train_mf_defaults flow(@mf) loss(meanflow) optimizer(#fm.adam<lr = 0.01>) time(#fm.uniform) batch(8) meanflow(#fm.meanflow){{$}}
fm.trainer @train_mf_defaults flow(@mf) loss(meanflow) optimizer(#fm.adam<lr = 1.0e-2>)
    time(#fm.uniform) batch(8) meanflow(#fm.meanflow<ratio = 0.25, p = 1.0, c = 1.0e-2>)

// CHECK: fm.sampler @sample_meanflow flow(@mf) solver(meanflow){{$}}
fm.sampler @sample_meanflow flow(@mf) solver(meanflow)

// CHECK: fm.sampler @one_step flow(@mf) solver(meanflow) steps(1){{$}}
fm.sampler @one_step flow(@mf) solver(meanflow) steps(1)

/// A discrete flow: tokens in, logits over the vocabulary out (with the
/// mask source, one more for the mask token).
func.func @logits(%x: tensor<?x2xi64>, %t: tensor<?xf32>,
                  %e: tensor<4x3xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
func.func @mask_logits(%x: tensor<8x3xi32>, %t: tensor<8xf32>,
                       %e: tensor<5x3xf32>) -> tensor<8x3x5xf32> {
  %l = tensor.empty() : tensor<8x3x5xf32>
  return %l : tensor<8x3x5xf32>
}

// CHECK: fm.flow @tokens network(@logits) path(#fm.poly<2.0>) source(uniform) data_shape [2] kind(discrete) vocabulary(4){{$}}
fm.flow @tokens network(@logits) path(#fm.poly<2.0>) source(uniform)
    data_shape [2] kind(discrete) vocabulary(4)
// CHECK: fm.flow @masked network(@mask_logits) path(#fm.cond_ot) source(mask) data_shape [3] kind(discrete) vocabulary(4){{$}}
fm.flow @masked network(@mask_logits) path(#fm.cond_ot) source(mask)
    data_shape [3] kind(discrete) vocabulary(4)

// CHECK: fm.trainer @train_kl flow(@tokens) loss(generalized_kl) optimizer(#fm.adam<lr = 0.001>) time(#fm.uniform) batch(16){{$}}
fm.trainer @train_kl flow(@tokens) loss(generalized_kl)
    optimizer(#fm.adam<lr = 1.0e-3>) time(#fm.uniform) batch(16)
// CHECK: fm.trainer @train_ce flow(@masked) loss(cross_entropy) optimizer(#fm.adam<lr = 0.001>) time(#fm.uniform) batch(8){{$}}
fm.trainer @train_ce flow(@masked) loss(cross_entropy)
    optimizer(#fm.adam<lr = 1.0e-3>) time(#fm.uniform) batch(8)

// CHECK: fm.sampler @sample_euler flow(@tokens) solver(euler){{$}}
fm.sampler @sample_euler flow(@tokens) solver(euler)
// CHECK: fm.sampler @sample_div_free flow(@masked) solver(euler) steps(32) div_free(5.000000e-01){{$}}
fm.sampler @sample_div_free flow(@masked) solver(euler) steps(32) div_free(0.5)
