// RUN: fm-opt %s --split-input-file --verify-diagnostics

/// Entry-point roles (fm.entry, fm.role, fm.name, fm.slot, fm.solver,
/// fm.direction): every diagnostic of the dialect's attribute verifier.

// expected-error @+1 {{'func.func' op 'fm.entry' must be "init", "train_step", "sampler" or "likelihood", got "trainer"}}
func.func @unknown_entry(%s: i64) attributes {fm.entry = "trainer"} {
  return
}

// -----

// expected-error @+1 {{'builtin.module' op 'fm.entry' applies to functions only}}
module attributes {fm.entry = "init"} {
}

// -----

// expected-error @+1 {{'func.func' op is a 'init' entry point and must have a body}}
func.func private @external_init(%s: i64 {fm.role = "seed"}) attributes {fm.entry = "init"}

// -----

// expected-error @+1 {{'func.func' op argument #0 of 'init' entry point has no 'fm.role'}}
func.func @missing_role(%s: i64) attributes {fm.entry = "init"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0 of 'init' entry point cannot have role 'batch'}}
func.func @wrong_input_role(%x: tensor<2x2xf32> {fm.role = "batch"}) attributes {fm.entry = "init"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op result #0 of 'sampler' entry point cannot have role 'loss'}}
func.func @wrong_result_role(%x: tensor<?x2xf32> {fm.role = "state"}) -> (f32 {fm.role = "loss"})
    attributes {fm.entry = "sampler", fm.solver = "euler"} {
  %c = arith.constant 0.0 : f32
  return %c : f32
}

// -----

// expected-error @+1 {{'func.func' op argument #0 of 'init' entry point of role 'seed' must be i64, got 'i32'}}
func.func @seed_type(%s: i32 {fm.role = "seed"}) attributes {fm.entry = "init"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op result #0 of 'init' entry point of role 'param' must be a statically shaped tensor of floats, got 'tensor<?xf32>'}}
func.func @dynamic_param(%s: i64 {fm.role = "seed"}) -> (tensor<?xf32> {fm.role = "param", fm.name = "w"})
    attributes {fm.entry = "init"} {
  %e = tensor.empty() : tensor<2xf32>
  %d = tensor.cast %e : tensor<2xf32> to tensor<?xf32>
  return %d : tensor<?xf32>
}

// -----

// expected-error @+1 {{'func.func' op result #0 of 'init' entry point of role 'param' needs an 'fm.name'}}
func.func @unnamed_param(%s: i64 {fm.role = "seed"}) -> (tensor<2xf32> {fm.role = "param"})
    attributes {fm.entry = "init"} {
  %e = tensor.empty() : tensor<2xf32>
  return %e : tensor<2xf32>
}

// -----

// expected-error @+1 {{'func.func' op argument #1 of 'train_step' entry point of role 'opt_state' needs an 'fm.slot'}}
func.func @unslotted_state(%w: tensor<2xf32> {fm.role = "param", fm.name = "w"},
                           %m: tensor<2xf32> {fm.role = "opt_state", fm.name = "w"})
    attributes {fm.entry = "train_step"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0 of 'train_step' entry point of role 'batch' must be a statically shaped tensor of f32, f64, i32 or i64 with a batch dimension, got 'tensor<4x2xf16>'}}
func.func @batch_type(%x: tensor<4x2xf16> {fm.role = "batch"}) -> (f32 {fm.role = "loss"})
    attributes {fm.entry = "train_step"} {
  %c = arith.constant 0.0 : f32
  return %c : f32
}

// -----

// expected-error @+1 {{'func.func' op argument #0 of 'sampler' entry point of role 'state' must be a tensor with a batch dimension and static other dimensions, got 'tensor<?x?xf32>'}}
func.func @state_type(%x: tensor<?x?xf32> {fm.role = "state"}) -> (tensor<?x?xf32> {fm.role = "state"})
    attributes {fm.entry = "sampler", fm.solver = "euler"} {
  return %x : tensor<?x?xf32>
}

// -----

// expected-error @+1 {{'func.func' op argument #1 of 'sampler' entry point of role 'steps' must be index or i64, got 'f32'}}
func.func @steps_type(%x: tensor<?x2xf32> {fm.role = "state"}, %n: f32 {fm.role = "steps"})
    -> (tensor<?x2xf32> {fm.role = "state"}) attributes {fm.entry = "sampler", fm.solver = "euler"} {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op result #0 of 'train_step' entry point of role 'loss' must be f32 or tensor<f32>, got 'f64'}}
func.func @loss_type(%x: tensor<4x2xf32> {fm.role = "batch"}) -> (f64 {fm.role = "loss"})
    attributes {fm.entry = "train_step"} {
  %c = arith.constant 0.0 : f64
  return %c : f64
}

// -----

// expected-error @+1 {{'func.func' op is a 'train_step' entry point and must have at most one input of role 'seed'}}
func.func @two_seeds(%x: tensor<4x2xf32> {fm.role = "batch"}, %a: i64 {fm.role = "seed"},
                     %b: i64 {fm.role = "seed"}) -> (f32 {fm.role = "loss"})
    attributes {fm.entry = "train_step"} {
  %c = arith.constant 0.0 : f32
  return %c : f32
}

// -----

// expected-error @+1 {{'func.func' op is a 'init' entry point and must have one input of role 'seed'}}
func.func @init_without_seed() attributes {fm.entry = "init"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op is a 'train_step' entry point and must have one result of role 'loss'}}
func.func @no_loss(%x: tensor<4x2xf32> {fm.role = "batch"}) attributes {fm.entry = "train_step"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op is a 'train_step' entry point and must have at least one input of role 'batch'}}
func.func @no_batch() -> (f32 {fm.role = "loss"}) attributes {fm.entry = "train_step"} {
  %c = arith.constant 0.0 : f32
  return %c : f32
}

