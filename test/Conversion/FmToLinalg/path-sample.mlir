// RUN: fm-opt %s --fm-convert-to-linalg --split-input-file | FileCheck %s

/// CondOT: x_t = (1 - t)·x0 + t·x1 and dx_t = x1 - x0 in one linalg.generic;
/// the constant coefficients −1 and 1 fold into a single subtraction.

// CHECK-DAG: #[[$ID:.+]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[$ROW:.+]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @cond_ot
// CHECK-SAME: (%[[X0:[a-z0-9_]+]]: tensor<256x2xf32>, %[[X1:[a-z0-9_]+]]: tensor<256x2xf32>, %[[T:[a-z0-9_]+]]: tensor<256xf32>)
// CHECK-DAG: %[[E0:.+]] = tensor.empty() : tensor<256x2xf32>
// CHECK-DAG: %[[E1:.+]] = tensor.empty() : tensor<256x2xf32>
// CHECK: %[[G:.+]]:2 = linalg.generic
// CHECK-SAME: indexing_maps = [#[[$ID]], #[[$ID]], #[[$ROW]], #[[$ID]], #[[$ID]]]
// CHECK-SAME: iterator_types = ["parallel", "parallel"]
// CHECK-SAME: ins(%[[X0]], %[[X1]], %[[T]] : tensor<256x2xf32>, tensor<256x2xf32>, tensor<256xf32>)
// CHECK-SAME: outs(%[[E0]], %[[E1]] : tensor<256x2xf32>, tensor<256x2xf32>)
// CHECK: ^bb0(%[[A:[a-z0-9_]+]]: f32, %[[B:[a-z0-9_]+]]: f32, %[[TT:[a-z0-9_]+]]: f32, %{{[a-z0-9_]+}}: f32, %{{[a-z0-9_]+}}: f32):
// CHECK:   %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK:   %[[SIGMA:.+]] = arith.subf %[[ONE]], %[[TT]] : f32
// CHECK:   %[[SX0:.+]] = arith.mulf %[[SIGMA]], %[[A]] : f32
// CHECK:   %[[AX1:.+]] = arith.mulf %[[TT]], %[[B]] : f32
// CHECK:   %[[XT:.+]] = arith.addf %[[SX0]], %[[AX1]] : f32
// CHECK:   %[[DXT:.+]] = arith.subf %[[B]], %[[A]] : f32
// CHECK:   linalg.yield %[[XT]], %[[DXT]] : f32, f32
// CHECK: return %[[G]]#0, %[[G]]#1
// CHECK-NOT: fm.
func.func @cond_ot(%x0: tensor<256x2xf32>, %x1: tensor<256x2xf32>, %t: tensor<256xf32>)
    -> (tensor<256x2xf32>, tensor<256x2xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x0, %x1, %t : tensor<256x2xf32>, tensor<256xf32>
  return %x_t, %dx_t : tensor<256x2xf32>, tensor<256x2xf32>
}

// -----

/// poly<1.0> is CondOT: no math.powf is emitted.
// CHECK-LABEL: func.func @poly_one_is_cond_ot
// CHECK: ^bb0(%[[A:[a-z0-9_]+]]: f32, %[[B:[a-z0-9_]+]]: f32,
// CHECK-NOT: math.powf
// CHECK: %[[DXT:.+]] = arith.subf %[[B]], %[[A]] : f32
// CHECK-NEXT: linalg.yield %{{.+}}, %[[DXT]]
func.func @poly_one_is_cond_ot(%x0: tensor<8x2xf32>, %x1: tensor<8x2xf32>, %t: tensor<8xf32>)
    -> tensor<8x2xf32> {
  %x_t, %dx_t = fm.path_sample #fm.poly<1.0> %x0, %x1, %t : tensor<8x2xf32>, tensor<8xf32>
  return %dx_t : tensor<8x2xf32>
}

// -----

