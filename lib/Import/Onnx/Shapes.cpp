//===- Shapes.cpp - ONNX's data movement as tensor ops --------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Concat, Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Slice, Gather,
// Pad, Resize, Shape, Constant and Cast: tensor.concat, collapse and
// expand, extract and insert slices, and generics that copy, in the forms
// fm-autodiff differentiates where the operator allows it.
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

LogicalResult Lowering::concat() {
  SmallVector<Value> inputs;
  for (unsigned i = 0; i < im.numInputs(); ++i) {
    Value v = im.input(i);
    if (!v)
      return failure();
    inputs.push_back(v);
  }
  if (inputs.empty())
    return im.error() << "needs at least one input";
  RankedTensorType first = GraphImporter::typeOf(inputs[0]);
  FailureOr<int64_t> axis =
      im.normalizeAxis(im.intAttr("axis", 0), first.getRank());
  if (failed(axis))
    return failure();
  for (Value v : inputs) {
    RankedTensorType type = GraphImporter::typeOf(v);
    if (type.getElementType() != first.getElementType() ||
        type.getRank() != first.getRank())
      return im.error() << "inputs " << first << " and " << type
                        << " cannot be concatenated";
  }
  if (inputs.size() == 1)
    return result(inputs[0]);
  return result(tensor::ConcatOp::create(b, loc, *axis, inputs).getResult());
}

LogicalResult Lowering::reshape() {
  Value x = im.input(0);
  if (!x)
    return failure();
  RankedTensorType type = GraphImporter::typeOf(x);
  SmallVector<int64_t> shape;
  if (std::optional<TensorData> data = im.constantInput(1)) {
    FailureOr<SmallVector<int64_t>> target = im.intsInput(1, "shape");
    if (failed(target))
      return failure();
    bool allowZero = im.intAttr("allowzero", 0) != 0;
    int64_t inferred = -1;
    for (auto [i, d] : llvm::enumerate(*target)) {
      if (d == 0 && !allowZero) {
        if (static_cast<int64_t>(i) >= type.getRank())
          return im.error()
                 << "shape entry " << i
                 << " is 0 (copy) but the input has rank " << type.getRank();
        shape.push_back(type.getDimSize(i));
      } else if (d == -1) {
        if (inferred >= 0)
          return im.error() << "the shape has more than one -1";
        inferred = i;
        shape.push_back(ShapedType::kDynamic);
      } else if (d < 0) {
        return im.error() << "shape entry " << i << " is " << d;
      } else {
        shape.push_back(d);
      }
    }
    // Resolve -1 statically where the sizes it depends on are known: every
    // dimension of the input is static, or the dynamic ones are copied
    // through by 0 entries (GroupNorm's [0, groups, -1] on a dynamic
    // batch), so that they cancel.
    if (inferred >= 0) {
      int64_t in = 1, known = 1;
      bool resolvable = true;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        bool copied =
            d < (int64_t)target->size() && (*target)[d] == 0 && !allowZero;
        if (copied)
          continue;
        if (type.isDynamicDim(d))
          resolvable = false;
        else
          in *= type.getDimSize(d);
      }
      for (auto [i, d] : llvm::enumerate(*target))
        if (!(d == 0 && !allowZero) && d != -1)
          known *= d;
      if (resolvable) {
        if (known == 0 || in % known != 0)
          return im.error() << "cannot reshape " << type << " to the shape "
                            << "given (the -1 does not divide evenly)";
        shape[inferred] = in / known;
      }
    }
  } else if (auto elements =
                 im.input(1)
                     ? im.input(1).getDefiningOp<tensor::FromElementsOp>()
                     : tensor::FromElementsOp()) {
    // A shape assembled at run time from sizes (Shape's lowering): each
    // element that folds to a constant is static, the others dynamic.
    for (Value e : elements.getElements()) {
      APInt v;
      if (matchPattern(e, m_ConstantInt(&v)) && v.getSExtValue() > 0)
        shape.push_back(v.getSExtValue());
      else if (matchPattern(e, m_ConstantInt(&v)))
        return im.error() << "a shape computed at run time holds "
                          << v.getSExtValue()
                          << ", which is not supported there";
      else
        shape.push_back(ShapedType::kDynamic);
    }
  } else if (RankedTensorType out = im.inferredOutputType(0)) {
    // A shape computed at run time (PyTorch's x.view(x.size(0), -1)):
    // ONNX's data propagation resolved it.
    shape.assign(out.getShape().begin(), out.getShape().end());
  } else {
    return im.error() << "the target shape is computed at run time and "
                         "ONNX's shape inference could not resolve it";
  }
  return result(im.reshape(x, shape));
}

