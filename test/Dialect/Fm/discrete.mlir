// RUN: fm-opt %s | fm-opt | FileCheck %s

/// The discrete ops print as they parse.

// CHECK-LABEL: func.func @discrete_step
// CHECK: fm.random_tokens %{{.+}}, %{{.+}} stream 0 vocabulary 128 : tensor<8x2xi64>
// CHECK: fm.mixture_sample #fm.poly<2.0> %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} stream 1 : tensor<8x2xi64>, tensor<8xf32>
// CHECK: fm.softmax %{{.+}} : tensor<8x2x128xf32>
// CHECK: fm.log_softmax %{{.+}} : tensor<8x2x128xf32>
// CHECK: fm.generalized_kl_loss #fm.poly<2.0> %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} : tensor<8x2x128xf32>, tensor<8x2xi64>, tensor<8xf32> -> f32
// CHECK: fm.cross_entropy_loss %{{.+}}, %{{.+}} : tensor<8x2x128xf32>, tensor<8x2xi64> -> f32
// CHECK: fm.random_categorical %{{.+}}, %{{.+}}, %{{.+}} stream 2 : tensor<8x2x128xf32> -> tensor<8x2xi64>
// CHECK: fm.mixture_euler_step #fm.poly<2.0> source(mask) %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} stream 3 : tensor<8x2xi64>, tensor<8x2x128xf32>, tensor<8xf32>
func.func @discrete_step(%x1: tensor<8x2xi64>, %t: tensor<8xf32>, %logits: tensor<8x2x128xf32>,
                         %seed: i64, %offset: i64, %h: f32, %c: f32) -> (f32, f32, tensor<8x2xi64>) {
  %x0 = fm.random_tokens %seed, %offset stream 0 vocabulary 128 : tensor<8x2xi64>
  %xt = fm.mixture_sample #fm.poly<2.0> %x0, %x1, %t, %seed, %offset stream 1
      : tensor<8x2xi64>, tensor<8xf32>
  %p = fm.softmax %logits : tensor<8x2x128xf32>
  %lp = fm.log_softmax %logits : tensor<8x2x128xf32>
  %kl = fm.generalized_kl_loss #fm.poly<2.0> %logits, %x1, %xt, %t
      : tensor<8x2x128xf32>, tensor<8x2xi64>, tensor<8xf32> -> f32
  %ce = fm.cross_entropy_loss %logits, %x1 : tensor<8x2x128xf32>, tensor<8x2xi64> -> f32
  %s = fm.random_categorical %p, %seed, %offset stream 2 : tensor<8x2x128xf32> -> tensor<8x2xi64>
  %n = fm.mixture_euler_step #fm.poly<2.0> source(mask) %s, %lp, %t, %h, %c, %seed, %offset stream 3
      : tensor<8x2xi64>, tensor<8x2x128xf32>, tensor<8xf32>
  return %kl, %ce, %n : f32, f32, tensor<8x2xi64>
}

// CHECK-LABEL: func.func @embed
// CHECK: fm.embedding %{{.+}}[%{{.+}}] : tensor<128x64xf32>, tensor<?x2xi32> -> tensor<?x2x64xf32>
func.func @embed(%w: tensor<128x64xf32>, %x: tensor<?x2xi32>) -> tensor<?x2x64xf32> {
  %e = fm.embedding %w[%x] : tensor<128x64xf32>, tensor<?x2xi32> -> tensor<?x2x64xf32>
  return %e : tensor<?x2x64xf32>
}
