//===- Model.cpp - Reading, checking and normalizing ONNX models ----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Everything here that calls into libonnx is compiled with exceptions:
// ONNX's checker, parser, version converter and shape inference report
// errors by throwing, and each call is wrapped so that an exception becomes
// an llvm::Error and never crosses into the rest of FM-MLIR (built without
// exceptions).
//
//===----------------------------------------------------------------------===//

#include "ModelImpl.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

#include "onnx/checker.h"
#include "onnx/defs/parser.h"
#include "onnx/shape_inference/implementation.h"
#include "onnx/version_converter/convert.h"

#include <climits>
#include <cstring>
#include <exception>
#include <new>

#include <cerrno>
#include <csignal>
#include <sys/wait.h>
#include <unistd.h>

using namespace mlir;
using namespace mlir::fm::onnx;
using llvm::createStringError;

//===----------------------------------------------------------------------===//
// TensorData
//===----------------------------------------------------------------------===//

int64_t TensorData::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

static size_t elementBytes(TensorData::Element element) {
  switch (element) {
  case TensorData::Element::F32:
  case TensorData::Element::I32:
    return 4;
  case TensorData::Element::F64:
  case TensorData::Element::I64:
    return 8;
  case TensorData::Element::I1:
    return 1;
  }
  llvm_unreachable("unknown element");
}

Type TensorData::elementType(MLIRContext *context) const {
  switch (element) {
  case Element::F32:
    return Float32Type::get(context);
  case Element::F64:
    return Float64Type::get(context);
  case Element::I32:
    return IntegerType::get(context, 32);
  case Element::I64:
    return IntegerType::get(context, 64);
  case Element::I1:
    return IntegerType::get(context, 1);
  }
  llvm_unreachable("unknown element");
}

DenseElementsAttr TensorData::toAttribute(MLIRContext *context) const {
  auto type = RankedTensorType::get(shape, elementType(context));
  if (element == Element::I1) {
    SmallVector<bool> values;
    for (char c : bytes)
      values.push_back(c != 0);
    return DenseElementsAttr::get(type, values);
  }
  return DenseElementsAttr::getFromRawBuffer(
      type, ArrayRef<char>(bytes.data(), bytes.size()));
}

Type mlir::fm::onnx::elementTypeOf(int32_t onnxType, MLIRContext *context) {
  switch (onnxType) {
  case ::onnx::TensorProto::FLOAT:
    return Float32Type::get(context);
  case ::onnx::TensorProto::DOUBLE:
    return Float64Type::get(context);
  case ::onnx::TensorProto::INT32:
    return IntegerType::get(context, 32);
  case ::onnx::TensorProto::INT64:
    return IntegerType::get(context, 64);
  case ::onnx::TensorProto::BOOL:
    return IntegerType::get(context, 1);
  default:
    return {};
  }
}

/// Appends `values` to `bytes` as `T`s, little-endian.
template <typename T, typename Range>
static void appendAs(std::vector<char> &bytes, const Range &values) {
  for (auto v : values) {
    T t = static_cast<T>(v);
    const char *p = reinterpret_cast<const char *>(&t);
    bytes.insert(bytes.end(), p, p + sizeof(T));
  }
}

