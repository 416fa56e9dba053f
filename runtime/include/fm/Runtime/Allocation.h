//===- Allocation.h - Memory that compiled code allocates -------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Compiled code allocates its buffers with malloc through functions the
// pipeline defines in it (fm-cpu-checked-allocations): where malloc fails,
// they call the handler in the module's global `fm_out_of_memory_hook`,
// which the runtime sets to fm_runtime_out_of_memory when it loads the
// module (installOutOfMemoryHook). That returns control to the
// Program::call that ran the code, which reports the failure as an error
// (compiled code has no destructors to skip); outside such a call the
// process ends with a message. Where nobody set the global (mlir-runner),
// compiled code aborts.
//
// A failed run-time check (fm-runtime-checks: a shape or an index that the
// compiler could not prove right) takes the same way back, through the
// global `fm_check_failed_hook` and fm_runtime_check_failed, with the
// check's message.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_ALLOCATION_H
#define FM_RUNTIME_ALLOCATION_H

#include <csetjmp>
#include <cstdint>

extern "C" {
/// Called by compiled code when an allocation of `size` bytes failed; does
/// not return.
[[noreturn]] void fm_runtime_out_of_memory(uint64_t size);

/// Called by compiled code when a run-time check failed, with its message
/// (a NUL-terminated constant of the module); does not return.
[[noreturn]] void fm_runtime_check_failed(const char *message);
}

namespace fmrt {

/// The global of a compiled module that holds its out-of-memory handler.
inline constexpr const char *kOutOfMemoryHook = "fm_out_of_memory_hook";

/// Stores fm_runtime_out_of_memory into a module's kOutOfMemoryHook global
/// at `global` (its address in the loaded module; null does nothing).
void installOutOfMemoryHook(void *global);

/// The global of a compiled module that holds its failed-check handler.
inline constexpr const char *kCheckFailedHook = "fm_check_failed_hook";

/// Stores fm_runtime_check_failed into a module's kCheckFailedHook global
/// at `global` (null does nothing).
void installCheckFailedHook(void *global);

} // namespace fmrt

namespace fmrt::detail {

/// Where a failed allocation or check on this thread jumps to, or null;
/// returns the previous target. The jump returns 1 for an allocation and
/// 2 for a check.
std::jmp_buf *setAllocationFailureTarget(std::jmp_buf *target);

/// The size of this thread's last failed allocation.
uint64_t lastFailedAllocation();

/// The message of this thread's last failed check.
const char *lastFailedCheck();

} // namespace fmrt::detail

#endif // FM_RUNTIME_ALLOCATION_H
