//===- Discrete.cpp - A discrete flow's entry points ----------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-expand-flow for a flow of kind discrete: the training step (a source
// draw, a point of the mixture path, the generalized KL or cross-entropy of
// the network's logits) and the CTMC sampler of the reference library's
// MixtureDiscreteEulerSolver. See fm.flow, fm.trainer and fm.sampler.
//
//===----------------------------------------------------------------------===//

#include "ExpandFlow.h"

using namespace mlir;
using namespace mlir::fm;
using namespace mlir::fm::expand;

/// The library's example draws t in [0, 1 − ε) so that 1 − κ_t > 0.
static constexpr double kTimeEpsilon = 1e-3;

/// A sampler's random streams: its CTMC steps and its final draw of X1.
static constexpr uint32_t kStepStream = 10, kFinalStream = 11;

/// Step k of a sampler draws at counter offset k·2⁴⁰ (+ its first token):
/// room for 2⁴⁰ tokens a call.
static constexpr int64_t kStepStride = int64_t(1) << 40;

/// Records what the runtime needs to draw and check a discrete flow's
/// tokens: the source and the vocabulary.
static void setTokenAttrs(func::FuncOp func, FlowOp flow) {
  Builder b(func.getContext());
  func->setAttr(StringRef(fmrt::kSourceAttr),
                b.getStringAttr(stringifySource(flow.getSource())));
  func->setAttr(StringRef(fmrt::kVocabularyAttr),
                b.getI64IntegerAttr(*flow.getVocabulary()));
}

/// `@<name>(params..., x1, x_t, t) -> loss`: the trainer's loss of the
/// network's logits at (x_t, t) against x1.
static void buildDiscreteLoss(OpBuilder &b, TrainerOp trainer, FlowOp flow,
                              func::FuncOp network, StringRef name,
                              RankedTensorType batchType,
                              RankedTensorType timeType) {
  Location loc = trainer.getLoc();
  ArrayRef<Type> params = FlowOp::getParameterTypes(network, flow.getKind());
  Type f32 = b.getF32Type();
  OpBuilder::InsertionGuard guard(b);
  func::FuncOp func = createLossFunction(b, loc, name, params,
                                         {batchType, batchType, timeType});
  unsigned p = params.size();
  Value x1 = func.getArgument(p), xt = func.getArgument(p + 1),
        t = func.getArgument(p + 2);
  Value logits =
      callNetwork(b, loc, network, {xt, t}, func.getArguments().take_front(p));
  SmallVector<int64_t> logitsShape(batchType.getShape());
  logitsShape.push_back(flow.getTokenCount());
  logits = castTo(b, loc, logits, RankedTensorType::get(logitsShape, f32));
  // The verifier gives a discrete flow one of these two losses.
  Value loss =
      trainer.getLoss() == Loss::GeneralizedKL
          ? GeneralizedKLLossOp::create(
                b, loc, f32, llvm::cast<SchedulerAttrInterface>(flow.getPath()),
                logits, x1, xt, t)
                .getResult()
          : CrossEntropyLossOp::create(b, loc, f32, logits, x1).getResult();
  func::ReturnOp::create(b, loc, loss);
}

