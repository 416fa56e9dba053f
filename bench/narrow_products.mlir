// The moons step's five narrow products (a dimension of 2 or 3; weights
// stored [out, in] as examples/moons.mlir stores them), 20,000 calls each;
// prints microseconds per call in the order fwd_in, fwd_out, dw_in,
// dx_out, dw_out. Each call includes its result's allocation and zero fill.
// Run it through either backend's pipeline:
//
//   build/bin/fm-opt bench/narrow_products.mlir --fm-cpu-pipeline \
//     | taskset -c 0 mlir-runner-22 -e main -entry-point-result=void -O3 \
//         -shared-libs=/usr/lib/llvm-22/lib/libmlir_runner_utils.so,/usr/lib/llvm-22/lib/libmlir_c_runner_utils.so
//
// and with --fm-dnnl-pipeline, adding build/lib/libFMDnnlRunner.so to
// -shared-libs.

func.func private @rtclock() -> f64
func.func private @printF64(f64)
func.func private @printNewline()
func.func @fwd_in(%a: tensor<256x3xf32>, %b: tensor<64x3xf32>) -> tensor<256x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<256x64xf32>) -> tensor<256x64xf32>
  %r = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<256x3xf32>, tensor<64x3xf32>)
      outs(%f : tensor<256x64xf32>) -> tensor<256x64xf32>
  return %r : tensor<256x64xf32>
}
func.func @fwd_out(%a: tensor<256x64xf32>, %b: tensor<2x64xf32>) -> tensor<256x2xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x2xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<256x2xf32>) -> tensor<256x2xf32>
  %r = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<256x64xf32>, tensor<2x64xf32>)
      outs(%f : tensor<256x2xf32>) -> tensor<256x2xf32>
  return %r : tensor<256x2xf32>
}
func.func @dw_in(%a: tensor<256x64xf32>, %b: tensor<256x3xf32>) -> tensor<64x3xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x3xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<64x3xf32>) -> tensor<64x3xf32>
  %r = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (k, m)>,
                       affine_map<(m, n, k) -> (k, n)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<256x64xf32>, tensor<256x3xf32>)
      outs(%f : tensor<64x3xf32>) -> tensor<64x3xf32>
  return %r : tensor<64x3xf32>
}
func.func @dx_out(%a: tensor<256x2xf32>, %b: tensor<2x64xf32>) -> tensor<256x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<256x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<256x64xf32>) -> tensor<256x64xf32>
  %r = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                       affine_map<(m, n, k) -> (k, n)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<256x2xf32>, tensor<2x64xf32>)
      outs(%f : tensor<256x64xf32>) -> tensor<256x64xf32>
  return %r : tensor<256x64xf32>
}
func.func @dw_out(%a: tensor<256x2xf32>, %b: tensor<256x64xf32>) -> tensor<2x64xf32> {
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x64xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<2x64xf32>) -> tensor<2x64xf32>
  %r = linalg.matmul
      indexing_maps = [affine_map<(m, n, k) -> (k, m)>,
                       affine_map<(m, n, k) -> (k, n)>,
                       affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<256x2xf32>, tensor<256x64xf32>)
      outs(%f : tensor<2x64xf32>) -> tensor<2x64xf32>
  return %r : tensor<2x64xf32>
}
func.func @main() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = arith.constant 20000 : index
  %v = arith.constant 0.5 : f32
  %ns = arith.constant 20000.0 : f64
  %us = arith.constant 1.0e6 : f64
  %a0 = tensor.splat %v : tensor<256x3xf32>
  %b0 = tensor.splat %v : tensor<64x3xf32>
  %s0 = func.call @rtclock() : () -> f64
  scf.for %i = %c0 to %n step %c1 {
    %r = func.call @fwd_in(%a0, %b0) : (tensor<256x3xf32>, tensor<64x3xf32>) -> tensor<256x64xf32>
  }
  %e0 = func.call @rtclock() : () -> f64
  %d0 = arith.subf %e0, %s0 : f64
  %q0 = arith.divf %d0, %ns : f64
  %u0 = arith.mulf %q0, %us : f64
  func.call @printF64(%u0) : (f64) -> ()
  func.call @printNewline() : () -> ()
  %a1 = tensor.splat %v : tensor<256x64xf32>
  %b1 = tensor.splat %v : tensor<2x64xf32>
  %s1 = func.call @rtclock() : () -> f64
  scf.for %i = %c0 to %n step %c1 {
    %r = func.call @fwd_out(%a1, %b1) : (tensor<256x64xf32>, tensor<2x64xf32>) -> tensor<256x2xf32>
  }
  %e1 = func.call @rtclock() : () -> f64
  %d1 = arith.subf %e1, %s1 : f64
  %q1 = arith.divf %d1, %ns : f64
  %u1 = arith.mulf %q1, %us : f64
  func.call @printF64(%u1) : (f64) -> ()
  func.call @printNewline() : () -> ()
  %a2 = tensor.splat %v : tensor<256x64xf32>
  %b2 = tensor.splat %v : tensor<256x3xf32>
  %s2 = func.call @rtclock() : () -> f64
  scf.for %i = %c0 to %n step %c1 {
    %r = func.call @dw_in(%a2, %b2) : (tensor<256x64xf32>, tensor<256x3xf32>) -> tensor<64x3xf32>
  }
  %e2 = func.call @rtclock() : () -> f64
  %d2 = arith.subf %e2, %s2 : f64
  %q2 = arith.divf %d2, %ns : f64
  %u2 = arith.mulf %q2, %us : f64
  func.call @printF64(%u2) : (f64) -> ()
  func.call @printNewline() : () -> ()
  %a3 = tensor.splat %v : tensor<256x2xf32>
  %b3 = tensor.splat %v : tensor<2x64xf32>
  %s3 = func.call @rtclock() : () -> f64
  scf.for %i = %c0 to %n step %c1 {
    %r = func.call @dx_out(%a3, %b3) : (tensor<256x2xf32>, tensor<2x64xf32>) -> tensor<256x64xf32>
  }
  %e3 = func.call @rtclock() : () -> f64
  %d3 = arith.subf %e3, %s3 : f64
  %q3 = arith.divf %d3, %ns : f64
  %u3 = arith.mulf %q3, %us : f64
  func.call @printF64(%u3) : (f64) -> ()
  func.call @printNewline() : () -> ()
  %a4 = tensor.splat %v : tensor<256x2xf32>
  %b4 = tensor.splat %v : tensor<256x64xf32>
  %s4 = func.call @rtclock() : () -> f64
  scf.for %i = %c0 to %n step %c1 {
    %r = func.call @dw_out(%a4, %b4) : (tensor<256x2xf32>, tensor<256x64xf32>) -> tensor<2x64xf32>
  }
  %e4 = func.call @rtclock() : () -> f64
  %d4 = arith.subf %e4, %s4 : f64
  %q4 = arith.divf %d4, %ns : f64
  %u4 = arith.mulf %q4, %us : f64
  func.call @printF64(%u4) : (f64) -> ()
  func.call @printNewline() : () -> ()
  return
}
