// A mean flow whose exact average velocity is known: data all at the point
// c = (1, −2). On the CondOT path from x0 ~ N(0, I), z_t = (1 − t)·x0 + t·c,
// so the average velocity from z_t at time t to any time r is
// u*(z, r, t) = (c − z)/(1 − t), and one step from noise, z0 + u*(z0, 1, 0),
// lands on c.
//
// The network is u* + (t − r)·a with a trainable a ∈ R² (a 2x1 weight).
// MeanFlow's identity u = v − (t − r)·du/dt holds only at a = 0: there
// du/dt = a, so u − u_tgt = 2·(t − r)·a. (With the identity's sign flipped,
// u = v + (t − r)·du/dt, every a would fit, and training would leave a
// where it starts.) Training must drive a to 0, and the one-step sampler
// then returns c − a ≈ c: the loss and the sampler agree on the time
// convention.

#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
#col = affine_map<(i, j) -> (j)>
#vec = affine_map<(i) -> (i)>
#mm_x = affine_map<(m, n, k) -> (m, k)>
#mm_w = affine_map<(m, n, k) -> (n, k)>
#mm_y = affine_map<(m, n, k) -> (m, n)>

func.func @u(%z: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>,
             %a: tensor<2x1xf32> {fm.name = "a"}) -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %n = tensor.dim %z, %c0 : tensor<?x2xf32>
  // (t − r)·a, as a [n, 1] × [2, 1]ᵀ product.
  %e1 = tensor.empty(%n) : tensor<?xf32>
  %h = linalg.generic {indexing_maps = [#vec, #vec, #vec], iterator_types = ["parallel"]}
      ins(%t, %r : tensor<?xf32>, tensor<?xf32>) outs(%e1 : tensor<?xf32>) {
  ^bb0(%tt: f32, %rr: f32, %o: f32):
    %d = arith.subf %tt, %rr : f32
    linalg.yield %d : f32
  } -> tensor<?xf32>
  %hcol = tensor.expand_shape %h [[0, 1]] output_shape [%n, 1] : tensor<?xf32> into tensor<?x1xf32>
  %e = tensor.empty(%n) : tensor<?x2xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %ha = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%hcol, %a : tensor<?x1xf32>, tensor<2x1xf32>) outs(%f : tensor<?x2xf32>) -> tensor<?x2xf32>
  // (c − z)/(1 − t) + (t − r)·a.
  %c = arith.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %u = linalg.generic {indexing_maps = [#id, #row, #col, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%z, %t, %c, %ha : tensor<?x2xf32>, tensor<?xf32>, tensor<2xf32>, tensor<?x2xf32>)
      outs(%e : tensor<?x2xf32>) {
  ^bb0(%zz: f32, %tt: f32, %cc: f32, %hh: f32, %o: f32):
    %gap = arith.subf %cc, %zz : f32
    %left = arith.subf %one, %tt : f32
    %q = arith.divf %gap, %left : f32
    %s = arith.addf %q, %hh : f32
    linalg.yield %s : f32
  } -> tensor<?x2xf32>
  return %u : tensor<?x2xf32>
}

fm.flow @point network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2] kind(mean)
fm.trainer @train_step flow(@point) loss(meanflow) optimizer(#fm.adam<lr = 1.0e-2>)
    time(#fm.uniform) batch(64) meanflow(#fm.meanflow<ratio = 0.5>)
fm.sampler @sample_meanflow flow(@point) solver(meanflow)
