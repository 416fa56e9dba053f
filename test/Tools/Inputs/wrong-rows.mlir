// tiny-flow.mlir's network and Euler sampler, with EXTRA_ROWS (a test
// substitutes a number) rows more in the velocity than in the points it is
// given. The compiler cannot see the mismatch, since the sampler's batch is
// dynamic: the run-time checks of fm-runtime-checks stop it. The parameters
// are tiny-flow.mlir's, so its checkpoints load here.

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>

func.func @velocity(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>, %b: tensor<2xf32>)
    -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %extra = arith.constant EXTRA_ROWS : index
  %rows = arith.addi %n, %extra : index
  %e = tensor.empty(%rows) : tensor<?x2xf32>
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
