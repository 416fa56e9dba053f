// RUN: fm-opt %s --fm-gpu-kernels-pipeline=format=isa | FileCheck %s

/// fm-gpu-kernels-pipeline, compile only (no GPU is needed): a bufferized
/// layer epilogue becomes one kernel, built to PTX for sm_90 with a block of
/// 64 × 4 threads, and host code in the LLVM dialect that launches it on a
/// stream (gpu.launch_func, which LLVM translation turns into calls of the
/// mgpu* runtime functions).

// CHECK: llvm.func @bias_relu(
// CHECK: gpu.launch_func <%{{.+}} : !llvm.ptr> @bias_relu_kernel::@bias_relu_kernel blocks in (%{{.+}}, %{{.+}}, %{{.+}}) threads in (%{{.+}}, %{{.+}}, %{{.+}}) : i64
// CHECK: gpu.binary @bias_relu_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_90", features = "+ptx80">
// CHECK-SAME: assembly = "
// CHECK-SAME: .target sm_90
// CHECK-SAME: .visible .entry bias_relu_kernel(
// CHECK-SAME: .maxntid 64, 4, 1
// CHECK-SAME: max.NaN.f32

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
func.func @bias_relu(%x: memref<?x64xf32>, %b: memref<64xf32>, %y: memref<?x64xf32>) {
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : memref<?x64xf32>, memref<64xf32>) outs(%y : memref<?x64xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %zero = arith.constant 0.0 : f32
    %s = arith.addf %v, %c : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return
}