// -----

// expected-error @+1 {{'func.func' op is a 'sampler' entry point and must have one input of role 'state'}}
func.func @no_state_in(%w: tensor<2xf32> {fm.role = "param", fm.name = "w"}) -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "sampler", fm.solver = "euler"} {
  %e = tensor.empty() : tensor<1x2xf32>
  %d = tensor.cast %e : tensor<1x2xf32> to tensor<?x2xf32>
  return %d : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'sampler' entry point and must have one result of role 'state'}}
func.func @no_state_out(%x: tensor<?x2xf32> {fm.role = "state"}) attributes {fm.entry = "sampler", fm.solver = "euler"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op is a 'sampler' entry point whose 'state' input and result differ in type: 'tensor<?x2xf32>' vs 'tensor<?x3xf32>'}}
func.func @state_mismatch(%x: tensor<?x2xf32> {fm.role = "state"})
    -> (tensor<?x3xf32> {fm.role = "state"}) attributes {fm.entry = "sampler", fm.solver = "euler"} {
  %e = tensor.empty() : tensor<1x3xf32>
  %d = tensor.cast %e : tensor<1x3xf32> to tensor<?x3xf32>
  return %d : tensor<?x3xf32>
}

// -----

// expected-error @+1 {{'func.func' op has two inputs for parameter 'w'}}
func.func @duplicate_param(%a: tensor<2xf32> {fm.role = "param", fm.name = "w"},
                           %b: tensor<2xf32> {fm.role = "param", fm.name = "w"},
                           %x: tensor<?x2xf32> {fm.role = "state"})
    -> (tensor<?x2xf32> {fm.role = "state"}) attributes {fm.entry = "sampler", fm.solver = "euler"} {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op has optimizer state 'exp_avg' of 'v', which is no parameter of it}}
func.func @orphan_state(%w: tensor<2xf32> {fm.role = "param", fm.name = "w"},
                        %m: tensor<2xf32> {fm.role = "opt_state", fm.name = "v", fm.slot = "exp_avg"},
                        %x: tensor<4x2xf32> {fm.role = "batch"})
    -> (f32 {fm.role = "loss"}) attributes {fm.entry = "train_step"} {
  %c = arith.constant 0.0 : f32
  return %c : f32
}

// -----

// expected-error @+1 {{'func.func' op has optimizer state 'exp_avg' of 'w' of type 'tensor<3xf32>', but the parameter is 'tensor<2xf32>'}}
func.func @state_shape(%w: tensor<2xf32> {fm.role = "param", fm.name = "w"},
                       %m: tensor<3xf32> {fm.role = "opt_state", fm.name = "w", fm.slot = "exp_avg"},
                       %x: tensor<4x2xf32> {fm.role = "batch"})
    -> (f32 {fm.role = "loss"}) attributes {fm.entry = "train_step"} {
  %c = arith.constant 0.0 : f32
  return %c : f32
}

