// RUN: fm-opt %s --split-input-file --fm-gpu-device-memory | FileCheck %s

/// fm-gpu-device-memory: a bufferized program's buffers go to device
/// memory; host code keeps launches, copies and deallocation's bookkeeping.

/// Buffers become gpu.alloc and gpu.dealloc; a copy between contiguous
/// buffers becomes gpu.memcpy.
// CHECK-LABEL: func.func @buffers(
// CHECK-SAME: %[[X:.+]]: memref<4x2xf32>
// CHECK: %[[A:.+]] = gpu.alloc () : memref<4x2xf32>
// CHECK: %[[B:.+]] = gpu.alloc (%{{.+}}) : memref<?xf32>
// CHECK: gpu.memcpy %[[A]], %[[X]] : memref<4x2xf32>, memref<4x2xf32>
// CHECK: gpu.dealloc %[[B]] : memref<?xf32>
// CHECK: return %[[A]]
// CHECK-NOT: memref.alloc
func.func @buffers(%x: memref<4x2xf32>, %n: index) -> memref<4x2xf32> {
  %a = memref.alloc() : memref<4x2xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  memref.copy %x, %a : memref<4x2xf32> to memref<4x2xf32>
  memref.dealloc %b : memref<?xf32>
  return %a : memref<4x2xf32>
}

// -----

/// A copy out of a strided view becomes a linalg.copy, which the kernel
/// mapping turns into a kernel.
// CHECK-LABEL: func.func @strided(
// CHECK: %[[V:.+]] = memref.subview
// CHECK: linalg.copy ins(%[[V]] : memref<4x1xf32, strided<[2, 1]>>) outs(%{{.+}} : memref<4x1xf32>)
// CHECK-NOT: gpu.memcpy
func.func @strided(%x: memref<4x2xf32>) -> memref<4x1xf32> {
  %v = memref.subview %x[0, 0] [4, 1] [1, 1] : memref<4x2xf32> to memref<4x1xf32, strided<[2, 1]>>
  %a = memref.alloc() : memref<4x1xf32>
  memref.copy %v, %a : memref<4x1xf32, strided<[2, 1]>> to memref<4x1xf32>
  return %a : memref<4x1xf32>
}

// -----

/// A host store into device memory runs in a one-thread kernel.
// CHECK-LABEL: func.func @store(
// CHECK-SAME: %[[X:.+]]: memref<f32>, %[[V:.+]]: f32
// CHECK: %[[ONE:.+]] = arith.constant 1 : index
// CHECK: gpu.launch blocks(%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]]) threads(%{{.+}}, %{{.+}}, %{{.+}}) in (%{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]], %{{.+}} = %[[ONE]])
// CHECK-NEXT: memref.store %[[V]], %[[X]][] : memref<f32>
// CHECK-NEXT: gpu.terminator
func.func @store(%x: memref<f32>, %v: f32) {
  memref.store %v, %x[] : memref<f32>
  return
}

// -----

/// The bookkeeping of buffer deallocation (index and i1 buffers read and
/// written by the host, passed to a helper) stays in host memory; the
/// buffer it decides about is freed on the device.
// CHECK-LABEL: func.func @bookkeeping(
// CHECK: %[[D:.+]] = gpu.alloc () : memref<8xf32>
// CHECK: %[[P:.+]] = memref.alloc() : memref<1xindex>
// CHECK: %[[F:.+]] = memref.alloc() : memref<1xi1>
// CHECK: memref.store %{{.+}}, %[[P]][%{{.+}}] : memref<1xindex>
// CHECK: call @helper(
// CHECK: scf.if
// CHECK-NEXT: gpu.dealloc %[[D]] : memref<8xf32>
// CHECK: memref.dealloc %[[P]] : memref<1xindex>
// CHECK: memref.dealloc %[[F]] : memref<1xi1>
func.func @bookkeeping() {
  %c0 = arith.constant 0 : index
  %d = memref.alloc() : memref<8xf32>
  %p = memref.alloc() : memref<1xindex>
  %f = memref.alloc() : memref<1xi1>
  %ptr = memref.extract_aligned_pointer_as_index %d : memref<8xf32> -> index
  memref.store %ptr, %p[%c0] : memref<1xindex>
  %pc = memref.cast %p : memref<1xindex> to memref<?xindex>
  %fc = memref.cast %f : memref<1xi1> to memref<?xi1>
  call @helper(%pc, %fc) : (memref<?xindex>, memref<?xi1>) -> ()
  %own = memref.load %f[%c0] : memref<1xi1>
  scf.if %own {
    memref.dealloc %d : memref<8xf32>
  }
  memref.dealloc %p : memref<1xindex>
  memref.dealloc %f : memref<1xi1>
  return
}

func.func private @helper(%p: memref<?xindex>, %f: memref<?xi1>) {
  %c0 = arith.constant 0 : index
  %true = arith.constant true
  memref.store %true, %f[%c0] : memref<?xi1>
  return
}
