// RUN: fm-opt %s --fm-cpu-vectorize-contractions --canonicalize --cse -split-input-file | FileCheck %s

// A forward layer x·Wᵀ (W laid out [out, in]): W is transposed once, then
// 8×32 accumulator blocks, a reduction loop of 16 whose accumulator stays in
// registers (read before the loop, written after it) and one vector.fma per
// block row and k step.
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @forward
// CHECK-DAG:     %[[C8:.*]] = arith.constant 8 : index
// CHECK-DAG:     %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK:         linalg.transpose ins(%{{.*}} : tensor<64x64xf32>) outs(%{{.*}} : tensor<64x64xf32>) permutation = [1, 0]
// CHECK:         scf.for {{.*}} step %[[C8]]
// CHECK:           scf.for {{.*}} step %[[C32]]
// CHECK:             %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK:             %[[RED:.*]] = scf.for {{.*}} step %[[C16]] iter_args(%[[A:.*]] = %[[ACC]]) -> (vector<8x32xf32>)
// CHECK-COUNT-128:     vector.fma {{.*}} : vector<32xf32>
// CHECK-NOT:           vector.fma
// CHECK:               scf.yield
// CHECK:             vector.transfer_write %[[RED]]
// CHECK-NOT:     linalg.generic
func.func @forward(%x: tensor<256x64xf32>, %w: tensor<64x64xf32>, %c: tensor<256x64xf32>) -> tensor<256x64xf32> {
  %y = linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<256x64xf32>, tensor<64x64xf32>) outs(%c : tensor<256x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<256x64xf32>
  return %y : tensor<256x64xf32>
}

// -----

// The weight gradient dW = dYᵀ·X of the reverse sweep: the reduction runs
// over the batch (loop 0), in any loop order the generic states.
#km = affine_map<(k, m, n) -> (k, m)>
#kn = affine_map<(k, m, n) -> (k, n)>
#mn = affine_map<(k, m, n) -> (m, n)>
// CHECK-LABEL: func.func @weight_gradient
// CHECK-NOT:     linalg.transpose
// CHECK:         scf.for
// CHECK:           scf.for
// CHECK:             scf.for {{.*}} -> (vector<8x32xf32>)
// CHECK:               vector.fma
// CHECK-NOT:     linalg.generic
func.func @weight_gradient(%dy: tensor<256x64xf32>, %x: tensor<256x64xf32>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %y = linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["reduction", "parallel", "parallel"]}
      ins(%dy, %x : tensor<256x64xf32>, tensor<256x64xf32>) outs(%c : tensor<64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %b, %a : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  return %y : tensor<64x64xf32>
}

// -----

// A 2-wide output layer: a dimension no block size divides is taken whole,
// and a reduction no larger than a block needs no loop.
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @narrow
// CHECK:         scf.for
// CHECK:           vector.transfer_read {{.*}} vector<8x2xf32>
// CHECK:           vector.fma {{.*}} : vector<2xf32>
// CHECK-NOT:     linalg.generic
func.func @narrow(%x: tensor<256x16xf32>, %w: tensor<2x16xf32>, %c: tensor<256x2xf32>) -> tensor<256x2xf32> {
  %y = linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<256x16xf32>, tensor<2x16xf32>) outs(%c : tensor<256x2xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<256x2xf32>
  return %y : tensor<256x2xf32>
}

// -----

// A batch known only at run time: full blocks of 8 rows are vectorized,
// the remainder rows stay a dynamically shaped linalg.contract.
#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @dynamic_batch
// CHECK:         %[[ROWS:.*]] = tensor.dim
// CHECK:         %[[FULL:.*]] = affine.apply {{.*}}()[%[[ROWS]]]
// CHECK:         %[[MAIN:.*]] = scf.for %{{.*}} = %{{.*}} to %[[FULL]] step
// CHECK:           vector.fma
// CHECK:         scf.for %{{.*}} = %[[FULL]] to %[[ROWS]] step {{.*}} iter_args(%{{.*}} = %[[MAIN]])
// CHECK:           linalg.contract {{.*}} -> tensor<?x32xf32>
func.func @dynamic_batch(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>, %c: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x64xf32>, tensor<64x64xf32>) outs(%c : tensor<?x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// Left alone: a dynamic reduction, f64, and a body that is not a
// multiply-add.
#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @dynamic_reduction
// CHECK-NOT:     vector.
// CHECK:         linalg.generic
func.func @dynamic_reduction(%x: tensor<64x?xf32>, %w: tensor<?x64xf32>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %y = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<64x?xf32>, tensor<?x64xf32>) outs(%c : tensor<64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  return %y : tensor<64x64xf32>
}

// CHECK-LABEL: func.func @double
// CHECK-NOT:     vector.
// CHECK:         linalg.generic
func.func @double(%x: tensor<64x64xf64>, %w: tensor<64x64xf64>, %c: tensor<64x64xf64>) -> tensor<64x64xf64> {
  %y = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<64x64xf64>, tensor<64x64xf64>) outs(%c : tensor<64x64xf64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %p = arith.mulf %a, %b : f64
    %s = arith.addf %o, %p : f64
    linalg.yield %s : f64
  } -> tensor<64x64xf64>
  return %y : tensor<64x64xf64>
}

// CHECK-LABEL: func.func @max_plus
// CHECK-NOT:     vector.
// CHECK:         linalg.generic
func.func @max_plus(%x: tensor<64x64xf32>, %w: tensor<64x64xf32>, %c: tensor<64x64xf32>) -> tensor<64x64xf32> {
  %y = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<64x64xf32>, tensor<64x64xf32>) outs(%c : tensor<64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.addf %a, %b : f32
    %s = arith.maximumf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  return %y : tensor<64x64xf32>
}
