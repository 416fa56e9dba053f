// RUN: fm-opt %s --fm-runtime-checks --split-input-file | FileCheck %s

/// A product whose batch is dynamic: the rows of its input and of its
/// output are only known when it runs, so their agreement is checked then.
/// The message names the op and its location. The ops of the body see
/// elements and are not checked.

// CHECK-LABEL: func.func @dynamic_rows(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x2xf32>, %[[W:[^:]+]]: tensor<2x2xf32>, %[[OUT:[^:]+]]: tensor<?x2xf32>
// CHECK: %[[ROWS_OUT:.+]] = tensor.dim %[[OUT]], %{{.+}} : tensor<?x2xf32>
// CHECK: %[[SAME:.+]] = index.cmp eq(%{{.+}}, %[[ROWS_OUT]])
// CHECK: cf.assert %[[SAME]], "{{.*}}runtime-checks.mlir:[[@LINE+6]]:8: 'linalg.generic': dimension #0 of input/output operand #2 is incompatible with inferred dimension size"
// CHECK: linalg.generic
// CHECK-NOT: cf.assert
// CHECK: return
func.func @dynamic_rows(%x: tensor<?x2xf32>, %w: tensor<2x2xf32>, %out: tensor<?x2xf32>)
    -> tensor<?x2xf32> {
  %y = linalg.generic {
      indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>,
                       affine_map<(m, n, k) -> (m, n)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<?x2xf32>, tensor<2x2xf32>) outs(%out : tensor<?x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x2xf32>
  return %y : tensor<?x2xf32>
}

// -----

/// Static shapes decide every check at compile time: those that hold fold
/// away.

// CHECK-LABEL: func.func @static_shapes(
// CHECK-NOT: cf.assert
// CHECK: return
func.func @static_shapes(%x: tensor<4x2xf32>) -> f32 {
  %s = tensor.extract_slice %x[1, 0] [3, 2] [1, 1] : tensor<4x2xf32> to tensor<3x2xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %v = tensor.extract %s[%c1, %c0] : tensor<3x2xf32>
  return %v : f32
}

// -----

/// An index computed at run time is checked against the bounds.

// CHECK-LABEL: func.func @dynamic_index(
// CHECK: cf.assert %{{.+}}, "{{.*}}runtime-checks.mlir:[[@LINE+2]]:8: 'tensor.extract': out-of-bounds access"
func.func @dynamic_index(%x: tensor<4xf32>, %i: index) -> f32 {
  %v = tensor.extract %x[%i] : tensor<4xf32>
  return %v : f32
}

// -----

/// So is a slice whose bounds depend on the batch.

// CHECK-LABEL: func.func @dynamic_slice(
// CHECK: cf.assert %{{.+}}, "{{.*}}runtime-checks.mlir:[[@LINE+4]]:8: 'tensor.extract_slice': offset 0 is out-of-bounds"
func.func @dynamic_slice(%x: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?xf32>
  %s = tensor.extract_slice %x[%n] [%n] [1] : tensor<?xf32> to tensor<?xf32>
  return %s : tensor<?xf32>
}
