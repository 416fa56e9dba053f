// RUN: fm-opt %s --fm-cpu-checked-allocations --split-input-file | FileCheck %s

/// The allocation function lowered code calls gets a body: malloc, and on
/// failure (null for a nonzero size) the handler the runtime stores in the
/// global fm_out_of_memory_hook, or abort where it is null. Both functions
/// become internal to the module.

// CHECK-LABEL: llvm.func internal @_mlir_memref_to_llvm_alloc(
// CHECK-SAME: %[[SIZE:[^:]+]]: i64) -> !llvm.ptr
// CHECK:   %[[P:.+]] = llvm.call @malloc(%[[SIZE]]) : (i64) -> !llvm.ptr
// CHECK:   %[[NULL:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK:   %[[ZERO:.+]] = llvm.mlir.constant(0 : i64) : i64
// CHECK:   %[[ISNULL:.+]] = llvm.icmp "eq" %[[P]], %[[NULL]] : !llvm.ptr
// CHECK:   %[[NONZERO:.+]] = llvm.icmp "ne" %[[SIZE]], %[[ZERO]] : i64
// CHECK:   %[[FAILS:.+]] = llvm.and %[[ISNULL]], %[[NONZERO]] : i1
// CHECK:   llvm.cond_br %[[FAILS]], ^[[FAILED:.+]], ^[[DONE:.+]]
// CHECK: ^[[DONE]]:
// CHECK:   llvm.return %[[P]] : !llvm.ptr
// CHECK: ^[[FAILED]]:
// CHECK:   %[[GLOBAL:.+]] = llvm.mlir.addressof @fm_out_of_memory_hook : !llvm.ptr
// CHECK:   %[[HANDLER:.+]] = llvm.load %[[GLOBAL]] : !llvm.ptr -> !llvm.ptr
// CHECK:   %[[NULL2:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK:   %[[PRESENT:.+]] = llvm.icmp "ne" %[[HANDLER]], %[[NULL2]] : !llvm.ptr
// CHECK:   llvm.cond_br %[[PRESENT]], ^[[REPORT:.+]], ^[[STOP:.+]]
// CHECK: ^[[REPORT]]:
// CHECK:   llvm.call %[[HANDLER]](%[[SIZE]]) : !llvm.ptr, (i64) -> ()
// CHECK:   llvm.br ^[[STOP]]
// CHECK: ^[[STOP]]:
// CHECK:   llvm.call @abort() : () -> ()
// CHECK:   llvm.unreachable
llvm.func @_mlir_memref_to_llvm_alloc(i64) -> !llvm.ptr

// CHECK-LABEL: llvm.func internal @_mlir_memref_to_llvm_free(
// CHECK:   llvm.call @free(%{{.+}}) : (!llvm.ptr) -> ()
llvm.func @_mlir_memref_to_llvm_free(!llvm.ptr)

// CHECK-DAG: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-DAG: llvm.mlir.global external @fm_out_of_memory_hook() {{.*}}: !llvm.ptr
// CHECK-DAG: llvm.func @abort()
// CHECK-DAG: llvm.func @free(!llvm.ptr)

llvm.func @user(%n: i64) {
  %p = llvm.call @_mlir_memref_to_llvm_alloc(%n) : (i64) -> !llvm.ptr
  llvm.call @_mlir_memref_to_llvm_free(%p) : (!llvm.ptr) -> ()
  llvm.return
}

// -----

/// Code that calls malloc itself (gpu-to-llvm lowers host allocations so)
/// calls the checked function instead, which is declared and defined.

// CHECK-LABEL: llvm.func @direct(
// CHECK:   llvm.call @_mlir_memref_to_llvm_alloc(%{{.+}}) : (i64) -> !llvm.ptr
// CHECK-NOT: llvm.call @malloc
// CHECK: llvm.func internal @_mlir_memref_to_llvm_alloc(
// CHECK:   llvm.call @malloc(
llvm.func @malloc(i64) -> !llvm.ptr
llvm.func @direct(%n: i64) -> !llvm.ptr {
  %p = llvm.call @malloc(%n) : (i64) -> !llvm.ptr
  llvm.return %p : !llvm.ptr
}
