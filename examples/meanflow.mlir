// MeanFlow (Geng et al., 2025) on the 2-D moons, at the declarative level:
// the reference's 2-D recipe. The network is an average velocity u(z, r, t)
// (fm.flow ... kind(mean)); fm-expand-flow generates its training step,
// whose target comes from one fm.jvp, and a `meanflow` sampler, so one
// network evaluation maps noise to data.
//
//   network   u(z, r, t) = MLP(cat(z, r, t)): 4 → 64 → 64 → 64 → 2 with ELU,
//             parameters laid out as PyTorch's nn.Linear (weight [out, in]),
//             named as an nn.Sequential: net.{0,2,4,6}.{weight,bias}
//   times     the library's convention, noise at 0 and data at 1: z_t on the
//             CondOT path, t ≤ r, and u the average velocity from t to r
//   training  x0 ~ N(0, I), two times ~ U[0, 1) per row ordered t ≤ r, 25%
//             of the rows with r ≠ t, target stopgrad(v − (t − r)·du/dt),
//             adaptive weight p = 1, c = 0.01; Adam lr 1e-2, batch 256
//   sampling  z_r = z_t − (t − r)·u(z_t, r, t) over K equal steps from t = 0
//             to 1; K = 1 is x1 = z0 + u(z0, 1, 0)
//
//   build/bin/fm-run compile examples/meanflow.mlir -o mf.so
//   build/bin/fm-exec train mf.so --data moons --steps 10000 --seed 0 -o mf.safetensors
//   build/bin/fm-exec sample mf.so --checkpoint mf.safetensors -n 10000 \
//       --solver meanflow --steps 1 --seed 1 -o s.npy
//   build/bin/fm-exec eval s.npy --data moons

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

/// The average-velocity network: u(z, r, t) = MLP(cat(z, r, t)), its
/// parameters named as PyTorch's nn.Sequential.
func.func @u(
    %x: tensor<?x2xf32>, %r: tensor<?xf32>, %t: tensor<?xf32>,
    %w0: tensor<64x4xf32> {fm.name = "net.0.weight"}, %b0: tensor<64xf32> {fm.name = "net.0.bias"},
    %w2: tensor<64x64xf32> {fm.name = "net.2.weight"}, %b2: tensor<64xf32> {fm.name = "net.2.bias"},
    %w4: tensor<64x64xf32> {fm.name = "net.4.weight"}, %b4: tensor<64xf32> {fm.name = "net.4.bias"},
    %w6: tensor<2x64xf32> {fm.name = "net.6.weight"}, %b6: tensor<2xf32> {fm.name = "net.6.bias"})
    -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %rcol = tensor.expand_shape %r [[0, 1]] output_shape [%n, 1] : tensor<?xf32> into tensor<?x1xf32>
  %tcol = tensor.expand_shape %t [[0, 1]] output_shape [%n, 1] : tensor<?xf32> into tensor<?x1xf32>
  %in = tensor.concat dim(1) %x, %rcol, %tcol
      : (tensor<?x2xf32>, tensor<?x1xf32>, tensor<?x1xf32>) -> tensor<?x4xf32>

  // Layer 0: 4 → 64, ELU.
  %e64 = tensor.empty(%n) : tensor<?x64xf32>
  %z64 = linalg.fill ins(%zero : f32) outs(%e64 : tensor<?x64xf32>) -> tensor<?x64xf32>
  %xw0 = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%in, %w0 : tensor<?x4xf32>, tensor<64x4xf32>) outs(%z64 : tensor<?x64xf32>) -> tensor<?x64xf32>
  %h0 = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw0, %b0 : tensor<?x64xf32>, tensor<64xf32>) outs(%e64 : tensor<?x64xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %pos = arith.cmpf ogt, %s, %zero : f32
    %em = math.expm1 %s : f32
    %elu = arith.select %pos, %s, %em : f32
    linalg.yield %elu : f32
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
  %y = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw6, %b6 : tensor<?x2xf32>, tensor<2xf32>) outs(%e2 : tensor<?x2xf32>) {
  ^bb0(%a: f32, %bias: f32, %o: f32):
    %s = arith.addf %a, %bias : f32
    linalg.yield %s : f32
  } -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

/// The model: an average-velocity network on the CondOT path from N(0, I)
/// to 2-D data. Generates @init(seed) -> 8 parameters.
fm.flow @meanflow network(@u) path(#fm.cond_ot) source(gaussian) data_shape [2]
    kind(mean)

/// One Adam step of MeanFlow's loss on a batch of 256 data points:
/// @train_step(8 parameters, 8 first moments, 8 second moments, x1: 256x2,
///             seed, step) -> (loss, the 24 updated tensors).
fm.trainer @train_step flow(@meanflow) loss(meanflow)
    optimizer(#fm.adam<lr = 1.0e-2>) time(#fm.uniform) batch(256)
    meanflow(#fm.meanflow<ratio = 0.25, p = 1.0, c = 1.0e-2>)

/// @sample_meanflow(8 parameters, z0: Nx2, steps: index) -> x1: Nx2.
fm.sampler @sample_meanflow flow(@meanflow) solver(meanflow)