/// poly<2.0>: α = t·t, α̇ = 2t, σ = 1 − α, σ̇ = −α̇; no math.powf.
// CHECK-LABEL: func.func @poly_two
// CHECK: ^bb0(%[[A:[a-z0-9_]+]]: f32, %[[B:[a-z0-9_]+]]: f32, %[[T:[a-z0-9_]+]]: f32,
// CHECK-NOT: math.powf
// CHECK: %[[ALPHA:.+]] = arith.mulf %[[T]], %[[T]] : f32
// CHECK: %[[TWO:.+]] = arith.constant 2.000000e+00 : f32
// CHECK: %[[DALPHA:.+]] = arith.mulf %[[TWO]], %[[T]] : f32
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[SIGMA:.+]] = arith.subf %[[ONE]], %[[ALPHA]] : f32
// CHECK: %[[DSIGMA:.+]] = arith.negf %[[DALPHA]] : f32
// CHECK: %[[T0:.+]] = arith.mulf %[[SIGMA]], %[[A]] : f32
// CHECK: %[[T1:.+]] = arith.mulf %[[ALPHA]], %[[B]] : f32
// CHECK: %[[XT:.+]] = arith.addf %[[T0]], %[[T1]] : f32
// CHECK: %[[T2:.+]] = arith.mulf %[[DSIGMA]], %[[A]] : f32
// CHECK: %[[T3:.+]] = arith.mulf %[[DALPHA]], %[[B]] : f32
// CHECK: %[[DXT:.+]] = arith.addf %[[T2]], %[[T3]] : f32
// CHECK: linalg.yield %[[XT]], %[[DXT]]
func.func @poly_two(%x0: tensor<8x2xf32>, %x1: tensor<8x2xf32>, %t: tensor<8xf32>)
    -> (tensor<8x2xf32>, tensor<8x2xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.poly<2.0> %x0, %x1, %t : tensor<8x2xf32>, tensor<8xf32>
  return %x_t, %dx_t : tensor<8x2xf32>, tensor<8x2xf32>
}

// -----

/// A general exponent: α = powf(t, n) and α̇ = n·powf(t, n − 1).
// CHECK-LABEL: func.func @poly_general
// CHECK: ^bb0(%{{[a-z0-9_]+}}: f32, %{{[a-z0-9_]+}}: f32, %[[T:[a-z0-9_]+]]: f32,
// CHECK: %[[N:.+]] = arith.constant 3.500000e+00 : f32
// CHECK: %[[ALPHA:.+]] = math.powf %[[T]], %[[N]] : f32
// CHECK: %[[N1:.+]] = arith.constant 2.500000e+00 : f32
// CHECK: %[[P:.+]] = math.powf %[[T]], %[[N1]] : f32
// CHECK: %[[NN:.+]] = arith.constant 3.500000e+00 : f32
// CHECK: %[[DALPHA:.+]] = arith.mulf %[[NN]], %[[P]] : f32
// CHECK: arith.subf %{{.+}}, %[[ALPHA]] : f32
// CHECK: arith.negf %[[DALPHA]] : f32
func.func @poly_general(%x0: tensor<8x2xf32>, %x1: tensor<8x2xf32>, %t: tensor<8xf32>)
    -> (tensor<8x2xf32>, tensor<8x2xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.poly<3.5> %x0, %x1, %t : tensor<8x2xf32>, tensor<8xf32>
  return %x_t, %dx_t : tensor<8x2xf32>, tensor<8x2xf32>
}

// -----

