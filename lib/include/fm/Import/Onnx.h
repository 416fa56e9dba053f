//===- Onnx.h - Importing ONNX models as fm networks ------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The front door for networks written elsewhere. An ONNX model (binary
// protobuf, or ONNX's own textual syntax) is read and checked with Debian's
// libonnx, brought to one opset, shape-inferred, and imported as a
// func.func whose body is linalg, tensor, arith and math on tensors: the
// forms fm-autodiff, fm-expand-flow and both backends take.
//
// Two conventions:
//  - a network (ImportOptions::network): the fm convention of a flow's
//    velocity or logits network, (x, t[, r], params...) -> result, where the
//    params are the model's float initializers, in the model's order and
//    named after them (the PyTorch state_dict names), and t[, r] are
//    tensor<N x f32> however the graph spells them ([N] or [N, 1]);
//  - a plain function (the default): the graph's inputs in order, its
//    initializers inlined as constants, its outputs as results. The
//    conformance driver runs ONNX's backend tests through this form.
//
// Nothing of ONNX's or protobuf's headers leaks through this header.
//
//===----------------------------------------------------------------------===//

#ifndef FM_IMPORT_ONNX_H
#define FM_IMPORT_ONNX_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::fm::onnx {

/// The opset of the default domain that models are imported at. Older
/// models are converted up to it with ONNX's version converter; newer ones
/// (up to kMaxOpset) are read as they are, since the supported operators
/// did not change meaning between the two.
constexpr int64_t kImportOpset = 13;
constexpr int64_t kMaxOpset = 17;

/// A dense tensor read from an ONNX TensorProto: a model's initializer, a
/// Constant's value, or a backend test's input or expected output.
struct TensorData {
  std::string name;
  /// Its element type: f32, f64, i32, i64 or i1 (ONNX's bool). Other ONNX
  /// types are refused when the tensor is read.
  enum class Element { F32, F64, I32, I64, I1 } element = Element::F32;
  std::vector<int64_t> shape;
  /// The elements, little-endian, packed (one byte per bool).
  std::vector<char> bytes;

  int64_t numElements() const;
  /// The MLIR element type and a DenseElementsAttr of the contents.
  Type elementType(MLIRContext *context) const;
  DenseElementsAttr toAttribute(MLIRContext *context) const;
};

/// An ONNX model, checked and at opset kImportOpset..kMaxOpset, with the
/// shapes ONNX's inference finds recorded on its values.
class Model {
public:
  ~Model();
  Model(Model &&) noexcept;
  Model &operator=(Model &&) noexcept;

  /// Reads a model from `bytes`: binary protobuf, or ONNX's textual syntax
  /// when `textual`. `bufferName` names the input in messages.
  ///
  /// libonnx's parser, checker, converter and shape inference run in a
  /// forked child process (they crash on some malformed models), so call
  /// this where forking is safe: before starting threads, or where no
  /// other thread is inside libonnx at the time.
  static llvm::Expected<Model> parse(llvm::StringRef bytes,
                                     llvm::StringRef bufferName, bool textual);
  /// Reads the file at `path`; ONNX's textual syntax when it ends in
  /// ".onnxtxt".
  static llvm::Expected<Model> load(llvm::StringRef path);

  /// What a test driver looks at to tell a model outside the supported set
  /// from a broken one, read from the file at `path` without checking or
  /// converting it: its operators ("Op" in the default domain, "domain.Op"
  /// in another), and why its interface cannot be imported, if it cannot
  /// (a graph input or output that is not a tensor of float, double,
  /// int32, int64 or bool).
  struct Summary {
    std::vector<std::string> operators;
    std::string interfaceProblem;
  };
  static llvm::Expected<Summary> summarize(llvm::StringRef path);

  /// The graph's inputs that are not initializers.
  std::vector<std::string> inputNames() const;
  /// The opset the model was written at, before conversion.
  int64_t originalOpset() const;

  /// The protobuf behind the model, for the importer's own files.
  struct Impl;
  const Impl &impl() const { return *state; }

private:
  explicit Model(std::unique_ptr<Impl> state);
  std::unique_ptr<Impl> state;
};

struct ImportOptions {
  /// The function's symbol.
  std::string name = "main";
  /// Import in the fm network convention (see the file comment) rather than
  /// as a plain function.
  bool network = false;
  /// In the network convention: the graph inputs that are x, t and r (r
  /// only for a mean flow's network). Empty: the graph's first, second
  /// (and third) inputs.
  std::string x, t, r;
  /// The file name diagnostics' locations carry.
  std::string fileName = "<onnx>";
  /// Graph inputs fixed to constants and dropped from the signature: a
  /// plain function specialized to values that must be known when it is
  /// compiled (a Slice's bounds, a Reshape's shape, Unsqueeze's axes).
  std::vector<TensorData> bindings;
};

/// Appends the model's graph to `module` as a func.func (and the private
/// helpers it needs). Errors are emitted as diagnostics on the context, at
/// locations naming the ONNX node; on failure nothing is left in `module`.
FailureOr<func::FuncOp> importModel(const Model &model, ModuleOp module,
                                    const ImportOptions &options);

/// The initializers a network import turns into parameters (float tensors
/// of rank >= 1 read as data, not as shapes or indices), in parameter
/// order, with their values: the model's weights as a checkpoint.
llvm::Expected<std::vector<TensorData>> networkParameters(const Model &model);

/// Whether the importer lowers `opType` of the default domain (spelled
/// "Op"; one of another domain, "domain.Op", never is).
bool isSupportedOperator(llvm::StringRef opType);

/// Reads one serialized TensorProto (a backend test's input_K.pb or
/// output_K.pb).
llvm::Expected<TensorData> parseTensor(llvm::StringRef bytes,
                                       llvm::StringRef bufferName);

} // namespace mlir::fm::onnx

#endif // FM_IMPORT_ONNX_H
