// A discrete flow-matching training step written at the loop level: the
// flow_matching library's 2-D discrete example (bench/pytorch_discrete.py),
// uniform source, for test/Integration/discrete-train.test. The network is
// the library's MLP: t -> Linear(1, 1); tokens -> Embedding(128, 128),
// flattened to 256; cat -> Swish, Linear(257, 128), Swish, Linear(128, 128),
// Swish, Linear(128, 128), Swish, Linear(128, 256) -> logits [B, 2, 128].
// Parameters are named as its state_dict. The step draws x0 uniform over
// the vocabulary, t ~ U[0, 1)·(1 − 1e-3), x_t from the mixture path with
// κ_t = t², and takes the generalized KL; Adam lr 1e-3, batch 4096.
// This is the loop-level form of what fm-expand-flow generates for
// examples/discrete.mlir (with a static batch and its own counter offsets).

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#mm_x = affine_map<(m, n, k) -> (m, k)>
#mm_w = affine_map<(m, n, k) -> (n, k)>
#mm_y = affine_map<(m, n, k) -> (m, n)>


/// swish(x)·Wᵀ + b: x [B, 257], W [128, 257].
func.func private @swish_linear_257_128(%x: tensor<4096x257xf32>, %w: tensor<128x257xf32>, %b: tensor<128xf32>)
    -> tensor<4096x128xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %ex = tensor.empty() : tensor<4096x257xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4096x257xf32>) outs(%ex : tensor<4096x257xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %r = arith.divf %v, %d : f32
    linalg.yield %r : f32
  } -> tensor<4096x257xf32>
  %ey = tensor.empty() : tensor<4096x128xf32>
  %z = linalg.fill ins(%zero : f32) outs(%ey : tensor<4096x128xf32>) -> tensor<4096x128xf32>
  %m = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%s, %w : tensor<4096x257xf32>, tensor<128x257xf32>) outs(%z : tensor<4096x128xf32>) -> tensor<4096x128xf32>
  %y = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m, %b : tensor<4096x128xf32>, tensor<128xf32>) outs(%ey : tensor<4096x128xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<4096x128xf32>
  return %y : tensor<4096x128xf32>
}


/// swish(x)·Wᵀ + b: x [B, 128], W [128, 128].
func.func private @swish_linear_128_128(%x: tensor<4096x128xf32>, %w: tensor<128x128xf32>, %b: tensor<128xf32>)
    -> tensor<4096x128xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %ex = tensor.empty() : tensor<4096x128xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4096x128xf32>) outs(%ex : tensor<4096x128xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %r = arith.divf %v, %d : f32
    linalg.yield %r : f32
  } -> tensor<4096x128xf32>
  %ey = tensor.empty() : tensor<4096x128xf32>
  %z = linalg.fill ins(%zero : f32) outs(%ey : tensor<4096x128xf32>) -> tensor<4096x128xf32>
  %m = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%s, %w : tensor<4096x128xf32>, tensor<128x128xf32>) outs(%z : tensor<4096x128xf32>) -> tensor<4096x128xf32>
  %y = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m, %b : tensor<4096x128xf32>, tensor<128xf32>) outs(%ey : tensor<4096x128xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<4096x128xf32>
  return %y : tensor<4096x128xf32>
}


/// swish(x)·Wᵀ + b: x [B, 128], W [256, 128].
func.func private @swish_linear_128_256(%x: tensor<4096x128xf32>, %w: tensor<256x128xf32>, %b: tensor<256xf32>)
    -> tensor<4096x256xf32> {
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %ex = tensor.empty() : tensor<4096x128xf32>
  %s = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4096x128xf32>) outs(%ex : tensor<4096x128xf32>) {
  ^bb0(%v: f32, %o: f32):
    %n = arith.negf %v : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %r = arith.divf %v, %d : f32
    linalg.yield %r : f32
  } -> tensor<4096x128xf32>
  %ey = tensor.empty() : tensor<4096x256xf32>
  %z = linalg.fill ins(%zero : f32) outs(%ey : tensor<4096x256xf32>) -> tensor<4096x256xf32>
  %m = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%s, %w : tensor<4096x128xf32>, tensor<256x128xf32>) outs(%z : tensor<4096x256xf32>) -> tensor<4096x256xf32>
  %y = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%m, %b : tensor<4096x256xf32>, tensor<256xf32>) outs(%ey : tensor<4096x256xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<4096x256xf32>
  return %y : tensor<4096x256xf32>
}


