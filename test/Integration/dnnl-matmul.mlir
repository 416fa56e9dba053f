// The oneDNN path of fm-dnnl-pipeline is exact where it must be: the
// contractions of a network's forward and reverse sweeps, in the four
// layouts they come in, become fmrt_dnnl_matmul calls (operands read in
// place, transposes as flags) and, on small-integer inputs whose products
// and sums are exact in f32, equal the same products in f64 (left as
// loops: the pass takes f32 only) exactly.
//
// REQUIRES: dnnl
// UNSUPPORTED: asan
// RUN: fm-opt %s --fm-dnnl-pipeline | FileCheck %s --check-prefix=IR
// RUN: fm-opt %s --fm-dnnl-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils,%fm_dnnl_runner \
// RUN: | FileCheck %s

// Four f32 products, four calls, through the C interface wrapper that
// passes memref descriptors by pointer.
// IR-DAG: llvm.call @_mlir_ciface_fmrt_dnnl_matmul(
// IR-DAG: llvm.call @fmrt_dnnl_matmul(
// IR-DAG: llvm.call @fmrt_dnnl_matmul(
// IR-DAG: llvm.call @fmrt_dnnl_matmul(
// IR-DAG: llvm.call @fmrt_dnnl_matmul(

#id = affine_map<(i, j) -> (i, j)>
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#km = affine_map<(m, n, k) -> (k, m)>
#mn = affine_map<(m, n, k) -> (m, n)>
#e1 = affine_map<(i) -> (i)>
#s1 = affine_map<(i) -> ()>

/// a[i, j] = ((i·7 + j·3 + salt) mod 9) − 4, in f32 and f64.
func.func @pattern(%salt: index, %e: tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?x?xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %r = tensor.dim %e, %c0 : tensor<?x?xf32>
  %c = tensor.dim %e, %c1 : tensor<?x?xf32>
  %e64 = tensor.empty(%r, %c) : tensor<?x?xf64>
  %a:2 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      outs(%e, %e64 : tensor<?x?xf32>, tensor<?x?xf64>) {
  ^bb0(%o: f32, %o64: f64):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %c7 = arith.constant 7 : index
    %c3 = arith.constant 3 : index
    %c9 = arith.constant 9 : index
    %c4 = arith.constant 4 : index
    %t0 = arith.muli %i, %c7 : index
    %t1 = arith.muli %j, %c3 : index
    %t2 = arith.addi %t0, %t1 : index
    %t3 = arith.addi %t2, %salt : index
    %t4 = arith.remui %t3, %c9 : index
    %t5 = arith.subi %t4, %c4 : index
    %n = arith.index_cast %t5 : index to i64
    %f = arith.sitofp %n : i64 to f32
    %d = arith.sitofp %n : i64 to f64
    linalg.yield %f, %d : f32, f64
  } -> (tensor<?x?xf32>, tensor<?x?xf64>)
  return %a#0, %a#1 : tensor<?x?xf32>, tensor<?x?xf64>
}

func.func @operand(%rows: index, %cols: index, %salt: index) -> (tensor<?x?xf32>, tensor<?x?xf64>) {
  %e = tensor.empty(%rows, %cols) : tensor<?x?xf32>
  %a:2 = func.call @pattern(%salt, %e) : (index, tensor<?x?xf32>) -> (tensor<?x?xf32>, tensor<?x?xf64>)
  return %a#0, %a#1 : tensor<?x?xf32>, tensor<?x?xf64>
}

