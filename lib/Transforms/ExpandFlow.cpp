//===- ExpandFlow.cpp - Declarative level to loop-level functions ---------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// This file implements fm-expand-flow: every fm.flow, fm.trainer,
// fm.sampler and fm.likelihood of a module becomes the entry point that
// fmrt::Program and fm-run call, written with loop-level fm ops. The generated
// training step draws the same random numbers, in the same order, as the
// hand-written examples/moons.mlir, so both train bit-identical models.
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

/// Random streams: x0 and t of a training step, a mean flow's second time,
/// and the first parameter's initialization (parameter i uses
/// kInitStream + i).
static constexpr uint32_t kSourceStream = 0, kTimeStream = 1,
                          kSecondTimeStream = 2, kInitStream = 100;

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
  FlowKind kind = flow.getKind();
  ArrayRef<Type> params = FlowOp::getParameterTypes(network, kind);
  auto func = func::FuncOp::create(b, loc, kInitName,
                                   b.getFunctionType({b.getI64Type()}, params));
  markEntryPoint(func, fmrt::EntryRole::Init);
  setRole(func, /*isResult=*/false, 0, fmrt::ValueRole::Seed);
  for (auto [i, name] :
       llvm::enumerate(FlowOp::getParameterNames(network, kind)))
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
        1.0 /
        std::sqrt(static_cast<double>(FlowOp::getFanIn(network, kind, i)));
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
  ArrayRef<Type> params = FlowOp::getParameterTypes(network, flow.getKind());
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
  // The verifier gives a flow of kind velocity the loss mse.
  Value loss = MSELossOp::create(b, loc, f32, velocity, sample.getDxT());
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

/// Draws one time per batch row from the trainer's time distribution, from
/// random stream `stream`.
static Value drawTimes(OpBuilder &b, Location loc, Attribute distribution,
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

/// The settings of a MeanFlow trainer: its `meanflow` clause or the
/// defaults.
static MeanFlowLossAttr getMeanFlowSettings(TrainerOp trainer) {
  if (MeanFlowLossAttr settings = trainer.getMeanflowAttr())
    return settings;
  return MeanFlowLossAttr::get(trainer.getContext(), llvm::APFloat(0.25),
                               llvm::APFloat(1.0), llvm::APFloat(0.01));
}

/// MeanFlow's pair of times from two draws a and b per row, in the
/// library's convention: t = min(a, b), r = max(a, b) on the first
/// round(ratio · rows) rows, and r = t on the others.
static std::pair<Value, Value> orderTimes(OpBuilder &b, Location loc, Value a,
                                          Value second, double ratio) {
  auto type = llvm::cast<RankedTensorType>(a.getType());
  int64_t rows = type.getDimSize(0);
  auto differing = static_cast<int64_t>(std::llround(ratio * rows));
  Value empty =
      tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  AffineMap id = b.getMultiDimIdentityMap(1);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{type, type}, ValueRange{a, second},
      ValueRange{empty, empty}, SmallVector<AffineMap>(4, id),
      {utils::IteratorType::parallel},
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value less = arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OLT,
                                           args[0], args[1]);
        Value lo = arith::SelectOp::create(nb, nloc, less, args[0], args[1]);
        Value hi = arith::SelectOp::create(nb, nloc, less, args[1], args[0]);
        Value row = linalg::IndexOp::create(nb, nloc, 0);
        Value keep = arith::CmpIOp::create(
            nb, nloc, arith::CmpIPredicate::slt, row,
            arith::ConstantIndexOp::create(nb, nloc, differing));
        Value r = arith::SelectOp::create(nb, nloc, keep, hi, lo);
        linalg::YieldOp::create(nb, nloc, ValueRange{lo, r});
      });
  return {generic.getResult(0), generic.getResult(1)};
}

/// The identity map and the map to the batch row of a rank-`rank` tensor.
static std::pair<AffineMap, AffineMap> rowMaps(OpBuilder &b, int64_t rank) {
  return {b.getMultiDimIdentityMap(rank),
          AffineMap::get(rank, 0, b.getAffineDimExpr(0))};
}

