// fm.random_uniform / fm.random_normal lowered by --fm-cpu-pipeline and run.
//
// The expected words come from an independent Python implementation of
// Philox4x32-10 that reproduces Random123's published known-answer vectors
// (e.g. counter 0, key 0 → 6627e8d5 e169c58d bc57ac4c 9b00dbd8).
//
// RUN: fm-opt %s --fm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

func.func private @printMemrefI32(tensor<*xi32>)

/// The 24 random bits behind each uniform: u · 2^24, exactly.
func.func @bits(%u: tensor<?x?xf32>) -> tensor<?x?xi32> {
  %scale = arith.constant 16777216.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %d0 = tensor.dim %u, %c0 : tensor<?x?xf32>
  %d1 = tensor.dim %u, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%d0, %d1) : tensor<?x?xi32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%u : tensor<?x?xf32>) outs(%e : tensor<?x?xi32>) {
  ^bb0(%v: f32, %o: i32):
    %s = arith.mulf %v, %scale : f32
    %i = arith.fptoui %s : f32 to i32
    linalg.yield %i : i32
  } -> tensor<?x?xi32>
  return %r : tensor<?x?xi32>
}

/// mean and mean of squares of a 256x256 sample.
func.func @moments(%x: tensor<256x256xf32>) -> (f32, f32) {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<2xf32>) -> tensor<2xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(i, j, k) -> (i, j)>, affine_map<(i, j, k) -> (k)>],
                       iterator_types = ["reduction", "reduction", "parallel"]}
      ins(%x : tensor<256x256xf32>) outs(%z : tensor<2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %k = linalg.index 2 : index
    %c0i = arith.constant 0 : index
    %first = arith.cmpi eq, %k, %c0i : index
    %sq = arith.mulf %v, %v : f32
    %term = arith.select %first, %v, %sq : f32
    %r = arith.addf %o, %term : f32
    linalg.yield %r : f32
  } -> tensor<2xf32>
  %i0 = arith.constant 0 : index
  %i1 = arith.constant 1 : index
  %sum = tensor.extract %s[%i0] : tensor<2xf32>
  %sumsq = tensor.extract %s[%i1] : tensor<2xf32>
  %n = arith.constant 65536.0 : f32
  %mean = arith.divf %sum, %n : f32
  %meansq = arith.divf %sumsq, %n : f32
  return %mean, %meansq : f32, f32
}

