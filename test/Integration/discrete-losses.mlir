// fm.softmax, fm.log_softmax, fm.generalized_kl_loss and
// fm.cross_entropy_loss lowered by --fm-cpu-pipeline and run, with the
// gradient of the generalized KL (fm.vjp through the lowered loss) against
// closed forms.
//
// The logits [0, ln 2, ln 5] have softmax p = [1/8, 1/4, 5/8]. With κ_t =
// t² at t = 1/2, κ = 1/4 and κ̇ = 1, so the rate κ̇/(1 − κ) is r = 4/3.
//   row 0, x1 = 2, x_t = 0 (a transfer): ℓ = −r·(p₀ + log p₂)
//          = 0.46000483899431...; ∂ℓ/∂logit_v = −r·[p₀(δ_v0 − p_v) +
//          (δ_v2 − p_v)] = [1/48, 3/8, −19/48]
//   row 1, x1 = x_t = 1 (kept): ℓ = −r·(p₁ − 1) = 1;
//          ∂ℓ/∂logit_v = −r·p₁(δ_v1 − p_v) = [1/24, −1/4, 5/24]
// The loss is the mean of the two, and its gradient half of each row's.
// Cross-entropy against x1 = [2, 1]: mean(−log 5/8, −log 1/4).
// In f64, every result must be within 1e-12 of these (a few ulps of the
// exp/log chain); the f32 softmax within 1e-6.
//
// RUN: fm-opt %s --fm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

/// The loss of the two rows above as a function of the logits (fm.vjp
/// differentiates float inputs only: the tokens are constants here).
func.func @kl(%logits: tensor<2x1x3xf64>, %t: tensor<2xf64>) -> f64 {
  %x1 = arith.constant dense<[[2], [1]]> : tensor<2x1xi64>
  %xt = arith.constant dense<[[0], [1]]> : tensor<2x1xi64>
  %l = fm.generalized_kl_loss #fm.poly<2.0> %logits, %x1, %xt, %t
      : tensor<2x1x3xf64>, tensor<2x1xi64>, tensor<2xf64> -> f64
  return %l : f64
}

/// The same loss with the tokens as inputs: fm.vjp passes integers through,
/// and their gradients are zeros.
func.func @kl_tokens(%logits: tensor<2x1x3xf64>, %x1: tensor<2x1xi64>, %xt: tensor<2x1xi64>,
                     %t: tensor<2xf64>) -> f64 {
  %l = fm.generalized_kl_loss #fm.poly<2.0> %logits, %x1, %xt, %t
      : tensor<2x1x3xf64>, tensor<2x1xi64>, tensor<2xf64> -> f64
  return %l : f64
}

/// max |got − want| over a tensor.
func.func @max_error(%got: tensor<6xf64>, %want: tensor<6xf64>) -> f64 {
  %zero = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<f64>
  %z = linalg.fill ins(%zero : f64) outs(%e : tensor<f64>) -> tensor<f64>
  %m = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                       iterator_types = ["reduction"]}
      ins(%got, %want : tensor<6xf64>, tensor<6xf64>) outs(%z : tensor<f64>) {
  ^bb0(%a: f64, %b: f64, %o: f64):
    %d = arith.subf %a, %b : f64
    %ad = math.absf %d : f64
    %mx = arith.maximumf %o, %ad : f64
    linalg.yield %mx : f64
  } -> tensor<f64>
  %v = tensor.extract %m[] : tensor<f64>
  return %v : f64
}

