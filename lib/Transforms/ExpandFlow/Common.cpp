//===- Common.cpp - Helpers shared by fm-expand-flow's builders ----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Entry-point roles, constants, random draws and the training step that
// every flow shares: fm.trainer's optimizer step around a loss that each
// kind of flow builds.
//
//===----------------------------------------------------------------------===//

#include "ExpandFlow.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::fm;

/// Adam's two optimizer states per parameter, named as torch.optim.Adam's.
static constexpr llvm::StringLiteral kAdamSlots[] = {"exp_avg", "exp_avg_sq"};

/// Counter blocks one Philox draw of `type` consumes (fm.random_*).
int64_t expand::counterBlocks(RankedTensorType type) {
  return (type.getNumElements() + 3) / 4;
}

/// Marks `func` as an entry point of role `role` (fm/Runtime/Roles.h).
void expand::markEntryPoint(func::FuncOp func, fmrt::EntryRole role) {
  Builder b(func.getContext());
  func->setAttr("llvm.emit_c_interface", b.getUnitAttr());
  func->setAttr(StringRef(fmrt::kEntryAttr),
                b.getStringAttr(StringRef(fmrt::entryRoleName(role))));
}

/// Gives input (or result) `index` of `func` the role `role`, naming the
/// parameter it belongs to and its optimizer slot where given.
void expand::setRole(func::FuncOp func, bool isResult, unsigned index,
                     fmrt::ValueRole role, StringRef name, StringRef slot) {
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
std::string expand::uniqueSymbolName(ModuleOp module, StringRef base) {
  std::string name = base.str();
  for (unsigned n = 0; module.lookupSymbol(name); ++n)
    name = (base + "_" + Twine(n)).str();
  return name;
}

/// An f32 constant: `value` rounded to float.
Value expand::f32Constant(OpBuilder &b, Location loc, double value) {
  return arith::ConstantOp::create(
      b, loc, b.getF32FloatAttr(static_cast<float>(value)));
}

/// An i64 constant.
Value expand::i64Constant(OpBuilder &b, Location loc, int64_t value) {
  return arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(value));
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

/// Draws one time per batch row from the trainer's time distribution, from
/// random stream `stream`.
Value expand::drawTimes(OpBuilder &b, Location loc, Attribute distribution,
                        RankedTensorType type, Value seed, Value offset,
                        uint32_t stream) {
  return llvm::TypeSwitch<Attribute, Value>(distribution)
      .Case([&](UniformTimeAttr) {
        return RandomUniformOp::create(b, loc, type, seed, offset, stream);
      })
      .Case([&](LogitNormalTimeAttr a) {
        return RandomLogitNormalOp::create(b, loc, type, seed, offset, stream,
                                           a.getMean(), a.getStd());
      });
}
/// An f32 tensor of `type` filled with `value`; `rows` is the size of a
/// dynamic first dimension.
Value expand::filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                           Value rows, double value) {
  SmallVector<Value> dynamicSizes;
  if (type.getRank() > 0 && type.isDynamicDim(0))
    dynamicSizes.push_back(rows);
  Value empty = tensor::EmptyOp::create(b, loc, type, dynamicSizes);
  return linalg::FillOp::create(b, loc, f32Constant(b, loc, value), empty)
      .getResult(0);
}

void expand::setParamRoles(func::FuncOp func, unsigned first,
                           ArrayRef<std::string> names) {
  for (auto [i, name] : llvm::enumerate(names))
    setRole(func, /*isResult=*/false, first + i, fmrt::ValueRole::Param, name);
}

Value expand::castTo(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  return tensor::CastOp::create(b, loc, type, value);
}

Value expand::callNetwork(OpBuilder &b, Location loc, func::FuncOp network,
                          ValueRange dataInputs, ValueRange params) {
  FunctionType type = network.getFunctionType();
  SmallVector<Value> args;
  for (auto [value, input] : llvm::zip(dataInputs, type.getInputs()))
    args.push_back(castTo(b, loc, value, input));
  llvm::append_range(args, params);
  return func::CallOp::create(b, loc, network, args).getResult(0);
}

func::FuncOp expand::createLossFunction(OpBuilder &b, Location loc,
                                        StringRef name, ArrayRef<Type> params,
                                        TypeRange inputs) {
  SmallVector<Type> types(params);
  llvm::append_range(types, inputs);
  auto func = func::FuncOp::create(b, loc, name,
                                   b.getFunctionType(types, {b.getF32Type()}));
  func.setPrivate();
  b.setInsertionPointToStart(func.addEntryBlock());
  return func;
}

func::FuncOp expand::buildTrainStep(OpBuilder &b, TrainerOp trainer,
                                    func::FuncOp network, FlowKind kind,
                                    RankedTensorType batchType,
                                    StringRef lossName,
                                    LossInputsBuilder lossInputs) {
  Location loc = trainer.getLoc();
  ArrayRef<Type> params = FlowOp::getParameterTypes(network, kind);
  unsigned p = params.size();
  Type f32 = b.getF32Type(), i64 = b.getI64Type();
  SmallVector<Type> inputs, results = {f32};
  for (int copy = 0; copy < 3; ++copy) {
    llvm::append_range(inputs, params);
    llvm::append_range(results, params);
  }
  inputs.append({batchType, i64, i64});
  auto func = func::FuncOp::create(b, loc, trainer.getSymName(),
                                   b.getFunctionType(inputs, results));
  markEntryPoint(func, fmrt::EntryRole::TrainStep);
  SmallVector<std::string> names = FlowOp::getParameterNames(network, kind);
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

  // The loss and its gradient with respect to every input.
  SmallVector<Value> allInputs(weights);
  llvm::append_range(allInputs, lossInputs(b, loc, x1, seed, step));
  SmallVector<Type> vjpResults = {f32};
  llvm::append_range(vjpResults, ValueRange(allInputs).getTypes());
  Value one = f32Constant(b, loc, 1.0);
  auto vjp =
      VJPOp::create(b, loc, vjpResults, lossName, allInputs, ValueRange{one});

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
  return func;
}
