// RUN: fm-opt %s --fm-convert-to-linalg --split-input-file | FileCheck %s

/// Uniform tokens: one generic with no input; each element takes the word
/// fm.random_uniform takes and maps it to ⌊x · V / 2³²⌋ in i64, truncated
/// to an i32 result.

// CHECK-LABEL: func.func @tokens
// CHECK: %[[E:.+]] = tensor.empty() : tensor<8x2xi32>
// CHECK: linalg.generic
// CHECK-SAME: outs(%[[E]] : tensor<8x2xi32>)
// CHECK: %[[V:.+]] = arith.constant 100 : i64
// CHECK-NEXT: %[[P:.+]] = arith.muli %{{.+}}, %[[V]] : i64
// CHECK-NEXT: %[[S:.+]] = arith.constant 32 : i64
// CHECK-NEXT: %[[T:.+]] = arith.shrui %[[P]], %[[S]] : i64
// CHECK-NEXT: %[[N:.+]] = arith.trunci %[[T]] : i64 to i32
// CHECK-NEXT: linalg.yield %[[N]] : i32
func.func @tokens(%seed: i64, %offset: i64) -> tensor<8x2xi32> {
  %x = fm.random_tokens %seed, %offset stream 3 vocabulary 100 : tensor<8x2xi32>
  return %x : tensor<8x2xi32>
}

// -----

/// A mixture sample: one generic over the tokens reading x0, x1 and its
/// row's time; κ_t = t² for the polynomial scheduler of degree 2, and the
/// element keeps x1 where its uniform is below κ_t.

// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @mixture
// CHECK-SAME: (%[[X0:[a-z0-9]+]]: tensor<4x2xi64>, %[[X1:[a-z0-9]+]]: tensor<4x2xi64>, %[[T:[a-z0-9]+]]: tensor<4xf32>
// CHECK: linalg.generic {indexing_maps = [#[[$ID]], #[[$ID]], #[[$ROW]], #[[$ID]]], iterator_types = ["parallel", "parallel"]}
// CHECK-SAME: ins(%[[X0]], %[[X1]], %[[T]] : tensor<4x2xi64>, tensor<4x2xi64>, tensor<4xf32>)
// CHECK: ^bb0(%[[A:.+]]: i64, %[[B:.+]]: i64, %[[TV:.+]]: f32, %{{.+}}: i64):
// CHECK: %[[U:.+]] = arith.mulf %{{.+}}, %{{.+}} : f32
// CHECK-NEXT: %[[K:.+]] = arith.mulf %[[TV]], %[[TV]] : f32
// CHECK: %[[LT:.+]] = arith.cmpf olt, %[[U]], %[[K]] : f32
// CHECK: %[[R:.+]] = arith.select %[[LT]], %[[B]], %[[A]] : i64
// CHECK: linalg.yield %[[R]] : i64
func.func @mixture(%x0: tensor<4x2xi64>, %x1: tensor<4x2xi64>, %t: tensor<4xf32>,
                   %seed: i64, %offset: i64) -> tensor<4x2xi64> {
  %x = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %t, %seed, %offset stream 2
      : tensor<4x2xi64>, tensor<4xf32>
  return %x : tensor<4x2xi64>
}

// -----

/// Softmax over the last dimension: the maximum (a max-reduction, marked
/// fm.stop_gradient), the sum of exp(x − max), lse = max + log(sum), and
/// exp(x − lse) elementwise.

// CHECK-LABEL: func.func @softmax
// CHECK: %[[MAX:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK: arith.maximumf
// CHECK: %[[SG:.+]] = fm.stop_gradient %[[MAX]] : tensor<4xf32>
// CHECK: %[[SUM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME: ins(%{{.+}}, %[[SG]] : tensor<4x8xf32>, tensor<4xf32>)
// CHECK: math.exp
// CHECK: %[[LSE:.+]] = linalg.generic {{.*}} ins(%[[SG]], %[[SUM]] : tensor<4xf32>, tensor<4xf32>)
// CHECK: math.log
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %[[LSE]] : tensor<4x8xf32>, tensor<4xf32>)
// CHECK: arith.subf
// CHECK-NEXT: math.exp
func.func @softmax(%l: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %p = fm.softmax %l : tensor<4x8xf32>
  return %p : tensor<4x8xf32>
}

