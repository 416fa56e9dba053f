// Discrete flow matching on the 2-D checkerboard, at the declarative level:
// the reference flow_matching library's 2-D discrete example
// (bench/pytorch_discrete.py is its PyTorch twin). Each sample is a pair of
// tokens, the cell of a 128 × 128 grid; the data are the checkerboard's
// "on" cells (the built-in dataset checkerboard-tokens).
//
//   network   the posterior's logits [N, 2, 128], the library's MLP:
//             t -> Linear(1, 1); tokens -> Embedding(128, 128), flattened
//             to 256; cat -> Swish, Linear(257, 128), Swish,
//             Linear(128, 128), Swish, Linear(128, 128), Swish,
//             Linear(128, 256); parameters named as its state_dict
//   path      the mixture path with κ_t = t² (PolynomialConvexScheduler(2)),
//             from the uniform source over the 128 tokens
//   training  the generalized KL, t ~ U[0, 1)·(1 − 10⁻³), Adam lr 1e-3,
//             batch 4096
//   sampling  the CTMC Euler steps of MixtureDiscreteEulerSolver, K steps
//             on t = k/K, the last drawing x ← X1
//
//   build/bin/fm-run train examples/discrete.mlir --data checkerboard-tokens \
//       --steps 2000 --seed 0 -o d.safetensors
//   build/bin/fm-run sample examples/discrete.mlir --checkpoint d.safetensors \
//       -n 10000 --steps 64 --seed 1 -o tokens.npy --plot tokens.png
//   build/bin/fm-run eval tokens.npy --data checkerboard-tokens

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
// x · Wᵀ with W laid out [out, in].
#mm_x = affine_map<(m, n, k) -> (m, k)>
#mm_w = affine_map<(m, n, k) -> (n, k)>
#mm_y = affine_map<(m, n, k) -> (m, n)>

/// Swish(x) = x·sigmoid(x), elementwise.
func.func private @swish(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %m = tensor.dim %x, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%n, %m) : tensor<?x?xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) {
  ^bb0(%v: f32, %o: f32):
    %neg = arith.negf %v : f32
    %ex = math.exp %neg : f32
    %d = arith.addf %one, %ex : f32
    %r = arith.divf %v, %d : f32
    linalg.yield %r : f32
  } -> tensor<?x?xf32>
  return %s : tensor<?x?xf32>
}

