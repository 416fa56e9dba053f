//===- Importer.cpp - An ONNX graph as a func.func ------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The graph's nodes are in topological order (the checker insists), so one
// walk binds every ONNX value name to an MLIR value. The function's
// signature depends on the convention (see fm/Import/Onnx.h); the body does
// not.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::fm::onnx;

GraphImporter::GraphImporter(const Model::Impl &model, ModuleOp module,
                             const ImportOptions &options)
    : b(module.getContext()), loc(UnknownLoc::get(module.getContext())),
      context(module.getContext()), options(options), model(model),
      module(module) {
  const ::onnx::GraphProto &graph = model.proto.graph();
  for (const ::onnx::TensorProto &init : graph.initializer())
    initializers[init.name()] = &init;
  for (const ::onnx::ValueInfoProto &info : graph.value_info())
    inferred[info.name()] = &info.type();
  for (const ::onnx::ValueInfoProto &info : graph.output())
    inferred[info.name()] = &info.type();
}

//===----------------------------------------------------------------------===//
// The node being imported
//===----------------------------------------------------------------------===//

InFlightDiagnostic GraphImporter::error() {
  InFlightDiagnostic diag = mlir::emitError(loc);
  if (node) {
    diag << node->op_type() << " node #" << nodeIndex;
    if (!node->name().empty())
      diag << " '" << node->name() << "'";
    diag << ": ";
  }
  return diag;
}

unsigned GraphImporter::numInputs() const { return node->input_size(); }

Value GraphImporter::optionalInput(unsigned i) {
  if (i >= static_cast<unsigned>(node->input_size()) || node->input(i).empty())
    return {};
  return values.lookup(node->input(i));
}

Value GraphImporter::input(unsigned i) {
  Value v = optionalInput(i);
  if (!v)
    error() << "input #" << i << " is missing";
  return v;
}

void GraphImporter::setOutput(unsigned i, Value value) {
  if (i < static_cast<unsigned>(node->output_size()) &&
      !node->output(i).empty())
    values[node->output(i)] = value;
}

