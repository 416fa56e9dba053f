// RUN: fm-opt %s --fm-expand-flow --split-input-file | FileCheck %s

/// A flow becomes @init: PyTorch's default init U(−1/√fan_in, 1/√fan_in)
/// as (2u − 1)·bound, parameter i from stream 100 + i. A weight's fan_in is
/// the product of its dimensions after the first (8, and 1·2·2 = 4 for the
/// conv-like weight); a bias takes the fan_in of the weight before it.

// CHECK-LABEL: func.func @init(
// CHECK-SAME: %[[SEED:.*]]: i64 {fm.role = "seed"}) -> (tensor<4x8xf32> {fm.name = "param.0", fm.role = "param"}, tensor<4xf32> {fm.name = "param.1", fm.role = "param"},
// CHECK-SAME: tensor<3x1x2x2xf32> {fm.name = "param.2", fm.role = "param"}, tensor<3xf32> {fm.name = "param.3", fm.role = "param"}, tensor<3xf32> {fm.name = "param.4", fm.role = "param"})
// CHECK-SAME: attributes {fm.entry = "init", llvm.emit_c_interface}
// CHECK: %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK: %[[U0:.*]] = fm.random_uniform %[[SEED]], %[[ZERO]] stream 100 : tensor<4x8xf32>
// CHECK: %[[P0:.*]] = linalg.generic {{.*}} ins(%[[U0]] : tensor<4x8xf32>)
// CHECK: ^bb0(%[[U:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[TWO:.*]] = arith.constant 2.000000e+00 : f32
// CHECK:   %[[S:.*]] = arith.mulf %[[U]], %[[TWO]] : f32
// CHECK:   %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK:   %[[C:.*]] = arith.subf %[[S]], %[[ONE]] : f32
// CHECK:   %[[BOUND:.*]] = arith.constant 0.353553385 : f32
// CHECK:   %[[Y:.*]] = arith.mulf %[[C]], %[[BOUND]] : f32
// CHECK:   linalg.yield %[[Y]] : f32
// CHECK: %[[U1:.*]] = fm.random_uniform %[[SEED]], %[[ZERO]] stream 101 : tensor<4xf32>
// CHECK: %[[P1:.*]] = linalg.generic {{.*}} ins(%[[U1]] : tensor<4xf32>)
// CHECK:   arith.constant 0.353553385 : f32
// CHECK: %[[U2:.*]] = fm.random_uniform %[[SEED]], %[[ZERO]] stream 102 : tensor<3x1x2x2xf32>
// CHECK: %[[P2:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%[[U2]] : tensor<3x1x2x2xf32>)
// CHECK:   arith.constant 5.000000e-01 : f32
// CHECK: %[[U3:.*]] = fm.random_uniform %[[SEED]], %[[ZERO]] stream 103 : tensor<3xf32>
// CHECK: %[[P3:.*]] = linalg.generic
// CHECK:   arith.constant 5.000000e-01 : f32
// CHECK: %[[U4:.*]] = fm.random_uniform %[[SEED]], %[[ZERO]] stream 104 : tensor<3xf32>
// CHECK: %[[P4:.*]] = linalg.generic
// CHECK:   arith.constant 5.000000e-01 : f32
// CHECK: return %[[P0]], %[[P1]], %[[P2]], %[[P3]], %[[P4]]
// CHECK-NOT: fm.flow
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w0: tensor<4x8xf32>, %b0: tensor<4xf32>,
             %w1: tensor<3x1x2x2xf32>, %b1: tensor<3xf32>, %b2: tensor<3xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]

// -----

/// A trainer becomes a private loss (the path point, the network through
/// casts to its dynamic batch, the MSE) and the training step: x0 from
/// stream 0 and t from stream 1 at offset step·(4 + 2) blocks, fm.vjp of
/// the loss, and one Adam update per parameter at step + 1. Parameters keep
/// the network's fm.name, or are named param.<i>; every input and result
/// carries its role, Adam's moments as the slots exp_avg and exp_avg_sq.

// CHECK-LABEL: func.func @init(

