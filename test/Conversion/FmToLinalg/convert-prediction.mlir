// RUN: fm-opt %s --fm-convert-to-linalg --canonicalize --split-input-file | FileCheck %s

/// CondOT epsilon → velocity: α̇/α = 1/t and (σ̇α − α̇σ)/α = −1/t, so
/// u = x_t/t − ε/t, in one generic that reads t per row.

// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @epsilon_to_velocity
// CHECK-SAME: (%[[EPS:[a-z0-9_]+]]: tensor<8x2xf32>, %[[XT:[a-z0-9_]+]]: tensor<8x2xf32>, %[[T:[a-z0-9_]+]]: tensor<8xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]], #[[$ROW]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[EPS]], %[[XT]], %[[T]] :
// CHECK: ^bb0(%[[E:[a-z0-9_]+]]: f32, %[[X:[a-z0-9_]+]]: f32, %[[TV:[a-z0-9_]+]]: f32,
// CHECK-DAG: %[[INV:.+]] = arith.divf %{{.+}}, %[[TV]] : f32
// CHECK-DAG: arith.mulf %[[INV]], %[[X]] : f32
// CHECK: linalg.yield
// CHECK-NOT: fm.convert_prediction
func.func @epsilon_to_velocity(%eps: tensor<8x2xf32>, %x_t: tensor<8x2xf32>, %t: tensor<8xf32>)
    -> tensor<8x2xf32> {
  %u = fm.convert_prediction #fm.cond_ot %eps from epsilon to velocity at %x_t, %t
      : tensor<8x2xf32>, tensor<8xf32>
  return %u : tensor<8x2xf32>
}

// -----

/// CondOT target → epsilon: ε = (x_t − t·x1)/(1 − t): divisions by σ only.

// CHECK-LABEL: func.func @target_to_epsilon
// CHECK: ^bb0(%[[X1:[a-z0-9_]+]]: f32, %[[X:[a-z0-9_]+]]: f32, %[[TV:[a-z0-9_]+]]: f32,
// CHECK: %[[SIGMA:.+]] = arith.subf %{{.+}}, %[[TV]] : f32
// CHECK: arith.divf %{{.+}}, %[[SIGMA]] : f32
// CHECK: arith.divf %[[TV]], %[[SIGMA]] : f32
// CHECK: linalg.yield
func.func @target_to_epsilon(%x1: tensor<8x2xf32>, %x_t: tensor<8x2xf32>, %t: tensor<8xf32>)
    -> tensor<8x2xf32> {
  %e = fm.convert_prediction #fm.cond_ot %x1 from target to epsilon at %x_t, %t
      : tensor<8x2xf32>, tensor<8xf32>
  return %e : tensor<8x2xf32>
}