const ::onnx::AttributeProto *GraphImporter::attr(llvm::StringRef name) const {
  for (const ::onnx::AttributeProto &a : node->attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

int64_t GraphImporter::intAttr(llvm::StringRef name, int64_t fallback) const {
  const ::onnx::AttributeProto *a = attr(name);
  return a && a->has_i() ? a->i() : fallback;
}

float GraphImporter::floatAttr(llvm::StringRef name, float fallback) const {
  const ::onnx::AttributeProto *a = attr(name);
  return a && a->has_f() ? a->f() : fallback;
}

std::optional<SmallVector<int64_t>>
GraphImporter::intsAttr(llvm::StringRef name) const {
  const ::onnx::AttributeProto *a = attr(name);
  if (!a)
    return std::nullopt;
  return SmallVector<int64_t>(a->ints().begin(), a->ints().end());
}

std::optional<std::string>
GraphImporter::stringAttr(llvm::StringRef name) const {
  const ::onnx::AttributeProto *a = attr(name);
  if (!a || !a->has_s())
    return std::nullopt;
  return a->s();
}

std::optional<TensorData> GraphImporter::constantInput(unsigned i) {
  if (i >= static_cast<unsigned>(node->input_size()))
    return std::nullopt;
  const std::string &name = node->input(i);
  auto it = constants.find(name);
  if (it != constants.end())
    return it->second;
  if (const ::onnx::TensorProto *init = initializers.lookup(name)) {
    llvm::Expected<TensorData> data = readTensor(*init);
    if (!data) {
      llvm::consumeError(data.takeError());
      return std::nullopt;
    }
    return *data;
  }
  return std::nullopt;
}

FailureOr<SmallVector<int64_t>> GraphImporter::intsInput(unsigned i,
                                                         llvm::StringRef what) {
  std::optional<TensorData> data = constantInput(i);
  if (!data) {
    error() << "its " << what << " (input #" << i
            << ") must be a constant of the model (an initializer or a "
               "Constant node), not computed at run time";
    return failure();
  }
  if (data->shape.size() > 1 || (data->element != TensorData::Element::I64 &&
                                 data->element != TensorData::Element::I32)) {
    error() << "its " << what << " (input #" << i
            << ") must be a 1-D int64 or int32 tensor";
    return failure();
  }
  SmallVector<int64_t> result;
  for (int64_t k = 0, e = data->numElements(); k < e; ++k) {
    if (data->element == TensorData::Element::I64) {
      int64_t v;
      std::memcpy(&v, data->bytes.data() + 8 * k, 8);
      result.push_back(v);
    } else {
      int32_t v;
      std::memcpy(&v, data->bytes.data() + 4 * k, 4);
      result.push_back(v);
    }
  }
  return result;
}

RankedTensorType GraphImporter::typeFromProto(const ::onnx::TypeProto &type) {
  if (!type.has_tensor_type() || !type.tensor_type().has_shape())
    return {};
  Type element = elementTypeOf(type.tensor_type().elem_type(), context);
  if (!element)
    return {};
  SmallVector<int64_t> shape;
  for (const ::onnx::TensorShapeProto_Dimension &dim :
       type.tensor_type().shape().dim())
    shape.push_back(dim.has_dim_value() && dim.dim_value() >= 0
                        ? dim.dim_value()
                        : ShapedType::kDynamic);
  return RankedTensorType::get(shape, element);
}

RankedTensorType GraphImporter::inferredOutputType(unsigned i) const {
  if (i >= static_cast<unsigned>(node->output_size()))
    return {};
  const ::onnx::TypeProto *type = inferred.lookup(node->output(i));
  return type ? const_cast<GraphImporter *>(this)->typeFromProto(*type)
              : RankedTensorType();
}

//===----------------------------------------------------------------------===//
// The function
//===----------------------------------------------------------------------===//

/// The graph input `name`, or null.
static const ::onnx::ValueInfoProto *findInput(const ::onnx::GraphProto &graph,
                                               llvm::StringRef name) {
  for (const ::onnx::ValueInfoProto &input : graph.input())
    if (input.name() == name)
      return &input;
  return nullptr;
}

LogicalResult GraphImporter::createSignature() {
  const ::onnx::GraphProto &graph = model.proto.graph();
  Location fileLoc = FileLineColLoc::get(context, options.fileName, 0, 0);
  auto fail = [&]() { return mlir::emitError(fileLoc); };

  // The graph's true inputs: those no initializer provides and no binding
  // fixes.
  SmallVector<const ::onnx::ValueInfoProto *> graphInputs;
  for (const ::onnx::ValueInfoProto &input : graph.input())
    if (!initializers.count(input.name()) &&
        llvm::none_of(options.bindings, [&](const TensorData &bound) {
          return bound.name == input.name();
        }))
      graphInputs.push_back(&input);
  for (const TensorData &bound : options.bindings) {
    if (!findInput(graph, bound.name))
      return fail() << "cannot bind '" << bound.name
                    << "': the graph has no such input";
    constants[bound.name] = bound;
  }

  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  // What each argument binds: an ONNX value name (adapted by `adapt`).
  auto inputType = [&](const ::onnx::ValueInfoProto &input) {
    RankedTensorType type = typeFromProto(input.type());
    if (!type)
      fail() << "graph input '" << input.name()
             << "' is not a tensor of known rank and of element type float, "
                "double, int32, int64 or bool";
    return type;
  };

  SmallVector<Type> resultTypes;
  for (const ::onnx::ValueInfoProto &output : graph.output()) {
    RankedTensorType type = typeFromProto(output.type());
    if (!type)
      return fail() << "graph output '" << output.name()
                    << "' is not a tensor of known rank and of a supported "
                       "element type";
    resultTypes.push_back(type);
  }

  // The bindings made after the function exists.
  struct Binding {
    std::string name;
    unsigned arg;
    /// A network's time: the graph's [N, 1] from the function's [N].
    bool expandTime = false;
  };
  SmallVector<Binding> bindings;
  SmallVector<std::pair<unsigned, std::string>> paramNames;

  if (!options.network) {
    for (const ::onnx::ValueInfoProto *input : graphInputs) {
      RankedTensorType type = inputType(*input);
      if (!type)
        return failure();
      bindings.push_back({input->name(), (unsigned)argTypes.size()});
      argTypes.push_back(type);
    }
  } else {
    if (resultTypes.size() != 1)
      return fail() << "a network returns one tensor, but the graph has "
                    << resultTypes.size() << " outputs";
    // x, then the times: t, or r and t for a mean flow's network.
    SmallVector<std::pair<std::string, std::string>> roles = {{"x", options.x}};
    if (!options.r.empty())
      roles.push_back({"r", options.r});
    roles.push_back({"t", options.t});
    llvm::StringSet<> used;
    for (auto [index, role] : llvm::enumerate(roles)) {
      std::string name = role.second;
      if (name.empty()) {
        // Unnamed roles take the graph's inputs in order (x, then t).
        if (index >= graphInputs.size())
          return fail() << "the network's " << role.first
                        << " has no graph input to take: the graph has "
                        << graphInputs.size() << " input(s)";
        name = graphInputs[index]->name();
      }
      const ::onnx::ValueInfoProto *input = findInput(graph, name);
      if (!input || initializers.count(name)) {
        auto diag = fail() << "--" << role.first << " names '" << name
                           << "', which is not an input of the graph; its "
                              "inputs are";
        for (const ::onnx::ValueInfoProto *in : graphInputs)
          diag << " '" << in->name() << "'";
        return diag;
      }
      if (!used.insert(name).second)
        return fail() << "graph input '" << name << "' is given two roles";
      RankedTensorType type = inputType(*input);
      if (!type)
        return failure();
      if (role.first == "x") {
        if (type.getRank() < 1)
          return fail() << "graph input '" << name
                        << "' (x) must have a batch dimension";
        bindings.push_back({name, (unsigned)argTypes.size()});
        argTypes.push_back(type);
        continue;
      }
      // A time: one per row of x, as tensor<N x f32>; the graph may spell
      // it [N] or [N, 1].
      int64_t rows = llvm::cast<RankedTensorType>(argTypes[0]).getDimSize(0);
      auto timeType = RankedTensorType::get({rows}, b.getF32Type());
      bool column = type.getRank() == 2 && type.getDimSize(1) == 1;
      if (!type.getElementType().isF32() || (type.getRank() != 1 && !column))
        return fail() << "graph input '" << name << "' (" << role.first
                      << ") has type " << type
                      << ", but a network's time is f32 of shape [N] or "
                         "[N, 1], one per row of x";
      bindings.push_back({name, (unsigned)argTypes.size(), column});
      argTypes.push_back(timeType);
    }
    if (used.size() != graphInputs.size()) {
      auto diag = fail() << "the graph has inputs that are neither x nor a "
                            "time:";
      for (const ::onnx::ValueInfoProto *in : graphInputs)
        if (!used.count(in->name()))
          diag << " '" << in->name() << "'";
      return diag;
    }
    // The parameters: the float initializers of rank >= 1, in order.
    for (const ::onnx::TensorProto &init : graph.initializer()) {
      if (init.data_type() != ::onnx::TensorProto::FLOAT ||
          init.dims_size() == 0)
        continue;
      SmallVector<int64_t> shape(init.dims().begin(), init.dims().end());
      paramNames.push_back({(unsigned)argTypes.size(), init.name()});
      bindings.push_back({init.name(), (unsigned)argTypes.size()});
      argTypes.push_back(RankedTensorType::get(shape, b.getF32Type()));
    }
  }

  b.setInsertionPointToEnd(module.getBody());
  func = func::FuncOp::create(b, fileLoc, options.name,
                              b.getFunctionType(argTypes, resultTypes));
  for (auto [arg, name] : paramNames)
    func.setArgAttr(arg, "fm.name", b.getStringAttr(name));
  Block *entry = func.addEntryBlock();
  b.setInsertionPointToStart(entry);
  for (const Binding &binding : bindings) {
    Value arg = entry->getArgument(binding.arg);
    if (binding.expandTime)
      arg = insertUnitDims(arg, {1});
    values[binding.name] = arg;
  }
  return success();
}

LogicalResult GraphImporter::importNode(const ::onnx::NodeProto &n) {
  node = &n;
  std::string label = n.name().empty() ? n.op_type() : n.name();
  loc = NameLoc::get(b.getStringAttr(label));
  if (!n.domain().empty() && n.domain() != "ai.onnx")
    return error() << "operator domain '" << n.domain()
                   << "' is not supported (only the default ONNX domain is)";
  for (const std::string &name : n.input())
    if (!name.empty() && !values.count(name)) {
      // Bound inputs and initializers other than parameters become
      // constants where used.
      if (auto bound = constants.find(name); bound != constants.end()) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&func.front());
        values[name] = arith::ConstantOp::create(
            b, loc, bound->second.toAttribute(context));
        continue;
      }
      if (const ::onnx::TensorProto *init = initializers.lookup(name)) {
        llvm::Expected<TensorData> data = readTensor(*init);
        if (!data)
          return error() << llvm::toString(data.takeError());
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(&func.front());
        values[name] =
            arith::ConstantOp::create(b, loc, data->toAttribute(context));
        continue;
      }
      return error() << "input '" << name << "' is not defined before it";
    }
  Block &body = func.front();
  Operation *last = body.empty() ? nullptr : &body.back();
  if (failed(lowerNode(*this, n.op_type())))
    return failure();
  // The ops built for the node must verify: a model whose shapes do not
  // fit together where ONNX's inference did not notice (operands of a
  // product that disagree) is an error here, never invalid IR.
  for (Operation &op : llvm::make_range(
           last ? std::next(last->getIterator()) : body.begin(), body.end()))
    if (failed(mlir::verify(&op)))
      return error() << "its operands' shapes do not fit together (the IR "
                        "built for it does not verify)";
  for (const std::string &name : n.output())
    if (!name.empty() && !values.count(name))
      return error() << "output '" << name << "' was not produced";
  return success();
}