/// The logits [B, 2, 128] of the posterior p(x1 | x_t, t).
func.func @logits(%x: tensor<4096x2xi64>, %t: tensor<4096xf32>, %tw: tensor<1x1xf32>, %tb: tensor<1xf32>, %emb: tensor<128x128xf32>, %w1: tensor<128x257xf32>, %b1: tensor<128xf32>, %w3: tensor<128x128xf32>, %b3: tensor<128xf32>, %w5: tensor<128x128xf32>, %b5: tensor<128xf32>, %w7: tensor<256x128xf32>, %b7: tensor<256xf32>) -> tensor<4096x2x128xf32> {
  // The time embedding Linear(1, 1): t[:, None]·Wᵀ + b.
  %zero = arith.constant 0.0 : f32
  %tcol = tensor.expand_shape %t [[0, 1]] output_shape [4096, 1] : tensor<4096xf32> into tensor<4096x1xf32>
  %et = tensor.empty() : tensor<4096x1xf32>
  %zt = linalg.fill ins(%zero : f32) outs(%et : tensor<4096x1xf32>) -> tensor<4096x1xf32>
  %tm = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%tcol, %tw : tensor<4096x1xf32>, tensor<1x1xf32>) outs(%zt : tensor<4096x1xf32>) -> tensor<4096x1xf32>
  %te = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%tm, %tb : tensor<4096x1xf32>, tensor<1xf32>) outs(%et : tensor<4096x1xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %r = arith.addf %v, %c : f32
    linalg.yield %r : f32
  } -> tensor<4096x1xf32>
  %e = fm.embedding %emb[%x] : tensor<128x128xf32>, tensor<4096x2xi64> -> tensor<4096x2x128xf32>
  %ef = tensor.collapse_shape %e [[0], [1, 2]] : tensor<4096x2x128xf32> into tensor<4096x256xf32>
  %h = tensor.concat dim(1) %ef, %te : (tensor<4096x256xf32>, tensor<4096x1xf32>) -> tensor<4096x257xf32>
  %h1 = call @swish_linear_257_128(%h, %w1, %b1) : (tensor<4096x257xf32>, tensor<128x257xf32>, tensor<128xf32>) -> tensor<4096x128xf32>
  %h3 = call @swish_linear_128_128(%h1, %w3, %b3) : (tensor<4096x128xf32>, tensor<128x128xf32>, tensor<128xf32>) -> tensor<4096x128xf32>
  %h5 = call @swish_linear_128_128(%h3, %w5, %b5) : (tensor<4096x128xf32>, tensor<128x128xf32>, tensor<128xf32>) -> tensor<4096x128xf32>
  %h7 = call @swish_linear_128_256(%h5, %w7, %b7) : (tensor<4096x128xf32>, tensor<256x128xf32>, tensor<256xf32>) -> tensor<4096x256xf32>
  %l = tensor.expand_shape %h7 [[0], [1, 2]] output_shape [4096, 2, 128] : tensor<4096x256xf32> into tensor<4096x2x128xf32>
  return %l : tensor<4096x2x128xf32>
}

/// The generalized KL of the logits at (x_t, t) against x1.
func.func private @loss(%tw: tensor<1x1xf32>, %tb: tensor<1xf32>, %emb: tensor<128x128xf32>, %w1: tensor<128x257xf32>, %b1: tensor<128xf32>, %w3: tensor<128x128xf32>, %b3: tensor<128xf32>, %w5: tensor<128x128xf32>, %b5: tensor<128xf32>, %w7: tensor<256x128xf32>, %b7: tensor<256xf32>, %x1: tensor<4096x2xi64>, %xt: tensor<4096x2xi64>, %t: tensor<4096xf32>) -> f32 {
  %l = call @logits(%xt, %t, %tw, %tb, %emb, %w1, %b1, %w3, %b3, %w5, %b5, %w7, %b7) : (tensor<4096x2xi64>, tensor<4096xf32>, tensor<1x1xf32>, tensor<1xf32>, tensor<128x128xf32>, tensor<128x257xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<256x128xf32>, tensor<256xf32>) -> tensor<4096x2x128xf32>
  %loss = fm.generalized_kl_loss #fm.poly<2.0> %l, %x1, %xt, %t
      : tensor<4096x2x128xf32>, tensor<4096x2xi64>, tensor<4096xf32> -> f32
  return %loss : f32
}

