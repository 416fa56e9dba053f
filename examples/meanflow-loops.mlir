// MeanFlow (Geng et al., 2025) on the 2-D moons, at the loop level of the fm
// dialect: the loop-level twin of examples/meanflow.mlir, written out by hand.
// Where meanflow.mlir declares the model (fm.flow ... kind(mean)), its
// trainer and its sampler and lets fm-expand-flow generate the entry points,
// this file spells out those entry points itself, with the loop-level fm ops
// (fm.random_normal, fm.random_uniform, fm.path_sample, fm.jvp,
// fm.stop_gradient, fm.vjp, fm.adam_update) and linalg/tensor/arith/scf. It
// draws the same random numbers and computes the same values in the same
// order, so it trains and samples bit for bit like meanflow.mlir
// (test/Integration/meanflow-loops.test).
//
//   network   u(z, r, t) = MLP(cat(z, r, t)): 4 → 64 → 64 → 64 → 2 with ELU,
//             parameters laid out as PyTorch's nn.Linear (weight [out, in]),
//             named as an nn.Sequential: net.{0,2,4,6}.{weight,bias}
//   times     the library's convention, noise at 0 and data at 1: z_t on the
//             CondOT path, t ≤ r, and u the average velocity from t to r
//   training  x0 ~ N(0, I), two times ~ U[0, 1) per row ordered t ≤ r, 25%
//             of the rows with r ≠ t, target stopgrad(v − (t − r)·du/dt),
//             adaptive weight p = 1, c = 0.01; Adam lr 1e-2, batch 256
//             (x1 from the data set, fed by the caller)
//   sampling  z_r = z_t − (t − r)·u(z_t, r, t) over K equal steps from t = 0
//             to 1; K = 1 is x1 = z0 + u(z0, 1, 0)
//
// Entry points, each declaring its role (`fm.entry`) and the role of every
// input and result (`fm.role`, with `fm.name` and `fm.slot` for parameters
// and optimizer state), which is all the runtime reads (docs/Design.md):
//   @init(seed) -> 8 parameters (PyTorch's default Linear init:
//                  U(−1/√fan_in, 1/√fan_in) for weights and biases)
//   @train_step(8 parameters, 8 exp_avg, 8 exp_avg_sq, batch x1: 256x2,
//               seed, step) -> (loss, the 24 updated tensors)
//   @sample_meanflow(8 parameters, state z0: Nx2, steps K) -> state x1: Nx2
//
//   build/bin/fm-run compile examples/meanflow-loops.mlir -o mf.so
//   build/bin/fm-exec train mf.so --data moons --steps 10000 --seed 0 -o mf.safetensors
//   build/bin/fm-exec sample mf.so --checkpoint mf.safetensors -n 10000 \
//       --solver meanflow --steps 1 --seed 1 -o s.npy
//   build/bin/fm-exec eval s.npy --data moons

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#row = affine_map<(i, j) -> (i)>
#vec = affine_map<(i) -> (i)>
#scalar = affine_map<(i) -> ()>
// x · Wᵀ with W laid out [out, in].
#mm_x = affine_map<(m, n, k) -> (m, k)>
#mm_w = affine_map<(m, n, k) -> (n, k)>
#mm_y = affine_map<(m, n, k) -> (m, n)>

//===----------------------------------------------------------------------===//
// The network (as in examples/meanflow.mlir)
//===----------------------------------------------------------------------===//

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

//===----------------------------------------------------------------------===//
// Initialization
//===----------------------------------------------------------------------===//