/// VP with s = 1 − t: T = s·(½(β_max − β_min)·s + β_min), T′ = −(β_max − β_min)·s − β_min,
/// α = exp(−T/2), σ = sqrt(1 − exp(−T)), α̇ = −½T′α, σ̇ = ½T′·exp(−T)/σ.
// CHECK-LABEL: func.func @vp
// CHECK: ^bb0(%[[A:[a-z0-9_]+]]: f32, %[[B:[a-z0-9_]+]]: f32, %[[T:[a-z0-9_]+]]: f32,
// CHECK: %[[S:.+]] = arith.subf %{{.+}}, %[[T]] : f32
// CHECK: %[[HALFRANGE:.+]] = arith.constant 9.9499998 : f32
// CHECK: %[[U:.+]] = arith.mulf %[[HALFRANGE]], %[[S]] : f32
// CHECK: %[[BMIN:.+]] = arith.constant 1.000000e-01 : f32
// CHECK: %[[V:.+]] = arith.addf %[[U]], %[[BMIN]] : f32
// CHECK: %[[BIGT:.+]] = arith.mulf %[[S]], %[[V]] : f32
// CHECK: %[[NRANGE:.+]] = arith.constant -1.990000e+01 : f32
// CHECK: %[[W:.+]] = arith.mulf %[[NRANGE]], %[[S]] : f32
// CHECK: %[[DBIGT:.+]] = arith.subf %[[W]], %{{.+}} : f32
// CHECK: %[[MHALF:.+]] = arith.constant -5.000000e-01 : f32
// CHECK: %[[HT:.+]] = arith.mulf %[[MHALF]], %[[BIGT]] : f32
// CHECK: %[[ALPHA:.+]] = math.exp %[[HT]] : f32
// CHECK: %[[NT:.+]] = arith.negf %[[BIGT]] : f32
// CHECK: %[[EXPNT:.+]] = math.exp %[[NT]] : f32
// CHECK: %[[ONEMINUS:.+]] = arith.subf %{{.+}}, %[[EXPNT]] : f32
// CHECK: %[[SIGMA:.+]] = math.sqrt %[[ONEMINUS]] : f32
// CHECK: %[[HDT:.+]] = arith.mulf %{{.+}}, %[[DBIGT]] : f32
// CHECK: %[[P:.+]] = arith.mulf %[[HDT]], %[[ALPHA]] : f32
// CHECK: %[[DALPHA:.+]] = arith.negf %[[P]] : f32
// CHECK: %[[Q:.+]] = arith.mulf %[[HDT]], %[[EXPNT]] : f32
// CHECK: %[[DSIGMA:.+]] = arith.divf %[[Q]], %[[SIGMA]] : f32
// CHECK: arith.mulf %[[SIGMA]], %[[A]] : f32
// CHECK: arith.mulf %[[ALPHA]], %[[B]] : f32
// CHECK: arith.mulf %[[DSIGMA]], %[[A]] : f32
// CHECK: arith.mulf %[[DALPHA]], %[[B]] : f32
// CHECK: linalg.yield
func.func @vp(%x0: tensor<8x2xf32>, %x1: tensor<8x2xf32>, %t: tensor<8xf32>)
    -> (tensor<8x2xf32>, tensor<8x2xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.vp %x0, %x1, %t : tensor<8x2xf32>, tensor<8xf32>
  return %x_t, %dx_t : tensor<8x2xf32>, tensor<8x2xf32>
}

// -----

/// Linear VP: α = t, α̇ = 1 (folded), σ = sqrt(1 − t²), σ̇ = −t/σ.
// CHECK-LABEL: func.func @linear_vp
// CHECK: ^bb0(%[[A:[a-z0-9_]+]]: f32, %[[B:[a-z0-9_]+]]: f32, %[[T:[a-z0-9_]+]]: f32,
// CHECK: %[[TT:.+]] = arith.mulf %[[T]], %[[T]] : f32
// CHECK: %[[S2:.+]] = arith.subf %{{.+}}, %[[TT]] : f32
// CHECK: %[[SIGMA:.+]] = math.sqrt %[[S2]] : f32
// CHECK: %[[Q:.+]] = arith.divf %[[T]], %[[SIGMA]] : f32
// CHECK: %[[DSIGMA:.+]] = arith.negf %[[Q]] : f32
// CHECK: %[[D0:.+]] = arith.mulf %[[DSIGMA]], %[[A]] : f32
// CHECK: %[[DXT:.+]] = arith.addf %[[D0]], %[[B]] : f32
// CHECK: linalg.yield %{{.+}}, %[[DXT]]
func.func @linear_vp(%x0: tensor<8x2xf32>, %x1: tensor<8x2xf32>, %t: tensor<8xf32>)
    -> (tensor<8x2xf32>, tensor<8x2xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.linear_vp %x0, %x1, %t : tensor<8x2xf32>, tensor<8xf32>
  return %x_t, %dx_t : tensor<8x2xf32>, tensor<8x2xf32>
}

