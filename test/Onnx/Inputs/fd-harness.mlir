// The loss and finite differences of test/Onnx/gradients.test, for the
// network @net(x: 4x3, w: 3x5) -> 4x39 that fm-import-onnx writes from
// Inputs/every-op.onnxtxt (concatenated in front of this file).

#id = affine_map<(i, j) -> (i, j)>
#all = affine_map<(i, j) -> ()>

/// sum(y²) of the network's output.
func.func @loss(%x: tensor<4x3xf64>, %w: tensor<3x5xf64>) -> f64 {
  %y = func.call @net(%x, %w) : (tensor<4x3xf64>, tensor<3x5xf64>) -> tensor<4x39xf64>
  %c0 = arith.constant 0.0 : f64
  %acc = tensor.empty() : tensor<f64>
  %z = linalg.fill ins(%c0 : f64) outs(%acc : tensor<f64>) -> tensor<f64>
  %s = linalg.generic {indexing_maps = [#id, #all], iterator_types = ["reduction", "reduction"]}
      ins(%y : tensor<4x39xf64>) outs(%z : tensor<f64>) {
  ^bb0(%v: f64, %o: f64):
    %sq = arith.mulf %v, %v : f64
    %r = arith.addf %o, %sq : f64
    linalg.yield %r : f64
  } -> tensor<f64>
  %l = tensor.extract %s[] : tensor<f64>
  return %l : f64
}

/// max over the elements of t (x when `which` is 0, else w) of
/// |central difference − gradient| / (1 + |gradient|), step 1e-6.
func.func @fd(%x: tensor<4x3xf64>, %w: tensor<3x5xf64>, %gx: tensor<4x3xf64>,
              %gw: tensor<3x5xf64>, %which: index) -> f64 {
  %h = arith.constant 1.0e-6 : f64
  %two_h = arith.constant 2.0e-6 : f64
  %one = arith.constant 1.0 : f64
  %zero = arith.constant 0.0 : f64
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %isx = arith.cmpi eq, %which, %c0 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c5 = arith.constant 5 : index
  %rows = arith.select %isx, %c4, %c3 : index
  %cols = arith.select %isx, %c3, %c5 : index
  %m0 = scf.for %i = %c0 to %rows step %c1 iter_args(%a0 = %zero) -> (f64) {
    %m1 = scf.for %j = %c0 to %cols step %c1 iter_args(%a1 = %a0) -> (f64) {
      %r:2 = scf.if %isx -> (f64, f64) {
        %v = tensor.extract %x[%i, %j] : tensor<4x3xf64>
        %vp = arith.addf %v, %h : f64
        %vm = arith.subf %v, %h : f64
        %tp = tensor.insert %vp into %x[%i, %j] : tensor<4x3xf64>
        %tm = tensor.insert %vm into %x[%i, %j] : tensor<4x3xf64>
        %lp = func.call @loss(%tp, %w) : (tensor<4x3xf64>, tensor<3x5xf64>) -> f64
        %lm = func.call @loss(%tm, %w) : (tensor<4x3xf64>, tensor<3x5xf64>) -> f64
        %d = arith.subf %lp, %lm : f64
        %g = tensor.extract %gx[%i, %j] : tensor<4x3xf64>
        scf.yield %d, %g : f64, f64
      } else {
        %v = tensor.extract %w[%i, %j] : tensor<3x5xf64>
        %vp = arith.addf %v, %h : f64
        %vm = arith.subf %v, %h : f64
        %tp = tensor.insert %vp into %w[%i, %j] : tensor<3x5xf64>
        %tm = tensor.insert %vm into %w[%i, %j] : tensor<3x5xf64>
        %lp = func.call @loss(%x, %tp) : (tensor<4x3xf64>, tensor<3x5xf64>) -> f64
        %lm = func.call @loss(%x, %tm) : (tensor<4x3xf64>, tensor<3x5xf64>) -> f64
        %d = arith.subf %lp, %lm : f64
        %g = tensor.extract %gw[%i, %j] : tensor<3x5xf64>
        scf.yield %d, %g : f64, f64
      }
      %fd = arith.divf %r#0, %two_h : f64
      %diff = arith.subf %fd, %r#1 : f64
      %ad = math.absf %diff : f64
      %ag = math.absf %r#1 : f64
      %den = arith.addf %one, %ag : f64
      %rel = arith.divf %ad, %den : f64
      %mx = arith.maximumf %a1, %rel : f64
      scf.yield %mx : f64
    }
    scf.yield %m1 : f64
  }
  return %m0 : f64
}

func.func @main() {
  %x = arith.constant dense<[[0.39, -0.64, -0.97], [1.09, 0.2, -0.69],
                             [-1.37, 1.04, 0.01], [1.2, -1.59, 0.9]]> : tensor<4x3xf64>
  %w = arith.constant dense<[[0.12, 0.53, -0.55, 0.14, -0.3],
                             [0.57, -0.2, -0.32, -0.6, 0.41],
                             [-0.27, -0.59, 0.46, 0.01, 0.77]]> : tensor<3x5xf64>
  %one = arith.constant 1.0 : f64
  %l, %dx, %dw = fm.vjp @loss(%x, %w) cotangents(%one)
      : (tensor<4x3xf64>, tensor<3x5xf64>), (f64) -> (f64, tensor<4x3xf64>, tensor<3x5xf64>)
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %ex = func.call @fd(%x, %w, %dx, %dw, %c0)
      : (tensor<4x3xf64>, tensor<3x5xf64>, tensor<4x3xf64>, tensor<3x5xf64>, index) -> f64
  %ew = func.call @fd(%x, %w, %dx, %dw, %c1)
      : (tensor<4x3xf64>, tensor<3x5xf64>, tensor<4x3xf64>, tensor<3x5xf64>, index) -> f64
  vector.print str "loss: "
  vector.print %l : f64
  vector.print str "max error dx, dw: "
  vector.print %ex : f64
  vector.print %ew : f64
  // Central differences in f64 with step h = 1e-6: truncation h²/6 times
  // third derivatives of order 1 (~1e-13), rounding eps·|L|/h with the
  // loss L ≈ 180 (~4e-8). 1e-6 relative to 1 + |gradient| leaves a wide
  // margin, while a wrong rule is off by O(1e-2) or more.
  %tol = arith.constant 1.0e-6 : f64
  %okx = arith.cmpf ole, %ex, %tol : f64
  %okw = arith.cmpf ole, %ew, %tol : f64
  vector.print str "dx ok: "
  vector.print %okx : i1
  vector.print str "dw ok: "
  vector.print %okw : i1
  return
}
