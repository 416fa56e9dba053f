//===- Normalization.cpp - ONNX's reductions and normalizations -----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// ReduceMean, ReduceSum and ReduceMax, Softmax and LogSoftmax (through the
// row maximum), InstanceNormalization and LayerNormalization, on the
// moments they share.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include "fm/Dialect/FmOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringSwitch.h"

#include <limits>

using namespace mlir;
using namespace mlir::fm::onnx;

LogicalResult Lowering::reduction(bool mean, bool max) {
  Value x = im.input(0);
  if (!x)
    return failure();
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t rank = type.getRank();
  SmallVector<int64_t> axes;
  bool hasAxes = false;
  // ReduceSum (13) takes its axes as an input; ReduceMean and ReduceMax
  // (until 18) as an attribute.
  bool axesInput = !mean && !max;
  if (axesInput && im.optionalInput(1)) {
    FailureOr<SmallVector<int64_t>> given = im.intsInput(1, "axes");
    if (failed(given))
      return failure();
    axes = *given;
    hasAxes = true;
  } else if (std::optional<SmallVector<int64_t>> attr = im.intsAttr("axes")) {
    axes = *attr;
    hasAxes = true;
  }
  if (axes.empty()) {
    if (hasAxes && axesInput && im.intAttr("noop_with_empty_axes", 0))
      return result(x);
    for (int64_t d = 0; d < rank; ++d)
      axes.push_back(d);
  }
  if (failed(im.normalizeAxes(axes, rank)))
    return failure();
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  Value sum = im.reduce(x, axes, max);
  if (mean) {
    Type element = type.getElementType();
    if (!llvm::isa<FloatType>(element))
      return im.error() << "ReduceMean of integers is not supported";
    // The count of reduced elements, at run time where a size is dynamic.
    SmallVector<OpFoldResult> sizes = im.sizesOf(x);
    Value count = arith::ConstantIndexOp::create(b, loc, 1);
    for (int64_t a : axes)
      count = arith::MulIOp::create(
          b, loc, count, getValueOrCreateConstantIndexOp(b, loc, sizes[a]));
    Value n = arith::UIToFPOp::create(
        b, loc, element,
        arith::IndexCastUIOp::create(b, loc, b.getI64Type(), count));
    sum = im.unary(sum, [&](OpBuilder &nb, Location nloc, ValueRange args) {
      return arith::DivFOp::create(nb, nloc, args[0], n).getResult();
    });
  }
  if (im.intAttr("keepdims", 1))
    sum = im.insertUnitDims(sum, axes);
  return result(sum);
}

LogicalResult Lowering::softmax(bool log) {
  FailureOr<Value> in = floatInput(0);
  if (failed(in))
    return failure();
  Value x = *in;
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t rank = type.getRank();
  FailureOr<int64_t> axis = im.normalizeAxis(im.intAttr("axis", -1), rank);
  if (failed(axis))
    return failure();
  if (rank == 0)
    return im.error() << "the input must have rank >= 1";
  // m = max over the axis; softmax = e^(x−m) / Σ e^(x−m), and
  // log softmax = (x − m) − log Σ e^(x−m).
  Value m = im.reduce(x, {*axis}, /*max=*/true);
  SmallVector<AffineExpr> rowExprs;
  for (int64_t d = 0; d < rank; ++d)
    if (d != *axis)
      rowExprs.push_back(b.getAffineDimExpr(d));
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap row = AffineMap::get(rank, 0, rowExprs, im.context);
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  SmallVector<OpFoldResult> sizes = im.sizesOf(x);
  Type element = type.getElementType();
  Value e = im.generic({x, m}, {id, row}, id, parallel, sizes, element, {},
                       [](OpBuilder &nb, Location nloc, ValueRange args) {
                         Value d =
                             arith::SubFOp::create(nb, nloc, args[0], args[1]);
                         return math::ExpOp::create(nb, nloc, d).getResult();
                       });
  Value sum = im.reduce(e, {*axis}, /*max=*/false);
  if (!log)
    return result(im.generic(
        {e, sum}, {id, row}, id, parallel, sizes, element, {},
        [](OpBuilder &nb, Location nloc, ValueRange args) {
          return arith::DivFOp::create(nb, nloc, args[0], args[1]).getResult();
        }));
  return result(
      im.generic({x, m, sum}, {id, row, row}, id, parallel, sizes, element, {},
                 [](OpBuilder &nb, Location nloc, ValueRange args) {
                   Value d = arith::SubFOp::create(nb, nloc, args[0], args[1]);
                   Value l = math::LogOp::create(nb, nloc, args[2]);
                   return arith::SubFOp::create(nb, nloc, d, l).getResult();
                 }));
}

/// x − mean and the (biased) variance of x over `axes` (sorted, static),
/// the statistics indexed by `stats`: what normalization layers share.
std::pair<Value, Value> Lowering::moments(Value x, ArrayRef<int64_t> axes,
                                          AffineMap stats) {
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  int64_t count = 1;
  for (int64_t d : axes)
    count *= type.getDimSize(d);
  AffineMap id = b.getMultiDimIdentityMap(rank);
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  auto perCount = [&](Value sum) {
    return im.unary(sum, [&](OpBuilder &nb, Location nloc, ValueRange args) {
      return arith::DivFOp::create(
                 nb, nloc, args[0],
                 Scalar{nb, nloc}.constant(element, static_cast<double>(count)))
          .getResult();
    });
  };
  Value mean = perCount(im.reduce(x, axes, /*max=*/false));
  Value centered = im.generic(
      {x, mean}, {id, stats}, id, parallel, im.sizesOf(x), element, {},
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        return arith::SubFOp::create(nb, nloc, args[0], args[1]).getResult();
      });
  Value squares =
      im.unary(centered, [](OpBuilder &nb, Location nloc, ValueRange args) {
        return arith::MulFOp::create(nb, nloc, args[0], args[0]).getResult();
      });
  return {centered, perCount(im.reduce(squares, axes, /*max=*/false))};
}

