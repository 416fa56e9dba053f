// RUN: fm-opt %s --fm-autodiff --split-input-file | FileCheck %s

/// matmul: dC = dA·B + A·dB, one generic over the product's loops that
/// accumulates both terms onto the tangent of C's initial value (zeros).

// CHECK-DAG: #[[$A:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$B:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[$C:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func private @matmul_jvp
// CHECK-SAME: (%[[A:[a-z0-9_]+]]: tensor<8x3xf32>, %[[B:[a-z0-9_]+]]: tensor<3x4xf32>, %[[DA:[a-z0-9_]+]]: tensor<8x3xf32>, %[[DB:[a-z0-9_]+]]: tensor<3x4xf32>)
// CHECK-SAME: -> (tensor<8x4xf32>, tensor<8x4xf32>)
/// The forward product, generalized.
// CHECK: %[[FWD:.+]] = linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK: %[[ZERO:.+]] = linalg.fill
// CHECK: %[[DC:.+]] = linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$A]], #[[$B]], #[[$C]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%[[A]], %[[B]], %[[DA]], %[[DB]] : {{.*}}) outs(%[[ZERO]] : tensor<8x4xf32>)
// CHECK-NEXT: ^bb0(%[[AV:[a-z0-9_]+]]: f32, %[[BV:[a-z0-9_]+]]: f32, %[[DAV:[a-z0-9_]+]]: f32, %[[DBV:[a-z0-9_]+]]: f32, %[[ACC:[a-z0-9_]+]]: f32):
// CHECK-NEXT: %[[P:.+]] = arith.mulf %[[DAV]], %[[BV]] : f32
// CHECK-NEXT: %[[Q:.+]] = arith.mulf %[[DBV]], %[[AV]] : f32
// CHECK-NEXT: %[[PQ:.+]] = arith.addf %[[P]], %[[Q]] : f32
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[ACC]], %[[PQ]] : f32
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK: return %[[FWD]], %[[DC]]
// CHECK-LABEL: func.func @matmul_caller
// CHECK-SAME: (%[[A0:[a-z0-9_]+]]: tensor<8x3xf32>, %[[B0:[a-z0-9_]+]]: tensor<3x4xf32>, %[[DA0:[a-z0-9_]+]]: tensor<8x3xf32>, %[[DB0:[a-z0-9_]+]]: tensor<3x4xf32>)
// CHECK: %[[R:.+]]:2 = call @matmul_jvp(%[[A0]], %[[B0]], %[[DA0]], %[[DB0]])
// CHECK: return %[[R]]#0, %[[R]]#1
func.func @matmul(%a: tensor<8x3xf32>, %b: tensor<3x4xf32>) -> tensor<8x4xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x4xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<8x4xf32>) -> tensor<8x4xf32>
  %c = linalg.matmul ins(%a, %b : tensor<8x3xf32>, tensor<3x4xf32>)
      outs(%z : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %c : tensor<8x4xf32>
}

func.func @matmul_caller(%a: tensor<8x3xf32>, %b: tensor<3x4xf32>,
                         %da: tensor<8x3xf32>, %db: tensor<3x4xf32>)
    -> (tensor<8x4xf32>, tensor<8x4xf32>) {
  %c, %dc = fm.jvp @matmul(%a, %b) tangents(%da, %db)
      : (tensor<8x3xf32>, tensor<3x4xf32>), (tensor<8x3xf32>, tensor<3x4xf32>)
      -> (tensor<8x4xf32>, tensor<8x4xf32>)
  return %c, %dc : tensor<8x4xf32>, tensor<8x4xf32>
}

// -----

/// A tangent that is a constant zero (a parameter's, when differentiating
/// with respect to the data) seeds nothing: the tangent of the product is
/// the single product dA·B, a plain contraction.

// CHECK-LABEL: func.func private @product_jvp
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: %[[DC:.+]] = linalg.generic
// CHECK-NEXT: ^bb0(%{{[a-z0-9_]+}}: f32, %[[BV:[a-z0-9_]+]]: f32, %[[DAV:[a-z0-9_]+]]: f32, %[[ACC:[a-z0-9_]+]]: f32):
// CHECK-NEXT: %[[P:.+]] = arith.mulf %[[DAV]], %[[BV]] : f32
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK-NEXT: linalg.yield %[[S]]
// CHECK-LABEL: func.func @data_only
// CHECK: %[[Z:.+]] = arith.constant dense<0.000000e+00> : tensor<3x4xf32>
// CHECK: call @product_jvp(%{{.+}}, %{{.+}}, %{{.+}}, %[[Z]])
func.func @product(%a: tensor<8x3xf32>, %b: tensor<3x4xf32>) -> tensor<8x4xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x4xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<8x4xf32>) -> tensor<8x4xf32>
  %c = linalg.matmul ins(%a, %b : tensor<8x3xf32>, tensor<3x4xf32>)
      outs(%z : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %c : tensor<8x4xf32>
}