// -----

// expected-error @+1 {{'func.func' op is a 'train_step' entry point and must return its input 'w' slot 'exp_avg' with the same type}}
func.func @state_not_returned(%w: tensor<2xf32> {fm.role = "param", fm.name = "w"},
                              %m: tensor<2xf32> {fm.role = "opt_state", fm.name = "w", fm.slot = "exp_avg"},
                              %x: tensor<4x2xf32> {fm.role = "batch"})
    -> (f32 {fm.role = "loss"}, tensor<2xf32> {fm.role = "param", fm.name = "w"})
    attributes {fm.entry = "train_step"} {
  %c = arith.constant 0.0 : f32
  return %c, %w : f32, tensor<2xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'train_step' entry point and returns a parameter or optimizer state it does not take}}
func.func @extra_result(%w: tensor<2xf32> {fm.role = "param", fm.name = "w"}, %x: tensor<4x2xf32> {fm.role = "batch"})
    -> (f32 {fm.role = "loss"}, tensor<2xf32> {fm.role = "param", fm.name = "w"},
        tensor<2xf32> {fm.role = "param", fm.name = "u"})
    attributes {fm.entry = "train_step"} {
  %c = arith.constant 0.0 : f32
  return %c, %w, %w : f32, tensor<2xf32>, tensor<2xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'sampler' entry point and needs an 'fm.solver'}}
func.func @no_solver(%x: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "sampler"} {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'init' entry point: only samplers and likelihoods take 'fm.solver', 'fm.direction', 'fm.steps' and 'fm.time_grid'}}
func.func @solver_on_init(%s: i64 {fm.role = "seed"}) attributes {fm.entry = "init", fm.solver = "euler"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op 'fm.solver' must name an ODE method (euler, midpoint, heun, rk4, rk38) or meanflow, got "dopri5"}}
func.func @bad_solver(%x: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "sampler", fm.solver = "dopri5", fm.steps = 4 : i64} {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op 'fm.direction' must name a direction (forward, reverse), got "backward"}}
func.func @bad_direction(%x: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "sampler", fm.solver = "euler", fm.direction = "backward"} {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op 'fm.solver' needs an 'fm.entry'}}
func.func @solver_alone() attributes {fm.solver = "euler"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op has an unknown fm attribute 'fm.rol'}}
func.func @typo() attributes {fm.rol = "init"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0: 'fm.role' must name a role (param, opt_state, batch, seed, step, loss, state, steps, logp), got "weights"}}
func.func @unknown_role(%w: tensor<2xf32> {fm.role = "weights"}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op argument #0: 'fm.role' needs an 'fm.entry' on the function}}
func.func @role_without_entry(%w: tensor<2xf32> {fm.role = "param", fm.name = "w"}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op result #0: 'fm.slot' must be a non-empty string, got ""}}
func.func @empty_slot() -> (f32 {fm.slot = ""}) {
  %c = arith.constant 0.0 : f32
  return %c : f32
}

// -----

// expected-error @+1 {{'func.func' op argument #0: 'fm.weight' is no fm attribute of values}}
func.func @unknown_value_attr(%w: tensor<2xf32> {fm.weight = "w"}) {
  return
}

// -----

// expected-error @+1 {{'func.func' op is a 'sampler' entry point and needs either a 'steps' input or the program's steps ('fm.steps' or 'fm.time_grid'), got neither}}
func.func @no_steps(%x: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "sampler", fm.solver = "euler"} {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'sampler' entry point and needs either a 'steps' input or the program's steps ('fm.steps' or 'fm.time_grid'), not both}}
func.func @both_steps(%x: tensor<?x2xf32> {fm.role = "state"}, %n: index {fm.role = "steps"})
    -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "sampler", fm.solver = "euler", fm.steps = 4 : i64} {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op 'fm.steps' must be a positive i64, got 0 : i64}}
func.func @zero_steps(%x: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "sampler", fm.solver = "euler", fm.steps = 0 : i64} {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op 'fm.time_grid' must be an array<f64> of at least two times, got array<f64: 0.000000e+00>}}
func.func @short_grid(%x: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "sampler", fm.solver = "euler", fm.time_grid = array<f64: 0.0>} {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op 'fm.steps' needs an 'fm.entry'}}
func.func @steps_alone() attributes {fm.steps = 3 : i64} {
  return
}

