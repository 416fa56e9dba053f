// RUN: fm-opt %s --fm-cpu-pipeline \
// RUN:   | FileCheck %s --check-prefixes=CHECK,CPU --implicit-check-not=fm.
// RUN: fm-opt %s --fm-dnnl-pipeline \
// RUN:   | FileCheck %s --check-prefixes=CHECK,DNNL --implicit-check-not=fm.

/// Both pipelines take programs with fm.jvp and fm.stop_gradient, through
/// fm.vjp: MeanFlow's loss, ‖u − stopgrad(y − du)‖² with du the JVP of a
/// layer along v, and its gradient. fm-autodiff removes every
/// fm.stop_gradient before bufferization, and the derivative functions it
/// generates are inlined into the step and removed. The tangent of the
/// layer's product, seeded by the data's tangent alone (the weights' is a
/// constant zero), is again a product: oneDNN runs it like the forward one
/// and the weight's gradient, three calls in all.

// CHECK-NOT: llvm.func @u_jvp
// CHECK-NOT: llvm.func @loss
// CHECK-LABEL: llvm.func @step
// CPU-NOT: fmrt_dnnl_matmul
// DNNL-COUNT-3: llvm.call @fmrt_dnnl_matmul
// DNNL-NOT: llvm.call @fmrt_dnnl_matmul
// CHECK-NOT: llvm.func @u_jvp
// CHECK-NOT: llvm.func @loss
func.func private @u(%w: tensor<16x8xf32>, %z: tensor<64x8xf32>) -> tensor<64x16xf32> {
  %c0 = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<64x16xf32>
  %f = linalg.fill ins(%c0 : f32) outs(%e : tensor<64x16xf32>) -> tensor<64x16xf32>
  %m = linalg.matmul indexing_maps = [affine_map<(i, j, k) -> (i, k)>,
                                      affine_map<(i, j, k) -> (j, k)>,
                                      affine_map<(i, j, k) -> (i, j)>]
      ins(%z, %w : tensor<64x8xf32>, tensor<16x8xf32>)
      outs(%f : tensor<64x16xf32>) -> tensor<64x16xf32>
  %t = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<64x16xf32>) outs(%e : tensor<64x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = math.tanh %a : f32
    linalg.yield %r : f32
  } -> tensor<64x16xf32>
  return %t : tensor<64x16xf32>
}

func.func private @loss(%w: tensor<16x8xf32>, %z: tensor<64x8xf32>, %v: tensor<64x8xf32>,
                        %y: tensor<64x16xf32>) -> f32 {
  %zw = arith.constant dense<0.0> : tensor<16x8xf32>
  %u, %du = fm.jvp @u(%w, %z) tangents(%zw, %v)
      : (tensor<16x8xf32>, tensor<64x8xf32>), (tensor<16x8xf32>, tensor<64x8xf32>)
      -> (tensor<64x16xf32>, tensor<64x16xf32>)
  %e = tensor.empty() : tensor<64x16xf32>
  %tgt = linalg.sub ins(%y, %du : tensor<64x16xf32>, tensor<64x16xf32>)
      outs(%e : tensor<64x16xf32>) -> tensor<64x16xf32>
  %sg = fm.stop_gradient %tgt : tensor<64x16xf32>
  %l = fm.mse_loss %u, %sg : tensor<64x16xf32> -> f32
  return %l : f32
}

func.func @step(%w: tensor<16x8xf32>, %z: tensor<64x8xf32>, %v: tensor<64x8xf32>,
                %y: tensor<64x16xf32>) -> (f32, tensor<16x8xf32>) {
  %one = arith.constant 1.0 : f32
  %l, %gw, %gz, %gv, %gy = fm.vjp @loss(%w, %z, %v, %y) cotangents(%one)
      : (tensor<16x8xf32>, tensor<64x8xf32>, tensor<64x8xf32>, tensor<64x16xf32>), (f32)
      -> (f32, tensor<16x8xf32>, tensor<64x8xf32>, tensor<64x8xf32>, tensor<64x16xf32>)
  return %l, %gw : f32, tensor<16x8xf32>
}
