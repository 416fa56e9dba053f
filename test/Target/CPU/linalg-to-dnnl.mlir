// Named ops (fills, the batched product) as generics, as the pipeline
// presents them.
// RUN: fm-opt %s --linalg-generalize-named-ops --fm-linalg-to-dnnl --canonicalize \
// RUN:   -split-input-file | FileCheck %s

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#km = affine_map<(m, n, k) -> (k, m)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// A forward layer: zero fill, x·Wᵀ, then D = ELU(C + b). One call writes D
// (flags: Bᵀ | bias = 6; activation ELU = 2); C and its fill disappear.
// CHECK-LABEL: func.func @dense_elu
// CHECK-SAME: (%[[X:.+]]: memref<256x64xf32>, %[[W:.+]]: memref<64x64xf32>, %[[B:.+]]: memref<64xf32>, %[[D:.+]]: memref<256x64xf32>)
// CHECK-NOT: memref.alloc()
// CHECK-NOT: linalg.
// CHECK-DAG: %[[XC:.+]] = memref.cast %[[X]] : memref<256x64xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK-DAG: %[[WC:.+]] = memref.cast %[[W]]
// CHECK-DAG: %[[BC:.+]] = memref.cast %[[B]] : memref<64xf32> to memref<?xf32, strided<[?], offset: ?>>
// CHECK-DAG: %[[DC:.+]] = memref.cast %[[D]]
// CHECK-DAG: %[[FLAGS:.+]] = arith.constant 6 : i64
// CHECK-DAG: %[[ELU:.+]] = arith.constant 2 : i64
// CHECK: call @fmrt_dnnl_matmul(%[[XC]], %[[WC]], %[[BC]], %[[DC]], %[[FLAGS]], %[[ELU]], %{{.+}})
// CHECK-NOT: linalg.
// CHECK: return
// CHECK: func.func private @fmrt_dnnl_matmul(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64, f32) attributes {llvm.emit_c_interface}
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

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// The epilogue in the buffer of the product's own input, which dies with
// the product (bufferization reuses it; the elementwise loop may). One call
// cannot write D while it reads A. (Fused that way, oneDNN's gemm:jit
// kernels on a CPU without AVX-512 overwrote rows of A they had still to
// read.) Here D is an argument, which C cannot replace: the product writes
// C, and the epilogue stays a loop after it.
// CHECK-LABEL: func.func @epilogue_into_input
// CHECK-SAME: (%[[X:.+]]: memref<256x64xf32>, %[[W:.+]]: memref<64x64xf32>, %[[B:.+]]: memref<64xf32>)
// CHECK-DAG: %[[BT:.+]] = arith.constant 2 : i64
// CHECK-DAG: %[[NONE:.+]] = arith.constant 0 : i64
// CHECK: %[[C:.+]] = memref.alloc() : memref<256x64xf32>
// CHECK-DAG: %[[XC:.+]] = memref.cast %[[X]] :
// CHECK-DAG: %[[CC:.+]] = memref.cast %[[C]] :
// CHECK: call @fmrt_dnnl_matmul(%[[XC]], %{{.+}}, %{{.+}}, %[[CC]], %[[BT]], %[[NONE]], %{{.+}})
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[C]], %[[B]] : memref<256x64xf32>, memref<64xf32>) outs(%[[X]] : memref<256x64xf32>)
func.func @epilogue_into_input(%x: memref<256x64xf32>, %w: memref<64x64xf32>, %b: memref<64xf32>) {
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
      ins(%c, %b : memref<256x64xf32>, memref<64xf32>) outs(%x : memref<256x64xf32>) {
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

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// The same with D = A a local allocation, as between a network's hidden
// layers: the fused call writes C, and C takes D's place from then on (the
// copy out, a generic after generalization, reads C).
// CHECK-LABEL: func.func @epilogue_into_dead_input
// CHECK-SAME: (%[[X:.+]]: memref<256x64xf32>, %[[W:.+]]: memref<64x64xf32>, %[[B:.+]]: memref<64xf32>, %[[OUT:.+]]: memref<256x64xf32>)
// CHECK-DAG: %[[FLAGS:.+]] = arith.constant 6 : i64
// CHECK-DAG: %[[ELU:.+]] = arith.constant 2 : i64
// CHECK: %[[H:.+]] = memref.alloc() : memref<256x64xf32>
// CHECK: linalg.generic {{.*}} ins(%[[X]] : memref<256x64xf32>) outs(%[[H]] : memref<256x64xf32>)
// CHECK: %[[C:.+]] = memref.alloc() : memref<256x64xf32>
// CHECK-DAG: %[[HC:.+]] = memref.cast %[[H]] :
// CHECK-DAG: %[[CC:.+]] = memref.cast %[[C]] :
// CHECK: call @fmrt_dnnl_matmul(%[[HC]], %{{.+}}, %{{.+}}, %[[CC]], %[[FLAGS]], %[[ELU]], %{{.+}})
// CHECK-NOT: math.expm1
// CHECK: linalg.generic {{.*}} ins(%[[C]] : memref<256x64xf32>) outs(%[[OUT]] : memref<256x64xf32>)
func.func @epilogue_into_dead_input(%x: memref<256x64xf32>, %w: memref<64x64xf32>, %b: memref<64xf32>, %out: memref<256x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %h = memref.alloc() : memref<256x64xf32>
  linalg.copy ins(%x : memref<256x64xf32>) outs(%h : memref<256x64xf32>)
  %c = memref.alloc() : memref<256x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<256x64xf32>)
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%h, %w : memref<256x64xf32>, memref<64x64xf32>) outs(%c : memref<256x64xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c, %b : memref<256x64xf32>, memref<64xf32>) outs(%h : memref<256x64xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %pos = arith.cmpf ogt, %s, %zero : f32
    %em = math.expm1 %s : f32
    %r = arith.select %pos, %s, %em : f32
    linalg.yield %r : f32
  }
  linalg.copy ins(%h : memref<256x64xf32>) outs(%out : memref<256x64xf32>)
  return
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// As above, but a view of D taken before the product is read after the
// epilogue: C could not take D's place there, so the epilogue stays a loop.
// CHECK-LABEL: func.func @epilogue_into_viewed_input
// CHECK: call @fmrt_dnnl_matmul
// CHECK: linalg.generic
// CHECK: math.expm1
func.func @epilogue_into_viewed_input(%x: memref<256x64xf32>, %w: memref<64x64xf32>, %b: memref<64xf32>, %out: memref<8x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %h = memref.alloc() : memref<256x64xf32>
  %top = memref.subview %h[0, 0] [8, 64] [1, 1] : memref<256x64xf32> to memref<8x64xf32, strided<[64, 1]>>
  linalg.copy ins(%x : memref<256x64xf32>) outs(%h : memref<256x64xf32>)
  %c = memref.alloc() : memref<256x64xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<256x64xf32>)
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%h, %w : memref<256x64xf32>, memref<64x64xf32>) outs(%c : memref<256x64xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c, %b : memref<256x64xf32>, memref<64xf32>) outs(%h : memref<256x64xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %pos = arith.cmpf ogt, %s, %zero : f32
    %em = math.expm1 %s : f32
    %r = arith.select %pos, %s, %em : f32
    linalg.yield %r : f32
  }
  linalg.copy ins(%top : memref<8x64xf32, strided<[64, 1]>>) outs(%out : memref<8x64xf32>)
  return
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#km = affine_map<(m, n, k) -> (k, m)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// The epilogue in place (D = C, as bufferization often leaves it): ReLU as
// max(s, 0), and C stays, holding the activated values for later readers.
// CHECK-LABEL: func.func @dense_relu_in_place
// CHECK-DAG: %[[FLAGS:.+]] = arith.constant 6 : i64
// CHECK-DAG: %[[RELU:.+]] = arith.constant 1 : i64
// CHECK: %[[C:.+]] = memref.alloc() : memref<256x64xf32>
// CHECK: %[[CC:.+]] = memref.cast %[[C]]
// CHECK: call @fmrt_dnnl_matmul(%{{.+}}, %{{.+}}, %{{.+}}, %[[CC]], %[[FLAGS]], %[[RELU]], %{{.+}})
// CHECK-NOT: linalg.
// CHECK: return %[[C]]
func.func @dense_relu_in_place(%x: memref<256x64xf32>, %w: memref<64x64xf32>, %b: memref<64xf32>) -> memref<256x64xf32> {
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
      ins(%c, %b : memref<256x64xf32>, memref<64xf32>) outs(%c : memref<256x64xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  }
  return %c : memref<256x64xf32>
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#km = affine_map<(m, n, k) -> (k, m)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// tanh, sigmoid and SiLU without a bias (flags: Bᵀ = 2; activations 6, 7, 5).
// CHECK-LABEL: func.func @activations
// CHECK-DAG: %[[TWO:.+]] = arith.constant 2 : i64
// CHECK-DAG: %[[TANH:.+]] = arith.constant 6 : i64
// CHECK-DAG: %[[SIGMOID:.+]] = arith.constant 7 : i64
// CHECK-DAG: %[[SILU:.+]] = arith.constant 5 : i64
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[TWO]], %[[TANH]], %{{.+}})
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[TWO]], %[[SIGMOID]], %{{.+}})
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[TWO]], %[[SILU]], %{{.+}})
// CHECK-NOT: linalg.
func.func @activations(%x: memref<8x16xf32>, %w: memref<32x16xf32>, %d0: memref<8x32xf32>,
                       %d1: memref<8x32xf32>, %d2: memref<8x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %c0 = memref.alloc() : memref<8x32xf32>
  linalg.fill ins(%zero : f32) outs(%c0 : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x16xf32>, memref<32x16xf32>) outs(%c0 : memref<8x32xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c0 : memref<8x32xf32>) outs(%d0 : memref<8x32xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = math.tanh %v : f32
    linalg.yield %r : f32
  }
  %c1 = memref.alloc() : memref<8x32xf32>
  linalg.fill ins(%zero : f32) outs(%c1 : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x16xf32>, memref<32x16xf32>) outs(%c1 : memref<8x32xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c1 : memref<8x32xf32>) outs(%d1 : memref<8x32xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    %e = math.exp %n : f32
    %den = arith.addf %one, %e : f32
    %r = arith.divf %one, %den : f32
    linalg.yield %r : f32
  }
  %c2 = memref.alloc() : memref<8x32xf32>
  linalg.fill ins(%zero : f32) outs(%c2 : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x16xf32>, memref<32x16xf32>) outs(%c2 : memref<8x32xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c2 : memref<8x32xf32>) outs(%d2 : memref<8x32xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    %e = math.exp %n : f32
    %den = arith.addf %one, %e : f32
    %sg = arith.divf %one, %den : f32
    %r = arith.mulf %v, %sg : f32
    linalg.yield %r : f32
  }
  return
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#km = affine_map<(m, n, k) -> (k, m)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// The reverse sweep's products, read where they lie: dX = dY·W (flags 0)
// and dW = dYᵀ·X (Aᵀ: flags 1), the latter written by bufferization as a
// copy of a shared zero buffer; a product into a buffer that already
// holds values accumulates (flags 8, with Aᵀ: 9).
// CHECK-LABEL: func.func @backward
// CHECK-DAG: %[[PLAIN:.+]] = arith.constant 0 : i64
// CHECK-DAG: %[[TA:.+]] = arith.constant 1 : i64
// CHECK-DAG: %[[ACC:.+]] = arith.constant 9 : i64
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[PLAIN]], %[[PLAIN]], %{{.+}})
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[TA]], %[[PLAIN]], %{{.+}})
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[ACC]], %[[PLAIN]], %{{.+}})
// CHECK-NOT: linalg.generic {{.*}}reduction
func.func @backward(%dy: memref<256x64xf32>, %w: memref<64x64xf32>, %x: memref<256x64xf32>,
                    %dx: memref<256x64xf32>, %dw: memref<64x64xf32>, %g: memref<64x64xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%dx : memref<256x64xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy, %w : memref<256x64xf32>, memref<64x64xf32>) outs(%dx : memref<256x64xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  %zeros = memref.alloc() : memref<64x64xf32>
  linalg.fill ins(%zero : f32) outs(%zeros : memref<64x64xf32>)
  memref.copy %zeros, %dw : memref<64x64xf32> to memref<64x64xf32>
  linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy, %x : memref<256x64xf32>, memref<256x64xf32>) outs(%dw : memref<64x64xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %v, %a : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#km, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%dy, %x : memref<256x64xf32>, memref<256x64xf32>) outs(%g : memref<64x64xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  memref.dealloc %zeros : memref<64x64xf32>
  return
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#km = affine_map<(m, n, k) -> (k, m)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// Left alone, or not fused: f64; an epilogue that computes more than
// act(C + b) (the call writes C, the epilogue stays); C read by another op
// besides a separate epilogue (no fusion); a batched (3-D) product.
// CHECK-LABEL: func.func @negatives
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : memref<8x16xf64>, memref<16x32xf64>)
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[ZERO:.+]], %{{.+}})
// CHECK: linalg.generic {{.*}} ins(%{{.+}} : memref<8x32xf32>) outs(%{{.+}} : memref<8x32xf32>)
// CHECK: arith.mulf
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[ZERO]], %{{.+}})
// CHECK: linalg.generic {{.*}} ins(%{{.+}} : memref<8x32xf32>) outs(%{{.+}} : memref<8x32xf32>)
// CHECK: math.tanh
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : memref<2x8x16xf32>, memref<2x16x32xf32>)
func.func @negatives(%x64: memref<8x16xf64>, %w64: memref<16x32xf64>, %c64: memref<8x32xf64>,
                     %x: memref<8x16xf32>, %w: memref<16x32xf32>, %d: memref<8x32xf32>,
                     %e: memref<8x32xf32>, %xb: memref<2x8x16xf32>, %wb: memref<2x16x32xf32>,
                     %cb: memref<2x8x32xf32>) -> memref<8x32xf32> {
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x64, %w64 : memref<8x16xf64>, memref<16x32xf64>) outs(%c64 : memref<8x32xf64>) {
  ^bb0(%a: f64, %v: f64, %o: f64):
    %p = arith.mulf %a, %v : f64
    %s = arith.addf %o, %p : f64
    linalg.yield %s : f64
  }
  %c = memref.alloc() : memref<8x32xf32>
  linalg.fill ins(%zero : f32) outs(%c : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x16xf32>, memref<16x32xf32>) outs(%c : memref<8x32xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : memref<8x32xf32>) outs(%d : memref<8x32xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    %r = arith.mulf %t, %two : f32
    linalg.yield %r : f32
  }
  %c2 = memref.alloc() : memref<8x32xf32>
  linalg.fill ins(%zero : f32) outs(%c2 : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x16xf32>, memref<16x32xf32>) outs(%c2 : memref<8x32xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c2 : memref<8x32xf32>) outs(%e : memref<8x32xf32>) {
  ^bb0(%v: f32, %o: f32):
    %t = math.tanh %v : f32
    linalg.yield %t : f32
  }
  linalg.batch_matmul ins(%xb, %wb : memref<2x8x16xf32>, memref<2x16x32xf32>) outs(%cb : memref<2x8x32xf32>)
  return %c2 : memref<8x32xf32>
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#km = affine_map<(m, n, k) -> (k, m)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// GELU in both forms, with a bias: erf (activation 4) as (0.5·s)·(1 +
// erf(s·(1/√2))), tanh (activation 3) as 0.5·(s·(1 + tanh(√(2/π)·(s +
// 0.044715·s³)))). A GELU with a wrong constant is not one (the call
// writes C and the epilogue stays).
// CHECK-LABEL: func.func @gelu
// CHECK-DAG: %[[BIAS:.+]] = arith.constant 6 : i64
// CHECK-DAG: %[[NOBIAS:.+]] = arith.constant 2 : i64
// CHECK-DAG: %[[ERF:.+]] = arith.constant 4 : i64
// CHECK-DAG: %[[TANH:.+]] = arith.constant 3 : i64
// CHECK-DAG: %[[NONE:.+]] = arith.constant 0 : i64
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[BIAS]], %[[ERF]], %{{.+}})
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[BIAS]], %[[TANH]], %{{.+}})
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[NOBIAS]], %[[NONE]], %{{.+}})
// CHECK: linalg.generic
// CHECK: math.erf
func.func @gelu(%x: memref<8x16xf32>, %w: memref<32x16xf32>, %b: memref<32xf32>,
                %d0: memref<8x32xf32>, %d1: memref<8x32xf32>, %d2: memref<8x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %rsqrt2 = arith.constant 0.707106769 : f32
  %notrsqrt2 = arith.constant 0.75 : f32
  %k0 = arith.constant 0.797884583 : f32
  %k1 = arith.constant 0.044715 : f32
  %c0 = memref.alloc() : memref<8x32xf32>
  linalg.fill ins(%zero : f32) outs(%c0 : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x16xf32>, memref<32x16xf32>) outs(%c0 : memref<8x32xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c0, %b : memref<8x32xf32>, memref<32xf32>) outs(%d0 : memref<8x32xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %hs = arith.mulf %half, %s : f32
    %sc = arith.mulf %s, %rsqrt2 : f32
    %e = math.erf %sc : f32
    %one_e = arith.addf %one, %e : f32
    %r = arith.mulf %hs, %one_e : f32
    linalg.yield %r : f32
  }
  %c1 = memref.alloc() : memref<8x32xf32>
  linalg.fill ins(%zero : f32) outs(%c1 : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x16xf32>, memref<32x16xf32>) outs(%c1 : memref<8x32xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c1, %b : memref<8x32xf32>, memref<32xf32>) outs(%d1 : memref<8x32xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %bias, %v : f32
    %s2 = arith.mulf %s, %s : f32
    %s3 = arith.mulf %s, %s2 : f32
    %t = arith.mulf %k1, %s3 : f32
    %in = arith.addf %s, %t : f32
    %arg = arith.mulf %k0, %in : f32
    %th = math.tanh %arg : f32
    %one_t = arith.addf %th, %one : f32
    %st = arith.mulf %s, %one_t : f32
    %r = arith.mulf %half, %st : f32
    linalg.yield %r : f32
  }
  %c2 = memref.alloc() : memref<8x32xf32>
  linalg.fill ins(%zero : f32) outs(%c2 : memref<8x32xf32>)
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x16xf32>, memref<32x16xf32>) outs(%c2 : memref<8x32xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c2 : memref<8x32xf32>) outs(%d2 : memref<8x32xf32>) {
  ^bb0(%v: f32, %o: f32):
    %hs = arith.mulf %half, %v : f32
    %sc = arith.mulf %v, %notrsqrt2 : f32
    %e = math.erf %sc : f32
    %one_e = arith.addf %one, %e : f32
    %r = arith.mulf %hs, %one_e : f32
    linalg.yield %r : f32
  }
  return
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#km = affine_map<(m, n, k) -> (k, m)>
#mn = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