/// `@<name>(params..., x1, x0, t, r) -> loss`: MeanFlow's loss of one batch,
/// the function the training step differentiates (see fm.trainer).
static void buildMeanFlowLoss(OpBuilder &b, TrainerOp trainer, FlowOp flow,
                              func::FuncOp network, StringRef name,
                              RankedTensorType batchType,
                              RankedTensorType timeType) {
  Location loc = trainer.getLoc();
  ArrayRef<Type> params = FlowOp::getParameterTypes(network, flow.getKind());
  SmallVector<Type> inputs(params);
  inputs.append({batchType, batchType, timeType, timeType});
  Type f32 = b.getF32Type();
  auto func =
      func::FuncOp::create(b, loc, name, b.getFunctionType(inputs, {f32}));
  func.setPrivate();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(func.addEntryBlock());
  unsigned p = params.size();
  Value x1 = func.getArgument(p), x0 = func.getArgument(p + 1),
        t = func.getArgument(p + 2), r = func.getArgument(p + 3);
  auto sample = PathSampleOp::create(b, loc, flow.getPath(), x0, x1, t);
  Value v = sample.getDxT();

  // (u, du/dt) from one forward-mode sweep along (v, 0, 1) over (z, r, t);
  // the parameters' tangents are zeros. The network may take a dynamic
  // batch: cast in and out.
  FunctionType networkType = network.getFunctionType();
  auto cast = [&](Value value, Type type) -> Value {
    if (value.getType() == type)
      return value;
    return tensor::CastOp::create(b, loc, type, value);
  };
  auto splat = [&](Type type, double value) -> Value {
    auto shaped = llvm::cast<RankedTensorType>(type);
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(shaped,
                               b.getF32FloatAttr(static_cast<float>(value))));
  };
  SmallVector<Value> args = {cast(sample.getXT(), networkType.getInput(0)),
                             cast(r, networkType.getInput(1)),
                             cast(t, networkType.getInput(2))};
  llvm::append_range(args, func.getArguments().take_front(p));
  SmallVector<Value> tangents = {cast(v, networkType.getInput(0)),
                                 splat(timeType, 0.0), splat(timeType, 1.0)};
  tangents[1] = cast(tangents[1], networkType.getInput(1));
  tangents[2] = cast(tangents[2], networkType.getInput(2));
  for (Type param : params)
    tangents.push_back(splat(param, 0.0));
  Type resultType = networkType.getResult(0);
  auto jvp = JVPOp::create(b, loc, TypeRange{resultType, resultType},
                           network.getSymName(), args, tangents);
  Value u = cast(jvp.getPrimalResults()[0], batchType);
  Value dudt = cast(jvp.getResultTangents()[0], batchType);

  // u_tgt = stopgrad(v − (t − r)·du/dt).
  int64_t rank = batchType.getRank();
  auto [id, row] = rowMaps(b, rank);
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  Value emptyBatch = tensor::EmptyOp::create(b, loc, batchType.getShape(), f32);
  Value target =
      linalg::GenericOp::create(
          b, loc, TypeRange{batchType}, ValueRange{v, dudt, t, r},
          ValueRange{emptyBatch}, ArrayRef<AffineMap>{id, id, row, row, id},
          parallel,
          [](OpBuilder &nb, Location nloc, ValueRange a) {
            Value h = arith::SubFOp::create(nb, nloc, a[2], a[3]);
            Value hd = arith::MulFOp::create(nb, nloc, h, a[1]);
            linalg::YieldOp::create(
                nb, nloc,
                arith::SubFOp::create(nb, nloc, a[0], hd).getResult());
          })
          .getResult(0);
  target = StopGradientOp::create(b, loc, target);

  // Δ = Σ_d (u − u_tgt)² per row.
  Value zero = f32Constant(b, loc, 0.0);
  Value emptyRows = tensor::EmptyOp::create(b, loc, timeType.getShape(), f32);
  Value zeroRows = linalg::FillOp::create(b, loc, zero, emptyRows).getResult(0);
  SmallVector<utils::IteratorType> rowReduce(rank,
                                             utils::IteratorType::reduction);
  rowReduce[0] = utils::IteratorType::parallel;
  Value delta =
      linalg::GenericOp::create(
          b, loc, TypeRange{timeType}, ValueRange{u, target},
          ValueRange{zeroRows}, ArrayRef<AffineMap>{id, id, row}, rowReduce,
          [](OpBuilder &nb, Location nloc, ValueRange a) {
            Value d = arith::SubFOp::create(nb, nloc, a[0], a[1]);
            Value sq = arith::MulFOp::create(nb, nloc, d, d);
            linalg::YieldOp::create(
                nb, nloc,
                arith::AddFOp::create(nb, nloc, a[2], sq).getResult());
          })
          .getResult(0);

  // The adaptive weight stopgrad((Δ + c)^p).
  MeanFlowLossAttr settings = getMeanFlowSettings(trainer);
  double power = settings.getP().convertToDouble();
  double offset = settings.getC().convertToDouble();
  AffineMap rowId = b.getMultiDimIdentityMap(1);
  Value weight =
      linalg::GenericOp::create(
          b, loc, TypeRange{timeType}, ValueRange{delta}, ValueRange{emptyRows},
          ArrayRef<AffineMap>{rowId, rowId}, {utils::IteratorType::parallel},
          [&](OpBuilder &nb, Location nloc, ValueRange a) {
            Value w = arith::AddFOp::create(nb, nloc, a[0],
                                            f32Constant(nb, nloc, offset));
            if (power == 0.0)
              w = f32Constant(nb, nloc, 1.0);
            else if (power != 1.0)
              w = math::PowFOp::create(nb, nloc, w,
                                       f32Constant(nb, nloc, power));
            linalg::YieldOp::create(nb, nloc, w);
          })
          .getResult(0);
  weight = StopGradientOp::create(b, loc, weight);

  // L = mean(Δ / weight).
  Value emptyScalar = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, f32);
  Value zeroScalar =
      linalg::FillOp::create(b, loc, zero, emptyScalar).getResult(0);
  AffineMap toScalar = AffineMap::get(1, 0, {}, b.getContext());
  Value sum =
      linalg::GenericOp::create(
          b, loc, TypeRange{zeroScalar.getType()}, ValueRange{delta, weight},
          ValueRange{zeroScalar}, ArrayRef<AffineMap>{rowId, rowId, toScalar},
          {utils::IteratorType::reduction},
          [](OpBuilder &nb, Location nloc, ValueRange a) {
            Value q = arith::DivFOp::create(nb, nloc, a[0], a[1]);
            linalg::YieldOp::create(
                nb, nloc, arith::AddFOp::create(nb, nloc, a[2], q).getResult());
          })
          .getResult(0);
  Value total = tensor::ExtractOp::create(b, loc, sum, ValueRange{});
  Value loss = arith::DivFOp::create(
      b, loc, total,
      f32Constant(b, loc, static_cast<double>(timeType.getDimSize(0))));
  func::ReturnOp::create(b, loc, loss);
}

