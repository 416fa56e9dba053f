//===- GraphImporter.h - One ONNX graph into one func.func ------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The state of one import: the function being built, the MLIR value of each
// ONNX value name, the model's constants, and the tensor helpers the
// operators' lowerings (Lowering.h) share.
//
//===----------------------------------------------------------------------===//

#ifndef FM_LIB_IMPORT_ONNX_GRAPHIMPORTER_H
#define FM_LIB_IMPORT_ONNX_GRAPHIMPORTER_H

#include "ModelImpl.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/Builders.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::fm::onnx {

class GraphImporter {
public:
  GraphImporter(const Model::Impl &model, ModuleOp module,
                const ImportOptions &options);

  FailureOr<func::FuncOp> run();

  //===--------------------------------------------------------------------===//
  // The node being imported
  //===--------------------------------------------------------------------===//

  /// An error at the current node, its message prefixed by the node's
  /// operator and name.
  InFlightDiagnostic error();
  /// The node's input `i`: null (with a diagnostic) when it is missing;
  /// null without one when it is optional and absent.
  Value input(unsigned i);
  Value optionalInput(unsigned i);
  unsigned numInputs() const;
  /// Whether the node has an output `i` that is used (named).
  bool hasOutput(unsigned i) const {
    return i < static_cast<unsigned>(node->output_size()) &&
           !node->output(i).empty();
  }
  /// Records the value of the node's output 0 as known to the model (a
  /// Constant's), for the inputs that must be constants.
  void setConstantOutput(TensorData data) {
    if (hasOutput(0))
      constants[node->output(0)] = std::move(data);
  }
  /// Binds the node's output `i`.
  void setOutput(unsigned i, Value value);
  /// The node's attributes, with defaults.
  int64_t intAttr(llvm::StringRef name, int64_t fallback) const;
  float floatAttr(llvm::StringRef name, float fallback) const;
  std::optional<SmallVector<int64_t>> intsAttr(llvm::StringRef name) const;
  std::optional<std::string> stringAttr(llvm::StringRef name) const;
  const ::onnx::AttributeProto *attr(llvm::StringRef name) const;
  /// The contents of input `i` when the model fixes them (an initializer
  /// or a Constant node's output): shapes, axes, slice bounds.
  std::optional<TensorData> constantInput(unsigned i);
  /// Input `i` as a list of integers (a constant 1-D int tensor), or an
  /// error.
  FailureOr<SmallVector<int64_t>> intsInput(unsigned i, llvm::StringRef what);
  /// The type ONNX's shape inference found for output `i`, or null.
  RankedTensorType inferredOutputType(unsigned i) const;

  //===--------------------------------------------------------------------===//
  // Tensor helpers (Tensors.cpp)
  //===--------------------------------------------------------------------===//

  static RankedTensorType typeOf(Value v) {
    return llvm::cast<RankedTensorType>(v.getType());
  }
  SmallVector<OpFoldResult> sizesOf(Value v);
  Value empty(ArrayRef<OpFoldResult> sizes, Type element);
  /// A scalar constant of `element` (float or integer).
  Value scalar(Type element, double value);
  Value filled(ArrayRef<OpFoldResult> sizes, Type element, double value);
  /// `axis` of a rank-`rank` tensor, negative counting from the end;
  /// failure (with a diagnostic) when out of range.
  FailureOr<int64_t> normalizeAxis(int64_t axis, int64_t rank);
  /// normalizeAxis for each of `axes`, which are then sorted.
  LogicalResult normalizeAxes(SmallVectorImpl<int64_t> &axes, int64_t rank);

  using BodyBuilder =
      llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;
  /// One linalg.generic: `inputs` read through `maps` over loops of
  /// `sizes` (reductions where `iterators` say so), writing one result of
  /// the output map `outMap`. The init is `init`, or a fresh tensor.empty
  /// shaped by the output map's loops when null. `body` gets the inputs'
  /// elements then the output's and returns what to yield.
  Value generic(ArrayRef<Value> inputs, ArrayRef<AffineMap> maps,
                AffineMap outMap, ArrayRef<utils::IteratorType> iterators,
                ArrayRef<OpFoldResult> sizes, Type element, Value init,
                BodyBuilder body);
  /// An elementwise op of `inputs` with NumPy broadcasting: a dimension of
  /// size 1 stretched against a larger one is collapsed away and not read
  /// through its map, so every map stays a projected permutation.
  FailureOr<Value> elementwise(ArrayRef<Value> inputs, Type element,
                               BodyBuilder body);
  /// The same op on one input; of `element` where given, else of x's.
  Value unary(Value x, BodyBuilder body, Type element = {});
  /// Sums (`max` false) or maxima of `x` over `axes` (sorted, distinct),
  /// which are dropped from the result.
  Value reduce(Value x, ArrayRef<int64_t> axes, bool max);
  /// `x` with unit dimensions inserted at `positions` of the result
  /// (sorted), or removed at `positions` of `x` (each static 1).
  Value insertUnitDims(Value x, ArrayRef<int64_t> positions);
  FailureOr<Value> removeUnitDims(Value x, ArrayRef<int64_t> positions);
  /// `x` reshaped to `shape`, of the same element count, in which at most
  /// one dimension is dynamic: collapsed to one dimension, then expanded.
  FailureOr<Value> reshape(Value x, ArrayRef<int64_t> shape);
  /// `x` converted to `element` (ONNX's Cast).
  Value convert(Value x, Type element);

  OpBuilder b;
  Location loc;
  MLIRContext *context;
  const ImportOptions options;

private:
  LogicalResult importNode(const ::onnx::NodeProto &node);
  LogicalResult createSignature();
  RankedTensorType typeFromProto(const ::onnx::TypeProto &type);

  const Model::Impl &model;
  ModuleOp module;
  const ::onnx::NodeProto *node = nullptr;
  /// The position of `node` in the graph, for messages about unnamed nodes.
  unsigned nodeIndex = 0;
  llvm::StringMap<Value> values;
  llvm::StringMap<const ::onnx::TensorProto *> initializers;
  llvm::StringMap<const ::onnx::TypeProto *> inferred;
  /// Constant nodes' values, by output name.
  llvm::StringMap<TensorData> constants;
  func::FuncOp func;
};

/// Lowers the current node of `importer`, whose op_type is `opType`;
/// failure with a diagnostic, also for an operator that is not supported.
LogicalResult lowerNode(GraphImporter &importer, llvm::StringRef opType);

} // namespace mlir::fm::onnx

#endif // FM_LIB_IMPORT_ONNX_GRAPHIMPORTER_H