void expand::buildDiscreteTrainStep(OpBuilder &b, TrainerOp trainer,
                                    FlowOp flow, func::FuncOp network,
                                    StringRef lossName) {
  Type tokenType =
      llvm::cast<RankedTensorType>(network.getFunctionType().getInput(0))
          .getElementType();
  SmallVector<int64_t> batchShape = {trainer.getBatchAttr().getInt()};
  llvm::append_range(batchShape, flow.getDataShape());
  auto batchType = RankedTensorType::get(batchShape, tokenType);
  auto timeType = RankedTensorType::get({batchShape.front()}, b.getF32Type());
  buildDiscreteLoss(b, trainer, flow, network, lossName, batchType, timeType);

  auto draw = [&](OpBuilder &b, Location loc, Value x1, Value seed,
                  Value step) -> SmallVector<Value> {
    // x0, t and the mixture draw from their own streams, at an offset that
    // advances by the blocks all three use, so no two steps share bits.
    Value blocks = i64Constant(
        b, loc, 2 * counterBlocks(batchType) + counterBlocks(timeType));
    Value offset = arith::MulIOp::create(b, loc, step, blocks);
    int64_t vocabulary = *flow.getVocabulary();
    Value x0;
    if (flow.getSource() == Source::Mask)
      x0 = arith::ConstantOp::create(
          b, loc,
          DenseElementsAttr::get(batchType,
                                 b.getIntegerAttr(tokenType, vocabulary)));
    else
      x0 = RandomTokensOp::create(b, loc, batchType, seed, offset,
                                  kSourceStream, vocabulary);
    Value u = drawTimes(b, loc, trainer.getTime(), timeType, seed, offset,
                        kTimeStream);
    Value empty = tensor::EmptyOp::create(b, loc, timeType, ValueRange{});
    AffineMap id = b.getMultiDimIdentityMap(1);
    Value t =
        linalg::GenericOp::create(
            b, loc, TypeRange{timeType}, ValueRange{u}, ValueRange{empty},
            ArrayRef<AffineMap>{id, id}, {utils::IteratorType::parallel},
            [&](OpBuilder &nb, Location nloc, ValueRange a) {
              linalg::YieldOp::create(
                  nb, nloc,
                  arith::MulFOp::create(
                      nb, nloc, a[0], f32Constant(nb, nloc, 1.0 - kTimeEpsilon))
                      .getResult());
            })
            .getResult(0);
    Value xt = MixtureSampleOp::create(
        b, loc, llvm::cast<SchedulerAttrInterface>(flow.getPath()), x0, x1, t,
        seed, offset, kMixtureStream);
    return {x1, xt, t};
  };
  func::FuncOp step = buildTrainStep(b, trainer, network, FlowKind::Discrete,
                                     batchType, lossName, draw);
  setTokenAttrs(step, flow);
}

/// p₁|ₜ(· | x, t) for every row at the f32 scalar time `t`: the softmax of
/// the network's logits.
static Value posterior(OpBuilder &b, Location loc, func::FuncOp network,
                       Value x, Value t, ValueRange params, Value &rowTimes) {
  auto timeType =
      llvm::cast<RankedTensorType>(network.getFunctionType().getInput(1));
  SmallVector<Value> dynamicRows;
  if (timeType.isDynamicDim(0))
    dynamicRows.push_back(tensor::DimOp::create(b, loc, x, 0));
  Value empty = tensor::EmptyOp::create(b, loc, timeType, dynamicRows);
  rowTimes = linalg::FillOp::create(b, loc, t, empty).getResult(0);
  Value logits = callNetwork(b, loc, network, {x, rowTimes}, params);
  return SoftmaxOp::create(b, loc, logits);
}

