//===- ElementType.cpp - Element types of tensors -------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/ElementType.h"

using namespace fmrt;

size_t fmrt::elementSize(ElementType type) {
  return type == ElementType::F64 || type == ElementType::I64 ? 8 : 4;
}

std::string_view fmrt::elementTypeName(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "f32";
  case ElementType::F64:
    return "f64";
  case ElementType::I32:
    return "i32";
  case ElementType::I64:
    return "i64";
  }
  return "?";
}

std::string_view fmrt::numpyTypeName(ElementType type) {
  switch (type) {
  case ElementType::F32:
    return "float32";
  case ElementType::F64:
    return "float64";
  case ElementType::I32:
    return "int32";
  case ElementType::I64:
    return "int64";
  }
  return "?";
}