llvm::Expected<TensorData>
mlir::fm::onnx::readTensor(const ::onnx::TensorProto &proto) {
  TensorData data;
  data.name = proto.name();
  auto fail = [&](const llvm::Twine &why) {
    return createStringError("tensor '" + proto.name() + "': " + why);
  };
  switch (proto.data_type()) {
  case ::onnx::TensorProto::FLOAT:
    data.element = TensorData::Element::F32;
    break;
  case ::onnx::TensorProto::DOUBLE:
    data.element = TensorData::Element::F64;
    break;
  case ::onnx::TensorProto::INT32:
    data.element = TensorData::Element::I32;
    break;
  case ::onnx::TensorProto::INT64:
    data.element = TensorData::Element::I64;
    break;
  case ::onnx::TensorProto::BOOL:
    data.element = TensorData::Element::I1;
    break;
  default:
    return fail(
        "element type " +
        ::onnx::TensorProto::DataType_Name(
            static_cast<::onnx::TensorProto::DataType>(proto.data_type())) +
        " is not supported (float, double, int32, int64 and bool "
        "are)");
  }
  if (proto.data_location() == ::onnx::TensorProto::EXTERNAL)
    return fail("its data is stored outside the model (external data is not "
                "supported)");
  if (proto.has_segment())
    return fail("segmented tensors are not supported");

  // The element count, guarded against overflow and absurd sizes.
  int64_t count = 1;
  for (int64_t d : proto.dims()) {
    if (d < 0 || __builtin_mul_overflow(count, d, &count) ||
        count > (int64_t(1) << 40))
      return fail("its shape has a negative or overflowing dimension");
    data.shape.push_back(d);
  }
  size_t width = elementBytes(data.element);

  if (proto.has_raw_data()) {
    const std::string &raw = proto.raw_data();
    if (raw.size() != static_cast<uint64_t>(count) * width)
      return fail(llvm::formatv("raw data has {0} bytes but {1} elements "
                                "need {2}",
                                raw.size(), count, count * width));
    data.bytes.assign(raw.begin(), raw.end());
    return data;
  }

  int64_t stored = 0;
  switch (data.element) {
  case TensorData::Element::F32:
    stored = proto.float_data_size();
    appendAs<float>(data.bytes, proto.float_data());
    break;
  case TensorData::Element::F64:
    stored = proto.double_data_size();
    appendAs<double>(data.bytes, proto.double_data());
    break;
  case TensorData::Element::I32:
    stored = proto.int32_data_size();
    appendAs<int32_t>(data.bytes, proto.int32_data());
    break;
  case TensorData::Element::I1:
    stored = proto.int32_data_size();
    appendAs<int8_t>(data.bytes, proto.int32_data());
    break;
  case TensorData::Element::I64:
    stored = proto.int64_data_size();
    appendAs<int64_t>(data.bytes, proto.int64_data());
    break;
  }
  if (stored != count)
    return fail(llvm::formatv("it holds {0} elements but its shape needs {1}",
                              stored, count));
  return data;
}

llvm::Expected<TensorData>
mlir::fm::onnx::parseTensor(llvm::StringRef bytes, llvm::StringRef bufferName) {
  ::onnx::TensorProto proto;
  if (bytes.size() > INT_MAX ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return createStringError(bufferName +
                             ": not a serialized ONNX TensorProto");
  llvm::Expected<TensorData> data = readTensor(proto);
  if (!data)
    return createStringError(bufferName + ": " +
                             llvm::toString(data.takeError()));
  return data;
}

//===----------------------------------------------------------------------===//
// Model
//===----------------------------------------------------------------------===//

Model::Model(std::unique_ptr<Impl> state) : state(std::move(state)) {}
Model::~Model() = default;
Model::Model(Model &&) noexcept = default;
Model &Model::operator=(Model &&) noexcept = default;

int64_t Model::originalOpset() const { return state->originalOpset; }

std::vector<std::string> Model::inputNames() const {
  const ::onnx::GraphProto &graph = state->proto.graph();
  std::vector<std::string> names;
  for (const ::onnx::ValueInfoProto &input : graph.input())
    if (llvm::none_of(graph.initializer(),
                      [&](const ::onnx::TensorProto &init) {
                        return init.name() == input.name();
                      }))
      names.push_back(input.name());
  return names;
}

/// Runs `body`, turning an exception thrown by libonnx into an error that
/// starts with `what`.
template <typename Fn>
static llvm::Error guarded(const llvm::Twine &what, Fn &&body) {
  try {
    body();
  } catch (const std::bad_alloc &) {
    return createStringError(what + ": out of memory");
  } catch (const std::exception &e) {
    // ONNX's messages end in newlines and carry a "[ShapeInferenceError]"
    // style prefix; keep them as they are but trimmed.
    return createStringError(what + ": " + llvm::StringRef(e.what()).trim());
  } catch (...) {
    return createStringError(what + ": unknown error");
  }
  return llvm::Error::success();
}

/// The opset of the default ONNX domain the model imports.
static std::optional<int64_t> defaultOpset(const ::onnx::ModelProto &proto) {
  for (const ::onnx::OperatorSetIdProto &opset : proto.opset_import())
    if (opset.domain().empty() || opset.domain() == "ai.onnx")
      return opset.version();
  return std::nullopt;
}

/// Runs `work` on `proto` in a child process and takes back the proto it
/// leaves, or the error it returns. libonnx's parser, checker, version
/// converter and shape inference trust more of a model than its checker
/// verifies (a graph output no node computes, a Gemm of a 1-D B, a zero
/// stride: found by fuzzing the importer), and crash on what they trust:
/// run in a child, such a crash is an error about the model, not the end
/// of the process that imports it.
static llvm::Error isolated(::onnx::ModelProto &proto, llvm::StringRef what,
                            llvm::function_ref<llvm::Error()> work) {
  int fds[2];
  if (::pipe(fds) != 0)
    return createStringError(what +
                             ": cannot create a pipe: " + std::strerror(errno));
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return createStringError(what + ": cannot fork: " + std::strerror(errno));
  }
  if (pid == 0) {
    // The child: one status byte ('o' then the proto, or 'e' then the
    // message), then exit without running the parent's exit handlers. A
    // crash ends it quietly (the parent's handlers, such as LLVM's stack
    // dump, would report it as a bug of the tool).
    ::close(fds[0]);
    for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT})
      ::signal(sig, SIG_DFL);
    std::string out = "o";
    if (llvm::Error err = work())
      out = "e" + llvm::toString(std::move(err));
    else if (!proto.AppendToString(&out))
      out = "e" + what.str() + ": the model does not serialize";
    const char *p = out.data();
    size_t left = out.size();
    while (left > 0) {
      ssize_t n = ::write(fds[1], p, left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        ::_exit(1);
      p += n;
      left -= static_cast<size_t>(n);
    }
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string in;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    in.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  bool exited = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (!exited || in.empty()) {
    std::string how =
        WIFSIGNALED(status)
            ? std::string("signal ") + std::to_string(WTERMSIG(status))
            : "exit status " + std::to_string(WEXITSTATUS(status));
    return createStringError(what + ": libonnx crashed on the model (" + how +
                             "); it is malformed in a way ONNX's checker "
                             "does not catch");
  }
  if (in[0] == 'e')
    return createStringError(llvm::StringRef(in).drop_front());
  if (in.size() - 1 > INT_MAX ||
      !proto.ParseFromArray(in.data() + 1, static_cast<int>(in.size() - 1)))
    return createStringError(what + ": the normalized model does not parse");
  return llvm::Error::success();
}

