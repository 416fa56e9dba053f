// RUN: fm-opt %s --split-input-file --verify-diagnostics

func.func @no_vocabulary(%seed: i64, %offset: i64) -> tensor<8x2xi64> {
  // expected-error @+1 {{'fm.random_tokens' op vocabulary must be in [1, 2^31), got 0}}
  %x = fm.random_tokens %seed, %offset stream 0 vocabulary 0 : tensor<8x2xi64>
  return %x : tensor<8x2xi64>
}

// -----

func.func @huge_vocabulary(%seed: i64, %offset: i64) -> tensor<8x2xi64> {
  // expected-error @+1 {{'fm.random_tokens' op vocabulary must be in [1, 2^31), got 2147483648}}
  %x = fm.random_tokens %seed, %offset stream 0 vocabulary 2147483648 : tensor<8x2xi64>
  return %x : tensor<8x2xi64>
}

// -----

func.func @float_tokens(%seed: i64, %offset: i64) -> tensor<8x2xf32> {
  // expected-error @+1 {{'fm.random_tokens' op result #0 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<8x2xf32>'}}
  %x = fm.random_tokens %seed, %offset stream 0 vocabulary 4 : tensor<8x2xf32>
  return %x : tensor<8x2xf32>
}

// -----

func.func @dynamic_tokens(%seed: i64, %offset: i64) -> tensor<?x2xi64> {
  // expected-error @+1 {{'fm.random_tokens' op result #0 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<?x2xi64>'}}
  %x = fm.random_tokens %seed, %offset stream 0 vocabulary 4 : tensor<?x2xi64>
  return %x : tensor<?x2xi64>
}

// -----

func.func @time_per_token(%x0: tensor<8x2xi64>, %x1: tensor<8x2xi64>, %t: tensor<8x2xf32>,
                          %seed: i64, %offset: i64) -> tensor<8x2xi64> {
  // expected-error @+1 {{'fm.mixture_sample' op time must be a 1-D tensor with one entry per batch row, got rank 2}}
  %x = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %t, %seed, %offset stream 1
      : tensor<8x2xi64>, tensor<8x2xf32>
  return %x : tensor<8x2xi64>
}

// -----

func.func @time_rows(%x0: tensor<8x2xi64>, %x1: tensor<8x2xi64>, %t: tensor<4xf32>,
                     %seed: i64, %offset: i64) -> tensor<8x2xi64> {
  // expected-error @+1 {{'fm.mixture_sample' op time has 4 entries but the batch has 8 rows}}
  %x = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %t, %seed, %offset stream 1
      : tensor<8x2xi64>, tensor<4xf32>
  return %x : tensor<8x2xi64>
}

// -----

func.func @scalar_tokens(%x0: tensor<i64>, %x1: tensor<i64>, %t: tensor<1xf32>,
                         %seed: i64, %offset: i64) -> tensor<i64> {
  // expected-error @+1 {{'fm.mixture_sample' op tokens must have a leading batch dimension, got a 0-d tensor}}
  %x = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %t, %seed, %offset stream 1
      : tensor<i64>, tensor<1xf32>
  return %x : tensor<i64>
}

// -----

func.func @float_samples(%x0: tensor<8x2xf32>, %x1: tensor<8x2xf32>, %t: tensor<8xf32>,
                         %seed: i64, %offset: i64) -> tensor<8x2xf32> {
  // expected-error @+1 {{'fm.mixture_sample' op operand #0 must be statically shaped tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<8x2xf32>'}}
  %x = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %t, %seed, %offset stream 1
      : tensor<8x2xf32>, tensor<8xf32>
  return %x : tensor<8x2xf32>
}

// -----