// -----

/// Cross-entropy: lse per token, the target's logit as a sum over the
/// vocabulary of `v == x1 ? logit : 0`, and the mean of lse − logit.

// CHECK-LABEL: func.func @cross_entropy
// CHECK: fm.stop_gradient
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%{{.+}}, %{{.+}} : tensor<4x2x8xf32>, tensor<4x2xi32>)
// CHECK: %[[V:.+]] = linalg.index 2 : index
// CHECK: %[[VI:.+]] = arith.index_cast %[[V]] : index to i32
// CHECK: %[[IS:.+]] = arith.cmpi eq, %[[VI]], %{{.+}} : i32
// CHECK: arith.select %[[IS]]
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: arith.subf
// CHECK: arith.divf
func.func @cross_entropy(%l: tensor<4x2x8xf32>, %x1: tensor<4x2xi32>) -> f32 {
  %loss = fm.cross_entropy_loss %l, %x1 : tensor<4x2x8xf32>, tensor<4x2xi32> -> f32
  return %loss : f32
}

// -----

/// The generalized KL: lse and the logits of x1 and x_t, then one reduction
/// over the tokens whose body takes κ = t² and κ̇ = 2t from the row's time.

// CHECK-LABEL: func.func @generalized_kl
// CHECK-COUNT-2: arith.cmpi eq, %{{.+}}, %{{.+}} : i64
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "reduction"]
// CHECK: ^bb0(%[[LSE:.+]]: f32, %[[L1:.+]]: f32, %[[LT:.+]]: f32, %[[X1:.+]]: i64, %[[XT:.+]]: i64, %[[T:.+]]: f32, %{{.+}}: f32):
// CHECK: %[[K:.+]] = arith.mulf %[[T]], %[[T]] : f32
// CHECK: %[[SAME:.+]] = arith.cmpi eq, %[[X1]], %[[XT]] : i64
// CHECK: %[[PT:.+]] = arith.subf %[[LT]], %[[LSE]] : f32
// CHECK: math.exp %[[PT]] : f32
// CHECK: arith.subf %[[L1]], %[[LSE]] : f32
func.func @generalized_kl(%l: tensor<4x2x8xf32>, %x1: tensor<4x2xi64>, %xt: tensor<4x2xi64>,
                          %t: tensor<4xf32>) -> f32 {
  %loss = fm.generalized_kl_loss #fm.poly<2.0> %l, %x1, %xt, %t
      : tensor<4x2x8xf32>, tensor<4x2xi64>, tensor<4xf32> -> f32
  return %loss : f32
}

// -----

/// A categorical draw: one generic over the tokens; in its body, the total
/// weight and then the inverse-CDF scan, two loops over the vocabulary that
/// read the token's row of weights.

// CHECK-LABEL: func.func @categorical
// CHECK-SAME: (%[[P:[a-z0-9]+]]: tensor<4x2x8xf32>
// CHECK: linalg.generic
// CHECK-SAME: outs(%{{.+}} : tensor<4x2xi64>)
// CHECK: scf.for
// CHECK: tensor.extract %[[P]][%{{.+}}, %{{.+}}, %{{.+}}] : tensor<4x2x8xf32>
// CHECK: scf.for
// CHECK: arith.cmpf ogt
// CHECK: arith.index_cast %{{.+}} : index to i64
func.func @categorical(%p: tensor<4x2x8xf32>, %seed: i64, %offset: i64) -> tensor<4x2xi64> {
  %x = fm.random_categorical %p, %seed, %offset stream 0 : tensor<4x2x8xf32> -> tensor<4x2xi64>
  return %x : tensor<4x2xi64>
}

