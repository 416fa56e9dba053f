// RUN: fm-opt %s | FileCheck %s
// RUN: fm-opt %s | fm-opt | FileCheck %s

/// Valid 'likelihood' entry points: (params, state[, steps][, seed]) ->
/// logp, with an ODE solver and a divergence; a seed exactly for Hutchinson.

// CHECK-LABEL: func.func @loglik_exact(
// CHECK-SAME: %{{.*}}: tensor<64x3xf32> {fm.name = "net.0.weight", fm.role = "param"}
// CHECK-SAME: %{{.*}}: tensor<?x2xf32> {fm.role = "state"}
// CHECK-SAME: %{{.*}}: index {fm.role = "steps"}
// CHECK-SAME: -> (tensor<?xf32> {fm.role = "logp"})
// CHECK-SAME: fm.divergence = "exact", fm.entry = "likelihood", fm.solver = "midpoint"
func.func @loglik_exact(%w: tensor<64x3xf32> {fm.role = "param", fm.name = "net.0.weight"},
                        %x: tensor<?x2xf32> {fm.role = "state"},
                        %n: index {fm.role = "steps"}) -> (tensor<?xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "midpoint", fm.divergence = "exact"} {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x2xf32>
  %l = tensor.empty(%d) : tensor<?xf32>
  return %l : tensor<?xf32>
}

// CHECK-LABEL: func.func @loglik_hutchinson(
// CHECK-SAME: %{{.*}}: tensor<8x2xf32> {fm.role = "state"}
// CHECK-SAME: %{{.*}}: i64 {fm.role = "seed"}
// CHECK-SAME: -> (tensor<8xf32> {fm.role = "logp"})
// CHECK-SAME: fm.divergence = "hutchinson", fm.entry = "likelihood", fm.solver = "rk4", fm.steps = 20 : i64
func.func @loglik_hutchinson(%x: tensor<8x2xf32> {fm.role = "state"},
                             %s: i64 {fm.role = "seed"}) -> (tensor<8xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "rk4", fm.steps = 20 : i64,
                fm.divergence = "hutchinson"} {
  %l = tensor.empty() : tensor<8xf32>
  return %l : tensor<8xf32>
}
