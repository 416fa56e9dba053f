// RUN: fm-opt %s --fm-cpu-result-destinations --split-input-file | FileCheck %s

/// A result computed into an allocation is computed into its destination:
/// no allocation, no copy. Scalar results stay results, and a result's
/// attributes move to its destination.

#id = affine_map<(i) -> (i)>
// CHECK-LABEL: func.func @step(
// CHECK-SAME:    %[[P:[^:]+]]: memref<4xf32>,
// CHECK-SAME:    %[[D:[^:]+]]: memref<4xf32> {test.kept}) -> f32
// CHECK-NOT:     memref.alloc
// CHECK:         linalg.generic {{.*}} ins(%[[P]] : memref<4xf32>) outs(%[[D]] : memref<4xf32>)
// CHECK-NOT:     memref.copy
// CHECK:         return %{{.+}} : f32
func.func @step(%p: memref<4xf32>) -> (f32, memref<4xf32> {test.kept}) {
  %c = arith.constant 1.0 : f32
  %new = memref.alloc() : memref<4xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%p : memref<4xf32>) outs(%new : memref<4xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    linalg.yield %s : f32
  }
  return %c, %new : f32, memref<4xf32>
}

// -----

/// A dynamic dimension is checked against the destination's before the
/// code writes there.

// CHECK-LABEL: func.func @rows(
// CHECK-SAME:    %[[X:[^:]+]]: memref<?x2xf32>, %[[D:[^:]+]]: memref<?x2xf32>) {
// CHECK:         %[[C0:.+]] = arith.constant 0 : index
// CHECK:         %[[N:.+]] = memref.dim %[[X]], %[[C0]]
// CHECK:         %[[GOT:.+]] = memref.dim %[[D]], %[[C0]]
// CHECK:         %[[SAME:.+]] = arith.cmpi eq, %[[N]], %[[GOT]]
// CHECK:         cf.assert %[[SAME]], "result #0 differs from its destination in dimension #0"
// CHECK-NOT:     memref.alloc
// CHECK:         linalg.copy ins(%[[X]] : memref<?x2xf32>) outs(%[[D]] : memref<?x2xf32>)
// CHECK-NEXT:    return
func.func @rows(%x: memref<?x2xf32>) -> memref<?x2xf32> {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x2xf32>
  %y = memref.alloc(%n) : memref<?x2xf32>
  linalg.copy ins(%x : memref<?x2xf32>) outs(%y : memref<?x2xf32>)
  return %y : memref<?x2xf32>
}

// -----

/// What no allocation of the function defines (an argument here) is copied,
/// after the same check where a dimension is dynamic.

// CHECK-LABEL: func.func @identity(
// CHECK-SAME:    %[[X:[^:]+]]: memref<3xf32>, %[[D:[^:]+]]: memref<3xf32>) {
// CHECK-NEXT:    memref.copy %[[X]], %[[D]]
// CHECK-NEXT:    return
func.func @identity(%x: memref<3xf32>) -> memref<3xf32> {
  return %x : memref<3xf32>
}

// CHECK-LABEL: func.func @dynamic_identity(
// CHECK-SAME:    %[[X:[^:]+]]: memref<?xf32>, %[[D:[^:]+]]: memref<?xf32>) {
// CHECK:         %[[N:.+]] = memref.dim %[[X]]
// CHECK:         %[[GOT:.+]] = memref.dim %[[D]]
// CHECK:         %[[SAME:.+]] = arith.cmpi eq, %[[N]], %[[GOT]]
// CHECK:         cf.assert %[[SAME]]
// CHECK:         memref.copy %[[X]], %[[D]]
func.func @dynamic_identity(%x: memref<?xf32>) -> memref<?xf32> {
  return %x : memref<?xf32>
}

// -----

/// One allocation returned twice takes the first destination; the second
/// gets a copy of it.

// CHECK-LABEL: func.func @twice(
// CHECK-SAME:    %[[D0:[^:]+]]: memref<2xf32>, %[[D1:[^:]+]]: memref<2xf32>) {
// CHECK:         linalg.fill ins(%{{.+}} : f32) outs(%[[D0]] : memref<2xf32>)
// CHECK-NEXT:    memref.copy %[[D0]], %[[D1]]
// CHECK-NEXT:    return
func.func @twice() -> (memref<2xf32>, memref<2xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<2xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<2xf32>)
  return %a, %a : memref<2xf32>, memref<2xf32>
}

// -----

/// Private functions keep their results; functions without buffer results
/// keep their signatures.

// CHECK-LABEL: func.func private @helper() -> memref<2xf32>
// CHECK:         return %{{.+}} : memref<2xf32>
func.func private @helper() -> memref<2xf32> {
  %a = memref.alloc() : memref<2xf32>
  return %a : memref<2xf32>
}

// CHECK-LABEL: func.func @scalar(%{{.+}}: f32) -> f32
func.func @scalar(%x: f32) -> f32 {
  return %x : f32
}
