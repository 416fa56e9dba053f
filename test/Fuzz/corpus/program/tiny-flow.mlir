// A seed for fm-fuzz-program: the smallest declarative program, with every
// kind of entry point (a linear network v = [x, t]·W).
func.func @net(%x: tensor<?x1xf32>, %t: tensor<?xf32>,
               %w: tensor<1x2xf32> {fm.name = "w"}) -> tensor<?x1xf32> {
  %c0 = arith.constant 0 : index
  %z = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x1xf32>
  %tc = tensor.expand_shape %t [[0, 1]] output_shape [%n, 1] : tensor<?xf32> into tensor<?x1xf32>
  %in = tensor.concat dim(1) %x, %tc : (tensor<?x1xf32>, tensor<?x1xf32>) -> tensor<?x2xf32>
  %e = tensor.empty(%n) : tensor<?x1xf32>
  %f = linalg.fill ins(%z : f32) outs(%e : tensor<?x1xf32>) -> tensor<?x1xf32>
  %v = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>,
                                      affine_map<(m, n, k) -> (n, k)>,
                                      affine_map<(m, n, k) -> (m, n)>]
      ins(%in, %w : tensor<?x2xf32>, tensor<1x2xf32>) outs(%f : tensor<?x1xf32>) -> tensor<?x1xf32>
  return %v : tensor<?x1xf32>
}
fm.flow @f network(@net) path(#fm.cond_ot) source(gaussian) data_shape [1]
fm.trainer @train flow(@f) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(8)
fm.sampler @sample flow(@f) solver(heun)
fm.likelihood @loglik flow(@f) solver(midpoint) divergence(exact)
