// RUN: fm-opt %s --fm-cpu-parallel-elementwise --split-input-file | FileCheck %s

/// An elementwise generic whose rows are only known at run time becomes a
/// function over a range of rows, on subviews of the operands that vary with
/// the rows (the bias, broadcast over rows, is passed whole), and a call of
/// fmrt_dnnl_parallel_for with the rows and the work (7 body ops × rows ×
/// 256). The operands and the scalar the body reads from above cross in a
/// context on the stack, allocated in the entry block; the constant is
/// cloned.

// CHECK-LABEL: func.func private @fmrt_dnnl_parallel_for(!llvm.ptr, !llvm.ptr, i64, i64)
// CHECK-SAME: attributes {llvm.emit_c_interface}

// CHECK-LABEL: func.func @silu_grad(
// CHECK-SAME: %[[X:[^:]+]]: memref<?x256xf32>, %[[B:[^:]+]]: memref<256xf32>, %[[G:[^:]+]]: memref<?x256xf32>, %[[S:[^:]+]]: f32
// CHECK: %[[CONTEXT:.+]] = llvm.alloca %{{.+}} x !llvm.struct<(struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>, struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>, f32)>
// CHECK: %[[XD:.+]] = builtin.unrealized_conversion_cast %[[X]] : memref<?x256xf32> to !llvm.struct
// CHECK: llvm.store %[[XD]],
// CHECK: llvm.store %[[S]],
// CHECK: %[[BODY:.+]] = constant @silu_grad_rows : (!llvm.ptr, i64, i64) -> ()
// CHECK: %[[BODYPTR:.+]] = builtin.unrealized_conversion_cast %[[BODY]] : (!llvm.ptr, i64, i64) -> () to !llvm.ptr
// CHECK: %[[ROWS:.+]] = memref.dim %[[X]], %{{.+}} : memref<?x256xf32>
// CHECK: %[[C7:.+]] = arith.constant 7 : index
// CHECK: %[[W1:.+]] = arith.muli %[[C7]], %[[ROWS]] : index
// CHECK: %[[C256:.+]] = arith.constant 256 : index
// CHECK: %[[WORK:.+]] = arith.muli %[[W1]], %[[C256]] : index
// CHECK: %[[ROWS64:.+]] = arith.index_cast %[[ROWS]] : index to i64
// CHECK: %[[WORK64:.+]] = arith.index_cast %[[WORK]] : index to i64
// CHECK: call @fmrt_dnnl_parallel_for(%[[BODYPTR]], %[[CONTEXT]], %[[ROWS64]], %[[WORK64]])
// CHECK-NOT: linalg.generic
// CHECK: return

