// A file cut off in the middle of an op: the parser reports the line.
func.func @cut(%x0: tensor<4x2xf32>, %x1: tensor<4x2xf32>, %t: tensor<4xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.vp<beta_min = 0.1, beta_m
