//===- ExpandFlow.cpp - Declarative level to loop-level functions ---------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// This file implements fm-expand-flow: every fm.flow, fm.trainer and
// fm.sampler of a module becomes the entry point that fmrt::Program and
// fm-run call, written with loop-level fm ops. The generated training step
// draws the same random numbers, in the same order, as the hand-written
// examples/moons.mlir, so both train bit-identical models.
//
//===----------------------------------------------------------------------===//

#include "fm/Dialect/FmOps.h"
#include "fm/Runtime/Roles.h"
#include "fm/Transforms/Passes.h"

#include "mlir/IR/Builders.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cmath>

namespace mlir::fm {
#define GEN_PASS_DEF_FMEXPANDFLOW
#include "fm/Transforms/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;

/// The flow's initializer, an entry point of fm-run.
static constexpr llvm::StringLiteral kInitName = "init";
/// Adam's two optimizer states per parameter, named as torch.optim.Adam's.
static constexpr llvm::StringLiteral kAdamSlots[] = {"exp_avg", "exp_avg_sq"};

/// Random streams: x0 and t of a training step, and the first parameter's
/// initialization (parameter i uses kInitStream + i).
static constexpr uint32_t kSourceStream = 0, kTimeStream = 1, kInitStream = 100;

/// Counter blocks one Philox draw of `type` consumes (fm.random_*).
static int64_t counterBlocks(RankedTensorType type) {
  return (type.getNumElements() + 3) / 4;
}

/// Marks `func` as an entry point of role `role` (fm/Runtime/Roles.h).
static void markEntryPoint(func::FuncOp func, fmrt::EntryRole role) {
  Builder b(func.getContext());
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  func->setAttr(StringRef(fmrt::kEntryAttr),
                b.getStringAttr(StringRef(fmrt::entryRoleName(role))));
}

/// Gives input (or result) `index` of `func` the role `role`, naming the
/// parameter it belongs to and its optimizer slot where given.
static void setRole(func::FuncOp func, bool isResult, unsigned index,
                    fmrt::ValueRole role, StringRef name = {},
                    StringRef slot = {}) {
  Builder b(func.getContext());
  SmallVector<NamedAttribute, 3> attrs = {
      b.getNamedAttr(StringRef(fmrt::kRoleAttr),
                     b.getStringAttr(StringRef(fmrt::valueRoleName(role))))};
  if (!name.empty())
    attrs.push_back(
        b.getNamedAttr(StringRef(fmrt::kNameAttr), b.getStringAttr(name)));
  if (!slot.empty())
    attrs.push_back(
        b.getNamedAttr(StringRef(fmrt::kSlotAttr), b.getStringAttr(slot)));
  if (isResult)
    func.setResultAttrs(index, b.getDictionaryAttr(attrs));
  else
    func.setArgAttrs(index, b.getDictionaryAttr(attrs));
}

/// `base`, or `base_<n>` for the first n that no symbol of `module` uses.
static std::string uniqueSymbolName(ModuleOp module, StringRef base) {
  std::string name = base.str();
  for (unsigned n = 0; module.lookupSymbol(name); ++n)
    name = (base + "_" + Twine(n)).str();
  return name;
}

/// An f32 constant: `value` rounded to float.
static Value f32Constant(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(static_cast<float>(value)));
}

/// An i64 constant.
static Value i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
}

//===----------------------------------------------------------------------===//
// fm.flow → @init
//===----------------------------------------------------------------------===//

/// `@init(seed) -> (params...)`: parameter i is U(−bound, bound) with
/// bound = 1/√fan_in, computed as (2u − 1)·bound from u ~ U[0, 1) drawn
/// from stream 100 + i.
static void buildInit(OpBuilder &b, FlowOp flow, func::FuncOp network) {
  Location loc = flow.getLoc();
  ArrayRef<Type> params = FlowOp::getParameterTypes(network);
  auto func = func::FuncOp::create(b, loc, kInitName,
                                   b.getFunctionType({b.getI64Type()}, params));
  markEntryPoint(func, fmrt::EntryRole::Init);
  setRole(func, /*isResult=*/false, 0, fmrt::ValueRole::Seed);
  for (auto [i, name] : llvm::enumerate(FlowOp::getParameterNames(network)))
    setRole(func, /*isResult=*/true, i, fmrt::ValueRole::Param, name);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(func.addEntryBlock());
  Value seed = func.getArgument(0);
  Value zero = i64Constant(b, loc, 0);
  SmallVector<Value> results;
  for (auto [i, param] : llvm::enumerate(params)) {
    auto type = llvm::cast<RankedTensorType>(param);
    Value u = RandomUniformOp::create(b, loc, type, seed, zero,
                                      kInitStream + static_cast<uint32_t>(i));
    double bound =
        1.0 / std::sqrt(static_cast<double>(FlowOp::getFanIn(network, i)));
    Value init =
        tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
    int64_t rank = type.getRank();
    SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{type}, ValueRange{u}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value twice = arith::MulFOp::create(nb, nloc, args[0],
                                              f32Constant(nb, nloc, 2));
          Value centered =
              arith::SubFOp::create(nb, nloc, twice, f32Constant(nb, nloc, 1));
          Value scaled = arith::MulFOp::create(nb, nloc, centered,
                                               f32Constant(nb, nloc, bound));
          linalg::YieldOp::create(nb, nloc, scaled);
        });
    results.push_back(generic.getResult(0));
  }
  func::ReturnOp::create(b, loc, results);
}