LogicalResult Lowering::flatten() {
  Value x = im.input(0);
  if (!x)
    return failure();
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t rank = type.getRank();
  int64_t axis = im.intAttr("axis", 1);
  if (axis < -rank || axis > rank)
    return im.error() << "axis " << axis << " is out of range for rank "
                      << rank;
  if (axis < 0)
    axis += rank;
  auto product = [&](int64_t from, int64_t to) {
    int64_t n = 1;
    for (int64_t d = from; d < to; ++d) {
      if (type.isDynamicDim(d))
        return ShapedType::kDynamic;
      n *= type.getDimSize(d);
    }
    return n;
  };
  return result(im.reshape(x, {product(0, axis), product(axis, rank)}));
}

LogicalResult Lowering::squeeze(bool insert) {
  Value x = im.input(0);
  if (!x)
    return failure();
  RankedTensorType type = GraphImporter::typeOf(x);
  SmallVector<int64_t> axes;
  if (im.optionalInput(1)) {
    FailureOr<SmallVector<int64_t>> given = im.intsInput(1, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  } else if (std::optional<SmallVector<int64_t>> attr = im.intsAttr("axes")) {
    axes = *attr;
  } else if (insert) {
    return im.error() << "needs axes";
  } else {
    // Squeeze without axes drops every static unit dimension.
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.getDimSize(d) == 1)
        axes.push_back(d);
  }
  int64_t rank = insert ? type.getRank() + axes.size() : type.getRank();
  if (failed(im.normalizeAxes(axes, rank)))
    return failure();
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    return im.error() << "an axis is repeated";
  if (insert)
    return result(im.insertUnitDims(x, axes));
  return result(im.removeUnitDims(x, axes));
}

LogicalResult Lowering::transpose() {
  Value x = im.input(0);
  if (!x)
    return failure();
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t rank = type.getRank();
  SmallVector<int64_t> perm;
  if (std::optional<SmallVector<int64_t>> given = im.intsAttr("perm"))
    perm = *given;
  else
    for (int64_t d = rank - 1; d >= 0; --d)
      perm.push_back(d);
  SmallVector<int64_t> sorted(perm);
  llvm::sort(sorted);
  if (static_cast<int64_t>(perm.size()) != rank ||
      llvm::any_of(llvm::enumerate(sorted),
                   [](auto p) { return p.value() != (int64_t)p.index(); }))
    return im.error() << "perm is not a permutation of the input's " << rank
                      << " dimensions";
  SmallVector<OpFoldResult> sizes = im.sizesOf(x), outSizes;
  for (int64_t p : perm)
    outSizes.push_back(sizes[p]);
  Value init = im.empty(outSizes, type.getElementType());
  return result(
      linalg::TransposeOp::create(b, loc, x, init, perm).getResult()[0]);
}

