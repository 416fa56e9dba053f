//===- Likelihood.cpp - fm.likelihood's entry point -----------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-expand-flow for fm.likelihood: the augmented velocity (v, div v) from
// forward-mode products of the network, and the entry point integrating it
// from data back to noise.
//
//===----------------------------------------------------------------------===//

#include "ExpandFlow.h"

#include <cmath>

using namespace mlir;
using namespace mlir::fm;
using namespace mlir::fm::expand;

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
static void buildLikelihoodEntry(OpBuilder &b, LikelihoodOp likelihood,
                                 FlowOp flow, func::FuncOp network,
                                 StringRef velocityName) {
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

void expand::buildLikelihood(OpBuilder &b, LikelihoodOp likelihood, FlowOp flow,
                             func::FuncOp network, StringRef velocityName) {
  buildAugmentedVelocity(b, likelihood, network, velocityName);
  buildLikelihoodEntry(b, likelihood, flow, network, velocityName);
}
