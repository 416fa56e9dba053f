// RUN: fm-opt %s --fm-cpu-loop-order --split-input-file | FileCheck %s

/// A contraction written (m, n, k) runs as (m, k, n): the innermost loop is
/// the output's last dimension, parallel and contiguous.

// CHECK-DAG: #[[$A:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-DAG: #[[$B:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG: #[[$C:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @matmul
// CHECK: linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], iterator_types = ["parallel", "reduction", "parallel"]}
func.func @matmul(%a: tensor<8x4xf32>, %b: tensor<4x16xf32>, %c: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>,
                                        affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<8x4xf32>, tensor<4x16xf32>) outs(%c : tensor<8x16xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}

// -----

/// The adjoint of a matmul's left operand, dA[m, k] = Σ_n dC[m, n]·B[k, n],
/// as fm-autodiff emits it over (m, n, k): k, the output's last dimension,
/// is already innermost, so nothing moves.

// CHECK-LABEL: func.func @matmul_adjoint
// CHECK: iterator_types = ["parallel", "reduction", "parallel"]
func.func @matmul_adjoint(%dc: tensor<8x16xf32>, %b: tensor<4x16xf32>, %da: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, n)>, affine_map<(m, n, k) -> (k, n)>,
                                        affine_map<(m, n, k) -> (m, k)>],
                       iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%dc, %b : tensor<8x16xf32>, tensor<4x16xf32>) outs(%da : tensor<8x4xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// -----

/// Negative: elementwise ops, a column sum (already innermost) and a full
/// reduction (no output dimension) keep their loop order.

// CHECK-LABEL: func.func @negative_unchanged
// CHECK: iterator_types = ["parallel", "parallel"]
// CHECK: indexing_maps = [#{{.+}}, #[[$COL:.+]]], iterator_types = ["reduction", "parallel"]
// CHECK: iterator_types = ["reduction", "reduction"]
func.func @negative_unchanged(%x: tensor<8x4xf32>, %col: tensor<4xf32>, %all: tensor<f32>)
    -> (tensor<8x4xf32>, tensor<4xf32>, tensor<f32>) {
  %e = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x4xf32>) outs(%x : tensor<8x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    linalg.yield %n : f32
  } -> tensor<8x4xf32>
  %c = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>],
                       iterator_types = ["reduction", "parallel"]}
      ins(%x : tensor<8x4xf32>) outs(%col : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %o, %v : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> ()>],
                       iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<8x4xf32>) outs(%all : tensor<f32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %o, %v : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  return %e, %c, %a : tensor<8x4xf32>, tensor<4xf32>, tensor<f32>
}