func.func @train_step(
    %tw: tensor<1x1xf32> {fm.role = "param", fm.name = "time_embedding.weight"},
    %tb: tensor<1xf32> {fm.role = "param", fm.name = "time_embedding.bias"},
    %emb: tensor<128x128xf32> {fm.role = "param", fm.name = "token_embedding.weight"},
    %w1: tensor<128x257xf32> {fm.role = "param", fm.name = "main.1.weight"},
    %b1: tensor<128xf32> {fm.role = "param", fm.name = "main.1.bias"},
    %w3: tensor<128x128xf32> {fm.role = "param", fm.name = "main.3.weight"},
    %b3: tensor<128xf32> {fm.role = "param", fm.name = "main.3.bias"},
    %w5: tensor<128x128xf32> {fm.role = "param", fm.name = "main.5.weight"},
    %b5: tensor<128xf32> {fm.role = "param", fm.name = "main.5.bias"},
    %w7: tensor<256x128xf32> {fm.role = "param", fm.name = "main.7.weight"},
    %b7: tensor<256xf32> {fm.role = "param", fm.name = "main.7.bias"},
    %mtw: tensor<1x1xf32> {fm.role = "opt_state", fm.name = "time_embedding.weight", fm.slot = "exp_avg"},
    %mtb: tensor<1xf32> {fm.role = "opt_state", fm.name = "time_embedding.bias", fm.slot = "exp_avg"},
    %memb: tensor<128x128xf32> {fm.role = "opt_state", fm.name = "token_embedding.weight", fm.slot = "exp_avg"},
    %mw1: tensor<128x257xf32> {fm.role = "opt_state", fm.name = "main.1.weight", fm.slot = "exp_avg"},
    %mb1: tensor<128xf32> {fm.role = "opt_state", fm.name = "main.1.bias", fm.slot = "exp_avg"},
    %mw3: tensor<128x128xf32> {fm.role = "opt_state", fm.name = "main.3.weight", fm.slot = "exp_avg"},
    %mb3: tensor<128xf32> {fm.role = "opt_state", fm.name = "main.3.bias", fm.slot = "exp_avg"},
    %mw5: tensor<128x128xf32> {fm.role = "opt_state", fm.name = "main.5.weight", fm.slot = "exp_avg"},
    %mb5: tensor<128xf32> {fm.role = "opt_state", fm.name = "main.5.bias", fm.slot = "exp_avg"},
    %mw7: tensor<256x128xf32> {fm.role = "opt_state", fm.name = "main.7.weight", fm.slot = "exp_avg"},
    %mb7: tensor<256xf32> {fm.role = "opt_state", fm.name = "main.7.bias", fm.slot = "exp_avg"},
    %vtw: tensor<1x1xf32> {fm.role = "opt_state", fm.name = "time_embedding.weight", fm.slot = "exp_avg_sq"},
    %vtb: tensor<1xf32> {fm.role = "opt_state", fm.name = "time_embedding.bias", fm.slot = "exp_avg_sq"},
    %vemb: tensor<128x128xf32> {fm.role = "opt_state", fm.name = "token_embedding.weight", fm.slot = "exp_avg_sq"},
    %vw1: tensor<128x257xf32> {fm.role = "opt_state", fm.name = "main.1.weight", fm.slot = "exp_avg_sq"},
    %vb1: tensor<128xf32> {fm.role = "opt_state", fm.name = "main.1.bias", fm.slot = "exp_avg_sq"},
    %vw3: tensor<128x128xf32> {fm.role = "opt_state", fm.name = "main.3.weight", fm.slot = "exp_avg_sq"},
    %vb3: tensor<128xf32> {fm.role = "opt_state", fm.name = "main.3.bias", fm.slot = "exp_avg_sq"},
    %vw5: tensor<128x128xf32> {fm.role = "opt_state", fm.name = "main.5.weight", fm.slot = "exp_avg_sq"},
    %vb5: tensor<128xf32> {fm.role = "opt_state", fm.name = "main.5.bias", fm.slot = "exp_avg_sq"},
    %vw7: tensor<256x128xf32> {fm.role = "opt_state", fm.name = "main.7.weight", fm.slot = "exp_avg_sq"},
    %vb7: tensor<256xf32> {fm.role = "opt_state", fm.name = "main.7.bias", fm.slot = "exp_avg_sq"},
    %x1: tensor<4096x2xi64> {fm.role = "batch"},
    %seed: i64 {fm.role = "seed"},
    %step: i64 {fm.role = "step"})
    -> (f32 {fm.role = "loss"},
        tensor<1x1xf32> {fm.role = "param", fm.name = "time_embedding.weight"},
        tensor<1xf32> {fm.role = "param", fm.name = "time_embedding.bias"},
        tensor<128x128xf32> {fm.role = "param", fm.name = "token_embedding.weight"},
        tensor<128x257xf32> {fm.role = "param", fm.name = "main.1.weight"},
        tensor<128xf32> {fm.role = "param", fm.name = "main.1.bias"},
        tensor<128x128xf32> {fm.role = "param", fm.name = "main.3.weight"},
        tensor<128xf32> {fm.role = "param", fm.name = "main.3.bias"},
        tensor<128x128xf32> {fm.role = "param", fm.name = "main.5.weight"},
        tensor<128xf32> {fm.role = "param", fm.name = "main.5.bias"},
        tensor<256x128xf32> {fm.role = "param", fm.name = "main.7.weight"},
        tensor<256xf32> {fm.role = "param", fm.name = "main.7.bias"},
        tensor<1x1xf32> {fm.role = "opt_state", fm.name = "time_embedding.weight", fm.slot = "exp_avg"},
        tensor<1xf32> {fm.role = "opt_state", fm.name = "time_embedding.bias", fm.slot = "exp_avg"},
        tensor<128x128xf32> {fm.role = "opt_state", fm.name = "token_embedding.weight", fm.slot = "exp_avg"},
        tensor<128x257xf32> {fm.role = "opt_state", fm.name = "main.1.weight", fm.slot = "exp_avg"},
        tensor<128xf32> {fm.role = "opt_state", fm.name = "main.1.bias", fm.slot = "exp_avg"},
        tensor<128x128xf32> {fm.role = "opt_state", fm.name = "main.3.weight", fm.slot = "exp_avg"},
        tensor<128xf32> {fm.role = "opt_state", fm.name = "main.3.bias", fm.slot = "exp_avg"},
        tensor<128x128xf32> {fm.role = "opt_state", fm.name = "main.5.weight", fm.slot = "exp_avg"},
        tensor<128xf32> {fm.role = "opt_state", fm.name = "main.5.bias", fm.slot = "exp_avg"},
        tensor<256x128xf32> {fm.role = "opt_state", fm.name = "main.7.weight", fm.slot = "exp_avg"},
        tensor<256xf32> {fm.role = "opt_state", fm.name = "main.7.bias", fm.slot = "exp_avg"},
        tensor<1x1xf32> {fm.role = "opt_state", fm.name = "time_embedding.weight", fm.slot = "exp_avg_sq"},
        tensor<1xf32> {fm.role = "opt_state", fm.name = "time_embedding.bias", fm.slot = "exp_avg_sq"},
        tensor<128x128xf32> {fm.role = "opt_state", fm.name = "token_embedding.weight", fm.slot = "exp_avg_sq"},
        tensor<128x257xf32> {fm.role = "opt_state", fm.name = "main.1.weight", fm.slot = "exp_avg_sq"},
        tensor<128xf32> {fm.role = "opt_state", fm.name = "main.1.bias", fm.slot = "exp_avg_sq"},
        tensor<128x128xf32> {fm.role = "opt_state", fm.name = "main.3.weight", fm.slot = "exp_avg_sq"},
        tensor<128xf32> {fm.role = "opt_state", fm.name = "main.3.bias", fm.slot = "exp_avg_sq"},
        tensor<128x128xf32> {fm.role = "opt_state", fm.name = "main.5.weight", fm.slot = "exp_avg_sq"},
        tensor<128xf32> {fm.role = "opt_state", fm.name = "main.5.bias", fm.slot = "exp_avg_sq"},
        tensor<256x128xf32> {fm.role = "opt_state", fm.name = "main.7.weight", fm.slot = "exp_avg_sq"},
        tensor<256xf32> {fm.role = "opt_state", fm.name = "main.7.bias", fm.slot = "exp_avg_sq"})
    attributes {llvm.emit_c_interface, fm.entry = "train_step"} {
  // Every draw of a step stays within 2048 counter blocks of its stream.
  %blocks = arith.constant 2048 : i64
  %offset = arith.muli %step, %blocks : i64
  %x0 = fm.random_tokens %seed, %offset stream 0 vocabulary 128 : tensor<4096x2xi64>
  %u = fm.random_uniform %seed, %offset stream 1 : tensor<4096xf32>
  %et = tensor.empty() : tensor<4096xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]}
      ins(%u : tensor<4096xf32>) outs(%et : tensor<4096xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.constant 0.999 : f32
    %r = arith.mulf %v, %s : f32
    linalg.yield %r : f32
  } -> tensor<4096xf32>
  %xt = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %t, %seed, %offset stream 2
      : tensor<4096x2xi64>, tensor<4096xf32>
  %one = arith.constant 1.0 : f32
  %l, %gtw, %gtb, %gemb, %gw1, %gb1, %gw3, %gb3, %gw5, %gb5, %gw7, %gb7, %gx1, %gxt, %gt = fm.vjp @loss(%tw, %tb, %emb, %w1, %b1, %w3, %b3, %w5, %b5, %w7, %b7, %x1, %xt, %t) cotangents(%one)
      : (tensor<1x1xf32>, tensor<1xf32>, tensor<128x128xf32>, tensor<128x257xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<256x128xf32>, tensor<256xf32>, tensor<4096x2xi64>, tensor<4096x2xi64>, tensor<4096xf32>), (f32)
      -> (f32, tensor<1x1xf32>, tensor<1xf32>, tensor<128x128xf32>, tensor<128x257xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<256x128xf32>, tensor<256xf32>, tensor<4096x2xi64>, tensor<4096x2xi64>, tensor<4096xf32>)
  %c1 = arith.constant 1 : i64
  %n = arith.addi %step, %c1 : i64
  %ntw, %nmtw, %nvtw = fm.adam_update %tw, %gtw, %mtw, %vtw, %n {lr = 1.0e-3} : tensor<1x1xf32>
  %ntb, %nmtb, %nvtb = fm.adam_update %tb, %gtb, %mtb, %vtb, %n {lr = 1.0e-3} : tensor<1xf32>
  %nemb, %nmemb, %nvemb = fm.adam_update %emb, %gemb, %memb, %vemb, %n {lr = 1.0e-3} : tensor<128x128xf32>
  %nw1, %nmw1, %nvw1 = fm.adam_update %w1, %gw1, %mw1, %vw1, %n {lr = 1.0e-3} : tensor<128x257xf32>
  %nb1, %nmb1, %nvb1 = fm.adam_update %b1, %gb1, %mb1, %vb1, %n {lr = 1.0e-3} : tensor<128xf32>
  %nw3, %nmw3, %nvw3 = fm.adam_update %w3, %gw3, %mw3, %vw3, %n {lr = 1.0e-3} : tensor<128x128xf32>
  %nb3, %nmb3, %nvb3 = fm.adam_update %b3, %gb3, %mb3, %vb3, %n {lr = 1.0e-3} : tensor<128xf32>
  %nw5, %nmw5, %nvw5 = fm.adam_update %w5, %gw5, %mw5, %vw5, %n {lr = 1.0e-3} : tensor<128x128xf32>
  %nb5, %nmb5, %nvb5 = fm.adam_update %b5, %gb5, %mb5, %vb5, %n {lr = 1.0e-3} : tensor<128xf32>
  %nw7, %nmw7, %nvw7 = fm.adam_update %w7, %gw7, %mw7, %vw7, %n {lr = 1.0e-3} : tensor<256x128xf32>
  %nb7, %nmb7, %nvb7 = fm.adam_update %b7, %gb7, %mb7, %vb7, %n {lr = 1.0e-3} : tensor<256xf32>
  return %l, %ntw, %ntb, %nemb, %nw1, %nb1, %nw3, %nb3, %nw5, %nb5, %nw7, %nb7, %nmtw, %nmtb, %nmemb, %nmw1, %nmb1, %nmw3, %nmb3, %nmw5, %nmb5, %nmw7, %nmb7, %nvtw, %nvtb, %nvemb, %nvw1, %nvb1, %nvw3, %nvb3, %nvw5, %nvb5, %nvw7, %nvb7
      : f32, tensor<1x1xf32>, tensor<1xf32>, tensor<128x128xf32>, tensor<128x257xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<256x128xf32>, tensor<256xf32>, tensor<1x1xf32>, tensor<1xf32>, tensor<128x128xf32>, tensor<128x257xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<256x128xf32>, tensor<256xf32>, tensor<1x1xf32>, tensor<1xf32>, tensor<128x128xf32>, tensor<128x257xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<256x128xf32>, tensor<256xf32>
}