// Bufferization's shared zero buffer as C: read (copied) before the
// product, re-filled after the epilogue. The product's value is read only
// by the epilogue, so the call fuses it and writes D; the buffer, the copy
// before and the fill after stay.
// CHECK-LABEL: func.func @shared_zeros
// CHECK-DAG: %[[FLAGS:.+]] = arith.constant 6 : i64
// CHECK-DAG: %[[ELU:.+]] = arith.constant 2 : i64
// CHECK: %[[Z:.+]] = memref.alloc() : memref<256x64xf32>
// CHECK: linalg.generic {{.*}} outs(%[[Z]] : memref<256x64xf32>)
// CHECK: memref.copy %[[Z]], %{{.+}}
// CHECK: call @fmrt_dnnl_matmul({{.*}}, %[[FLAGS]], %[[ELU]], %{{.+}})
// CHECK-NOT: linalg.generic {{.*}}reduction
// CHECK: linalg.generic {{.*}} outs(%[[Z]] : memref<256x64xf32>)
// CHECK: memref.copy %[[Z]], %{{.+}}
func.func @shared_zeros(%x: memref<256x64xf32>, %w: memref<64x64xf32>, %b: memref<64xf32>,
                        %d: memref<256x64xf32>, %e0: memref<256x64xf32>, %e1: memref<256x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %z = memref.alloc() : memref<256x64xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<256x64xf32>)
  memref.copy %z, %e0 : memref<256x64xf32> to memref<256x64xf32>
  linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<256x64xf32>, memref<64x64xf32>) outs(%z : memref<256x64xf32>) {
  ^bb0(%a: f32, %v: f32, %o: f32):
    %p = arith.mulf %a, %v : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%z, %b : memref<256x64xf32>, memref<64xf32>) outs(%d : memref<256x64xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %pos = arith.cmpf ogt, %s, %zero : f32
    %em = math.expm1 %s : f32
    %r = arith.select %pos, %s, %em : f32
    linalg.yield %r : f32
  }
  linalg.fill ins(%zero : f32) outs(%z : memref<256x64xf32>)
  memref.copy %z, %e1 : memref<256x64xf32> to memref<256x64xf32>
  memref.dealloc %z : memref<256x64xf32>
  return
}
