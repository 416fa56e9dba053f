//===- DeviceMemory.h - Which buffers live in GPU memory --------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The GPU target's one rule for where a buffer lives, shared by
// fm-gpu-device-memory, which places buffers, and fm-gpu-check-host-loops,
// which proves that host code never dereferences device memory.
//
//===----------------------------------------------------------------------===//

#ifndef FM_LIB_TARGET_GPU_DEVICEMEMORY_H
#define FM_LIB_TARGET_GPU_DEVICEMEMORY_H

#include "mlir/IR/Value.h"

namespace mlir::fm {

/// Whether `buffer` (a memref, or a view of one) lives in device memory on
/// the GPU target: a `gpu.alloc`, an argument of a public function (the
/// runtime passes device memory to entry points), or a value flowing
/// through a loop or branch. Host memory is what `memref.alloc`,
/// `memref.alloca` and `memref.get_global` give (once fm-gpu-device-memory
/// ran, the first is only deallocation's bookkeeping), and the arguments of
/// a private function that every call passes host memory.
bool isDeviceBuffer(Value buffer);

} // namespace mlir::fm

#endif // FM_LIB_TARGET_GPU_DEVICEMEMORY_H
