//===- Internal.h - Shared by the CUDA layer's sources ----------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_LIB_CUDA_INTERNAL_H
#define FM_RUNTIME_LIB_CUDA_INTERNAL_H

#include <dlfcn.h>

#include <string>

namespace fmrt::cuda::detail {

/// Records `message` as the error takeError() returns, unless an earlier
/// one is pending: compiled code's calls into the layer cannot fail.
void recordError(const std::string &message);

/// Sets `fn` to `symbol` of the dlopen'ed `library`; false if it has none.
template <typename F> bool resolve(void *library, const char *symbol, F &fn) {
  fn = reinterpret_cast<F>(::dlsym(library, symbol));
  return fn != nullptr;
}

} // namespace fmrt::cuda::detail

#endif // FM_RUNTIME_LIB_CUDA_INTERNAL_H