func.func @f64_time(%x0: tensor<8x2xi64>, %x1: tensor<8x2xi64>, %t: tensor<8xf64>,
                    %seed: i64, %offset: i64) -> tensor<8x2xi64> {
  // expected-error @+1 {{'fm.mixture_sample' op operand #2 must be ranked tensor of 32-bit float values, but got 'tensor<8xf64>'}}
  %x = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %t, %seed, %offset stream 1
      : tensor<8x2xi64>, tensor<8xf64>
  return %x : tensor<8x2xi64>
}

// -----

func.func @softmax_scalar(%x: tensor<f32>) -> tensor<f32> {
  // expected-error @+1 {{'fm.softmax' op takes a tensor of rank >= 1 (the last dimension is normalized), got a 0-d tensor}}
  %p = fm.softmax %x : tensor<f32>
  return %p : tensor<f32>
}

// -----

func.func @log_softmax_ints(%x: tensor<4xi32>) -> tensor<4xi32> {
  // expected-error @+1 {{'fm.log_softmax' op operand #0 must be ranked tensor of floating-point values, but got 'tensor<4xi32>'}}
  %p = fm.log_softmax %x : tensor<4xi32>
  return %p : tensor<4xi32>
}

// -----

func.func @kl_no_vocabulary_dim(%l: tensor<8x2xf32>, %x1: tensor<8x2xi64>, %xt: tensor<8x2xi64>,
                                %t: tensor<8xf32>) -> f32 {
  // expected-error @+1 {{'fm.generalized_kl_loss' op logits must have the tokens' shape and a vocabulary dimension, but the logits are 'tensor<8x2xf32>' and the tokens 'tensor<8x2xi64>'}}
  %loss = fm.generalized_kl_loss #fm.poly<2.0> %l, %x1, %xt, %t
      : tensor<8x2xf32>, tensor<8x2xi64>, tensor<8xf32> -> f32
  return %loss : f32
}

// -----

func.func @kl_shape(%l: tensor<8x3x16xf32>, %x1: tensor<8x2xi64>, %xt: tensor<8x2xi64>,
                    %t: tensor<8xf32>) -> f32 {
  // expected-error @+1 {{'fm.generalized_kl_loss' op logits 'tensor<8x3x16xf32>' do not match the tokens 'tensor<8x2xi64>' in dimension 1}}
  %loss = fm.generalized_kl_loss #fm.poly<2.0> %l, %x1, %xt, %t
      : tensor<8x3x16xf32>, tensor<8x2xi64>, tensor<8xf32> -> f32
  return %loss : f32
}

// -----

func.func @kl_empty_vocabulary(%l: tensor<8x2x0xf32>, %x1: tensor<8x2xi64>, %xt: tensor<8x2xi64>,
                               %t: tensor<8xf32>) -> f32 {
  // expected-error @+1 {{'fm.generalized_kl_loss' op the vocabulary (the logits' last dimension) is empty}}
  %loss = fm.generalized_kl_loss #fm.poly<2.0> %l, %x1, %xt, %t
      : tensor<8x2x0xf32>, tensor<8x2xi64>, tensor<8xf32> -> f32
  return %loss : f32
}

// -----

func.func @kl_time_rows(%l: tensor<8x2x16xf32>, %x1: tensor<8x2xi64>, %xt: tensor<8x2xi64>,
                        %t: tensor<4xf32>) -> f32 {
  // expected-error @+1 {{'fm.generalized_kl_loss' op time has 4 entries but the batch has 8 rows}}
  %loss = fm.generalized_kl_loss #fm.poly<2.0> %l, %x1, %xt, %t
      : tensor<8x2x16xf32>, tensor<8x2xi64>, tensor<4xf32> -> f32
  return %loss : f32
}

// -----

func.func @kl_time_type(%l: tensor<8x2x16xf32>, %x1: tensor<8x2xi64>, %xt: tensor<8x2xi64>,
                        %t: tensor<8xf64>) -> f32 {
  // expected-error @+1 {{'fm.generalized_kl_loss' op time element type 'f64' does not match the logits' element type 'f32'}}
  %loss = fm.generalized_kl_loss #fm.poly<2.0> %l, %x1, %xt, %t
      : tensor<8x2x16xf32>, tensor<8x2xi64>, tensor<8xf64> -> f32
  return %loss : f32
}

