//===- Internal.h - Shared by the CUDA layer's sources ----------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_LIB_CUDA_INTERNAL_H
#define FM_RUNTIME_LIB_CUDA_INTERNAL_H

#include <string>

namespace fmrt::cuda::detail {

/// Records `message` as the error takeError() returns, unless an earlier
/// one is pending: compiled code's calls into the layer cannot fail.
void recordError(const std::string &message);

} // namespace fmrt::cuda::detail

#endif // FM_RUNTIME_LIB_CUDA_INTERNAL_H
