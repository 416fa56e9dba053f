// RUN: fm-opt %s --fm-cpu-result-destinations --split-input-file --verify-diagnostics

/// An entry point the module calls: its caller would need buffers for the
/// destinations.

func.func @callee() -> memref<2xf32> {
  %a = memref.alloc() : memref<2xf32>
  return %a : memref<2xf32>
}

func.func @caller() -> memref<2xf32> {
  // expected-error @+1 {{calls entry point 'callee', whose buffer results become its caller's destinations; make the callee private}}
  %r = func.call @callee() : () -> memref<2xf32>
  return %r : memref<2xf32>
}

// -----

/// A caller allocates destinations with identity layouts only.

// expected-error @+1 {{result #0 has a layout a caller cannot allocate: 'memref<2xf32, strided<[2]>>'}}
func.func @strided(%x: memref<4xf32>) -> memref<2xf32, strided<[2]>> {
  %v = memref.subview %x[0] [2] [2] : memref<4xf32> to memref<2xf32, strided<[2]>>
  return %v : memref<2xf32, strided<[2]>>
}
