//===- Tensors.cpp - Tensor building blocks of the ONNX importer ----------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Every operator is built from these: linalg.generic for arithmetic and
// reductions, and tensor.collapse_shape / expand_shape for the shape
// changes. Two rules keep the result differentiable by fm-autodiff: every
// indexing map is a projected permutation (a broadcast dimension is
// collapsed away rather than read at index 0), and a reshape is a collapse
// followed by an expand, never tensor.reshape.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/STLExtras.h"

#include <limits>

using namespace mlir;
using namespace mlir::fm::onnx;

SmallVector<OpFoldResult> GraphImporter::sizesOf(Value v) {
  return tensor::getMixedSizes(b, loc, v);
}

Value GraphImporter::empty(ArrayRef<OpFoldResult> sizes, Type element) {
  return tensor::EmptyOp::create(b, loc, sizes, element);
}

Value GraphImporter::scalar(Type element, double value) {
  if (auto floatType = llvm::dyn_cast<FloatType>(element))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(
      b, loc, b.getIntegerAttr(element, static_cast<int64_t>(value)));
}

Value GraphImporter::filled(ArrayRef<OpFoldResult> sizes, Type element,
                            double value) {
  return linalg::FillOp::create(b, loc, scalar(element, value),
                                empty(sizes, element))
      .getResult(0);
}

FailureOr<int64_t> GraphImporter::normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1) ||
      (rank == 0 && axis != 0 && axis != -1)) {
    error() << "axis " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

LogicalResult GraphImporter::normalizeAxes(SmallVectorImpl<int64_t> &axes,
                                           int64_t rank) {
  for (int64_t &a : axes) {
    FailureOr<int64_t> axis = normalizeAxis(a, rank);
    if (failed(axis))
      return failure();
    a = *axis;
  }
  llvm::sort(axes);
  return success();
}

Value GraphImporter::generic(ArrayRef<Value> inputs, ArrayRef<AffineMap> maps,
                             AffineMap outMap,
                             ArrayRef<utils::IteratorType> iterators,
                             ArrayRef<OpFoldResult> sizes, Type element,
                             Value init, BodyBuilder body) {
  if (!init) {
    SmallVector<OpFoldResult> outSizes;
    for (AffineExpr e : outMap.getResults())
      outSizes.push_back(sizes[llvm::cast<AffineDimExpr>(e).getPosition()]);
    init = empty(outSizes, element);
  }
  SmallVector<AffineMap> allMaps(maps);
  allMaps.push_back(outMap);
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, allMaps,
      iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, args));
      });
  return op.getResult(0);
}

/// The reassociation that keeps the dimensions `keep` marks of a rank-n
/// tensor and folds each unit dimension into a kept neighbour: each kept
/// dimension takes the unit ones before it, the last also those after.
static SmallVector<ReassociationIndices>
unitReassociation(ArrayRef<bool> keep) {
  SmallVector<ReassociationIndices> groups;
  ReassociationIndices pending;
  for (auto [i, kept] : llvm::enumerate(keep)) {
    pending.push_back(i);
    if (kept) {
      groups.push_back(pending);
      pending.clear();
    }
  }
  if (!groups.empty())
    llvm::append_range(groups.back(), pending);
  return groups;
}

Value GraphImporter::insertUnitDims(Value x, ArrayRef<int64_t> positions) {
  RankedTensorType type = typeOf(x);
  int64_t rank = type.getRank() + positions.size();
  SmallVector<bool> keep(rank, true);
  for (int64_t p : positions)
    keep[p] = false;
  SmallVector<int64_t> shape;
  SmallVector<OpFoldResult> outSizes;
  SmallVector<OpFoldResult> inSizes = sizesOf(x);
  unsigned next = 0;
  for (int64_t d = 0; d < rank; ++d) {
    if (keep[d]) {
      shape.push_back(type.getDimSize(next));
      outSizes.push_back(inSizes[next++]);
    } else {
      shape.push_back(1);
      outSizes.push_back(b.getIndexAttr(1));
    }
  }
  auto result = RankedTensorType::get(shape, type.getElementType());
  return tensor::ExpandShapeOp::create(b, loc, result, x,
                                       unitReassociation(keep), outSizes);
}

FailureOr<Value> GraphImporter::removeUnitDims(Value x,
                                               ArrayRef<int64_t> positions) {
  RankedTensorType type = typeOf(x);
  SmallVector<bool> keep(type.getRank(), true);
  SmallVector<int64_t> shape;
  for (int64_t p : positions) {
    if (type.getDimSize(p) != 1) {
      error() << "dimension " << p << " of " << type
              << " is not of size 1 and cannot be squeezed";
      return failure();
    }
    keep[p] = false;
  }
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (keep[d])
      shape.push_back(type.getDimSize(d));
  auto result = RankedTensorType::get(shape, type.getElementType());
  return tensor::CollapseShapeOp::create(b, loc, result, x,
                                         unitReassociation(keep))
      .getResult();
}

