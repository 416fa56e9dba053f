//===- FmDeclarativeOps.cpp - The declarative ops of the fm dialect -------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Verifiers of the ops that declare a model and what to do with it: fm.flow
// (a network and its flow kind), fm.trainer, fm.sampler and fm.likelihood.
// fm-expand-flow turns them into the loop-level ops of FmOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "FmVerifiers.h"
#include "fm/Dialect/FmOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringMap.h"

#include <functional>
#include <numeric>

using namespace mlir;
using namespace mlir::fm;

//===----------------------------------------------------------------------===//
// FlowOp
//===----------------------------------------------------------------------===//

/// Prints `shape` as the text of a dense array, e.g. "[2, 3]".
static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "]";
  return text;
}

func::FuncOp FlowOp::getNetworkFunction() {
  return SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(*this,
                                                            getNetworkAttr());
}

ArrayRef<Type> FlowOp::getParameterTypes(func::FuncOp network, FlowKind kind) {
  return network.getFunctionType().getInputs().drop_front(
      getNumDataInputs(kind));
}

SmallVector<std::string> FlowOp::getParameterNames(func::FuncOp network,
                                                   FlowKind kind) {
  unsigned first = getNumDataInputs(kind);
  SmallVector<std::string> names;
  for (unsigned i = 0, e = getParameterTypes(network, kind).size(); i < e;
       ++i) {
    auto name = network.getArgAttrOfType<StringAttr>(i + first, "fm.name");
    names.push_back(name ? name.str() : "param." + std::to_string(i));
  }
  return names;
}

int64_t FlowOp::getFanIn(func::FuncOp network, FlowKind kind, unsigned index) {
  ArrayRef<Type> params = getParameterTypes(network, kind);
  for (int64_t i = index; i >= 0; --i) {
    ArrayRef<int64_t> shape = llvm::cast<ShapedType>(params[i]).getShape();
    if (shape.size() >= 2)
      return std::accumulate(shape.begin() + 1, shape.end(), int64_t(1),
                             std::multiplies<int64_t>());
  }
  return 0;
}

LogicalResult FlowOp::verify() {
  for (auto [i, dim] : llvm::enumerate(getDataShape()))
    if (dim <= 0)
      return emitOpError("data_shape dimension #")
             << i << " must be > 0, got " << dim;
  bool discrete = getKind() == FlowKind::Discrete;
  bool tokenSource = getSource() != Source::Gaussian;
  if (tokenSource && !discrete)
    return emitOpError("source ")
           << stringifySource(getSource())
           << " draws tokens, and this flow's data are float samples: it "
              "takes source(gaussian), or kind(discrete) for token data";
  if (discrete && !tokenSource)
    return emitOpError("a discrete flow's source is uniform or mask, not ")
           << stringifySource(getSource());
  std::optional<uint64_t> vocabulary = getVocabulary();
  if (discrete && !vocabulary)
    return emitOpError("a discrete flow needs its vocabulary(V)");
  if (!discrete && vocabulary)
    return emitOpError("vocabulary is for a flow of kind discrete, this one "
                       "is of kind ")
           << stringifyFlowKind(getKind());
  // Tokens, the mask token included, fit an i32.
  if (vocabulary &&
      (static_cast<int64_t>(*vocabulary) < 1 ||
       static_cast<int64_t>(*vocabulary) >= (int64_t(1) << 31) - 1))
    return emitOpError("vocabulary must be in [1, 2^31 - 1), got ")
           << static_cast<int64_t>(*vocabulary);
  return success();
}

/// The bytes of `count` elements of `elementBytes` times the dimensions of
/// `shape`, or nullopt where that is more than a process can address
/// (2^47 bytes on x86-64 and AArch64 Linux) or overflows.
static std::optional<int64_t> addressableBytes(ArrayRef<int64_t> shape,
                                               int64_t elementBytes,
                                               int64_t count = 1) {
  constexpr int64_t kAddressable = int64_t(1) << 47;
  int64_t bytes = elementBytes;
  if (__builtin_mul_overflow(bytes, count, &bytes))
    return std::nullopt;
  for (int64_t d : shape)
    if (d < 0 || __builtin_mul_overflow(bytes, d, &bytes))
      return std::nullopt;
  if (bytes > kAddressable)
    return std::nullopt;
  return bytes;
}

