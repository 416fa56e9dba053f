// fm.random_categorical and fm.mixture_euler_step lowered by
// --fm-cpu-pipeline and run on 4096 x 2 tokens, against the step's
// probabilities (REFERENCE.md "MixtureDiscreteEulerSolver step"). Every
// count must be within 5 binomial standard errors of n·p (bounds computed
// in double precision; n = 8192).
//
// With κ_t = t² at t = 1/2: κ = 1/4, κ̇ = 1, the rate toward X1 is
// r = κ̇/(1 − κ) = 4/3 and the divergence-free factor for c = 1 is
// c·κ̇/(κ(1 − κ)) = 16/3.
//
// RUN: fm-opt %s --fm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

func.func private @printMemrefI64(tensor<*xi64>)

/// How many of the tokens equal each value in [0, 4).
func.func @histogram(%x: tensor<4096x2xi64>) -> tensor<4xi64> {
  %zero = arith.constant 0 : i64
  %e = tensor.empty() : tensor<4xi64>
  %z = linalg.fill ins(%zero : i64) outs(%e : tensor<4xi64>) -> tensor<4xi64>
  %h = linalg.generic {indexing_maps = [affine_map<(v, n, d) -> (n, d)>, affine_map<(v, n, d) -> (v)>],
                       iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x : tensor<4096x2xi64>) outs(%z : tensor<4xi64>) {
  ^bb0(%t: i64, %o: i64):
    %v = linalg.index 0 : index
    %vi = arith.index_cast %v : index to i64
    %eq = arith.cmpi eq, %t, %vi : i64
    %one = arith.extui %eq : i1 to i64
    %r = arith.addi %o, %one : i64
    linalg.yield %r : i64
  } -> tensor<4xi64>
  return %h : tensor<4xi64>
}

/// 1 where lo[v] <= h[v] <= hi[v] for every v.
func.func @within(%h: tensor<4xi64>, %lo: tensor<4xi64>, %hi: tensor<4xi64>) -> tensor<*xi64> {
  %one = arith.constant 1 : i64
  %e = tensor.empty() : tensor<1xi64>
  %f = linalg.fill ins(%one : i64) outs(%e : tensor<1xi64>) -> tensor<1xi64>
  %r = linalg.generic {indexing_maps = [affine_map<(v) -> (v)>, affine_map<(v) -> (v)>, affine_map<(v) -> (v)>,
                                        affine_map<(v) -> (0)>], iterator_types = ["reduction"]}
      ins(%h, %lo, %hi : tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) outs(%f : tensor<1xi64>) {
  ^bb0(%c: i64, %l: i64, %u: i64, %o: i64):
    %above = arith.cmpi sge, %c, %l : i64
    %below = arith.cmpi sle, %c, %u : i64
    %ok = arith.andi %above, %below : i1
    %oki = arith.extui %ok : i1 to i64
    %r = arith.andi %o, %oki : i64
    linalg.yield %r : i64
  } -> tensor<1xi64>
  %u = tensor.cast %r : tensor<1xi64> to tensor<*xi64>
  return %u : tensor<*xi64>
}

/// A constant row of weights for every token.
func.func @rows(%w: tensor<4xf32>) -> tensor<4096x2x4xf32> {
  %e = tensor.empty() : tensor<4096x2x4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(n, d, v) -> (v)>, affine_map<(n, d, v) -> (n, d, v)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%w : tensor<4xf32>) outs(%e : tensor<4096x2x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  } -> tensor<4096x2x4xf32>
  return %r : tensor<4096x2x4xf32>
}

