// RUN: fm-opt %s --fm-cpu-pipeline --dump-pass-pipeline -o /dev/null 2>&1 \
// RUN:   | FileCheck %s --check-prefix=PASSES
// RUN: fm-opt %s --fm-cpu-pipeline | FileCheck %s
// RUN: fm-opt %fm_src_root/examples/moons.mlir --fm-cpu-pipeline \
// RUN:   | FileCheck %s --check-prefix=SELF-CONTAINED

/// Compiled code calls no MLIR runtime library: the concatenation in the
/// moons velocity copies into a column block as loops, not with memrefCopy.
// SELF-CONTAINED-NOT: memrefCopy
// SELF-CONTAINED: llvm.func @train_step
// SELF-CONTAINED-NOT: memrefCopy

/// The pipeline's passes, in order (docs/Pipelines.md lists the same).
// PASSES: builtin.module(
// PASSES-NEXT: fm-expand-flow,
// PASSES-NEXT: fm-convert-to-linalg,
// PASSES-NEXT: fm-autodiff{embedding-gradient=scatter},
// PASSES-NEXT: inline{{.*}},
// PASSES-NEXT: symbol-dce,
// PASSES-NEXT: cse,
// PASSES-NEXT: fm-bubble-up-slices,
// PASSES-NEXT: fm-fuse-elementwise,
// PASSES-NEXT: linalg-generalize-named-ops,
// PASSES-NEXT: canonicalize
// PASSES-NEXT: cse,
// PASSES-NEXT: fm-runtime-checks,
// PASSES-NEXT: fm-cpu-vectorize-contractions{tile-k=16 tile-m=8 tile-n=32},
// PASSES-NEXT: canonicalize
// PASSES-NEXT: cse,
// PASSES-NEXT: fm-cpu-loop-order,
// PASSES-NEXT: fm-cpu-approximate-math
// PASSES-NEXT: fm-cpu-fresh-inits,
// PASSES-NEXT: fm-cpu-read-only-arguments,
// PASSES-NEXT: one-shot-bufferize{allow-return-allocs-from-loops=true {{.*}} bufferize-function-boundaries=true {{.*}} function-boundary-type-conversion=identity-layout-map
// PASSES-NEXT: canonicalize
// PASSES-NEXT: cse,
// PASSES-NEXT: fm-cpu-result-destinations,
// buffer-deallocation-pipeline expands to several passes.
// PASSES: ownership-based-buffer-deallocation
// PASSES: bufferization-lower-deallocations,
// PASSES: convert-bufferization-to-memref,
// PASSES-NEXT: fm-cpu-inline-strided-copies,
// PASSES-NEXT: convert-linalg-to-loops,
// PASSES-NEXT: convert-vector-to-scf{full-unroll=true
// PASSES-NEXT: expand-strided-metadata,
// PASSES-NEXT: lower-affine,
// PASSES-NEXT: loop-invariant-code-motion,
// PASSES-NEXT: convert-scf-to-cf
// PASSES-NEXT: fm-cpu-lower-checks,
// PASSES-NEXT: convert-vector-to-llvm
// PASSES-NEXT: convert-math-to-llvm
// PASSES-NEXT: convert-arith-to-llvm
// PASSES-NEXT: convert-ub-to-llvm
// PASSES-NEXT: finalize-memref-to-llvm{{.*}}use-generic-functions=true
// PASSES-NEXT: convert-func-to-llvm
// PASSES-NEXT: convert-cf-to-llvm
// PASSES-NEXT: convert-index-to-llvm
// PASSES-NEXT: reconcile-unrealized-casts,
// PASSES-NEXT: fm-cpu-checked-allocations,
// PASSES-NEXT: canonicalize
// PASSES-NEXT: )

/// Only the LLVM dialect is left: no fm, linalg, tensor, memref, scf or func.
// CHECK-LABEL: llvm.func @cosine_target
// CHECK-NOT: {{(fm|linalg|tensor|memref|scf|func|bufferization)\.}}
// CHECK: llvm.intr.sin
// CHECK: llvm.intr.cos
// CHECK-NOT: {{(fm|linalg|tensor|memref|scf|func|bufferization)\.}}
func.func @cosine_target(%x0: tensor<?x3xf32>, %x1: tensor<?x3xf32>, %t: tensor<?xf32>)
    -> (tensor<?x3xf32>, tensor<?x3xf32>) {
  %x_t, %dx_t = fm.path_sample #fm.cosine %x0, %x1, %t : tensor<?x3xf32>, tensor<?xf32>
  return %x_t, %dx_t : tensor<?x3xf32>, tensor<?x3xf32>
}