/// `@<trainer>(params, first moments, second moments, x1, seed, step) ->
/// (loss, params, first moments, second moments)`, after its loss
/// `@<lossName>`.
static void buildTrainStep(OpBuilder &b, TrainerOp trainer, FlowOp flow,
                           func::FuncOp network, StringRef lossName) {
  Location loc = trainer.getLoc();
  FlowKind kind = flow.getKind();
  bool mean = kind == FlowKind::Mean;
  ArrayRef<Type> params = FlowOp::getParameterTypes(network, kind);
  unsigned p = params.size();
  Type f32 = b.getF32Type(), i64 = b.getI64Type();
  SmallVector<int64_t> batchShape = {trainer.getBatchAttr().getInt()};
  llvm::append_range(batchShape, flow.getDataShape());
  auto batchType = RankedTensorType::get(batchShape, f32);
  auto timeType = RankedTensorType::get({batchShape.front()}, f32);
  if (mean)
    buildMeanFlowLoss(b, trainer, flow, network, lossName, batchType, timeType);
  else
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

  // x0 and t (and a mean flow's second time) from their own streams, at an
  // offset that advances by the blocks all draws use, so no two steps share
  // random bits.
  Value blocks = i64Constant(b, loc,
                             counterBlocks(batchType) +
                                 (mean ? 2 : 1) * counterBlocks(timeType));
  Value offset = arith::MulIOp::create(b, loc, step, blocks);
  Value x0;
  switch (flow.getSource()) {
  case Source::Gaussian:
    x0 = RandomNormalOp::create(b, loc, batchType, seed, offset, kSourceStream);
    break;
  case Source::Uniform:
  case Source::Mask:
    llvm_unreachable("the flow verifier admits token sources only for "
                     "token data");
  }
  Value t =
      drawTimes(b, loc, trainer.getTime(), timeType, seed, offset, kTimeStream);

  // The loss and its gradient with respect to every input.
  SmallVector<Value> lossInputs(weights);
  lossInputs.append({x1, x0});
  if (mean) {
    Value second = drawTimes(b, loc, trainer.getTime(), timeType, seed, offset,
                             kSecondTimeStream);
    MeanFlowLossAttr settings = getMeanFlowSettings(trainer);
    auto [tOrdered, r] =
        orderTimes(b, loc, t, second, settings.getRatio().convertToDouble());
    lossInputs.append({tOrdered, r});
  } else {
    lossInputs.push_back(t);
  }
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

/// One MeanFlow step of the state `z` from time `t` to time `r` (f32
/// scalars): z − (t − r)·u(z, r, t).
static Value buildMeanFlowStep(OpBuilder &b, Location loc, func::FuncOp network,
                               Value z, Value t, Value r, ValueRange params) {
  FunctionType networkType = network.getFunctionType();
  auto zType = llvm::cast<RankedTensorType>(z.getType());
  auto rowsType = llvm::cast<RankedTensorType>(networkType.getInput(1));
  SmallVector<Value> dynamicRows;
  if (rowsType.isDynamicDim(0))
    dynamicRows.push_back(tensor::DimOp::create(b, loc, z, 0));
  Value emptyRows = tensor::EmptyOp::create(b, loc, rowsType, dynamicRows);
  Value tRows = linalg::FillOp::create(b, loc, t, emptyRows).getResult(0);
  Value rRows = linalg::FillOp::create(b, loc, r, emptyRows).getResult(0);
  SmallVector<Value> args = {z, rRows, tRows};
  llvm::append_range(args, params);
  Value u = func::CallOp::create(b, loc, network, args).getResult(0);
  Value h = arith::SubFOp::create(b, loc, t, r);
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < zType.getRank(); ++d)
    if (zType.isDynamicDim(d))
      dynamicSizes.push_back(tensor::DimOp::create(b, loc, z, d));
  Value empty = tensor::EmptyOp::create(b, loc, zType, dynamicSizes);
  AffineMap id = b.getMultiDimIdentityMap(zType.getRank());
  return linalg::GenericOp::create(
             b, loc, TypeRange{zType}, ValueRange{z, u}, ValueRange{empty},
             ArrayRef<AffineMap>{id, id, id},
             SmallVector<utils::IteratorType>(zType.getRank(),
                                              utils::IteratorType::parallel),
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value hu = arith::MulFOp::create(nb, nloc, h, a[1]);
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::SubFOp::create(nb, nloc, a[0], hu).getResult());
             })
      .getResult(0);
}