// CHECK-LABEL: func.func private @train_step_loss(
// CHECK-SAME: %[[W:.*]]: tensor<2x2xf32>, %[[B:.*]]: tensor<2xf32>, %[[X1:.*]]: tensor<8x2xf32>, %[[X0:.*]]: tensor<8x2xf32>, %[[T:.*]]: tensor<8xf32>) -> f32
// CHECK: %[[XT:.*]], %[[DXT:.*]] = fm.path_sample #fm.poly<2.0> %[[X0]], %[[X1]], %[[T]] : tensor<8x2xf32>, tensor<8xf32>
// CHECK: %[[XD:.*]] = tensor.cast %[[XT]] : tensor<8x2xf32> to tensor<?x2xf32>
// CHECK: %[[TD:.*]] = tensor.cast %[[T]] : tensor<8xf32> to tensor<?xf32>
// CHECK: %[[VD:.*]] = call @v(%[[XD]], %[[TD]], %[[W]], %[[B]])
// CHECK: %[[V:.*]] = tensor.cast %[[VD]] : tensor<?x2xf32> to tensor<8x2xf32>
// CHECK: %[[L:.*]] = fm.mse_loss %[[V]], %[[DXT]] : tensor<8x2xf32> -> f32
// CHECK: return %[[L]] : f32

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[W:[^:]*]]: tensor<2x2xf32> {fm.name = "net.weight", fm.role = "param"}, %[[B:[^:]*]]: tensor<2xf32> {fm.name = "param.1", fm.role = "param"},
// CHECK-SAME: %[[MW:[^:]*]]: tensor<2x2xf32> {fm.name = "net.weight", fm.role = "opt_state", fm.slot = "exp_avg"}, %[[MB:[^:]*]]: tensor<2xf32> {fm.name = "param.1", fm.role = "opt_state", fm.slot = "exp_avg"},
// CHECK-SAME: %[[VW:[^:]*]]: tensor<2x2xf32> {fm.name = "net.weight", fm.role = "opt_state", fm.slot = "exp_avg_sq"}, %[[VB:[^:]*]]: tensor<2xf32> {fm.name = "param.1", fm.role = "opt_state", fm.slot = "exp_avg_sq"},
// CHECK-SAME: %[[X1:[^:]*]]: tensor<8x2xf32> {fm.role = "batch"}, %[[SEED:[^:]*]]: i64 {fm.role = "seed"}, %[[STEP:[^:]*]]: i64 {fm.role = "step"})
// CHECK-SAME: -> (f32 {fm.role = "loss"}, tensor<2x2xf32> {fm.name = "net.weight", fm.role = "param"}, tensor<2xf32> {fm.name = "param.1", fm.role = "param"},
// CHECK-SAME: tensor<2x2xf32> {fm.name = "net.weight", fm.role = "opt_state", fm.slot = "exp_avg"}, tensor<2xf32> {fm.name = "param.1", fm.role = "opt_state", fm.slot = "exp_avg"},
// CHECK-SAME: tensor<2x2xf32> {fm.name = "net.weight", fm.role = "opt_state", fm.slot = "exp_avg_sq"}, tensor<2xf32> {fm.name = "param.1", fm.role = "opt_state", fm.slot = "exp_avg_sq"})
// CHECK-SAME: attributes {fm.entry = "train_step", llvm.emit_c_interface}
// CHECK: %[[BLOCKS:.*]] = arith.constant 6 : i64
// CHECK: %[[OFFSET:.*]] = arith.muli %[[STEP]], %[[BLOCKS]] : i64
// CHECK: %[[X0:.*]] = fm.random_normal %[[SEED]], %[[OFFSET]] stream 0 : tensor<8x2xf32>
// CHECK: %[[T:.*]] = fm.random_uniform %[[SEED]], %[[OFFSET]] stream 1 : tensor<8xf32>
// CHECK: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[G:.*]]:6 = fm.vjp @train_step_loss(%[[W]], %[[B]], %[[X1]], %[[X0]], %[[T]]) cotangents(%[[ONE]])
// CHECK: %[[C1:.*]] = arith.constant 1 : i64
// CHECK: %[[N:.*]] = arith.addi %[[STEP]], %[[C1]] : i64
// CHECK: %[[NW:.*]], %[[NMW:.*]], %[[NVW:.*]] = fm.adam_update %[[W]], %[[G]]#1, %[[MW]], %[[VW]], %[[N]] {beta1 = 5.000000e-01 : f64, lr = 1.000000e-02 : f64} : tensor<2x2xf32>
// CHECK: %[[NB:.*]], %[[NMB:.*]], %[[NVB:.*]] = fm.adam_update %[[B]], %[[G]]#2, %[[MB]], %[[VB]], %[[N]] {beta1 = 5.000000e-01 : f64, lr = 1.000000e-02 : f64} : tensor<2xf32>
// CHECK: return %[[G]]#0, %[[NW]], %[[NB]], %[[NMW]], %[[NMB]], %[[NVW]], %[[NVB]]
// CHECK-NOT: fm.trainer
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32> {fm.name = "net.weight"},
             %b: tensor<2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.poly<2.0>) source(gaussian) data_shape [2]
