// RUN: fm-opt %s --linalg-generalize-named-ops --fm-gpu-linalg-to-cublas --canonicalize \
// RUN:   -split-input-file | FileCheck %s

/// fm-gpu-linalg-to-cublas: the product matching of fm-linalg-to-dnnl
/// (fm/Utils/ProductCalls.h, tested in full in test/Target/CPU), with
/// cuBLASLt's epilogues: bias, ReLU and tanh-GELU fuse, other activations
/// stay a generic of their own.

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// ReLU(x·Wᵀ + b): one call (flags: Bᵀ | bias = 6; activation ReLU = 1).
// CHECK-LABEL: func.func @dense_relu
// CHECK-SAME: (%[[X:.+]]: memref<256x64xf32>, %[[W:.+]]: memref<64x64xf32>, %[[B:.+]]: memref<64xf32>, %[[D:.+]]: memref<256x64xf32>)
// CHECK-NOT: memref.alloc()
// CHECK-DAG: %[[XC:.+]] = memref.cast %[[X]] : memref<256x64xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK-DAG: %[[WC:.+]] = memref.cast %[[W]]
// CHECK-DAG: %[[BC:.+]] = memref.cast %[[B]] : memref<64xf32> to memref<?xf32, strided<[?], offset: ?>>
// CHECK-DAG: %[[DC:.+]] = memref.cast %[[D]]
// CHECK-DAG: %[[FLAGS:.+]] = arith.constant 6 : i64
// CHECK-DAG: %[[RELU:.+]] = arith.constant 1 : i64
// CHECK: call @fmrt_cuda_matmul(%[[XC]], %[[WC]], %[[BC]], %[[DC]], %[[FLAGS]], %[[RELU]], %{{.+}})
// CHECK-NOT: linalg.
// CHECK: return
// CHECK: func.func private @fmrt_cuda_matmul(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64, f32) attributes {llvm.emit_c_interface}
func.func @dense_relu(%x: memref<256x64xf32>, %w: memref<64x64xf32>, %b: memref<64xf32>, %d: memref<256x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<256x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<256x64xf32>)
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<256x64xf32>, memref<64x64xf32>) outs(%c : memref<256x64xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c, %b : memref<256x64xf32>, memref<64xf32>) outs(%d : memref<256x64xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<256x64xf32>
  return
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// ELU(x·Wᵀ + b): cuBLASLt has no ELU epilogue, so the call writes the plain
// product into C (flags: Bᵀ = 2, activation none = 0) and the epilogue
// stays a generic.
// CHECK-LABEL: func.func @dense_elu
// CHECK-DAG: %[[FLAGS:.+]] = arith.constant 2 : i64
// CHECK-DAG: %[[NONE:.+]] = arith.constant 0 : i64
// CHECK: %[[C:.+]] = memref.alloc() : memref<256x64xf32>
// CHECK-NOT: linalg.fill
// CHECK: %[[CC:.+]] = memref.cast %[[C]] :
// CHECK: call @fmrt_cuda_matmul(%{{.+}}, %{{.+}}, %{{.+}}, %[[CC]], %[[FLAGS]], %[[NONE]], %{{.+}})
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[C]], %{{.+}} : memref<256x64xf32>, memref<64xf32>)
// CHECK: math.expm1
func.func @dense_elu(%x: memref<256x64xf32>, %w: memref<64x64xf32>, %b: memref<64xf32>, %d: memref<256x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %c = memref.alloc() : memref<256x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<256x64xf32>)
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<256x64xf32>, memref<64x64xf32>) outs(%c : memref<256x64xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c, %b : memref<256x64xf32>, memref<64xf32>) outs(%d : memref<256x64xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %pos = arith.cmpf ogt, %s, %zero : f32
    %em = math.expm1 %s : f32
    %r = arith.select %pos, %s, %em : f32
    linalg.yield %r : f32
  }
  memref.dealloc %c : memref<256x64xf32>
  return
}

// -----

#km = affine_map<(m, n, k) -> (k, m)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// A weight gradient Xᵀ·dY accumulated into G (no zero fill): flags Aᵀ |
// accumulate = 9.
// CHECK-LABEL: func.func @weight_gradient
// CHECK-DAG: %[[FLAGS:.+]] = arith.constant 9 : i64
// CHECK: call @fmrt_cuda_matmul(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[FLAGS]], %{{.+}}, %{{.+}})
// CHECK-NOT: linalg.
func.func @weight_gradient(%x: memref<256x3xf32>, %dy: memref<256x64xf32>, %g: memref<3x64xf32>) {
  linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %dy : memref<256x3xf32>, memref<256x64xf32>) outs(%g : memref<3x64xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}
