//===- StatusBridge.h - fmrt::Status to llvm::Error -------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The runtime's core and host layers report errors as fmrt::Status and
// fmrt::StatusOr (fm/Runtime/Status.h), without LLVM; the layers above them
// (FMProgram, FMTrain) and the tools use llvm::Error and llvm::Expected.
// This is the one place where the first become the second, message
// unchanged. It is for code that links LLVM's Support library: core and
// host never include it.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_STATUSBRIDGE_H
#define FM_RUNTIME_STATUSBRIDGE_H

#include "fm/Runtime/Status.h"

#include "llvm/Support/Error.h"

#include <utility>

namespace fmrt {

/// llvm::Error::success() for success, else an error with the same message.
inline llvm::Error toError(const Status &status) {
  if (status.ok())
    return llvm::Error::success();
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 status.message());
}

/// The value of `value`, or its error as an llvm::Error.
template <typename T> llvm::Expected<T> toExpected(StatusOr<T> value) {
  if (!value.ok())
    return toError(value.status());
  return std::move(value).value();
}

} // namespace fmrt

#endif // FM_RUNTIME_STATUSBRIDGE_H
