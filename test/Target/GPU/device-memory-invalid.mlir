// RUN: fm-opt %s --split-input-file --fm-gpu-device-memory --verify-diagnostics

/// The host reading a value a kernel computed.
func.func @host_read(%x: memref<f32>) -> f32 {
  // expected-error @+1 {{the host reads a value from GPU memory here; the CUDA backend cannot compile this yet}}
  %v = memref.load %x[] : memref<f32>
  return %v : f32
}

// -----

memref.global "private" constant @table : memref<2xf32> = dense<[1.0, 2.0]>

/// A global buffer is host memory.
func.func @global() -> memref<2xf32> {
  // expected-error @+1 {{a global buffer has no place in GPU memory yet; the CUDA backend cannot compile it}}
  %t = memref.get_global @table : memref<2xf32>
  return %t : memref<2xf32>
}
