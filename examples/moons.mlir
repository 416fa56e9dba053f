// The seeds' standalone 2D flow-matching example ("moons"), at the loop
// level of the fm dialect.
//
//   velocity  v(x_t, t) = MLP(cat(t, x_t)): 3 → 64 → 64 → 64 → 2 with ELU,
//             parameters laid out as PyTorch's nn.Linear (weight [out, in]),
//             named as the seed's nn.Sequential: net.{0,2,4,6}.{weight,bias}
//   training  x0 ~ N(0, I), t ~ U[0, 1), CondOT path, MSE on dx_t = x1 − x0,
//             Adam lr 1e-2, batch 256 (x1 from make_moons(noise = 0.05),
//             fed by the caller)
//   sampling  Euler, midpoint (the seed's), Heun or RK4 steps from t = 0 to 1
//
// Entry points, each declaring its role (`fm.entry`) and the role of every
// input and result (`fm.role`, with `fm.name` and `fm.slot` for parameters
// and optimizer state), which is all the runtime reads (docs/Design.md):
//   @init(seed) -> 8 parameters (PyTorch's default Linear init:
//                  U(−1/√fan_in, 1/√fan_in) for weights and biases)
//   @train_step(8 parameters, 8 exp_avg, 8 exp_avg_sq, batch x1: 256x2,
//               seed, step) -> (loss, the 24 updated tensors)
//   @sample_{euler,midpoint,heun,rk4}(8 parameters, state x0: Nx2, steps)
//               -> state x1: Nx2
//
//   build/bin/fm-opt examples/moons.mlir --fm-cpu-pipeline

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