// -----

// expected-error @+1 {{'func.func' op result #0 of 'likelihood' entry point cannot have role 'state'}}
func.func @likelihood_state_out(%x: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "likelihood", fm.solver = "midpoint", fm.steps = 4 : i64, fm.divergence = "exact"} {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op argument #1 of 'likelihood' entry point cannot have role 'batch'}}
func.func @likelihood_batch(%x: tensor<4x2xf32> {fm.role = "state"}, %b: tensor<4x2xf32> {fm.role = "batch"})
    -> (tensor<4xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "midpoint", fm.steps = 4 : i64, fm.divergence = "exact"} {
  %l = tensor.empty() : tensor<4xf32>
  return %l : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op result #0 of 'likelihood' entry point of role 'logp' must be a 1-D tensor of f32 (one per point), got 'tensor<?x1xf32>'}}
func.func @logp_rank(%x: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x1xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "midpoint", fm.steps = 4 : i64, fm.divergence = "exact"} {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %l = tensor.empty(%n) : tensor<?x1xf32>
  return %l : tensor<?x1xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'likelihood' entry point and must have one input of role 'state'}}
func.func @likelihood_no_state(%x: tensor<4x2xf32> {fm.role = "param", fm.name = "w"}) -> (tensor<4xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "midpoint", fm.steps = 4 : i64, fm.divergence = "exact"} {
  %l = tensor.empty() : tensor<4xf32>
  return %l : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'likelihood' entry point and must have one result of role 'logp'}}
func.func @likelihood_no_logp(%x: tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "likelihood", fm.solver = "midpoint", fm.steps = 4 : i64, fm.divergence = "exact"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op is a 'likelihood' entry point whose 'logp' result does not have one value per point of its 'state': 'tensor<3xf32>' for 'tensor<4x2xf32>'}}
func.func @logp_count(%x: tensor<4x2xf32> {fm.role = "state"}) -> (tensor<3xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "midpoint", fm.steps = 4 : i64, fm.divergence = "exact"} {
  %l = tensor.empty() : tensor<3xf32>
  return %l : tensor<3xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'sampler' entry point: only likelihoods take 'fm.divergence'}}
func.func @divergence_on_sampler(%x: tensor<?x2xf32> {fm.role = "state"}) -> (tensor<?x2xf32> {fm.role = "state"})
    attributes {fm.entry = "sampler", fm.solver = "euler", fm.steps = 4 : i64, fm.divergence = "exact"} {
  return %x : tensor<?x2xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'likelihood' entry point and needs an 'fm.solver'}}
func.func @likelihood_no_solver(%x: tensor<4x2xf32> {fm.role = "state"}) -> (tensor<4xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.steps = 4 : i64, fm.divergence = "exact"} {
  %l = tensor.empty() : tensor<4xf32>
  return %l : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'likelihood' entry point, which integrates from t = 1 to t = 0 in equal steps: it takes no 'fm.direction' or 'fm.time_grid'}}
func.func @likelihood_grid(%x: tensor<4x2xf32> {fm.role = "state"}) -> (tensor<4xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "euler", fm.time_grid = array<f64: 1.0, 0.0>, fm.divergence = "exact"} {
  %l = tensor.empty() : tensor<4xf32>
  return %l : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'likelihood' entry point and needs an ODE method, not meanflow}}
func.func @likelihood_meanflow(%x: tensor<4x2xf32> {fm.role = "state"}) -> (tensor<4xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "meanflow", fm.steps = 4 : i64, fm.divergence = "exact"} {
  %l = tensor.empty() : tensor<4xf32>
  return %l : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'likelihood' entry point and needs an 'fm.divergence'}}
func.func @likelihood_no_divergence(%x: tensor<4x2xf32> {fm.role = "state"}) -> (tensor<4xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "euler", fm.steps = 4 : i64} {
  %l = tensor.empty() : tensor<4xf32>
  return %l : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op 'fm.divergence' must be "exact" or "hutchinson", got "skilling"}}
func.func @bad_divergence(%x: tensor<4x2xf32> {fm.role = "state"}) -> (tensor<4xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "euler", fm.steps = 4 : i64, fm.divergence = "skilling"} {
  %l = tensor.empty() : tensor<4xf32>
  return %l : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op 'fm.divergence' needs an 'fm.entry'}}