/// max |c32 − c64| over all elements.
func.func @max_error(%c32: tensor<?x?xf32>, %c64: tensor<?x?xf64>) -> f64 {
  %zero = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<f64>
  %init = linalg.fill ins(%zero : f64) outs(%e : tensor<f64>) -> tensor<f64>
  %m = linalg.generic {indexing_maps = [#id, #id, affine_map<(i, j) -> ()>], iterator_types = ["reduction", "reduction"]}
      ins(%c32, %c64 : tensor<?x?xf32>, tensor<?x?xf64>) outs(%init : tensor<f64>) {
  ^bb0(%a: f32, %b: f64, %o: f64):
    %a64 = arith.extf %a : f32 to f64
    %d = arith.subf %a64, %b : f64
    %ad = math.absf %d : f64
    %mx = arith.maximumf %o, %ad : f64
    linalg.yield %mx : f64
  } -> tensor<f64>
  %v = tensor.extract %m[] : tensor<f64>
  return %v : f64
}

#mul_add = {iterator_types = ["parallel", "parallel", "reduction"]}

/// C = A·B in the layout given by the maps, in f32 (vectorized) and f64.
/// Each case is spelled out: the maps are part of the op.
func.func @forward(%m: index, %n: index, %k: index) -> f64 {
  // y[m, n] = Σ_k x[m, k]·w[n, k]
  %x:2 = func.call @operand(%m, %k, %m) : (index, index, index) -> (tensor<?x?xf32>, tensor<?x?xf64>)
  %w:2 = func.call @operand(%n, %k, %n) : (index, index, index) -> (tensor<?x?xf32>, tensor<?x?xf64>)
  %xs = tensor.cast %x#0 : tensor<?x?xf32> to tensor<256x64xf32>
  %ws = tensor.cast %w#0 : tensor<?x?xf32> to tensor<64x64xf32>
  %zero = arith.constant 0.0 : f32
  %zero64 = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<256x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<256x64xf32>) -> tensor<256x64xf32>
  %y = linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%xs, %ws : tensor<256x64xf32>, tensor<64x64xf32>) outs(%z : tensor<256x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<256x64xf32>
  %e64 = tensor.empty(%m, %n) : tensor<?x?xf64>
  %z64 = linalg.fill ins(%zero64 : f64) outs(%e64 : tensor<?x?xf64>) -> tensor<?x?xf64>
  %y64 = linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x#1, %w#1 : tensor<?x?xf64>, tensor<?x?xf64>) outs(%z64 : tensor<?x?xf64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %p = arith.mulf %a, %b : f64
    %s = arith.addf %o, %p : f64
    linalg.yield %s : f64
  } -> tensor<?x?xf64>
  %yd = tensor.cast %y : tensor<256x64xf32> to tensor<?x?xf32>
  %err = func.call @max_error(%yd, %y64) : (tensor<?x?xf32>, tensor<?x?xf64>) -> f64
  return %err : f64
}

func.func @input_gradient(%m: index, %n: index, %k: index) -> f64 {
  // dx[m, n] = Σ_k dy[m, k]·w[k, n]
  %dy:2 = func.call @operand(%m, %k, %k) : (index, index, index) -> (tensor<?x?xf32>, tensor<?x?xf64>)
  %w:2 = func.call @operand(%k, %n, %m) : (index, index, index) -> (tensor<?x?xf32>, tensor<?x?xf64>)
  %dys = tensor.cast %dy#0 : tensor<?x?xf32> to tensor<256x64xf32>
  %ws = tensor.cast %w#0 : tensor<?x?xf32> to tensor<64x3xf32>
  %zero = arith.constant 0.0 : f32
  %zero64 = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<256x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<256x3xf32>) -> tensor<256x3xf32>
  %y = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dys, %ws : tensor<256x64xf32>, tensor<64x3xf32>) outs(%z : tensor<256x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<256x3xf32>
  %e64 = tensor.empty(%m, %n) : tensor<?x?xf64>
  %z64 = linalg.fill ins(%zero64 : f64) outs(%e64 : tensor<?x?xf64>) -> tensor<?x?xf64>
  %y64 = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy#1, %w#1 : tensor<?x?xf64>, tensor<?x?xf64>) outs(%z64 : tensor<?x?xf64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %p = arith.mulf %a, %b : f64
    %s = arith.addf %o, %p : f64
    linalg.yield %s : f64
  } -> tensor<?x?xf64>
  %yd = tensor.cast %y : tensor<256x3xf32> to tensor<?x?xf32>
  %err = func.call @max_error(%yd, %y64) : (tensor<?x?xf32>, tensor<?x?xf64>) -> f64
  return %err : f64
}

