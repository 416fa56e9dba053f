// RUN: fm-opt %s --fm-cpu-fresh-inits --split-input-file | FileCheck %s
// RUN: fm-opt %s --fm-cpu-fresh-inits --one-shot-bufferize --split-input-file \
// RUN:   | FileCheck %s --check-prefix=BUFFERS

#id = affine_map<(i, j) -> (i, j)>
#mm_a = affine_map<(m, k, n) -> (m, k)>
#mm_b = affine_map<(m, k, n) -> (k, n)>
#mm_c = affine_map<(m, k, n) -> (m, n)>

/// Two contractions and an elementwise op share one zero fill, as the
/// reverse sweep of fm-autodiff writes them. Each contraction gets a fill
/// of its own (the last one the original); the elementwise op only adds
/// the zero, so it yields its value into a tensor.empty.

// CHECK-LABEL: func.func @shared_zero
// CHECK: %[[F1:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<4x8xf32>)
// CHECK: %[[F2:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<4x8xf32>)
// CHECK: %[[C1:.+]] = linalg.generic {{.*}} outs(%[[F2]] : tensor<4x8xf32>)
// CHECK: %[[E:.+]] = tensor.empty() : tensor<4x8xf32>
// CHECK: linalg.generic {{.*}} ins(%[[C1]], %{{.+}} : tensor<4x8xf32>, tensor<4x8xf32>) outs(%[[E]] : tensor<4x8xf32>)
// CHECK-NEXT: ^bb0(%[[X:.+]]: f32, %[[Y:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[P:.+]] = arith.mulf %[[X]], %[[Y]] : f32
// CHECK-NEXT: linalg.yield %[[P]] : f32
// CHECK: linalg.generic {{.*}} outs(%[[F1]] : tensor<4x8xf32>)
// CHECK-NOT: linalg.fill

/// And bufferization copies nothing.
// BUFFERS-LABEL: func.func @shared_zero
// BUFFERS-NOT: memref.copy
// BUFFERS: return
func.func @shared_zero(%a: tensor<4x3xf32>, %b: tensor<3x8xf32>, %g: tensor<4x8xf32>)
    -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %c1 = linalg.generic {indexing_maps = [#mm_a, #mm_b, #mm_c],
                        iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<4x3xf32>, tensor<3x8xf32>) outs(%z : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %d = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c1, %g : tensor<4x8xf32>, tensor<4x8xf32>) outs(%z : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %c2 = linalg.generic {indexing_maps = [#mm_a, #mm_b, #mm_c],
                        iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%a, %b : tensor<4x3xf32>, tensor<3x8xf32>) outs(%z : tensor<4x8xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %d, %c2 : tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

#id = affine_map<(i, j) -> (i, j)>

/// An op that never reads its init writes into a tensor.empty of the
/// init's shape (dynamic sizes from tensor.dim), whatever produced it; a
/// fill it no longer needs is gone, its sizes taken from the fill's init.

// CHECK-LABEL: func.func @unread_init
// CHECK-SAME: (%[[X:.+]]: tensor<?x8xf32>, %[[OLD:.+]]: tensor<?x8xf32>)
// CHECK: %[[C0:.+]] = arith.constant 0 : index
// CHECK: %[[N:.+]] = tensor.dim %[[OLD]], %[[C0]] : tensor<?x8xf32>
// CHECK: %[[E:.+]] = tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<?x8xf32>) outs(%[[E]] : tensor<?x8xf32>)
func.func @unread_init(%x: tensor<?x8xf32>, %old: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x8xf32>) outs(%old : tensor<?x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %e = math.exp %v : f32
    linalg.yield %e : f32
  } -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @unread_fill
// CHECK-SAME: (%[[X:.+]]: tensor<?x8xf32>, %[[N:.+]]: index)
// CHECK-NOT: linalg.fill
// CHECK: %[[E0:.+]] = tensor.empty(%[[N]]) : tensor<?x8xf32>
// CHECK: %[[D:.+]] = tensor.dim %[[E0]], %{{.+}} : tensor<?x8xf32>
// CHECK: %[[E:.+]] = tensor.empty(%[[D]]) : tensor<?x8xf32>
// CHECK-NOT: linalg.fill
// CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<?x8xf32>) outs(%[[E]] : tensor<?x8xf32>)
func.func @unread_fill(%x: tensor<?x8xf32>, %n: index) -> tensor<?x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%n) : tensor<?x8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x8xf32>) -> tensor<?x8xf32>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x8xf32>) outs(%z : tensor<?x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = math.exp %v : f32
    linalg.yield %s : f32
  } -> tensor<?x8xf32>
  return %r : tensor<?x8xf32>
}

// -----

#id = affine_map<(i, j) -> (i, j)>
#scalar = affine_map<(i, j) -> ()>

/// Left alone: a full reduction reads its init once per element of the
/// input (dropping the added zero would be wrong); a fill of 1.0 is not a
/// zero to drop; an init from a fill with one use is already its own; an
/// init the op reads that no fill produced stays.

// CHECK-LABEL: func.func @kept
// CHECK: %[[E:.+]] = tensor.empty() : tensor<f32>
// CHECK: %[[Z:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E]] : tensor<f32>)
// CHECK: linalg.generic {{.*}} outs(%[[Z]] : tensor<f32>)
// CHECK: %[[ONES:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<4x8xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[ONES]] : tensor<4x8xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<4x8xf32>)
// CHECK: ^bb0(%{{.+}}: f32, %[[O:.+]]: f32):
// CHECK: arith.addf %[[O]]
func.func @kept(%x: tensor<4x8xf32>, %acc: tensor<4x8xf32>)
    -> (tensor<f32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e0 = tensor.empty() : tensor<f32>
  %z = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %sum = linalg.generic {indexing_maps = [#id, #scalar], iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<4x8xf32>) outs(%z : tensor<f32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %o, %v : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  %e = tensor.empty() : tensor<4x8xf32>
  %ones = linalg.fill ins(%one : f32) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %shifted = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%ones : tensor<4x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %o, %v : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  %more = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%acc : tensor<4x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %o, %v : f32
    linalg.yield %s : f32
  } -> tensor<4x8xf32>
  return %sum, %shifted, %more : tensor<f32>, tensor<4x8xf32>, tensor<4x8xf32>
}
