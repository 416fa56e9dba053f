// RUN: fm-opt %s --fm-expand-flow --split-input-file | FileCheck %s

/// A MeanFlow trainer: x0 from stream 0, the two times from streams 1 and 2
/// at offset step·(4 + 2·2) blocks, ordered t = min, r = max on the first
/// round(0.25·8) = 2 rows and r = t on the others; its loss takes (u, du/dt)
/// from one fm.jvp of the network with tangents (v, 0, 1, 0) over
/// (z, r, t, w), the target stopgrad(v − (t − r)·du/dt), Δ per row, and
/// mean(Δ / stopgrad((Δ + c)^p)).

// CHECK-LABEL: func.func private @train_step_loss(
// CHECK-SAME: %[[W:.*]]: tensor<2x2xf32>, %[[X1:.*]]: tensor<8x2xf32>, %[[X0:.*]]: tensor<8x2xf32>, %[[T:.*]]: tensor<8xf32>, %[[R:.*]]: tensor<8xf32>) -> f32
// CHECK: %[[ZT:.*]], %[[V:.*]] = fm.path_sample #fm.cond_ot %[[X0]], %[[X1]], %[[T]]
// CHECK-DAG: %[[ZD:.*]] = tensor.cast %[[ZT]] : tensor<8x2xf32> to tensor<?x2xf32>
// CHECK-DAG: %[[RD:.*]] = tensor.cast %[[R]] : tensor<8xf32> to tensor<?xf32>
// CHECK-DAG: %[[TD:.*]] = tensor.cast %[[T]] : tensor<8xf32> to tensor<?xf32>
// CHECK-DAG: %[[VD:.*]] = tensor.cast %[[V]] : tensor<8x2xf32> to tensor<?x2xf32>
// CHECK-DAG: %[[ZEROS:.*]] = arith.constant dense<0.000000e+00> : tensor<8xf32>
// CHECK-DAG: %[[ONES:.*]] = arith.constant dense<1.000000e+00> : tensor<8xf32>
// CHECK-DAG: %[[DR:.*]] = tensor.cast %[[ZEROS]] : tensor<8xf32> to tensor<?xf32>
// CHECK-DAG: %[[DT:.*]] = tensor.cast %[[ONES]] : tensor<8xf32> to tensor<?xf32>
// CHECK-DAG: %[[DW:.*]] = arith.constant dense<0.000000e+00> : tensor<2x2xf32>
// CHECK: %[[JVP:.*]]:2 = fm.jvp @u(%[[ZD]], %[[RD]], %[[TD]], %[[W]]) tangents(%[[VD]], %[[DR]], %[[DT]], %[[DW]])
// CHECK-DAG: %[[U:.*]] = tensor.cast %[[JVP]]#0 : tensor<?x2xf32> to tensor<8x2xf32>
// CHECK-DAG: %[[DUDT:.*]] = tensor.cast %[[JVP]]#1 : tensor<?x2xf32> to tensor<8x2xf32>
// CHECK: %[[TGT:.*]] = linalg.generic {{.*}} ins(%[[V]], %[[DUDT]], %[[T]], %[[R]] :
// CHECK: ^bb0(%[[EV:.*]]: f32, %[[ED:.*]]: f32, %[[ET:.*]]: f32, %[[ER:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[H:.*]] = arith.subf %[[ET]], %[[ER]] : f32
// CHECK:   %[[HD:.*]] = arith.mulf %[[H]], %[[ED]] : f32
// CHECK:   %[[Y:.*]] = arith.subf %[[EV]], %[[HD]] : f32
// CHECK:   linalg.yield %[[Y]] : f32
// CHECK: %[[SG:.*]] = fm.stop_gradient %[[TGT]] : tensor<8x2xf32>
// CHECK: %[[DELTA:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[U]], %[[SG]] :
// CHECK: %[[WEIGHT:.*]] = linalg.generic {{.*}} ins(%[[DELTA]] : tensor<8xf32>)
// CHECK:   arith.constant 0.00999999977 : f32
// CHECK:   math.powf %{{.*}}, %{{.*}} : f32
// CHECK: %[[SW:.*]] = fm.stop_gradient %[[WEIGHT]] : tensor<8xf32>
// CHECK: %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["reduction"]} ins(%[[DELTA]], %[[SW]] :
// CHECK:   arith.divf
// CHECK: %[[TOTAL:.*]] = tensor.extract %[[SUM]][] : tensor<f32>
// CHECK: %[[N:.*]] = arith.constant 8.000000e+00 : f32
// CHECK: %[[L:.*]] = arith.divf %[[TOTAL]], %[[N]] : f32
// CHECK: return %[[L]] : f32

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[W:[^:]*]]: tensor<2x2xf32> {fm.name = "param.0", fm.role = "param"}
// CHECK-SAME: %[[X1:[^:]*]]: tensor<8x2xf32> {fm.role = "batch"}, %[[SEED:[^:]*]]: i64 {fm.role = "seed"}, %[[STEP:[^:]*]]: i64 {fm.role = "step"})
// CHECK: %[[BLOCKS:.*]] = arith.constant 8 : i64
// CHECK: %[[OFF:.*]] = arith.muli %[[STEP]], %[[BLOCKS]] : i64
// CHECK: %[[X0:.*]] = fm.random_normal %[[SEED]], %[[OFF]] stream 0 : tensor<8x2xf32>
// CHECK: %[[A:.*]] = fm.random_logit_normal %[[SEED]], %[[OFF]] stream 1 {mean = -4.000000e-01 : f64} : tensor<8xf32>
// CHECK: %[[B:.*]] = fm.random_logit_normal %[[SEED]], %[[OFF]] stream 2 {mean = -4.000000e-01 : f64} : tensor<8xf32>
// CHECK: %[[TR:.*]]:2 = linalg.generic {{.*}} ins(%[[A]], %[[B]] :
// CHECK: ^bb0(%[[EA:.*]]: f32, %[[EB:.*]]: f32, %{{.*}}: f32, %{{.*}}: f32):
// CHECK:   %[[LT:.*]] = arith.cmpf olt, %[[EA]], %[[EB]] : f32
// CHECK:   %[[LO:.*]] = arith.select %[[LT]], %[[EA]], %[[EB]] : f32
// CHECK:   %[[HI:.*]] = arith.select %[[LT]], %[[EB]], %[[EA]] : f32
// CHECK:   %[[ROW:.*]] = linalg.index 0 : index
// CHECK:   %[[NDIFF:.*]] = arith.constant 2 : index
// CHECK:   %[[KEEP:.*]] = arith.cmpi slt, %[[ROW]], %[[NDIFF]] : index
// CHECK:   %[[RR:.*]] = arith.select %[[KEEP]], %[[HI]], %[[LO]] : f32
// CHECK:   linalg.yield %[[LO]], %[[RR]] : f32, f32
// CHECK: fm.vjp @train_step_loss(%[[W]], %[[X1]], %[[X0]], %[[TR]]#0, %[[TR]]#1) cotangents(
// CHECK: fm.adam_update
func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
fm.flow @mf network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)
fm.trainer @train_step flow(@mf) loss(meanflow) optimizer(#fm.adam<lr = 1.0e-2>)
    time(#fm.logit_normal<mean = -0.4>) batch(8) meanflow(#fm.meanflow<p = 0.5>)

// -----

/// The default settings: ratio 0.25 and p = 1, whose weight Δ + c needs no
/// power.

// CHECK-LABEL: func.func private @train_step_loss(
// CHECK: linalg.generic
// CHECK-NOT: math.powf
// CHECK: fm.stop_gradient
// CHECK-LABEL: func.func @train_step(
// CHECK: fm.random_uniform %{{.*}}, %{{.*}} stream 1 : tensor<4xf32>
// CHECK: fm.random_uniform %{{.*}}, %{{.*}} stream 2 : tensor<4xf32>
// CHECK: arith.constant 1 : index
func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
fm.flow @mf network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)
fm.trainer @train_step flow(@mf) loss(meanflow) optimizer(#fm.adam<lr = 1.0e-2>)
    time(#fm.uniform) batch(4)

// -----

/// A meanflow sampler with a step count at run time: K steps of
/// z ← z − (t − r)·u(z, r, t), t = k/K and r = (k+1)/K, in an scf.for.

// CHECK-LABEL: func.func @sample_meanflow(
// CHECK-SAME: %[[W:[^:]*]]: tensor<2x2xf32> {fm.name = "param.0", fm.role = "param"}, %[[Z0:[^:]*]]: tensor<?x2xf32> {fm.role = "state"}, %[[K:[^:]*]]: index {fm.role = "steps"}) -> (tensor<?x2xf32> {fm.role = "state"})
// CHECK-SAME: attributes {fm.direction = "forward", fm.entry = "sampler", fm.solver = "meanflow", llvm.emit_c_interface}
// CHECK: %[[KI:.*]] = arith.index_cast %[[K]] : index to i64
// CHECK: %[[KF:.*]] = arith.sitofp %[[KI]] : i64 to f32
// CHECK: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[OUT:.*]] = scf.for %[[I:.*]] = %[[C0]] to %[[K]] step %[[C1]] iter_args(%[[Z:.*]] = %[[Z0]]) -> (tensor<?x2xf32>) {
// CHECK:   %[[NEXT:.*]] = arith.addi %[[I]], %[[C1]] : index
// CHECK:   %[[T:.*]] = arith.divf %{{.*}}, %[[KF]] : f32
// CHECK:   %[[R:.*]] = arith.divf %{{.*}}, %[[KF]] : f32
// CHECK:   %[[TR:.*]] = linalg.fill ins(%[[T]] : f32)
// CHECK:   %[[RR:.*]] = linalg.fill ins(%[[R]] : f32)
// CHECK:   %[[U:.*]] = func.call @u(%[[Z]], %[[RR]], %[[TR]], %[[W]])
// CHECK:   %[[H:.*]] = arith.subf %[[T]], %[[R]] : f32
// CHECK:   %[[ZN:.*]] = linalg.generic {{.*}} ins(%[[Z]], %[[U]] :
// CHECK:   ^bb0(%[[EZ:.*]]: f32, %[[EU:.*]]: f32, %{{.*}}: f32):
// CHECK:     %[[HU:.*]] = arith.mulf %[[H]], %[[EU]] : f32
// CHECK:     %[[Y:.*]] = arith.subf %[[EZ]], %[[HU]] : f32
// CHECK:   scf.yield %[[ZN]] : tensor<?x2xf32>
// CHECK: return %[[OUT]] : tensor<?x2xf32>

/// steps(1): MeanFlow's one-step generation, a loop of one step.
// CHECK-LABEL: func.func @one_step(
// CHECK-SAME: %{{[^:]*}}: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x2xf32> {fm.role = "state"})
// CHECK-SAME: fm.steps = 1
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %[[ONE]]

/// A time grid: one step per interval, unrolled.
// CHECK-LABEL: func.func @sample_grid(
// CHECK-SAME: fm.time_grid = array<f64: 0.000000e+00, 5.000000e-01, 1.000000e+00>
// CHECK-NOT: scf.for
// CHECK: %[[T0:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[T1:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[U0:.*]] = call @u(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}})
// CHECK: arith.subf %[[T0]], %[[T1]] : f32
// CHECK: %[[T2:.*]] = arith.constant 5.000000e-01 : f32
// CHECK: %[[T3:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: call @u(
// CHECK: arith.subf %[[T2]], %[[T3]] : f32
// CHECK-NOT: call @u(
// CHECK: return
func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %z : tensor<?x2xf32>
}
fm.flow @mf network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)
fm.sampler @sample_meanflow flow(@mf) solver(meanflow)
fm.sampler @one_step flow(@mf) solver(meanflow) steps(1)
fm.sampler @sample_grid flow(@mf) solver(meanflow) time_grid [0.0, 0.5, 1.0]
