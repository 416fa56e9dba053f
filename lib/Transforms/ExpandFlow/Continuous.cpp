//===- Continuous.cpp - Velocity and mean flows' entry points -------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-expand-flow for flows over f32 data: the training step of a velocity
// flow (conditional flow matching) or a mean flow (MeanFlow), and their
// samplers. The generated training step
// draws the same random numbers, in the same order, as the hand-written
// examples/moons.mlir, so both train bit-identical models.
//
//===----------------------------------------------------------------------===//

#include "ExpandFlow.h"

#include <cmath>

using namespace mlir;
using namespace mlir::fm;
using namespace mlir::fm::expand;

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
  Type f32 = b.getF32Type();
  OpBuilder::InsertionGuard guard(b);
  func::FuncOp func = createLossFunction(b, loc, name, params,
                                         {batchType, batchType, timeType});
  unsigned p = params.size();
  Value x1 = func.getArgument(p), x0 = func.getArgument(p + 1),
        t = func.getArgument(p + 2);
  auto sample = PathSampleOp::create(b, loc, flow.getPath(), x0, x1, t);

  // The network may take a dynamic batch: cast in and out.
  Value velocity = castTo(b, loc,
                          callNetwork(b, loc, network, {sample.getXT(), t},
                                      func.getArguments().take_front(p)),
                          batchType);
  // The verifier gives a flow of kind velocity the loss mse.
  Value loss = MSELossOp::create(b, loc, f32, velocity, sample.getDxT());
  func::ReturnOp::create(b, loc, loss);
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
  Type f32 = b.getF32Type();
  OpBuilder::InsertionGuard guard(b);
  func::FuncOp func = createLossFunction(
      b, loc, name, params, {batchType, batchType, timeType, timeType});
  unsigned p = params.size();
  Value x1 = func.getArgument(p), x0 = func.getArgument(p + 1),
        t = func.getArgument(p + 2), r = func.getArgument(p + 3);
  auto sample = PathSampleOp::create(b, loc, flow.getPath(), x0, x1, t);
  Value v = sample.getDxT();

  // (u, du/dt) from one forward-mode sweep along (v, 0, 1) over (z, r, t);
  // the parameters' tangents are zeros. The network may take a dynamic
  // batch: cast in and out.
  FunctionType networkType = network.getFunctionType();
  auto cast = [&](Value value, Type type) {
    return castTo(b, loc, value, type);
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

void expand::buildContinuousTrainStep(OpBuilder &b, TrainerOp trainer,
                                      FlowOp flow, func::FuncOp network,
                                      StringRef lossName) {
  FlowKind kind = flow.getKind();
  bool mean = kind == FlowKind::Mean;
  Type f32 = b.getF32Type();
  SmallVector<int64_t> batchShape = {trainer.getBatchAttr().getInt()};
  llvm::append_range(batchShape, flow.getDataShape());
  auto batchType = RankedTensorType::get(batchShape, f32);
  auto timeType = RankedTensorType::get({batchShape.front()}, f32);
  if (mean)
    buildMeanFlowLoss(b, trainer, flow, network, lossName, batchType, timeType);
  else
    buildLoss(b, trainer, flow, network, lossName, batchType, timeType);

  auto draw = [&](OpBuilder &b, Location loc, Value x1, Value seed,
                  Value step) -> SmallVector<Value> {
    // x0 and t (and a mean flow's second time) from their own streams, at
    // an offset that advances by the blocks all draws use, so no two steps
    // share random bits. The verifier gives velocity and mean flows the
    // Gaussian source.
    Value blocks = i64Constant(b, loc,
                               counterBlocks(batchType) +
                                   (mean ? 2 : 1) * counterBlocks(timeType));
    Value offset = arith::MulIOp::create(b, loc, step, blocks);
    Value x0 =
        RandomNormalOp::create(b, loc, batchType, seed, offset, kSourceStream);
    Value t = drawTimes(b, loc, trainer.getTime(), timeType, seed, offset,
                        kTimeStream);
    if (!mean)
      return {x1, x0, t};
    Value second = drawTimes(b, loc, trainer.getTime(), timeType, seed, offset,
                             kSecondTimeStream);
    MeanFlowLossAttr settings = getMeanFlowSettings(trainer);
    auto [tOrdered, r] =
        orderTimes(b, loc, t, second, settings.getRatio().convertToDouble());
    return {x1, x0, tOrdered, r};
  };
  buildTrainStep(b, trainer, network, kind, batchType, lossName, draw);
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
void expand::buildContinuousSampler(OpBuilder &b, SamplerOp sampler,
                                    FlowOp flow, func::FuncOp network) {
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