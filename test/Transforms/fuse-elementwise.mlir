// RUN: fm-opt %s --fm-fuse-elementwise --split-input-file | FileCheck %s

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#mm_a = affine_map<(m, n, k) -> (m, k)>
#mm_b = affine_map<(m, n, k) -> (k, n)>
#mm_c = affine_map<(m, n, k) -> (m, n)>

/// An elementwise chain becomes one generic: bias, then ELU.

// CHECK-LABEL: func.func @chain
// CHECK:         linalg.generic
// CHECK:           arith.addf
// CHECK:           math.expm1
// CHECK:           arith.select
// CHECK-NOT:     linalg.generic
func.func @chain(%x: tensor<8x16xf32>, %b: tensor<16xf32>) -> tensor<8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16xf32>
  %s = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<8x16xf32>, tensor<16xf32>) outs(%e : tensor<8x16xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<8x16xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
  ^bb0(%v: f32, %o: f32):
    %pos = arith.cmpf ogt, %v, %zero : f32
    %em = math.expm1 %v : f32
    %r = arith.select %pos, %v, %em : f32
    linalg.yield %r : f32
  } -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}

// -----

#id = affine_map<(i, j) -> (i, j)>
#mm_a = affine_map<(m, n, k) -> (m, k)>
#mm_b = affine_map<(m, n, k) -> (k, n)>
#mm_c = affine_map<(m, n, k) -> (m, n)>

/// The tangent of an ELU layer feeding the next product, as fm-autodiff's
/// forward mode writes it: the product still lists the primal operand %a,
/// which its body never reads. The unread operand goes, the activation's
/// tangent stays its own generic, and the product stays a plain
/// multiply-accumulate of two operands.

// CHECK-LABEL: func.func @tangent_product
// CHECK-SAME:    (%[[A:.+]]: tensor<8x16xf32>, %[[Y:.+]]: tensor<8x16xf32>, %[[TA:.+]]: tensor<8x16xf32>, %[[W:.+]]: tensor<16x4xf32>
// CHECK:         %[[T:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[Y]], %[[TA]] : tensor<8x16xf32>, tensor<8x16xf32>)
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:      ins(%[[T]], %[[W]] : tensor<8x16xf32>, tensor<16x4xf32>)
// CHECK-NEXT:    ^bb0(%[[L:.+]]: f32, %[[R:.+]]: f32, %[[O:.+]]: f32):
// CHECK-NEXT:      %[[P:.+]] = arith.mulf %[[L]], %[[R]] : f32
// CHECK-NEXT:      %[[S:.+]] = arith.addf %[[O]], %[[P]] : f32
// CHECK-NEXT:      linalg.yield %[[S]] : f32
func.func @tangent_product(%a: tensor<8x16xf32>, %y: tensor<8x16xf32>, %ta: tensor<8x16xf32>,
                           %w: tensor<16x4xf32>, %acc: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<8x16xf32>
  // ELU' from the output y: 1 where y > 0, y + 1 elsewhere.
  %t = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y, %ta : tensor<8x16xf32>, tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
  ^bb0(%v: f32, %dv: f32, %o: f32):
    %pos = arith.cmpf ogt, %v, %zero : f32
    %p1 = arith.addf %v, %one : f32
    %neg = arith.mulf %dv, %p1 : f32
    %r = arith.select %pos, %dv, %neg : f32
    linalg.yield %r : f32
  } -> tensor<8x16xf32>
  %r = linalg.generic {indexing_maps = [#mm_a, #mm_a, #mm_b, #mm_c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %t, %w : tensor<8x16xf32>, tensor<8x16xf32>, tensor<16x4xf32>) outs(%acc : tensor<8x4xf32>) {
  ^bb0(%unused: f32, %l: f32, %rr: f32, %o: f32):
    %p = arith.mulf %l, %rr : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x4xf32>
  return %r : tensor<8x4xf32>
}

// -----

#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>

/// A reduction that is not a product still takes its producer: the squared
/// error of a loss is computed inside the sum.

// CHECK-LABEL: func.func @loss_reduction
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "reduction"]
// CHECK:           arith.subf
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK-NOT:     linalg.generic
func.func @loss_reduction(%a: tensor<8x2xf32>, %b: tensor<8x2xf32>, %acc: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8x2xf32>
  %d = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<8x2xf32>, tensor<8x2xf32>) outs(%e : tensor<8x2xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %r = arith.subf %x, %y : f32
    %sq = arith.mulf %r, %r : f32
    linalg.yield %sq : f32
  } -> tensor<8x2xf32>
  %s = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%d : tensor<8x2xf32>) outs(%acc : tensor<8xf32>) {
  ^bb0(%x: f32, %o: f32):
    %r = arith.addf %o, %x : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  return %s : tensor<8xf32>
}

