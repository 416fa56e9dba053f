//===- Products.cpp - ONNX's products, convolution and pooling ------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Gemm and MatMul as linalg.matmul or a contraction generic; Conv as
// im2col by strided slices and one contraction; MaxPool and AveragePool
// reducing the same patches (or, for large windows, one generic reading
// through strided maps).
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

LogicalResult Lowering::gemm() {
  FailureOr<Value> a = floatInput(0), bIn = floatInput(1);
  if (failed(a) || failed(bIn))
    return failure();
  RankedTensorType aType = GraphImporter::typeOf(*a);
  RankedTensorType bType = GraphImporter::typeOf(*bIn);
  if (aType.getRank() != 2 || bType.getRank() != 2)
    return im.error() << "A and B must be matrices, got " << aType << " and "
                      << bType;
  if (aType.getElementType() != bType.getElementType())
    return im.error() << "A and B differ in element type";
  bool transA = im.intAttr("transA", 0), transB = im.intAttr("transB", 0);
  int64_t kA = aType.getDimSize(transA ? 0 : 1);
  int64_t kB = bType.getDimSize(transB ? 1 : 0);
  if (!ShapedType::isDynamic(kA) && !ShapedType::isDynamic(kB) && kA != kB)
    return im.error() << "A " << aType << " and B " << bType
                      << " do not multiply (" << kA << " against " << kB
                      << " after transA " << transA << ", transB " << transB
                      << ")";
  float alpha = im.floatAttr("alpha", 1.0f), beta = im.floatAttr("beta", 1.0f);
  Type element = aType.getElementType();
  // Y = α·A'·B' + β·C, as linalg.matmul with the transposes in its maps.
  AffineExpr m, n, k;
  bindDims(im.context, m, n, k);
  auto map = [&](AffineExpr x, AffineExpr y) {
    return AffineMap::get(3, 0, {x, y}, im.context);
  };
  SmallVector<OpFoldResult> aSizes = im.sizesOf(*a), bSizes = im.sizesOf(*bIn);
  OpFoldResult rows = aSizes[transA ? 1 : 0];
  OpFoldResult cols = bSizes[transB ? 0 : 1];
  Value init = im.filled({rows, cols}, element, 0.0);
  SmallVector<Attribute> maps = {
      AffineMapAttr::get(transA ? map(k, m) : map(m, k)),
      AffineMapAttr::get(transB ? map(n, k) : map(k, n)),
      AffineMapAttr::get(map(m, n))};
  Value y = linalg::MatmulOp::create(
                b, loc, TypeRange{init.getType()}, ValueRange{*a, *bIn},
                ValueRange{init},
                {b.getNamedAttr("indexing_maps", b.getArrayAttr(maps))})
                .getResult(0);
  if (alpha != 1.0f)
    y = im.unary(y, [&](OpBuilder &nb, Location nloc, ValueRange args) {
      Scalar s{nb, nloc};
      return s.mul(args[0], s.constant(element, alpha));
    });
  Value c = im.optionalInput(2);
  if (!c || beta == 0.0f)
    return result(y);
  return result(im.elementwise(
      {y, c}, element, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Scalar s{nb, nloc};
        Value bias = args[1];
        if (beta != 1.0f)
          bias = s.mul(bias, s.constant(element, beta));
        return s.add(args[0], bias);
      }));
}