// -----

/// An Euler step: one generic over the tokens reading x_t and the row's
/// time. A token whose u2 is at least 1 − exp(−h·bound), the bound
/// (rate + c)·1.001 + 10⁻⁶ of λ, keeps x_t; the others take the loops over
/// the vocabulary for X1 (total and scan) and λ, the jump test
/// 1 − exp(−h·λ), then loops for the new value (total and scan).

// CHECK-LABEL: func.func @euler_step
// CHECK: linalg.generic
// CHECK: ^bb0(%[[XT:.+]]: i64, %{{.+}}: f32, %{{.+}}: i64):
// CHECK: %[[BOUND:.+]] = arith.addf %{{.+}}, %{{.+}} : f32
// CHECK: %[[WIDE:.+]] = arith.mulf %[[BOUND]], %{{.+}} : f32
// CHECK: arith.addf %[[WIDE]], %{{.+}} : f32
// CHECK: math.exp
// CHECK: %[[MAY:.+]] = arith.cmpf olt, %{{.+}}, %{{.+}} : f32
// CHECK: %[[Y:.+]] = scf.if %[[MAY]] -> (i64) {
// CHECK-COUNT-3: scf.for
// CHECK: math.exp
// CHECK-COUNT-2: scf.for
// CHECK: %[[JUMPED:.+]] = arith.select %{{.+}}, %{{.+}}, %[[XT]] : i64
// CHECK: scf.yield %[[JUMPED]] : i64
// CHECK: } else {
// CHECK: scf.yield %[[XT]] : i64
// CHECK: linalg.yield %[[Y]] : i64
func.func @euler_step(%x: tensor<4x2xi64>, %p: tensor<4x2x8xf32>, %t: tensor<4xf32>,
                      %h: f32, %c: f32, %seed: i64, %offset: i64) -> tensor<4x2xi64> {
  %y = fm.mixture_euler_step #fm.poly<2.0> source(uniform) %x, %p, %t, %h, %c, %seed, %offset stream 1
      : tensor<4x2xi64>, tensor<4x2x8xf32>, tensor<4xf32>
  return %y : tensor<4x2xi64>
}

// -----

/// A dynamic batch: the result's tensor.empty takes x_t's first size, and
/// no element's block reads it (the linear index starts from the batch row).

// CHECK-LABEL: func.func @euler_step_dynamic
// CHECK-SAME: (%[[X:[^:]+]]: tensor<?x2xi64>
// CHECK: %[[N:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x2xi64>
// CHECK: tensor.empty(%[[N]]) : tensor<?x2xi64>
// CHECK: linalg.generic
// CHECK-NOT: tensor.dim
// CHECK: linalg.yield
func.func @euler_step_dynamic(%x: tensor<?x2xi64>, %p: tensor<?x2x8xf32>, %t: tensor<?xf32>,
                              %h: f32, %c: f32, %seed: i64, %offset: i64) -> tensor<?x2xi64> {
  %y = fm.mixture_euler_step #fm.poly<2.0> source(uniform) %x, %p, %t, %h, %c, %seed, %offset stream 1
      : tensor<?x2xi64>, tensor<?x2x8xf32>, tensor<?xf32>
  return %y : tensor<?x2xi64>
}

// -----

// CHECK-LABEL: func.func @categorical_dynamic
// CHECK-SAME: (%[[P:[^:]+]]: tensor<?x2x8xf32>
// CHECK: %[[N:.+]] = tensor.dim %[[P]], %{{.+}} : tensor<?x2x8xf32>
// CHECK: tensor.empty(%[[N]]) : tensor<?x2xi64>
func.func @categorical_dynamic(%p: tensor<?x2x8xf32>, %seed: i64, %offset: i64) -> tensor<?x2xi64> {
  %x = fm.random_categorical %p, %seed, %offset stream 0 : tensor<?x2x8xf32> -> tensor<?x2xi64>
  return %x : tensor<?x2xi64>
}