FailureOr<func::FuncOp> GraphImporter::run() {
  if (failed(createSignature())) {
    if (func)
      func.erase();
    return failure();
  }
  const ::onnx::GraphProto &graph = model.proto.graph();
  for (const ::onnx::NodeProto &n : graph.node()) {
    if (failed(importNode(n))) {
      func.erase();
      return failure();
    }
    ++nodeIndex;
  }
  node = nullptr;
  SmallVector<Value> results;
  for (auto [i, output] : llvm::enumerate(graph.output())) {
    Value v = values.lookup(output.name());
    if (!v) {
      mlir::emitError(func.getLoc())
          << "graph output '" << output.name() << "' is never computed";
      func.erase();
      return failure();
    }
    Type want = func.getFunctionType().getResult(i);
    if (v.getType() != want) {
      if (!tensor::CastOp::areCastCompatible(v.getType(), want)) {
        mlir::emitError(func.getLoc())
            << "graph output '" << output.name() << "' is computed as "
            << v.getType() << " but declared as " << want;
        func.erase();
        return failure();
      }
      v = tensor::CastOp::create(b, func.getLoc(), want, v);
    }
    results.push_back(v);
  }
  func::ReturnOp::create(b, func.getLoc(), results);
  return func;
}

FailureOr<func::FuncOp> mlir::fm::onnx::importModel(const Model &model,
                                                    ModuleOp module,
                                                    const ImportOptions &opts) {
  GraphImporter importer(model.impl(), module, opts);
  return importer.run();
}

llvm::Expected<std::vector<TensorData>>
mlir::fm::onnx::networkParameters(const Model &model) {
  std::vector<TensorData> params;
  for (const ::onnx::TensorProto &init :
       model.impl().proto.graph().initializer()) {
    if (init.data_type() != ::onnx::TensorProto::FLOAT || init.dims_size() == 0)
      continue;
    llvm::Expected<TensorData> data = readTensor(init);
    if (!data)
      return data.takeError();
    params.push_back(std::move(*data));
  }
  return params;
}
