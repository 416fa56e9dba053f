// RUN: fm-opt %s --split-input-file --verify-diagnostics

//===----------------------------------------------------------------------===//
// fm.jvp (fm.vjp is in invalid.mlir)
//===----------------------------------------------------------------------===//

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @jvp_tangent_count(%x: f32) {
  // expected-error @+1 {{'fm.jvp' op expects one tangent per input, got 1 inputs and 2 tangents}}
  %y, %dy = fm.jvp @f(%x) tangents(%x, %x) : (f32), (f32, f32) -> (f32, f32)
  return
}

// -----

func.func @g(%x: vector<4xf32>) -> f32 {
  %c = arith.constant 0.0 : f32
  return %c : f32
}

func.func @jvp_vector_input(%x: vector<4xf32>) {
  // expected-error @+1 {{'fm.jvp' op input #0 of type 'vector<4xf32>' is not supported (expected a float, an integer, an index or a ranked tensor of them)}}
  %y, %dy = fm.jvp @g(%x) tangents(%x) : (vector<4xf32>), (vector<4xf32>) -> (f32, f32)
  return
}

// -----

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> { return %x : tensor<4xf32> }

func.func @jvp_tangent_type(%x: tensor<4xf32>, %dx: tensor<4xf64>) {
  // expected-error @+1 {{'fm.jvp' op tangent #0 has type 'tensor<4xf64>' but its input has type 'tensor<4xf32>'}}
  %y, %dy = fm.jvp @f(%x) tangents(%dx)
      : (tensor<4xf32>), (tensor<4xf64>) -> (tensor<4xf32>, tensor<4xf32>)
  return
}

// -----

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @jvp_odd_results(%x: f32) {
  // expected-error @+1 {{'fm.jvp' op expects as many result tangents as results, got 3 results in all}}
  %y, %dy, %z = fm.jvp @f(%x) tangents(%x) : (f32), (f32) -> (f32, f32, f32)
  return
}

// -----

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @jvp_result_tangent_type(%x: f32) {
  // expected-error @+1 {{'fm.jvp' op tangent of result #0 has type 'f64' but the result has type 'f32'}}
  %y, %dy = fm.jvp @f(%x) tangents(%x) : (f32), (f32) -> (f32, f64)
  return
}

// -----

func.func @jvp_no_callee(%x: f32) {
  // expected-error @+1 {{'fm.jvp' op 'missing' does not reference a func.func}}
  %y, %dy = fm.jvp @missing(%x) tangents(%x) : (f32), (f32) -> (f32, f32)
  return
}

// -----

func.func private @declared(f32) -> f32

func.func @jvp_declaration(%x: f32) {
  // expected-error @+1 {{'fm.jvp' op callee 'declared' is a declaration; it needs a body}}
  %y, %dy = fm.jvp @declared(%x) tangents(%x) : (f32), (f32) -> (f32, f32)
  return
}

// -----

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @jvp_input_count(%x: f32) {
  // expected-error @+1 {{'fm.jvp' op callee takes 1 inputs but 2 were given}}
  %y, %dy = fm.jvp @f(%x, %x) tangents(%x, %x) : (f32, f32), (f32, f32) -> (f32, f32)
  return
}

// -----

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @jvp_result_count(%x: f32) {
  // expected-error @+1 {{'fm.jvp' op expects 2 results (the callee's results, then one tangent per result), got 4}}
  %y, %z, %dy, %dz = fm.jvp @f(%x) tangents(%x) : (f32), (f32) -> (f32, f32, f32, f32)
  return
}

// -----

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @jvp_input_type(%x: f64) {
  // expected-error @+1 {{'fm.jvp' op input #0 has type 'f64' but the callee expects 'f32'}}
  %y, %dy = fm.jvp @f(%x) tangents(%x) : (f64), (f64) -> (f32, f32)
  return
}

// -----

func.func @f(%x: f32) -> f32 { return %x : f32 }

func.func @jvp_result_type(%x: f32) {
  // expected-error @+1 {{'fm.jvp' op result #0 has type 'f64' but callee result #0 has type 'f32'}}
  %y, %dy = fm.jvp @f(%x) tangents(%x) : (f32), (f32) -> (f64, f64)
  return
}

// -----

func.func @h(%x: f32) -> memref<4xf32> {
  %m = memref.alloc() : memref<4xf32>
  return %m : memref<4xf32>
}

func.func @jvp_memref_result(%x: f32) {
  // expected-error @+1 {{'fm.jvp' op result #0 of type 'memref<4xf32>' is not supported (expected a float, an integer, an index or a ranked tensor of them)}}
  %y, %dy = fm.jvp @h(%x) tangents(%x) : (f32), (f32) -> (memref<4xf32>, memref<4xf32>)
  return
}

// -----

//===----------------------------------------------------------------------===//
// fm.stop_gradient
//===----------------------------------------------------------------------===//

func.func @stop_gradient_integer(%n: i32) {
  // expected-error @+1 {{'fm.stop_gradient' op operand #0 must be floating-point or ranked tensor of floating-point values, but got 'i32'}}
  %m = fm.stop_gradient %n : i32
  return
}

// -----

func.func @stop_gradient_types(%x: tensor<4xf32>) {
  // expected-error @+1 {{'fm.stop_gradient' op requires the same type for all operands and results}}
  %y = "fm.stop_gradient"(%x) : (tensor<4xf32>) -> tensor<4xf64>
  return
}
