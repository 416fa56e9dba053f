// RUN: fm-opt %s --split-input-file --fm-gpu-device-tensors | FileCheck %s

/// fm-gpu-device-tensors: an entry point's scalar results become 0-d
/// tensors computed on the device, and splat constants become fills.

/// A training step's loss: a sum on the device, then a division on the
/// host; the division moves into a 0-d generic that reads the sum, and the
/// host's extract goes.
// CHECK-LABEL: func.func @step(
// CHECK-SAME: -> tensor<f32>
// CHECK: %[[SUM:.+]] = linalg.reduce
// CHECK-NOT: tensor.extract
// CHECK: %[[MEAN:.+]] = linalg.generic {{.*}} iterator_types = []} ins(%[[SUM]] : tensor<f32>)
// CHECK: arith.divf
// CHECK: return %[[MEAN]] : tensor<f32>
func.func @step(%x: tensor<8xf32>) -> f32 {
  %zero = arith.constant 0.0 : f32
  %n = arith.constant 8.0 : f32
  %e = tensor.empty() : tensor<f32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<f32>) -> tensor<f32>
  %sum = linalg.reduce ins(%x : tensor<8xf32>) outs(%init : tensor<f32>) dimensions = [0]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  %v = tensor.extract %sum[] : tensor<f32>
  %mean = arith.divf %v, %n : f32
  return %mean : f32
}

// -----

/// A 0-d tensor's element is returned as the tensor itself.
// CHECK-LABEL: func.func @plain(
// CHECK-SAME: %[[T:.+]]: tensor<f32>) -> tensor<f32>
// CHECK-NEXT: return %[[T]] : tensor<f32>
func.func @plain(%t: tensor<f32>) -> f32 {
  %v = tensor.extract %t[] : tensor<f32>
  return %v : f32
}

// -----

/// A scalar the host computed alone is stored into a tensor.
// CHECK-LABEL: func.func @host(
// CHECK-SAME: -> tensor<f32>
// CHECK: %[[B:.+]] = arith.mulf
// CHECK: %[[T:.+]] = tensor.from_elements %[[B]] : tensor<f32>
// CHECK: return %[[T]]
func.func @host(%a: f32) -> f32 {
  %b = arith.mulf %a, %a : f32
  return %b : f32
}

// -----

/// Private functions are not entry points: their scalars stay.
// CHECK-LABEL: func.func private @helper(
// CHECK-SAME: -> f32
func.func private @helper(%a: f32) -> f32 {
  return %a : f32
}

// -----

/// A splat constant becomes a fill, which runs on the device.
// CHECK-LABEL: func.func @ones(
// CHECK-NOT: dense
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[E:.+]] = tensor.empty() : tensor<4x2xf32>
// CHECK: linalg.fill ins(%[[ONE]] : f32) outs(%[[E]] : tensor<4x2xf32>)
func.func @ones() -> tensor<4x2xf32> {
  %c = arith.constant dense<1.0> : tensor<4x2xf32>
  return %c : tensor<4x2xf32>
}
