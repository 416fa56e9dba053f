// RUN: fm-opt %s --fm-autodiff --split-input-file | FileCheck %s

/// matmul: dA = dC·Bᵀ and dB = Aᵀ·dC, as contractions over the loop the
/// operand does not index.

// CHECK-DAG: #[[$A:.+]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[$B:.+]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[$C:.+]] = affine_map<(d0, d1, d2) -> (d0, d1)>

// CHECK-LABEL: func.func private @matmul_vjp
// CHECK-SAME: (%[[A:[a-z0-9_]+]]: tensor<8x3xf32>, %[[B:[a-z0-9_]+]]: tensor<3x4xf32>, %[[DC:[a-z0-9_]+]]: tensor<8x4xf32>)
// CHECK-SAME: -> (tensor<8x4xf32>, tensor<8x3xf32>, tensor<3x4xf32>)
/// The forward product, generalized.
// CHECK: %[[FWD:.+]] = linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]]], iterator_types = ["parallel", "parallel", "reduction"]}
/// dA: output indexed like A, the n loop (d1) is summed.
// CHECK: %[[DA:.+]] = linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]], #[[$A]]], iterator_types = ["parallel", "reduction", "parallel"]}
// CHECK-SAME: ins(%[[A]], %[[B]], %[[DC]] : {{.*}})
// CHECK-NEXT: ^bb0(%{{[a-z0-9_]+}}: f32, %[[BV:[a-z0-9_]+]]: f32, %[[DCV:[a-z0-9_]+]]: f32, %[[ACC:[a-z0-9_]+]]: f32):
// CHECK: %[[P:.+]] = arith.mulf %[[DCV]], %[[BV]] : f32
// CHECK: %[[S:.+]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK: linalg.yield %[[S]]
/// dB: output indexed like B, the m loop (d0) is summed.
// CHECK: %[[DB:.+]] = linalg.generic {indexing_maps = [#[[$A]], #[[$B]], #[[$C]], #[[$B]]], iterator_types = ["reduction", "parallel", "parallel"]}
// CHECK-NEXT: ^bb0(%[[AV:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32, %[[DCV2:[a-z0-9_]+]]: f32, %[[ACC2:[a-z0-9_]+]]: f32):
// CHECK: %[[P2:.+]] = arith.mulf %[[DCV2]], %[[AV]] : f32
// CHECK: arith.addf %[[ACC2]], %[[P2]] : f32
// CHECK: return %[[FWD]], %[[DA]], %[[DB]]
// CHECK-LABEL: func.func @matmul_caller
// CHECK-SAME: (%[[A0:[a-z0-9_]+]]: tensor<8x3xf32>, %[[B0:[a-z0-9_]+]]: tensor<3x4xf32>, %[[CT:[a-z0-9_]+]]: tensor<8x4xf32>)
// CHECK: %[[R:.+]]:3 = call @matmul_vjp(%[[A0]], %[[B0]], %[[CT]])
// CHECK: return %[[R]]#1, %[[R]]#2
func.func @matmul(%a: tensor<8x3xf32>, %b: tensor<3x4xf32>) -> tensor<8x4xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x4xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<8x4xf32>) -> tensor<8x4xf32>
  %c = linalg.matmul ins(%a, %b : tensor<8x3xf32>, tensor<3x4xf32>)
      outs(%z : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %c : tensor<8x4xf32>
}

func.func @matmul_caller(%a: tensor<8x3xf32>, %b: tensor<3x4xf32>, %ct: tensor<8x4xf32>)
    -> (tensor<8x3xf32>, tensor<3x4xf32>) {
  %c, %da, %db = fm.vjp @matmul(%a, %b) cotangents(%ct)
      : (tensor<8x3xf32>, tensor<3x4xf32>), (tensor<8x4xf32>)
      -> (tensor<8x4xf32>, tensor<8x3xf32>, tensor<3x4xf32>)
  return %da, %db : tensor<8x3xf32>, tensor<3x4xf32>
}

// -----

/// A broadcast bias: its gradient sums the batch rows. The bias and x feed
/// one addf, so they share a scalar adjoint: the bias's gradient sums x's
/// gradient tensor instead of recomputing the body a second time.

// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$COL:.+]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func.func private @bias_vjp
// CHECK: %[[DX:.+]] = linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]], #[[$ID]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: outs(%{{.+}} : tensor<8x4xf32>)
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$COL]]], iterator_types = ["reduction", "parallel"]}
// CHECK-SAME: ins(%[[DX]] : tensor<8x4xf32>) outs(%{{.+}} : tensor<4xf32>)
func.func @bias(%x: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<8x4xf32> {
  %e = tensor.empty() : tensor<8x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>,
                                        affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<8x4xf32>, tensor<4xf32>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    linalg.yield %s : f32
  } -> tensor<8x4xf32>
  return %y : tensor<8x4xf32>
}

