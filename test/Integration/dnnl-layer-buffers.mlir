// The moons velocity network (examples/moons.mlir's, three ELU layers on a
// dynamic batch) evaluated on 5 points through both CPU pipelines: the same
// values, to float32 rounding (the backends sum in other orders; 4 decimals
// of values near 3 and 1 leave room for that, and for nothing else).
//
// After bufferization the layers' ELU epilogues compute in the buffer of the
// layer's own input, which dies with the product. A call of oneDNN that
// wrote there while it read the input gave -13.9 instead of 3.37 on a CPU
// without AVX-512; fm-linalg-to-dnnl now has the product write its own
// buffer, which takes the input's place from then on.
//
// REQUIRES: dnnl
// UNSUPPORTED: asan
// RUN: fm-opt %s --fm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s
// RUN: fm-opt %s --fm-dnnl-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils,%fm_dnnl_runner \
// RUN: | FileCheck %s

// CHECK: sizes = [5, 2]
// CHECK-NEXT: 3.3714{{[0-9]*}},{{ +}}0.9378{{[0-9]*}}]
// CHECK-NEXT: 3.3872{{[0-9]*}},{{ +}}0.9611{{[0-9]*}}]
// CHECK-NEXT: 3.3511{{[0-9]*}},{{ +}}0.8335{{[0-9]*}}]
// CHECK-NEXT: 3.3709{{[0-9]*}},{{ +}}0.9195{{[0-9]*}}]
// CHECK-NEXT: 3.3701{{[0-9]*}},{{ +}}0.9550{{[0-9]*}}]

#id = affine_map<(i, j) -> (i, j)>
#col = affine_map<(i, j) -> (j)>
#mm_x = affine_map<(m, n, k) -> (m, k)>
#mm_w = affine_map<(m, n, k) -> (n, k)>
#mm_y = affine_map<(m, n, k) -> (m, n)>

