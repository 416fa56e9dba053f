// The tiny flow of tiny-flow.mlir trained by SGD with momentum, written by
// hand: one optimizer state per parameter (slot "momentum_buffer", as
// torch.optim.SGD names it) instead of Adam's two, and the batch before the
// parameters. The runtime's Trainer reads all of it from the roles.

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

func.func @velocity(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>, %b: tensor<2xf32>)
    -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %e = tensor.empty(%n) : tensor<?x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x2xf32>) -> tensor<?x2xf32>
  %xw = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
                                       affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<?x2xf32>, tensor<2x2xf32>) outs(%z : tensor<?x2xf32>) -> tensor<?x2xf32>
  %v = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw, %b : tensor<?x2xf32>, tensor<2xf32>) outs(%e : tensor<?x2xf32>) {
  ^bb0(%a: f32, %c: f32, %o: f32):
    %s = arith.addf %a, %c : f32
    linalg.yield %s : f32
  } -> tensor<?x2xf32>
  return %v : tensor<?x2xf32>
}

func.func @loss(%w: tensor<2x2xf32>, %b: tensor<2xf32>, %x1: tensor<8x2xf32>, %x0: tensor<8x2xf32>,
                %t: tensor<8xf32>) -> f32 {
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x0, %x1, %t : tensor<8x2xf32>, tensor<8xf32>
  %xd = tensor.cast %x_t : tensor<8x2xf32> to tensor<?x2xf32>
  %td = tensor.cast %t : tensor<8xf32> to tensor<?xf32>
  %vd = func.call @velocity(%xd, %td, %w, %b)
      : (tensor<?x2xf32>, tensor<?xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %v = tensor.cast %vd : tensor<?x2xf32> to tensor<8x2xf32>
  %l = fm.mse_loss %v, %dx_t : tensor<8x2xf32> -> f32
  return %l : f32
}

func.func @init(%seed: i64 {fm.role = "seed"})
    -> (tensor<2x2xf32> {fm.role = "param", fm.name = "w"},
        tensor<2xf32> {fm.role = "param", fm.name = "b"})
    attributes {fm.entry = "init"} {
  %zero = arith.constant 0 : i64
  %w = fm.random_uniform %seed, %zero stream 0 : tensor<2x2xf32>
  %b = fm.random_uniform %seed, %zero stream 1 : tensor<2xf32>
  return %w, %b : tensor<2x2xf32>, tensor<2xf32>
}

/// buf <- 0.9·buf + g; p <- p − 0.05·buf (elementwise, any rank).
func.func private @sgd2(%p: tensor<2x2xf32>, %g: tensor<2x2xf32>, %m: tensor<2x2xf32>)
    -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %e = tensor.empty() : tensor<2x2xf32>
  %r:2 = linalg.generic {indexing_maps = [#id, #id, #id, #id, #id],
                         iterator_types = ["parallel", "parallel"]}
      ins(%p, %g, %m : tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>)
      outs(%e, %e : tensor<2x2xf32>, tensor<2x2xf32>) {
  ^bb0(%pv: f32, %gv: f32, %mv: f32, %o1: f32, %o2: f32):
    %mu = arith.constant 0.9 : f32
    %lr = arith.constant 0.05 : f32
    %mm = arith.mulf %mu, %mv : f32
    %nm = arith.addf %mm, %gv : f32
    %st = arith.mulf %lr, %nm : f32
    %np = arith.subf %pv, %st : f32
    linalg.yield %np, %nm : f32, f32
  } -> (tensor<2x2xf32>, tensor<2x2xf32>)
  return %r#0, %r#1 : tensor<2x2xf32>, tensor<2x2xf32>
}

func.func private @sgd1(%p: tensor<2xf32>, %g: tensor<2xf32>, %m: tensor<2xf32>)
    -> (tensor<2xf32>, tensor<2xf32>) {
  %e = tensor.empty() : tensor<2xf32>
  %r:2 = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>,
                                          affine_map<(i) -> (i)>, affine_map<(i) -> (i)>,
                                          affine_map<(i) -> (i)>],
                         iterator_types = ["parallel"]}
      ins(%p, %g, %m : tensor<2xf32>, tensor<2xf32>, tensor<2xf32>)
      outs(%e, %e : tensor<2xf32>, tensor<2xf32>) {
  ^bb0(%pv: f32, %gv: f32, %mv: f32, %o1: f32, %o2: f32):
    %mu = arith.constant 0.9 : f32
    %lr = arith.constant 0.05 : f32
    %mm = arith.mulf %mu, %mv : f32
    %nm = arith.addf %mm, %gv : f32
    %st = arith.mulf %lr, %nm : f32
    %np = arith.subf %pv, %st : f32
    linalg.yield %np, %nm : f32, f32
  } -> (tensor<2xf32>, tensor<2xf32>)
  return %r#0, %r#1 : tensor<2xf32>, tensor<2xf32>
}