func.func @bias_caller(%x: tensor<8x4xf32>, %b: tensor<4xf32>, %ct: tensor<8x4xf32>)
    -> (tensor<8x4xf32>, tensor<4xf32>) {
  %y, %dx, %db = fm.vjp @bias(%x, %b) cotangents(%ct)
      : (tensor<8x4xf32>, tensor<4xf32>), (tensor<8x4xf32>)
      -> (tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xf32>)
  return %dx, %db : tensor<8x4xf32>, tensor<4xf32>
}

// -----

/// Only the gradients the callers read are computed: a caller that reads
/// dB alone gets a function without the dA product, and zeros for dA; a
/// caller that reads both gets its own function with both products.

// CHECK-LABEL: func.func private @product_vjp_0(
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "parallel"]
// CHECK-LABEL: func.func private @product_vjp(
// CHECK-SAME: -> (tensor<8x4xf32>, tensor<8x3xf32>, tensor<3x4xf32>)
// CHECK: %[[FWD:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
/// dB: the m loop (d0) is summed; no dA (its n loop summed) anywhere.
// CHECK-NOT: iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: %[[DB:.+]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel", "parallel"]
// CHECK-NOT: iterator_types = ["parallel", "reduction", "parallel"]
// CHECK: %[[ZERO:.+]] = linalg.fill {{.*}} -> tensor<8x3xf32>
// CHECK-NEXT: return %[[FWD]], %[[ZERO]], %[[DB]]
// CHECK-LABEL: func.func @weights_only
// CHECK: call @product_vjp(
// CHECK-LABEL: func.func @both
// CHECK: call @product_vjp_0(
func.func @product(%a: tensor<8x3xf32>, %b: tensor<3x4xf32>) -> tensor<8x4xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x4xf32>
  %z = linalg.fill ins(%c0 : f32) outs(%e : tensor<8x4xf32>) -> tensor<8x4xf32>
  %c = linalg.matmul ins(%a, %b : tensor<8x3xf32>, tensor<3x4xf32>)
      outs(%z : tensor<8x4xf32>) -> tensor<8x4xf32>
  return %c : tensor<8x4xf32>
}

func.func @weights_only(%a: tensor<8x3xf32>, %b: tensor<3x4xf32>, %ct: tensor<8x4xf32>)
    -> tensor<3x4xf32> {
  %c, %da, %db = fm.vjp @product(%a, %b) cotangents(%ct)
      : (tensor<8x3xf32>, tensor<3x4xf32>), (tensor<8x4xf32>)
      -> (tensor<8x4xf32>, tensor<8x3xf32>, tensor<3x4xf32>)
  return %db : tensor<3x4xf32>
}

func.func @both(%a: tensor<8x3xf32>, %b: tensor<3x4xf32>, %ct: tensor<8x4xf32>)
    -> (tensor<8x3xf32>, tensor<3x4xf32>) {
  %c, %da, %db = fm.vjp @product(%a, %b) cotangents(%ct)
      : (tensor<8x3xf32>, tensor<3x4xf32>), (tensor<8x4xf32>)
      -> (tensor<8x4xf32>, tensor<8x3xf32>, tensor<3x4xf32>)
  return %da, %db : tensor<8x3xf32>, tensor<3x4xf32>
}

// -----

/// Two fm.vjp of one callee share one generated function; an input the
/// result does not depend on gets a zero gradient; an inactive op without
/// a derivative rule (a call on a constant) is not an error.

// CHECK-LABEL: func.func private @shared_vjp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<4xf32>, %[[Y:[a-z0-9_]+]]: tensor<4xf32>, %[[CT:[a-z0-9_]+]]: tensor<4xf32>)
// CHECK: call @opaque
// CHECK: linalg.generic
// CHECK: %[[DX:.+]] = linalg.generic
// CHECK: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK-NEXT: %[[E:.+]] = tensor.empty() : tensor<4xf32>
// CHECK-NEXT: %[[DY:.+]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[E]] : tensor<4xf32>) -> tensor<4xf32>
// CHECK-NEXT: return %{{.+}}, %[[DX]], %[[DY]]
// CHECK-NOT: func.func private @shared_vjp
// CHECK-LABEL: func.func @shared_caller
// CHECK: call @shared_vjp
// CHECK: call @shared_vjp
func.func private @opaque(tensor<4xf32>) -> tensor<4xf32>