// -----

func.func @kl_time_rank(%l: tensor<8x2x16xf32>, %x1: tensor<8x2xi64>, %xt: tensor<8x2xi64>,
                        %t: tensor<8x1xf32>) -> f32 {
  // expected-error @+1 {{'fm.generalized_kl_loss' op time must be a 1-D tensor with one entry per batch row, got rank 2}}
  %loss = fm.generalized_kl_loss #fm.poly<2.0> %l, %x1, %xt, %t
      : tensor<8x2x16xf32>, tensor<8x2xi64>, tensor<8x1xf32> -> f32
  return %loss : f32
}

// -----

func.func @ce_loss_type(%l: tensor<8x2x16xf32>, %x1: tensor<8x2xi64>) -> f64 {
  // expected-error @+1 {{'fm.cross_entropy_loss' op loss type 'f64' does not match the logits' element type 'f32'}}
  %loss = fm.cross_entropy_loss %l, %x1 : tensor<8x2x16xf32>, tensor<8x2xi64> -> f64
  return %loss : f64
}

// -----

func.func @ce_scalar_tokens(%l: tensor<16xf32>, %x1: tensor<i64>) -> f32 {
  // expected-error @+1 {{'fm.cross_entropy_loss' op tokens must have a leading batch dimension, got a 0-d tensor}}
  %loss = fm.cross_entropy_loss %l, %x1 : tensor<16xf32>, tensor<i64> -> f32
  return %loss : f32
}

// -----

func.func @categorical_shape(%p: tensor<8x2x16xf32>, %seed: i64, %offset: i64) -> tensor<8x3xi64> {
  // expected-error @+1 {{'fm.random_categorical' op the weights must have the tokens' shape and a vocabulary dimension, but they are 'tensor<8x2x16xf32>' and the tokens 'tensor<8x3xi64>'}}
  %x = fm.random_categorical %p, %seed, %offset stream 0 : tensor<8x2x16xf32> -> tensor<8x3xi64>
  return %x : tensor<8x3xi64>
}

// -----

func.func @categorical_empty(%p: tensor<8x0xf32>, %seed: i64, %offset: i64) -> tensor<8xi64> {
  // expected-error @+1 {{'fm.random_categorical' op the vocabulary (the weights' last dimension) is empty}}
  %x = fm.random_categorical %p, %seed, %offset stream 0 : tensor<8x0xf32> -> tensor<8xi64>
  return %x : tensor<8xi64>
}

// -----

func.func @euler_gaussian(%x: tensor<8x2xi64>, %p: tensor<8x2x16xf32>, %t: tensor<8xf32>,
                          %h: f32, %c: f32, %seed: i64, %offset: i64) -> tensor<8x2xi64> {
  // expected-error @+1 {{'fm.mixture_euler_step' op source gaussian draws float samples; a token step takes source(uniform) or source(mask)}}
  %y = fm.mixture_euler_step #fm.poly<2.0> source(gaussian) %x, %p, %t, %h, %c, %seed, %offset stream 0
      : tensor<8x2xi64>, tensor<8x2x16xf32>, tensor<8xf32>
  return %y : tensor<8x2xi64>
}

// -----

func.func @euler_negative_div_free(%x: tensor<8x2xi64>, %p: tensor<8x2x16xf32>, %t: tensor<8xf32>,
                                   %h: f32, %seed: i64, %offset: i64) -> tensor<8x2xi64> {
  %c = arith.constant -0.5 : f32
  // expected-error @+1 {{'fm.mixture_euler_step' op the divergence-free coefficient must be >= 0, got -0.5}}
  %y = fm.mixture_euler_step #fm.poly<2.0> source(uniform) %x, %p, %t, %h, %c, %seed, %offset stream 0
      : tensor<8x2xi64>, tensor<8x2x16xf32>, tensor<8xf32>
  return %y : tensor<8x2xi64>
}