/// A MeanFlow sampler's steps from noise to data: along `grid`, or `steps`
/// equal steps (an scf.for with t = k/K and r = (k+1)/K).
static Value buildMeanFlowSteps(OpBuilder &b, Location loc,
                                func::FuncOp network, Value z, Value steps,
                                ValueRange params, DenseF64ArrayAttr grid) {
  if (grid) {
    ArrayRef<double> times = grid.asArrayRef();
    for (size_t i = 0; i + 1 < times.size(); ++i)
      z = buildMeanFlowStep(b, loc, network, z, f32Constant(b, loc, times[i]),
                            f32Constant(b, loc, times[i + 1]), params);
    return z;
  }
  Type f32 = b.getF32Type();
  auto toFloat = [&](OpBuilder &nb, Location nloc, Value index) -> Value {
    Value i64 = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), index);
    return arith::SIToFPOp::create(nb, nloc, f32, i64);
  };
  Value count = toFloat(b, loc, steps);
  Value zeroIndex = arith::ConstantIndexOp::create(b, loc, 0);
  Value oneIndex = arith::ConstantIndexOp::create(b, loc, 1);
  auto loop = scf::ForOp::create(
      b, loc, zeroIndex, steps, oneIndex, ValueRange{z},
      [&](OpBuilder &nb, Location nloc, Value k, ValueRange iterArgs) {
        Value next = arith::AddIOp::create(nb, nloc, k, oneIndex);
        Value t = arith::DivFOp::create(nb, nloc, toFloat(nb, nloc, k), count);
        Value r =
            arith::DivFOp::create(nb, nloc, toFloat(nb, nloc, next), count);
        Value z1 =
            buildMeanFlowStep(nb, nloc, network, iterArgs[0], t, r, params);
        scf::YieldOp::create(nb, nloc, z1);
      });
  return loop.getResult(0);
}