LogicalResult Lowering::slice() {
  Value x = im.input(0);
  if (!x)
    return failure();
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t rank = type.getRank();
  FailureOr<SmallVector<int64_t>> starts = im.intsInput(1, "starts");
  if (failed(starts))
    return failure();
  FailureOr<SmallVector<int64_t>> ends = im.intsInput(2, "ends");
  if (failed(ends))
    return failure();
  SmallVector<int64_t> axes, steps(starts->size(), 1);
  for (size_t i = 0; i < starts->size(); ++i)
    axes.push_back(i);
  if (im.optionalInput(3)) {
    FailureOr<SmallVector<int64_t>> given = im.intsInput(3, "axes");
    if (failed(given))
      return failure();
    axes = *given;
  }
  if (im.optionalInput(4)) {
    FailureOr<SmallVector<int64_t>> given = im.intsInput(4, "steps");
    if (failed(given))
      return failure();
    steps = *given;
  }
  if (ends->size() != starts->size() || axes.size() != starts->size() ||
      steps.size() != starts->size())
    return im.error() << "starts, ends, axes and steps differ in length";

  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = im.sizesOf(x);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  SmallVector<int64_t> starting(rank, 0), stepping(rank, 1), shape;
  bool reversed = false;
  for (auto [k, a] : llvm::enumerate(axes)) {
    FailureOr<int64_t> axis = im.normalizeAxis(a, rank);
    if (failed(axis))
      return failure();
    int64_t step = steps[k], start = (*starts)[k], end = (*ends)[k];
    if (step == 0)
      return im.error() << "a step is 0";
    int64_t dim = type.getDimSize(*axis);
    if (ShapedType::isDynamic(dim)) {
      // Only "from a fixed start to the end" is known without the size.
      if (step != 1 || start < 0 || end < std::numeric_limits<int32_t>::max())
        return im.error() << "slices dimension " << *axis
                          << ", whose size is only known at run time, with "
                             "bounds that depend on it";
      offsets[*axis] = b.getIndexAttr(start);
      Value size =
          arith::SubIOp::create(b, loc, tensor::DimOp::create(b, loc, x, *axis),
                                arith::ConstantIndexOp::create(b, loc, start));
      sizes[*axis] = size;
      continue;
    }
    // ONNX's clamping rules.
    if (start < 0)
      start += dim;
    if (end < 0)
      end += dim;
    int64_t count;
    if (step > 0) {
      start = std::clamp<int64_t>(start, 0, dim);
      end = std::clamp<int64_t>(end, 0, dim);
      count = end > start ? (end - start + step - 1) / step : 0;
    } else {
      start = std::clamp<int64_t>(start, 0, dim - 1);
      end = std::clamp<int64_t>(end, -1, dim - 1);
      count = start > end ? (start - end - step - 1) / -step : 0;
      reversed = true;
    }
    // An empty slice reads nothing; offset 0 keeps it in bounds.
    if (count == 0)
      start = 0;
    offsets[*axis] = b.getIndexAttr(start);
    sizes[*axis] = b.getIndexAttr(count);
    strides[*axis] = b.getIndexAttr(step);
    starting[*axis] = start;
    stepping[*axis] = step;
  }
  if (!reversed)
    return result(
        tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides)
            .getResult());
  // Negative steps: read x at start + i·step (not differentiable).
  SmallVector<utils::IteratorType> parallel(rank,
                                            utils::IteratorType::parallel);
  return result(im.generic(
      {}, {}, b.getMultiDimIdentityMap(rank), parallel, sizes,
      type.getElementType(), {},
      [&](OpBuilder &nb, Location nloc, ValueRange) -> Value {
        SmallVector<Value> indices;
        for (int64_t d = 0; d < rank; ++d) {
          Value i = linalg::IndexOp::create(nb, nloc, d);
          if (stepping[d] != 1)
            i = arith::MulIOp::create(
                nb, nloc, i,
                arith::ConstantIndexOp::create(nb, nloc, stepping[d]));
          if (starting[d] != 0)
            i = arith::AddIOp::create(
                nb, nloc, i,
                arith::ConstantIndexOp::create(nb, nloc, starting[d]));
          indices.push_back(i);
        }
        return tensor::ExtractOp::create(nb, nloc, x, indices).getResult();
      }));
}