LogicalResult Lowering::matmul() {
  Value a = im.input(0), bIn = im.input(1);
  if (!a || !bIn)
    return failure();
  RankedTensorType aType = GraphImporter::typeOf(a);
  RankedTensorType bType = GraphImporter::typeOf(bIn);
  Type element = aType.getElementType();
  if (element != bType.getElementType() || aType.getRank() == 0 ||
      bType.getRank() == 0)
    return im.error() << "cannot multiply " << aType << " by " << bType;
  bool isFloat = llvm::isa<FloatType>(element);
  int64_t kA = aType.getDimSize(aType.getRank() - 1);
  int64_t kB = bType.getDimSize(bType.getRank() == 1 ? 0 : bType.getRank() - 2);
  if (!ShapedType::isDynamic(kA) && !ShapedType::isDynamic(kB) && kA != kB)
    return im.error() << "cannot multiply " << aType << " by " << bType;
  if (aType.getRank() == 2 && bType.getRank() == 2) {
    SmallVector<OpFoldResult> aSizes = im.sizesOf(a), bSizes = im.sizesOf(bIn);
    Value init = im.filled({aSizes[0], bSizes[1]}, element, 0.0);
    return result(
        linalg::MatmulOp::create(b, loc, ValueRange{a, bIn}, ValueRange{init})
            .getResult(0));
  }
  // NumPy's matmul as one generic over (batch..., [m,] [n,] k): a 1-D A
  // has no m, a 1-D B no n, and batch dimensions broadcast.
  bool vecA = aType.getRank() == 1, vecB = bType.getRank() == 1;
  int64_t batchA = vecA ? 0 : aType.getRank() - 2;
  int64_t batchB = vecB ? 0 : bType.getRank() - 2;
  int64_t batch = std::max(batchA, batchB);
  int64_t mDim = batch, nDim = batch + (vecA ? 0 : 1);
  int64_t kDim = nDim + (vecB ? 0 : 1);
  int64_t loops = kDim + 1;
  SmallVector<OpFoldResult> sizes(loops, b.getIndexAttr(1));
  SmallVector<int64_t> batchShape(batch, 1);
  SmallVector<OpFoldResult> aSizes = im.sizesOf(a), bSizes = im.sizesOf(bIn);
  // Batch sizes, as in elementwise broadcasting.
  for (auto [value, type, count] :
       {std::tuple(a, aType, batchA), std::tuple(bIn, bType, batchB)})
    for (int64_t i = 0; i < count; ++i) {
      int64_t d = batch - count + i, size = type.getDimSize(i);
      if (size == 1)
        continue;
      if (!ShapedType::isDynamic(batchShape[d]) && batchShape[d] != 1 &&
          !ShapedType::isDynamic(size) && batchShape[d] != size)
        return im.error() << "batch dimensions of " << aType << " and " << bType
                          << " do not broadcast";
      if (batchShape[d] == 1 || ShapedType::isDynamic(batchShape[d])) {
        batchShape[d] = size;
        sizes[d] = tensor::getMixedSize(b, loc, value, i);
      }
    }
  if (!vecA)
    sizes[mDim] = aSizes[aType.getRank() - 2];
  if (!vecB)
    sizes[nDim] = bSizes[bType.getRank() - 1];
  sizes[kDim] = aSizes[aType.getRank() - 1];
  // Each operand's map; its stretched unit batch dimensions collapsed.
  auto operand = [&](Value v, RankedTensorType type, int64_t count,
                     ArrayRef<int64_t> matrixDims,
                     SmallVector<AffineExpr> &exprs) -> FailureOr<Value> {
    SmallVector<int64_t> dropped;
    for (int64_t i = 0; i < count; ++i) {
      int64_t d = batch - count + i;
      if (type.getDimSize(i) == 1 && batchShape[d] != 1)
        dropped.push_back(i);
      else
        exprs.push_back(b.getAffineDimExpr(d));
    }
    for (int64_t d : matrixDims)
      exprs.push_back(b.getAffineDimExpr(d));
    return dropped.empty() ? FailureOr<Value>(v)
                           : im.removeUnitDims(v, dropped);
  };
  SmallVector<AffineExpr> aExprs, bExprs, outExprs;
  SmallVector<int64_t> aMatrix =
      vecA ? SmallVector<int64_t>{kDim} : SmallVector<int64_t>{mDim, kDim};
  SmallVector<int64_t> bMatrix =
      vecB ? SmallVector<int64_t>{kDim} : SmallVector<int64_t>{kDim, nDim};
  FailureOr<Value> aOp = operand(a, aType, batchA, aMatrix, aExprs);
  FailureOr<Value> bOp = operand(bIn, bType, batchB, bMatrix, bExprs);
  if (failed(aOp) || failed(bOp))
    return failure();
  SmallVector<OpFoldResult> outSizes;
  for (int64_t d = 0; d < kDim; ++d) {
    outExprs.push_back(b.getAffineDimExpr(d));
    outSizes.push_back(sizes[d]);
  }
  SmallVector<utils::IteratorType> iterators(loops,
                                             utils::IteratorType::parallel);
  iterators[kDim] = utils::IteratorType::reduction;
  Value init = im.filled(outSizes, element, 0.0);
  return result(im.generic(
      {*aOp, *bOp},
      {AffineMap::get(loops, 0, aExprs, im.context),
       AffineMap::get(loops, 0, bExprs, im.context)},
      AffineMap::get(loops, 0, outExprs, im.context), iterators, sizes, element,
      init, [&](OpBuilder &nb, Location nloc, ValueRange args) {
        if (isFloat)
          return arith::AddFOp::create(
                     nb, nloc, args[2],
                     arith::MulFOp::create(nb, nloc, args[0], args[1]))
              .getResult();
        return arith::AddIOp::create(
                   nb, nloc, args[2],
                   arith::MulIOp::create(nb, nloc, args[0], args[1]))
            .getResult();
      }));
}

