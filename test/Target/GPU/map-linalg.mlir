// RUN: fm-opt %s --split-input-file --fm-gpu-map-linalg | FileCheck %s
// RUN: fm-opt %s --split-input-file --fm-gpu-map-linalg --convert-parallel-loops-to-gpu \
// RUN:   --fm-gpu-check-host-loops --canonicalize | FileCheck %s --check-prefix=LAUNCH

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#row = affine_map<(i, j) -> (i)>

/// An elementwise op over [N, 64]: tiles of 4 rows × 64 columns, one tile
/// a block (block_x over the row tiles, without limit for a dynamic N),
/// the contiguous columns on thread_x, the rows on thread_y; the body is
/// guarded at the loop's end instead of clamping the tile.

// CHECK-LABEL: func.func @bias_add
// CHECK-DAG: %[[C4:.+]] = arith.constant 4 : index
// CHECK-DAG: %[[C64:.+]] = arith.constant 64 : index
// CHECK: scf.parallel (%[[R:.+]], %[[C:.+]]) = ({{.*}}) to (%{{.+}}, %[[C64]])
// CHECK:   scf.parallel (%[[TR:.+]], %[[TC:.+]]) = ({{.*}}) to (%{{.+}}, %{{.+}})
// CHECK:     %[[ROW:.+]] = arith.addi %[[TR]], %[[R]] : index
// CHECK:     arith.cmpi ult
// CHECK:     scf.if
// CHECK:       memref.load %{{.+}}[%{{.+}}, %{{.+}}] : memref<?x64xf32>
// CHECK:       arith.addf
// CHECK:       memref.store
// CHECK:   } {mapping = [#gpu.loop_dim_map<processor = thread_y, map = (d0) -> (d0), bound = (d0) -> (d0)>, #gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>, #gpu.loop_dim_map<processor = block_y, map = (d0) -> (d0), bound = (d0) -> (d0)>]}

// LAUNCH-LABEL: func.func @bias_add
// LAUNCH-DAG: %[[C1:.+]] = arith.constant 1 : index
// LAUNCH-DAG: %[[C4:.+]] = arith.constant 4 : index
// LAUNCH-DAG: %[[C64:.+]] = arith.constant 64 : index
// LAUNCH: gpu.launch blocks({{.*}}) in (%{{.+}} = %{{.+}}, %{{.+}} = %{{.+}}, %{{.+}} = %[[C1]]) threads({{.*}}) in (%{{.+}} = %[[C64]], %{{.+}} = %[[C4]], %{{.+}} = %[[C1]])
func.func @bias_add(%x: memref<?x64xf32>, %b: memref<64xf32>, %y: memref<?x64xf32>) {
  linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b : memref<?x64xf32>, memref<64xf32>) outs(%y : memref<?x64xf32>) {
  ^bb0(%v: f32, %c: f32, %o: f32):
    %s = arith.addf %v, %c : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>

/// A row reduction: the one parallel loop takes whole blocks of 256
/// threads, each thread a sequential loop over its row.

// CHECK-LABEL: func.func @row_sum
// CHECK: scf.parallel
// CHECK:   scf.parallel
// CHECK:     scf.if
// CHECK:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step
// CHECK:         arith.addf
// CHECK:   } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}

// LAUNCH-LABEL: func.func @row_sum
// LAUNCH: %[[C256:.+]] = arith.constant 256 : index
// LAUNCH: gpu.launch blocks({{.*}}) threads({{.*}}) in (%{{.+}} = %[[C256]],
func.func @row_sum(%x: memref<?x64xf32>, %y: memref<?xf32>) {
  linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : memref<?x64xf32>) outs(%y : memref<?xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %v, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

#in = affine_map<(i, j) -> (i, j)>
#out = affine_map<(i, j) -> (j)>

/// A column sum (a bias gradient) whose reduction loop comes first: the
/// loops are reordered so that the parallel one is outermost and each
/// thread sums a column (a warp reads consecutive columns of a row).

// CHECK-LABEL: func.func @column_sum
// CHECK: scf.parallel
// CHECK:   scf.parallel
// CHECK:       scf.for %{{.+}} = %{{.+}} to %{{.+}} step
// CHECK:         memref.load %{{.+}}[%{{.+}}, %{{.+}}] : memref<?x64xf32>
// CHECK:         arith.addf
// CHECK:   } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}

// LAUNCH-LABEL: func.func @column_sum
// LAUNCH: %[[C64:.+]] = arith.constant 64 : index
// LAUNCH: gpu.launch blocks({{.*}}) threads({{.*}}) in (%{{.+}} = %[[C64]],
func.func @column_sum(%x: memref<?x64xf32>, %y: memref<64xf32>) {
  linalg.generic {indexing_maps = [#in, #out], iterator_types = ["reduction", "parallel"]}
      ins(%x : memref<?x64xf32>) outs(%y : memref<64xf32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %v, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

/// A full reduction has no parallel loop: one thread of one block runs it.

// CHECK-LABEL: func.func @total
// CHECK: scf.parallel (%{{.+}}) = (%{{.+}}) to (%{{.+}}) step (%{{.+}}) {
// CHECK:   scf.for
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}

// LAUNCH-LABEL: func.func @total
// LAUNCH: gpu.launch
func.func @total(%x: memref<8xf32>, %y: memref<f32>) {
  linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> ()>], iterator_types = ["reduction"]}
      ins(%x : memref<8xf32>) outs(%y : memref<f32>) {
  ^bb0(%v: f32, %o: f32):
    %s = arith.addf %v, %o : f32
    linalg.yield %s : f32
  }
  return
}

// -----

/// Three parallel loops ([N, 2, 128] logits): 128 columns on thread_x,
/// 2 rows of the batch on thread_y, the middle loop one thread, blocks on
/// block_x (batch tiles) and block_y (the middle loop); a linalg.fill is
/// mapped like any other op, and ops inside a gpu.launch are left alone.

// CHECK-LABEL: func.func @logits
// CHECK: scf.parallel
// CHECK:   scf.parallel
// CHECK:   } {mapping = [#gpu.loop_dim_map<processor = thread_y, {{.*}}>, #gpu.loop_dim_map<processor = sequential, {{.*}}>, #gpu.loop_dim_map<processor = thread_x, {{.*}}>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, {{.*}}>, #gpu.loop_dim_map<processor = block_y, {{.*}}>, #gpu.loop_dim_map<processor = block_z, {{.*}}>]}
// CHECK: gpu.launch
// CHECK:   linalg.fill
func.func @logits(%y: memref<?x2x128xf32>, %z: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%y : memref<?x2x128xf32>)
  %c1 = arith.constant 1 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
    linalg.fill ins(%zero : f32) outs(%z : memref<4xf32>)
    gpu.terminator
  }
  return
}