//===----------------------------------------------------------------------===//
// fm.trainer → @<trainer> and its loss
//===----------------------------------------------------------------------===//

/// `@<name>(params..., x1, x0, t) -> loss`: the flow-matching loss of one
/// batch, the function the training step differentiates.
static void buildLoss(OpBuilder &b, TrainerOp trainer, FlowOp flow,
                      func::FuncOp network, StringRef name,
                      RankedTensorType batchType, RankedTensorType timeType) {
  Location loc = trainer.getLoc();
  ArrayRef<Type> params = FlowOp::getParameterTypes(network);
  SmallVector<Type> inputs(params);
  inputs.append({batchType, batchType, timeType});
  Type f32 = b.getF32Type();
  auto func =
      func::FuncOp::create(b, loc, name, b.getFunctionType(inputs, {f32}));
  func.setPrivate();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(func.addEntryBlock());
  unsigned p = params.size();
  Value x1 = func.getArgument(p), x0 = func.getArgument(p + 1),
        t = func.getArgument(p + 2);
  auto sample = PathSampleOp::create(b, loc, flow.getPath(), x0, x1, t);

  // The network may take a dynamic batch: cast in and out.
  FunctionType networkType = network.getFunctionType();
  auto cast = [&](Value value, Type type) -> Value {
    if (value.getType() == type)
      return value;
    return tensor::CastOp::create(b, loc, type, value);
  };
  SmallVector<Value> args = {cast(sample.getXT(), networkType.getInput(0)),
                             cast(t, networkType.getInput(1))};
  llvm::append_range(args, func.getArguments().take_front(p));
  auto call = func::CallOp::create(b, loc, network, args);
  Value velocity = cast(call.getResult(0), batchType);
  Value loss;
  switch (trainer.getLoss()) {
  case Loss::MSE:
    loss = MSELossOp::create(b, loc, f32, velocity, sample.getDxT());
    break;
  }
  func::ReturnOp::create(b, loc, loss);
}

namespace {
/// Adam's hyper-parameters of `#fm.adam` or `#fm.adamw`.
struct AdamConfig {
  llvm::APFloat lr, beta1, beta2, eps, weightDecay;
  bool decoupled;
};
} // namespace

/// The hyper-parameters of a trainer's optimizer attribute.
static AdamConfig getAdamConfig(Attribute optimizer) {
  return llvm::TypeSwitch<Attribute, AdamConfig>(optimizer)
      .Case([](AdamAttr a) {
        return AdamConfig{a.getLr(),  a.getBeta1(),       a.getBeta2(),
                          a.getEps(), a.getWeightDecay(), false};
      })
      .Case([](AdamWAttr a) {
        return AdamConfig{a.getLr(),  a.getBeta1(),       a.getBeta2(),
                          a.getEps(), a.getWeightDecay(), true};
      });
}

/// Draws one time per batch row from the trainer's time distribution.
static Value drawTimes(OpBuilder &b, Location loc, Attribute distribution,
                       RankedTensorType type, Value seed, Value offset) {
  return llvm::TypeSwitch<Attribute, Value>(distribution)
      .Case([&](UniformTimeAttr) {
        return RandomUniformOp::create(b, loc, type, seed, offset, kTimeStream);
      })
      .Case([&](LogitNormalTimeAttr a) {
        return RandomLogitNormalOp::create(
            b, loc, type, seed, offset, kTimeStream, a.getMean(), a.getStd());
      });
}

