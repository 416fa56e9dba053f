// RUN: fm-opt %s --fm-cpu-approximate-math | FileCheck %s
// RUN: fm-opt %s --fm-cpu-approximate-math=functions=tanh | FileCheck %s --check-prefix=TANH

// exp, expm1 and tanh become arith polynomials. expm1 is its Taylor
// polynomial for |x| < 1/2 and exp(x) − 1 elsewhere, with that exp
// approximated too.
// CHECK-LABEL: func.func @elu
// CHECK-NOT:     math.expm1
// CHECK-NOT:     math.exp
// CHECK:         %[[ABS:.*]] = math.absf %{{.*}} : f32
// CHECK:         %[[SMALL:.*]] = arith.cmpf olt, %[[ABS]], %{{.*}} : f32
// CHECK:         arith.select %[[SMALL]]
// CHECK:         arith.select
// TANH-LABEL: func.func @elu
// TANH:         math.expm1
func.func @elu(%x: f32) -> f32 {
  %zero = arith.constant 0.0 : f32
  %pos = arith.cmpf ogt, %x, %zero : f32
  %em = math.expm1 %x : f32
  %r = arith.select %pos, %x, %em : f32
  return %r : f32
}

// Vectors too.
// CHECK-LABEL: func.func @vector_tanh
// CHECK-NOT:     math.tanh
// TANH-LABEL: func.func @vector_tanh
// TANH-NOT:     math.tanh
func.func @vector_tanh(%x: vector<8xf32>) -> vector<8xf32> {
  %y = math.tanh %x : vector<8xf32>
  return %y : vector<8xf32>
}

// erf, which has no LLVM intrinsic, by default; not when only tanh is
// selected.
// CHECK-LABEL: func.func @erf
// CHECK-NOT:     math.erf
// TANH-LABEL: func.func @erf
// TANH:         math.erf
func.func @erf(%x: f32) -> f32 {
  %y = math.erf %x : f32
  return %y : f32
}

// A logarithm that is not part of a selected function (Box–Muller in the
// normal draws) keeps libm, and so does f64.
// CHECK-LABEL: func.func @kept
// CHECK:         math.log %{{.*}} : f32
// CHECK:         math.exp %{{.*}} : f64
func.func @kept(%u: f32, %d: f64) -> (f32, f64) {
  %l = math.log %u : f32
  %e = math.exp %d : f64
  return %l, %e : f32, f64
}