/// The signature of a velocity or mean flow's network:
/// (x: tensor<N x D x f32>, t[, r]: tensor<N x f32>, params...) -> x's type.
static LogicalResult verifyContinuousNetwork(FlowOp flow,
                                             func::FuncOp network) {
  FunctionType type = network.getFunctionType();
  bool mean = flow.getKind() == FlowKind::Mean;
  unsigned first = FlowOp::getNumDataInputs(flow.getKind());
  // x: tensor<N x D x f32>, t: tensor<N x f32>, result: x's type.
  Type f32 = Float32Type::get(flow.getContext());
  SmallVector<int64_t> dynamicShape = {ShapedType::kDynamic};
  llvm::append_range(dynamicShape, flow.getDataShape());
  auto dynamicX = RankedTensorType::get(dynamicShape, f32);
  auto xType = llvm::dyn_cast<RankedTensorType>(type.getInput(0));
  if (!xType || xType.getElementType() != f32 ||
      xType.getShape().drop_front() != ArrayRef(dynamicShape).drop_front() ||
      xType.getRank() != static_cast<int64_t>(dynamicShape.size()))
    return flow.emitOpError("network argument x has type ")
           << type.getInput(0) << " but data_shape "
           << formatShape(flow.getDataShape()) << " needs " << dynamicX
           << " or the same with a static batch size";
  auto tType = RankedTensorType::get({xType.getDimSize(0)}, f32);
  for (unsigned i = 1; i < first; ++i)
    if (type.getInput(i) != tType)
      return flow.emitOpError("network argument ")
             << (mean && i == 1 ? "r" : "t") << " has type " << type.getInput(i)
             << " but needs " << tType << ", one time per row of x"
             << (mean ? " (a mean flow's network takes (z, r, t, params...))"
                      : "");
  if (type.getNumResults() != 1 || type.getResult(0) != xType)
    return flow.emitOpError("network '")
           << flow.getNetwork() << "' has type " << type
           << " but must return one velocity of x's type " << xType;
  return success();
}

/// The signature of a discrete flow's network: (x: tensor<N x D x iK>,
/// t: tensor<N x f32>, params...) -> tensor<N x D x V' x f32>.
static LogicalResult verifyDiscreteNetwork(FlowOp flow, func::FuncOp network) {
  FunctionType type = network.getFunctionType();
  Type f32 = Float32Type::get(flow.getContext());
  ArrayRef<int64_t> dataShape = flow.getDataShape();
  auto xType = llvm::dyn_cast<RankedTensorType>(type.getInput(0));
  if (!xType || !xType.getElementType().isSignlessInteger() ||
      (xType.getElementType().getIntOrFloatBitWidth() != 32 &&
       xType.getElementType().getIntOrFloatBitWidth() != 64) ||
      xType.getRank() != static_cast<int64_t>(dataShape.size()) + 1 ||
      xType.getShape().drop_front() != dataShape)
    return flow.emitOpError("network argument x has type ")
           << type.getInput(0) << " but a discrete flow with data_shape "
           << formatShape(dataShape)
           << " takes tokens tensor<? x ... x i32 or i64> of that shape "
              "after the batch";
  auto tType = RankedTensorType::get({xType.getDimSize(0)}, f32);
  if (type.getInput(1) != tType)
    return flow.emitOpError("network argument t has type ")
           << type.getInput(1) << " but needs " << tType
           << ", one time per row of x";
  SmallVector<int64_t> logitsShape(xType.getShape());
  logitsShape.push_back(flow.getTokenCount());
  auto logitsType = RankedTensorType::get(logitsShape, f32);
  if (type.getNumResults() != 1 || type.getResult(0) != logitsType)
    return flow.emitOpError("network '")
           << flow.getNetwork() << "' has type " << type
           << " but must return the logits " << logitsType << " ("
           << flow.getTokenCount() << " = vocabulary " << *flow.getVocabulary()
           << (flow.getSource() == Source::Mask ? " + the mask token" : "")
           << ")";
  return success();
}