LogicalResult Lowering::gather() {
  Value data = im.input(0), indices = im.input(1);
  if (!data || !indices)
    return failure();
  RankedTensorType dataType = GraphImporter::typeOf(data);
  RankedTensorType indexType = GraphImporter::typeOf(indices);
  if (!indexType.getElementType().isInteger(64) &&
      !indexType.getElementType().isInteger(32))
    return im.error() << "indices must be int32 or int64, not "
                      << indexType.getElementType();
  int64_t rank = dataType.getRank();
  FailureOr<int64_t> axis = im.normalizeAxis(im.intAttr("axis", 0), rank);
  if (failed(axis))
    return failure();
  if (rank == 0)
    return im.error() << "data must have rank >= 1";

  // A lookup of rows of a network's parameter is an embedding, whose
  // gradient fm-autodiff knows (a scatter-add into the rows).
  if (im.options.network && *axis == 0 && rank == 2 &&
      llvm::isa<BlockArgument>(data) && dataType.hasStaticShape() &&
      llvm::isa<FloatType>(dataType.getElementType())) {
    SmallVector<int64_t> shape(indexType.getShape());
    shape.push_back(dataType.getDimSize(1));
    auto resultType = RankedTensorType::get(shape, dataType.getElementType());
    return result(
        mlir::fm::EmbeddingOp::create(b, loc, resultType, data, indices)
            .getResult());
  }

  // Otherwise a gather: out[i..., j..., k...] = data[i..., idx[j...], k...].
  int64_t q = indexType.getRank();
  int64_t outRank = rank - 1 + q;
  SmallVector<OpFoldResult> dataSizes = im.sizesOf(data);
  SmallVector<OpFoldResult> indexSizes = im.sizesOf(indices);
  SmallVector<OpFoldResult> sizes;
  for (int64_t d = 0; d < *axis; ++d)
    sizes.push_back(dataSizes[d]);
  llvm::append_range(sizes, indexSizes);
  for (int64_t d = *axis + 1; d < rank; ++d)
    sizes.push_back(dataSizes[d]);
  SmallVector<AffineExpr> indexExprs;
  for (int64_t j = 0; j < q; ++j)
    indexExprs.push_back(b.getAffineDimExpr(*axis + j));
  Value axisSize = getValueOrCreateConstantIndexOp(b, loc, dataSizes[*axis]);
  SmallVector<utils::IteratorType> parallel(outRank,
                                            utils::IteratorType::parallel);
  return result(im.generic(
      {indices}, {AffineMap::get(outRank, 0, indexExprs, im.context)},
      b.getMultiDimIdentityMap(outRank), parallel, sizes,
      dataType.getElementType(), {},
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        // A negative index counts from the end; one out of range reads the
        // nearest row, as fm.embedding does, rather than outside memory.
        Value idx =
            arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), args[0]);
        Value zero = arith::ConstantIndexOp::create(nb, nloc, 0);
        Value negative = arith::CmpIOp::create(
            nb, nloc, arith::CmpIPredicate::slt, idx, zero);
        idx = arith::SelectOp::create(
            nb, nloc, negative, arith::AddIOp::create(nb, nloc, idx, axisSize),
            idx);
        Value last = arith::SubIOp::create(
            nb, nloc, axisSize, arith::ConstantIndexOp::create(nb, nloc, 1));
        idx = arith::MaxSIOp::create(nb, nloc, idx, zero);
        idx = arith::MinSIOp::create(nb, nloc, idx, last);
        SmallVector<Value> at;
        for (int64_t d = 0; d < *axis; ++d)
          at.push_back(linalg::IndexOp::create(nb, nloc, d));
        at.push_back(idx);
        for (int64_t d = *axis + 1; d < rank; ++d)
          at.push_back(linalg::IndexOp::create(nb, nloc, d - 1 + q));
        return tensor::ExtractOp::create(nb, nloc, data, at).getResult();
      }));
}

LogicalResult Lowering::padOp() {
  Value x = im.input(0);
  if (!x)
    return failure();
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t rank = type.getRank();
  std::string mode = im.stringAttr("mode").value_or("constant");
  if (mode != "constant")
    return im.error() << "mode '" << mode << "' is not supported (constant is)";
  FailureOr<SmallVector<int64_t>> pads = im.intsInput(1, "pads");
  if (failed(pads))
    return failure();
  if ((int64_t)pads->size() != 2 * rank ||
      llvm::any_of(*pads, [](int64_t p) { return p < 0; }))
    return im.error() << "pads must be " << 2 * rank
                      << " non-negative sizes (cropping is not supported)";
  double value = 0.0;
  if (im.optionalInput(2)) {
    std::optional<TensorData> data = im.constantInput(2);
    if (!data || data->numElements() != 1 ||
        (data->element != TensorData::Element::F32 &&
         data->element != TensorData::Element::F64))
      return im.error() << "its constant_value (input #2) must be a "
                           "constant of the model, a float scalar";
    if (data->element == TensorData::Element::F32) {
      float v;
      std::memcpy(&v, data->bytes.data(), 4);
      value = v;
    } else {
      std::memcpy(&value, data->bytes.data(), 8);
    }
  }
  SmallVector<OpFoldResult> sizes = im.sizesOf(x), padded, offsets;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t before = (*pads)[d], after = (*pads)[d + rank];
    offsets.push_back(b.getIndexAttr(before));
    if (before == 0 && after == 0) {
      padded.push_back(sizes[d]);
    } else if (type.isDynamicDim(d)) {
      Value size = getValueOrCreateConstantIndexOp(b, loc, sizes[d]);
      padded.push_back(arith::AddIOp::create(b, loc, size,
                                             arith::ConstantIndexOp::create(
                                                 b, loc, before + after))
                           .getResult());
    } else {
      padded.push_back(b.getIndexAttr(type.getDimSize(d) + before + after));
    }
  }
  Value filled = im.filled(padded, type.getElementType(), value);
  return result(tensor::InsertSliceOp::create(
                    b, loc, x, filled, offsets, sizes,
                    SmallVector<OpFoldResult>(rank, b.getIndexAttr(1)))
                    .getResult());
}