/// The velocity network: v(x_t, t) = MLP(cat(t, x_t)).
func.func @velocity(%x: tensor<?x2xf32>, %t: tensor<?xf32>,
                    %w0: tensor<64x3xf32>, %b0: tensor<64xf32>,
                    %w2: tensor<64x64xf32>, %b2: tensor<64xf32>,
                    %w4: tensor<64x64xf32>, %b4: tensor<64xf32>,
                    %w6: tensor<2x64xf32>, %b6: tensor<2xf32>) -> tensor<?x2xf32> {
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

/// The CondOT flow-matching loss of one batch.
func.func @loss(%w0: tensor<64x3xf32>, %b0: tensor<64xf32>,
                %w2: tensor<64x64xf32>, %b2: tensor<64xf32>,
                %w4: tensor<64x64xf32>, %b4: tensor<64xf32>,
                %w6: tensor<2x64xf32>, %b6: tensor<2xf32>,
                %x1: tensor<256x2xf32>, %x0: tensor<256x2xf32>, %t: tensor<256xf32>) -> f32 {
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x0, %x1, %t : tensor<256x2xf32>, tensor<256xf32>
  %xd = tensor.cast %x_t : tensor<256x2xf32> to tensor<?x2xf32>
  %td = tensor.cast %t : tensor<256xf32> to tensor<?xf32>
  %vd = func.call @velocity(%xd, %td, %w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6)
      : (tensor<?x2xf32>, tensor<?xf32>, tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>,
         tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>)
      -> tensor<?x2xf32>
  %v = tensor.cast %vd : tensor<?x2xf32> to tensor<256x2xf32>
  %l = fm.mse_loss %v, %dx_t : tensor<256x2xf32> -> f32
  return %l : f32
}

/// One Adam step on a batch x1 of data; x0 and t are drawn from (seed,
/// step), 192 counter blocks per step (x0: 128 blocks, t: 64).
func.func @train_step(
    %w0: tensor<64x3xf32> {fm.role = "param", fm.name = "net.0.weight"},
    %b0: tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
    %w2: tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
    %b2: tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
    %w4: tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
    %b4: tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
    %w6: tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
    %b6: tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"},
    %mw0: tensor<64x3xf32> {fm.role = "opt_state", fm.name = "net.0.weight", fm.slot = "exp_avg"},
    %mb0: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.0.bias", fm.slot = "exp_avg"},
    %mw2: tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.2.weight", fm.slot = "exp_avg"},
    %mb2: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.2.bias", fm.slot = "exp_avg"},
    %mw4: tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.4.weight", fm.slot = "exp_avg"},
    %mb4: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.4.bias", fm.slot = "exp_avg"},
    %mw6: tensor<2x64xf32> {fm.role = "opt_state", fm.name = "net.6.weight", fm.slot = "exp_avg"},
    %mb6: tensor<2xf32> {fm.role = "opt_state", fm.name = "net.6.bias", fm.slot = "exp_avg"},
    %vw0: tensor<64x3xf32> {fm.role = "opt_state", fm.name = "net.0.weight", fm.slot = "exp_avg_sq"},
    %vb0: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.0.bias", fm.slot = "exp_avg_sq"},
    %vw2: tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.2.weight", fm.slot = "exp_avg_sq"},
    %vb2: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.2.bias", fm.slot = "exp_avg_sq"},
    %vw4: tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.4.weight", fm.slot = "exp_avg_sq"},
    %vb4: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.4.bias", fm.slot = "exp_avg_sq"},
    %vw6: tensor<2x64xf32> {fm.role = "opt_state", fm.name = "net.6.weight", fm.slot = "exp_avg_sq"},
    %vb6: tensor<2xf32> {fm.role = "opt_state", fm.name = "net.6.bias", fm.slot = "exp_avg_sq"},
    %x1: tensor<256x2xf32> {fm.role = "batch"}, %seed: i64 {fm.role = "seed"},
    %step: i64 {fm.role = "step"})
    -> (f32 {fm.role = "loss"},
        tensor<64x3xf32> {fm.role = "param", fm.name = "net.0.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
        tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
        tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
        tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
        tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"},
        tensor<64x3xf32> {fm.role = "opt_state", fm.name = "net.0.weight", fm.slot = "exp_avg"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.0.bias", fm.slot = "exp_avg"},
        tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.2.weight", fm.slot = "exp_avg"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.2.bias", fm.slot = "exp_avg"},
        tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.4.weight", fm.slot = "exp_avg"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.4.bias", fm.slot = "exp_avg"},
        tensor<2x64xf32> {fm.role = "opt_state", fm.name = "net.6.weight", fm.slot = "exp_avg"},
        tensor<2xf32> {fm.role = "opt_state", fm.name = "net.6.bias", fm.slot = "exp_avg"},
        tensor<64x3xf32> {fm.role = "opt_state", fm.name = "net.0.weight", fm.slot = "exp_avg_sq"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.0.bias", fm.slot = "exp_avg_sq"},
        tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.2.weight", fm.slot = "exp_avg_sq"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.2.bias", fm.slot = "exp_avg_sq"},
        tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.4.weight", fm.slot = "exp_avg_sq"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.4.bias", fm.slot = "exp_avg_sq"},
        tensor<2x64xf32> {fm.role = "opt_state", fm.name = "net.6.weight", fm.slot = "exp_avg_sq"},
        tensor<2xf32> {fm.role = "opt_state", fm.name = "net.6.bias", fm.slot = "exp_avg_sq"})
    attributes {llvm.emit_c_interface, fm.entry = "train_step"} {
  %blocks = arith.constant 192 : i64
  %offset = arith.muli %step, %blocks : i64
  %x0 = fm.random_normal %seed, %offset stream 0 : tensor<256x2xf32>
  %t = fm.random_uniform %seed, %offset stream 1 : tensor<256xf32>
  %one = arith.constant 1.0 : f32
  %l, %gw0, %gb0, %gw2, %gb2, %gw4, %gb4, %gw6, %gb6, %gx1, %gx0, %gt =
      fm.vjp @loss(%w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6, %x1, %x0, %t) cotangents(%one)
      : (tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
         tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>,
         tensor<256x2xf32>, tensor<256x2xf32>, tensor<256xf32>), (f32)
      -> (f32, tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
          tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>,
          tensor<256x2xf32>, tensor<256x2xf32>, tensor<256xf32>)
  // Adam counts steps from 1.
  %c1 = arith.constant 1 : i64
  %n = arith.addi %step, %c1 : i64
  %nw0, %nmw0, %nvw0 = fm.adam_update %w0, %gw0, %mw0, %vw0, %n {lr = 1.0e-2} : tensor<64x3xf32>
  %nb0, %nmb0, %nvb0 = fm.adam_update %b0, %gb0, %mb0, %vb0, %n {lr = 1.0e-2} : tensor<64xf32>
  %nw2, %nmw2, %nvw2 = fm.adam_update %w2, %gw2, %mw2, %vw2, %n {lr = 1.0e-2} : tensor<64x64xf32>
  %nb2, %nmb2, %nvb2 = fm.adam_update %b2, %gb2, %mb2, %vb2, %n {lr = 1.0e-2} : tensor<64xf32>
  %nw4, %nmw4, %nvw4 = fm.adam_update %w4, %gw4, %mw4, %vw4, %n {lr = 1.0e-2} : tensor<64x64xf32>
  %nb4, %nmb4, %nvb4 = fm.adam_update %b4, %gb4, %mb4, %vb4, %n {lr = 1.0e-2} : tensor<64xf32>
  %nw6, %nmw6, %nvw6 = fm.adam_update %w6, %gw6, %mw6, %vw6, %n {lr = 1.0e-2} : tensor<2x64xf32>
  %nb6, %nmb6, %nvb6 = fm.adam_update %b6, %gb6, %mb6, %vb6, %n {lr = 1.0e-2} : tensor<2xf32>
  return %l, %nw0, %nb0, %nw2, %nb2, %nw4, %nb4, %nw6, %nb6,
         %nmw0, %nmb0, %nmw2, %nmb2, %nmw4, %nmb4, %nmw6, %nmb6,
         %nvw0, %nvb0, %nvw2, %nvb2, %nvw4, %nvb4, %nvw6, %nvb6
      : f32, tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
        tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>,
        tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
        tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>,
        tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
        tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>
}

