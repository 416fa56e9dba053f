// Verifiers run inside upstream mlir-opt when fm is loaded as a plugin
// (RUN line in ../plugin.mlir).

func.func @batch_mismatch(%x: tensor<4x2xf32>, %t: tensor<3xf32>) {
  // expected-error @+1 {{'fm.path_sample' op time has 3 entries but the batch has 4 rows}}
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x, %x, %t : tensor<4x2xf32>, tensor<3xf32>
  return
}

// -----

// expected-error @+1 {{VP scheduler requires beta_min < beta_max, got 5.0 and 1.0}}
func.func @bad_vp() attributes {s = #fm.vp<beta_min = 5.0, beta_max = 1.0>} { return }