// CHECK-LABEL: func.func private @silu_grad_rows(
// CHECK-SAME: %[[CTX:[^:]+]]: !llvm.ptr, %[[BEGIN64:[^:]+]]: i64, %[[END64:[^:]+]]: i64)
// CHECK: %[[XF:.+]] = llvm.load %{{.+}} : !llvm.ptr -> !llvm.struct<(ptr, ptr, i64, array<2 x i64>, array<2 x i64>)>
// CHECK: %[[XM:.+]] = builtin.unrealized_conversion_cast %[[XF]] : {{.+}} to memref<?x256xf32>
// CHECK: %[[BF:.+]] = llvm.load %{{.+}} : !llvm.ptr -> !llvm.struct<(ptr, ptr, i64, array<1 x i64>, array<1 x i64>)>
// CHECK: %[[BM:.+]] = builtin.unrealized_conversion_cast %[[BF]] : {{.+}} to memref<256xf32>
// CHECK: %[[GF:.+]] = llvm.load
// CHECK: %[[GM:.+]] = builtin.unrealized_conversion_cast %[[GF]]
// CHECK: %[[SF:.+]] = llvm.load %{{.+}} : !llvm.ptr -> f32
// CHECK: %[[ONE:.+]] = arith.constant 1.000000e+00 : f32
// CHECK: %[[BEGIN:.+]] = arith.index_cast %[[BEGIN64]] : i64 to index
// CHECK: %[[END:.+]] = arith.index_cast %[[END64]] : i64 to index
// CHECK: %[[N:.+]] = arith.subi %[[END]], %[[BEGIN]] : index
// CHECK: %[[XS:.+]] = memref.subview %[[XM]][%[[BEGIN]], 0] [%[[N]], 256] [1, 1]
// CHECK: %[[GS:.+]] = memref.subview %[[GM]][%[[BEGIN]], 0] [%[[N]], 256] [1, 1]
// CHECK: linalg.generic
// CHECK-SAME: ins(%[[XS]], %[[BM]] : memref<?x256xf32, strided<[256, 1], offset: ?>>, memref<256xf32>)
// CHECK-SAME: outs(%[[GS]] : memref<?x256xf32, strided<[256, 1], offset: ?>>)
// CHECK: arith.divf %[[ONE]],
// CHECK: arith.mulf %{{.+}}, %[[SF]] : f32
// CHECK: return

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
func.func @silu_grad(%x: memref<?x256xf32>, %bias: memref<256xf32>, %g: memref<?x256xf32>, %s: f32) {
  %one = arith.constant 1.0 : f32
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %bias : memref<?x256xf32>, memref<256xf32>) outs(%g : memref<?x256xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %z = arith.addf %a, %b : f32
    %n = arith.negf %z : f32
    %e = math.exp %n : f32
    %d = arith.addf %one, %e : f32
    %sg = arith.divf %one, %d : f32
    %r = arith.mulf %o, %sg : f32
    %t = arith.mulf %r, %s : f32
    linalg.yield %t : f32
  }
  return
}

// -----

/// Left alone: static shapes with less work than a parallel region pays
/// for (256 × 64 × 1 op), a reduction, and a body that reads its indices.

// CHECK-LABEL: func.func @left_alone(
// CHECK-NOT: fmrt_dnnl_parallel_for
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: fmrt_dnnl_parallel_for
// CHECK: return
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @left_alone(%x: memref<256x64xf32>, %y: memref<256x64xf32>,
                      %big: memref<?x256xf32>, %sums: memref<?xf32>, %out: memref<?x256xf32>) {
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<256x64xf32>) outs(%y : memref<256x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  }
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%big : memref<?x256xf32>) outs(%sums : memref<?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%big : memref<?x256xf32>) outs(%out : memref<?x256xf32>) {
  ^bb0(%a: f32, %o: f32):
    %i = linalg.index 0 : index
    %i64 = arith.index_cast %i : index to i64
    %f = arith.sitofp %i64 : i64 to f32
    %s = arith.addf %a, %f : f32
    linalg.yield %s : f32
  }
  return
}

// -----

/// A generic in an ODE solver's loop is split too: the context is allocated
/// once, in the function's entry block, and filled where the loop runs.

// CHECK: func.func private @fmrt_dnnl_parallel_for
// CHECK-LABEL: func.func @in_a_loop(
// CHECK: %[[CONTEXT:.+]] = llvm.alloca
// CHECK: scf.for
// CHECK:   llvm.store
// CHECK:   call @fmrt_dnnl_parallel_for(%{{.+}}, %[[CONTEXT]],
// CHECK-NOT: linalg.generic
// CHECK: return
// CHECK-LABEL: func.func private @in_a_loop_rows(
// CHECK: linalg.generic
#id = affine_map<(i, j) -> (i, j)>
func.func @in_a_loop(%x: memref<?x2xf32>, %h: f32, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %steps step %c1 {
    linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]}
        outs(%x : memref<?x2xf32>) {
    ^bb0(%o: f32):
      %s = arith.mulf %o, %h : f32
      linalg.yield %s : f32
    }
  }
  return
}
