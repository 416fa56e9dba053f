// The conditional-OT training target of the seeds' moons example: for a batch
// of 256 noise points x0, data points x1 and times t, the path point
// x_t = (1 - t)·x0 + t·x1 and its velocity dx_t = x1 - x0.
//
//   build/bin/fm-opt examples/path_sample.mlir                    # verify, print
//   build/bin/fm-opt examples/path_sample.mlir --fm-convert-to-linalg
//   build/bin/fm-opt examples/path_sample.mlir --fm-cpu-pipeline  # to LLVM

func.func @cond_ot_target(%x0: tensor<256x2xf32>, %x1: tensor<256x2xf32>,
                          %t: tensor<256xf32>)
    -> (tensor<256x2xf32>, tensor<256x2xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x0, %x1, %t
      : tensor<256x2xf32>, tensor<256xf32>
  return %x_t, %dx_t : tensor<256x2xf32>, tensor<256x2xf32>
}

// The same path point under the variance-preserving schedule of score-based
// diffusion, on a dynamic batch.
func.func @vp_target(%x0: tensor<?x2xf32>, %x1: tensor<?x2xf32>,
                     %t: tensor<?xf32>)
    -> (tensor<?x2xf32>, tensor<?x2xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.vp<beta_min = 0.1, beta_max = 20.0> %x0, %x1, %t
      : tensor<?x2xf32>, tensor<?xf32>
  return %x_t, %dx_t : tensor<?x2xf32>, tensor<?x2xf32>
}
