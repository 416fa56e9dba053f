// RUN: fm-opt %s --fm-cpu-parallel-elementwise --verify-diagnostics

/// A value the body reads from above must cross to the worker threads as an
/// LLVM value; a tensor has none.

#id = affine_map<(i, j) -> (i, j)>
func.func @tensor_from_above(%x: memref<?x2xf32>, %t: tensor<4xf32>) {
  %c0 = arith.constant 0 : index
  // expected-error @+1 {{fm-cpu-parallel-elementwise: cannot pass a 'tensor<4xf32>' to another thread}}
  linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%x : memref<?x2xf32>) {
  ^bb0(%o: f32):
    %e = tensor.extract %t[%c0] : tensor<4xf32>
    %s = arith.addf %o, %e : f32
    linalg.yield %s : f32
  }
  return
}