/// `@<sampler>(params, x[, steps: index]) -> x`: one fm.integrate, or a
/// MeanFlow sampler's steps.
static void buildSampler(OpBuilder &b, SamplerOp sampler, FlowOp flow,
                         func::FuncOp network) {
  Location loc = sampler.getLoc();
  FlowKind kind = flow.getKind();
  ArrayRef<Type> params = FlowOp::getParameterTypes(network, kind);
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
                b.getStringAttr(stringifySamplerMethod(sampler.getSolver())));
  func->setAttr(StringRef(fmrt::kDirectionAttr),
                b.getStringAttr(stringifyDirection(sampler.getDirection())));
  if (IntegerAttr count = sampler.getStepsAttr())
    func->setAttr(StringRef(fmrt::kFixedStepsAttr),
                  b.getI64IntegerAttr(count.getInt()));
  if (DenseF64ArrayAttr grid = sampler.getTimeGridAttr())
    func->setAttr(StringRef(fmrt::kTimeGridAttr), grid);
  for (auto [i, name] :
       llvm::enumerate(FlowOp::getParameterNames(network, kind)))
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
  if (kind == FlowKind::Mean) {
    func::ReturnOp::create(b, loc,
                           buildMeanFlowSteps(b, loc, network,
                                              func.getArgument(p), steps,
                                              func.getArguments().take_front(p),
                                              sampler.getTimeGridAttr()));
    return;
  }
  bool forward = sampler.getDirection() == Direction::Forward;
  // The verifier gives a flow of kind velocity an ODE method.
  auto method =
      *symbolizeODEMethod(stringifySamplerMethod(sampler.getSolver()));
  auto result = IntegrateOp::create(
      b, loc, stateType, ODEMethodAttr::get(b.getContext(), method),
      flow.getNetworkAttr(), func.getArgument(p), steps,
      func.getArguments().take_front(p), b.getF64FloatAttr(forward ? 0.0 : 1.0),
      b.getF64FloatAttr(forward ? 1.0 : 0.0), sampler.getTimeGridAttr());
  func::ReturnOp::create(b, loc, result.getResult());
}

//===----------------------------------------------------------------------===//
// fm.likelihood → @<likelihood>
//===----------------------------------------------------------------------===//

/// An f32 tensor of `type` filled with `value`; `rows` is the size of a
/// dynamic first dimension.
static Value filledTensor(OpBuilder &b, Location loc, RankedTensorType type,
                          Value rows, double value) {
  SmallVector<Value> dynamicSizes;
  if (type.getRank() > 0 && type.isDynamicDim(0))
    dynamicSizes.push_back(rows);
  Value empty = tensor::EmptyOp::create(b, loc, type, dynamicSizes);
  return linalg::FillOp::create(b, loc, f32Constant(b, loc, value), empty)
      .getResult(0);
}

/// The offsets, sizes and strides of columns [first, first + count) of an
/// [N, ·] tensor with `rows` rows.
static std::array<SmallVector<OpFoldResult>, 3>
columns(OpBuilder &b, OpFoldResult rows, int64_t first, int64_t count) {
  return {SmallVector<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(first)},
          SmallVector<OpFoldResult>{rows, b.getIndexAttr(count)},
          SmallVector<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)}};
}

/// `acc + Σ_j a[:, j]·b[:, j]` for [N, D] tensors a and b and an [N] `acc`.
static Value accumulateRowDots(OpBuilder &b, Location loc, Value lhs, Value rhs,
                               Value acc) {
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  return linalg::GenericOp::create(
             b, loc, TypeRange{acc.getType()}, ValueRange{lhs, rhs},
             ValueRange{acc}, ArrayRef<AffineMap>{id, id, row},
             ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                           utils::IteratorType::reduction},
             [&](OpBuilder &nb, Location nloc, ValueRange a) {
               Value prod = arith::MulFOp::create(nb, nloc, a[0], a[1]);
               linalg::YieldOp::create(
                   nb, nloc,
                   arith::AddFOp::create(nb, nloc, a[2], prod).getResult());
             })
      .getResult(0);
}