LogicalResult Lowering::resize() {
  FailureOr<Value> xIn = floatInput(0);
  if (failed(xIn))
    return failure();
  Value x = *xIn;
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t rank = type.getRank();
  std::string mode = im.stringAttr("mode").value_or("nearest");
  std::string coordinates =
      im.stringAttr("coordinate_transformation_mode").value_or("half_pixel");
  std::string nearest =
      im.stringAttr("nearest_mode").value_or("round_prefer_floor");
  // Upsampling by whole factors, where every output element reads input
  // floor(i / s): nearest with these coordinate and rounding modes.
  bool floorMapping =
      mode == "nearest" &&
      ((coordinates == "asymmetric" && nearest == "floor") ||
       ((coordinates == "half_pixel" || coordinates == "pytorch_half_pixel") &&
        (nearest == "round_prefer_floor" || nearest == "round_prefer_ceil")));
  if (!floorMapping)
    return im.error() << "mode '" << mode
                      << "', coordinate_transformation_mode '" << coordinates
                      << "', nearest_mode '" << nearest
                      << "' is not supported (nearest upsampling by whole "
                         "factors is)";
  // The factors: from constant scales, else from the inferred output.
  SmallVector<int64_t> factors;
  std::optional<TensorData> scales = im.constantInput(2);
  if (scales && scales->numElements() == rank &&
      scales->element == TensorData::Element::F32) {
    for (int64_t d = 0; d < rank; ++d) {
      float f;
      std::memcpy(&f, scales->bytes.data() + 4 * d, 4);
      if (f < 1.0f || f != std::floor(f))
        return im.error() << "scale " << f << " of dimension " << d
                          << ": resizing by other than whole upsampling "
                             "factors is not supported";
      factors.push_back(static_cast<int64_t>(f));
    }
  }
  bool fromScales = !factors.empty();
  RankedTensorType out = im.inferredOutputType(0);
  if (!fromScales && (!out || out.getRank() != rank))
    return im.error() << "the output shape could not be inferred";
  for (int64_t d = 0; !fromScales && d < rank; ++d) {
    int64_t in = type.getDimSize(d), o = out.getDimSize(d);
    if (ShapedType::isDynamic(in) || ShapedType::isDynamic(o)) {
      if (d != 0 || in != o)
        return im.error() << "dimension " << d << " is only known at run time";
      factors.push_back(1);
      continue;
    }
    if (o < in || o % in)
      return im.error() << "dimension " << d << " goes from " << in << " to "
                        << o
                        << ": resizing by other than whole upsampling "
                           "factors is not supported";
    factors.push_back(o / in);
  }
  // Loops (q, r) for each upsampled dimension; x reads the q's.
  SmallVector<AffineExpr> inExprs;
  SmallVector<OpFoldResult> sizes, inSizes = im.sizesOf(x);
  SmallVector<ReassociationIndices> groups;
  SmallVector<int64_t> wideShape;
  int64_t loop = 0;
  for (int64_t d = 0; d < rank; ++d) {
    inExprs.push_back(b.getAffineDimExpr(loop));
    sizes.push_back(inSizes[d]);
    wideShape.push_back(type.getDimSize(d));
    ReassociationIndices group = {loop++};
    if (factors[d] > 1) {
      sizes.push_back(b.getIndexAttr(factors[d]));
      wideShape.push_back(factors[d]);
      group.push_back(loop++);
    }
    groups.push_back(group);
  }
  SmallVector<utils::IteratorType> parallel(loop,
                                            utils::IteratorType::parallel);
  Value wide = im.generic(
      {x}, {AffineMap::get(loop, 0, inExprs, im.context)},
      b.getMultiDimIdentityMap(loop), parallel, sizes, type.getElementType(),
      {}, [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  SmallVector<int64_t> shape;
  for (int64_t d = 0; d < rank; ++d)
    shape.push_back(ShapedType::isDynamic(type.getDimSize(d))
                        ? ShapedType::kDynamic
                        : type.getDimSize(d) * factors[d]);
  return result(tensor::CollapseShapeOp::create(
                    b, loc, RankedTensorType::get(shape, type.getElementType()),
                    wide, groups)
                    .getResult());
}

LogicalResult Lowering::constant() {
  auto *value = im.attr("value");
  if (value && value->has_t()) {
    llvm::Expected<TensorData> data = readTensor(value->t());
    if (!data)
      return im.error() << llvm::toString(data.takeError());
    im.setConstantOutput(*data);
    return result(
        arith::ConstantOp::create(b, loc, data->toAttribute(im.context))
            .getResult());
  }
  auto dense = [&](Type element, auto values, ArrayRef<int64_t> shape) {
    auto type = RankedTensorType::get(shape, element);
    return arith::ConstantOp::create(
               b, loc, DenseElementsAttr::get(type, ArrayRef(values)))
        .getResult();
  };
  if (const auto *a = im.attr("value_float"))
    return result(dense(b.getF32Type(), SmallVector<float>{a->f()}, {}));
  if (const auto *a = im.attr("value_int"))
    return result(dense(b.getI64Type(), SmallVector<int64_t>{a->i()}, {}));
  if (const auto *a = im.attr("value_floats")) {
    SmallVector<float> v(a->floats().begin(), a->floats().end());
    return result(dense(b.getF32Type(), v, {(int64_t)v.size()}));
  }
  if (const auto *a = im.attr("value_ints")) {
    SmallVector<int64_t> v(a->ints().begin(), a->ints().end());
    TensorData known;
    known.element = TensorData::Element::I64;
    known.shape = {static_cast<int64_t>(v.size())};
    known.bytes.assign(reinterpret_cast<const char *>(v.data()),
                       reinterpret_cast<const char *>(v.data() + v.size()));
    im.setConstantOutput(std::move(known));
    return result(dense(b.getI64Type(), v, {(int64_t)v.size()}));
  }
  return im.error() << "only value, value_float(s) and value_int(s) "
                       "constants are supported";
}

LogicalResult Lowering::shape() {
  Value x = im.input(0);
  if (!x)
    return failure();
  int64_t rank = GraphImporter::typeOf(x).getRank();
  int64_t start = im.intAttr("start", 0), end = im.intAttr("end", rank);
  start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
  end = std::clamp<int64_t>(end < 0 ? end + rank : end, 0, rank);
  SmallVector<Value> dims;
  SmallVector<OpFoldResult> sizes = im.sizesOf(x);
  for (int64_t d = start; d < end; ++d) {
    // Static sizes as i64 constants, which a Reshape reading this shape
    // sees as such.
    if (std::optional<int64_t> size = getConstantIntValue(sizes[d])) {
      dims.push_back(
          arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(*size)));
      continue;
    }
    Value size = getValueOrCreateConstantIndexOp(b, loc, sizes[d]);
    dims.push_back(arith::IndexCastOp::create(b, loc, b.getI64Type(), size));
  }
  auto type = RankedTensorType::get({(int64_t)dims.size()}, b.getI64Type());
  return result(tensor::FromElementsOp::create(b, loc, type, dims).getResult());
}

LogicalResult Lowering::cast() {
  Value x = im.input(0);
  if (!x)
    return failure();
  int64_t to = im.intAttr("to", 0);
  Type element = elementTypeOf(static_cast<int32_t>(to), im.context);
  if (!element)
    return im.error() << "casting to ONNX type "
                      << ::onnx::TensorProto::DataType_Name(
                             static_cast<::onnx::TensorProto::DataType>(to))
                      << " is not supported";
  return result(im.convert(x, element));
}