func.func @main() {
  // seed 0x123456789ABCDEF0, counter blocks 5 and 6, stream 7.
  %seed = arith.constant 1311768467463790320 : i64
  %offset = arith.constant 5 : i64
  %u = fm.random_uniform %seed, %offset stream 7 : tensor<2x4xf32>
  %ud = tensor.cast %u : tensor<2x4xf32> to tensor<?x?xf32>
  %ub = call @bits(%ud) : (tensor<?x?xf32>) -> tensor<?x?xi32>
  %ubu = tensor.cast %ub : tensor<?x?xi32> to tensor<*xi32>
  call @printMemrefI32(%ubu) : (tensor<*xi32>) -> ()
  // CHECK: sizes = [2, 4]
  // CHECK-NEXT: [5082227,   12072908,   12097028,   10761540]
  // CHECK-NEXT: [8287183,   8573095,   15071128,   1593107]

  // Counter 0, key 0: Random123's first known-answer vector, shifted by 8.
  // A partial block uses its first words.
  %zero = arith.constant 0 : i64
  %v = fm.random_uniform %zero, %zero stream 0 : tensor<1x3xf32>
  %vd = tensor.cast %v : tensor<1x3xf32> to tensor<?x?xf32>
  %vb = call @bits(%vd) : (tensor<?x?xf32>) -> tensor<?x?xi32>
  %vbu = tensor.cast %vb : tensor<?x?xi32> to tensor<*xi32>
  call @printMemrefI32(%vbu) : (tensor<*xi32>) -> ()
  // CHECK: sizes = [1, 3]
  // CHECK-NEXT: [6694888,   14772677,   12343212]

  // Box–Muller on the same block, against the double-precision formula:
  // 0.9911374751, -0.9246627804, -0.6176090550, -0.4820683473. float32
  // log/sqrt/cos/sin are within a few ulps (~1e-7 relative): 1e-5 is safe.
  %g = fm.random_normal %zero, %zero stream 0 : tensor<4xf32>
  %want = arith.constant dense<[0.9911374751, -0.9246627804, -0.6176090550, -0.4820683473]> : tensor<4xf32>
  %c0 = arith.constant 0.0 : f32
  %acc = tensor.empty() : tensor<f32>
  %accz = linalg.fill ins(%c0 : f32) outs(%acc : tensor<f32>) -> tensor<f32>
  %err = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                         iterator_types = ["reduction"]}
      ins(%g, %want : tensor<4xf32>, tensor<4xf32>) outs(%accz : tensor<f32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %ad = math.absf %d : f32
    %m = arith.maximumf %o, %ad : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  %e = tensor.extract %err[] : tensor<f32>
  %tol = arith.constant 1.0e-5 : f32
  %ok = arith.cmpf ole, %e, %tol : f32
  vector.print str "box-muller ok: "
  vector.print %ok : i1
  // CHECK: box-muller ok: 1

  // Moments of 65536 draws. Standard errors: uniform mean 0.289/256 =
  // 0.0011, uniform E[u²] 0.298/256 = 0.0012, normal mean 1/256 = 0.0039,
  // normal E[z²] sqrt(2)/256 = 0.0055. Bounds are 5 standard errors.
  %s1 = arith.constant 42 : i64
  %big_u = fm.random_uniform %s1, %zero stream 0 : tensor<256x256xf32>
  %um, %usq = call @moments(%big_u) : (tensor<256x256xf32>) -> (f32, f32)
  %big_n = fm.random_normal %s1, %zero stream 1 : tensor<256x256xf32>
  %nm, %nsq = call @moments(%big_n) : (tensor<256x256xf32>) -> (f32, f32)
  vector.print str "uniform mean, E[u^2]; normal mean, E[z^2]: "
  vector.print %um : f32
  vector.print %usq : f32
  vector.print %nm : f32
  vector.print %nsq : f32
  %half = arith.constant 0.5 : f32
  %third = arith.constant 0.33333333 : f32
  %one = arith.constant 1.0 : f32
  %d_um = arith.subf %um, %half : f32
  %d_usq = arith.subf %usq, %third : f32
  %d_nsq = arith.subf %nsq, %one : f32
  %a_um = math.absf %d_um : f32
  %a_usq = math.absf %d_usq : f32
  %a_nm = math.absf %nm : f32
  %a_nsq = math.absf %d_nsq : f32
  %t_um = arith.constant 0.0055 : f32
  %t_usq = arith.constant 0.006 : f32
  %t_nm = arith.constant 0.0195 : f32
  %t_nsq = arith.constant 0.0276 : f32
  %ok1 = arith.cmpf ole, %a_um, %t_um : f32
  %ok2 = arith.cmpf ole, %a_usq, %t_usq : f32
  %ok3 = arith.cmpf ole, %a_nm, %t_nm : f32
  %ok4 = arith.cmpf ole, %a_nsq, %t_nsq : f32
  %ok12 = arith.andi %ok1, %ok2 : i1
  %ok34 = arith.andi %ok3, %ok4 : i1
  %okm = arith.andi %ok12, %ok34 : i1
  vector.print str "moments ok: "
  vector.print %okm : i1
  // CHECK: moments ok: 1

  // Logit-normal times are sigmoid(mean + std·z) of the normals drawn for
  // the same seed, offset and stream (float32 exp/div: 1e-6 is a few ulps).
  %ln = fm.random_logit_normal %s1, %zero stream 1 {mean = 0.3, std = 1.5} : tensor<256x256xf32>
  %e2 = tensor.empty() : tensor<256x256xf32>
  %sig = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                         iterator_types = ["parallel", "parallel"]}
      ins(%big_n : tensor<256x256xf32>) outs(%e2 : tensor<256x256xf32>) {
  ^bb0(%z: f32, %o: f32):
    %sd = arith.constant 1.5 : f32
    %mu = arith.constant 0.3 : f32
    %one_ = arith.constant 1.0 : f32
    %a = arith.mulf %sd, %z : f32
    %b = arith.addf %a, %mu : f32
    %nb = arith.negf %b : f32
    %ex = math.exp %nb : f32
    %den = arith.addf %one_, %ex : f32
    %r = arith.divf %one_, %den : f32
    linalg.yield %r : f32
  } -> tensor<256x256xf32>
  %acc2 = tensor.empty() : tensor<f32>
  %acc2z = linalg.fill ins(%c0 : f32) outs(%acc2 : tensor<f32>) -> tensor<f32>
  %lnerr = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>,
                                            affine_map<(i, j) -> ()>],
                           iterator_types = ["reduction", "reduction"]}
      ins(%ln, %sig : tensor<256x256xf32>, tensor<256x256xf32>) outs(%acc2z : tensor<f32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %d = arith.subf %a, %b : f32
    %ad = math.absf %d : f32
    %m = arith.maximumf %o, %ad : f32
    linalg.yield %m : f32
  } -> tensor<f32>
  %lne = tensor.extract %lnerr[] : tensor<f32>
  %lntol = arith.constant 1.0e-6 : f32
  %lnok = arith.cmpf ole, %lne, %lntol : f32
  vector.print str "logit-normal is sigmoid(mean + std z): "
  vector.print %lnok : i1
  // CHECK: logit-normal is sigmoid(mean + std z): 1
  return
}
