// RUN: fm-opt %s --split-input-file --fm-gpu-check-host-loops --verify-diagnostics

/// A loop over memory left on the host: on the GPU target the buffer is in
/// device memory.
func.func @host_loop(%x: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  // expected-error @+1 {{stays on the host but reads or writes buffers, which live in GPU memory: this would crash at run time}}
  scf.for %i = %c0 to %c8 step %c1 {
    memref.store %one, %x[%i] : memref<8xf32>
  }
  return
}

// -----

/// A linalg op on buffers that was never mapped.
func.func @unmapped(%x: memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{stays on the host but reads or writes buffers}}
  linalg.fill ins(%zero : f32) outs(%x : memref<8xf32>)
  return
}

// -----

/// Loops inside a launch, and host loops that touch no memory, are fine.
func.func @fine(%x: memref<8xf32>, %n: index) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    scf.for %i = %c0 to %c8 step %c1 {
      memref.store %one, %x[%i] : memref<8xf32>
    }
    gpu.terminator
  }
  %s = scf.for %i = %c0 to %n step %c1 iter_args(%acc = %c0) -> (index) {
    %t = arith.addi %acc, %i : index
    scf.yield %t : index
  }
  return %s : index
}