/// x·Wᵀ + b: x [N, in], W [out, in].
func.func private @linear(%x: tensor<?x?xf32>, %w: tensor<?x?xf32>, %b: tensor<?xf32>)
    -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x?xf32>
  %out = tensor.dim %w, %c0 : tensor<?x?xf32>
  %e = tensor.empty(%n, %out) : tensor<?x?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  %xw = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%x, %w : tensor<?x?xf32>, tensor<?x?xf32>) outs(%z : tensor<?x?xf32>) -> tensor<?x?xf32>
  %y = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw, %b : tensor<?x?xf32>, tensor<?xf32>) outs(%e : tensor<?x?xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

/// Swish, then x·Wᵀ + b.
func.func private @swish_linear(%x: tensor<?x?xf32>, %w: tensor<?x?xf32>, %b: tensor<?xf32>)
    -> tensor<?x?xf32> {
  %s = func.call @swish(%x) : (tensor<?x?xf32>) -> tensor<?x?xf32>
  %y = func.call @linear(%s, %w, %b) : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  return %y : tensor<?x?xf32>
}

/// The logits [N, 2, 128] of the posterior p(x1 | x_t, t).
func.func @logits(%x: tensor<?x2xi64>, %t: tensor<?xf32>,
    %tw: tensor<1x1xf32> {fm.name = "time_embedding.weight"},
    %tb: tensor<1xf32> {fm.name = "time_embedding.bias"},
    %emb: tensor<128x128xf32> {fm.name = "token_embedding.weight"},
    %w1: tensor<128x257xf32> {fm.name = "main.1.weight"}, %b1: tensor<128xf32> {fm.name = "main.1.bias"},
    %w3: tensor<128x128xf32> {fm.name = "main.3.weight"}, %b3: tensor<128xf32> {fm.name = "main.3.bias"},
    %w5: tensor<128x128xf32> {fm.name = "main.5.weight"}, %b5: tensor<128xf32> {fm.name = "main.5.bias"},
    %w7: tensor<256x128xf32> {fm.name = "main.7.weight"}, %b7: tensor<256xf32> {fm.name = "main.7.bias"})
    -> tensor<?x2x128xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2xi64>
  // The time embedding Linear(1, 1): t[:, None]·Wᵀ + b.
  %tcol = tensor.expand_shape %t [[0, 1]] output_shape [%n, 1] : tensor<?xf32> into tensor<?x1xf32>
  %tcol_d = tensor.cast %tcol : tensor<?x1xf32> to tensor<?x?xf32>
  %tw_d = tensor.cast %tw : tensor<1x1xf32> to tensor<?x?xf32>
  %tb_d = tensor.cast %tb : tensor<1xf32> to tensor<?xf32>
  %te_d = func.call @linear(%tcol_d, %tw_d, %tb_d) : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  %te = tensor.cast %te_d : tensor<?x?xf32> to tensor<?x1xf32>
  // The token embedding, flattened: [N, 2·128].
  %e = fm.embedding %emb[%x] : tensor<128x128xf32>, tensor<?x2xi64> -> tensor<?x2x128xf32>
  %ef = tensor.collapse_shape %e [[0], [1, 2]] : tensor<?x2x128xf32> into tensor<?x256xf32>
  %h = tensor.concat dim(1) %ef, %te : (tensor<?x256xf32>, tensor<?x1xf32>) -> tensor<?x257xf32>
  %h_d = tensor.cast %h : tensor<?x257xf32> to tensor<?x?xf32>
  %w1_d = tensor.cast %w1 : tensor<128x257xf32> to tensor<?x?xf32>
  %w3_d = tensor.cast %w3 : tensor<128x128xf32> to tensor<?x?xf32>
  %w5_d = tensor.cast %w5 : tensor<128x128xf32> to tensor<?x?xf32>
  %w7_d = tensor.cast %w7 : tensor<256x128xf32> to tensor<?x?xf32>
  %b1_d = tensor.cast %b1 : tensor<128xf32> to tensor<?xf32>
  %b3_d = tensor.cast %b3 : tensor<128xf32> to tensor<?xf32>
  %b5_d = tensor.cast %b5 : tensor<128xf32> to tensor<?xf32>
  %b7_d = tensor.cast %b7 : tensor<256xf32> to tensor<?xf32>
  %h1 = func.call @swish_linear(%h_d, %w1_d, %b1_d) : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  %h3 = func.call @swish_linear(%h1, %w3_d, %b3_d) : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  %h5 = func.call @swish_linear(%h3, %w5_d, %b5_d) : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  %h7 = func.call @swish_linear(%h5, %w7_d, %b7_d) : (tensor<?x?xf32>, tensor<?x?xf32>, tensor<?xf32>) -> tensor<?x?xf32>
  %h7s = tensor.cast %h7 : tensor<?x?xf32> to tensor<?x256xf32>
  %l = tensor.expand_shape %h7s [[0], [1, 2]] output_shape [%n, 2, 128] : tensor<?x256xf32> into tensor<?x2x128xf32>
  return %l : tensor<?x2x128xf32>
}

/// The model: a discrete flow over pairs of tokens of a 128-token
/// vocabulary, uniform source, κ_t = t². Generates @init(seed) -> 11
/// parameters (the embedding N(0, 1), the rest as nn.Linear).
fm.flow @checkerboard network(@logits) path(#fm.poly<2.0>) source(uniform)
    data_shape [2] kind(discrete) vocabulary(128)

/// One Adam step of the generalized KL on a batch of 4096 token pairs:
/// @train_step(11 parameters, 11 first moments, 11 second moments,
///             x1: 4096x2xi64, seed, step) -> (loss, the 33 updated tensors).
fm.trainer @train_step flow(@checkerboard) loss(generalized_kl)
    optimizer(#fm.adam<lr = 1.0e-3>) time(#fm.uniform) batch(4096)

/// @sample_euler(11 parameters, x0: Nx2xi64, steps: index, seed: i64,
///               first_row: i64) -> x1: Nx2xi64.
fm.sampler @sample_euler flow(@checkerboard) solver(euler)
