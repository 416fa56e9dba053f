// RUN: fm-opt %s --split-input-file --fm-gpu-check-host-loops --verify-diagnostics

/// A loop over memory left on the host: on the GPU target an entry point's
/// buffers are in device memory.
func.func @host_loop(%x: memref<8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %one = arith.constant 1.0 : f32
  scf.for %i = %c0 to %c8 step %c1 {
    // expected-error @+1 {{a loop or store writes memory on the host, but the buffer lives in GPU memory: this would crash at run time}}
    memref.store %one, %x[%i] : memref<8xf32>
  }
  return
}

// -----

/// A host load of a buffer the program allocated in device memory.
func.func @host_load() -> f32 {
  %b = gpu.alloc () : memref<f32>
  // expected-error @+1 {{a loop or load reads memory on the host, but the buffer lives in GPU memory}}
  %v = memref.load %b[] : memref<f32>
  return %v : f32
}

// -----

/// A linalg op on buffers that was never mapped.
func.func @unmapped(%x: memref<8xf32>) {
  %zero = arith.constant 0.0 : f32
  // expected-error @+1 {{this op stays on the host, but the buffer lives in GPU memory}}
  linalg.fill ins(%zero : f32) outs(%x : memref<8xf32>)
  return
}

// -----

/// A kernel that reads a host buffer.
func.func @kernel_reads_host() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %h = memref.alloc() : memref<8xf32>
  // expected-error @+1 {{a kernel reads a buffer in host memory, which the GPU cannot address}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    memref.store %one, %h[%c0] : memref<8xf32>
    gpu.terminator
  }
  memref.dealloc %h : memref<8xf32>
  return
}

// -----

/// Loops inside a launch, host loops that touch no memory, and the host
/// bookkeeping of buffer deallocation (host buffers, and a private helper
/// that every call passes host buffers) are fine.
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
  %flags = memref.alloc() : memref<2xi1>
  %true = arith.constant true
  memref.store %true, %flags[%c0] : memref<2xi1>
  %cast = memref.cast %flags : memref<2xi1> to memref<?xi1>
  call @helper(%cast) : (memref<?xi1>) -> ()
  memref.dealloc %flags : memref<2xi1>
  return %s : index
}

func.func private @helper(%flags: memref<?xi1>) {
  %c0 = arith.constant 0 : index
  %false = arith.constant false
  memref.store %false, %flags[%c0] : memref<?xi1>
  return
}
