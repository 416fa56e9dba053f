// RUN: fm-opt %s --fm-cpu-inline-strided-copies --split-input-file | FileCheck %s

/// A copy into a column block of a wider buffer (a concatenation) is not
/// contiguous: it becomes a linalg.copy, i.e. loops, not a memrefCopy call.

// CHECK-LABEL: func.func @into_columns
// CHECK-SAME: (%[[X:.+]]: memref<?x2xf32>, %[[SUB:.+]]: memref<?x2xf32, strided<[3, 1], offset: 1>>)
// CHECK-NEXT: linalg.copy ins(%[[X]] : memref<?x2xf32>) outs(%[[SUB]] : memref<?x2xf32, strided<[3, 1], offset: 1>>)
// CHECK-NEXT: return
func.func @into_columns(%x: memref<?x2xf32>, %sub: memref<?x2xf32, strided<[3, 1], offset: 1>>) {
  memref.copy %x, %sub : memref<?x2xf32> to memref<?x2xf32, strided<[3, 1], offset: 1>>
  return
}

// -----

/// The same from a strided source.

// CHECK-LABEL: func.func @from_columns
// CHECK-NOT: memref.copy
// CHECK: linalg.copy
func.func @from_columns(%sub: memref<4x2xf32, strided<[3, 1]>>, %y: memref<4x2xf32>) {
  memref.copy %sub, %y : memref<4x2xf32, strided<[3, 1]>> to memref<4x2xf32>
  return
}

// -----

/// Contiguous copies stay memref.copy (one memcpy): identity layouts, and a
/// static, contiguous row-major layout with an offset (a block of rows).

// CHECK-LABEL: func.func @contiguous
// CHECK-NEXT: memref.copy %{{.+}}, %{{.+}} : memref<?x2xf32> to memref<?x2xf32>
// CHECK-NEXT: memref.copy %{{.+}}, %{{.+}} : memref<4x2xf32> to memref<4x2xf32, strided<[2, 1], offset: 8>>
// CHECK-NOT: linalg.copy
func.func @contiguous(%a: memref<?x2xf32>, %b: memref<?x2xf32>,
                      %c: memref<4x2xf32>, %rows: memref<4x2xf32, strided<[2, 1], offset: 8>>) {
  memref.copy %a, %b : memref<?x2xf32> to memref<?x2xf32>
  memref.copy %c, %rows : memref<4x2xf32> to memref<4x2xf32, strided<[2, 1], offset: 8>>
  return
}
