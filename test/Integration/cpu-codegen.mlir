// The CPU code generation of fm-cpu-pipeline is exact where it must be and
// close where it may not be:
//  - register-blocked contractions (fm-cpu-vectorize-contractions) in the
//    four layouts a network's forward and reverse sweeps use, on
//    small-integer inputs whose products and sums are exact in f32, equal
//    the same products in f64 (left as loops: the pass takes f32 only)
//    exactly;
//  - the polynomial exp, expm1 and tanh (fm-cpu-approximate-math) stay
//    within a few float32 ulps of libm evaluated in double.
//
// RUN: fm-opt %s --fm-cpu-pipeline | FileCheck %s --check-prefix=IR
// RUN: fm-opt %s --fm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

// The f32 products are register-blocked FMAs, the f32 functions polynomials.
// IR: llvm.intr.fmuladd({{.*}}) : (vector<32xf32>, vector<32xf32>, vector<32xf32>)
// IR-NOT: llvm.intr.exp({{.*}}) : (f32)

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

/// The largest error of the f32 approximations over 4001 points of
/// [−10, 10], in units of float32's spacing at the reference value
/// (2^−23·max(|ref|, 2^−10) for expm1 and tanh, whose results near 0 are
/// small; relative for exp).
func.func @approximation_ulps() -> (f64, f64, f64) {
  %zero = arith.constant 0.0 : f64
  %init = tensor.empty() : tensor<f64>
  %z = linalg.fill ins(%zero : f64) outs(%init : tensor<f64>) -> tensor<f64>
  %grid = tensor.empty() : tensor<4001xf32>
  %errs:3 = linalg.generic {indexing_maps = [#e1, #s1, #s1, #s1], iterator_types = ["reduction"]}
      ins(%grid : tensor<4001xf32>) outs(%z, %z, %z : tensor<f64>, tensor<f64>, tensor<f64>) {
  ^bb0(%unused: f32, %o0: f64, %o1: f64, %o2: f64):
    %i = linalg.index 0 : index
    %n = arith.index_cast %i : index to i64
    %nf = arith.sitofp %n : i64 to f64
    %h = arith.constant 0.005 : f64
    %lo = arith.constant -10.0 : f64
    %xd = math.fma %nf, %h, %lo : f64
    %x = arith.truncf %xd : f64 to f32
    %x64 = arith.extf %x : f32 to f64
    %ulp = arith.constant 1.1920928955078125e-07 : f64
    %floor = arith.constant 9.765625e-04 : f64
    // exp
    %a0 = math.exp %x : f32
    %r0 = math.exp %x64 : f64
    %a0d = arith.extf %a0 : f32 to f64
    %d0 = arith.subf %a0d, %r0 : f64
    %q0 = arith.divf %d0, %r0 : f64
    %u0 = arith.divf %q0, %ulp : f64
    %v0 = math.absf %u0 : f64
    %m0 = arith.maximumf %o0, %v0 : f64
    // expm1
    %a1 = math.expm1 %x : f32
    %r1 = math.expm1 %x64 : f64
    %a1d = arith.extf %a1 : f32 to f64
    %d1 = arith.subf %a1d, %r1 : f64
    %s1 = math.absf %r1 : f64
    %t1 = arith.maximumf %s1, %floor : f64
    %q1 = arith.divf %d1, %t1 : f64
    %u1 = arith.divf %q1, %ulp : f64
    %v1 = math.absf %u1 : f64
    %m1 = arith.maximumf %o1, %v1 : f64
    // tanh
    %a2 = math.tanh %x : f32
    %r2 = math.tanh %x64 : f64
    %a2d = arith.extf %a2 : f32 to f64
    %d2 = arith.subf %a2d, %r2 : f64
    %s2 = math.absf %r2 : f64
    %t2 = arith.maximumf %s2, %floor : f64
    %q2 = arith.divf %d2, %t2 : f64
    %u2 = arith.divf %q2, %ulp : f64
    %v2 = math.absf %u2 : f64
    %m2 = arith.maximumf %o2, %v2 : f64
    linalg.yield %m0, %m1, %m2 : f64, f64, f64
  } -> (tensor<f64>, tensor<f64>, tensor<f64>)
  %u0 = tensor.extract %errs#0[] : tensor<f64>
  %u1 = tensor.extract %errs#1[] : tensor<f64>
  %u2 = tensor.extract %errs#2[] : tensor<f64>
  return %u0, %u1, %u2 : f64, f64, f64
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

  // Measured: 0.62, 0.95 and 1.89 ulps. The bounds leave room for another
  // CPU's FMA contraction choices, and are far below what a wrong
  // polynomial (hundreds of ulps or more) would give.
  // CHECK: exp within 2 ulps: 1
  // CHECK: expm1 within 3 ulps: 1
  // CHECK: tanh within 4 ulps: 1
  %u:3 = func.call @approximation_ulps() : () -> (f64, f64, f64)
  %two = arith.constant 2.0 : f64
  %three = arith.constant 3.0 : f64
  %four = arith.constant 4.0 : f64
  %ok0 = arith.cmpf ole, %u#0, %two : f64
  %ok1 = arith.cmpf ole, %u#1, %three : f64
  %ok2 = arith.cmpf ole, %u#2, %four : f64
  vector.print str "exp within 2 ulps: "
  vector.print %ok0 : i1
  vector.print str "expm1 within 3 ulps: "
  vector.print %ok1 : i1
  vector.print str "tanh within 4 ulps: "
  vector.print %ok2 : i1
  return
}