func.func @main() {
  %seed = arith.constant 42 : i64
  %offset = arith.constant 11 : i64

  // Categorical of the unnormalized weights [1, 1, 2, 0]: a quarter, a
  // quarter, a half and never the last.
  %w = arith.constant dense<[1.0, 1.0, 2.0, 0.0]> : tensor<4xf32>
  %p = call @rows(%w) : (tensor<4xf32>) -> tensor<4096x2x4xf32>
  %c = fm.random_categorical %p, %seed, %offset stream 3
      : tensor<4096x2x4xf32> -> tensor<4096x2xi64>
  %hc = call @histogram(%c) : (tensor<4096x2xi64>) -> tensor<4xi64>
  %loc = arith.constant dense<[1852, 1852, 3870, 0]> : tensor<4xi64>
  %hic = arith.constant dense<[2244, 2244, 4322, 0]> : tensor<4xi64>
  %okc = call @within(%hc, %loc, %hic) : (tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) -> tensor<*xi64>
  call @printMemrefI64(%okc) : (tensor<*xi64>) -> ()
  // CHECK: [1]

  // The Euler step from x_t = 0 with p all on 2.
  %zero = arith.constant 0 : i64
  %ex = tensor.empty() : tensor<4096x2xi64>
  %xt = linalg.fill ins(%zero : i64) outs(%ex : tensor<4096x2xi64>) -> tensor<4096x2xi64>
  %onehot = arith.constant dense<[0.0, 0.0, 1.0, 0.0]> : tensor<4xf32>
  %p2 = call @rows(%onehot) : (tensor<4xf32>) -> tensor<4096x2x4xf32>
  %half = arith.constant 0.5 : f32
  %et = tensor.empty() : tensor<4096xf32>
  %t = linalg.fill ins(%half : f32) outs(%et : tensor<4096xf32>) -> tensor<4096xf32>
  %c0 = arith.constant 0.0 : f32
  %c1 = arith.constant 1.0 : f32

  // No divergence-free term, h·λ = ln 2 (h = 0.75·ln 2): half the tokens
  // jump, all of them to X1 = 2.
  %hln2 = arith.constant 0.51986038541995886 : f32
  %a = fm.mixture_euler_step #fm.poly<2.0> source(uniform) %xt, %p2, %t, %hln2, %c0, %seed, %offset stream 4
      : tensor<4096x2xi64>, tensor<4096x2x4xf32>, tensor<4096xf32>
  %ha = call @histogram(%a) : (tensor<4096x2xi64>) -> tensor<4xi64>
  %loa = arith.constant dense<[3870, 0, 3870, 0]> : tensor<4xi64>
  %hia = arith.constant dense<[4322, 0, 4322, 0]> : tensor<4xi64>
  %oka = call @within(%ha, %loa, %hia) : (tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) -> tensor<*xi64>
  call @printMemrefI64(%oka) : (tensor<*xi64>) -> ()
  // CHECK: [1]

  // c = 1, uniform source, h = 0.1: u = [0 (x_t), 1, 2 + 5/3, 1], λ = 17/3.
  %h = arith.constant 0.1 : f32
  %b = fm.mixture_euler_step #fm.poly<2.0> source(uniform) %xt, %p2, %t, %h, %c1, %seed, %offset stream 5
      : tensor<4096x2xi64>, tensor<4096x2x4xf32>, tensor<4096xf32>
  %hb = call @histogram(%b) : (tensor<4096x2xi64>) -> tensor<4xi64>
  %lob = arith.constant dense<[4424, 505, 2090, 505]> : tensor<4xi64>
  %hib = arith.constant dense<[4872, 746, 2496, 746]> : tensor<4xi64>
  %okb = call @within(%hb, %lob, %hib) : (tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) -> tensor<*xi64>
  call @printMemrefI64(%okb) : (tensor<*xi64>) -> ()
  // CHECK: [1]

  // c = 1, mask source (token 3): u = [0, 0, 4/3 + 4/3, 4], λ = 20/3.
  %m = fm.mixture_euler_step #fm.poly<2.0> source(mask) %xt, %p2, %t, %h, %c1, %seed, %offset stream 6
      : tensor<4096x2xi64>, tensor<4096x2x4xf32>, tensor<4096xf32>
  %hm = call @histogram(%m) : (tensor<4096x2xi64>) -> tensor<4xi64>
  %lom = arith.constant dense<[3980, 0, 1415, 2186]> : tensor<4xi64>
  %him = arith.constant dense<[4432, 0, 1774, 2597]> : tensor<4xi64>
  %okm = call @within(%hm, %lom, %him) : (tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) -> tensor<*xi64>
  call @printMemrefI64(%okm) : (tensor<*xi64>) -> ()
  // CHECK: [1]

  // A token already at X1 never moves without the divergence-free term.
  %two = arith.constant 2 : i64
  %at = linalg.fill ins(%two : i64) outs(%ex : tensor<4096x2xi64>) -> tensor<4096x2xi64>
  %s = fm.mixture_euler_step #fm.poly<2.0> source(uniform) %at, %p2, %t, %h, %c0, %seed, %offset stream 7
      : tensor<4096x2xi64>, tensor<4096x2x4xf32>, tensor<4096xf32>
  %hs = call @histogram(%s) : (tensor<4096x2xi64>) -> tensor<4xi64>
  %hsu = tensor.cast %hs : tensor<4xi64> to tensor<*xi64>
  call @printMemrefI64(%hsu) : (tensor<*xi64>) -> ()
  // CHECK: [0,  0,  8192,  0]
  return
}