func.func private @linear64_elu(%x: tensor<?x64xf32>, %w: tensor<64x64xf32>, %b: tensor<64xf32>)
    -> tensor<?x64xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %e = tensor.empty(%n) : tensor<?x64xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x64xf32>) -> tensor<?x64xf32>
  %xw = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%x, %w : tensor<?x64xf32>, tensor<64x64xf32>) outs(%z : tensor<?x64xf32>) -> tensor<?x64xf32>
  %y = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw, %b : tensor<?x64xf32>, tensor<64xf32>) outs(%e : tensor<?x64xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %pos = arith.cmpf ogt, %s, %zero : f32
    %em = math.expm1 %s : f32
    %r = arith.select %pos, %s, %em : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

func.func private @velocity(%x: tensor<?x2xf32>, %t: tensor<?xf32>,
                    %w0: tensor<64x3xf32>, %b0: tensor<64xf32>,
                    %w2: tensor<64x64xf32>, %b2: tensor<64xf32>,
                    %w4: tensor<64x64xf32>, %b4: tensor<64xf32>,
                    %w6: tensor<2x64xf32>, %b6: tensor<2xf32>) -> tensor<?x2xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = tensor.dim %x, %c0 : tensor<?x2xf32>
  %tcol = tensor.expand_shape %t [[0, 1]] output_shape [%n, 1] : tensor<?xf32> into tensor<?x1xf32>
  %in = tensor.concat dim(1) %tcol, %x : (tensor<?x1xf32>, tensor<?x2xf32>) -> tensor<?x3xf32>

  // Layer 0: 3 → 64, ELU.
  %e64 = tensor.empty(%n) : tensor<?x64xf32>
  %z64 = linalg.fill ins(%zero : f32) outs(%e64 : tensor<?x64xf32>) -> tensor<?x64xf32>
  %xw0 = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%in, %w0 : tensor<?x3xf32>, tensor<64x3xf32>) outs(%z64 : tensor<?x64xf32>) -> tensor<?x64xf32>
  %h0 = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw0, %b0 : tensor<?x64xf32>, tensor<64xf32>) outs(%e64 : tensor<?x64xf32>) {
  ^bb0(%v: f32, %bias: f32, %o: f32):
    %s = arith.addf %v, %bias : f32
    %pos = arith.cmpf ogt, %s, %zero : f32
    %em = math.expm1 %s : f32
    %r = arith.select %pos, %s, %em : f32
    linalg.yield %r : f32
  } -> tensor<?x64xf32>

  // Layers 2 and 4: 64 → 64, ELU.
  %h2 = func.call @linear64_elu(%h0, %w2, %b2)
      : (tensor<?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>
  %h4 = func.call @linear64_elu(%h2, %w4, %b4)
      : (tensor<?x64xf32>, tensor<64x64xf32>, tensor<64xf32>) -> tensor<?x64xf32>

  // Layer 6: 64 → 2.
  %e2 = tensor.empty(%n) : tensor<?x2xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %xw6 = linalg.matmul indexing_maps = [#mm_x, #mm_w, #mm_y]
      ins(%h4, %w6 : tensor<?x64xf32>, tensor<2x64xf32>) outs(%z2 : tensor<?x2xf32>) -> tensor<?x2xf32>
  %v = linalg.generic {indexing_maps = [#id, #col, #id], iterator_types = ["parallel", "parallel"]}
      ins(%xw6, %b6 : tensor<?x2xf32>, tensor<2xf32>) outs(%e2 : tensor<?x2xf32>) {
  ^bb0(%a: f32, %bias: f32, %o: f32):
    %s = arith.addf %a, %bias : f32
    linalg.yield %s : f32
  } -> tensor<?x2xf32>
  return %v : tensor<?x2xf32>
}

func.func private @printMemrefF32(tensor<*xf32>)
func.func private @fill2(%n: index, %m: index, %s: f32) -> tensor<?x?xf32> {
  %e = tensor.empty(%n, %m) : tensor<?x?xf32>
  %r = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel", "parallel"]} outs(%e : tensor<?x?xf32>) {
  ^bb0(%o: f32):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %k = arith.muli %i, %m : index
    %l = arith.addi %k, %j : index
    %li = arith.index_cast %l : index to i64
    %f = arith.sitofp %li : i64 to f32
    %v = math.sin %f : f32
    %w = arith.mulf %v, %s : f32
    linalg.yield %w : f32
  } -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}
func.func @main() {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c5 = arith.constant 5 : index
  %c64 = arith.constant 64 : index
  %s = arith.constant 0.3 : f32
  %x = call @fill2(%c5, %c2, %s) : (index, index, f32) -> tensor<?x?xf32>
  %tt = call @fill2(%c5, %c1, %s) : (index, index, f32) -> tensor<?x?xf32>
  %w0d = call @fill2(%c64, %c3, %s) : (index, index, f32) -> tensor<?x?xf32>
  %b0d = call @fill2(%c64, %c1, %s) : (index, index, f32) -> tensor<?x?xf32>
  %w2d = call @fill2(%c64, %c64, %s) : (index, index, f32) -> tensor<?x?xf32>
  %w6d = call @fill2(%c2, %c64, %s) : (index, index, f32) -> tensor<?x?xf32>
  %b6d = call @fill2(%c2, %c1, %s) : (index, index, f32) -> tensor<?x?xf32>
  %xs = tensor.cast %x : tensor<?x?xf32> to tensor<?x2xf32>
  %t = tensor.collapse_shape %tt [[0, 1]] : tensor<?x?xf32> into tensor<?xf32>
  %w0 = tensor.cast %w0d : tensor<?x?xf32> to tensor<64x3xf32>
  %b0c = tensor.collapse_shape %b0d [[0, 1]] : tensor<?x?xf32> into tensor<?xf32>
  %b0 = tensor.cast %b0c : tensor<?xf32> to tensor<64xf32>
  %w2 = tensor.cast %w2d : tensor<?x?xf32> to tensor<64x64xf32>
  %w6 = tensor.cast %w6d : tensor<?x?xf32> to tensor<2x64xf32>
  %b6c = tensor.collapse_shape %b6d [[0, 1]] : tensor<?x?xf32> into tensor<?xf32>
  %b6 = tensor.cast %b6c : tensor<?xf32> to tensor<2xf32>
  %v = call @velocity(%xs, %t, %w0, %b0, %w2, %b0, %w2, %b0, %w6, %b6) : (tensor<?x2xf32>, tensor<?xf32>, tensor<64x3xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<64x64xf32>, tensor<64xf32>, tensor<2x64xf32>, tensor<2xf32>) -> tensor<?x2xf32>
  %u = tensor.cast %v : tensor<?x2xf32> to tensor<*xf32>
  call @printMemrefF32(%u) : (tensor<*xf32>) -> ()
  return
}
