// RUN: fm-opt %s --fm-autodiff --split-input-file --verify-diagnostics

// expected-error @+1 {{fm-autodiff: cannot differentiate 'branches': only single-block functions with a body are supported}}
func.func @branches(%x: f32) -> f32 {
  cf.br ^next(%x : f32)
^next(%y: f32):
  return %y : f32
}

func.func @caller(%x: f32) -> f32 {
  %y, %dy = fm.jvp @branches(%x) tangents(%x) : (f32), (f32) -> (f32, f32)
  return %dy : f32
}

// -----

func.func private @opaque(tensor<4xf32>) -> tensor<4xf32>

/// A call on the path from a seeded input to the result cannot be
/// differentiated.
func.func @calls(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{fm-autodiff: cannot differentiate 'func.call' (in 'calls')}}
  %y = func.call @opaque(%x) : (tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @caller(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y, %dy = fm.jvp @calls(%x) tangents(%x)
      : (tensor<4xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %dy : tensor<4xf32>
}

// -----

/// A scalar op without a derivative rule, outside a generic.
func.func @atan_scalar(%x: f32) -> f32 {
  // expected-error @+1 {{fm-autodiff: cannot differentiate 'math.atan' (in 'atan_scalar')}}
  %y = math.atan %x : f32
  return %y : f32
}

func.func @caller(%x: f32) -> f32 {
  %y, %dy = fm.jvp @atan_scalar(%x) tangents(%x) : (f32), (f32) -> (f32, f32)
  return %dy : f32
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
  %y, %dy = fm.jvp @atan(%x) tangents(%x)
      : (tensor<4xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %dy : tensor<4xf32>
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

func.func @caller(%x: tensor<4xf32>) -> tensor<f32> {
  %y, %dy = fm.jvp @min_reduction(%x) tangents(%x)
      : (tensor<4xf32>), (tensor<4xf32>) -> (tensor<f32>, tensor<f32>)
  return %dy : tensor<f32>
}

// -----

/// A maximum must start from a constant (-inf), not a seeded value.
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

func.func @caller(%x: tensor<4xf32>, %init: tensor<f32>) -> tensor<f32> {
  %y, %dy = fm.jvp @max_from_active(%x, %init) tangents(%x, %init)
      : (tensor<4xf32>, tensor<f32>), (tensor<4xf32>, tensor<f32>) -> (tensor<f32>, tensor<f32>)
  return %dy : tensor<f32>
}

// -----

/// The body reads elements of the seeded tensor %t from above.
func.func @captures_tensor(%x: tensor<4xf32>, %t: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  // expected-error @+1 {{fm-autodiff: cannot differentiate 'linalg.generic' (in 'captures_tensor'): its body captures a differentiable tensor from outside}}
  %y = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %i = linalg.index 0 : index
    %w = tensor.extract %t[%i] : tensor<4xf32>
    %r = arith.mulf %v, %w : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @caller(%x: tensor<4xf32>, %t: tensor<4xf32>) -> tensor<4xf32> {
  %y, %dy = fm.jvp @captures_tensor(%x, %t) tangents(%x, %t)
      : (tensor<4xf32>, tensor<4xf32>), (tensor<4xf32>, tensor<4xf32>)
      -> (tensor<4xf32>, tensor<4xf32>)
  return %dy : tensor<4xf32>
}

// -----

/// A generic on buffers that reads the seeded scalar %s.
func.func @buffers(%s: f32) -> f32 {
  %m = memref.alloc() : memref<4xf32>
  // expected-error @+1 {{fm-autodiff: cannot differentiate 'linalg.generic' (in 'buffers'): it does not work on tensors}}
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      outs(%m : memref<4xf32>) {
  ^bb0(%o: f32):
    %r = arith.mulf %o, %s : f32
    linalg.yield %r : f32
  }
  return %s : f32
}

func.func @caller(%s: f32) -> f32 {
  %y, %dy = fm.jvp @buffers(%s) tangents(%s) : (f32), (f32) -> (f32, f32)
  return %dy : f32
}

// -----

/// Expanding the fm.jvp would need the JVP of the function that holds it.
func.func @selfish(%x: f32) -> f32 {
  // expected-error @+1 {{fm-autodiff: cannot differentiate 'selfish': its derivative depends on itself, through an fm.vjp or fm.jvp in it or in a function it calls}}
  %y, %dy = fm.jvp @selfish(%x) tangents(%x) : (f32), (f32) -> (f32, f32)
  return %dy : f32
}

// -----

/// The same through a call and the reverse mode: @outer calls @inner, whose
/// fm.vjp differentiates @outer.
func.func @inner(%x: f32) -> f32 {
  // expected-error @+1 {{fm-autodiff: cannot differentiate 'outer': its derivative depends on itself, through an fm.vjp or fm.jvp in it or in a function it calls}}
  %y, %g = fm.vjp @outer(%x) cotangents(%x) : (f32), (f32) -> (f32, f32)
  return %g : f32
}

func.func @outer(%x: f32) -> f32 {
  %y = func.call @inner(%x) : (f32) -> f32
  return %y : f32
}

func.func @caller(%x: f32) -> f32 {
  %y, %dy = fm.jvp @inner(%x) tangents(%x) : (f32), (f32) -> (f32, f32)
  return %dy : f32
}