/// `@<name>(xa: [N, D+1], t: [N], params...[, z: [N, D]]) -> [N, D+1]`:
/// the velocity (v(x, t), div v(x, t)) of the augmented state [x | ℓ], the
/// divergence from D fm.jvp's with the unit tangents (exact) or from one
/// with the probe z (Hutchinson), with zero tangents for t and the
/// parameters.
static void buildAugmentedVelocity(OpBuilder &b, LikelihoodOp likelihood,
                                   func::FuncOp network, StringRef name) {
  Location loc = likelihood.getLoc();
  FunctionType networkType = network.getFunctionType();
  auto xType = llvm::cast<RankedTensorType>(networkType.getInput(0));
  auto tType = llvm::cast<RankedTensorType>(networkType.getInput(1));
  ArrayRef<Type> params =
      FlowOp::getParameterTypes(network, FlowKind::Velocity);
  int64_t d = xType.getDimSize(1);
  auto augType = RankedTensorType::get({xType.getDimSize(0), d + 1},
                                       xType.getElementType());
  bool hutchinson = likelihood.getDivergence() == Divergence::Hutchinson;
  SmallVector<Type> inputs = {augType, tType};
  llvm::append_range(inputs, params);
  if (hutchinson)
    inputs.push_back(xType);
  auto func =
      func::FuncOp::create(b, loc, name, b.getFunctionType(inputs, {augType}));
  func.setPrivate();
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(func.addEntryBlock());
  Value xa = func.getArgument(0), t = func.getArgument(1);
  ValueRange weights = func.getArguments().slice(2, params.size());

  Value rows;
  OpFoldResult rowSize = b.getIndexAttr(xType.getDimSize(0));
  if (xType.isDynamicDim(0)) {
    rows = tensor::DimOp::create(b, loc, xa, 0);
    rowSize = rows;
  }
  auto [xOffsets, xSizes, xStrides] = columns(b, rowSize, 0, d);
  Value x = tensor::ExtractSliceOp::create(b, loc, xType, xa, xOffsets, xSizes,
                                           xStrides);
  SmallVector<Value> jvpInputs = {x, t};
  llvm::append_range(jvpInputs, weights);
  SmallVector<Value> zeroTangents = {filledTensor(b, loc, tType, rows, 0.0)};
  for (Type type : params)
    zeroTangents.push_back(arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(llvm::cast<ShapedType>(type),
                               b.getF32FloatAttr(0.0f))));
  auto jvp = [&](Value tangent) {
    SmallVector<Value> tangents = {tangent};
    llvm::append_range(tangents, zeroTangents);
    return JVPOp::create(b, loc, TypeRange{xType, xType}, network.getSymName(),
                         jvpInputs, tangents);
  };

  auto divType =
      RankedTensorType::get({xType.getDimSize(0)}, xType.getElementType());
  Value div = filledTensor(b, loc, divType, rows, 0.0);
  Value v;
  if (hutchinson) {
    Value z = func.getArguments().back();
    JVPOp product = jvp(z);
    v = product.getPrimalResults()[0];
    div = accumulateRowDots(b, loc, z, product.getResultTangents()[0], div);
  } else {
    AffineMap id = b.getMultiDimIdentityMap(2);
    for (int64_t i = 0; i < d; ++i) {
      // e_i in every row.
      SmallVector<Value> dynamicSizes;
      if (rows)
        dynamicSizes.push_back(rows);
      Value empty = tensor::EmptyOp::create(b, loc, xType, dynamicSizes);
      Value unit =
          linalg::GenericOp::create(
              b, loc, TypeRange{xType}, ValueRange{}, ValueRange{empty},
              ArrayRef<AffineMap>{id},
              ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                            utils::IteratorType::parallel},
              [&](OpBuilder &nb, Location nloc, ValueRange) {
                Value j = linalg::IndexOp::create(nb, nloc, 1);
                Value is = arith::CmpIOp::create(
                    nb, nloc, arith::CmpIPredicate::eq, j,
                    arith::ConstantIndexOp::create(nb, nloc, i));
                Value one = f32Constant(nb, nloc, 1.0);
                Value zero = f32Constant(nb, nloc, 0.0);
                linalg::YieldOp::create(
                    nb, nloc,
                    arith::SelectOp::create(nb, nloc, is, one, zero)
                        .getResult());
              })
              .getResult(0);
      JVPOp product = jvp(unit);
      if (i == 0)
        v = product.getPrimalResults()[0];
      div =
          accumulateRowDots(b, loc, unit, product.getResultTangents()[0], div);
    }
  }
  SmallVector<Value> dynamicSizes;
  if (rows)
    dynamicSizes.push_back(rows);
  Value result = tensor::EmptyOp::create(b, loc, augType, dynamicSizes);
  result = tensor::InsertSliceOp::create(b, loc, v, result, xOffsets, xSizes,
                                         xStrides);
  auto [lOffsets, lSizes, lStrides] = columns(b, rowSize, d, 1);
  result = tensor::InsertSliceOp::create(b, loc, div, result, lOffsets, lSizes,
                                         lStrides);
  func::ReturnOp::create(b, loc, result);
}