func.func @shared(%x: tensor<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant dense<2.0> : tensor<4xf32>
  %k = func.call @opaque(%c) : (tensor<4xf32>) -> tensor<4xf32>
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.mul ins(%x, %k : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %r : tensor<4xf32>
}

func.func @shared_caller(%x: tensor<4xf32>, %y: tensor<4xf32>, %ct: tensor<4xf32>)
    -> (tensor<4xf32>, tensor<4xf32>) {
  %r1, %dx1, %dy1 = fm.vjp @shared(%x, %y) cotangents(%ct)
      : (tensor<4xf32>, tensor<4xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  %r2, %dx2, %dy2 = fm.vjp @shared(%y, %x) cotangents(%ct)
      : (tensor<4xf32>, tensor<4xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>)
  return %dx1, %dx2 : tensor<4xf32>, tensor<4xf32>
}

// -----

/// The generated name does not clash with an existing symbol.

// CHECK-LABEL: func.func private @square_vjp_0(
// CHECK-LABEL: func.func @square_vjp(
// CHECK-LABEL: func.func @clash_caller
// CHECK: call @square_vjp_0
func.func @square(%x: f32) -> f32 {
  %y = arith.mulf %x, %x : f32
  return %y : f32
}

func.func @square_vjp(%x: f32) -> f32 {
  return %x : f32
}

func.func @clash_caller(%x: f32, %ct: f32) -> f32 {
  %y, %dx = fm.vjp @square(%x) cotangents(%ct) : (f32), (f32) -> (f32, f32)
  return %dx : f32
}

// -----

/// Calls to functions with bodies are inlined before the reverse sweep.

// CHECK-LABEL: func.func private @outer_vjp
// CHECK-NOT: call
// CHECK: %[[SQ:.+]] = arith.mulf %[[X:[a-z0-9_]+]], %[[X]] : f32
// CHECK: %[[A:.+]] = arith.mulf %[[CT:[a-z0-9_]+]], %[[X]] : f32
// CHECK: %[[B:.+]] = arith.mulf %[[CT]], %[[X]] : f32
// CHECK: %[[DX:.+]] = arith.addf %[[A]], %[[B]] : f32
// CHECK: return %[[SQ]], %[[DX]]
func.func private @inner(%x: f32) -> f32 {
  %y = arith.mulf %x, %x : f32
  return %y : f32
}

func.func @outer(%x: f32) -> f32 {
  %y = func.call @inner(%x) : (f32) -> f32
  return %y : f32
}

func.func @outer_caller(%x: f32, %ct: f32) -> f32 {
  %y, %dx = fm.vjp @outer(%x) cotangents(%ct) : (f32), (f32) -> (f32, f32)
  return %dx : f32
}

// -----

/// An activation's derivative comes from its output: the adjoint generic
/// reads the forward result y (ELU: y > 0 ? g : g·(y + 1); ReLU: y > 0 ? g :
/// 0), never recomputes expm1, and no longer needs the pre-activation.

// CHECK-LABEL: func.func private @elu_relu_vjp
// CHECK: %[[Y:.+]] = linalg.generic {{.*}} ins(%[[X:[a-z0-9_]+]], %{{.+}} : tensor<8x4xf32>, tensor<4xf32>)
// CHECK: math.expm1
// CHECK: %[[R:.+]] = linalg.generic {{.*}} ins(%[[Y]] : tensor<8x4xf32>)
// The ReLU's adjoint: y > 0 ? g : 0, from its output R.
// CHECK: %[[DY:.+]] = linalg.generic {{.*}} ins(%[[Y]], %{{.+}}, %[[R]] : tensor<8x4xf32>, tensor<8x4xf32>, tensor<8x4xf32>)
// CHECK-NEXT: ^bb0(%{{.+}}: f32, %[[G:.+]]: f32, %[[RY:.+]]: f32, %[[OUT:.+]]: f32):
// CHECK-NEXT: arith.constant 0.0
// CHECK-NEXT: %[[P:.+]] = arith.cmpf ogt, %[[RY]]
// CHECK-NEXT: arith.constant 0.0
// CHECK-NEXT: %[[S:.+]] = arith.select %[[P]], %[[G]]
// CHECK-NEXT: arith.addf %[[OUT]], %[[S]]
// The ELU's: y > 0 ? g : g·(y + 1), from its output Y; no expm1.
// CHECK: linalg.generic {{.*}} ins(%[[X]], %{{.+}}, %[[DY]], %[[Y]] : tensor<8x4xf32>, tensor<4xf32>, tensor<8x4xf32>, tensor<8x4xf32>)
// CHECK-NEXT: ^bb0(%{{.+}}: f32, %{{.+}}: f32, %[[G2:.+]]: f32, %[[EY:.+]]: f32, %{{.+}}: f32):
// CHECK-NOT: math.expm1
// CHECK: %[[ONE:.+]] = arith.addf %[[EY]], %{{.+}} : f32
// CHECK: %[[NEG:.+]] = arith.mulf %[[G2]], %[[ONE]] : f32
// CHECK: %[[EP:.+]] = arith.cmpf ogt, %[[EY]]
// CHECK: arith.select %[[EP]], %[[G2]], %[[NEG]] : f32
// CHECK: return
func.func @elu_relu(%x: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<8x4xf32> {
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
  %z = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<8x4xf32>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %r = arith.maximumf %v, %zero : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  return %z : tensor<8x4xf32>
}

func.func @elu_relu_caller(%x: tensor<8x4xf32>, %b: tensor<4xf32>, %ct: tensor<8x4xf32>)
    -> (tensor<8x4xf32>, tensor<4xf32>) {
  %z, %dx, %db = fm.vjp @elu_relu(%x, %b) cotangents(%ct)
      : (tensor<8x4xf32>, tensor<4xf32>), (tensor<8x4xf32>)
      -> (tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xf32>)
  return %dx, %db : tensor<8x4xf32>, tensor<4xf32>
}

// -----

/// Sigmoid's and SiLU's derivatives come from their input s, with e =
/// exp(−s) for −s below 80 and σ = 1 / (1 + e): σ·(e·σ) and σ·(1 + s·e·σ),
/// one division each (the rules for their ops divide twice), and no
/// subtraction 1 − σ that would cancel.

// CHECK-LABEL: func.func private @silu_sigmoid_vjp
// CHECK: %[[Y:.+]] = linalg.generic {{.*}} ins(%[[X:[a-z0-9_]+]], %[[B:[a-z0-9_]+]] : tensor<8x4xf32>, tensor<4xf32>)
// The sigmoid's adjoint, from its input Y.
// CHECK: %[[DY:.+]] = linalg.generic {{.*}} ins(%[[Y]], %{{.+}} : tensor<8x4xf32>, tensor<8x4xf32>)
// CHECK-NEXT: ^bb0(%[[S:.+]]: f32, %[[G:.+]]: f32, %[[OUT:.+]]: f32):
// CHECK-NEXT: %[[M:.+]] = arith.negf %[[S]]
// CHECK-NEXT: %[[BOUND:.+]] = arith.constant 8.0{{0*}}e+01
// CHECK-NEXT: %[[LT:.+]] = arith.cmpf ult, %[[M]], %[[BOUND]]
// CHECK-NEXT: %[[ARG:.+]] = arith.select %[[LT]], %[[M]], %[[BOUND]]
// CHECK-NEXT: %[[E:.+]] = math.exp %[[ARG]]
// CHECK: %[[D:.+]] = arith.addf %{{.+}}, %[[E]]
// CHECK-NEXT: %[[SIG:.+]] = arith.divf %{{.+}}, %[[D]]
// CHECK-NEXT: %[[C:.+]] = arith.mulf %[[E]], %[[SIG]]
// CHECK-NEXT: %[[SLOPE:.+]] = arith.mulf %[[SIG]], %[[C]]
// CHECK-NEXT: %[[T:.+]] = arith.mulf %[[G]], %[[SLOPE]]
// CHECK-NEXT: arith.addf %[[OUT]], %[[T]]
// The SiLU's, from its input x + b; the body divides once.
// CHECK: linalg.generic {{.*}} ins(%[[X]], %[[B]], %[[DY]] : tensor<8x4xf32>, tensor<4xf32>, tensor<8x4xf32>)
// CHECK-NEXT: ^bb0(%{{.+}}: f32, %{{.+}}: f32, %[[G2:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: %[[S2:.+]] = arith.addf
// CHECK: %[[E2:.+]] = math.exp
// CHECK: %[[SIG2:.+]] = arith.divf
// CHECK-NOT: arith.divf
// CHECK: %[[C2:.+]] = arith.mulf %[[E2]], %[[SIG2]]
// CHECK: %[[SC:.+]] = arith.mulf %[[S2]], %[[C2]]
// CHECK-NEXT: %[[W:.+]] = arith.addf %{{.+}}, %[[SC]]
// CHECK-NEXT: %[[SLOPE2:.+]] = arith.mulf %[[SIG2]], %[[W]]
// CHECK-NEXT: arith.mulf %[[G2]], %[[SLOPE2]]
// CHECK: return
func.func @silu_sigmoid(%x: tensor<8x4xf32>, %b: tensor<4xf32>) -> tensor<8x4xf32> {
  %one = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<8x4xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>,
                                        affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : tensor<8x4xf32>, tensor<4xf32>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    %n = arith.negf %s : f32
    %ex = math.exp %n : f32
    %d = arith.addf %one, %ex : f32
    %q = arith.divf %one, %d : f32
    %r = arith.mulf %s, %q : f32
    linalg.yield %r : f32
  } -> tensor<8x4xf32>
  %z = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%y : tensor<8x4xf32>) outs(%e : tensor<8x4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    %ex = math.exp %n : f32
    %d = arith.addf %one, %ex : f32
    %q = arith.divf %one, %d : f32
    linalg.yield %q : f32
  } -> tensor<8x4xf32>
  return %z : tensor<8x4xf32>
}

func.func @silu_sigmoid_caller(%x: tensor<8x4xf32>, %b: tensor<4xf32>, %ct: tensor<8x4xf32>)
    -> (tensor<8x4xf32>, tensor<4xf32>) {
  %z, %dx, %db = fm.vjp @silu_sigmoid(%x, %b) cotangents(%ct)
      : (tensor<8x4xf32>, tensor<4xf32>), (tensor<8x4xf32>)
      -> (tensor<8x4xf32>, tensor<8x4xf32>, tensor<4xf32>)
  return %dx, %db : tensor<8x4xf32>, tensor<4xf32>
}

// -----

/// A collapse of a dynamic batch: the adjoint expands back to the source's
/// sizes, the dynamic one read with tensor.dim.
func.func @collapse_dynamic(%x: tensor<?x2x3xf32>) -> tensor<?x6xf32> {
  %y = tensor.collapse_shape %x [[0], [1, 2]] : tensor<?x2x3xf32> into tensor<?x6xf32>
  return %y : tensor<?x6xf32>
}

// CHECK-LABEL: func.func private @collapse_dynamic_vjp
// CHECK-SAME: (%[[X:.*]]: tensor<?x2x3xf32>, %[[CT:.*]]: tensor<?x6xf32>)
// CHECK: %[[N:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x2x3xf32>
// CHECK: tensor.expand_shape %[[CT]] {{\[\[}}0], [1, 2]] output_shape [%[[N]], 2, 3] : tensor<?x6xf32> into tensor<?x2x3xf32>
func.func @caller(%x: tensor<?x2x3xf32>, %ct: tensor<?x6xf32>) -> tensor<?x2x3xf32> {
  %y, %dx = fm.vjp @collapse_dynamic(%x) cotangents(%ct)
      : (tensor<?x2x3xf32>), (tensor<?x6xf32>) -> (tensor<?x6xf32>, tensor<?x2x3xf32>)
  return %dx : tensor<?x2x3xf32>
}

// -----

/// A maximum over the reduction loop: the adjoint goes to the elements
/// equal to the result, read by the adjoint generic.

// CHECK-LABEL: func.func private @row_max_vjp
// CHECK-SAME: (%[[X:[a-z0-9_]+]]: tensor<4x3xf32>, %[[CT:[a-z0-9_]+]]: tensor<4xf32>)
// CHECK: %[[M:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: %[[DX:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[X]], %[[CT]], %[[M]] : tensor<4x3xf32>, tensor<4xf32>, tensor<4xf32>)
// CHECK-NEXT: ^bb0(%[[XV:[a-z0-9_]+]]: f32, %[[G:[a-z0-9_]+]]: f32, %[[MV:[a-z0-9_]+]]: f32, %[[ACC:[a-z0-9_]+]]: f32):
// CHECK: %[[EQ:.+]] = arith.cmpf oeq, %[[XV]], %[[MV]] : f32
// CHECK: %[[SEL:.+]] = arith.select %[[EQ]], %[[G]], %{{.+}} : f32
// CHECK: arith.addf %[[ACC]], %[[SEL]] : f32
// CHECK: return %[[M]], %[[DX]]
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

func.func @row_max_caller(%x: tensor<4x3xf32>, %ct: tensor<4xf32>) -> tensor<4x3xf32> {
  %m, %dx = fm.vjp @row_max(%x) cotangents(%ct)
      : (tensor<4x3xf32>), (tensor<4xf32>) -> (tensor<4xf32>, tensor<4x3xf32>)
  return %dx : tensor<4x3xf32>
}
