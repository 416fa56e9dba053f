// RUN: fm-opt %s --fm-expand-flow --split-input-file | FileCheck %s

/// An exact likelihood with a runtime step count becomes a private
/// augmented velocity of [x | l] (one fm.jvp per dimension with the unit
/// tangent e_i and zero tangents for t and the parameters, the divergence
/// summed from their i-th components) and an entry point that integrates
/// [x | 0] from t = 1 to t = 0 and returns log N(x(0); 0, I) + l(0).

func.func @velocity(%x: tensor<?x2xf32>, %t: tensor<?xf32>,
                    %w: tensor<2x2xf32> {fm.name = "net.weight"}) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @moons network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [2]
fm.likelihood @loglik flow(@moons) solver(midpoint) divergence(exact)

// CHECK-LABEL: func.func private @loglik_velocity(
// CHECK-SAME: %[[XA:.*]]: tensor<?x3xf32>, %[[T:.*]]: tensor<?xf32>, %[[W:.*]]: tensor<2x2xf32>) -> tensor<?x3xf32>
// CHECK: %[[N:.*]] = tensor.dim %[[XA]], %{{.*}} : tensor<?x3xf32>
// CHECK: %[[X:.*]] = tensor.extract_slice %[[XA]][0, 0] [%[[N]], 2] [1, 1] : tensor<?x3xf32> to tensor<?x2xf32>
// CHECK: %[[TZ:.*]] = linalg.fill {{.*}} -> tensor<?xf32>
// CHECK: %[[WZ:.*]] = arith.constant dense<0.000000e+00> : tensor<2x2xf32>
// CHECK: %[[E0:.*]] = linalg.generic
// CHECK: linalg.index 1
// CHECK: %[[J0:.*]]:2 = fm.jvp @velocity(%[[X]], %[[T]], %[[W]]) tangents(%[[E0]], %[[TZ]], %[[WZ]])
// CHECK: %[[D0:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[E0]], %[[J0]]#1
// CHECK: %[[E1:.*]] = linalg.generic
// CHECK: %[[J1:.*]]:2 = fm.jvp @velocity(%[[X]], %[[T]], %[[W]]) tangents(%[[E1]], %[[TZ]], %[[WZ]])
// CHECK: %[[D1:.*]] = linalg.generic {{.*}} ins(%[[E1]], %[[J1]]#1 : {{.*}}) outs(%[[D0]] : tensor<?xf32>)
// CHECK: %[[R0:.*]] = tensor.insert_slice %[[J0]]#0 into %{{.*}}[0, 0] [%[[N]], 2] [1, 1]
// CHECK: %[[R1:.*]] = tensor.insert_slice %[[D1]] into %[[R0]][0, 2] [%[[N]], 1] [1, 1] : tensor<?xf32> into tensor<?x3xf32>
// CHECK: return %[[R1]]

// CHECK-LABEL: func.func @loglik(
// CHECK-SAME: %[[W:.*]]: tensor<2x2xf32> {fm.name = "net.weight", fm.role = "param"}, %[[X1:.*]]: tensor<?x2xf32> {fm.role = "state"}, %[[STEPS:.*]]: index {fm.role = "steps"}) -> (tensor<?xf32> {fm.role = "logp"})
// CHECK-SAME: attributes {fm.divergence = "exact", fm.entry = "likelihood", fm.solver = "midpoint", llvm.emit_c_interface}
// CHECK: %[[XA:.*]] = tensor.insert_slice %[[X1]] into %{{.*}}[0, 0] [%{{.*}}, 2] [1, 1] : tensor<?x2xf32> into tensor<?x3xf32>
// CHECK: %[[YA:.*]] = fm.integrate midpoint @loglik_velocity(%[[XA]]) steps(%[[STEPS]]) params(%[[W]] : tensor<2x2xf32>) {t0 = 1.000000e+00 : f64, t1 = 0.000000e+00 : f64} : tensor<?x3xf32>
// CHECK: %[[X0:.*]] = tensor.extract_slice %[[YA]][0, 0] [%{{.*}}, 2] [1, 1]
// CHECK: %[[L:.*]] = tensor.extract_slice %[[YA]][0, 2] [%{{.*}}, 1] [1, 1] : tensor<?x3xf32> to tensor<?xf32>
// CHECK: %[[C:.*]] = arith.constant 0.918938517 : f32
// CHECK: %[[LOGP:.*]] = linalg.generic {{.*}} ins(%[[X0]] : tensor<?x2xf32>) outs(%[[L]] : tensor<?xf32>)
// CHECK: return %[[LOGP]]

// -----

/// Hutchinson with fixed steps: a seed input, one Rademacher probe per
/// point from Philox stream 0 (u >= 1/2 -> +1, else -1), passed to the
/// augmented velocity, which takes one fm.jvp along it.

func.func @velocity(%x: tensor<8x2xf32>, %t: tensor<8xf32>, %w: tensor<2x2xf32>) -> tensor<8x2xf32> {
  return %x : tensor<8x2xf32>
}
fm.flow @moons network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [2]
fm.likelihood @loglik flow(@moons) solver(rk4) steps(20) divergence(hutchinson)

// CHECK-LABEL: func.func private @loglik_velocity(
// CHECK-SAME: %[[XA:.*]]: tensor<8x3xf32>, %[[T:.*]]: tensor<8xf32>, %[[W:.*]]: tensor<2x2xf32>, %[[Z:.*]]: tensor<8x2xf32>) -> tensor<8x3xf32>
// CHECK: %[[J:.*]]:2 = fm.jvp @velocity(%{{.*}}, %[[T]], %[[W]]) tangents(%[[Z]],
// CHECK: linalg.generic {{.*}} ins(%[[Z]], %[[J]]#1
// CHECK-NOT: fm.jvp
// CHECK-LABEL: func.func @loglik(
// CHECK-SAME: %{{.*}}: tensor<8x2xf32> {fm.role = "state"}, %[[SEED:.*]]: i64 {fm.role = "seed"}) -> (tensor<8xf32> {fm.role = "logp"})
// CHECK-SAME: attributes {fm.divergence = "hutchinson", fm.entry = "likelihood", fm.solver = "rk4", fm.steps = 20 : i64, llvm.emit_c_interface}
// CHECK: %[[U:.*]] = fm.random_uniform %[[SEED]], %{{.*}} stream 0 : tensor<8x2xf32>
// CHECK: %[[PROBE:.*]] = linalg.generic {{.*}} ins(%[[U]] : tensor<8x2xf32>)
// CHECK: arith.cmpf oge
// CHECK: %[[K:.*]] = arith.constant 20 : index
// CHECK: fm.integrate rk4 @loglik_velocity(%{{.*}}) steps(%[[K]]) params(%{{.*}}, %[[PROBE]] : tensor<2x2xf32>, tensor<8x2xf32>) {t0 = 1.000000e+00 : f64, t1 = 0.000000e+00 : f64}
