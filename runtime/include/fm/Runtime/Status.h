//===- Status.h - Errors without LLVM ---------------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// How the runtime's core and host layers report failure: fmrt::Status is
// success or an error message for people, fmrt::StatusOr<T> a value or such
// an error. Both are [[nodiscard]]: a result that may be an error has to be
// looked at. The layers on LLVM turn them into llvm::Error and
// llvm::Expected at their boundary (fm/Runtime/StatusBridge.h).
//
// This header belongs to the runtime core: plain C++17, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_STATUS_H
#define FM_RUNTIME_STATUS_H

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace fmrt {

/// Success, or an error with a message.
class [[nodiscard]] Status {
public:
  /// Success.
  Status() = default;

  /// Success, spelled out at a return.
  static Status success() { return Status(); }

  /// An error saying `message` (which may be empty: it is still an error).
  static Status error(std::string message) {
    Status status;
    status.errorMessage = std::move(message);
    return status;
  }

  /// Whether this is success.
  bool ok() const { return !errorMessage.has_value(); }

  /// The error's message; empty for success.
  const std::string &message() const {
    static const std::string none;
    return errorMessage ? *errorMessage : none;
  }

private:
  std::optional<std::string> errorMessage;
};

/// A value of type T, or the error that prevented it.
template <typename T> class [[nodiscard]] StatusOr {
public:
  /// A value. (Two constructors rather than one by value, so that C++17
  /// moves a local variable that is returned.)
  StatusOr(const T &value) : storedValue(value) {}
  StatusOr(T &&value) : storedValue(std::move(value)) {}

  /// The error `status`, which must not be success.
  StatusOr(Status status) : storedStatus(std::move(status)) {
    assert(!storedStatus.ok() && "a StatusOr without a value needs an error");
    if (storedStatus.ok())
      storedStatus = Status::error("no value and no error");
  }

  /// Whether this holds a value.
  bool ok() const { return storedValue.has_value(); }

  /// The error; success where there is a value.
  const Status &status() const { return storedStatus; }

  /// The value, which must be there.
  T &value() & {
    assert(ok() && "no value in a StatusOr holding an error");
    return *storedValue;
  }
  const T &value() const & {
    assert(ok() && "no value in a StatusOr holding an error");
    return *storedValue;
  }
  T &&value() && {
    assert(ok() && "no value in a StatusOr holding an error");
    return std::move(*storedValue);
  }

  T &operator*() & { return value(); }
  const T &operator*() const & { return value(); }
  T &&operator*() && { return std::move(*this).value(); }
  T *operator->() { return &value(); }
  const T *operator->() const { return &value(); }

private:
  std::optional<T> storedValue;
  Status storedStatus;
};

} // namespace fmrt

#endif // FM_RUNTIME_STATUS_H
