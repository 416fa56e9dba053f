// The flow and likelihoods of test/Integration/likelihood-declarative.mlir.
// The CondOT marginal velocity to N(mu, 0.25 I), mu its parameter.

#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
#col = affine_map<(i, j) -> (0, j)>
func.func @gauss(%x: tensor<4x2xf32>, %t: tensor<4xf32>, %mu: tensor<1x2xf32> {fm.name = "mu"}) -> tensor<4x2xf32> {
  %e = tensor.empty() : tensor<4x2xf32>
  %v = linalg.generic {indexing_maps = [#id, #row, #col, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%x, %t, %mu : tensor<4x2xf32>, tensor<4xf32>, tensor<1x2xf32>)
      outs(%e : tensor<4x2xf32>) {
  ^bb0(%xv: f32, %tv: f32, %m: f32, %o: f32):
    %one = arith.constant 1.0 : f32
    %s2 = arith.constant 0.25 : f32
    %om = arith.subf %one, %tv : f32
    %om2 = arith.mulf %om, %om : f32
    %t2 = arith.mulf %tv, %tv : f32
    %t2s2 = arith.mulf %t2, %s2 : f32
    %sig2 = arith.addf %om2, %t2s2 : f32
    %ts2 = arith.mulf %tv, %s2 : f32
    %num = arith.subf %ts2, %om : f32
    %a = arith.divf %num, %sig2 : f32
    %tm = arith.mulf %tv, %m : f32
    %d = arith.subf %xv, %tm : f32
    %ad = arith.mulf %a, %d : f32
    %r = arith.addf %m, %ad : f32
    linalg.yield %r : f32
  } -> tensor<4x2xf32>
  return %v : tensor<4x2xf32>
}
fm.flow @g network(@gauss) path(#fm.cond_ot) source(gaussian) data_shape [2]
fm.likelihood @loglik flow(@g) solver(midpoint) divergence(exact)
fm.likelihood @loglik_h flow(@g) solver(midpoint) steps(10) divergence(hutchinson)