/// U(−bound, bound) for a parameter, from stream `stream` of `seed`.
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

/// PyTorch's default nn.Linear init, one random stream per tensor.
func.func @init(%seed: i64 {fm.role = "seed"})
    -> (
        tensor<64x3xf32> {fm.role = "param", fm.name = "net.0.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
        tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
        tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
        tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
        tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"})
    attributes {llvm.emit_c_interface, fm.entry = "init"} {
  %zero = arith.constant 0 : i64
  // 1/√3 for the first layer, 1/√64 = 0.125 for the others.
  %k3 = arith.constant 0.577350269 : f32
  %k64 = arith.constant 0.125 : f32
  %u0 = fm.random_uniform %seed, %zero stream 100 : tensor<192xf32>
  %u1 = fm.random_uniform %seed, %zero stream 101 : tensor<64xf32>
  %u2 = fm.random_uniform %seed, %zero stream 102 : tensor<4096xf32>
  %u3 = fm.random_uniform %seed, %zero stream 103 : tensor<64xf32>
  %u4 = fm.random_uniform %seed, %zero stream 104 : tensor<4096xf32>
  %u5 = fm.random_uniform %seed, %zero stream 105 : tensor<64xf32>
  %u6 = fm.random_uniform %seed, %zero stream 106 : tensor<128xf32>
  %u7 = fm.random_uniform %seed, %zero stream 107 : tensor<2xf32>
  %d0 = tensor.cast %u0 : tensor<192xf32> to tensor<?xf32>
  %d1 = tensor.cast %u1 : tensor<64xf32> to tensor<?xf32>
  %d2 = tensor.cast %u2 : tensor<4096xf32> to tensor<?xf32>
  %d3 = tensor.cast %u3 : tensor<64xf32> to tensor<?xf32>
  %d4 = tensor.cast %u4 : tensor<4096xf32> to tensor<?xf32>
  %d5 = tensor.cast %u5 : tensor<64xf32> to tensor<?xf32>
  %d6 = tensor.cast %u6 : tensor<128xf32> to tensor<?xf32>
  %d7 = tensor.cast %u7 : tensor<2xf32> to tensor<?xf32>
  %p0 = func.call @uniform_init(%d0, %k3) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p1 = func.call @uniform_init(%d1, %k3) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p2 = func.call @uniform_init(%d2, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p3 = func.call @uniform_init(%d3, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p4 = func.call @uniform_init(%d4, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p5 = func.call @uniform_init(%d5, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p6 = func.call @uniform_init(%d6, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p7 = func.call @uniform_init(%d7, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %s0 = tensor.cast %p0 : tensor<?xf32> to tensor<192xf32>
  %s2 = tensor.cast %p2 : tensor<?xf32> to tensor<4096xf32>
  %s4 = tensor.cast %p4 : tensor<?xf32> to tensor<4096xf32>
  %s6 = tensor.cast %p6 : tensor<?xf32> to tensor<128xf32>
  %w0 = tensor.expand_shape %s0 [[0, 1]] output_shape [64, 3] : tensor<192xf32> into tensor<64x3xf32>
  %w2 = tensor.expand_shape %s2 [[0, 1]] output_shape [64, 64] : tensor<4096xf32> into tensor<64x64xf32>
  %w4 = tensor.expand_shape %s4 [[0, 1]] output_shape [64, 64] : tensor<4096xf32> into tensor<64x64xf32>
  %w6 = tensor.expand_shape %s6 [[0, 1]] output_shape [2, 64] : tensor<128xf32> into tensor<2x64xf32>
  %b0 = tensor.cast %p1 : tensor<?xf32> to tensor<64xf32>
  %b2 = tensor.cast %p3 : tensor<?xf32> to tensor<64xf32>
  %b4 = tensor.cast %p5 : tensor<?xf32> to tensor<64xf32>
  %b6 = tensor.cast %p7 : tensor<?xf32> to tensor<2xf32>
  return %w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6
      : tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
        tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>
}

/// Samples by integrating the learned velocity from t = 0 to 1 with `steps`
/// euler steps.
func.func @sample_euler(
    %w0: tensor<64x3xf32> {fm.role = "param", fm.name = "net.0.weight"},
    %b0: tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
    %w2: tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
    %b2: tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
    %w4: tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
    %b4: tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
    %w6: tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
    %b6: tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"},
    %x0: tensor<?x2xf32> {fm.role = "state"}, %steps: index {fm.role = "steps"})
    -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {llvm.emit_c_interface, fm.entry = "sampler", fm.solver = "euler",
                fm.direction = "forward"} {
  %x1 = fm.integrate euler @velocity(%x0) steps(%steps)
      params(%w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6
             : tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
               tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>)
      : tensor<?x2xf32>
  return %x1 : tensor<?x2xf32>
}

/// Samples by integrating the learned velocity from t = 0 to 1 with `steps`
/// midpoint steps.
func.func @sample_midpoint(
    %w0: tensor<64x3xf32> {fm.role = "param", fm.name = "net.0.weight"},
    %b0: tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
    %w2: tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
    %b2: tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
    %w4: tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
    %b4: tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
    %w6: tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
    %b6: tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"},
    %x0: tensor<?x2xf32> {fm.role = "state"}, %steps: index {fm.role = "steps"})
    -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {llvm.emit_c_interface, fm.entry = "sampler", fm.solver = "midpoint",
                fm.direction = "forward"} {
  %x1 = fm.integrate midpoint @velocity(%x0) steps(%steps)
      params(%w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6
             : tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
               tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>)
      : tensor<?x2xf32>
  return %x1 : tensor<?x2xf32>
}

/// Samples by integrating the learned velocity from t = 0 to 1 with `steps`
/// heun steps.
func.func @sample_heun(
    %w0: tensor<64x3xf32> {fm.role = "param", fm.name = "net.0.weight"},
    %b0: tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
    %w2: tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
    %b2: tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
    %w4: tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
    %b4: tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
    %w6: tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
    %b6: tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"},
    %x0: tensor<?x2xf32> {fm.role = "state"}, %steps: index {fm.role = "steps"})
    -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {llvm.emit_c_interface, fm.entry = "sampler", fm.solver = "heun",
                fm.direction = "forward"} {
  %x1 = fm.integrate heun @velocity(%x0) steps(%steps)
      params(%w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6
             : tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
               tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>)
      : tensor<?x2xf32>
  return %x1 : tensor<?x2xf32>
}

/// Samples by integrating the learned velocity from t = 0 to 1 with `steps`
/// rk4 steps.
func.func @sample_rk4(
    %w0: tensor<64x3xf32> {fm.role = "param", fm.name = "net.0.weight"},
    %b0: tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
    %w2: tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
    %b2: tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
    %w4: tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
    %b4: tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
    %w6: tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
    %b6: tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"},
    %x0: tensor<?x2xf32> {fm.role = "state"}, %steps: index {fm.role = "steps"})
    -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {llvm.emit_c_interface, fm.entry = "sampler", fm.solver = "rk4",
                fm.direction = "forward"} {
  %x1 = fm.integrate rk4 @velocity(%x0) steps(%steps)
      params(%w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6
             : tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
               tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>)
      : tensor<?x2xf32>
  return %x1 : tensor<?x2xf32>
}

/// The velocity of the augmented state [x | l] (N x 3) that the likelihood
/// integrates: (v(x, t), div v(x, t)). The divergence is exact: for each
/// dimension i, the JVP of @velocity along the unit vector e_i (zero
/// tangents for t and the parameters), whose i-th component is ∂v_i/∂x_i.
func.func private @loglik_velocity(
    %xa: tensor<?x3xf32>, %t: tensor<?xf32>,
    %w0: tensor<64x3xf32>, %b0: tensor<64xf32>, %w2: tensor<64x64xf32>,
    %b2: tensor<64xf32>, %w4: tensor<64x64xf32>, %b4: tensor<64xf32>,
    %w6: tensor<2x64xf32>, %b6: tensor<2xf32>) -> tensor<?x3xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %xa, %c0 : tensor<?x3xf32>
  %x = tensor.extract_slice %xa[0, 0] [%n, 2] [1, 1] : tensor<?x3xf32> to tensor<?x2xf32>
  %zero = arith.constant 0.0 : f32
  %et = tensor.empty(%n) : tensor<?xf32>
  %dt = linalg.fill ins(%zero : f32) outs(%et : tensor<?xf32>) -> tensor<?xf32>
  %dw0 = arith.constant dense<0.0> : tensor<64x3xf32>
  %dw = arith.constant dense<0.0> : tensor<64x64xf32>
  %dw6 = arith.constant dense<0.0> : tensor<2x64xf32>
  %db = arith.constant dense<0.0> : tensor<64xf32>
  %db6 = arith.constant dense<0.0> : tensor<2xf32>
  %ex = tensor.empty(%n) : tensor<?x2xf32>
  // e_0 and e_1 in every row.
  %e0 = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%ex : tensor<?x2xf32>) {
  ^bb0(%o: f32):
    %j = linalg.index 1 : index
    %is = arith.cmpi eq, %j, %c0 : index
    %one = arith.constant 1.0 : f32
    %r = arith.select %is, %one, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x2xf32>
  %e1 = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
      outs(%ex : tensor<?x2xf32>) {
  ^bb0(%o: f32):
    %j = linalg.index 1 : index
    %is = arith.cmpi ne, %j, %c0 : index
    %one = arith.constant 1.0 : f32
    %r = arith.select %is, %one, %zero : f32
    linalg.yield %r : f32
  } -> tensor<?x2xf32>
  %v, %j0 = fm.jvp @velocity(%x, %t, %w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6)
      tangents(%e0, %dt, %dw0, %db, %dw, %db, %dw, %db, %dw6, %db6)
      : (tensor<?x2xf32>, tensor<?xf32>, tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>,
         tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>),
        (tensor<?x2xf32>, tensor<?xf32>, tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>,
         tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>)
      -> (tensor<?x2xf32>, tensor<?x2xf32>)
  %v1, %j1 = fm.jvp @velocity(%x, %t, %w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6)
      tangents(%e1, %dt, %dw0, %db, %dw, %db, %dw, %db, %dw6, %db6)
      : (tensor<?x2xf32>, tensor<?xf32>, tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>,
         tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>),
        (tensor<?x2xf32>, tensor<?xf32>, tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>,
         tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>)
      -> (tensor<?x2xf32>, tensor<?x2xf32>)
  // div = Σ_j (e_0·J e_0 + e_1·J e_1)_j.
  %div = linalg.generic {indexing_maps = [#id, #id, #id, #id, affine_map<(i, j) -> (i)>],
                         iterator_types = ["parallel", "reduction"]}
      ins(%e0, %j0, %e1, %j1 : tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>, tensor<?x2xf32>)
      outs(%dt : tensor<?xf32>) {
  ^bb0(%a0: f32, %d0: f32, %a1: f32, %d1: f32, %o: f32):
    %p0 = arith.mulf %a0, %d0 : f32
    %p1 = arith.mulf %a1, %d1 : f32
    %p = arith.addf %p0, %p1 : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %ea = tensor.empty(%n) : tensor<?x3xf32>
  %r0 = tensor.insert_slice %v into %ea[0, 0] [%n, 2] [1, 1] : tensor<?x2xf32> into tensor<?x3xf32>
  %r1 = tensor.insert_slice %div into %r0[0, 2] [%n, 1] [1, 1] : tensor<?xf32> into tensor<?x3xf32>
  return %r1 : tensor<?x3xf32>
}

/// The exact log-likelihood of data points x1, in nats (`fm-run likelihood
/// --solver midpoint --divergence exact`): [x1 | 0] integrated from t = 1
/// back to 0 with `steps` midpoint steps, then log N(x(0); 0, I) + l(0).
func.func @loglik(
    %w0: tensor<64x3xf32> {fm.role = "param", fm.name = "net.0.weight"},
    %b0: tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
    %w2: tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
    %b2: tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
    %w4: tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
    %b4: tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
    %w6: tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
    %b6: tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"},
    %x1: tensor<?x2xf32> {fm.role = "state"}, %steps: index {fm.role = "steps"})
    -> (tensor<?xf32> {fm.role = "logp"})
    attributes {llvm.emit_c_interface, fm.entry = "likelihood", fm.solver = "midpoint",
                fm.divergence = "exact"} {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x1, %c0 : tensor<?x2xf32>
  %zero = arith.constant 0.0 : f32
  %ea = tensor.empty(%n) : tensor<?x3xf32>
  %za = linalg.fill ins(%zero : f32) outs(%ea : tensor<?x3xf32>) -> tensor<?x3xf32>
  %xa = tensor.insert_slice %x1 into %za[0, 0] [%n, 2] [1, 1] : tensor<?x2xf32> into tensor<?x3xf32>
  %ya = fm.integrate midpoint @loglik_velocity(%xa) steps(%steps)
      params(%w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6
             : tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
               tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>)
      {t0 = 1.0, t1 = 0.0} : tensor<?x3xf32>
  %x0 = tensor.extract_slice %ya[0, 0] [%n, 2] [1, 1] : tensor<?x3xf32> to tensor<?x2xf32>
  %l = tensor.extract_slice %ya[0, 2] [%n, 1] [1, 1] : tensor<?x3xf32> to tensor<?xf32>
  // log N(x0; 0, I) = Σ_j (−x0_j²/2 − log(2π)/2).
  %half = arith.constant 0.5 : f32
  %halfLog2Pi = arith.constant 0.918938517 : f32
  %logp = linalg.generic {indexing_maps = [#id, affine_map<(i, j) -> (i)>],
                          iterator_types = ["parallel", "reduction"]}
      ins(%x0 : tensor<?x2xf32>) outs(%l : tensor<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %sq = arith.mulf %a, %a : f32
    %hsq = arith.mulf %half, %sq : f32
    %term = arith.addf %hsq, %halfLog2Pi : f32
    %r = arith.subf %o, %term : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  return %logp : tensor<?xf32>
}