/// `@<likelihood>(params, x[, steps: index][, seed: i64]) -> logp`: one
/// fm.integrate of [x | 0] from t = 1 to t = 0 on the augmented velocity,
/// then log N(x(0); 0, I) + ℓ(0) per point.
static void buildLikelihood(OpBuilder &b, LikelihoodOp likelihood, FlowOp flow,
                            func::FuncOp network, StringRef velocityName) {
  Location loc = likelihood.getLoc();
  ArrayRef<Type> params =
      FlowOp::getParameterTypes(network, FlowKind::Velocity);
  unsigned p = params.size();
  auto xType =
      llvm::cast<RankedTensorType>(network.getFunctionType().getInput(0));
  int64_t d = xType.getDimSize(1);
  auto augType = RankedTensorType::get({xType.getDimSize(0), d + 1},
                                       xType.getElementType());
  auto logpType =
      RankedTensorType::get({xType.getDimSize(0)}, xType.getElementType());
  bool runtimeSteps = !likelihood.getStepsAttr();
  bool hutchinson = likelihood.getDivergence() == Divergence::Hutchinson;
  SmallVector<Type> inputs(params);
  inputs.push_back(xType);
  if (runtimeSteps)
    inputs.push_back(b.getIndexType());
  if (hutchinson)
    inputs.push_back(b.getI64Type());
  auto func = func::FuncOp::create(b, loc, likelihood.getSymName(),
                                   b.getFunctionType(inputs, {logpType}));
  markEntryPoint(func, fmrt::EntryRole::Likelihood);
  func->setAttr(StringRef(fmrt::kSolverAttr),
                b.getStringAttr(stringifyODEMethod(likelihood.getSolver())));
  func->setAttr(
      StringRef(fmrt::kDivergenceAttr),
      b.getStringAttr(stringifyDivergence(likelihood.getDivergence())));
  if (IntegerAttr count = likelihood.getStepsAttr())
    func->setAttr(StringRef(fmrt::kFixedStepsAttr),
                  b.getI64IntegerAttr(count.getInt()));
  for (auto [i, name] :
       llvm::enumerate(FlowOp::getParameterNames(network, FlowKind::Velocity)))
    setRole(func, /*isResult=*/false, i, fmrt::ValueRole::Param, name);
  setRole(func, /*isResult=*/false, p, fmrt::ValueRole::State);
  if (runtimeSteps)
    setRole(func, /*isResult=*/false, p + 1, fmrt::ValueRole::Steps);
  if (hutchinson)
    setRole(func, /*isResult=*/false, func.getNumArguments() - 1,
            fmrt::ValueRole::Seed);
  setRole(func, /*isResult=*/true, 0, fmrt::ValueRole::LogP);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(func.addEntryBlock());

  Value x = func.getArgument(p);
  Value rows;
  OpFoldResult rowSize = b.getIndexAttr(xType.getDimSize(0));
  if (xType.isDynamicDim(0)) {
    rows = tensor::DimOp::create(b, loc, x, 0);
    rowSize = rows;
  }
  auto [xOffsets, xSizes, xStrides] = columns(b, rowSize, 0, d);
  Value xa = tensor::InsertSliceOp::create(
      b, loc, x, filledTensor(b, loc, augType, rows, 0.0), xOffsets, xSizes,
      xStrides);
  SmallVector<Value> velocityParams(func.getArguments().take_front(p));
  if (hutchinson) {
    // One Rademacher probe per point: +1 where u ≥ 1/2, else −1.
    Value u = RandomUniformOp::create(b, loc, xType, func.getArguments().back(),
                                      i64Constant(b, loc, 0), 0);
    AffineMap id = b.getMultiDimIdentityMap(2);
    Value empty = tensor::EmptyOp::create(b, loc, xType, ValueRange{});
    velocityParams.push_back(
        linalg::GenericOp::create(
            b, loc, TypeRange{xType}, ValueRange{u}, ValueRange{empty},
            ArrayRef<AffineMap>{id, id},
            ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                          utils::IteratorType::parallel},
            [&](OpBuilder &nb, Location nloc, ValueRange a) {
              Value high =
                  arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::OGE,
                                        a[0], f32Constant(nb, nloc, 0.5));
              linalg::YieldOp::create(
                  nb, nloc,
                  arith::SelectOp::create(nb, nloc, high,
                                          f32Constant(nb, nloc, 1.0),
                                          f32Constant(nb, nloc, -1.0))
                      .getResult());
            })
            .getResult(0));
  }
  Value steps = runtimeSteps ? func.getArgument(p + 1)
                             : arith::ConstantIndexOp::create(
                                   b, loc, likelihood.getStepsAttr().getInt())
                                   .getResult();
  auto integrated = IntegrateOp::create(
      b, loc, augType,
      ODEMethodAttr::get(b.getContext(), likelihood.getSolver()),
      FlatSymbolRefAttr::get(b.getContext(), velocityName), xa, steps,
      velocityParams, b.getF64FloatAttr(1.0), b.getF64FloatAttr(0.0),
      DenseF64ArrayAttr());
  Value ya = integrated.getResult();
  Value x0 = tensor::ExtractSliceOp::create(b, loc, xType, ya, xOffsets, xSizes,
                                            xStrides);
  auto [lOffsets, lSizes, lStrides] = columns(b, rowSize, d, 1);
  Value l = tensor::ExtractSliceOp::create(b, loc, logpType, ya, lOffsets,
                                           lSizes, lStrides);
  // log N(x0; 0, I) = Σ_j (−x0_j²/2 − log(2π)/2).
  MLIRContext *ctx = b.getContext();
  AffineMap id = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap row = AffineMap::get(2, 0, getAffineDimExpr(0, ctx));
  Value halfLog2Pi = f32Constant(b, loc, 0.5 * std::log(2.0 * M_PI));
  Value half = f32Constant(b, loc, 0.5);
  Value logp =
      linalg::GenericOp::create(
          b, loc, TypeRange{logpType}, ValueRange{x0}, ValueRange{l},
          ArrayRef<AffineMap>{id, row},
          ArrayRef<utils::IteratorType>{utils::IteratorType::parallel,
                                        utils::IteratorType::reduction},
          [&](OpBuilder &nb, Location nloc, ValueRange a) {
            Value sq = arith::MulFOp::create(nb, nloc, a[0], a[0]);
            Value hsq = arith::MulFOp::create(nb, nloc, half, sq);
            Value term = arith::AddFOp::create(nb, nloc, hsq, halfLog2Pi);
            linalg::YieldOp::create(
                nb, nloc,
                arith::SubFOp::create(nb, nloc, a[1], term).getResult());
          })
          .getResult(0);
  func::ReturnOp::create(b, loc, logp);
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
    SmallVector<LikelihoodOp> likelihoods(module.getOps<LikelihoodOp>());
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
    for (LikelihoodOp likelihood : likelihoods) {
      b.setInsertionPoint(likelihood);
      std::string velocityName = uniqueSymbolName(
          module, (likelihood.getSymName() + "_velocity").str());
      buildAugmentedVelocity(b, likelihood, network, velocityName);
      buildLikelihood(b, likelihood, flow, network, velocityName);
      likelihood.erase();
    }
    b.setInsertionPoint(flow);
    buildInit(b, flow, network);
    flow.erase();
  }
};
} // namespace