FailureOr<Value> GraphImporter::reshape(Value x, ArrayRef<int64_t> shape) {
  RankedTensorType type = typeOf(x);
  Type element = type.getElementType();
  auto target = RankedTensorType::get(shape, element);
  if (type == target)
    return x;
  if (llvm::count(shape, ShapedType::kDynamic) > 1) {
    error() << "cannot reshape to " << target
            << ": more than one dimension is only known at run time";
    return failure();
  }
  // One dimension.
  Value flat = x;
  if (type.getRank() == 0) {
    flat = tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1}, element), x,
        ArrayRef<ReassociationIndices>{},
        ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  } else if (type.getRank() > 1) {
    int64_t count =
        type.hasStaticShape() ? type.getNumElements() : ShapedType::kDynamic;
    ReassociationIndices all;
    for (int64_t d = 0; d < type.getRank(); ++d)
      all.push_back(d);
    flat = tensor::CollapseShapeOp::create(
        b, loc, RankedTensorType::get({count}, element), x,
        ArrayRef<ReassociationIndices>{all});
  }
  int64_t flatSize = typeOf(flat).getDimSize(0);
  if (!ShapedType::isDynamic(flatSize) && target.hasStaticShape() &&
      flatSize != target.getNumElements()) {
    error() << "cannot reshape " << type << " to " << target
            << ": the element counts differ";
    return failure();
  }
  if (shape.empty()) {
    if (flatSize != 1)
      flat = tensor::CastOp::create(b, loc, RankedTensorType::get({1}, element),
                                    flat);
    return tensor::CollapseShapeOp::create(b, loc, target, flat,
                                           ArrayRef<ReassociationIndices>{})
        .getResult();
  }
  if (shape.size() == 1)
    return flat.getType() == target
               ? flat
               : tensor::CastOp::create(b, loc, target, flat).getResult();

  // The sizes of the expansion: the dynamic one is the element count over
  // the product of the others.
  SmallVector<OpFoldResult> outSizes;
  int64_t known = 1;
  for (int64_t d : shape)
    if (!ShapedType::isDynamic(d))
      known *= d;
  for (int64_t d : shape) {
    if (!ShapedType::isDynamic(d)) {
      outSizes.push_back(b.getIndexAttr(d));
      continue;
    }
    Value total = tensor::DimOp::create(b, loc, flat, 0);
    outSizes.push_back(
        arith::DivUIOp::create(b, loc, total,
                               arith::ConstantIndexOp::create(b, loc, known))
            .getResult());
  }
  if (ShapedType::isDynamic(flatSize) && target.hasStaticShape())
    flat = tensor::CastOp::create(
        b, loc, RankedTensorType::get({target.getNumElements()}, element),
        flat);
  ReassociationIndices all;
  for (int64_t d = 0; d < target.getRank(); ++d)
    all.push_back(d);
  return tensor::ExpandShapeOp::create(b, loc, target, flat,
                                       ArrayRef<ReassociationIndices>{all},
                                       outSizes)
      .getResult();
}

FailureOr<Value> GraphImporter::elementwise(ArrayRef<Value> inputs,
                                            Type element, BodyBuilder body) {
  int64_t rank = 0;
  for (Value v : inputs)
    rank = std::max(rank, typeOf(v).getRank());
  // The result's size in each dimension, and which input supplies it.
  SmallVector<int64_t> shape(rank, 1);
  SmallVector<OpFoldResult> sizes(rank, b.getIndexAttr(1));
  for (int64_t d = 0; d < rank; ++d) {
    for (Value v : inputs) {
      RankedTensorType type = typeOf(v);
      int64_t i = d - (rank - type.getRank());
      if (i < 0)
        continue;
      int64_t size = type.getDimSize(i);
      if (size == 1)
        continue;
      if (ShapedType::isDynamic(size)) {
        if (shape[d] == 1) {
          shape[d] = ShapedType::kDynamic;
          sizes[d] = tensor::DimOp::create(b, loc, v, i).getResult();
        }
        continue;
      }
      if (!ShapedType::isDynamic(shape[d]) && shape[d] != 1 &&
          shape[d] != size) {
        InFlightDiagnostic diag =
            error() << "operands of shapes that do not broadcast:";
        for (Value in : inputs)
          diag << " " << in.getType();
        return failure();
      }
      shape[d] = size;
      sizes[d] = b.getIndexAttr(size);
    }
  }
  // Each input with its stretched unit dimensions collapsed away.
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  for (Value v : inputs) {
    RankedTensorType type = typeOf(v);
    int64_t offset = rank - type.getRank();
    SmallVector<int64_t> dropped;
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < type.getRank(); ++i) {
      if (type.getDimSize(i) == 1 && shape[i + offset] != 1)
        dropped.push_back(i);
      else
        exprs.push_back(b.getAffineDimExpr(i + offset));
    }
    if (!dropped.empty()) {
      FailureOr<Value> collapsed = removeUnitDims(v, dropped);
      if (failed(collapsed))
        return failure();
      v = *collapsed;
    }
    operands.push_back(v);
    maps.push_back(AffineMap::get(rank, 0, exprs, context));
  }
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return generic(operands, maps, b.getMultiDimIdentityMap(rank), iterators,
                 sizes, element, Value(), body);
}