func.func @main() {
  %logits = arith.constant dense<[[[0.0, 0.69314718055994531, 1.6094379124341003]],
                                  [[0.0, 0.69314718055994531, 1.6094379124341003]]]> : tensor<2x1x3xf64>
  %x1 = arith.constant dense<[[2], [1]]> : tensor<2x1xi64>
  %t = arith.constant dense<[0.5, 0.5]> : tensor<2xf64>
  %tol = arith.constant 1.0e-12 : f64

  %one = arith.constant 1.0 : f64
  %l, %g, %gtime = fm.vjp @kl(%logits, %t) cotangents(%one)
      : (tensor<2x1x3xf64>, tensor<2xf64>), (f64) -> (f64, tensor<2x1x3xf64>, tensor<2xf64>)
  %want = arith.constant 0.73000241949715705 : f64
  %dl = arith.subf %l, %want : f64
  %adl = math.absf %dl : f64
  %okl = arith.cmpf olt, %adl, %tol : f64
  vector.print str "generalized KL: "
  vector.print %l : f64
  vector.print str "generalized KL ok: "
  vector.print %okl : i1
  // CHECK: generalized KL ok: 1

  %gflat = tensor.collapse_shape %g [[0, 1, 2]] : tensor<2x1x3xf64> into tensor<6xf64>
  // Half of [1/48, 3/8, −19/48] and of [1/24, −1/4, 5/24].
  %gwant = arith.constant dense<[0.010416666666666667, 0.1875, -0.19791666666666667,
                                 0.020833333333333333, -0.125, 0.10416666666666667]> : tensor<6xf64>
  %ge = call @max_error(%gflat, %gwant) : (tensor<6xf64>, tensor<6xf64>) -> f64
  %okg = arith.cmpf olt, %ge, %tol : f64
  vector.print str "gradient error: "
  vector.print %ge : f64
  vector.print str "gradient ok: "
  vector.print %okg : i1
  // CHECK: gradient ok: 1

  %xt = arith.constant dense<[[0], [1]]> : tensor<2x1xi64>
  %l2, %g2, %gx1, %gxt, %gt2 = fm.vjp @kl_tokens(%logits, %x1, %xt, %t) cotangents(%one)
      : (tensor<2x1x3xf64>, tensor<2x1xi64>, tensor<2x1xi64>, tensor<2xf64>), (f64)
      -> (f64, tensor<2x1x3xf64>, tensor<2x1xi64>, tensor<2x1xi64>, tensor<2xf64>)
  %g2flat = tensor.collapse_shape %g2 [[0, 1, 2]] : tensor<2x1x3xf64> into tensor<6xf64>
  %ge2 = call @max_error(%g2flat, %gwant) : (tensor<6xf64>, tensor<6xf64>) -> f64
  %okg2 = arith.cmpf olt, %ge2, %tol : f64
  vector.print str "gradient with token inputs ok: "
  vector.print %okg2 : i1
  // CHECK: gradient with token inputs ok: 1
  %gx1u = tensor.cast %gx1 : tensor<2x1xi64> to tensor<*xi64>
  call @printMemrefI64(%gx1u) : (tensor<*xi64>) -> ()
  // CHECK: {{\[}}[0],
  // CHECK-NEXT: [0]]

  %ce = fm.cross_entropy_loss %logits, %x1 : tensor<2x1x3xf64>, tensor<2x1xi64> -> f64
  %cewant = arith.constant 0.92814899518281310 : f64
  %dce = arith.subf %ce, %cewant : f64
  %adce = math.absf %dce : f64
  %okce = arith.cmpf olt, %adce, %tol : f64
  vector.print str "cross-entropy ok: "
  vector.print %okce : i1
  // CHECK: cross-entropy ok: 1

  // Softmax and log-softmax in f32.
  %lf = arith.constant dense<[[0.0, 0.693147182, 1.60943794]]> : tensor<1x3xf32>
  %p = fm.softmax %lf : tensor<1x3xf32>
  %lp = fm.log_softmax %lf : tensor<1x3xf32>
  %pu = tensor.cast %p : tensor<1x3xf32> to tensor<*xf32>
  %lpu = tensor.cast %lp : tensor<1x3xf32> to tensor<*xf32>
  call @printMemrefF32(%pu) : (tensor<*xf32>) -> ()
  // CHECK: [0.125,   0.25,   0.625]
  call @printMemrefF32(%lpu) : (tensor<*xf32>) -> ()
  // CHECK: [-2.07944,   -1.38629,   -0.470004]
  return
}

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @printMemrefI64(tensor<*xi64>)