FailureOr<Window> Lowering::window(RankedTensorType xType,
                                   ArrayRef<int64_t> kernel, bool dilated) {
  int64_t spatial = xType.getRank() - 2;
  auto ints = [&](llvm::StringRef name, int64_t size, int64_t fallback) {
    return im.intsAttr(name).value_or(SmallVector<int64_t>(size, fallback));
  };
  Window w;
  w.kernel.assign(kernel.begin(), kernel.end());
  w.strides = ints("strides", spatial, 1);
  w.dilations = ints("dilations", spatial, 1);
  w.pads = ints("pads", 2 * spatial, 0);
  if ((int64_t)w.kernel.size() != spatial ||
      (int64_t)w.strides.size() != spatial ||
      (int64_t)w.dilations.size() != spatial ||
      (int64_t)w.pads.size() != 2 * spatial ||
      llvm::any_of(w.kernel, [](int64_t k) { return k < 1; }) ||
      llvm::any_of(w.strides, [](int64_t s) { return s < 1; }) ||
      llvm::any_of(w.dilations, [](int64_t d) { return d < 1; }) ||
      llvm::any_of(w.pads, [](int64_t p) { return p < 0; })) {
    im.error() << "kernel_shape, strides, dilations or pads do not fit "
               << spatial << " spatial dimension(s)";
    return failure();
  }
  if (!dilated && llvm::any_of(w.dilations, [](int64_t d) { return d != 1; })) {
    im.error() << "dilations are not supported here";
    return failure();
  }
  if (im.intAttr("ceil_mode", 0)) {
    im.error() << "ceil_mode 1 is not supported";
    return failure();
  }
  if (llvm::any_of(xType.getShape().drop_front(), ShapedType::isDynamic)) {
    im.error() << "only the batch dimension may be dynamic";
    return failure();
  }
  std::string autoPad = im.stringAttr("auto_pad").value_or("NOTSET");
  for (int64_t i = 0; i < spatial; ++i) {
    int64_t size = xType.getDimSize(2 + i);
    int64_t extent = w.dilations[i] * (w.kernel[i] - 1) + 1;
    if (autoPad == "VALID") {
      w.pads[i] = w.pads[i + spatial] = 0;
    } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      int64_t out = (size + w.strides[i] - 1) / w.strides[i];
      int64_t total =
          std::max<int64_t>(0, (out - 1) * w.strides[i] + extent - size);
      int64_t small = total / 2;
      w.pads[i] = autoPad == "SAME_UPPER" ? small : total - small;
      w.pads[i + spatial] = total - w.pads[i];
    } else if (autoPad != "NOTSET") {
      im.error() << "auto_pad " << autoPad << " is not supported";
      return failure();
    }
    int64_t padded = size + w.pads[i] + w.pads[i + spatial];
    if (padded < extent) {
      im.error() << "the window is larger than the padded input";
      return failure();
    }
    w.out.push_back((padded - extent) / w.strides[i] + 1);
  }
  return w;
}

Value Lowering::pad(Value x, const Window &w, double value) {
  if (llvm::all_of(w.pads, [](int64_t p) { return p == 0; }))
    return x;
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t spatial = type.getRank() - 2;
  SmallVector<OpFoldResult> sizes = im.sizesOf(x), padded(sizes),
                            offsets(sizes.size(), b.getIndexAttr(0));
  for (int64_t i = 0; i < spatial; ++i) {
    padded[2 + i] = b.getIndexAttr(type.getDimSize(2 + i) + w.pads[i] +
                                   w.pads[i + spatial]);
    offsets[2 + i] = b.getIndexAttr(w.pads[i]);
  }
  Value filled = im.filled(padded, type.getElementType(), value);
  return tensor::InsertSliceOp::create(
      b, loc, x, filled, offsets, sizes,
      SmallVector<OpFoldResult>(sizes.size(), b.getIndexAttr(1)));
}

