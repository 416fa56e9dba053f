// fm.adam_update (Adam, Adam with L2 weight decay, AdamW) and fm.mse_loss
// lowered by --fm-cpu-pipeline and run, against closed forms.
//
// Expected values: two steps of torch.optim.Adam's update rule evaluated in
// double precision (lr 1e-2, betas 0.9/0.999, eps 1e-8, weight decay 0.1),
// from p = [0.5, -1, 2] with gradients [0.1, -0.2, 0.3] then [-0.05, 0.4, 0].
//
// RUN: fm-opt %s --fm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

/// max |got - want| / |want| (every expected value here is non-zero).
func.func @rel_error(%got: tensor<3xf32>, %want: tensor<3xf32>) -> f32 {
  %zero = arith.constant 0.0 : f32
  %acc = tensor.empty() : tensor<f32>
  %z = linalg.fill ins(%zero : f32) outs(%acc : tensor<f32>) -> tensor<f32>
  %m = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                       iterator_types = ["reduction"]}
      ins(%got, %want : tensor<3xf32>, tensor<3xf32>) outs(%z : tensor<f32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %ad = math.absf %d : f32
    %ab = math.absf %b : f32
    %r = arith.divf %ad, %ab : f32
    %mx = arith.maximumf %o, %r : f32
    linalg.yield %mx : f32
  } -> tensor<f32>
  %v = tensor.extract %m[] : tensor<f32>
  return %v : f32
}

func.func @check(%p: tensor<3xf32>, %m: tensor<3xf32>, %v: tensor<3xf32>,
                 %wp: tensor<3xf32>, %wm: tensor<3xf32>, %wv: tensor<3xf32>) -> i1 {
  %ep = call @rel_error(%p, %wp) : (tensor<3xf32>, tensor<3xf32>) -> f32
  %em = call @rel_error(%m, %wm) : (tensor<3xf32>, tensor<3xf32>) -> f32
  %ev = call @rel_error(%v, %wv) : (tensor<3xf32>, tensor<3xf32>) -> f32
  %e1 = arith.maximumf %ep, %em : f32
  %e = arith.maximumf %e1, %ev : f32
  vector.print str "max relative error: "
  vector.print %e : f32
  // float32 rounding of ~15 operations per element: ~1e-6 relative at
  // most. A missing bias correction or a wrong beta moves p by >1e-4.
  %tol = arith.constant 1.0e-5 : f32
  %ok = arith.cmpf ole, %e, %tol : f32
  return %ok : i1
}

func.func @main() {
  %p = arith.constant dense<[0.5, -1.0, 2.0]> : tensor<3xf32>
  %g1 = arith.constant dense<[0.1, -0.2, 0.3]> : tensor<3xf32>
  %g2 = arith.constant dense<[-0.05, 0.4, 0.0]> : tensor<3xf32>
  %zeros = arith.constant dense<0.0> : tensor<3xf32>
  %s1 = arith.constant 1 : i64
  %s2 = arith.constant 2 : i64

  %a1, %am1, %av1 = fm.adam_update %p, %g1, %zeros, %zeros, %s1 {lr = 1.0e-2} : tensor<3xf32>
  %a2, %am2, %av2 = fm.adam_update %a1, %g2, %am1, %av1, %s2 {lr = 1.0e-2} : tensor<3xf32>
  %wa = arith.constant dense<[4.873366309e-01, -9.936610357e-01, 1.983299418e+00]> : tensor<3xf32>
  %wam = arith.constant dense<[4.000000000e-03, 2.200000000e-02, 2.700000000e-02]> : tensor<3xf32>
  %wav = arith.constant dense<[1.249000000e-05, 1.999600000e-04, 8.991000000e-05]> : tensor<3xf32>
  %oka = call @check(%a2, %am2, %av2, %wa, %wam, %wav)
      : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> i1
  vector.print str "adam ok: "
  vector.print %oka : i1
  // CHECK: adam ok: 1

  %l1, %lm1, %lv1 = fm.adam_update %p, %g1, %zeros, %zeros, %s1 {lr = 1.0e-2, weight_decay = 0.1} : tensor<3xf32>
  %l2, %lm2, %lv2 = fm.adam_update %l1, %g2, %lm1, %lv1, %s2 {lr = 1.0e-2, weight_decay = 0.1} : tensor<3xf32>
  %wl = arith.constant dense<[4.833492006e-01, -9.905429538e-01, 1.981021889e+00]> : tensor<3xf32>
  %wlm = arith.constant dense<[1.340000001e-02, 3.099999997e-03, 6.490000000e-02]> : tensor<3xf32>
  %wlv = arith.constant dense<[2.247850000e-05, 1.805110000e-04, 2.893510000e-04]> : tensor<3xf32>
  %okl = call @check(%l2, %lm2, %lv2, %wl, %wlm, %wlv)
      : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> i1
  vector.print str "adam with L2 weight decay ok: "
  vector.print %okl : i1
  // CHECK: adam with L2 weight decay ok: 1

  %w1, %wm1, %wv1 = fm.adam_update %p, %g1, %zeros, %zeros, %s1 {lr = 1.0e-2, weight_decay = 0.1, decoupled} : tensor<3xf32>
  %w2, %wm2, %wv2 = fm.adam_update %w1, %g2, %wm1, %wv1, %s2 {lr = 1.0e-2, weight_decay = 0.1, decoupled} : tensor<3xf32>
  %ww = arith.constant dense<[4.863471309e-01, -9.916720357e-01, 1.979311418e+00]> : tensor<3xf32>
  %okw = call @check(%w2, %wm2, %wv2, %ww, %wam, %wav)
      : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> i1
  vector.print str "adamw ok: "
  vector.print %okw : i1
  // CHECK: adamw ok: 1

  // mean of (0.5², 0.5², 1², 1²) = 0.625 exactly.
  %pred = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %target = arith.constant dense<[[0.5, 2.5], [2.0, 5.0]]> : tensor<2x2xf32>
  %loss = fm.mse_loss %pred, %target : tensor<2x2xf32> -> f32
  vector.print str "mse: "
  vector.print %loss : f32
  // CHECK: mse: 0.625
  return
}