llvm::Expected<Model> Model::parse(llvm::StringRef bytes,
                                   llvm::StringRef bufferName, bool textual) {
  auto state = std::make_unique<Impl>();
  ::onnx::ModelProto &proto = state->proto;
  if (textual) {
    std::string text = bytes.str();
    if (llvm::Error err = isolated(proto, bufferName, [&]() -> llvm::Error {
          ::onnx::Common::Status status;
          if (llvm::Error err = guarded(bufferName, [&] {
                status = ::onnx::OnnxParser::Parse(proto, text.c_str());
              }))
            return err;
          if (!status.IsOK())
            return createStringError(
                bufferName + ": not a model in ONNX's textual syntax: " +
                llvm::StringRef(status.ErrorMessage()).trim());
          return llvm::Error::success();
        }))
      return std::move(err);
  } else if (bytes.size() > INT_MAX ||
             !proto.ParseFromArray(bytes.data(),
                                   static_cast<int>(bytes.size()))) {
    return createStringError(bufferName +
                             ": not an ONNX model (the protobuf does not "
                             "parse as a ModelProto)");
  }
  if (!proto.has_graph())
    return createStringError(bufferName + ": the model has no graph");

  std::optional<int64_t> opset = defaultOpset(proto);
  if (!opset)
    return createStringError(bufferName +
                             ": the model imports no opset of the default "
                             "ONNX domain");
  state->originalOpset = *opset;
  if (*opset < 6 || *opset > kMaxOpset)
    return createStringError(llvm::formatv(
        "{0}: opset {1} is not supported: models of opsets 6 to {2} are "
        "imported (older ones are converted to opset {3})",
        bufferName, *opset, kMaxOpset, kImportOpset));

  // What libonnx's converter and inference take for granted and its
  // checker does not check: every graph output is defined, and strides and
  // dilations are positive (they would crash the child). A model with an
  // operator the importer does not lower stops here, before them.
  {
    llvm::StringSet<> defined;
    for (const ::onnx::ValueInfoProto &input : proto.graph().input())
      defined.insert(input.name());
    for (const ::onnx::TensorProto &init : proto.graph().initializer())
      defined.insert(init.name());
    for (auto [i, n] : llvm::enumerate(proto.graph().node())) {
      std::string op = n.domain().empty() || n.domain() == "ai.onnx"
                           ? n.op_type()
                           : n.domain() + "." + n.op_type();
      std::string where = llvm::formatv(
          "{0}: {1} node #{2}{3}", bufferName, n.op_type(), i,
          n.name().empty() ? std::string() : " '" + n.name() + "'");
      if (!isSupportedOperator(op))
        return createStringError(where + ": operator '" + op +
                                 "' is not supported");
      // libonnx's shape inference divides by strides and dilations.
      for (const ::onnx::AttributeProto &a : n.attribute())
        if ((a.name() == "strides" || a.name() == "dilations" ||
             a.name() == "kernel_shape") &&
            llvm::any_of(a.ints(), [](int64_t v) { return v < 1; }))
          return createStringError(where + ": " + a.name() +
                                   " must be positive");
      for (const std::string &output : n.output())
        defined.insert(output);
    }
    for (const ::onnx::ValueInfoProto &output : proto.graph().output())
      if (!defined.contains(output.name()))
        return createStringError(bufferName + ": graph output '" +
                                 output.name() + "' is computed by no node");
  }

  // Checking, conversion and inference, in a child process (see
  // isolated).
  int64_t version = *opset;
  if (llvm::Error err = isolated(proto, bufferName, [&]() -> llvm::Error {
        if (llvm::Error err =
                guarded(bufferName + ": the model is not valid ONNX",
                        [&] { ::onnx::checker::check_model(proto); }))
          return err;
        if (version < kImportOpset) {
          // The converter's adapters read shapes (Gemm's broadcast,
          // Softmax's axis): give it what inference finds first. Where
          // inference fails here, the adapters that need no shapes may
          // still succeed, and the inference after conversion reports
          // what is wrong.
          if (llvm::Error err = guarded(
                  "", [&] { ::onnx::shape_inference::InferShapes(proto); }))
            llvm::consumeError(std::move(err));
          if (llvm::Error err = guarded(
                  llvm::formatv("{0}: ONNX's version converter cannot bring "
                                "opset {1} to {2}",
                                bufferName, version, kImportOpset),
                  [&] {
                    proto = ::onnx::version_conversion::ConvertVersion(
                        proto, static_cast<int>(kImportOpset));
                  }))
            return err;
        }
        // Strict inference with data propagation: the shapes a Reshape
        // computes from Shape ops are resolved here, where ONNX can.
        return guarded(bufferName + ": ONNX shape inference failed", [&] {
          ::onnx::ShapeInferenceOptions options(
              /*check_type=*/true, /*error_mode=*/1, /*data_prop=*/true);
          ::onnx::shape_inference::InferShapes(
              proto, ::onnx::OpSchemaRegistry::Instance(), options);
        });
      }))
    return std::move(err);
  return Model(std::move(state));
}