Value Lowering::patches(Value x, const Window &w) {
  // The patches, as strided slices (im2col): for each of the K kernel
  // offsets, x[:, :, k·d + o·s] over the outputs o, stacked into
  // [N, C, K, out...]. Every map stays a projected permutation, so
  // fm-autodiff differentiates what reads them like any contraction or
  // reduction (the adjoint of a strided slice is an insert_slice).
  int64_t spatial = w.kernel.size();
  SmallVector<OpFoldResult> sizesX = im.sizesOf(x);
  SmallVector<Value> slices;
  SmallVector<int64_t> offset(spatial, 0);
  for (int64_t flat = 0; flat < w.count(); ++flat) {
    // The offset's coordinates, last dimension fastest (W's layout).
    for (int64_t i = spatial - 1, rest = flat; i >= 0; --i) {
      offset[i] = rest % w.kernel[i];
      rest /= w.kernel[i];
    }
    SmallVector<OpFoldResult> offsets = {b.getIndexAttr(0), b.getIndexAttr(0)};
    SmallVector<OpFoldResult> sizes = {sizesX[0], sizesX[1]};
    SmallVector<OpFoldResult> steps = {b.getIndexAttr(1), b.getIndexAttr(1)};
    for (int64_t i = 0; i < spatial; ++i) {
      offsets.push_back(b.getIndexAttr(offset[i] * w.dilations[i]));
      sizes.push_back(b.getIndexAttr(w.out[i]));
      steps.push_back(b.getIndexAttr(w.strides[i]));
    }
    Value slice =
        tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, steps);
    slices.push_back(im.insertUnitDims(slice, {2}));
  }
  return slices.size() == 1
             ? slices.front()
             : tensor::ConcatOp::create(b, loc, 2, slices).getResult();
}

Value Lowering::windowReduce(Value x, const Window &w, bool max) {
  RankedTensorType type = GraphImporter::typeOf(x);
  int64_t spatial = w.kernel.size();
  int64_t loops = 2 + 2 * spatial;
  SmallVector<OpFoldResult> sizesX = im.sizesOf(x);
  SmallVector<AffineExpr> in = {b.getAffineDimExpr(0), b.getAffineDimExpr(1)};
  SmallVector<AffineExpr> out(in);
  SmallVector<OpFoldResult> sizes = {sizesX[0], sizesX[1]};
  SmallVector<utils::IteratorType> iterators(loops,
                                             utils::IteratorType::parallel);
  for (int64_t i = 0; i < spatial; ++i) {
    AffineExpr o = b.getAffineDimExpr(2 + i);
    AffineExpr k = b.getAffineDimExpr(2 + spatial + i);
    in.push_back(o * w.strides[i] + k * w.dilations[i]);
    out.push_back(o);
    sizes.push_back(b.getIndexAttr(w.out[i]));
  }
  for (int64_t i = 0; i < spatial; ++i) {
    sizes.push_back(b.getIndexAttr(w.kernel[i]));
    iterators[2 + spatial + i] = utils::IteratorType::reduction;
  }
  Type element = type.getElementType();
  SmallVector<OpFoldResult> outSizes(sizes.begin(),
                                     sizes.begin() + 2 + spatial);
  Value init = im.filled(outSizes, element,
                         max ? -std::numeric_limits<double>::infinity() : 0.0);
  // The window's extent comes from a shape-only operand, as in linalg's
  // pooling ops: no other operand determines the k loops.
  SmallVector<AffineExpr> windowExprs;
  SmallVector<OpFoldResult> windowSizes;
  for (int64_t i = 0; i < spatial; ++i) {
    windowExprs.push_back(b.getAffineDimExpr(2 + spatial + i));
    windowSizes.push_back(b.getIndexAttr(w.kernel[i]));
  }
  Value window = im.empty(windowSizes, element);
  return im.generic(
      {x, window},
      {AffineMap::get(loops, 0, in, im.context),
       AffineMap::get(loops, 0, windowExprs, im.context)},
      AffineMap::get(loops, 0, out, im.context), iterators, sizes, element,
      init, [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        if (max)
          return arith::MaximumFOp::create(nb, nloc, args[2], args[0]);
        return arith::AddFOp::create(nb, nloc, args[2], args[0]);
      });
}

