// Debian's own mlir-opt loads fm as a dialect plugin and a pass plugin.
// Plugin passes are registered after mlir-opt parsed its flags, so they are
// named through --pass-pipeline rather than as --fm-... options.
//
// An instrumented plugin cannot load into an uninstrumented mlir-opt.
// UNSUPPORTED: asan
//
// RUN: mlir-opt %s --load-dialect-plugin=%fm_plugin | FileCheck %s --check-prefix=ROUNDTRIP
// RUN: mlir-opt %s --load-dialect-plugin=%fm_plugin --load-pass-plugin=%fm_plugin \
// RUN:   --pass-pipeline='builtin.module(fm-convert-to-linalg)' | FileCheck %s --check-prefix=LOWER
// RUN: mlir-opt %s --load-dialect-plugin=%fm_plugin --load-pass-plugin=%fm_plugin \
// RUN:   --pass-pipeline='builtin.module(fm-cpu-pipeline)' | FileCheck %s --check-prefix=LLVM
// RUN: mlir-opt %S/Inputs/plugin-invalid.mlir --load-dialect-plugin=%fm_plugin \
// RUN:   --split-input-file --verify-diagnostics

// ROUNDTRIP-LABEL: func.func @target
// ROUNDTRIP: fm.path_sample #fm.vp<beta_max = 10.0> %{{.+}}, %{{.+}}, %{{.+}} : tensor<8x2xf32>, tensor<8xf32>

// LOWER-LABEL: func.func @target
// LOWER-NOT: fm.path_sample
// LOWER: linalg.generic
// LOWER: math.exp

// LLVM-LABEL: llvm.func @target
// LLVM-NOT: linalg.
// LLVM-NOT: fm.
func.func @target(%x0: tensor<8x2xf32>, %x1: tensor<8x2xf32>, %t: tensor<8xf32>)
    -> (tensor<8x2xf32>, tensor<8x2xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.vp<beta_max = 10.0> %x0, %x1, %t
      : tensor<8x2xf32>, tensor<8xf32>
  return %x_t, %dx_t : tensor<8x2xf32>, tensor<8x2xf32>
}