func.func @weight_gradient(%m: index, %n: index, %k: index) -> f64 {
  // dw[m, n] = Σ_k dy[k, m]·x[k, n], the reduction over the batch
  %dy:2 = func.call @operand(%k, %m, %n) : (index, index, index) -> (tensor<?x?xf32>, tensor<?x?xf64>)
  %x:2 = func.call @operand(%k, %n, %m) : (index, index, index) -> (tensor<?x?xf32>, tensor<?x?xf64>)
  %dys = tensor.cast %dy#0 : tensor<?x?xf32> to tensor<256x64xf32>
  %xs = tensor.cast %x#0 : tensor<?x?xf32> to tensor<256x64xf32>
  %zero = arith.constant 0.0 : f32
  %zero64 = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<64x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<64x64xf32>) -> tensor<64x64xf32>
  %y = linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dys, %xs : tensor<256x64xf32>, tensor<256x64xf32>) outs(%z : tensor<64x64xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<64x64xf32>
  %e64 = tensor.empty(%m, %n) : tensor<?x?xf64>
  %z64 = linalg.fill ins(%zero64 : f64) outs(%e64 : tensor<?x?xf64>) -> tensor<?x?xf64>
  %y64 = linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy#1, %x#1 : tensor<?x?xf64>, tensor<?x?xf64>) outs(%z64 : tensor<?x?xf64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %p = arith.mulf %a, %b : f64
    %s = arith.addf %o, %p : f64
    linalg.yield %s : f64
  } -> tensor<?x?xf64>
  %yd = tensor.cast %y : tensor<64x64xf32> to tensor<?x?xf32>
  %err = func.call @max_error(%yd, %y64) : (tensor<?x?xf32>, tensor<?x?xf64>) -> f64
  return %err : f64
}

func.func @output_layer(%m: index, %n: index, %k: index) -> f64 {
  // v[m, n] = Σ_k h[m, k]·w[n, k] with 2 outputs
  %x:2 = func.call @operand(%m, %k, %n) : (index, index, index) -> (tensor<?x?xf32>, tensor<?x?xf64>)
  %w:2 = func.call @operand(%n, %k, %k) : (index, index, index) -> (tensor<?x?xf32>, tensor<?x?xf64>)
  %xs = tensor.cast %x#0 : tensor<?x?xf32> to tensor<256x64xf32>
  %ws = tensor.cast %w#0 : tensor<?x?xf32> to tensor<2x64xf32>
  %zero = arith.constant 0.0 : f32
  %zero64 = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<256x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<256x2xf32>) -> tensor<256x2xf32>
  %y = linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%xs, %ws : tensor<256x64xf32>, tensor<2x64xf32>) outs(%z : tensor<256x2xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<256x2xf32>
  %e64 = tensor.empty(%m, %n) : tensor<?x?xf64>
  %z64 = linalg.fill ins(%zero64 : f64) outs(%e64 : tensor<?x?xf64>) -> tensor<?x?xf64>
  %y64 = linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x#1, %w#1 : tensor<?x?xf64>, tensor<?x?xf64>) outs(%z64 : tensor<?x?xf64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %p = arith.mulf %a, %b : f64
    %s = arith.addf %o, %p : f64
    linalg.yield %s : f64
  } -> tensor<?x?xf64>
  %yd = tensor.cast %y : tensor<256x2xf32> to tensor<?x?xf32>
  %err = func.call @max_error(%yd, %y64) : (tensor<?x?xf32>, tensor<?x?xf64>) -> f64
  return %err : f64
}


func.func @main() {
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  // CHECK: forward error 0
  %e0 = func.call @forward(%c256, %c64, %c64) : (index, index, index) -> f64
  vector.print str "forward error "
  vector.print %e0 : f64
  // CHECK: input gradient error 0
  %e1 = func.call @input_gradient(%c256, %c3, %c64) : (index, index, index) -> f64
  vector.print str "input gradient error "
  vector.print %e1 : f64
  // CHECK: weight gradient error 0
  %e2 = func.call @weight_gradient(%c64, %c64, %c256) : (index, index, index) -> f64
  vector.print str "weight gradient error "
  vector.print %e2 : f64
  // CHECK: output layer error 0
  %e3 = func.call @output_layer(%c256, %c2, %c64) : (index, index, index) -> f64
  vector.print str "output layer error "
  vector.print %e3 : f64
  return
}