Value GraphImporter::unary(Value x, BodyBuilder body, Type element) {
  RankedTensorType type = typeOf(x);
  int64_t rank = type.getRank();
  AffineMap id = b.getMultiDimIdentityMap(rank);
  return generic(
      {x}, {id}, id,
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      sizesOf(x), element ? element : type.getElementType(), Value(), body);
}

Value GraphImporter::reduce(Value x, ArrayRef<int64_t> axes, bool max) {
  RankedTensorType type = typeOf(x);
  int64_t rank = type.getRank();
  Type element = type.getElementType();
  SmallVector<OpFoldResult> sizes = sizesOf(x);
  SmallVector<AffineExpr> outExprs;
  SmallVector<OpFoldResult> outSizes;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < rank; ++d) {
    bool reduced = llvm::is_contained(axes, d);
    iterators.push_back(reduced ? utils::IteratorType::reduction
                                : utils::IteratorType::parallel);
    if (!reduced) {
      outExprs.push_back(b.getAffineDimExpr(d));
      outSizes.push_back(sizes[d]);
    }
  }
  double start = max ? -std::numeric_limits<double>::infinity() : 0.0;
  if (max && !llvm::isa<FloatType>(element))
    start = static_cast<double>(std::numeric_limits<int64_t>::min());
  Value init = filled(outSizes, element, start);
  bool isFloat = llvm::isa<FloatType>(element);
  return generic(
      {x}, {b.getMultiDimIdentityMap(rank)},
      AffineMap::get(rank, 0, outExprs, context), iterators, sizes, element,
      init, [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        if (max)
          return isFloat ? arith::MaximumFOp::create(nb, nloc, args[1], args[0])
                               .getResult()
                         : arith::MaxSIOp::create(nb, nloc, args[1], args[0])
                               .getResult();
        return isFloat ? arith::AddFOp::create(nb, nloc, args[1], args[0])
                             .getResult()
                       : arith::AddIOp::create(nb, nloc, args[1], args[0])
                             .getResult();
      });
}

Value GraphImporter::convert(Value x, Type element) {
  Type from = typeOf(x).getElementType();
  if (from == element)
    return x;
  return unary(
      x,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value v = args[0];
        auto fromFloat = llvm::dyn_cast<FloatType>(from);
        auto toFloat = llvm::dyn_cast<FloatType>(element);
        if (fromFloat && toFloat)
          return fromFloat.getWidth() < toFloat.getWidth()
                     ? arith::ExtFOp::create(nb, nloc, element, v).getResult()
                     : arith::TruncFOp::create(nb, nloc, element, v)
                           .getResult();
        if (toFloat) {
          // Booleans are unsigned (true is 1, not -1).
          if (from.isInteger(1))
            return arith::UIToFPOp::create(nb, nloc, element, v).getResult();
          return arith::SIToFPOp::create(nb, nloc, element, v).getResult();
        }
        if (element.isInteger(1)) {
          // Nonzero is true.
          if (fromFloat)
            return arith::CmpFOp::create(nb, nloc, arith::CmpFPredicate::UNE, v,
                                         scalar(from, 0.0))
                .getResult();
          return arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ne, v,
                                       scalar(from, 0.0))
              .getResult();
        }
        if (fromFloat)
          return arith::FPToSIOp::create(nb, nloc, element, v).getResult();
        unsigned fromWidth = from.getIntOrFloatBitWidth();
        unsigned toWidth = element.getIntOrFloatBitWidth();
        if (fromWidth > toWidth)
          return arith::TruncIOp::create(nb, nloc, element, v).getResult();
        if (from.isInteger(1))
          return arith::ExtUIOp::create(nb, nloc, element, v).getResult();
        return arith::ExtSIOp::create(nb, nloc, element, v).getResult();
      },
      element);
}