/// `@<trainer>(params, first moments, second moments, x1, seed, step) ->
/// (loss, params, first moments, second moments)`, after its loss
/// `@<lossName>`.
static void buildTrainStep(OpBuilder &b, TrainerOp trainer, FlowOp flow,
                           func::FuncOp network, StringRef lossName) {
  Location loc = trainer.getLoc();
  ArrayRef<Type> params = FlowOp::getParameterTypes(network);
  unsigned p = params.size();
  Type f32 = b.getF32Type(), i64 = b.getI64Type();
  SmallVector<int64_t> batchShape = {trainer.getBatchAttr().getInt()};
  llvm::append_range(batchShape, flow.getDataShape());
  auto batchType = RankedTensorType::get(batchShape, f32);
  auto timeType = RankedTensorType::get({batchShape.front()}, f32);
  buildLoss(b, trainer, flow, network, lossName, batchType, timeType);

  SmallVector<Type> inputs, results = {f32};
  for (int copy = 0; copy < 3; ++copy) {
    llvm::append_range(inputs, params);
    llvm::append_range(results, params);
  }
  inputs.append({batchType, i64, i64});
  auto func = func::FuncOp::create(b, loc, trainer.getSymName(),
                                   b.getFunctionType(inputs, results));
  markEntryPoint(func, fmrt::EntryRole::TrainStep);
  SmallVector<std::string> names = FlowOp::getParameterNames(network);
  for (unsigned i = 0; i < p; ++i) {
    for (bool isResult : {false, true}) {
      unsigned shift = isResult ? 1 : 0;
      setRole(func, isResult, i + shift, fmrt::ValueRole::Param, names[i]);
      for (auto [copy, slot] : llvm::enumerate(kAdamSlots))
        setRole(func, isResult, (copy + 1) * p + i + shift,
                fmrt::ValueRole::OptState, names[i], slot);
    }
  }
  setRole(func, /*isResult=*/false, 3 * p, fmrt::ValueRole::Batch);
  setRole(func, /*isResult=*/false, 3 * p + 1, fmrt::ValueRole::Seed);
  setRole(func, /*isResult=*/false, 3 * p + 2, fmrt::ValueRole::Step);
  setRole(func, /*isResult=*/true, 0, fmrt::ValueRole::Loss);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(func.addEntryBlock());
  ValueRange args = func.getArguments();
  ValueRange weights = args.take_front(p);
  ValueRange firstMoments = args.slice(p, p);
  ValueRange secondMoments = args.slice(2 * p, p);
  Value x1 = args[3 * p], seed = args[3 * p + 1], step = args[3 * p + 2];

  // x0 and t from their own streams, at an offset that advances by the
  // blocks both draws use, so no two steps share random bits.
  Value blocks =
      i64Constant(b, loc, counterBlocks(batchType) + counterBlocks(timeType));
  Value offset = arith::MulIOp::create(b, loc, step, blocks);
  Value x0;
  switch (flow.getSource()) {
  case Source::Gaussian:
    x0 = RandomNormalOp::create(b, loc, batchType, seed, offset, kSourceStream);
    break;
  }
  Value t = drawTimes(b, loc, trainer.getTime(), timeType, seed, offset);

  // The loss and its gradient with respect to every input.
  SmallVector<Value> lossInputs(weights);
  lossInputs.append({x1, x0, t});
  SmallVector<Type> vjpResults = {f32};
  llvm::append_range(vjpResults, ValueRange(lossInputs).getTypes());
  Value one = f32Constant(b, loc, 1.0);
  auto vjp =
      VJPOp::create(b, loc, vjpResults, lossName, lossInputs, ValueRange{one});

  // Adam counts steps from 1.
  Value adamStep = arith::AddIOp::create(b, loc, step, i64Constant(b, loc, 1));
  AdamConfig adam = getAdamConfig(trainer.getOptimizer());
  SmallVector<Value> newWeights, newFirst, newSecond;
  for (unsigned i = 0; i < p; ++i) {
    auto update = AdamUpdateOp::create(
        b, loc, weights[i], vjp.getGradients()[i], firstMoments[i],
        secondMoments[i], adamStep, adam.lr, adam.beta1, adam.beta2, adam.eps,
        adam.weightDecay, adam.decoupled);
    newWeights.push_back(update.getNewParam());
    newFirst.push_back(update.getNewExpAvg());
    newSecond.push_back(update.getNewExpAvgSq());
  }
  SmallVector<Value> returned = {vjp.getPrimalResults()[0]};
  llvm::append_range(returned, newWeights);
  llvm::append_range(returned, newFirst);
  llvm::append_range(returned, newSecond);
  func::ReturnOp::create(b, loc, returned);
}

//===----------------------------------------------------------------------===//
// fm.sampler → @<sampler>
//===----------------------------------------------------------------------===//