LogicalResult Lowering::pool(bool max) {
  FailureOr<Value> xIn = floatInput(0);
  if (failed(xIn))
    return failure();
  RankedTensorType type = GraphImporter::typeOf(*xIn);
  if (type.getRank() < 3)
    return im.error() << "the input must be [N, C, spatial...], not " << type;
  std::optional<SmallVector<int64_t>> kernel = im.intsAttr("kernel_shape");
  if (!kernel)
    return im.error() << "needs kernel_shape";
  if (im.hasOutput(1))
    return im.error() << "the indices output is not supported";
  FailureOr<Window> win = window(type, *kernel, /*dilated=*/max);
  if (failed(win))
    return failure();
  Type element = type.getElementType();
  double padValue = max ? -std::numeric_limits<double>::infinity() : 0.0;
  Value padded = pad(*xIn, *win, padValue);
  // Small windows: [N, C, K, out...] patches reduced over K, which
  // fm-autodiff differentiates. Large ones (a slice per element would
  // swamp the compiler): one generic reading x at o·s + k·d, forward only.
  Value y = win->count() <= kMaxPatches
                ? im.reduce(patches(padded, *win), {2}, max)
                : windowReduce(padded, *win, max);
  if (max)
    return result(y);
  // The average: over the whole window with count_include_pad, else over
  // the elements inside the input (the window's sum of a padded ones).
  if (im.intAttr("count_include_pad", 0) ||
      llvm::all_of(win->pads, [](int64_t p) { return p == 0; })) {
    double count = static_cast<double>(win->count());
    return result(im.unary(y, [&](OpBuilder &nb, Location nloc,
                                  ValueRange args) {
      return arith::DivFOp::create(nb, nloc, args[0],
                                   Scalar{nb, nloc}.constant(element, count))
          .getResult();
    }));
  }
  Value ones = pad(im.filled(im.sizesOf(*xIn), element, 1.0), *win, 0.0);
  Value counts = win->count() <= kMaxPatches
                     ? im.reduce(patches(ones, *win), {2}, false)
                     : windowReduce(ones, *win, false);
  return result(im.elementwise(
      {y, counts}, element, [](OpBuilder &nb, Location nloc, ValueRange args) {
        return arith::DivFOp::create(nb, nloc, args[0], args[1]).getResult();
      }));
}

