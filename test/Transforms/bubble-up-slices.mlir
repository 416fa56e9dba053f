// RUN: fm-opt %s --fm-bubble-up-slices --split-input-file | FileCheck %s

#id = affine_map<(i, j) -> (i, j)>

/// A midpoint stage of an augmented state [x | l]: the next stage reads x's
/// columns of y + (h/2)·k alone, where k = [v | div]. The slice moves above
/// the update, past the insert of div (a disjoint column) to v itself, so
/// that div, whose computation stands for D tangent passes, is dead.

// CHECK-LABEL: func.func @midpoint_stage
// CHECK-SAME:    (%[[Y:.+]]: tensor<?x3xf32>, %[[V:.+]]: tensor<?x2xf32>, %[[DIV:.+]]: tensor<?xf32>, %{{.+}}: f32)
// CHECK-NOT:     tensor.insert_slice
// CHECK-NOT:     %[[DIV]]
// CHECK:         %[[YX:.+]] = tensor.extract_slice %[[Y]][0, 0] [%{{.+}}, 2] [1, 1]
// CHECK:         %[[R:.+]] = linalg.generic
// CHECK-SAME:      ins(%[[YX]], %[[V]] : tensor<?x2xf32>, tensor<?x2xf32>)
// CHECK:         return %[[R]]
func.func @midpoint_stage(%y: tensor<?x3xf32>, %v: tensor<?x2xf32>, %div: tensor<?xf32>, %h: f32)
    -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %y, %c0 : tensor<?x3xf32>
  %e = tensor.empty(%n) : tensor<?x3xf32>
  %k0 = tensor.insert_slice %v into %e[0, 0] [%n, 2] [1, 1] : tensor<?x2xf32> into tensor<?x3xf32>
  %k = tensor.insert_slice %div into %k0[0, 2] [%n, 1] [1, 1] : tensor<?xf32> into tensor<?x3xf32>
  %mid = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%y, %k : tensor<?x3xf32>, tensor<?x3xf32>) outs(%e : tensor<?x3xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %h, %b : f32
    %s = arith.addf %a, %p : f32
    linalg.yield %s : f32
  } -> tensor<?x3xf32>
  %x = tensor.extract_slice %mid[0, 0] [%n, 2] [1, 1] : tensor<?x3xf32> to tensor<?x2xf32>
  return %x : tensor<?x2xf32>
}

// -----

/// Slices that overlap, or whose position is not static, keep the insert.

// CHECK-LABEL: func.func @overlapping
// CHECK:         %[[I:.+]] = tensor.insert_slice
// CHECK:         tensor.extract_slice %[[I]][0, 1] [4, 2] [1, 1]
// CHECK-LABEL: func.func @dynamic_offset
// CHECK:         %[[I:.+]] = tensor.insert_slice
// CHECK:         tensor.extract_slice %[[I]][0, 0] [4, 2] [1, 1]
func.func @overlapping(%d: tensor<4x3xf32>, %c: tensor<4x1xf32>) -> tensor<4x2xf32> {
  %i = tensor.insert_slice %c into %d[0, 2] [4, 1] [1, 1] : tensor<4x1xf32> into tensor<4x3xf32>
  %x = tensor.extract_slice %i[0, 1] [4, 2] [1, 1] : tensor<4x3xf32> to tensor<4x2xf32>
  return %x : tensor<4x2xf32>
}

func.func @dynamic_offset(%d: tensor<4x3xf32>, %c: tensor<4x1xf32>, %j: index) -> tensor<4x2xf32> {
  %i = tensor.insert_slice %c into %d[0, %j] [4, 1] [1, 1] : tensor<4x1xf32> into tensor<4x3xf32>
  %x = tensor.extract_slice %i[0, 0] [4, 2] [1, 1] : tensor<4x3xf32> to tensor<4x2xf32>
  return %x : tensor<4x2xf32>
}

// -----

/// Disjoint along the rows: the extract reads the destination.

// CHECK-LABEL: func.func @disjoint_rows
// CHECK-SAME:    (%[[D:.+]]: tensor<8x3xf32>,
// CHECK-NOT:     tensor.insert_slice
// CHECK:         tensor.extract_slice %[[D]][4, 0] [4, 3] [1, 1]
func.func @disjoint_rows(%d: tensor<8x3xf32>, %c: tensor<4x3xf32>) -> tensor<4x3xf32> {
  %i = tensor.insert_slice %c into %d[0, 0] [4, 3] [1, 1] : tensor<4x3xf32> into tensor<8x3xf32>
  %x = tensor.extract_slice %i[4, 0] [4, 3] [1, 1] : tensor<8x3xf32> to tensor<4x3xf32>
  return %x : tensor<4x3xf32>
}