LogicalResult Lowering::instanceNorm() {
  FailureOr<Value> xIn = floatInput(0), scaleIn = floatInput(1),
                   biasIn = floatInput(2);
  if (failed(xIn) || failed(scaleIn) || failed(biasIn))
    return failure();
  Value x = *xIn;
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t rank = type.getRank();
  if (rank < 3 || GraphImporter::typeOf(*scaleIn).getRank() != 1 ||
      GraphImporter::typeOf(*biasIn).getRank() != 1)
    return im.error() << "needs an [N, C, spatial...] input and [C] scale "
                         "and bias";
  if (llvm::any_of(type.getShape().drop_front(2), ShapedType::isDynamic))
    return im.error() << "only the batch dimension may be dynamic";
  Type element = type.getElementType();
  double eps = im.floatAttr("epsilon", 1e-5f);
  // Mean and (biased) variance over the spatial dimensions of each (n, c).
  SmallVector<int64_t> axes;
  for (int64_t d = 2; d < rank; ++d)
    axes.push_back(d);
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap nc = AffineMap::get(
      rank, 0, {b.getAffineDimExpr(0), b.getAffineDimExpr(1)}, im.context);
  AffineMap c = AffineMap::get(rank, 0, {b.getAffineDimExpr(1)}, im.context);
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  SmallVector<OpFoldResult> sizes = im.sizesOf(x);
  auto [centered, variance] = moments(x, axes, nc);
  return result(im.generic(
      {centered, variance, *scaleIn, *biasIn}, {id, nc, c, c}, id, parallel,
      sizes, element, {}, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Scalar s{nb, nloc};
        Value std = math::SqrtOp::create(
            nb, nloc, s.add(args[1], s.constant(element, eps)));
        Value normed = arith::DivFOp::create(nb, nloc, args[0], std);
        return s.add(s.mul(normed, args[2]), args[3]);
      }));
}

LogicalResult Lowering::layerNorm() {
  FailureOr<Value> xIn = floatInput(0), scaleIn = floatInput(1);
  if (failed(xIn) || failed(scaleIn))
    return failure();
  if (im.hasOutput(1) || im.hasOutput(2))
    return im.error() << "the Mean and InvStdDev outputs are not supported";
  Value x = *xIn, bias = im.optionalInput(2);
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t rank = type.getRank();
  FailureOr<int64_t> axis = im.normalizeAxis(im.intAttr("axis", -1), rank);
  if (failed(axis))
    return failure();
  if (im.intAttr("stash_type", 1) != 1)
    return im.error() << "stash_type other than float is not supported";
  SmallVector<int64_t> axes;
  for (int64_t d = *axis; d < rank; ++d) {
    if (type.isDynamicDim(d))
      return im.error() << "the normalized dimensions must be static";
    axes.push_back(d);
  }
  Type element = type.getElementType();
  double eps = im.floatAttr("epsilon", 1e-5f);
  SmallVector<AffineExpr> outer, inner;
  for (int64_t d = 0; d < rank; ++d)
    (d < *axis ? outer : inner).push_back(b.getAffineDimExpr(d));
  AffineMap id = b.getMultiDimIdentityMap(rank);
  AffineMap stats = AffineMap::get(rank, 0, outer, im.context);
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  SmallVector<OpFoldResult> sizes = im.sizesOf(x);
  // Scale and bias broadcast against the normalized dimensions.
  auto affine = [&](Value v) -> FailureOr<std::pair<Value, AffineMap>> {
    RankedTensorType t = GraphImporter::typeOf(v);
    if (t.getRank() > (int64_t)inner.size())
      return failure();
    SmallVector<int64_t> dropped;
    SmallVector<AffineExpr> exprs;
    int64_t offset = rank - t.getRank();
    for (int64_t i = 0; i < t.getRank(); ++i) {
      if (t.getDimSize(i) == 1 && type.getDimSize(offset + i) != 1)
        dropped.push_back(i);
      else
        exprs.push_back(b.getAffineDimExpr(offset + i));
    }
    if (!dropped.empty()) {
      FailureOr<Value> collapsed = im.removeUnitDims(v, dropped);
      if (failed(collapsed))
        return failure();
      v = *collapsed;
    }
    return std::make_pair(v, AffineMap::get(rank, 0, exprs, im.context));
  };
  auto [centered, variance] = moments(x, axes, stats);
  FailureOr<std::pair<Value, AffineMap>> scale = affine(*scaleIn);
  FailureOr<std::pair<Value, AffineMap>> shift =
      bias ? affine(bias) : FailureOr<std::pair<Value, AffineMap>>();
  if (failed(scale) || (bias && failed(shift)))
    return im.error() << "Scale and B must broadcast to the normalized "
                         "dimensions";
  SmallVector<Value> operands = {centered, variance, scale->first};
  SmallVector<AffineMap> maps = {id, stats, scale->second};
  if (bias) {
    operands.push_back(shift->first);
    maps.push_back(shift->second);
  }
  return result(im.generic(
      operands, maps, id, parallel, sizes, element, {},
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Scalar s{nb, nloc};
        Value std = math::SqrtOp::create(
            nb, nloc, s.add(args[1], s.constant(element, eps)));
        Value y = s.mul(arith::DivFOp::create(nb, nloc, args[0], std), args[2]);
        return bias ? s.add(y, args[3]) : y;
      }));
}
