// fm.random_tokens and fm.mixture_sample lowered by --fm-cpu-pipeline and
// run.
//
// RUN: fm-opt %s --fm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

func.func private @printMemrefI64(tensor<*xi64>)

/// How many of the tokens equal each value in [0, V), V = the result's size.
func.func @histogram(%x: tensor<4096x2xi64>, %init: tensor<?xi64>) -> tensor<?xi64> {
  %h = linalg.generic {indexing_maps = [affine_map<(v, n, d) -> (n, d)>, affine_map<(v, n, d) -> (v)>],
                       iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : tensor<4096x2xi64>) outs(%init : tensor<?xi64>) {
  ^bb0(%t: i64, %o: i64):
    %v = linalg.index 0 : index
    %vi = arith.index_cast %v : index to i64
    %eq = arith.cmpi eq, %t, %vi : i64
    %one = arith.extui %eq : i1 to i64
    %r = arith.addi %o, %one : i64
    linalg.yield %r : i64
  } -> tensor<?xi64>
  return %h : tensor<?xi64>
}

/// 1 where every count of `h` is within [lo, hi], else 0, as a 1-element
/// tensor to print.
func.func @within(%h: tensor<?xi64>, %lo: i64, %hi: i64) -> tensor<*xi64> {
  %e = tensor.empty() : tensor<1xi64>
  %one = arith.constant 1 : i64
  %f = linalg.fill ins(%one : i64) outs(%e : tensor<1xi64>) -> tensor<1xi64>
  %r = linalg.generic {indexing_maps = [affine_map<(v) -> (v)>, affine_map<(v) -> (0)>],
                       iterator_types = ["reduction"]}
      ins(%h : tensor<?xi64>) outs(%f : tensor<1xi64>) {
  ^bb0(%c: i64, %o: i64):
    %above = arith.cmpi sge, %c, %lo : i64
    %below = arith.cmpi sle, %c, %hi : i64
    %ok = arith.andi %above, %below : i1
    %oki = arith.extui %ok : i1 to i64
    %r = arith.andi %o, %oki : i64
    linalg.yield %r : i64
  } -> tensor<1xi64>
  %u = tensor.cast %r : tensor<1xi64> to tensor<*xi64>
  return %u : tensor<*xi64>
}

func.func @main() {
  // The seed, offset and stream of test/Integration/random.mlir's first
  // draw, whose 24-bit uniforms are known answers: with a vocabulary of
  // 128, each token is the top 7 bits of the same word, those bits >> 17.
  %seed = arith.constant 1311768467463790320 : i64
  %offset = arith.constant 5 : i64
  %t128 = fm.random_tokens %seed, %offset stream 7 vocabulary 128 : tensor<2x4xi64>
  %p128 = tensor.cast %t128 : tensor<2x4xi64> to tensor<*xi64>
  call @printMemrefI64(%p128) : (tensor<*xi64>) -> ()
  // CHECK: sizes = [2, 4]
  // CHECK-NEXT: [38,   92,   92,   82]
  // CHECK-NEXT: [63,   65,   114,   12]

  // A vocabulary of 3 (not a power of two): 8192 tokens, every count
  // within 5 standard errors of 8192/3 (sqrt(8192·(1/3)·(2/3)) = 42.7).
  %c3 = arith.constant 3 : index
  %zero = arith.constant 0 : i64
  %e3 = tensor.empty(%c3) : tensor<?xi64>
  %z3 = linalg.fill ins(%zero : i64) outs(%e3 : tensor<?xi64>) -> tensor<?xi64>
  %t3 = fm.random_tokens %seed, %offset stream 1 vocabulary 3 : tensor<4096x2xi64>
  %h3 = call @histogram(%t3, %z3) : (tensor<4096x2xi64>, tensor<?xi64>) -> tensor<?xi64>
  %lo3 = arith.constant 2517 : i64
  %hi3 = arith.constant 2944 : i64
  %ok3 = call @within(%h3, %lo3, %hi3) : (tensor<?xi64>, i64, i64) -> tensor<*xi64>
  call @printMemrefI64(%ok3) : (tensor<*xi64>) -> ()
  // CHECK: [1]

  // The mixture of x0 = 0 and x1 = 1 with κ_t = t²: at t = 0 every token
  // is x0, at t = 1 every token is x1, and at t = 0.5 (κ = 1/4) a quarter
  // of the 8192 tokens are x1, within 5 standard errors (39.2).
  %c2 = arith.constant 2 : index
  %one = arith.constant 1 : i64
  %e = tensor.empty() : tensor<4096x2xi64>
  %x0 = linalg.fill ins(%zero : i64) outs(%e : tensor<4096x2xi64>) -> tensor<4096x2xi64>
  %x1 = linalg.fill ins(%one : i64) outs(%e : tensor<4096x2xi64>) -> tensor<4096x2xi64>
  %et = tensor.empty() : tensor<4096xf32>
  %f0 = arith.constant 0.0 : f32
  %f1 = arith.constant 1.0 : f32
  %fh = arith.constant 0.5 : f32
  %t0 = linalg.fill ins(%f0 : f32) outs(%et : tensor<4096xf32>) -> tensor<4096xf32>
  %t1 = linalg.fill ins(%f1 : f32) outs(%et : tensor<4096xf32>) -> tensor<4096xf32>
  %th = linalg.fill ins(%fh : f32) outs(%et : tensor<4096xf32>) -> tensor<4096xf32>
  %e2 = tensor.empty(%c2) : tensor<?xi64>
  %z2 = linalg.fill ins(%zero : i64) outs(%e2 : tensor<?xi64>) -> tensor<?xi64>
  %m0 = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %t0, %seed, %offset stream 2
      : tensor<4096x2xi64>, tensor<4096xf32>
  %m1 = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %t1, %seed, %offset stream 2
      : tensor<4096x2xi64>, tensor<4096xf32>
  %mh = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %th, %seed, %offset stream 2
      : tensor<4096x2xi64>, tensor<4096xf32>
  %h0 = call @histogram(%m0, %z2) : (tensor<4096x2xi64>, tensor<?xi64>) -> tensor<?xi64>
  %h1 = call @histogram(%m1, %z2) : (tensor<4096x2xi64>, tensor<?xi64>) -> tensor<?xi64>
  %p0 = tensor.cast %h0 : tensor<?xi64> to tensor<*xi64>
  %p1 = tensor.cast %h1 : tensor<?xi64> to tensor<*xi64>
  call @printMemrefI64(%p0) : (tensor<*xi64>) -> ()
  // CHECK: [8192,  0]
  call @printMemrefI64(%p1) : (tensor<*xi64>) -> ()
  // CHECK: [0,  8192]
  %hh = call @histogram(%mh, %z2) : (tensor<4096x2xi64>, tensor<?xi64>) -> tensor<?xi64>
  %i1 = arith.constant 1 : index
  %ones = tensor.extract_slice %hh[1] [1] [1] : tensor<?xi64> to tensor<1xi64>
  %onesd = tensor.cast %ones : tensor<1xi64> to tensor<?xi64>
  %loh = arith.constant 1852 : i64
  %hih = arith.constant 2244 : i64
  %okh = call @within(%onesd, %loh, %hih) : (tensor<?xi64>, i64, i64) -> tensor<*xi64>
  call @printMemrefI64(%okh) : (tensor<*xi64>) -> ()
  // CHECK: [1]
  return
}