void expand::buildDiscreteSampler(OpBuilder &b, SamplerOp sampler, FlowOp flow,
                                  func::FuncOp network) {
  Location loc = sampler.getLoc();
  ArrayRef<Type> params = FlowOp::getParameterTypes(network, flow.getKind());
  unsigned p = params.size();
  auto stateType =
      llvm::cast<RankedTensorType>(network.getFunctionType().getInput(0));
  Type i64 = b.getI64Type(), f32 = b.getF32Type();
  bool runtimeSteps = !sampler.getStepsAttr();
  SmallVector<Type> inputs(params);
  inputs.push_back(stateType);
  if (runtimeSteps)
    inputs.push_back(b.getIndexType());
  inputs.append({i64, i64});
  auto func = func::FuncOp::create(b, loc, sampler.getSymName(),
                                   b.getFunctionType(inputs, {stateType}));
  markEntryPoint(func, fmrt::EntryRole::Sampler);
  func->setAttr(StringRef(fmrt::kSolverAttr),
                b.getStringAttr(stringifySamplerMethod(sampler.getSolver())));
  func->setAttr(StringRef(fmrt::kDirectionAttr),
                b.getStringAttr(stringifyDirection(Direction::Forward)));
  if (IntegerAttr count = sampler.getStepsAttr())
    func->setAttr(StringRef(fmrt::kFixedStepsAttr),
                  b.getI64IntegerAttr(count.getInt()));
  setTokenAttrs(func, flow);
  setParamRoles(func, 0,
                FlowOp::getParameterNames(network, FlowKind::Discrete));
  unsigned next = p;
  setRole(func, /*isResult=*/false, next++, fmrt::ValueRole::State);
  if (runtimeSteps)
    setRole(func, /*isResult=*/false, next++, fmrt::ValueRole::Steps);
  setRole(func, /*isResult=*/false, next++, fmrt::ValueRole::Seed);
  setRole(func, /*isResult=*/false, next, fmrt::ValueRole::FirstRow);
  setRole(func, /*isResult=*/true, 0, fmrt::ValueRole::State);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(func.addEntryBlock());

  ValueRange weights = func.getArguments().take_front(p);
  Value x = func.getArgument(p);
  Value steps = runtimeSteps ? func.getArgument(p + 1)
                             : arith::ConstantIndexOp::create(
                                   b, loc, sampler.getStepsAttr().getInt())
                                   .getResult();
  Value seed = func.getArgument(func.getNumArguments() - 2);
  Value firstRow = func.getArgument(func.getNumArguments() - 1);
  auto schedulerAttr = llvm::cast<SchedulerAttrInterface>(flow.getPath());
  double divFree =
      sampler.getDivFree() ? sampler.getDivFree()->convertToDouble() : 0.0;

  // The first token of this call among all the points sampled.
  int64_t rowTokens = 1;
  for (int64_t dim : flow.getDataShape())
    rowTokens *= dim;
  Value firstToken =
      arith::MulIOp::create(b, loc, firstRow, i64Constant(b, loc, rowTokens));
  Value steps64 = arith::IndexCastOp::create(b, loc, i64, steps);
  Value count = arith::SIToFPOp::create(b, loc, f32, steps64);
  Value h = arith::DivFOp::create(b, loc, f32Constant(b, loc, 1.0), count);
  Value c = f32Constant(b, loc, divFree);
  auto timeOf = [&](OpBuilder &nb, Location nloc, Value k64) -> Value {
    Value k = arith::SIToFPOp::create(nb, nloc, f32, k64);
    return arith::DivFOp::create(nb, nloc, k, count);
  };

  // Steps k = 0 .. K − 2: CTMC Euler steps from t = k/K to (k + 1)/K.
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value last = arith::SubIOp::create(b, loc, steps, one);
  auto loop = scf::ForOp::create(
      b, loc, zero, last, one, ValueRange{x},
      [&](OpBuilder &nb, Location nloc, Value k, ValueRange iterArgs) {
        Value k64 = arith::IndexCastOp::create(nb, nloc, i64, k);
        Value rowTimes;
        Value probs = posterior(nb, nloc, network, iterArgs[0],
                                timeOf(nb, nloc, k64), weights, rowTimes);
        Value offset = arith::AddIOp::create(
            nb, nloc,
            arith::MulIOp::create(nb, nloc, k64,
                                  i64Constant(nb, nloc, kStepStride)),
            firstToken);
        Value stepped = MixtureEulerStepOp::create(
            nb, nloc, stateType, schedulerAttr, flow.getSource(), iterArgs[0],
            probs, rowTimes, h, c, seed, offset, kStepStream);
        scf::YieldOp::create(nb, nloc, stepped);
      });

  // The last step, at t = (K − 1)/K: x ← X1 ~ p₁|ₜ. Its draw takes a word
  // per token, four to a block.
  Value last64 = arith::IndexCastOp::create(b, loc, i64, last);
  Value rowTimes;
  Value probs = posterior(b, loc, network, loop.getResult(0),
                          timeOf(b, loc, last64), weights, rowTimes);
  Value finalOffset = arith::AddIOp::create(
      b, loc,
      arith::MulIOp::create(b, loc, steps64, i64Constant(b, loc, kStepStride)),
      arith::DivUIOp::create(b, loc, firstToken, i64Constant(b, loc, 4)));
  Value result = RandomCategoricalOp::create(b, loc, stateType, probs, seed,
                                             finalOffset, kFinalStream);
  func::ReturnOp::create(b, loc, result);
}
