func.func @target(%x0: tensor<8x2xf32>, %x1: tensor<8x2xf32>, %t: tensor<8xf32>)
    -> tensor<8x2xf32> {
  %x_t, %dx_t = fm.path_sample #fm.cond_ot %x0, %x1, %t : tensor<8x2xf32>, tensor<8xf32>
  return %dx_t : tensor<8x2xf32>
}
// CHECK-LABEL: func.func @target
// CHECK-NOT: fm.path_sample
// CHECK: linalg.generic
// CHECK: arith.subf
// CHECK-LABEL: llvm.func @target