// -----

#id = affine_map<(i, j) -> (i, j)>

/// A producer with two users is computed once, not fused into both.

// CHECK-LABEL: func.func @two_users
// CHECK-COUNT-3: linalg.generic
func.func @two_users(%a: tensor<8x2xf32>) -> (tensor<8x2xf32>, tensor<8x2xf32>) {
  %e = tensor.empty() : tensor<8x2xf32>
  %x = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<8x2xf32>) outs(%e : tensor<8x2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = math.exp %v : f32
    linalg.yield %r : f32
  } -> tensor<8x2xf32>
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x2xf32>) outs(%e : tensor<8x2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.mulf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<8x2xf32>
  %z = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x2xf32>) outs(%e : tensor<8x2xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.addf %v, %v : f32
    linalg.yield %r : f32
  } -> tensor<8x2xf32>
  return %y, %z : tensor<8x2xf32>, tensor<8x2xf32>
}

// -----

#id2 = affine_map<(i, j) -> (i, j)>
#id3 = affine_map<(i, j, k) -> (i, j, k)>
#tok = affine_map<(i, j, k) -> (i, j)>

/// A producer that reads its own output (`out + x`, as fm-autodiff's
/// gradients are written) stays apart from a consumer that broadcasts it
/// over a loop: fused, upstream's pattern would keep the producer as a
/// second output indexed by (i, j) inside the (i, j, k) loops and add x
/// into it once per k.

// CHECK-LABEL: func.func @accumulating_producer_broadcast
// CHECK:         %[[P:.+]] = linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel"]
// CHECK:         linalg.generic
// CHECK-SAME:      iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-SAME:      ins(%{{.+}}, %[[P]] : tensor<2x1x3xf64>, tensor<2x1xf64>)
func.func @accumulating_producer_broadcast(%s: tensor<2x1xf64>, %l: tensor<2x1x3xf64>)
    -> tensor<2x1x3xf64> {
  %zero = arith.constant 0.0 : f64
  %e = tensor.empty() : tensor<2x1xf64>
  %z = linalg.fill ins(%zero : f64) outs(%e : tensor<2x1xf64>) -> tensor<2x1xf64>
  %inv = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%s : tensor<2x1xf64>) outs(%z : tensor<2x1xf64>) {
  ^bb0(%a: f64, %o: f64):
    %one = arith.constant 1.0 : f64
    %r = arith.divf %one, %a : f64
    %acc = arith.addf %o, %r : f64
    linalg.yield %acc : f64
  } -> tensor<2x1xf64>
  %e3 = tensor.empty() : tensor<2x1x3xf64>
  %g = linalg.generic {indexing_maps = [#id3, #tok, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%l, %inv : tensor<2x1x3xf64>, tensor<2x1xf64>) outs(%e3 : tensor<2x1x3xf64>) {
  ^bb0(%x: f64, %w: f64, %o: f64):
    %ex = math.exp %x : f64
    %r = arith.mulf %w, %ex : f64
    linalg.yield %r : f64
  } -> tensor<2x1x3xf64>
  return %g : tensor<2x1x3xf64>
}

// -----

#mm_x = affine_map<(m, n, k) -> (m, k)>
#mm_w = affine_map<(m, n, k) -> (n, k)>
#mm_y = affine_map<(m, n, k) -> (m, n)>

/// A reshape of a product's result stays a reshape: folded by expansion,
/// the product would become a 4-D contraction that no backend matches (a
/// discrete network's logits [B, 2·V] viewed as [B, 2, V]).

// CHECK-LABEL: func.func @reshaped_product
// CHECK:         %[[P:.+]] = linalg.matmul
// CHECK:         tensor.expand_shape %[[P]] {{\[}}[0], [1, 2]]
func.func @reshaped_product(%x: tensor<8x4xf32>, %w: tensor<6x4xf32>) -> tensor<8x2x3xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x6xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8x6xf32>) -> tensor<8x6xf32>
  %p = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%x, %w : tensor<8x4xf32>, tensor<6x4xf32>) outs(%z : tensor<8x6xf32>) -> tensor<8x6xf32>
  %r = tensor.expand_shape %p [[0], [1, 2]] output_shape [8, 2, 3] : tensor<8x6xf32> into tensor<8x2x3xf32>
  return %r : tensor<8x2x3xf32>
}