// -----

func.func @euler_time(%x: tensor<8x2xi64>, %p: tensor<8x2x16xf32>, %t: tensor<4xf32>,
                      %h: f32, %c: f32, %seed: i64, %offset: i64) -> tensor<8x2xi64> {
  // expected-error @+1 {{'fm.mixture_euler_step' op time must have one entry per batch row, got 'tensor<4xf32>' for tokens 'tensor<8x2xi64>'}}
  %y = fm.mixture_euler_step #fm.poly<2.0> source(mask) %x, %p, %t, %h, %c, %seed, %offset stream 0
      : tensor<8x2xi64>, tensor<8x2x16xf32>, tensor<4xf32>
  return %y : tensor<8x2xi64>
}

// -----

func.func @euler_vocabulary(%x: tensor<8x2xi64>, %p: tensor<8x16xf32>, %t: tensor<8xf32>,
                            %h: f32, %c: f32, %seed: i64, %offset: i64) -> tensor<8x2xi64> {
  // expected-error @+1 {{'fm.mixture_euler_step' op the weights must have the tokens' shape and a vocabulary dimension, but they are 'tensor<8x16xf32>' and the tokens 'tensor<8x2xi64>'}}
  %y = fm.mixture_euler_step #fm.poly<2.0> source(uniform) %x, %p, %t, %h, %c, %seed, %offset stream 0
      : tensor<8x2xi64>, tensor<8x16xf32>, tensor<8xf32>
  return %y : tensor<8x2xi64>
}

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op source uniform draws tokens, and this flow's data are float samples: it takes source(gaussian), or kind(discrete) for token data}}
fm.flow @f network(@v) path(#fm.cond_ot) source(uniform) data_shape [2]

// -----

func.func @embedding_rank(%w: tensor<16xf32>, %x: tensor<8x2xi64>) -> tensor<8x2x16xf32> {
  // expected-error @+1 {{'fm.embedding' op weight must be [vocabulary, features] with a vocabulary, got 'tensor<16xf32>'}}
  %e = fm.embedding %w[%x] : tensor<16xf32>, tensor<8x2xi64> -> tensor<8x2x16xf32>
  return %e : tensor<8x2x16xf32>
}

// -----

func.func @embedding_result(%w: tensor<16x4xf32>, %x: tensor<8x2xi64>) -> tensor<8x2x16xf32> {
  // expected-error @+1 {{'fm.embedding' op result must be 'tensor<8x2x4xf32>' (the tokens' shape, then the weight's 4 features), got 'tensor<8x2x16xf32>'}}
  %e = fm.embedding %w[%x] : tensor<16x4xf32>, tensor<8x2xi64> -> tensor<8x2x16xf32>
  return %e : tensor<8x2x16xf32>
}

// -----

func.func @embedding_float_tokens(%w: tensor<16x4xf32>, %x: tensor<8x2xf32>) -> tensor<8x2x4xf32> {
  // expected-error @+1 {{'fm.embedding' op operand #1 must be ranked tensor of 32-bit signless integer or 64-bit signless integer values, but got 'tensor<8x2xf32>'}}
  %e = fm.embedding %w[%x] : tensor<16x4xf32>, tensor<8x2xf32> -> tensor<8x2x4xf32>
  return %e : tensor<8x2x4xf32>
}

// -----

func.func @embedding_scalar_token(%w: tensor<16x4xf32>, %x: tensor<i64>) -> tensor<4xf32> {
  // expected-error @+1 {{'fm.embedding' op tokens must have a leading batch dimension, got a 0-d tensor}}
  %e = fm.embedding %w[%x] : tensor<16x4xf32>, tensor<i64> -> tensor<4xf32>
  return %e : tensor<4xf32>
}

// -----

func.func @categorical_scalar(%p: tensor<16xf32>, %seed: i64, %offset: i64) -> tensor<i64> {
  // expected-error @+1 {{'fm.random_categorical' op tokens must have a leading batch dimension, got a 0-d tensor}}
  %x = fm.random_categorical %p, %seed, %offset stream 0 : tensor<16xf32> -> tensor<i64>
  return %x : tensor<i64>
}

// -----

//===----------------------------------------------------------------------===//
// Discrete flows at the declarative level
//===----------------------------------------------------------------------===//

func.func @l(%x: tensor<?x2xi64>, %t: tensor<?xf32>, %e: tensor<4x3xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
// expected-error @+1 {{'fm.flow' op a discrete flow's source is uniform or mask, not gaussian}}
fm.flow @f network(@l) path(#fm.poly<2.0>) source(gaussian) data_shape [2] kind(discrete) vocabulary(4)

// -----

func.func @l(%x: tensor<?x2xi64>, %t: tensor<?xf32>, %e: tensor<4x3xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
// expected-error @+1 {{'fm.flow' op a discrete flow needs its vocabulary(V)}}
fm.flow @f network(@l) path(#fm.poly<2.0>) source(uniform) data_shape [2] kind(discrete)

// -----

func.func @l(%x: tensor<?x2xi64>, %t: tensor<?xf32>, %e: tensor<4x3xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
// expected-error @+1 {{'fm.flow' op vocabulary must be in [1, 2^31 - 1), got 0}}
fm.flow @f network(@l) path(#fm.poly<2.0>) source(uniform) data_shape [2] kind(discrete) vocabulary(0)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
// expected-error @+1 {{'fm.flow' op vocabulary is for a flow of kind discrete, this one is of kind velocity}}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2] vocabulary(4)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
/// Float data given to a discrete flow's network.
// expected-error @+1 {{'fm.flow' op network argument x has type 'tensor<?x2xf32>' but a discrete flow with data_shape [2] takes tokens tensor<? x ... x i32 or i64> of that shape after the batch}}
fm.flow @f network(@v) path(#fm.poly<2.0>) source(uniform) data_shape [2] kind(discrete) vocabulary(4)

// -----

func.func @l(%x: tensor<?x2xi64>, %t: tensor<?xf32>, %e: tensor<4x3xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
/// The mask source adds the mask token: the logits need 5 entries.
// expected-error @+1 {{'fm.flow' op network 'l' has type '(tensor<?x2xi64>, tensor<?xf32>, tensor<4x3xf32>) -> tensor<?x2x4xf32>' but must return the logits 'tensor<?x2x5xf32>' (5 = vocabulary 4 + the mask token)}}
fm.flow @f network(@l) path(#fm.poly<2.0>) source(mask) data_shape [2] kind(discrete) vocabulary(4)

// -----

func.func @l(%x: tensor<?x2xi64>, %t: tensor<?x1xf32>, %e: tensor<4x3xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
// expected-error @+1 {{'fm.flow' op network argument t has type 'tensor<?x1xf32>' but needs 'tensor<?xf32>', one time per row of x}}
fm.flow @f network(@l) path(#fm.poly<2.0>) source(uniform) data_shape [2] kind(discrete) vocabulary(4)

// -----

func.func @l(%x: tensor<?x2xi64>, %t: tensor<?xf32>, %e: tensor<4x3xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
fm.flow @f network(@l) path(#fm.poly<2.0>) source(uniform) data_shape [2] kind(discrete) vocabulary(4)
// expected-error @+1 {{'fm.trainer' op loss mse cannot train flow 'f' of kind discrete: a discrete flow trains with loss(generalized_kl) or loss(cross_entropy)}}
fm.trainer @t flow(@f) loss(mse) optimizer(#fm.adam<lr = 1.0e-3>) time(#fm.uniform) batch(8)

// -----

func.func @l(%x: tensor<?x2xi64>, %t: tensor<?xf32>, %e: tensor<4x3xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
fm.flow @f network(@l) path(#fm.poly<2.0>) source(uniform) data_shape [2] kind(discrete) vocabulary(4)
// expected-error @+1 {{'fm.sampler' op solver midpoint cannot sample flow 'f' of kind discrete: a discrete flow samples with solver(euler), its CTMC steps}}
fm.sampler @s flow(@f) solver(midpoint)

// -----

func.func @l(%x: tensor<?x2xi64>, %t: tensor<?xf32>, %e: tensor<4x3xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
fm.flow @f network(@l) path(#fm.poly<2.0>) source(uniform) data_shape [2] kind(discrete) vocabulary(4)
// expected-error @+1 {{'fm.sampler' op a discrete flow only samples forward, from the source to data}}
fm.sampler @s flow(@f) solver(euler) direction(reverse)

// -----

func.func @l(%x: tensor<?x2xi64>, %t: tensor<?xf32>, %e: tensor<4x3xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
fm.flow @f network(@l) path(#fm.poly<2.0>) source(uniform) data_shape [2] kind(discrete) vocabulary(4)
// expected-error @+1 {{'fm.sampler' op a discrete flow samples on the grid k/K of its steps, not a time_grid}}
fm.sampler @s flow(@f) solver(euler) time_grid [0.0, 0.5, 1.0]

// -----

func.func @l(%x: tensor<?x2xi64>, %t: tensor<?xf32>, %e: tensor<4x3xf32>) -> tensor<?x2x4xf32> {
  %l = tensor.empty() : tensor<1x2x4xf32>
  %c = tensor.cast %l : tensor<1x2x4xf32> to tensor<?x2x4xf32>
  return %c : tensor<?x2x4xf32>
}
fm.flow @f network(@l) path(#fm.poly<2.0>) source(uniform) data_shape [2] kind(discrete) vocabulary(4)
/// A negative divergence-free coefficient.
// expected-error @+1 {{'fm.sampler' op div_free must be >= 0, got -0.5}}
fm.sampler @s flow(@f) solver(euler) div_free(-0.5)

// -----

func.func @v(%x: tensor<?x2xf32>, %t: tensor<?xf32>, %w: tensor<2x2xf32>) -> tensor<?x2xf32> {
  return %x : tensor<?x2xf32>
}
fm.flow @f network(@v) path(#fm.cond_ot) source(gaussian) data_shape [2]
// expected-error @+1 {{'fm.sampler' op div_free is for a discrete flow, and 'f' is of kind velocity}}
fm.sampler @s flow(@f) solver(euler) div_free(0.5)

// -----

func.func @categorical_dynamic_vocabulary(%p: tensor<8x?xf32>, %seed: i64, %offset: i64) -> tensor<8xi64> {
  // expected-error @+1 {{'fm.random_categorical' op only the leading (batch) dimension may be dynamic, got 'tensor<8x?xf32>'}}
  %x = fm.random_categorical %p, %seed, %offset stream 0 : tensor<8x?xf32> -> tensor<8xi64>
  return %x : tensor<8xi64>
}

// -----

func.func @step_time_rows(%x: tensor<?x2xi64>, %p: tensor<?x2x4xf32>, %t: tensor<8xf32>,
                          %h: f32, %c: f32, %seed: i64, %offset: i64) -> tensor<?x2xi64> {
  // expected-error @+1 {{'fm.mixture_euler_step' op time must have one entry per batch row, got 'tensor<8xf32>' for tokens 'tensor<?x2xi64>'}}
  %y = fm.mixture_euler_step #fm.poly<2.0> source(uniform) %x, %p, %t, %h, %c, %seed, %offset stream 0
      : tensor<?x2xi64>, tensor<?x2x4xf32>, tensor<8xf32>
  return %y : tensor<?x2xi64>
}
