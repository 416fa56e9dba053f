// fm.likelihood, expanded by fm-expand-flow, against a closed form (f32).
//
// The network (Inputs/likelihood-flow.mlir) is the CondOT marginal velocity from N(0, I) to
// N(mu, s^2 I), mu = (1, -0.5) (its parameter), s = 0.5 (see
// likelihood-gaussian.mlir): affine in x, so log p1(x1) must be the
// Gaussian's log-density. @loglik (exact divergence, steps an input) is
// run with 10, 20 and 40 midpoint steps: the error (max over four points)
// falls at order 2 (observed 2.0 to 2.4 in f32, where rounding is ~1e-5)
// and is below 1e-3 at 40 steps. Its Jacobian is a multiple of I, so
// Hutchinson's estimate is exact for every probe: @loglik_h (hutchinson,
// steps(10), a seed) must equal @loglik at 10 steps to f32 rounding.
//
// The flow and its fm.likelihood ops are in Inputs/likelihood-flow.mlir:
// this file's @main calls the entry points they expand to, so it is
// appended to the expanded module's body.
//
// RUN: fm-opt %S/Inputs/likelihood-flow.mlir --fm-expand-flow \
// RUN: | sed -e '/^module {$/d' -e '/^}$/d' > %t.mlir
// RUN: cat %s >> %t.mlir
// RUN: fm-opt %t.mlir --fm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s


/// max over the points of |logp - log N(x1; mu, s^2 I)|.
func.func @error(%logp: tensor<4xf32>, %x1: tensor<4x2xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  // log N(x1; mu, s^2 I) = -|x1 - mu|^2 / (2 s^2) - log 2pi - 2 log s.
  %twos2 = arith.constant 0.5 : f32
  %c = arith.constant 0.45158270528945466 : f32
  %mu0 = arith.constant 1.0 : f32
  %mu1 = arith.constant -0.5 : f32
  %m = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %zero) -> (f32) {
    %l = tensor.extract %logp[%i] : tensor<4xf32>
    %b0 = tensor.extract %x1[%i, %c0] : tensor<4x2xf32>
    %b1 = tensor.extract %x1[%i, %c1] : tensor<4x2xf32>
    %d0 = arith.subf %b0, %mu0 : f32
    %d1 = arith.subf %b1, %mu1 : f32
    %r0 = arith.mulf %d0, %d0 : f32
    %r1 = arith.mulf %d1, %d1 : f32
    %r = arith.addf %r0, %r1 : f32
    %rs = arith.divf %r, %twos2 : f32
    %wn = arith.negf %rs : f32
    %want = arith.subf %wn, %c : f32
    %d = arith.subf %l, %want : f32
    %ad = math.absf %d : f32
    %next = arith.maximumf %acc, %ad : f32
    scf.yield %next : f32
  }
  return %m : f32
}

func.func @main() {
  %mu = arith.constant dense<[[1.0, -0.5]]> : tensor<1x2xf32>
  %x1 = arith.constant dense<[[1.0, -0.5], [1.3, -0.2], [0.2, 0.4], [2.0, -1.5]]> : tensor<4x2xf32>
  %c10 = arith.constant 10 : index
  %c20 = arith.constant 20 : index
  %c40 = arith.constant 40 : index
  %l10 = func.call @loglik(%mu, %x1, %c10) : (tensor<1x2xf32>, tensor<4x2xf32>, index) -> tensor<4xf32>
  %l20 = func.call @loglik(%mu, %x1, %c20) : (tensor<1x2xf32>, tensor<4x2xf32>, index) -> tensor<4xf32>
  %l40 = func.call @loglik(%mu, %x1, %c40) : (tensor<1x2xf32>, tensor<4x2xf32>, index) -> tensor<4xf32>
  %e10 = func.call @error(%l10, %x1) : (tensor<4xf32>, tensor<4x2xf32>) -> f32
  %e20 = func.call @error(%l20, %x1) : (tensor<4xf32>, tensor<4x2xf32>) -> f32
  %e40 = func.call @error(%l40, %x1) : (tensor<4xf32>, tensor<4x2xf32>) -> f32
  vector.print str "fm.likelihood exact midpoint errors at 10, 20, 40 steps: "
  vector.print %e10 : f32
  vector.print %e20 : f32
  vector.print %e40 : f32
  %r = arith.divf %e10, %e20 : f32
  %lr = math.log2 %r : f32
  vector.print str "observed order from 10 to 20 steps: "
  vector.print %lr : f32
  %lo = arith.constant 1.7 : f32
  %hi = arith.constant 2.5 : f32
  %ok1 = arith.cmpf oge, %lr, %lo : f32
  %ok2 = arith.cmpf ole, %lr, %hi : f32
  %ok = arith.andi %ok1, %ok2 : i1
  vector.print str "fm.likelihood converges at order 2: "
  vector.print %ok : i1
  // CHECK: fm.likelihood converges at order 2: 1
  %tol = arith.constant 1.0e-3 : f32
  %ok40 = arith.cmpf ole, %e40, %tol : f32
  vector.print str "fm.likelihood at 40 steps within 1e-3: "
  vector.print %ok40 : i1
  // CHECK: fm.likelihood at 40 steps within 1e-3: 1
  %seed = arith.constant 7 : i64
  %lh = func.call @loglik_h(%mu, %x1, %seed) : (tensor<1x2xf32>, tensor<4x2xf32>, i64) -> tensor<4xf32>
  %eh = func.call @error(%lh, %x1) : (tensor<4xf32>, tensor<4x2xf32>) -> f32
  %dh = arith.subf %eh, %e10 : f32
  %adh = math.absf %dh : f32
  vector.print str "hutchinson's error and its difference from exact's at 10 steps: "
  vector.print %eh : f32
  vector.print %adh : f32
  %tolh = arith.constant 1.0e-5 : f32
  %okh = arith.cmpf ole, %adh, %tolh : f32
  vector.print str "fm.likelihood hutchinson equals exact on an isotropic Jacobian: "
  vector.print %okh : i1
  // CHECK: fm.likelihood hutchinson equals exact on an isotropic Jacobian: 1
  return
}