/// U(−bound, bound) from uniforms in [0, 1).
func.func private @uniform_init(%u: tensor<?xf32>, %bound: f32) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %u, %c0 : tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                       iterator_types = ["parallel"]}
      ins(%u : tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%v: f32, %o: f32):
    %two = arith.constant 2.0 : f32
    %one = arith.constant 1.0 : f32
    %s = arith.mulf %v, %two : f32
    %c = arith.subf %s, %one : f32
    %y = arith.mulf %c, %bound : f32
    linalg.yield %y : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

/// PyTorch's inits: U(±1/√fan_in) for the Linears, N(0, 1) for the embedding.
func.func @init(%seed: i64 {fm.role = "seed"})
    -> (tensor<1x1xf32> {fm.role = "param", fm.name = "time_embedding.weight"},
        tensor<1xf32> {fm.role = "param", fm.name = "time_embedding.bias"},
        tensor<128x128xf32> {fm.role = "param", fm.name = "token_embedding.weight"},
        tensor<128x257xf32> {fm.role = "param", fm.name = "main.1.weight"},
        tensor<128xf32> {fm.role = "param", fm.name = "main.1.bias"},
        tensor<128x128xf32> {fm.role = "param", fm.name = "main.3.weight"},
        tensor<128xf32> {fm.role = "param", fm.name = "main.3.bias"},
        tensor<128x128xf32> {fm.role = "param", fm.name = "main.5.weight"},
        tensor<128xf32> {fm.role = "param", fm.name = "main.5.bias"},
        tensor<256x128xf32> {fm.role = "param", fm.name = "main.7.weight"},
        tensor<256xf32> {fm.role = "param", fm.name = "main.7.bias"})
    attributes {llvm.emit_c_interface, fm.entry = "init"} {
  %zero = arith.constant 0 : i64
  %utw = fm.random_uniform %seed, %zero stream 100 : tensor<1xf32>
  %dtw = tensor.cast %utw : tensor<1xf32> to tensor<?xf32>
  %ktw = arith.constant 1.000000000 : f32
  %itw = call @uniform_init(%dtw, %ktw) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %stw = tensor.cast %itw : tensor<?xf32> to tensor<1xf32>
  %rtw = tensor.expand_shape %stw [[0, 1]] output_shape [1, 1] : tensor<1xf32> into tensor<1x1xf32>
  %utb = fm.random_uniform %seed, %zero stream 101 : tensor<1xf32>
  %dtb = tensor.cast %utb : tensor<1xf32> to tensor<?xf32>
  %ktb = arith.constant 1.000000000 : f32
  %itb = call @uniform_init(%dtb, %ktb) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %stb = tensor.cast %itb : tensor<?xf32> to tensor<1xf32>
  %remb = fm.random_normal %seed, %zero stream 102 : tensor<128x128xf32>
  %uw1 = fm.random_uniform %seed, %zero stream 103 : tensor<32896xf32>
  %dw1 = tensor.cast %uw1 : tensor<32896xf32> to tensor<?xf32>
  %kw1 = arith.constant 0.062378286 : f32
  %iw1 = call @uniform_init(%dw1, %kw1) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %sw1 = tensor.cast %iw1 : tensor<?xf32> to tensor<32896xf32>
  %rw1 = tensor.expand_shape %sw1 [[0, 1]] output_shape [128, 257] : tensor<32896xf32> into tensor<128x257xf32>
  %ub1 = fm.random_uniform %seed, %zero stream 104 : tensor<128xf32>
  %db1 = tensor.cast %ub1 : tensor<128xf32> to tensor<?xf32>
  %kb1 = arith.constant 0.062378286 : f32
  %ib1 = call @uniform_init(%db1, %kb1) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %sb1 = tensor.cast %ib1 : tensor<?xf32> to tensor<128xf32>
  %uw3 = fm.random_uniform %seed, %zero stream 105 : tensor<16384xf32>
  %dw3 = tensor.cast %uw3 : tensor<16384xf32> to tensor<?xf32>
  %kw3 = arith.constant 0.088388348 : f32
  %iw3 = call @uniform_init(%dw3, %kw3) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %sw3 = tensor.cast %iw3 : tensor<?xf32> to tensor<16384xf32>
  %rw3 = tensor.expand_shape %sw3 [[0, 1]] output_shape [128, 128] : tensor<16384xf32> into tensor<128x128xf32>
  %ub3 = fm.random_uniform %seed, %zero stream 106 : tensor<128xf32>
  %db3 = tensor.cast %ub3 : tensor<128xf32> to tensor<?xf32>
  %kb3 = arith.constant 0.088388348 : f32
  %ib3 = call @uniform_init(%db3, %kb3) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %sb3 = tensor.cast %ib3 : tensor<?xf32> to tensor<128xf32>
  %uw5 = fm.random_uniform %seed, %zero stream 107 : tensor<16384xf32>
  %dw5 = tensor.cast %uw5 : tensor<16384xf32> to tensor<?xf32>
  %kw5 = arith.constant 0.088388348 : f32
  %iw5 = call @uniform_init(%dw5, %kw5) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %sw5 = tensor.cast %iw5 : tensor<?xf32> to tensor<16384xf32>
  %rw5 = tensor.expand_shape %sw5 [[0, 1]] output_shape [128, 128] : tensor<16384xf32> into tensor<128x128xf32>
  %ub5 = fm.random_uniform %seed, %zero stream 108 : tensor<128xf32>
  %db5 = tensor.cast %ub5 : tensor<128xf32> to tensor<?xf32>
  %kb5 = arith.constant 0.088388348 : f32
  %ib5 = call @uniform_init(%db5, %kb5) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %sb5 = tensor.cast %ib5 : tensor<?xf32> to tensor<128xf32>
  %uw7 = fm.random_uniform %seed, %zero stream 109 : tensor<32768xf32>
  %dw7 = tensor.cast %uw7 : tensor<32768xf32> to tensor<?xf32>
  %kw7 = arith.constant 0.088388348 : f32
  %iw7 = call @uniform_init(%dw7, %kw7) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %sw7 = tensor.cast %iw7 : tensor<?xf32> to tensor<32768xf32>
  %rw7 = tensor.expand_shape %sw7 [[0, 1]] output_shape [256, 128] : tensor<32768xf32> into tensor<256x128xf32>
  %ub7 = fm.random_uniform %seed, %zero stream 110 : tensor<256xf32>
  %db7 = tensor.cast %ub7 : tensor<256xf32> to tensor<?xf32>
  %kb7 = arith.constant 0.088388348 : f32
  %ib7 = call @uniform_init(%db7, %kb7) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %sb7 = tensor.cast %ib7 : tensor<?xf32> to tensor<256xf32>
  return %rtw, %stb, %remb, %rw1, %sb1, %rw3, %sb3, %rw5, %sb5, %rw7, %sb7
      : tensor<1x1xf32>, tensor<1xf32>, tensor<128x128xf32>, tensor<128x257xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<128x128xf32>, tensor<128xf32>, tensor<256x128xf32>, tensor<256xf32>
}
