//===- ModelImpl.h - The protobuf behind an onnx::Model ---------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Private to the importer: the only header of the project that includes
// ONNX's generated protobuf classes.
//
//===----------------------------------------------------------------------===//

#ifndef FM_LIB_IMPORT_ONNX_MODELIMPL_H
#define FM_LIB_IMPORT_ONNX_MODELIMPL_H

#include "fm/Import/Onnx.h"

#include "onnx/onnx_pb.h"

namespace mlir::fm::onnx {

struct Model::Impl {
  ::onnx::ModelProto proto;
  int64_t originalOpset = 0;
};

/// Reads `proto` into a TensorData, or explains why it cannot: an element
/// type other than float, double, int32, int64 or bool, external data, or
/// contents that do not match the shape.
llvm::Expected<TensorData> readTensor(const ::onnx::TensorProto &proto);

/// The MLIR element type of an ONNX TensorProto data type, or null for one
/// the importer does not handle.
Type elementTypeOf(int32_t onnxType, MLIRContext *context);

} // namespace mlir::fm::onnx

#endif // FM_LIB_IMPORT_ONNX_MODELIMPL_H
