// RUN: fm-opt %s --fm-cpu-read-only-arguments | FileCheck %s
// RUN: fm-opt %s --fm-cpu-read-only-arguments \
// RUN:   --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" \
// RUN:   | FileCheck %s --check-prefix=BUFFERS

/// Entry points' tensor arguments are not writable; scalars, private
/// functions and an attribute already there are left alone.

#id = affine_map<(i) -> (i)>
// CHECK-LABEL: func.func @step(
// CHECK-SAME:    %{{.+}}: tensor<4xf32> {bufferization.writable = false, test.kept},
// CHECK-SAME:    %{{.+}}: f32)
// BUFFERS-LABEL: func.func @step(
// BUFFERS-SAME:    %[[P:[^:]+]]: memref<4xf32>
// BUFFERS:         %[[NEW:.+]] = memref.alloc() {{.*}} : memref<4xf32>
// BUFFERS:         memref.copy %[[P]], %[[NEW]]
// BUFFERS:         linalg.generic {{.*}} outs(%[[NEW]] : memref<4xf32>)
// BUFFERS:         return %[[NEW]]
func.func @step(%p: tensor<4xf32> {test.kept}, %c: f32) -> tensor<4xf32> {
  // p + c, written where bufferization would otherwise put it: in p.
  %r = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%p : tensor<4xf32>) {
  ^bb0(%o: f32):
    %s = arith.addf %o, %c : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// CHECK-LABEL: func.func @writable(
// CHECK-SAME:    %{{.+}}: tensor<4xf32> {bufferization.writable = true})
func.func @writable(%p: tensor<4xf32> {bufferization.writable = true}) -> tensor<4xf32> {
  return %p : tensor<4xf32>
}

// CHECK-LABEL: func.func private @helper(
// CHECK-SAME:    %{{.+}}: tensor<4xf32>) -> tensor<4xf32>
func.func private @helper(%p: tensor<4xf32>) -> tensor<4xf32> {
  return %p : tensor<4xf32>
}
