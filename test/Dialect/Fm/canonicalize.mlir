// RUN: fm-opt %s --canonicalize --split-input-file | FileCheck %s

/// The op is Pure: unused results are dead code.
// CHECK-LABEL: func.func @path_sample_is_pure
// CHECK-NOT: fm.path_sample
// CHECK: return
func.func @path_sample_is_pure(%x0: tensor<4x2xf32>, %x1: tensor<4x2xf32>,
                               %t: tensor<4xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.cosine %x0, %x1, %t
      : tensor<4x2xf32>, tensor<4xf32>
  return
}