LogicalResult FlowOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto network = symbolTable.lookupNearestSymbolFrom<func::FuncOp>(
      *this, getNetworkAttr());
  if (!network)
    return emitOpError("network '")
           << getNetwork() << "' does not reference a func.func";
  if (failed(verifyNoRecursion(*this, network,
                               ("network '" + getNetwork() + "'").str())))
    return failure();
  FunctionType type = network.getFunctionType();
  FlowKind kind = getKind();
  bool mean = kind == FlowKind::Mean;
  unsigned first = getNumDataInputs(kind);
  if (type.getNumInputs() < first)
    return emitOpError("network '")
           << getNetwork()
           << (mean ? "' of a mean flow must take the samples z and the "
                      "times r and t, then its parameters, but it takes "
                    : "' must take the samples x and the times t, then its "
                      "parameters, but it takes ")
           << type.getNumInputs() << " argument(s)";

  if (failed(kind == FlowKind::Discrete
                 ? verifyDiscreteNetwork(*this, network)
                 : verifyContinuousNetwork(*this, network)))
    return failure();

  // Parameters: static f32 tensors, initializable, uniquely named.
  ArrayRef<Type> params = getParameterTypes(network, kind);
  llvm::StringMap<unsigned> names;
  for (auto [i, param] : llvm::enumerate(params)) {
    auto paramType = llvm::dyn_cast<RankedTensorType>(param);
    if (!paramType || !paramType.hasStaticShape() ||
        !paramType.getElementType().isF32() || paramType.getRank() == 0)
      return emitOpError("network parameter #")
             << i << " (argument #" << i + first
             << ") must be a statically shaped f32 tensor of rank >= 1, got "
             << param;
    if (!addressableBytes(paramType.getShape(), 4))
      return emitOpError("network parameter #")
             << i << " " << param
             << " is more than a process can address (2^47 bytes)";
    if (getFanIn(network, kind, i) == 0)
      return emitOpError("network parameter #")
             << i
             << " is 1-D (a bias) but no weight of rank >= 2 precedes it to "
                "give its fan_in for initialization";
    Attribute name = network.getArgAttr(i + first, "fm.name");
    if (!name)
      continue;
    auto text = llvm::dyn_cast<StringAttr>(name);
    if (!text)
      return emitOpError("network parameter #")
             << i << " has fm.name " << name << ", which is not a string";
    auto [it, inserted] = names.try_emplace(text.getValue(), i);
    if (!inserted)
      return emitOpError("network parameters #")
             << it->second << " and #" << i << " are both named '"
             << text.getValue() << "'";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// TrainerOp
//===----------------------------------------------------------------------===//

/// Looks up the fm.flow `flow` refers to, reporting an error on `op` where it
/// does not name one.
static FlowOp lookupFlow(Operation *op, SymbolTableCollection &symbolTable,
                         FlatSymbolRefAttr flow) {
  auto flowOp = symbolTable.lookupNearestSymbolFrom<FlowOp>(op, flow);
  if (!flowOp)
    op->emitOpError("flow '")
        << flow.getValue() << "' does not reference an fm.flow";
  return flowOp;
}

LogicalResult TrainerOp::verify() {
  int64_t batch = getBatchAttr().getInt();
  if (batch <= 0)
    return emitOpError("batch must be > 0, got ") << batch;
  if (getMeanflowAttr() && getLoss() != Loss::MeanFlow)
    return emitOpError("has meanflow settings but its loss is ")
           << stringifyLoss(getLoss());
  return success();
}

LogicalResult TrainerOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  FlowOp flow = lookupFlow(*this, symbolTable, getFlowAttr());
  if (!flow)
    return failure();
  // The flow verifies its network; only check what the trainer adds.
  FlowKind kind = flow.getKind();
  Loss loss = getLoss();
  bool fits = false;
  StringRef expected;
  switch (kind) {
  case FlowKind::Velocity:
    fits = loss == Loss::MSE;
    expected = "a velocity flow trains with loss(mse)";
    break;
  case FlowKind::Mean:
    fits = loss == Loss::MeanFlow;
    expected = "a mean flow trains with loss(meanflow)";
    break;
  case FlowKind::Discrete:
    fits = loss == Loss::GeneralizedKL || loss == Loss::CrossEntropy;
    expected = "a discrete flow trains with loss(generalized_kl) or "
               "loss(cross_entropy)";
    break;
  }
  if (!fits)
    return emitOpError("loss ")
           << stringifyLoss(loss) << " cannot train flow '" << getFlow()
           << "' of kind " << stringifyFlowKind(kind) << ": " << expected;
  unsigned first = FlowOp::getNumDataInputs(flow.getKind());
  auto network = symbolTable.lookupNearestSymbolFrom<func::FuncOp>(
      flow, flow.getNetworkAttr());
  if (!network || network.getNumArguments() < first)
    return success();
  if (network.getNumArguments() == first)
    return emitOpError("flow '")
           << getFlow() << "' has a network without parameters: there is "
           << "nothing to train";
  auto xType = llvm::dyn_cast<RankedTensorType>(network.getArgumentTypes()[0]);
  int64_t elementBytes =
      xType ? (xType.getElementTypeBitWidth() + 7) / 8 : int64_t(4);
  if (!addressableBytes(flow.getDataShape(), elementBytes,
                        getBatchAttr().getInt()))
    return emitOpError("batch ")
           << getBatchAttr().getInt() << " of data_shape "
           << formatShape(flow.getDataShape())
           << " is more than a process can address (2^47 bytes)";
  if (xType && xType.getRank() >= 1 && !xType.isDynamicDim(0) &&
      xType.getDimSize(0) != getBatchAttr().getInt())
    return emitOpError("batch ")
           << getBatchAttr().getInt()
           << " does not match the static batch size " << xType.getDimSize(0)
           << " of network '" << flow.getNetwork() << "'";
  return success();
}

