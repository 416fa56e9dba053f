//===- Backend.h - The targets compiled code runs on ------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// One value names the backend from the command line (`--backend`) down to
// the pipeline that lowers for it (fm/Pipelines/Pipelines.h) and the
// manifest of the library it produces; every layer passes it on instead of
// deciding again. Plain C++17.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_BACKEND_H
#define FM_RUNTIME_BACKEND_H

#include <optional>
#include <string_view>

namespace fmrt {

/// How compiled code computes, and which runtime layer it calls.
enum class Backend {
  /// Register-blocked vector code for the host CPU (fm-cpu-pipeline).
  Linalg,
  /// Host CPU code whose matrix products call the runtime's oneDNN layer
  /// (fm-dnnl-pipeline). Available where FM-MLIR was built with oneDNN.
  Dnnl,
  /// NVIDIA GPU kernels and cuBLASLt calls, launched by host code that
  /// calls the runtime's CUDA layer (fm-cuda-pipeline).
  Cuda,
};

/// "linalg" or "dnnl": the spelling of `--backend` and of manifests.
std::string_view backendName(Backend backend);

/// The inverse of backendName.
std::optional<Backend> parseBackend(std::string_view name);

/// Every backend's name, for messages: "dnnl|linalg".
std::string_view backendNames();

} // namespace fmrt

#endif // FM_RUNTIME_BACKEND_H
