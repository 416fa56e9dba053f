// RUN: fm-opt %s --fm-convert-to-linalg --split-input-file | FileCheck %s

/// A uniform draw is one generic with no inputs; each element derives its
/// counter block (offset + linear index / 4) and runs ten Philox rounds.

// CHECK-LABEL: func.func @uniform
// CHECK-SAME: (%[[SEED:[a-z0-9_]+]]: i64, %[[OFFSET:[a-z0-9_]+]]: i64)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<8x2xf32>
// CHECK: linalg.generic
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: outs(%[[E]] : tensor<8x2xf32>)
// CHECK-DAG: linalg.index 0 : index
// CHECK-DAG: linalg.index 1 : index
// CHECK: %[[LIN:.+]] = arith.index_castui %{{.+}} : index to i64
// CHECK: %[[Q:.+]] = arith.shrui %[[LIN]], %{{.+}} : i64
// CHECK: %[[BLOCK:.+]] = arith.addi %[[OFFSET]], %[[Q]] : i64
// CHECK: arith.trunci %[[BLOCK]] : i64 to i32
// CHECK: arith.trunci %[[SEED]] : i64 to i32
// CHECK-COUNT-40: arith.extui %{{.+}} : i32 to i64
// CHECK: arith.uitofp %{{.+}} : i32 to f32
// CHECK-NOT: math.log
// CHECK: linalg.yield
func.func @uniform(%seed: i64, %offset: i64) -> tensor<8x2xf32> {
  %u = fm.random_uniform %seed, %offset stream 3 : tensor<8x2xf32>
  return %u : tensor<8x2xf32>
}

// -----

/// A normal draw adds Box–Muller: r = sqrt(-2 log u1), r·cos θ or r·sin θ.

// CHECK-LABEL: func.func @normal
// CHECK: linalg.generic
// CHECK-COUNT-40: arith.extui %{{.+}} : i32 to i64
// CHECK: %[[LOG:.+]] = math.log %{{.+}} : f32
// CHECK: %[[R:.+]] = math.sqrt %{{.+}} : f32
// CHECK-DAG: math.cos
// CHECK-DAG: math.sin
// CHECK: arith.mulf %[[R]], %{{.+}} : f32
// CHECK: linalg.yield
func.func @normal(%seed: i64, %offset: i64) -> tensor<256xf32> {
  %n = fm.random_normal %seed, %offset stream 0 : tensor<256xf32>
  return %n : tensor<256xf32>
}

// -----

/// A logit-normal draw is the normal draw followed by sigmoid(mean + std·z).

// CHECK-LABEL: func.func @logit_normal
// CHECK: linalg.generic
// CHECK: math.log
// CHECK: %[[COSSIN:.+]] = arith.select
// CHECK-NEXT: %[[Z:.+]] = arith.mulf %{{.+}}, %[[COSSIN]] : f32
// CHECK-NEXT: %[[STD:.+]] = arith.constant 1.500000e+00 : f32
// CHECK: %[[SZ:.+]] = arith.mulf %[[STD]], %[[Z]] : f32
// CHECK: %[[MEAN:.+]] = arith.constant -4.000000e-01 : f32
// CHECK: %[[X:.+]] = arith.addf %[[SZ]], %[[MEAN]] : f32
// CHECK: %[[NX:.+]] = arith.negf %[[X]] : f32
// CHECK: %[[E:.+]] = math.exp %[[NX]] : f32
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[DEN:.+]] = arith.addf %{{.+}}, %[[E]] : f32
// CHECK: %[[T:.+]] = arith.divf %{{.+}}, %[[DEN]] : f32
// CHECK: linalg.yield %[[T]]
func.func @logit_normal(%seed: i64, %offset: i64) -> tensor<256xf32> {
  %t = fm.random_logit_normal %seed, %offset stream 1 {mean = -0.4, std = 1.5} : tensor<256xf32>
  return %t : tensor<256xf32>
}
