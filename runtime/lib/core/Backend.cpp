//===- Backend.cpp - The targets compiled code runs on --------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Backend.h"

using namespace fmrt;

std::string_view fmrt::backendName(Backend backend) {
  switch (backend) {
  case Backend::Linalg:
    return "linalg";
  case Backend::Dnnl:
    return "dnnl";
  case Backend::Cuda:
    return "cuda";
  }
  return "?";
}

std::optional<Backend> fmrt::parseBackend(std::string_view name) {
  for (Backend backend : {Backend::Linalg, Backend::Dnnl, Backend::Cuda})
    if (backendName(backend) == name)
      return backend;
  return std::nullopt;
}

std::string_view fmrt::backendNames() { return "cuda|dnnl|linalg"; }
