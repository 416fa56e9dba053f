// fm.embedding through fm-autodiff and --fm-cpu-pipeline, run: the lookup,
// the gradient of its weight (a scatter-add: repeated tokens sum their
// rows) and its tangent, against closed forms in f64 (exact sums of a few
// products: within 1e-12).
//
// W is 4 x 3 with W[v, h] = 10·v + h; the tokens [[2, 0], [2, 3], [1, 2]]
// pick rows 2, 0, 2, 3, 1, 2. f(W) = Σ E ⊙ C with C[i, j, h] = i + 2j +
// 0.5·h, so ∂f/∂W[v, h] = Σ over the positions (i, j) holding v of
// C[i, j, h]: row 2 (positions (0,0), (1,0), (2,1)) gets
// [0 + 1 + 4, 0.5 + 1.5 + 4.5, 1 + 2 + 5] = [5, 6.5, 8]; row 0 ((0,1))
// [2, 2.5, 3]; row 3 ((1,1)) [3, 3.5, 4]; row 1 ((2,0)) [2, 2.5, 3].
//
// RUN: fm-opt %s --fm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s
//
// The GPU target's form of the weight gradient (one generic summing, per
// row, the positions that pick it) gives the same sums, run here on the CPU.
// RUN: fm-opt %s --fm-autodiff=embedding-gradient=reduction --fm-cpu-pipeline \
// RUN: | mlir-runner -e main -entry-point-result=void \
// RUN:     -shared-libs=%mlir_runner_utils,%mlir_c_runner_utils \
// RUN: | FileCheck %s

func.func private @printMemrefF64(tensor<*xf64>)

func.func @f(%w: tensor<4x3xf64>) -> f64 {
  %tokens = arith.constant dense<[[2, 0], [2, 3], [1, 2]]> : tensor<3x2xi64>
  %e = fm.embedding %w[%tokens] : tensor<4x3xf64>, tensor<3x2xi64> -> tensor<3x2x3xf64>
  %zero = arith.constant 0.0 : f64
  %acc = tensor.empty() : tensor<f64>
  %z = linalg.fill ins(%zero : f64) outs(%acc : tensor<f64>) -> tensor<f64>
  %s = linalg.generic {indexing_maps = [affine_map<(i, j, h) -> (i, j, h)>, affine_map<(i, j, h) -> ()>],
                       iterator_types = ["reduction", "reduction", "reduction"]}
      ins(%e : tensor<3x2x3xf64>) outs(%z : tensor<f64>) {
  ^bb0(%x: f64, %o: f64):
    %i = linalg.index 0 : index
    %j = linalg.index 1 : index
    %h = linalg.index 2 : index
    %two = arith.constant 2 : index
    %j2 = arith.muli %j, %two : index
    %ij = arith.addi %i, %j2 : index
    %iji = arith.index_cast %ij : index to i64
    %ijf = arith.sitofp %iji : i64 to f64
    %hi = arith.index_cast %h : index to i64
    %hf = arith.sitofp %hi : i64 to f64
    %half = arith.constant 0.5 : f64
    %hh = arith.mulf %hf, %half : f64
    %c = arith.addf %ijf, %hh : f64
    %p = arith.mulf %x, %c : f64
    %r = arith.addf %o, %p : f64
    linalg.yield %r : f64
  } -> tensor<f64>
  %v = tensor.extract %s[] : tensor<f64>
  return %v : f64
}

func.func @lookup(%w: tensor<4x3xf64>) -> tensor<3x2x3xf64> {
  %tokens = arith.constant dense<[[2, 0], [2, 3], [1, 2]]> : tensor<3x2xi64>
  %e = fm.embedding %w[%tokens] : tensor<4x3xf64>, tensor<3x2xi64> -> tensor<3x2x3xf64>
  return %e : tensor<3x2x3xf64>
}

func.func @main() {
  %w = arith.constant dense<[[0.0, 1.0, 2.0], [10.0, 11.0, 12.0], [20.0, 21.0, 22.0], [30.0, 31.0, 32.0]]> : tensor<4x3xf64>
  %one = arith.constant 1.0 : f64
  %f, %g = fm.vjp @f(%w) cotangents(%one) : (tensor<4x3xf64>), (f64) -> (f64, tensor<4x3xf64>)
  %gu = tensor.cast %g : tensor<4x3xf64> to tensor<*xf64>
  call @printMemrefF64(%gu) : (tensor<*xf64>) -> ()
  // CHECK: [2,   2.5,   3],
  // CHECK-NEXT: [2,   2.5,   3],
  // CHECK-NEXT: [5,   6.5,   8],
  // CHECK-NEXT: [3,   3.5,   4]

  // The tangent along dW = 1 everywhere but row 3 (= 100): the lookup of
  // dW.
  %dw = arith.constant dense<[[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [100.0, 100.0, 100.0]]> : tensor<4x3xf64>
  %e, %de = fm.jvp @lookup(%w) tangents(%dw) : (tensor<4x3xf64>), (tensor<4x3xf64>) -> (tensor<3x2x3xf64>, tensor<3x2x3xf64>)
  %eu = tensor.cast %e : tensor<3x2x3xf64> to tensor<*xf64>
  call @printMemrefF64(%eu) : (tensor<*xf64>) -> ()
  // CHECK: {{\[}}{{\[}}[20,   21,   22],
  // CHECK-NEXT: [0,   1,   2]],
  // CHECK: {{\[}}[20,   21,   22],
  // CHECK-NEXT: [30,   31,   32]],
  // CHECK: {{\[}}[10,   11,   12],
  // CHECK-NEXT: [20,   21,   22]]]
  %deu = tensor.cast %de : tensor<3x2x3xf64> to tensor<*xf64>
  call @printMemrefF64(%deu) : (tensor<*xf64>) -> ()
  // CHECK: {{\[}}{{\[}}[1,   1,   1],
  // CHECK-NEXT: [1,   1,   1]],
  // CHECK: {{\[}}[1,   1,   1],
  // CHECK-NEXT: [100,   100,   100]],
  return
}
