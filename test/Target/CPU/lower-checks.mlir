// RUN: fm-opt %s --fm-cpu-lower-checks | FileCheck %s

/// A run-time check becomes a branch: where it fails, the module's
/// fm_check_failed calls the handler the runtime stored in
/// fm_check_failed_hook with the message (a NUL-terminated constant), or
/// aborts where the global is null.

// CHECK: llvm.mlir.global internal constant @fm_check_message_0("where: 'tensor.extract': out-of-bounds access\00")

// CHECK-LABEL: func.func @checked(
// CHECK-SAME: %[[OK:.+]]: i1, %[[V:.+]]: f32
// CHECK:   cf.cond_br %[[OK]], ^[[REST:.+]], ^[[FAILED:.+]]
// CHECK: ^[[FAILED]]:
// CHECK:   %[[TEXT:.+]] = llvm.mlir.addressof @fm_check_message_0 : !llvm.ptr
// CHECK:   %[[MSG:.+]] = llvm.getelementptr %[[TEXT]][0, 0]
// CHECK:   llvm.call @fm_check_failed(%[[MSG]]) : (!llvm.ptr) -> ()
// CHECK:   llvm.unreachable
// CHECK: ^[[REST]]:
// CHECK:   return %[[V]] : f32
func.func @checked(%ok: i1, %v: f32) -> f32 {
  cf.assert %ok, "where: 'tensor.extract': out-of-bounds access"
  return %v : f32
}

// CHECK-LABEL: llvm.func internal @fm_check_failed(
// CHECK-SAME: %[[TEXT:[^:]+]]: !llvm.ptr)
// CHECK:   %[[GLOBAL:.+]] = llvm.mlir.addressof @fm_check_failed_hook : !llvm.ptr
// CHECK:   %[[HANDLER:.+]] = llvm.load %[[GLOBAL]] : !llvm.ptr -> !llvm.ptr
// CHECK:   %[[NULL:.+]] = llvm.mlir.zero : !llvm.ptr
// CHECK:   %[[PRESENT:.+]] = llvm.icmp "ne" %[[HANDLER]], %[[NULL]] : !llvm.ptr
// CHECK:   llvm.cond_br %[[PRESENT]], ^[[REPORT:.+]], ^[[STOP:.+]]
// CHECK: ^[[REPORT]]:
// CHECK:   llvm.call %[[HANDLER]](%[[TEXT]]) : !llvm.ptr, (!llvm.ptr) -> ()
// CHECK:   llvm.br ^[[STOP]]
// CHECK: ^[[STOP]]:
// CHECK:   llvm.call @abort() : () -> ()
// CHECK:   llvm.unreachable
// CHECK: llvm.mlir.global external @fm_check_failed_hook() {{.*}}: !llvm.ptr
