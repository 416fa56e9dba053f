// The forward-mode check of test/Onnx/gradients.test: fm.jvp of the
// imported @net(x: 4x3, w: 3x5) -> 4x39 (Inputs/every-op.onnxtxt) along
// one direction (ẋ, ẇ), against the central difference
// (net(x + hẋ, w + hẇ) − net(x − hẋ, w − hẇ)) / 2h, element by element.

#id = affine_map<(i, j) -> (i, j)>
#all = affine_map<(i, j) -> ()>

/// max over elements of |a − b| / (1 + |b|).
func.func @maxrel(%a: tensor<4x39xf64>, %b: tensor<4x39xf64>) -> f64 {
  %c0 = arith.constant 0.0 : f64
  %acc = tensor.empty() : tensor<f64>
  %z = linalg.fill ins(%c0 : f64) outs(%acc : tensor<f64>) -> tensor<f64>
  %m = linalg.generic {indexing_maps = [#id, #id, #all], iterator_types = ["reduction", "reduction"]}
      ins(%a, %b : tensor<4x39xf64>, tensor<4x39xf64>) outs(%z : tensor<f64>) {
  ^bb0(%u: f64, %v: f64, %o: f64):
    %one = arith.constant 1.0 : f64
    %d = arith.subf %u, %v : f64
    %ad = math.absf %d : f64
    %av = math.absf %v : f64
    %den = arith.addf %one, %av : f64
    %r = arith.divf %ad, %den : f64
    %mx = arith.maximumf %o, %r : f64
    linalg.yield %mx : f64
  } -> tensor<f64>
  %r = tensor.extract %m[] : tensor<f64>
  return %r : f64
}

/// a + s·b, elementwise.
func.func @axpy3(%a: tensor<4x3xf64>, %b: tensor<4x3xf64>, %s: f64) -> tensor<4x3xf64> {
  %e = tensor.empty() : tensor<4x3xf64>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<4x3xf64>, tensor<4x3xf64>) outs(%e : tensor<4x3xf64>) {
  ^bb0(%u: f64, %v: f64, %o: f64):
    %p = arith.mulf %s, %v : f64
    %q = arith.addf %u, %p : f64
    linalg.yield %q : f64
  } -> tensor<4x3xf64>
  return %r : tensor<4x3xf64>
}
func.func @axpy5(%a: tensor<3x5xf64>, %b: tensor<3x5xf64>, %s: f64) -> tensor<3x5xf64> {
  %e = tensor.empty() : tensor<3x5xf64>
  %r = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<3x5xf64>, tensor<3x5xf64>) outs(%e : tensor<3x5xf64>) {
  ^bb0(%u: f64, %v: f64, %o: f64):
    %p = arith.mulf %s, %v : f64
    %q = arith.addf %u, %p : f64
    linalg.yield %q : f64
  } -> tensor<3x5xf64>
  return %r : tensor<3x5xf64>
}

func.func @main() {
  %x = arith.constant dense<[[0.39, -0.64, -0.97], [1.09, 0.2, -0.69],
                             [-1.37, 1.04, 0.01], [1.2, -1.59, 0.9]]> : tensor<4x3xf64>
  %w = arith.constant dense<[[0.12, 0.53, -0.55, 0.14, -0.3],
                             [0.57, -0.2, -0.32, -0.6, 0.41],
                             [-0.27, -0.59, 0.46, 0.01, 0.77]]> : tensor<3x5xf64>
  %dx = arith.constant dense<[[0.3, -0.1, 0.7], [-0.5, 0.2, 0.4],
                              [0.9, -0.8, 0.1], [-0.2, 0.6, -0.3]]> : tensor<4x3xf64>
  %dw = arith.constant dense<[[-0.4, 0.2, 0.1, 0.5, -0.6],
                              [0.3, 0.7, -0.2, 0.1, 0.2],
                              [0.6, -0.3, 0.4, -0.5, 0.1]]> : tensor<3x5xf64>
  %y, %dy = fm.jvp @net(%x, %w) tangents(%dx, %dw)
      : (tensor<4x3xf64>, tensor<3x5xf64>), (tensor<4x3xf64>, tensor<3x5xf64>)
      -> (tensor<4x39xf64>, tensor<4x39xf64>)
  %h = arith.constant 1.0e-6 : f64
  %mh = arith.constant -1.0e-6 : f64
  %xp = func.call @axpy3(%x, %dx, %h) : (tensor<4x3xf64>, tensor<4x3xf64>, f64) -> tensor<4x3xf64>
  %xm = func.call @axpy3(%x, %dx, %mh) : (tensor<4x3xf64>, tensor<4x3xf64>, f64) -> tensor<4x3xf64>
  %wp = func.call @axpy5(%w, %dw, %h) : (tensor<3x5xf64>, tensor<3x5xf64>, f64) -> tensor<3x5xf64>
  %wm = func.call @axpy5(%w, %dw, %mh) : (tensor<3x5xf64>, tensor<3x5xf64>, f64) -> tensor<3x5xf64>
  %yp = func.call @net(%xp, %wp) : (tensor<4x3xf64>, tensor<3x5xf64>) -> tensor<4x39xf64>
  %ym = func.call @net(%xm, %wm) : (tensor<4x3xf64>, tensor<3x5xf64>) -> tensor<4x39xf64>
  %e = tensor.empty() : tensor<4x39xf64>
  %fd = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%yp, %ym : tensor<4x39xf64>, tensor<4x39xf64>) outs(%e : tensor<4x39xf64>) {
  ^bb0(%u: f64, %v: f64, %o: f64):
    %two_h = arith.constant 2.0e-6 : f64
    %d = arith.subf %u, %v : f64
    %q = arith.divf %d, %two_h : f64
    linalg.yield %q : f64
  } -> tensor<4x39xf64>
  %err = func.call @maxrel(%dy, %fd) : (tensor<4x39xf64>, tensor<4x39xf64>) -> f64
  vector.print str "max error of the tangent: "
  vector.print %err : f64
  // The outputs are O(1), so central differences with h = 1e-6 are good to
  // ~1e-10 (truncation ~1e-13, rounding eps/h ~1e-10); 1e-6 relative to
  // 1 + |tangent| is a wide margin below any wrong rule.
  %tol = arith.constant 1.0e-6 : f64
  %ok = arith.cmpf ole, %err, %tol : f64
  vector.print str "tangent ok: "
  vector.print %ok : i1
  return
}