fm.trainer @train_step flow(@f) loss(mse) optimizer(#fm.adam<lr = 1.0e-2, beta1 = 0.5>)
    time(#fm.uniform) batch(8)

// -----

/// A network with a static batch needs no casts. Logit-normal times come
/// from the same stream as uniform ones; AdamW is a decoupled Adam update.
/// 4x2x3 samples use 6 counter blocks and 4 times 1: the offset is step·7.

// CHECK-LABEL: func.func private @train_loss(
// CHECK-SAME: %[[W:.*]]: tensor<6x6xf32>, %[[X1:.*]]: tensor<4x2x3xf32>, %[[X0:.*]]: tensor<4x2x3xf32>, %[[T:.*]]: tensor<4xf32>) -> f32
// CHECK: %[[XT:.*]], %[[DXT:.*]] = fm.path_sample #fm.cond_ot %[[X0]], %[[X1]], %[[T]] : tensor<4x2x3xf32>, tensor<4xf32>
// CHECK-NOT: tensor.cast
// CHECK: %[[V:.*]] = call @v(%[[XT]], %[[T]], %[[W]])
// CHECK: fm.mse_loss %[[V]], %[[DXT]] : tensor<4x2x3xf32> -> f32

// CHECK-LABEL: func.func @train(
// CHECK-SAME: %[[W:[^:]*]]: tensor<6x6xf32> {fm.name = "param.0", fm.role = "param"}, %[[M:[^:]*]]: tensor<6x6xf32> {{{[^}]*}}}, %[[V:[^:]*]]: tensor<6x6xf32> {{{[^}]*}}},
// CHECK-SAME: %[[X1:[^:]*]]: tensor<4x2x3xf32> {fm.role = "batch"}, %[[SEED:[^:]*]]: i64 {fm.role = "seed"}, %[[STEP:[^:]*]]: i64 {fm.role = "step"})
// CHECK: %[[BLOCKS:.*]] = arith.constant 7 : i64
// CHECK: %[[OFFSET:.*]] = arith.muli %[[STEP]], %[[BLOCKS]] : i64
// CHECK: fm.random_normal %[[SEED]], %[[OFFSET]] stream 0 : tensor<4x2x3xf32>
// CHECK: fm.random_logit_normal %[[SEED]], %[[OFFSET]] stream 1 {mean = -4.000000e-01 : f64, std = 5.000000e-01 : f64} : tensor<4xf32>
// CHECK: fm.vjp @train_loss(
// CHECK: fm.adam_update %[[W]], %{{.*}}, %[[M]], %[[V]], %{{.*}} {decoupled, lr = 1.000000e-03 : f64, weight_decay = 1.000000e-02 : f64} : tensor<6x6xf32>
func.func @v(%x: tensor<4x2x3xf32>, %t: tensor<4xf32>, %w: tensor<6x6xf32>) -> tensor<4x2x3xf32> {
  return %x : tensor<4x2x3xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2, 3]
fm.trainer @train flow(@f) loss(mse) optimizer(#fm.adamw<lr = 1.0e-3>)
    time(#fm.logit_normal<mean = -0.4, std = 0.5>) batch(4)

// -----

/// Samplers become one fm.integrate of the network: with a step count
/// argument when the op gives none, with a constant count, or with its time
/// grid; `reverse` integrates from t = 1 to 0.

// CHECK-LABEL: func.func @sample_midpoint(
// CHECK-SAME: %[[W:[^:]*]]: tensor<2x2xf32> {fm.name = "w", fm.role = "param"}, %[[X:[^:]*]]: tensor<?x2xf32> {fm.role = "state"}, %[[STEPS:[^:]*]]: index {fm.role = "steps"})
// CHECK-SAME: -> (tensor<?x2xf32> {fm.role = "state"})
// CHECK-SAME: attributes {fm.direction = "forward", fm.entry = "sampler", fm.solver = "midpoint", llvm.emit_c_interface}
// CHECK: %[[R:.*]] = fm.integrate midpoint @v(%[[X]]) steps(%[[STEPS]]) params(%[[W]] : tensor<2x2xf32>) : tensor<?x2xf32>
// CHECK: return %[[R]]

// CHECK-LABEL: func.func @encode(
// CHECK-SAME: %[[W:[^:]*]]: tensor<2x2xf32> {fm.name = "w", fm.role = "param"}, %[[X:[^:]*]]: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x2xf32> {fm.role = "state"})
// CHECK-SAME: attributes {fm.direction = "reverse", fm.entry = "sampler", fm.solver = "rk4", fm.steps = 20 : i64, llvm.emit_c_interface}
// CHECK: %[[N:.*]] = arith.constant 20 : index
// CHECK: fm.integrate rk4 @v(%[[X]]) steps(%[[N]]) params(%[[W]] : tensor<2x2xf32>) {t0 = 1.000000e+00 : f64, t1 = 0.000000e+00 : f64}

// CHECK-LABEL: func.func @sample_grid(
// CHECK-SAME: %[[W:[^:]*]]: tensor<2x2xf32> {fm.name = "w", fm.role = "param"}, %[[X:[^:]*]]: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x2xf32> {fm.role = "state"})
// CHECK-SAME: attributes {fm.direction = "forward", fm.entry = "sampler", fm.solver = "euler", fm.time_grid = array<f64: 0.000000e+00, 5.000000e-01, 1.000000e+00>, llvm.emit_c_interface}
// CHECK: fm.integrate euler @v(%[[X]]) params(%[[W]] : tensor<2x2xf32>) {time_grid = array<f64: 0.000000e+00, 5.000000e-01, 1.000000e+00>}

// CHECK-LABEL: func.func @encode_grid(
// CHECK: fm.integrate heun @v(%{{.*}}) params(%{{.*}} : tensor<2x2xf32>) {t0 = 1.000000e+00 : f64, t1 = 0.000000e+00 : f64, time_grid = array<f64: 1.000000e+00, 0.000000e+00>}
// CHECK-NOT: fm.sampler
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32> {fm.name = "w"}) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
fm.sampler @sample_midpoint flow(@f) solver(midpoint)
fm.sampler @encode flow(@f) solver(rk4) steps(20) direction(reverse)
fm.sampler @sample_grid flow(@f) solver(euler) time_grid [0.0, 0.5, 1.0]
fm.sampler @encode_grid flow(@f) solver(heun) time_grid [1.0, 0.0] direction(reverse)

// -----

/// The loss's name does not clash with an existing symbol, and a flow may
/// itself be named @init.

// CHECK-LABEL: func.func @train_step_loss(
// CHECK-LABEL: func.func @init(
// CHECK-LABEL: func.func private @train_step_loss_0(
// CHECK-LABEL: func.func @train_step(
// CHECK: fm.vjp @train_step_loss_0(
func.func @train_step_loss() {
  return
}
func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @init network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
fm.trainer @train_step flow(@init) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(8)

// -----

/// Without a flow there is nothing to expand.

// CHECK-LABEL: func.func @negative_no_flow(
// CHECK-NOT: func.func @init
func.func @negative_no_flow() {
  return
}