llvm::Expected<Model> Model::load(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFileOrSTDIN(path, /*IsText=*/false,
                                         /*RequiresNullTerminator=*/false);
  if (!buffer)
    return createStringError(buffer.getError(),
                             "cannot read '" + path +
                                 "': " + buffer.getError().message());
  return parse((*buffer)->getBuffer(), path, path.ends_with(".onnxtxt"));
}

llvm::Expected<Model::Summary> Model::summarize(llvm::StringRef path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                  /*RequiresNullTerminator=*/false);
  if (!buffer)
    return createStringError("cannot read '" + path +
                             "': " + buffer.getError().message());
  ::onnx::ModelProto proto;
  llvm::StringRef bytes = (*buffer)->getBuffer();
  if (bytes.size() > INT_MAX ||
      !proto.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
    return createStringError(path + ": not an ONNX model");
  Summary summary;
  for (const ::onnx::NodeProto &n : proto.graph().node()) {
    std::string name = n.domain().empty() || n.domain() == "ai.onnx"
                           ? n.op_type()
                           : n.domain() + "." + n.op_type();
    if (!llvm::is_contained(summary.operators, name))
      summary.operators.push_back(name);
  }
  for (const auto *values : {&proto.graph().input(), &proto.graph().output()})
    for (const ::onnx::ValueInfoProto &value : *values) {
      const ::onnx::TypeProto &type = value.type();
      if (!type.has_tensor_type()) {
        summary.interfaceProblem = "'" + value.name() +
                                   "' is not a tensor (a sequence, map or "
                                   "optional)";
        return summary;
      }
      int32_t element = type.tensor_type().elem_type();
      if (element != ::onnx::TensorProto::FLOAT &&
          element != ::onnx::TensorProto::DOUBLE &&
          element != ::onnx::TensorProto::INT32 &&
          element != ::onnx::TensorProto::INT64 &&
          element != ::onnx::TensorProto::BOOL) {
        summary.interfaceProblem =
            "'" + value.name() + "' has element type " +
            ::onnx::TensorProto::DataType_Name(
                static_cast<::onnx::TensorProto::DataType>(element));
        return summary;
      }
    }
  return summary;
}