// -----

/// Cosine: α = sin(πt/2), σ = cos(πt/2).
// CHECK-LABEL: func.func @cosine
// CHECK: ^bb0(%{{[a-z0-9_]+}}: f32, %{{[a-z0-9_]+}}: f32, %[[T:[a-z0-9_]+]]: f32,
// CHECK: %[[HALFPI:.+]] = arith.constant 1.57079637 : f32
// CHECK: %[[ANGLE:.+]] = arith.mulf %[[HALFPI]], %[[T]] : f32
// CHECK: %[[ALPHA:.+]] = math.sin %[[ANGLE]] : f32
// CHECK: %[[SIGMA:.+]] = math.cos %[[ANGLE]] : f32
// CHECK: %[[DALPHA:.+]] = arith.mulf %{{.+}}, %[[SIGMA]] : f32
// CHECK: %[[MHALFPI:.+]] = arith.constant -1.57079637 : f32
// CHECK: %[[DSIGMA:.+]] = arith.mulf %[[MHALFPI]], %[[ALPHA]] : f32
func.func @cosine(%x0: tensor<8x2xf32>, %x1: tensor<8x2xf32>, %t: tensor<8xf32>)
    -> (tensor<8x2xf32>, tensor<8x2xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.cosine %x0, %x1, %t : tensor<8x2xf32>, tensor<8xf32>
  return %x_t, %dx_t : tensor<8x2xf32>, tensor<8x2xf32>
}

// -----

/// Dynamic batch: the outputs take the batch size from x0; rank 3 reads t
/// through (d0, d1, d2) -> (d0); f64 stays f64.
// CHECK-DAG: #[[$ROW3:.+]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-LABEL: func.func @dynamic_rank3_f64
// CHECK-SAME: (%[[X0:[a-z0-9_]+]]: tensor<?x4x3xf64>
// CHECK: %[[C0:.+]] = arith.constant 0 : index
// CHECK: %[[DIM:.+]] = tensor.dim %[[X0]], %[[C0]] : tensor<?x4x3xf64>
// CHECK: tensor.empty(%[[DIM]]) : tensor<?x4x3xf64>
// CHECK: tensor.empty(%[[DIM]]) : tensor<?x4x3xf64>
// CHECK: linalg.generic
// CHECK-SAME: #[[$ROW3]]
// CHECK-SAME: iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: ^bb0(%{{[a-z0-9_]+}}: f64, %{{[a-z0-9_]+}}: f64, %{{[a-z0-9_]+}}: f64, %{{[a-z0-9_]+}}: f64, %{{[a-z0-9_]+}}: f64):
// CHECK: -> (tensor<?x4x3xf64>, tensor<?x4x3xf64>)
func.func @dynamic_rank3_f64(%x0: tensor<?x4x3xf64>, %x1: tensor<?x4x3xf64>, %t: tensor<?xf64>)
    -> (tensor<?x4x3xf64>, tensor<?x4x3xf64>) {
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x0, %x1, %t : tensor<?x4x3xf64>, tensor<?xf64>
  return %x_t, %dx_t : tensor<?x4x3xf64>, tensor<?x4x3xf64>
}

// -----

/// Negative: ops of other dialects are left as they are.
// CHECK-LABEL: func.func @negative_no_fm_ops
// CHECK-NEXT: %[[S:.+]] = arith.addf
// CHECK-NEXT: return %[[S]]
func.func @negative_no_fm_ops(%a: f32) -> f32 {
  %s = arith.addf %a, %a : f32
  return %s : f32
}
