//===- Allocation.cpp - Memory that compiled code allocates ---------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Allocation.h"

#include <cstdio>
#include <cstdlib>

using namespace fmrt;

namespace {
thread_local std::jmp_buf *failureTarget = nullptr;
thread_local uint64_t failedBytes = 0;
thread_local const char *failedCheck = "";

[[noreturn]] void outOfMemory(uint64_t size) {
  failedBytes = size;
  if (failureTarget)
    std::longjmp(*failureTarget, 1);
  std::fprintf(stderr,
               "error: compiled code could not allocate %llu bytes: out of "
               "memory\n",
               static_cast<unsigned long long>(size));
  std::abort();
}

[[noreturn]] void checkFailed(const char *message) {
  failedCheck = message ? message : "";
  if (failureTarget)
    std::longjmp(*failureTarget, 2);
  std::fprintf(stderr, "error: a run-time check of compiled code failed: %s\n",
               failedCheck);
  std::abort();
}
} // namespace

std::jmp_buf *detail::setAllocationFailureTarget(std::jmp_buf *target) {
  std::jmp_buf *previous = failureTarget;
  failureTarget = target;
  return previous;
}

uint64_t detail::lastFailedAllocation() { return failedBytes; }

const char *detail::lastFailedCheck() { return failedCheck; }

void fmrt::installOutOfMemoryHook(void *global) {
  if (global)
    *static_cast<void (**)(uint64_t)>(global) = &fm_runtime_out_of_memory;
}

void fmrt::installCheckFailedHook(void *global) {
  if (global)
    *static_cast<void (**)(const char *)>(global) = &fm_runtime_check_failed;
}

extern "C" void fm_runtime_out_of_memory(uint64_t size) { outOfMemory(size); }

extern "C" void fm_runtime_check_failed(const char *message) {
  checkFailed(message);
}
