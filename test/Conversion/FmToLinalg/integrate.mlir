// RUN: fm-opt %s --fm-convert-to-linalg --split-input-file | FileCheck %s

/// Steps: an scf.for from 0 to n with h = (t1 − t0)/n and t = t0 + i·h;
/// each iteration is one lowered step (two velocity calls for midpoint).

func.func private @v(tensor<?x2xf32>, tensor<?xf32>, tensor<3xf32>) -> tensor<?x2xf32>

// CHECK-LABEL: func.func @steps_backwards
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<?x2xf32>, %[[N:[a-z0-9_]+]]: index, %[[W:[a-z0-9_]+]]: tensor<3xf32>)
// CHECK-DAG: %[[SPAN:.+]] = arith.constant -1.000000e+00 : f32
// CHECK: %[[H:.+]] = arith.divf %[[SPAN]], %{{.+}} : f32
// CHECK: %[[R:.+]] = scf.for %[[I:.+]] = %{{.+}} to %[[N]] step %{{.+}} iter_args(%[[XI:.+]] = %[[X]]) -> (tensor<?x2xf32>)
// CHECK: %[[T0:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[IH:.+]] = arith.mulf %{{.+}}, %[[H]] : f32
// CHECK: arith.addf %[[T0]], %[[IH]] : f32
// CHECK-COUNT-2: call @v({{.*}}, %[[W]])
// CHECK: scf.yield
// CHECK: return %[[R]]
func.func @steps_backwards(%x: tensor<?x2xf32>, %n: index, %w: tensor<3xf32>) -> tensor<?x2xf32> {
  %y = fm.integrate midpoint @v(%x) steps(%n) params(%w : tensor<3xf32>) {t0 = 1.0, t1 = 0.0}
      : tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

/// A time grid of 4 times: three Euler steps, unrolled.

func.func private @v(tensor<8x2xf32>, tensor<8xf32>) -> tensor<8x2xf32>

// CHECK-LABEL: func.func @grid
// CHECK-NOT: scf.for
// CHECK-COUNT-3: call @v
// CHECK-NOT: call @v
func.func @grid(%x: tensor<8x2xf32>) -> tensor<8x2xf32> {
  %y = fm.integrate euler @v(%x) {time_grid = array<f64: 0.0, 0.25, 0.75, 1.0>} : tensor<8x2xf32>
  return %y : tensor<8x2xf32>
}
