// RUN: fm-opt %s --fm-autodiff --split-input-file --verify-diagnostics

// expected-error @+1 {{fm-autodiff: cannot differentiate 'external': only single-block functions with a body are supported}}
func.func private @external(tensor<4xf32>) -> tensor<4xf32>

func.func @caller(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y, %dx = fm.vjp @external(%x) cotangents(%x)
      : (tensor<4xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %dx : tensor<4xf32>
}

// -----

// expected-error @+1 {{fm-autodiff: cannot differentiate 'branches': only single-block functions with a body are supported}}
func.func @branches(%x: f32) -> f32 {
  cf.br ^next(%x : f32)
^next(%y: f32):
  return %y : f32
}

func.func @caller(%x: f32) -> f32 {
  %y, %dx = fm.vjp @branches(%x) cotangents(%x) : (f32), (f32) -> (f32, f32)
  return %dx : f32
}

// -----

func.func private @opaque(tensor<4xf32>) -> tensor<4xf32>

/// A call on the path from the input to the result cannot be differentiated.
func.func @calls(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{fm-autodiff: cannot differentiate 'func.call' (in 'calls')}}
  %y = func.call @opaque(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @caller(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y, %dx = fm.vjp @calls(%x) cotangents(%x)
      : (tensor<4xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %dx : tensor<4xf32>
}

// -----

/// A scalar op without a derivative rule, inside a generic body.
func.func @atan(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    // expected-error @+1 {{fm-autodiff: cannot differentiate 'math.atan' (in 'atan')}}
    %r = math.atan %v : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @caller(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y, %dx = fm.vjp @atan(%x) cotangents(%x)
      : (tensor<4xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %dx : tensor<4xf32>
}

// -----

/// A min reduction is neither a sum nor a maximum.
func.func @min_reduction(%x: tensor<4xf32>) -> tensor<f32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<f32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<f32>) -> tensor<f32>
  // expected-error @+1 {{fm-autodiff: cannot differentiate 'linalg.generic' (in 'min_reduction'): result #0 is neither elementwise nor a sum or maximum over its reduction loops}}
  %m = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                       iterator_types = ["reduction"]}
      ins(%x : tensor<4xf32>) outs(%z : tensor<f32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.minimumf %o, %v : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  return %m : tensor<f32>
}

func.func @caller(%x: tensor<4xf32>, %ct: tensor<f32>) -> tensor<4xf32> {
  %y, %dx = fm.vjp @min_reduction(%x) cotangents(%ct)
      : (tensor<4xf32>), (tensor<f32>) -> (tensor<f32>, tensor<4xf32>)
  return %dx : tensor<4xf32>
}

// -----

/// A maximum must start from a constant (-inf): one that starts from a
/// differentiable value would need its adjoint too.
func.func @max_from_active(%x: tensor<4xf32>, %init: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{fm-autodiff: cannot differentiate 'linalg.generic' (in 'max_from_active'): result #0 is a maximum that starts from a differentiable value}}
  %m = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>],
                       iterator_types = ["reduction"]}
      ins(%x : tensor<4xf32>) outs(%init : tensor<f32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.maximumf %o, %v : f32
    linalg.yield %r : f32
  } -> tensor<f32>
  return %m : tensor<f32>
}

func.func @caller(%x: tensor<4xf32>, %init: tensor<f32>, %ct: tensor<f32>) -> (tensor<4xf32>, tensor<f32>) {
  %y, %dx, %di = fm.vjp @max_from_active(%x, %init) cotangents(%ct)
      : (tensor<4xf32>, tensor<f32>), (tensor<f32>) -> (tensor<f32>, tensor<4xf32>, tensor<f32>)
  return %dx, %di : tensor<4xf32>, tensor<f32>
}

// -----

/// A sliding window reads x through (i, k) -> (i + k).
func.func @window(%x: tensor<6xf32>) -> tensor<4xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %k = tensor.empty() : tensor<3xf32>
  // expected-error @+1 {{fm-autodiff: cannot differentiate 'linalg.generic' (in 'window'): an indexing map is not a projected permutation}}
  %y = linalg.generic {indexing_maps = [affine_map<(i, k) -> (i + k)>, affine_map<(i, k) -> (k)>,
                                        affine_map<(i, k) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x, %k : tensor<6xf32>, tensor<3xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%v: f32, %w: f32, %o: f32):
    %p = arith.mulf %v, %w : f32
    %r = arith.addf %o, %p : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @caller(%x: tensor<6xf32>, %ct: tensor<4xf32>) -> tensor<6xf32> {
  %y, %dx = fm.vjp @window(%x) cotangents(%ct)
      : (tensor<6xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<6xf32>)
  return %dx : tensor<6xf32>
}

// -----

/// The body reads the differentiated scalar %s from above.
func.func @captures(%x: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  // expected-error @+1 {{fm-autodiff: cannot differentiate 'linalg.generic' (in 'captures'): its body captures a differentiable value from outside}}
  %y = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.mulf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @caller(%x: tensor<4xf32>, %s: f32) -> (tensor<4xf32>, f32) {
  %y, %dx, %ds = fm.vjp @captures(%x, %s) cotangents(%x)
      : (tensor<4xf32>, f32), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, f32)
  return %dx, %ds : tensor<4xf32>, f32
}
