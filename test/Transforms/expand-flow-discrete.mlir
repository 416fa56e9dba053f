// RUN: fm-opt %s --fm-expand-flow | FileCheck %s

/// A discrete flow with the mask source: 4 data tokens, the mask token 4,
/// logits over 5. Its @init draws the embedding N(0, 1) (nn.Embedding) and
/// the others U(±1/√fan_in) (nn.Linear).

func.func @logits(%x: tensor<?x2xi32>, %t: tensor<?xf32>,
                  %e: tensor<5x3xf32> {fm.name = "emb"},
                  %w: tensor<5x3xf32> {fm.name = "out.weight"},
                  %b: tensor<5xf32> {fm.name = "out.bias"}) -> tensor<?x2x5xf32> {
  %h = fm.embedding %e[%x] : tensor<5x3xf32>, tensor<?x2xi32> -> tensor<?x2x3xf32>
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2xi32>
  %l = tensor.empty(%n) : tensor<?x2x5xf32>
  return %l : tensor<?x2x5xf32>
}

// CHECK-LABEL: func.func @init(
// CHECK: fm.random_normal %{{.*}}, %{{.*}} stream 100 : tensor<5x3xf32>
// CHECK: fm.random_uniform %{{.*}}, %{{.*}} stream 101 : tensor<5x3xf32>
// CHECK: fm.random_uniform %{{.*}}, %{{.*}} stream 102 : tensor<5xf32>
fm.flow @tokens network(@logits) path(#fm.poly<2.0>) source(mask)
    data_shape [2] kind(discrete) vocabulary(4)

/// The loss: the network's logits at (x_t, t), cast to the batch, and the
/// generalized KL against x1.
// CHECK-LABEL: func.func private @train_step_loss(
// CHECK-SAME: %[[E:[^:]*]]: tensor<5x3xf32>, %[[W:[^:]*]]: tensor<5x3xf32>, %[[B:[^:]*]]: tensor<5xf32>, %[[X1:[^:]*]]: tensor<8x2xi32>, %[[XT:[^:]*]]: tensor<8x2xi32>, %[[T:[^:]*]]: tensor<8xf32>) -> f32
// CHECK: %[[XTD:.*]] = tensor.cast %[[XT]] : tensor<8x2xi32> to tensor<?x2xi32>
// CHECK: %[[TD:.*]] = tensor.cast %[[T]] : tensor<8xf32> to tensor<?xf32>
// CHECK: %[[L:.*]] = call @logits(%[[XTD]], %[[TD]], %[[E]], %[[W]], %[[B]])
// CHECK: %[[LS:.*]] = tensor.cast %[[L]] : tensor<?x2x5xf32> to tensor<8x2x5xf32>
// CHECK: %[[LOSS:.*]] = fm.generalized_kl_loss #fm.poly<2.0> %[[LS]], %[[X1]], %[[XT]], %[[T]]
// CHECK: return %[[LOSS]] : f32

/// The step: x0 the mask token, t·(1 − 10⁻³) from stream 1, x_t from
/// stream 2, all at offset step·(2·4 + 2) blocks; the entry point records
/// the source and vocabulary for the runtime.
// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[X1:[^:]*]]: tensor<8x2xi32> {fm.role = "batch"}, %[[SEED:[^:]*]]: i64 {fm.role = "seed"}, %[[STEP:[^:]*]]: i64 {fm.role = "step"})
// CHECK-SAME: attributes {fm.entry = "train_step", fm.source = "mask", fm.vocabulary = 4 : i64
// CHECK: %[[BLOCKS:.*]] = arith.constant 10 : i64
// CHECK: %[[OFF:.*]] = arith.muli %[[STEP]], %[[BLOCKS]] : i64
// CHECK: %[[X0:.*]] = arith.constant dense<4> : tensor<8x2xi32>
// CHECK: %[[U:.*]] = fm.random_uniform %[[SEED]], %[[OFF]] stream 1 : tensor<8xf32>
// CHECK: %[[T:.*]] = linalg.generic {{.*}} ins(%[[U]] : tensor<8xf32>)
// CHECK:   arith.constant 9.990000e-01 : f32
// CHECK: %[[XT:.*]] = fm.mixture_sample #fm.poly<2.0> %[[X0]], %[[X1]], %[[T]], %[[SEED]], %[[OFF]] stream 2
// CHECK: fm.vjp @train_step_loss(%{{.*}}, %{{.*}}, %{{.*}}, %[[X1]], %[[XT]], %[[T]])
// CHECK-COUNT-3: fm.adam_update
fm.trainer @train_step flow(@tokens) loss(generalized_kl)
    optimizer(#fm.adam<lr = 1.0e-3>) time(#fm.uniform) batch(8)

/// The sampler: K − 1 CTMC steps at t = k/K with h = 1/K and c = 0.5 from
/// stream 10 at offset k·2⁴⁰ + first_row·2, then x ← X1 from stream 11 at
/// offset K·2⁴⁰ + first_row·2/4.
// CHECK-LABEL: func.func @sample_euler(
// CHECK-SAME: %[[E:[^:]*]]: tensor<5x3xf32> {fm.name = "emb", fm.role = "param"}
// CHECK-SAME: %[[X:[^:]*]]: tensor<?x2xi32> {fm.role = "state"}, %[[K:[^:]*]]: index {fm.role = "steps"}, %[[SEED:[^:]*]]: i64 {fm.role = "seed"}, %[[FIRST:[^:]*]]: i64 {fm.role = "first_row"}) -> (tensor<?x2xi32> {fm.role = "state"})
// CHECK-SAME: fm.solver = "euler", fm.source = "mask", fm.vocabulary = 4 : i64
// CHECK: %[[TOKEN0:.*]] = arith.muli %[[FIRST]], %{{.*}} : i64
// CHECK: %[[K64:.*]] = arith.index_cast %[[K]] : index to i64
// CHECK: %[[KF:.*]] = arith.sitofp %[[K64]] : i64 to f32
// CHECK: %[[H:.*]] = arith.divf %{{.*}}, %[[KF]] : f32
// CHECK: %[[C:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[LAST:.*]] = arith.subi %[[K]], %{{.*}} : index
// CHECK: %[[LOOP:.*]] = scf.for %[[STEP:.*]] = %{{.*}} to %[[LAST]] step %{{.*}} iter_args(%[[XK:.*]] = %[[X]])
// CHECK:   %[[TK:.*]] = linalg.fill
// CHECK:   %[[LK:.*]] = func.call @logits(%[[XK]], %[[TK]],
// CHECK:   %[[PK:.*]] = fm.softmax %[[LK]] : tensor<?x2x5xf32>
// CHECK:   %[[OK:.*]] = arith.addi %{{.*}}, %[[TOKEN0]] : i64
// CHECK:   fm.mixture_euler_step #fm.poly<2.0> source(mask) %[[XK]], %[[PK]], %[[TK]], %[[H]], %[[C]], %[[SEED]], %[[OK]] stream 10
// CHECK: %[[P:.*]] = fm.softmax
// CHECK: %[[QUARTER:.*]] = arith.divui %[[TOKEN0]], %{{.*}} : i64
// CHECK: %[[OFF:.*]] = arith.addi %{{.*}}, %[[QUARTER]] : i64
// CHECK: %[[Y:.*]] = fm.random_categorical %[[P]], %[[SEED]], %[[OFF]] stream 11 : tensor<?x2x5xf32> -> tensor<?x2xi32>
// CHECK: return %[[Y]]
fm.sampler @sample_euler flow(@tokens) solver(euler) div_free(0.5)