func.func @data_only(%a: tensor<8x3xf32>, %b: tensor<3x4xf32>, %da: tensor<8x3xf32>)
    -> tensor<8x4xf32> {
  %zero = arith.constant dense<0.0> : tensor<3x4xf32>
  %c, %dc = fm.jvp @product(%a, %b) tangents(%da, %zero)
      : (tensor<8x3xf32>, tensor<3x4xf32>), (tensor<8x3xf32>, tensor<3x4xf32>)
      -> (tensor<8x4xf32>, tensor<8x4xf32>)
  return %dc : tensor<8x4xf32>
}

// -----

/// A fill of zero is a known zero too; with every tangent zero and the
/// result's tangent unread, the function computes no tangent at all and
/// returns zeros.

// CHECK-LABEL: func.func private @scale_jvp
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK-NOT: linalg.generic
// CHECK: %[[Z:.+]] = linalg.fill
// CHECK-NEXT: return %[[Y]], %[[Z]]
func.func @scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %y = linalg.add ins(%x, %x : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @primal_only(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %dx = linalg.fill ins(%c0 : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %y, %dy = fm.jvp @scale(%x) tangents(%dx)
      : (tensor<4xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %y : tensor<4xf32>
}

// -----

/// So is a constant zero seen through a tensor.cast (a constant batch of
/// tangents passed where the callee takes a dynamic one, as MeanFlow's
/// training step passes r's): @row_scale_jvp computes t's tangent alone.

// CHECK-LABEL: func.func private @row_scale_jvp
// CHECK-SAME:    (%[[X:[a-z0-9]+]]: tensor<?xf32>, %[[T:[a-z0-9]+]]: tensor<?xf32>, %{{.+}}: tensor<?xf32>, %[[DT:[a-z0-9]+]]: tensor<?xf32>)
// CHECK:         linalg.generic
// CHECK:         %[[DY:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[T]], %[[DT]] : tensor<?xf32>, tensor<?xf32>, tensor<?xf32>)
// CHECK-NEXT:    ^bb0(%[[XV:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32, %[[DTV:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NEXT:      %[[P:.+]] = arith.mulf %[[DTV]], %[[XV]] : f32
// CHECK-NEXT:      linalg.yield %[[P]] : f32
// CHECK:         return %{{.+}}, %[[DY]]
func.func @row_scale(%x: tensor<?xf32>, %t: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %y = linalg.mul ins(%x, %t : tensor<?xf32>, tensor<?xf32>) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  return %y : tensor<?xf32>
}

func.func @time_only(%x: tensor<8xf32>, %t: tensor<8xf32>, %dt: tensor<8xf32>) -> tensor<?xf32> {
  %zero = arith.constant dense<0.0> : tensor<8xf32>
  %dx = tensor.cast %zero : tensor<8xf32> to tensor<?xf32>
  %xd = tensor.cast %x : tensor<8xf32> to tensor<?xf32>
  %td = tensor.cast %t : tensor<8xf32> to tensor<?xf32>
  %dtd = tensor.cast %dt : tensor<8xf32> to tensor<?xf32>
  %y, %dy = fm.jvp @row_scale(%xd, %td) tangents(%dx, %dtd)
      : (tensor<?xf32>, tensor<?xf32>), (tensor<?xf32>, tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>)
  return %dy : tensor<?xf32>
}

// -----

/// Only the result tangents the callers read are computed: a caller that
/// reads the second result's tangent alone gets a function without the
/// first one's; two callers with the same needs share one function.

// CHECK-LABEL: func.func private @two_jvp_0(
// CHECK: %[[E0:.+]] = math.exp
// CHECK-NEXT: %[[DE0:.+]] = arith.mulf %{{.+}}, %[[E0]]
// CHECK: return %[[E0]], %{{.+}}, %[[DE0]], %{{.+}}
// CHECK-LABEL: func.func private @two_jvp(
// CHECK-SAME: %[[X:[a-z0-9_]+]]: f32, %[[DX:[a-z0-9_]+]]: f32
// CHECK-NEXT: %[[E:.+]] = math.exp %[[X]]
// CHECK-NEXT: %[[S:.+]] = math.sin %[[X]]
// CHECK-NEXT: %[[C:.+]] = math.cos %[[X]]
// CHECK-NEXT: %[[DS:.+]] = arith.mulf %[[DX]], %[[C]]
// CHECK-NEXT: %[[Z:.+]] = arith.constant 0.0
// CHECK-NEXT: return %[[E]], %[[S]], %[[Z]], %[[DS]]
// CHECK-LABEL: func.func @second_only
// CHECK: call @two_jvp(
// CHECK: call @two_jvp(
// CHECK-LABEL: func.func @both
// CHECK: call @two_jvp_0(
func.func @two(%x: f32) -> (f32, f32) {
  %e = math.exp %x : f32
  %s = math.sin %x : f32
  return %e, %s : f32, f32
}

func.func @second_only(%x: f32, %dx: f32) -> (f32, f32) {
  %e, %s, %de, %ds = fm.jvp @two(%x) tangents(%dx) : (f32), (f32) -> (f32, f32, f32, f32)
  %e2, %s2, %de2, %ds2 = fm.jvp @two(%x) tangents(%dx) : (f32), (f32) -> (f32, f32, f32, f32)
  return %ds, %ds2 : f32, f32
}

func.func @both(%x: f32, %dx: f32) -> (f32, f32) {
  %e, %s, %de, %ds = fm.jvp @two(%x) tangents(%dx) : (f32), (f32) -> (f32, f32, f32, f32)
  return %de, %ds : f32, f32
}

// -----

/// The generated name does not clash with an existing symbol.

// CHECK-LABEL: func.func private @square_jvp_0(
// CHECK-LABEL: func.func @square_jvp(
// CHECK-LABEL: func.func @clash_caller
// CHECK: call @square_jvp_0
func.func @square(%x: f32) -> f32 {
  %y = arith.mulf %x, %x : f32
  return %y : f32
}

func.func @square_jvp(%x: f32) -> f32 {
  return %x : f32
}

func.func @clash_caller(%x: f32, %dx: f32) -> f32 {
  %y, %dy = fm.jvp @square(%x) tangents(%dx) : (f32), (f32) -> (f32, f32)
  return %dy : f32
}

// -----

/// Scalar code: each op's tangent follows it; x·x has both of its terms;
/// x/y = dx/y − (x/y)·dy/y as in the reverse rule.

// CHECK-LABEL: func.func private @scalars_jvp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: f32, %[[Y:[a-z0-9_]+]]: f32, %[[DX:[a-z0-9_]+]]: f32, %[[DY:[a-z0-9_]+]]: f32)
// CHECK-NEXT: %[[SQ:.+]] = arith.mulf %[[X]], %[[X]] : f32
// CHECK-NEXT: %[[T1:.+]] = arith.mulf %[[DX]], %[[X]] : f32
// CHECK-NEXT: %[[T2:.+]] = arith.mulf %[[DX]], %[[X]] : f32
// CHECK-NEXT: %[[DSQ:.+]] = arith.addf %[[T1]], %[[T2]] : f32
// CHECK-NEXT: %[[Q:.+]] = arith.divf %[[SQ]], %[[Y]] : f32
// CHECK-NEXT: %[[D1:.+]] = arith.divf %[[DSQ]], %[[Y]] : f32
// CHECK-NEXT: %[[D2:.+]] = arith.divf %[[DY]], %[[Y]] : f32
// CHECK-NEXT: %[[D3:.+]] = arith.mulf %[[D2]], %[[Q]] : f32
// CHECK-NEXT: %[[D4:.+]] = arith.negf %[[D3]] : f32
// CHECK-NEXT: %[[DQ:.+]] = arith.addf %[[D1]], %[[D4]] : f32
// CHECK-NEXT: return %[[Q]], %[[DQ]]
func.func @scalars(%x: f32, %y: f32) -> f32 {
  %sq = arith.mulf %x, %x : f32
  %q = arith.divf %sq, %y : f32
  return %q : f32
}

func.func @scalars_caller(%x: f32, %y: f32, %dx: f32, %dy: f32) -> f32 {
  %q, %dq = fm.jvp @scalars(%x, %y) tangents(%dx, %dy) : (f32, f32), (f32, f32) -> (f32, f32)
  return %dq : f32
}

// -----

/// extf and truncf convert the tangent like the value.

// CHECK-LABEL: func.func private @widen_jvp
// CHECK-SAME: (%{{[a-z0-9_]+}}: f32, %[[DX:[a-z0-9_]+]]: f32)
// CHECK: %[[W:.+]] = arith.extf %[[DX]] : f32 to f64
// CHECK: %[[N:.+]] = arith.truncf %[[W]] : f64 to f32
// CHECK: return %{{.+}}, %[[N]]
func.func @widen(%x: f32) -> f32 {
  %w = arith.extf %x : f32 to f64
  %n = arith.truncf %w : f64 to f32
  return %n : f32
}

func.func @widen_caller(%x: f32, %dx: f32) -> f32 {
  %y, %dy = fm.jvp @widen(%x) tangents(%dx) : (f32), (f32) -> (f32, f32)
  return %dy : f32
}

// -----

/// A sum over a reduction loop: the tangent sums the body's tangent over
/// the same loop.

// CHECK-DAG: #[[$X:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func private @row_sum_jvp
// CHECK: linalg.generic {indexing_maps = [#[[$X]], #[[$X]], #[[$ROW]]], iterator_types = ["parallel", "reduction"]}
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: f32, %[[DV:[a-z0-9_]+]]: f32, %[[ACC:[a-z0-9_]+]]: f32):
// CHECK-NEXT: %[[T1:.+]] = arith.mulf %[[DV]], %[[V]] : f32
// CHECK-NEXT: %[[T2:.+]] = arith.mulf %[[DV]], %[[V]] : f32
// CHECK-NEXT: %[[T:.+]] = arith.addf %[[T1]], %[[T2]] : f32
// CHECK-NEXT: %[[S:.+]] = arith.addf %[[ACC]], %[[T]] : f32
// CHECK-NEXT: linalg.yield %[[S]]
func.func @row_sum(%x: tensor<4x3xf32>) -> tensor<4xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x3xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %sq = arith.mulf %v, %v : f32
    %r = arith.addf %o, %sq : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %s : tensor<4xf32>
}

func.func @row_sum_caller(%x: tensor<4x3xf32>, %dx: tensor<4x3xf32>) -> tensor<4xf32> {
  %s, %ds = fm.jvp @row_sum(%x) tangents(%dx)
      : (tensor<4x3xf32>), (tensor<4x3xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %ds : tensor<4xf32>
}

// -----

/// A sum into an initial value that has a tangent starts from that tangent.

// CHECK-LABEL: func.func private @accumulate_jvp
// CHECK-SAME: (%{{[a-z0-9_]+}}: tensor<4x3xf32>, %{{[a-z0-9_]+}}: tensor<4xf32>, %[[DX:[a-z0-9_]+]]: tensor<4x3xf32>, %[[DINIT:[a-z0-9_]+]]: tensor<4xf32>)
// CHECK: linalg.generic
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %[[DX]] : {{.*}}) outs(%[[DINIT]] : tensor<4xf32>)
func.func @accumulate(%x: tensor<4x3xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %s = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x3xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.addf %v, %o : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %s : tensor<4xf32>
}

func.func @accumulate_caller(%x: tensor<4x3xf32>, %init: tensor<4xf32>,
                             %dx: tensor<4x3xf32>, %dinit: tensor<4xf32>) -> tensor<4xf32> {
  %s, %ds = fm.jvp @accumulate(%x, %init) tangents(%dx, %dinit)
      : (tensor<4x3xf32>, tensor<4xf32>), (tensor<4x3xf32>, tensor<4xf32>)
      -> (tensor<4xf32>, tensor<4xf32>)
  return %ds : tensor<4xf32>
}

// -----

/// An activation's tangent comes from its output: the tangent generic reads
/// the forward result y (ELU: y > 0 ? ds : ds·(y + 1)) and never recomputes
/// expm1; a bias's tangent is read with the bias's broadcasting map.

// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$COL:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func private @elu_jvp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<8x4xf32>, %[[B:[a-z0-9_]+]]: tensor<4xf32>, %[[DX:[a-z0-9_]+]]: tensor<8x4xf32>, %[[DB:[a-z0-9_]+]]: tensor<4xf32>)
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK: math.expm1
// CHECK: %[[DY:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]], #[[$COL]], #[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[X]], %[[B]], %[[DX]], %[[DB]], %[[Y]] : {{.*}})
// CHECK-NEXT: ^bb0(%{{[a-z0-9_]+}}: f32, %{{[a-z0-9_]+}}: f32, %[[DXV:[a-z0-9_]+]]: f32, %[[DBV:[a-z0-9_]+]]: f32, %[[YV:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NOT: math.expm1
// CHECK: %[[DS:.+]] = arith.addf %[[DXV]], %[[DBV]] : f32
// CHECK: %[[ONE:.+]] = arith.addf %[[YV]], %{{.+}} : f32
// CHECK: %[[NEG:.+]] = arith.mulf %[[DS]], %[[ONE]] : f32
// CHECK: %[[P:.+]] = arith.cmpf ogt, %[[YV]]
// CHECK: %[[R:.+]] = arith.select %[[P]], %[[DS]], %[[NEG]] : f32
// CHECK-NEXT: linalg.yield %[[R]]
// CHECK: return %[[Y]], %[[DY]]
func.func @elu(%x: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<8x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>,
                                        affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<8x4xf32>, tensor<4xf32>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    %pos = arith.cmpf ogt, %s, %zero : f32
    %em = math.expm1 %s : f32
    %r = arith.select %pos, %s, %em : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

func.func @elu_caller(%x: tensor<8x4xf32>, %b: tensor<4xf32>,
                      %dx: tensor<8x4xf32>, %db: tensor<4xf32>) -> tensor<8x4xf32> {
  %y, %dy = fm.jvp @elu(%x, %b) tangents(%dx, %db)
      : (tensor<8x4xf32>, tensor<4xf32>), (tensor<8x4xf32>, tensor<4xf32>)
      -> (tensor<8x4xf32>, tensor<8x4xf32>)
  return %dy : tensor<8x4xf32>
}

// -----

/// Tensor ops are linear: their tangent is the same op on the operands'
/// tangents, with zeros for an operand without one (here the known-zero
/// second input of the concatenation).

// CHECK-LABEL: func.func private @shapes_jvp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<4x3xf32>, %[[Y:[a-z0-9_]+]]: tensor<4x2xf32>, %[[DX:[a-z0-9_]+]]: tensor<4x3xf32>, %{{[a-z0-9_]+}}: tensor<4x2xf32>)
// CHECK: %[[C:.+]] = tensor.concat dim(1) %[[X]], %[[Y]]
// CHECK: %[[Z:.+]] = linalg.fill
// CHECK-SAME: -> tensor<4x2xf32>
// CHECK: %[[DC:.+]] = tensor.concat dim(1) %[[DX]], %[[Z]]
// CHECK: %[[E:.+]] = tensor.expand_shape %[[C]] {{\[\[}}0, 1], [2]] output_shape [2, 2, 5]
// CHECK: %[[DE:.+]] = tensor.expand_shape %[[DC]] {{\[\[}}0, 1], [2]] output_shape [2, 2, 5]
// CHECK: %[[S:.+]] = tensor.extract_slice %[[E]][0, 0, 1] [2, 2, 3] [1, 1, 1]
// CHECK: %[[DS:.+]] = tensor.extract_slice %[[DE]][0, 0, 1] [2, 2, 3] [1, 1, 1]
// CHECK: %[[F:.+]] = tensor.collapse_shape %[[S]] {{\[\[}}0, 1], [2]]
// CHECK: %[[DF:.+]] = tensor.collapse_shape %[[DS]] {{\[\[}}0, 1], [2]]
// CHECK: %[[K:.+]] = tensor.cast %[[F]] : tensor<4x3xf32> to tensor<?x3xf32>
// CHECK: %[[DK:.+]] = tensor.cast %[[DF]] : tensor<4x3xf32> to tensor<?x3xf32>
// CHECK: %[[V:.+]] = tensor.extract %[[K]]
// CHECK: %[[DV:.+]] = tensor.extract %[[DK]]
// CHECK: return %[[K]], %[[V]], %[[DK]], %[[DV]]
func.func @shapes(%x: tensor<4x3xf32>, %y: tensor<4x2xf32>) -> (tensor<?x3xf32>, f32) {
  %c = tensor.concat dim(1) %x, %y : (tensor<4x3xf32>, tensor<4x2xf32>) -> tensor<4x5xf32>
  %e = tensor.expand_shape %c [[0, 1], [2]] output_shape [2, 2, 5]
      : tensor<4x5xf32> into tensor<2x2x5xf32>
  %s = tensor.extract_slice %e[0, 0, 1] [2, 2, 3] [1, 1, 1]
      : tensor<2x2x5xf32> to tensor<2x2x3xf32>
  %f = tensor.collapse_shape %s [[0, 1], [2]] : tensor<2x2x3xf32> into tensor<4x3xf32>
  %k = tensor.cast %f : tensor<4x3xf32> to tensor<?x3xf32>
  %c1 = arith.constant 1 : index
  %v = tensor.extract %k[%c1, %c1] : tensor<?x3xf32>
  return %k, %v : tensor<?x3xf32>, f32
}

func.func @shapes_caller(%x: tensor<4x3xf32>, %y: tensor<4x2xf32>, %dx: tensor<4x3xf32>)
    -> (tensor<?x3xf32>, f32) {
  %z = arith.constant dense<0.0> : tensor<4x2xf32>
  %k, %v, %dk, %dv = fm.jvp @shapes(%x, %y) tangents(%dx, %z)
      : (tensor<4x3xf32>, tensor<4x2xf32>), (tensor<4x3xf32>, tensor<4x2xf32>)
      -> (tensor<?x3xf32>, f32, tensor<?x3xf32>, f32)
  return %dk, %dv : tensor<?x3xf32>, f32
}

// -----

/// insert_slice: the tangent inserts the source's tangent into the
/// destination's (zeros where the destination has none).

// CHECK-LABEL: func.func private @insert_jvp
// CHECK-SAME: (%{{[a-z0-9_]+}}: tensor<4x5xf32>, %{{[a-z0-9_]+}}: tensor<2x2xf32>, %{{[a-z0-9_]+}}: tensor<4x5xf32>, %[[DP:[a-z0-9_]+]]: tensor<2x2xf32>)
// CHECK: tensor.insert_slice
// CHECK: %[[Z:.+]] = linalg.fill {{.*}} -> tensor<4x5xf32>
// CHECK: %[[D:.+]] = tensor.insert_slice %[[DP]] into %[[Z]][0, 1] [2, 2] [1, 1]
// CHECK: return %{{.+}}, %[[D]]
func.func @insert(%x: tensor<4x5xf32>, %patch: tensor<2x2xf32>) -> tensor<4x5xf32> {
  %i = tensor.insert_slice %patch into %x[0, 1] [2, 2] [1, 1]
      : tensor<2x2xf32> into tensor<4x5xf32>
  return %i : tensor<4x5xf32>
}

func.func @insert_caller(%x: tensor<4x5xf32>, %p: tensor<2x2xf32>, %dp: tensor<2x2xf32>)
    -> tensor<4x5xf32> {
  %z = arith.constant dense<0.0> : tensor<4x5xf32>
  %i, %di = fm.jvp @insert(%x, %p) tangents(%z, %dp)
      : (tensor<4x5xf32>, tensor<2x2xf32>), (tensor<4x5xf32>, tensor<2x2xf32>)
      -> (tensor<4x5xf32>, tensor<4x5xf32>)
  return %di : tensor<4x5xf32>
}

// -----

/// tensor.insert (which the reverse sweep emits) inserts the scalar's
/// tangent into the destination's.

// CHECK-LABEL: func.func private @put_jvp
// CHECK-SAME: (%{{[a-z0-9_]+}}: tensor<4xf32>, %{{[a-z0-9_]+}}: f32, %[[DX:[a-z0-9_]+]]: tensor<4xf32>, %[[DS:[a-z0-9_]+]]: f32)
// CHECK: tensor.insert
// CHECK: %[[D:.+]] = tensor.insert %[[DS]] into %[[DX]][%{{.+}}]
// CHECK: return %{{.+}}, %[[D]]
func.func @put(%x: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  %c2 = arith.constant 2 : index
  %y = tensor.insert %s into %x[%c2] : tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @put_caller(%x: tensor<4xf32>, %s: f32, %dx: tensor<4xf32>, %ds: f32) -> tensor<4xf32> {
  %y, %dy = fm.jvp @put(%x, %s) tangents(%dx, %ds)
      : (tensor<4xf32>, f32), (tensor<4xf32>, f32) -> (tensor<4xf32>, tensor<4xf32>)
  return %dy : tensor<4xf32>
}

// -----

/// Calls to functions with bodies are inlined before the forward sweep.

// CHECK-LABEL: func.func private @outer_jvp
// CHECK-NOT: call
// CHECK: %[[E:.+]] = math.exp %[[X:[a-z0-9_]+]] : f32
// CHECK: %[[DE:.+]] = arith.mulf %[[DX:[a-z0-9_]+]], %[[E]] : f32
// CHECK: return %[[E]], %[[DE]]
func.func private @inner(%x: f32) -> f32 {
  %y = math.exp %x : f32
  return %y : f32
}

func.func @outer(%x: f32) -> f32 {
  %y = func.call @inner(%x) : (f32) -> f32
  return %y : f32
}

func.func @outer_caller(%x: f32, %dx: f32) -> f32 {
  %y, %dy = fm.jvp @outer(%x) tangents(%dx) : (f32), (f32) -> (f32, f32)
  return %dy : f32
}

// -----

/// Integers are not differentiated: an integer input's tangent is ignored,
/// a float computed from an integer has no tangent (fptosi/sitofp inside
/// the body contribute nothing) and an integer result's tangent is zero.

// CHECK-LABEL: func.func private @ints_jvp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<4xf32>, %[[N:[a-z0-9_]+]]: i64, %[[DX:[a-z0-9_]+]]: tensor<4xf32>, %{{[a-z0-9_]+}}: i64)
// CHECK: %[[F:.+]] = arith.sitofp %[[N]]
// CHECK: %[[Y:.+]] = linalg.generic
// CHECK: %[[DY:.+]] = linalg.generic {{.*}} ins(%[[X]], %[[DX]] : tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT: ^bb0(%{{[a-z0-9_]+}}: f32, %[[DV:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NEXT: %[[T:.+]] = arith.mulf %[[DV]], %[[F]] : f32
// CHECK-NEXT: linalg.yield %[[T]]
// CHECK: %[[M:.+]] = arith.addi %[[N]]
// CHECK: %[[Z:.+]] = arith.constant 0 : i64
// CHECK: return %[[Y]], %[[M]], %[[DY]], %[[Z]]
func.func @ints(%x: tensor<4xf32>, %n: i64) -> (tensor<4xf32>, i64) {
  %f = arith.sitofp %n : i64 to f32
  %e = tensor.empty() : tensor<4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.mulf %v, %f : f32
    %k = arith.fptosi %m : f32 to i64
    %r = arith.sitofp %k : i64 to f32
    %s = arith.addf %m, %r : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %one = arith.constant 1 : i64
  %n1 = arith.addi %n, %one : i64
  return %y, %n1 : tensor<4xf32>, i64
}

func.func @ints_caller(%x: tensor<4xf32>, %n: i64, %dx: tensor<4xf32>) -> (tensor<4xf32>, i64) {
  %y, %m, %dy, %dm = fm.jvp @ints(%x, %n) tangents(%dx, %n)
      : (tensor<4xf32>, i64), (tensor<4xf32>, i64) -> (tensor<4xf32>, i64, tensor<4xf32>, i64)
  return %dy, %dm : tensor<4xf32>, i64
}

// -----

/// A scalar the body reads from above passes its tangent the same way.

// CHECK-LABEL: func.func private @captured_jvp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<4xf32>, %{{[a-z0-9_]+}}: f32, %{{[a-z0-9_]+}}: tensor<4xf32>, %[[DS:[a-z0-9_]+]]: f32)
// CHECK: linalg.generic
// CHECK: linalg.generic {{.*}} ins(%[[X]] : tensor<4xf32>)
// CHECK-NEXT: ^bb0(%[[V:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32):
// CHECK-NEXT: %[[T:.+]] = arith.mulf %[[DS]], %[[V]] : f32
// CHECK-NEXT: linalg.yield %[[T]]
func.func @captured(%x: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %m = arith.mulf %v, %s : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  return %y : tensor<4xf32>
}

func.func @captured_caller(%x: tensor<4xf32>, %s: f32, %ds: f32) -> tensor<4xf32> {
  %z = arith.constant dense<0.0> : tensor<4xf32>
  %y, %dy = fm.jvp @captured(%x, %s) tangents(%z, %ds)
      : (tensor<4xf32>, f32), (tensor<4xf32>, f32) -> (tensor<4xf32>, tensor<4xf32>)
  return %dy : tensor<4xf32>
}

// -----

/// An op without a derivative rule that does not depend on a seeded input
/// (a call on a constant) is not an error.

// CHECK-LABEL: func.func private @inactive_jvp
// CHECK: call @opaque
// CHECK-LABEL: func.func @inactive_caller
func.func private @opaque(tensor<4xf32>) -> tensor<4xf32>

func.func @inactive(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant dense<2.0> : tensor<4xf32>
  %k = func.call @opaque(%c) : (tensor<4xf32>) -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.mul ins(%x, %k : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

func.func @inactive_caller(%x: tensor<4xf32>, %dx: tensor<4xf32>) -> tensor<4xf32> {
  %r, %dr = fm.jvp @inactive(%x) tangents(%dx)
      : (tensor<4xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %dr : tensor<4xf32>
}

// -----

/// A function that takes a JVP can itself be differentiated in forward
/// mode: the inner fm.jvp is expanded first (second derivative of exp).

/// d/dx (t·eˣ) along s: s·t·eˣ.

// CHECK-LABEL: func.func private @f_jvp
// CHECK-LABEL: func.func @first
// CHECK: call @f_jvp
// CHECK-LABEL: func.func private @first_jvp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: f32, %[[T:[a-z0-9_]+]]: f32, %[[S:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32)
// CHECK-NOT: call
// CHECK-NEXT: %[[E:.+]] = math.exp %[[X]]
// CHECK-NEXT: %[[DE:.+]] = arith.mulf %[[S]], %[[E]]
// CHECK-NEXT: %[[D:.+]] = arith.mulf %[[T]], %[[E]]
// CHECK-NEXT: %[[DD:.+]] = arith.mulf %[[DE]], %[[T]]
// CHECK-NEXT: return %[[D]], %[[DD]]
// CHECK-LABEL: func.func @second
// CHECK: call @first_jvp
func.func @f(%x: f32) -> f32 {
  %y = math.exp %x : f32
  return %y : f32
}

func.func @first(%x: f32, %t: f32) -> f32 {
  %y, %dy = fm.jvp @f(%x) tangents(%t) : (f32), (f32) -> (f32, f32)
  return %dy : f32
}

func.func @second(%x: f32, %t: f32, %s: f32) -> f32 {
  %zero = arith.constant 0.0 : f32
  %d, %dd = fm.jvp @first(%x, %t) tangents(%s, %zero) : (f32, f32), (f32, f32) -> (f32, f32)
  return %dd : f32
}

// -----

/// A maximum over the reduction loop: its tangent is the tangent of the
/// element equal to the result, which the tangent generic reads.

// CHECK-LABEL: func.func private @row_max_jvp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<4x3xf32>, %[[T:[a-z0-9_]+]]: tensor<4x3xf32>)
// CHECK: %[[M:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: %[[DM:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%[[X]], %[[T]], %[[M]] : tensor<4x3xf32>, tensor<4x3xf32>, tensor<4xf32>)
// CHECK-NEXT: ^bb0(%[[XV:[a-z0-9_]+]]: f32, %[[TV:[a-z0-9_]+]]: f32, %[[MV:[a-z0-9_]+]]: f32, %[[OUT:[a-z0-9_]+]]: f32):
// CHECK: %[[EQ:.+]] = arith.cmpf oeq, %[[XV]], %[[MV]] : f32
// CHECK: %[[SEL:.+]] = arith.select %[[EQ]], %[[TV]], %[[OUT]] : f32
// CHECK: linalg.yield %[[SEL]]
// CHECK: return %[[M]], %[[DM]]
func.func @row_max(%x: tensor<4x3xf32>) -> tensor<4xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty() : tensor<4xf32>
  %z = linalg.fill ins(%ninf : f32) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  %m = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>],
                       iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x3xf32>) outs(%z : tensor<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.maximumf %o, %v : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  return %m : tensor<4xf32>
}

func.func @row_max_caller(%x: tensor<4x3xf32>, %t: tensor<4x3xf32>) -> tensor<4xf32> {
  %m, %dm = fm.jvp @row_max(%x) tangents(%t)
      : (tensor<4x3xf32>), (tensor<4x3xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %dm : tensor<4xf32>
}