/// U(−bound, bound) from draws u ~ U[0, 1): (2u − 1)·bound.
func.func private @uniform_init(%u: tensor<?xf32>, %bound: f32) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %u, %c0 : tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [#vec, #vec], iterator_types = ["parallel"]}
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

/// PyTorch's default nn.Linear init. Parameter i (in the order of @u's
/// arguments) is drawn from its own stream 100 + i of the seed, at offset 0,
/// in row-major order.
func.func @init(%seed: i64 {fm.role = "seed"})
    -> (
        tensor<64x4xf32> {fm.role = "param", fm.name = "net.0.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
        tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
        tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
        tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
        tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"})
    attributes {llvm.emit_c_interface, fm.entry = "init"} {
  %zero = arith.constant 0 : i64
  // The bound 1/√fan_in: 1/√4 = 0.5 for the first layer (z, r and t in),
  // 1/√64 = 0.125 for the others.
  %k4 = arith.constant 0.5 : f32
  %k64 = arith.constant 0.125 : f32
  %u0 = fm.random_uniform %seed, %zero stream 100 : tensor<256xf32>
  %u1 = fm.random_uniform %seed, %zero stream 101 : tensor<64xf32>
  %u2 = fm.random_uniform %seed, %zero stream 102 : tensor<4096xf32>
  %u3 = fm.random_uniform %seed, %zero stream 103 : tensor<64xf32>
  %u4 = fm.random_uniform %seed, %zero stream 104 : tensor<4096xf32>
  %u5 = fm.random_uniform %seed, %zero stream 105 : tensor<64xf32>
  %u6 = fm.random_uniform %seed, %zero stream 106 : tensor<128xf32>
  %u7 = fm.random_uniform %seed, %zero stream 107 : tensor<2xf32>
  %d0 = tensor.cast %u0 : tensor<256xf32> to tensor<?xf32>
  %d1 = tensor.cast %u1 : tensor<64xf32> to tensor<?xf32>
  %d2 = tensor.cast %u2 : tensor<4096xf32> to tensor<?xf32>
  %d3 = tensor.cast %u3 : tensor<64xf32> to tensor<?xf32>
  %d4 = tensor.cast %u4 : tensor<4096xf32> to tensor<?xf32>
  %d5 = tensor.cast %u5 : tensor<64xf32> to tensor<?xf32>
  %d6 = tensor.cast %u6 : tensor<128xf32> to tensor<?xf32>
  %d7 = tensor.cast %u7 : tensor<2xf32> to tensor<?xf32>
  %p0 = func.call @uniform_init(%d0, %k4) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p1 = func.call @uniform_init(%d1, %k4) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p2 = func.call @uniform_init(%d2, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p3 = func.call @uniform_init(%d3, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p4 = func.call @uniform_init(%d4, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p5 = func.call @uniform_init(%d5, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p6 = func.call @uniform_init(%d6, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  %p7 = func.call @uniform_init(%d7, %k64) : (tensor<?xf32>, f32) -> tensor<?xf32>
  // The weights take their [out, in] shapes back.
  %s0 = tensor.cast %p0 : tensor<?xf32> to tensor<256xf32>
  %s2 = tensor.cast %p2 : tensor<?xf32> to tensor<4096xf32>
  %s4 = tensor.cast %p4 : tensor<?xf32> to tensor<4096xf32>
  %s6 = tensor.cast %p6 : tensor<?xf32> to tensor<128xf32>
  %w0 = tensor.expand_shape %s0 [[0, 1]] output_shape [64, 4] : tensor<256xf32> into tensor<64x4xf32>
  %w2 = tensor.expand_shape %s2 [[0, 1]] output_shape [64, 64] : tensor<4096xf32> into tensor<64x64xf32>
  %w4 = tensor.expand_shape %s4 [[0, 1]] output_shape [64, 64] : tensor<4096xf32> into tensor<64x64xf32>
  %w6 = tensor.expand_shape %s6 [[0, 1]] output_shape [2, 64] : tensor<128xf32> into tensor<2x64xf32>
  %b0 = tensor.cast %p1 : tensor<?xf32> to tensor<64xf32>
  %b2 = tensor.cast %p3 : tensor<?xf32> to tensor<64xf32>
  %b4 = tensor.cast %p5 : tensor<?xf32> to tensor<64xf32>
  %b6 = tensor.cast %p7 : tensor<?xf32> to tensor<2xf32>
  return %w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6
      : tensor<64x4xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
        tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>
}

//===----------------------------------------------------------------------===//
// Training
//===----------------------------------------------------------------------===//

/// MeanFlow's loss of one batch, given the data x1, the noise x0 and the
/// ordered times t ≤ r of every row:
///
///   z_t = (1 − t)·x0 + t·x1,   v = x1 − x0            (CondOT path)
///   (u, du/dt) = (u(z_t, r, t), its JVP along (v, 0, 1))
///   u_tgt = stopgrad(v − (t − r)·du/dt)
///   Δ = ‖u − u_tgt‖² per row,  L = mean(Δ / stopgrad(Δ + c)), c = 0.01
///
/// du/dt is the total derivative d/dt u(z_t, r, t) = v·∂_z u + ∂_t u, which
/// is exactly one forward-mode sweep of @u with tangent v for z, 0 for r and
/// 1 for t (and 0 for every parameter).
func.func private @loss(
    %w0: tensor<64x4xf32>, %b0: tensor<64xf32>, %w2: tensor<64x64xf32>, %b2: tensor<64xf32>,
    %w4: tensor<64x64xf32>, %b4: tensor<64xf32>, %w6: tensor<2x64xf32>, %b6: tensor<2xf32>,
    %x1: tensor<256x2xf32>, %x0: tensor<256x2xf32>, %t: tensor<256xf32>, %r: tensor<256xf32>)
    -> f32 {
  %z_t, %v = fm.path_sample #fm.cond_ot %x0, %x1, %t : tensor<256x2xf32>, tensor<256xf32>

  // u and du/dt from one fm.jvp. The network takes a batch of any size:
  // cast the batch's tensors to it and its results back.
  %zd = tensor.cast %z_t : tensor<256x2xf32> to tensor<?x2xf32>
  %rd = tensor.cast %r : tensor<256xf32> to tensor<?xf32>
  %td = tensor.cast %t : tensor<256xf32> to tensor<?xf32>
  %vd = tensor.cast %v : tensor<256x2xf32> to tensor<?x2xf32>
  %zeros = arith.constant dense<0.0> : tensor<256xf32>
  %ones = arith.constant dense<1.0> : tensor<256xf32>
  %dr = tensor.cast %zeros : tensor<256xf32> to tensor<?xf32>
  %dt = tensor.cast %ones : tensor<256xf32> to tensor<?xf32>
  %dw0 = arith.constant dense<0.0> : tensor<64x4xf32>
  %db = arith.constant dense<0.0> : tensor<64xf32>
  %dw = arith.constant dense<0.0> : tensor<64x64xf32>
  %dw6 = arith.constant dense<0.0> : tensor<2x64xf32>
  %db6 = arith.constant dense<0.0> : tensor<2xf32>
  %ud, %dudtd = fm.jvp @u(%zd, %rd, %td, %w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6)
      tangents(%vd, %dr, %dt, %dw0, %db, %dw, %db, %dw, %db, %dw6, %db6)
      : (tensor<?x2xf32>, tensor<?xf32>, tensor<?xf32>, tensor<64x4xf32>, tensor<64xf32>,
         tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
         tensor<2x64xf32>, tensor<2xf32>),
        (tensor<?x2xf32>, tensor<?xf32>, tensor<?xf32>, tensor<64x4xf32>, tensor<64xf32>,
         tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
         tensor<2x64xf32>, tensor<2xf32>)
      -> (tensor<?x2xf32>, tensor<?x2xf32>)
  %u = tensor.cast %ud : tensor<?x2xf32> to tensor<256x2xf32>
  %dudt = tensor.cast %dudtd : tensor<?x2xf32> to tensor<256x2xf32>

  // The target u_tgt = v − (t − r)·du/dt, a constant for the gradient.
  %eb = tensor.empty() : tensor<256x2xf32>
  %tgt = linalg.generic {indexing_maps = [#id, #id, #row, #row, #id],
                         iterator_types = ["parallel", "parallel"]}
      ins(%v, %dudt, %t, %r : tensor<256x2xf32>, tensor<256x2xf32>, tensor<256xf32>, tensor<256xf32>)
      outs(%eb : tensor<256x2xf32>) {
  ^bb0(%vi: f32, %di: f32, %ti: f32, %ri: f32, %o: f32):
    %h = arith.subf %ti, %ri : f32
    %hd = arith.mulf %h, %di : f32
    %y = arith.subf %vi, %hd : f32
    linalg.yield %y : f32
  } -> tensor<256x2xf32>
  %target = fm.stop_gradient %tgt : tensor<256x2xf32>

  // Δ = Σ_j (u − u_tgt)²_j per row.
  %zero = arith.constant 0.0 : f32
  %er = tensor.empty() : tensor<256xf32>
  %zr = linalg.fill ins(%zero : f32) outs(%er : tensor<256xf32>) -> tensor<256xf32>
  %delta = linalg.generic {indexing_maps = [#id, #id, #row],
                           iterator_types = ["parallel", "reduction"]}
      ins(%u, %target : tensor<256x2xf32>, tensor<256x2xf32>) outs(%zr : tensor<256xf32>) {
  ^bb0(%ui: f32, %gi: f32, %acc: f32):
    %d = arith.subf %ui, %gi : f32
    %sq = arith.mulf %d, %d : f32
    %s = arith.addf %acc, %sq : f32
    linalg.yield %s : f32
  } -> tensor<256xf32>

  // The adaptive weight stopgrad((Δ + c)^p), here with p = 1.
  %w = linalg.generic {indexing_maps = [#vec, #vec], iterator_types = ["parallel"]}
      ins(%delta : tensor<256xf32>) outs(%er : tensor<256xf32>) {
  ^bb0(%di: f32, %o: f32):
    %c = arith.constant 0.01 : f32
    %y = arith.addf %di, %c : f32
    linalg.yield %y : f32
  } -> tensor<256xf32>
  %weight = fm.stop_gradient %w : tensor<256xf32>

  // L = mean(Δ / weight) over the 256 rows.
  %e0 = tensor.empty() : tensor<f32>
  %z0 = linalg.fill ins(%zero : f32) outs(%e0 : tensor<f32>) -> tensor<f32>
  %sum = linalg.generic {indexing_maps = [#vec, #vec, #scalar], iterator_types = ["reduction"]}
      ins(%delta, %weight : tensor<256xf32>, tensor<256xf32>) outs(%z0 : tensor<f32>) {
  ^bb0(%di: f32, %wi: f32, %acc: f32):
    %q = arith.divf %di, %wi : f32
    %s = arith.addf %acc, %q : f32
    linalg.yield %s : f32
  } -> tensor<f32>
  %total = tensor.extract %sum[] : tensor<f32>
  %rows = arith.constant 256.0 : f32
  %l = arith.divf %total, %rows : f32
  return %l : f32
}

/// One Adam step on a batch x1 of data. x0 and the two times are drawn from
/// (seed, step): x0 from stream 0, the times from streams 1 and 2, all at
/// offset step × 256 counter blocks (x0: 128 blocks, each time: 64), so no
/// two steps share random bits.
func.func @train_step(
    %w0: tensor<64x4xf32> {fm.role = "param", fm.name = "net.0.weight"},
    %b0: tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
    %w2: tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
    %b2: tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
    %w4: tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
    %b4: tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
    %w6: tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
    %b6: tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"},
    %mw0: tensor<64x4xf32> {fm.role = "opt_state", fm.name = "net.0.weight", fm.slot = "exp_avg"},
    %mb0: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.0.bias", fm.slot = "exp_avg"},
    %mw2: tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.2.weight", fm.slot = "exp_avg"},
    %mb2: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.2.bias", fm.slot = "exp_avg"},
    %mw4: tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.4.weight", fm.slot = "exp_avg"},
    %mb4: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.4.bias", fm.slot = "exp_avg"},
    %mw6: tensor<2x64xf32> {fm.role = "opt_state", fm.name = "net.6.weight", fm.slot = "exp_avg"},
    %mb6: tensor<2xf32> {fm.role = "opt_state", fm.name = "net.6.bias", fm.slot = "exp_avg"},
    %vw0: tensor<64x4xf32> {fm.role = "opt_state", fm.name = "net.0.weight", fm.slot = "exp_avg_sq"},
    %vb0: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.0.bias", fm.slot = "exp_avg_sq"},
    %vw2: tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.2.weight", fm.slot = "exp_avg_sq"},
    %vb2: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.2.bias", fm.slot = "exp_avg_sq"},
    %vw4: tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.4.weight", fm.slot = "exp_avg_sq"},
    %vb4: tensor<64xf32> {fm.role = "opt_state", fm.name = "net.4.bias", fm.slot = "exp_avg_sq"},
    %vw6: tensor<2x64xf32> {fm.role = "opt_state", fm.name = "net.6.weight", fm.slot = "exp_avg_sq"},
    %vb6: tensor<2xf32> {fm.role = "opt_state", fm.name = "net.6.bias", fm.slot = "exp_avg_sq"},
    %x1: tensor<256x2xf32> {fm.role = "batch"},
    %seed: i64 {fm.role = "seed"}, %step: i64 {fm.role = "step"})
    -> (f32 {fm.role = "loss"},
        tensor<64x4xf32> {fm.role = "param", fm.name = "net.0.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
        tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
        tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
        tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
        tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
        tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"},
        tensor<64x4xf32> {fm.role = "opt_state", fm.name = "net.0.weight", fm.slot = "exp_avg"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.0.bias", fm.slot = "exp_avg"},
        tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.2.weight", fm.slot = "exp_avg"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.2.bias", fm.slot = "exp_avg"},
        tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.4.weight", fm.slot = "exp_avg"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.4.bias", fm.slot = "exp_avg"},
        tensor<2x64xf32> {fm.role = "opt_state", fm.name = "net.6.weight", fm.slot = "exp_avg"},
        tensor<2xf32> {fm.role = "opt_state", fm.name = "net.6.bias", fm.slot = "exp_avg"},
        tensor<64x4xf32> {fm.role = "opt_state", fm.name = "net.0.weight", fm.slot = "exp_avg_sq"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.0.bias", fm.slot = "exp_avg_sq"},
        tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.2.weight", fm.slot = "exp_avg_sq"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.2.bias", fm.slot = "exp_avg_sq"},
        tensor<64x64xf32> {fm.role = "opt_state", fm.name = "net.4.weight", fm.slot = "exp_avg_sq"},
        tensor<64xf32> {fm.role = "opt_state", fm.name = "net.4.bias", fm.slot = "exp_avg_sq"},
        tensor<2x64xf32> {fm.role = "opt_state", fm.name = "net.6.weight", fm.slot = "exp_avg_sq"},
        tensor<2xf32> {fm.role = "opt_state", fm.name = "net.6.bias", fm.slot = "exp_avg_sq"})
    attributes {llvm.emit_c_interface, fm.entry = "train_step"} {
  %blocks = arith.constant 256 : i64
  %offset = arith.muli %step, %blocks : i64
  %x0 = fm.random_normal %seed, %offset stream 0 : tensor<256x2xf32>
  %a = fm.random_uniform %seed, %offset stream 1 : tensor<256xf32>
  %b = fm.random_uniform %seed, %offset stream 2 : tensor<256xf32>

  // Order each row's two draws as t ≤ r; on all but the first 64 rows
  // (25% of 256) the interval is empty, r = t, and the loss is plain flow
  // matching of the instantaneous velocity u(z, t, t) = v(z, t).
  %differing = arith.constant 64 : index
  %et = tensor.empty() : tensor<256xf32>
  %t, %r = linalg.generic {indexing_maps = [#vec, #vec, #vec, #vec], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<256xf32>, tensor<256xf32>) outs(%et, %et : tensor<256xf32>, tensor<256xf32>) {
  ^bb0(%ai: f32, %bi: f32, %o0: f32, %o1: f32):
    %less = arith.cmpf olt, %ai, %bi : f32
    %lo = arith.select %less, %ai, %bi : f32
    %hi = arith.select %less, %bi, %ai : f32
    %i = linalg.index 0 : index
    %keep = arith.cmpi slt, %i, %differing : index
    %ri = arith.select %keep, %hi, %lo : f32
    linalg.yield %lo, %ri : f32, f32
  } -> (tensor<256xf32>, tensor<256xf32>)

  // The loss and its gradient; those of x1, x0, t and r go unread, so they
  // are never computed.
  %one = arith.constant 1.0 : f32
  %l, %gw0, %gb0, %gw2, %gb2, %gw4, %gb4, %gw6, %gb6, %gx1, %gx0, %gt, %gr =
      fm.vjp @loss(%w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6, %x1, %x0, %t, %r) cotangents(%one)
      : (tensor<64x4xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
         tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>,
         tensor<256x2xf32>, tensor<256x2xf32>, tensor<256xf32>, tensor<256xf32>), (f32)
      -> (f32, tensor<64x4xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
          tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>,
          tensor<256x2xf32>, tensor<256x2xf32>, tensor<256xf32>, tensor<256xf32>)

  // Adam counts steps from 1.
  %c1 = arith.constant 1 : i64
  %n = arith.addi %step, %c1 : i64
  %nw0, %nmw0, %nvw0 = fm.adam_update %w0, %gw0, %mw0, %vw0, %n {lr = 1.0e-2} : tensor<64x4xf32>
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
      : f32, tensor<64x4xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
        tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>,
        tensor<64x4xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
        tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>,
        tensor<64x4xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
        tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>
}

//===----------------------------------------------------------------------===//
// Sampling
//===----------------------------------------------------------------------===//

/// Samples with `steps` = K MeanFlow steps from noise z0 (t = 0) to data
/// (t = 1): step k jumps from t = k/K to r = (k + 1)/K with the average
/// velocity, z ← z − (t − r)·u(z, r, t). One step is x1 = z0 + u(z0, 1, 0).
func.func @sample_meanflow(
    %w0: tensor<64x4xf32> {fm.role = "param", fm.name = "net.0.weight"},
    %b0: tensor<64xf32> {fm.role = "param", fm.name = "net.0.bias"},
    %w2: tensor<64x64xf32> {fm.role = "param", fm.name = "net.2.weight"},
    %b2: tensor<64xf32> {fm.role = "param", fm.name = "net.2.bias"},
    %w4: tensor<64x64xf32> {fm.role = "param", fm.name = "net.4.weight"},
    %b4: tensor<64xf32> {fm.role = "param", fm.name = "net.4.bias"},
    %w6: tensor<2x64xf32> {fm.role = "param", fm.name = "net.6.weight"},
    %b6: tensor<2xf32> {fm.role = "param", fm.name = "net.6.bias"},
    %z0: tensor<?x2xf32> {fm.role = "state"}, %steps: index {fm.role = "steps"})
    -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {llvm.emit_c_interface, fm.entry = "sampler", fm.solver = "meanflow",
                fm.direction = "forward"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %stepsi = arith.index_cast %steps : index to i64
  %count = arith.sitofp %stepsi : i64 to f32
  %n = tensor.dim %z0, %c0 : tensor<?x2xf32>
  %x1 = scf.for %k = %c0 to %steps step %c1 iter_args(%z = %z0) -> (tensor<?x2xf32>) {
    // The step's times, t = k/K and r = (k + 1)/K, one per row for @u.
    %k1 = arith.addi %k, %c1 : index
    %ki = arith.index_cast %k : index to i64
    %kf = arith.sitofp %ki : i64 to f32
    %t = arith.divf %kf, %count : f32
    %k1i = arith.index_cast %k1 : index to i64
    %k1f = arith.sitofp %k1i : i64 to f32
    %r = arith.divf %k1f, %count : f32
    %er = tensor.empty(%n) : tensor<?xf32>
    %trows = linalg.fill ins(%t : f32) outs(%er : tensor<?xf32>) -> tensor<?xf32>
    %rrows = linalg.fill ins(%r : f32) outs(%er : tensor<?xf32>) -> tensor<?xf32>
    %u = func.call @u(%z, %rrows, %trows, %w0, %b0, %w2, %b2, %w4, %b4, %w6, %b6)
        : (tensor<?x2xf32>, tensor<?xf32>, tensor<?xf32>, tensor<64x4xf32>, tensor<64xf32>,
           tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>,
           tensor<2x64xf32>, tensor<2xf32>) -> tensor<?x2xf32>
    // z_r = z_t − (t − r)·u.
    %h = arith.subf %t, %r : f32
    %ez = tensor.empty(%n) : tensor<?x2xf32>
    %next = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%z, %u : tensor<?x2xf32>, tensor<?x2xf32>) outs(%ez : tensor<?x2xf32>) {
    ^bb0(%zi: f32, %ui: f32, %o: f32):
      %hu = arith.mulf %h, %ui : f32
      %y = arith.subf %zi, %hu : f32
      linalg.yield %y : f32
    } -> tensor<?x2xf32>
    scf.yield %next : tensor<?x2xf32>
  }
  return %x1 : tensor<?x2xf32>
}
