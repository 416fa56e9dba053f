// A flow over points of shape [2, 3] for the runtime's data feeding: the
// velocity is x ⊙ s + t, with s a parameter of the points' shape, so that
// batches of shape [4, 2, 3] reach a compiled train step.

func.func @velocity(%x: tensor<4x2x3xf32>, %t: tensor<4xf32>,
                    %s: tensor<2x3xf32> {fm.name = "scale"}) -> tensor<4x2x3xf32> {
  %e = tensor.empty() : tensor<4x2x3xf32>
  %v = linalg.generic {
      indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>, affine_map<(b, i, j) -> (b)>,
                       affine_map<(b, i, j) -> (i, j)>, affine_map<(b, i, j) -> (b, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %t, %s : tensor<4x2x3xf32>, tensor<4xf32>, tensor<2x3xf32>)
      outs(%e : tensor<4x2x3xf32>) {
  ^bb0(%xv: f32, %tv: f32, %sv: f32, %o: f32):
    %m = arith.mulf %xv, %sv : f32
    %r = arith.addf %m, %tv : f32
    linalg.yield %r : f32
  } -> tensor<4x2x3xf32>
  return %v : tensor<4x2x3xf32>
}

fm.flow @shaped network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [2, 3]
fm.trainer @train_step flow(@shaped) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>)
    time(#fm.uniform) batch(4)