func.func @train_step(
    %x1: tensor<8x2xf32> {fm.role = "batch"},
    %w: tensor<2x2xf32> {fm.role = "param", fm.name = "w"},
    %mw: tensor<2x2xf32> {fm.role = "opt_state", fm.name = "w", fm.slot = "momentum_buffer"},
    %b: tensor<2xf32> {fm.role = "param", fm.name = "b"},
    %mb: tensor<2xf32> {fm.role = "opt_state", fm.name = "b", fm.slot = "momentum_buffer"},
    %step: i64 {fm.role = "step"}, %seed: i64 {fm.role = "seed"})
    -> (tensor<2xf32> {fm.role = "opt_state", fm.name = "b", fm.slot = "momentum_buffer"},
        f32 {fm.role = "loss"},
        tensor<2x2xf32> {fm.role = "param", fm.name = "w"},
        tensor<2xf32> {fm.role = "param", fm.name = "b"},
        tensor<2x2xf32> {fm.role = "opt_state", fm.name = "w", fm.slot = "momentum_buffer"})
    attributes {fm.entry = "train_step"} {
  %blocks = arith.constant 6 : i64
  %offset = arith.muli %step, %blocks : i64
  %x0 = fm.random_normal %seed, %offset stream 0 : tensor<8x2xf32>
  %t = fm.random_uniform %seed, %offset stream 1 : tensor<8xf32>
  %one = arith.constant 1.0 : f32
  %l, %gw, %gb, %g1, %g0, %gt = fm.vjp @loss(%w, %b, %x1, %x0, %t) cotangents(%one)
      : (tensor<2x2xf32>, tensor<2xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<8xf32>), (f32)
      -> (f32, tensor<2x2xf32>, tensor<2xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<8xf32>)
  %nw, %nmw = func.call @sgd2(%w, %gw, %mw)
      : (tensor<2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) -> (tensor<2x2xf32>, tensor<2x2xf32>)
  %nb, %nmb = func.call @sgd1(%b, %gb, %mb)
      : (tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  return %nmb, %l, %nw, %nb, %nmw : tensor<2xf32>, f32, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>
}

/// The same step with its values in the usual order (parameters, state,
/// batch, seed, step; loss, parameters, state): the runtime must train it
/// to the same bits.
func.func @train_step_ordered(
    %w: tensor<2x2xf32> {fm.role = "param", fm.name = "w"},
    %b: tensor<2xf32> {fm.role = "param", fm.name = "b"},
    %mw: tensor<2x2xf32> {fm.role = "opt_state", fm.name = "w", fm.slot = "momentum_buffer"},
    %mb: tensor<2xf32> {fm.role = "opt_state", fm.name = "b", fm.slot = "momentum_buffer"},
    %x1: tensor<8x2xf32> {fm.role = "batch"}, %seed: i64 {fm.role = "seed"},
    %step: i64 {fm.role = "step"})
    -> (f32 {fm.role = "loss"},
        tensor<2x2xf32> {fm.role = "param", fm.name = "w"},
        tensor<2xf32> {fm.role = "param", fm.name = "b"},
        tensor<2x2xf32> {fm.role = "opt_state", fm.name = "w", fm.slot = "momentum_buffer"},
        tensor<2xf32> {fm.role = "opt_state", fm.name = "b", fm.slot = "momentum_buffer"})
    attributes {fm.entry = "train_step"} {
  %nmb, %l, %nw, %nb, %nmw = func.call @train_step(%x1, %w, %mw, %b, %mb, %step, %seed)
      : (tensor<8x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2xf32>, i64, i64)
      -> (tensor<2xf32>, f32, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>)
  return %l, %nw, %nb, %nmw, %nmb : f32, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>
}