//===----------------------------------------------------------------------===//
// SamplerOp
//===----------------------------------------------------------------------===//

LogicalResult SamplerOp::verify() {
  if (std::optional<APFloat> c = getDivFree();
      c && !(c->convertToDouble() >= 0.0))
    return emitOpError("div_free must be >= 0, got ")
           << formatF64(c->convertToDouble());
  std::optional<ArrayRef<double>> grid = getTimeGrid();
  IntegerAttr steps = getStepsAttr();
  if (grid && steps)
    return emitOpError("takes either steps or a time_grid, not both");
  if (steps && steps.getInt() <= 0)
    return emitOpError("steps must be > 0, got ") << steps.getInt();
  if (!grid)
    return success();
  FailureOr<bool> increasing = detail::verifyTimeGrid(*this, *grid);
  if (failed(increasing))
    return failure();
  for (auto [i, time] : llvm::enumerate(*grid))
    if (!(time >= 0.0 && time <= 1.0))
      return emitOpError("time_grid entries must be in [0, 1], but entry ")
             << i << " is " << formatF64(time);
  bool forward = getDirection() == Direction::Forward;
  if (*increasing != forward)
    return emitOpError("time_grid runs from ")
           << formatF64(grid->front()) << " to " << formatF64(grid->back())
           << " but the direction is " << stringifyDirection(getDirection());
  return success();
}

LogicalResult LikelihoodOp::verify() {
  IntegerAttr steps = getStepsAttr();
  if (steps && steps.getInt() <= 0)
    return emitOpError("steps must be > 0, got ") << steps.getInt();
  return success();
}

LogicalResult
LikelihoodOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  FlowOp flow = lookupFlow(*this, symbolTable, getFlowAttr());
  if (!flow)
    return failure();
  if (flow.getKind() != FlowKind::Velocity)
    return emitOpError("needs a flow of kind velocity, but '")
           << getFlow() << "' is of kind " << stringifyFlowKind(flow.getKind());
  if (flow.getDataShape().size() != 1)
    return emitOpError("needs rank-1 data points, but flow '")
           << getFlow() << "' has data_shape of rank "
           << flow.getDataShape().size();
  // The flow verifies its network's signature itself; symbol uses are
  // verified in no particular order, so this one may see a network that
  // takes nothing.
  func::FuncOp network = flow.getNetworkFunction();
  auto x = network && network.getFunctionType().getNumInputs() > 0
               ? llvm::dyn_cast<RankedTensorType>(
                     network.getFunctionType().getInput(0))
               : RankedTensorType();
  if (getDivergence() == Divergence::Hutchinson && x && x.isDynamicDim(0))
    return emitOpError("divergence hutchinson needs a static batch, but the "
                       "network of flow '")
           << getFlow() << "' takes " << x;
  return success();
}

LogicalResult SamplerOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  FlowOp flow = lookupFlow(*this, symbolTable, getFlowAttr());
  if (!flow)
    return failure();
  if (flow.getKind() == FlowKind::Discrete) {
    if (getSolver() != SamplerMethod::Euler)
      return emitOpError("solver ")
             << stringifySamplerMethod(getSolver()) << " cannot sample flow '"
             << getFlow()
             << "' of kind discrete: a discrete flow samples with "
                "solver(euler), its CTMC steps";
    if (getDirection() != Direction::Forward)
      return emitOpError("a discrete flow only samples forward, from the "
                         "source to data");
    if (getTimeGridAttr())
      return emitOpError("a discrete flow samples on the grid k/K of its "
                         "steps, not a time_grid");
    return success();
  }
  if (getDivFreeAttr())
    return emitOpError("div_free is for a discrete flow, and '")
           << getFlow() << "' is of kind " << stringifyFlowKind(flow.getKind());
  bool mean = flow.getKind() == FlowKind::Mean;
  if (mean != (getSolver() == SamplerMethod::MeanFlow))
    return emitOpError("solver ")
           << stringifySamplerMethod(getSolver()) << " cannot sample flow '"
           << getFlow() << "' of kind " << stringifyFlowKind(flow.getKind())
           << ": "
           << (mean ? "a mean flow samples with solver(meanflow)"
                    : "solver(meanflow) needs a flow of kind mean");
  if (mean && getDirection() != Direction::Forward)
    return emitOpError("solver meanflow only samples forward, from noise to "
                       "data");
  return success();
}
