//===- ElementType.h - Element types of tensors ----------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The element types of the tensors the runtime passes to compiled code,
// reads from files and feeds as batches. Plain C++17: the core, host and
// program layers all use it.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_ELEMENTTYPE_H
#define FM_RUNTIME_ELEMENTTYPE_H

#include <cstddef>
#include <string_view>

namespace fmrt {

/// The element type of a tensor.
enum class ElementType { F32, F64, I32, I64 };

/// The size in bytes of one element of `type`.
size_t elementSize(ElementType type);

/// MLIR's spelling: "f32", "f64", "i32" or "i64".
std::string_view elementTypeName(ElementType type);

/// NumPy's spelling: "float32", "float64", "int32" or "int64".
std::string_view numpyTypeName(ElementType type);

/// Whether `type` is f32 or f64.
inline bool isFloat(ElementType type) {
  return type == ElementType::F32 || type == ElementType::F64;
}

} // namespace fmrt

#endif // FM_RUNTIME_ELEMENTTYPE_H