/// `@<sampler>(params, x[, steps: index]) -> x`: one fm.integrate.
static void buildSampler(OpBuilder &b, SamplerOp sampler, FlowOp flow,
                         func::FuncOp network) {
  Location loc = sampler.getLoc();
  ArrayRef<Type> params = FlowOp::getParameterTypes(network);
  unsigned p = params.size();
  Type stateType = network.getFunctionType().getInput(0);
  bool runtimeSteps = !sampler.getStepsAttr() && !sampler.getTimeGridAttr();
  SmallVector<Type> inputs(params);
  inputs.push_back(stateType);
  if (runtimeSteps)
    inputs.push_back(b.getIndexType());
  auto func = func::FuncOp::create(b, loc, sampler.getSymName(),
                                   b.getFunctionType(inputs, {stateType}));
  markEntryPoint(func, fmrt::EntryRole::Sampler);
  func->setAttr(StringRef(fmrt::kSolverAttr),
                b.getStringAttr(stringifyODEMethod(sampler.getSolver())));
  func->setAttr(StringRef(fmrt::kDirectionAttr),
                b.getStringAttr(stringifyDirection(sampler.getDirection())));
  if (IntegerAttr count = sampler.getStepsAttr())
    func->setAttr(StringRef(fmrt::kFixedStepsAttr),
                  b.getI64IntegerAttr(count.getInt()));
  if (DenseF64ArrayAttr grid = sampler.getTimeGridAttr())
    func->setAttr(StringRef(fmrt::kTimeGridAttr), grid);
  for (auto [i, name] : llvm::enumerate(FlowOp::getParameterNames(network)))
    setRole(func, /*isResult=*/false, i, fmrt::ValueRole::Param, name);
  setRole(func, /*isResult=*/false, p, fmrt::ValueRole::State);
  if (runtimeSteps)
    setRole(func, /*isResult=*/false, p + 1, fmrt::ValueRole::Steps);
  setRole(func, /*isResult=*/true, 0, fmrt::ValueRole::State);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(func.addEntryBlock());

  Value steps;
  if (runtimeSteps)
    steps = func.getArgument(p + 1);
  else if (IntegerAttr count = sampler.getStepsAttr())
    steps = arith::ConstantIndexOp::create(b, loc, count.getInt());
  bool forward = sampler.getDirection() == Direction::Forward;
  auto result = IntegrateOp::create(
      b, loc, stateType,
      ODEMethodAttr::get(b.getContext(), sampler.getSolver()),
      flow.getNetworkAttr(), func.getArgument(p), steps,
      func.getArguments().take_front(p), b.getF64FloatAttr(forward ? 0.0 : 1.0),
      b.getF64FloatAttr(forward ? 1.0 : 0.0), sampler.getTimeGridAttr());
  func::ReturnOp::create(b, loc, result.getResult());
}

//===----------------------------------------------------------------------===//
// The pass
//===----------------------------------------------------------------------===//

namespace {
struct FmExpandFlowPass : mlir::fm::impl::FmExpandFlowBase<FmExpandFlowPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<FlowOp> flows(module.getOps<FlowOp>());
    SmallVector<TrainerOp> trainers(module.getOps<TrainerOp>());
    SmallVector<SamplerOp> samplers(module.getOps<SamplerOp>());
    if (flows.empty())
      return;

    // Every flow defines @init: one flow per module.
    if (flows.size() > 1) {
      InFlightDiagnostic diag =
          flows[1].emitOpError("cannot be expanded next to flow '")
          << flows[0].getSymName() << "': each flow defines @" << kInitName;
      diag.attachNote(flows[0].getLoc()) << "the other flow";
      return signalPassFailure();
    }
    FlowOp flow = flows.front();
    if (Operation *existing = module.lookupSymbol(kInitName);
        existing && existing != flow) {
      InFlightDiagnostic diag = flow.emitOpError("cannot define @")
                                << kInitName
                                << ": the module already has that symbol";
      diag.attachNote(existing->getLoc()) << "the symbol @" << kInitName;
      return signalPassFailure();
    }
    func::FuncOp network = flow.getNetworkFunction();

    OpBuilder b(&getContext());
    for (TrainerOp trainer : trainers) {
      b.setInsertionPoint(trainer);
      std::string lossName =
          uniqueSymbolName(module, (trainer.getSymName() + "_loss").str());
      buildTrainStep(b, trainer, flow, network, lossName);
      trainer.erase();
    }
    for (SamplerOp sampler : samplers) {
      b.setInsertionPoint(sampler);
      buildSampler(b, sampler, flow, network);
      sampler.erase();
    }
    b.setInsertionPoint(flow);
    buildInit(b, flow, network);
    flow.erase();
  }
};
} // namespace
