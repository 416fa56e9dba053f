// The seeds' standalone 2D flow-matching example ("moons"), at the
// declarative level of the fm dialect: the network is the same function as
// in examples/moons.mlir, and the flow, its trainer and its samplers are
// declared rather than written out. fm-expand-flow (the first pass of
// --fm-cpu-pipeline, and what fm-run runs first) generates the entry points
// examples/moons.mlir spells by hand, with the same random streams, so both
// files train bit-identical models (test/Integration/moons-declarative.test).
//
//   velocity  v(x_t, t) = MLP(cat(t, x_t)): 3 → 64 → 64 → 64 → 2 with ELU,
//             parameters laid out as PyTorch's nn.Linear (weight [out, in]),
//             named as the seed's nn.Sequential: net.{0,2,4,6}.{weight,bias}
//   training  x0 ~ N(0, I), t ~ U[0, 1), CondOT path, MSE on dx_t = x1 − x0,
//             Adam lr 1e-2, batch 256
//   sampling  Euler, midpoint (the seed's), Heun or RK4 steps from t = 0 to 1
//
//   build/bin/fm-opt examples/moons-declarative.mlir --fm-expand-flow
//   build/bin/fm-run train examples/moons-declarative.mlir --steps 10000 -o moons.safetensors

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
// x · Wᵀ with W laid out [out, in].
#mm_x = affine_map<(m, n, k) -> (m, k)>
#mm_w = affine_map<(m, n, k) -> (n, k)>
#mm_y = affine_map<(m, n, k) -> (m, n)>

/// x·Wᵀ + b, then ELU (α = 1) unless it is the output layer.
func.func private @linear64_elu(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>, %b: tensor<64xf32>)
    -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<?x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %xw = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%x, %w : tensor<?x64xf32>, tensor<64x64xf32>) outs(%z : tensor<?x64xf32>) -> tensor<?x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw, %b : tensor<?x64xf32>, tensor<64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %pos = arith.cmpf ogt, %s, %zero : f32
    %em = math.expm1 %s : f32
    %r = arith.select %pos, %s, %em : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

/// The velocity network: v(x_t, t) = MLP(cat(t, x_t)), its parameters named
/// as the seed's nn.Sequential.
func.func @velocity(
    %x: tensor<?x2xf32>, %t: tensor<?xf32>,
    %w0: tensor<64x3xf32> {fm.name = "net.0.weight"}, %b0: tensor<64xf32> {fm.name = "net.0.bias"},
    %w2: tensor<64x64xf32> {fm.name = "net.2.weight"}, %b2: tensor<64xf32> {fm.name = "net.2.bias"},
    %w4: tensor<64x64xf32> {fm.name = "net.4.weight"}, %b4: tensor<64xf32> {fm.name = "net.4.bias"},
    %w6: tensor<2x64xf32> {fm.name = "net.6.weight"}, %b6: tensor<2xf32> {fm.name = "net.6.bias"})
    -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %tcol = tensor.expand_shape %t [[0, 1]] output_shape [%n, 1] : tensor<?xf32> into tensor<?x1xf32>
  %in = tensor.concat dim(1) %tcol, %x : (tensor<?x1xf32>, tensor<?x2xf32>) -> tensor<?x3xf32>

  // Layer 0: 3 → 64, ELU.
  %e64 = tensor.empty(%n) : tensor<?x64xf32>
  %z64 = linalg.fill ins(%zero : f32) outs(%e64 : tensor<?x64xf32>) -> tensor<?x64xf32>
  %xw0 = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%in, %w0 : tensor<?x3xf32>, tensor<64x3xf32>) outs(%z64 : tensor<?x64xf32>) -> tensor<?x64xf32>
  %h0 = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw0, %b0 : tensor<?x64xf32>, tensor<64xf32>) outs(%e64 : tensor<?x64xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %pos = arith.cmpf ogt, %s, %zero : f32
    %em = math.expm1 %s : f32
    %r = arith.select %pos, %s, %em : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>

  // Layers 2 and 4: 64 → 64, ELU.
  %h2 = func.call @linear64_elu(%h0, %w2, %b2)
      : (tensor<?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %h4 = func.call @linear64_elu(%h2, %w4, %b4)
      : (tensor<?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>

  // Layer 6: 64 → 2.
  %e2 = tensor.empty(%n) : tensor<?x2xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %xw6 = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%h4, %w6 : tensor<?x64xf32>, tensor<2x64xf32>) outs(%z2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %v = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw6, %b6 : tensor<?x2xf32>, tensor<2xf32>) outs(%e2 : tensor<?x2xf32>) {
  ^bb0(%a: f32, %bias: f32, %o: f32):
    %s = arith.addf %a, %bias : f32
    linalg.yield %s : f32
  } -> tensor<?x2xf32>
  return %v : tensor<?x2xf32>
}

/// The model: the network on the CondOT path from N(0, I) to 2-D data.
/// Generates @init(seed) -> 8 parameters (PyTorch's default Linear init).
fm.flow @moons network(@velocity) path(#fm.cond_ot) source(gaussian) data_shape [2]

/// One Adam step on a batch of 256 data points:
/// @train_step(8 parameters, 8 first moments, 8 second moments, x1: 256x2,
///             seed, step) -> (loss, the 24 updated tensors).
fm.trainer @train_step flow(@moons) loss(mse) optimizer(#fm.adam<lr = 1.0e-2>)
    time(#fm.uniform) batch(256)

/// @sample_<solver>(8 parameters, x0: Nx2, steps: index) -> x1: Nx2, from
/// t = 0 to 1 (the names fm-run's --solver looks up).
fm.sampler @sample_euler flow(@moons) solver(euler)
fm.sampler @sample_midpoint flow(@moons) solver(midpoint)
fm.sampler @sample_heun flow(@moons) solver(heun)
fm.sampler @sample_rk4 flow(@moons) solver(rk4)

/// @loglik(8 parameters, x1: Nx2, steps: index) -> log p1(x1): N, the exact
/// log-likelihood in nats (`fm-run likelihood --solver midpoint
/// --divergence exact`): (x, l) integrated from t = 1 back to 0 with
/// dl/dt = div v from two fm.jvp's, log N(x(0); 0, I) + l(0).
fm.likelihood @loglik flow(@moons) solver(midpoint) divergence(exact)