func.func @divergence_alone() attributes {fm.divergence = "exact"} {
  return
}

// -----

// expected-error @+1 {{'func.func' op is a 'likelihood' entry point with divergence 'hutchinson' and must have one input of role 'seed'}}
func.func @hutchinson_no_seed(%x: tensor<4x2xf32> {fm.role = "state"}) -> (tensor<4xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "euler", fm.steps = 4 : i64, fm.divergence = "hutchinson"} {
  %l = tensor.empty() : tensor<4xf32>
  return %l : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'likelihood' entry point with divergence 'exact' and must have no input of role 'seed'}}
func.func @exact_seed(%x: tensor<4x2xf32> {fm.role = "state"}, %s: i64 {fm.role = "seed"}) -> (tensor<4xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "euler", fm.steps = 4 : i64, fm.divergence = "exact"} {
  %l = tensor.empty() : tensor<4xf32>
  return %l : tensor<4xf32>
}

// -----

// expected-error @+1 {{'func.func' op is a 'likelihood' entry point and needs either a 'steps' input or the program's steps ('fm.steps' or 'fm.time_grid'), got neither}}
func.func @likelihood_no_steps(%x: tensor<4x2xf32> {fm.role = "state"}) -> (tensor<4xf32> {fm.role = "logp"})
    attributes {fm.entry = "likelihood", fm.solver = "euler", fm.divergence = "exact"} {
  %l = tensor.empty() : tensor<4xf32>
  return %l : tensor<4xf32>
}

// -----

/// An entry point whose call graph comes back to itself, at the loop level
/// (no fm.flow to check it).
func.func private @again(%s: i64) -> tensor<2xf32> {
  %p = func.call @init_loop(%s) : (i64) -> tensor<2xf32>
  return %p : tensor<2xf32>
}
// expected-error @+1 {{'func.func' op entry point '@init_loop' calls itself (@init_loop -> @again -> @init_loop): recursion cannot be compiled, it would overflow the stack at run time}}
func.func @init_loop(%s: i64 {fm.role = "seed"}) -> (tensor<2xf32> {fm.role = "param", fm.name = "w"})
    attributes {fm.entry = "init"} {
  %p = func.call @again(%s) : (i64) -> tensor<2xf32>
  return %p : tensor<2xf32>
}

// -----

/// The same through fm.vjp's callee.
func.func private @loss(%w: tensor<2xf32>) -> f32 {
  %c = arith.constant 1.0 : f32
  %l, %g = fm.vjp @loss(%w) cotangents(%c) : (tensor<2xf32>), (f32) -> (f32, tensor<2xf32>)
  return %l : f32
}
// expected-error @+1 {{'func.func' op entry point '@init_vjp' calls itself (@loss -> @loss)}}
func.func @init_vjp(%s: i64 {fm.role = "seed"}) -> (tensor<2xf32> {fm.role = "param", fm.name = "w"})
    attributes {fm.entry = "init"} {
  %w = arith.constant dense<1.0> : tensor<2xf32>
  %l = func.call @loss(%w) : (tensor<2xf32>) -> f32
  return %w : tensor<2xf32>
}

// -----

/// A discrete flow's token attributes on an entry point.
// expected-error @+1 {{'func.func' op 'fm.source' must be "uniform" or "mask", got "gaussian"}}
func.func @bad_source(%s: i64 {fm.role = "seed"}) -> (tensor<2xf32> {fm.role = "param", fm.name = "w"})
    attributes {fm.entry = "init", fm.source = "gaussian"} {
  %w = arith.constant dense<1.0> : tensor<2xf32>
  return %w : tensor<2xf32>
}

// -----

// expected-error @+1 {{'func.func' op 'fm.vocabulary' must be an i64 in [1, 2^31 - 1), got 0 : i64}}
func.func @bad_vocabulary(%s: i64 {fm.role = "seed"}) -> (tensor<2xf32> {fm.role = "param", fm.name = "w"})
    attributes {fm.entry = "init", fm.vocabulary = 0 : i64} {
  %w = arith.constant dense<1.0> : tensor<2xf32>
  return %w : tensor<2xf32>
}

// -----

// expected-error @+1 {{'func.func' op 'fm.vocabulary' needs an 'fm.entry'}}
func.func @vocabulary_without_entry() attributes {fm.vocabulary = 4 : i64} {
  return
}
