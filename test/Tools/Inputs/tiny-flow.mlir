// A tiny flow program for fm-run's tests: v(x, t) = x·Wᵀ + b, trained like
// examples/moons.mlir, so it compiles and runs in a fraction of a second.
// With NAN_AT (a test substitutes a step number) the loss becomes NaN from
// that step on.

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

func.func @train_step(
    %w: tensor<2x2xf32> {fm.role = "param", fm.name = "w"},
    %b: tensor<2xf32> {fm.role = "param", fm.name = "b"},
    %mw: tensor<2x2xf32> {fm.role = "opt_state", fm.name = "w", fm.slot = "exp_avg"},
    %mb: tensor<2xf32> {fm.role = "opt_state", fm.name = "b", fm.slot = "exp_avg"},
    %vw: tensor<2x2xf32> {fm.role = "opt_state", fm.name = "w", fm.slot = "exp_avg_sq"},
    %vb: tensor<2xf32> {fm.role = "opt_state", fm.name = "b", fm.slot = "exp_avg_sq"},
    %x1: tensor<8x2xf32> {fm.role = "batch"}, %seed: i64 {fm.role = "seed"},
    %step: i64 {fm.role = "step"})
    -> (f32 {fm.role = "loss"},
        tensor<2x2xf32> {fm.role = "param", fm.name = "w"},
        tensor<2xf32> {fm.role = "param", fm.name = "b"},
        tensor<2x2xf32> {fm.role = "opt_state", fm.name = "w", fm.slot = "exp_avg"},
        tensor<2xf32> {fm.role = "opt_state", fm.name = "b", fm.slot = "exp_avg"},
        tensor<2x2xf32> {fm.role = "opt_state", fm.name = "w", fm.slot = "exp_avg_sq"},
        tensor<2xf32> {fm.role = "opt_state", fm.name = "b", fm.slot = "exp_avg_sq"})
    attributes {fm.entry = "train_step"} {
  %blocks = arith.constant 6 : i64
  %offset = arith.muli %step, %blocks : i64
  %x0 = fm.random_normal %seed, %offset stream 0 : tensor<8x2xf32>
  %t = fm.random_uniform %seed, %offset stream 1 : tensor<8xf32>
  %one = arith.constant 1.0 : f32
  %l, %gw, %gb, %g1, %g0, %gt = fm.vjp @loss(%w, %b, %x1, %x0, %t) cotangents(%one)
      : (tensor<2x2xf32>, tensor<2xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<8xf32>), (f32)
      -> (f32, tensor<2x2xf32>, tensor<2xf32>, tensor<8x2xf32>, tensor<8x2xf32>, tensor<8xf32>)
  %c1 = arith.constant 1 : i64
  %n = arith.addi %step, %c1 : i64
  %nw, %nmw, %nvw = fm.adam_update %w, %gw, %mw, %vw, %n {lr = 1.0e-2} : tensor<2x2xf32>
  %nb, %nmb, %nvb = fm.adam_update %b, %gb, %mb, %vb, %n {lr = 1.0e-2} : tensor<2xf32>
  %nan_at = arith.constant NAN_AT : i64
  %bad = arith.cmpi sge, %step, %nan_at : i64
  %nan = arith.constant 0x7FC00000 : f32
  %reported = arith.select %bad, %nan, %l : f32
  return %reported, %nw, %nb, %nmw, %nmb, %nvw, %nvb
      : f32, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>, tensor<2x2xf32>, tensor<2xf32>
}

func.func @sample_euler(%w: tensor<2x2xf32> {fm.role = "param", fm.name = "w"},
                        %b: tensor<2xf32> {fm.role = "param", fm.name = "b"},
                        %x0: tensor<?x2xf32> {fm.role = "state"},
                        %steps: index {fm.role = "steps"})
    -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "sampler", fm.solver = "euler"} {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %n64 = arith.index_cast %steps : index to i64
  %nf = arith.sitofp %n64 : i64 to f32
  %h = arith.divf %one, %nf : f32
  %x = scf.for %i = %c0 to %steps step %c1 iter_args(%xi = %x0) -> (tensor<?x2xf32>) {
    %i64 = arith.index_cast %i : index to i64
    %if = arith.sitofp %i64 : i64 to f32
    %tt = arith.mulf %if, %h : f32
    %next = fm.ode_step euler @velocity(%xi, %tt, %h) params(%w, %b : tensor<2x2xf32>, tensor<2xf32>)
        : tensor<?x2xf32>, f32
    scf.yield %next : tensor<?x2xf32>
  }
  return %x : tensor<?x2xf32>
}