LogicalResult Lowering::conv() {
  FailureOr<Value> xIn = floatInput(0), wIn = floatInput(1);
  if (failed(xIn) || failed(wIn))
    return failure();
  Value x = *xIn, w = *wIn;
  RankedTensorType xType = GraphImporter::typeOf(x);
  RankedTensorType wType = GraphImporter::typeOf(w);
  int64_t spatial = xType.getRank() - 2;
  Type element = xType.getElementType();
  if (spatial < 1 || wType.getRank() != xType.getRank())
    return im.error() << "X " << xType << " and W " << wType
                      << " are not an [N, C, spatial...] input and an [F, "
                         "C/group, kernel...] weight";
  if (!wType.hasStaticShape() ||
      llvm::any_of(xType.getShape().drop_front(), ShapedType::isDynamic))
    return im.error() << "only the batch dimension may be dynamic";
  int64_t group = im.intAttr("group", 1);
  int64_t channels = xType.getDimSize(1), filters = wType.getDimSize(0);
  if (group < 1 || channels % group || filters % group ||
      wType.getDimSize(1) != channels / group)
    return im.error() << "group " << group << " does not split X " << xType
                      << " and W " << wType;
  SmallVector<int64_t> kernel(wType.getShape().drop_front(2));
  if (std::optional<SmallVector<int64_t>> given = im.intsAttr("kernel_shape");
      given && *given != kernel)
    return im.error() << "kernel_shape does not match W " << wType;
  FailureOr<Window> win = window(xType, kernel, /*dilated=*/true);
  if (failed(win))
    return failure();
  if (win->count() > kMaxPatches * kMaxPatches)
    return im.error() << "kernels of more than " << kMaxPatches * kMaxPatches
                      << " elements are not supported";
  SmallVector<OpFoldResult> xSizes = im.sizesOf(x);
  SmallVector<int64_t> out = win->out;
  int64_t kernelCount = win->count();
  Value stacked = patches(pad(x, *win, 0.0), *win);

  // Groups: patches [N, G, C/G, K, out...], W [G, F/G, C/G, K], result
  // [N, G, F/G, out...].
  int64_t cg = channels / group, fg = filters / group;
  auto split = [&](Value v, int64_t dim, int64_t inner) {
    RankedTensorType type = GraphImporter::typeOf(v);
    SmallVector<OpFoldResult> sizes = im.sizesOf(v);
    SmallVector<int64_t> shape;
    SmallVector<OpFoldResult> outSizes;
    SmallVector<ReassociationIndices> groups;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (d == dim) {
        groups.push_back({(int64_t)shape.size(), (int64_t)shape.size() + 1});
        shape.append({group, inner});
        outSizes.append({b.getIndexAttr(group), b.getIndexAttr(inner)});
      } else {
        groups.push_back({(int64_t)shape.size()});
        shape.push_back(type.getDimSize(d));
        outSizes.push_back(sizes[d]);
      }
    }
    return tensor::ExpandShapeOp::create(b, loc,
                                         RankedTensorType::get(shape, element),
                                         v, groups, outSizes)
        .getResult();
  };
  Value xg = split(stacked, 1, cg);
  FailureOr<Value> wFlat = im.reshape(w, {filters, cg, kernelCount});
  if (failed(wFlat))
    return failure();
  Value wg = split(*wFlat, 0, fg);
  // Loops: n, g, f, out..., c, k.
  int64_t loops = 3 + spatial + 2;
  int64_t cLoop = 3 + spatial, kLoop = cLoop + 1;
  auto dim = [&](int64_t d) { return b.getAffineDimExpr(d); };
  SmallVector<AffineExpr> xExprs = {dim(0), dim(1), dim(cLoop), dim(kLoop)};
  SmallVector<AffineExpr> wExprs = {dim(1), dim(2), dim(cLoop), dim(kLoop)};
  SmallVector<AffineExpr> oExprs = {dim(0), dim(1), dim(2)};
  SmallVector<OpFoldResult> sizes = {xSizes[0], b.getIndexAttr(group),
                                     b.getIndexAttr(fg)};
  for (int64_t i = 0; i < spatial; ++i) {
    xExprs.push_back(dim(3 + i));
    oExprs.push_back(dim(3 + i));
    sizes.push_back(b.getIndexAttr(out[i]));
  }
  sizes.push_back(b.getIndexAttr(cg));
  sizes.push_back(b.getIndexAttr(kernelCount));
  SmallVector<utils::IteratorType> iterators(loops,
                                             utils::IteratorType::parallel);
  iterators[cLoop] = iterators[kLoop] = utils::IteratorType::reduction;
  SmallVector<OpFoldResult> outSizes(sizes.begin(), sizes.begin() + cLoop);
  Value init = im.filled(outSizes, element, 0.0);
  Value y = im.generic(
      {xg, wg},
      {AffineMap::get(loops, 0, xExprs, im.context),
       AffineMap::get(loops, 0, wExprs, im.context)},
      AffineMap::get(loops, 0, oExprs, im.context), iterators, sizes, element,
      init, [](OpBuilder &nb, Location nloc, ValueRange args) {
        return arith::AddFOp::create(
                   nb, nloc, args[2],
                   arith::MulFOp::create(nb, nloc, args[0], args[1]))
            .getResult();
      });
  // [N, G, F/G, out...] -> [N, F, out...].
  SmallVector<ReassociationIndices> merge = {{0}, {1, 2}};
  SmallVector<int64_t> shape = {xType.getDimSize(0), filters};
  for (int64_t i = 0; i < spatial; ++i) {
    merge.push_back({3 + i});
    shape.push_back(out[i]);
  }
  y = tensor::CollapseShapeOp::create(
      b, loc, RankedTensorType::get(shape, element), y, merge);
  Value bias = im.optionalInput(2);
  if (!bias)
    return result(y);
  if (GraphImporter::typeOf(bias).getRank() != 1)
    return im.error() << "B must be 1-D";
  SmallVector<int64_t> units;
  for (int64_t i = 0; i < spatial; ++i)
    units.push_back(1 + i);
  bias = im.insertUnitDims(bias, units);
  return result(im.elementwise(
      {y, bias}, element, [](OpBuilder &nb, Location nloc, ValueRange args) {
        return arith::AddFOp::create(nb, nloc, args[0], args[1]).getResult();
      }));
}
