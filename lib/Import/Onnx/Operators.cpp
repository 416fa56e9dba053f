//===- Operators.cpp - ONNX operators as linalg on tensors ----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// One function per operator, at the semantics of opset 13 (to 17: the
// supported operators did not change meaning there). Activations are
// written in the scalar forms fm/Utils/Activation.h recognizes, so that a
// product followed by one fuses into a oneDNN or cuBLASLt epilogue exactly
// as in a hand-written network.
//
//===----------------------------------------------------------------------===//

#include "GraphImporter.h"

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

namespace {

using Body = llvm::function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// Shorthands for scalar bodies.
struct Scalar {
  OpBuilder &b;
  Location loc;

  Value constant(Type type, double v) {
    if (auto f = llvm::dyn_cast<FloatType>(type))
      return arith::ConstantOp::create(b, loc, b.getFloatAttr(f, v));
    return arith::ConstantOp::create(
        b, loc, b.getIntegerAttr(type, static_cast<int64_t>(v)));
  }
  Value mul(Value x, Value y) { return arith::MulFOp::create(b, loc, x, y); }
  Value add(Value x, Value y) { return arith::AddFOp::create(b, loc, x, y); }
  Value positive(Value x) {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                 constant(x.getType(), 0.0));
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }
};

/// The largest window cut into one slice per element (im2col); larger
/// pooling windows are read through strided maps instead.
constexpr int64_t kMaxPatches = 64;

/// A pooling or convolution window over the spatial dimensions of an
/// [N, C, spatial...] input: ONNX's kernel_shape, strides, dilations, pads
/// (begins then ends) and auto_pad, and the output size they give.
struct Window {
  SmallVector<int64_t> kernel, strides, dilations, pads, out;
  int64_t count() const {
    int64_t n = 1;
    for (int64_t k : kernel)
      n *= k;
    return n;
  }
};

class Lowering {
public:
  explicit Lowering(GraphImporter &im) : im(im), b(im.b), loc(im.loc) {}

  LogicalResult lower(llvm::StringRef opType);

private:
  /// Sets output 0 to `v` when it succeeded.
  LogicalResult result(FailureOr<Value> v) {
    if (failed(v))
      return failure();
    im.setOutput(0, *v);
    return success();
  }
  FailureOr<Value> floatInput(unsigned i);

  LogicalResult binary(llvm::StringRef opType);
  LogicalResult activation(llvm::StringRef opType);
  LogicalResult softmax(bool log);
  LogicalResult concat();
  LogicalResult reshape();
  LogicalResult flatten();
  LogicalResult squeeze(bool insert);
  LogicalResult transpose();
  LogicalResult slice();
  LogicalResult gather();
  LogicalResult constant();
  LogicalResult shape();
  LogicalResult cast();
  LogicalResult reduction(bool mean, bool max);
  LogicalResult gemm();
  LogicalResult matmul();
  LogicalResult conv();
  LogicalResult pool(bool max);
  LogicalResult padOp();
  LogicalResult instanceNorm();
  LogicalResult resize();
  LogicalResult extremum(bool max);
  LogicalResult clip();
  LogicalResult prelu();
  LogicalResult layerNorm();
  std::pair<Value, Value> moments(Value x, ArrayRef<int64_t> axes,
                                  AffineMap stats);
  FailureOr<Window> window(RankedTensorType xType, ArrayRef<int64_t> kernel,
                           bool dilated);
  Value pad(Value x, const Window &w, double value);
  Value patches(Value x, const Window &w);
  Value windowReduce(Value x, const Window &w, bool max);

  GraphImporter &im;
  OpBuilder &b;
  Location loc;
};

} // namespace

FailureOr<Value> Lowering::floatInput(unsigned i) {
  Value x = im.input(i);
  if (!x)
    return failure();
  if (!llvm::isa<FloatType>(GraphImporter::typeOf(x).getElementType())) {
    im.error() << "input #" << i << " has type " << x.getType()
               << "; this operator takes float tensors";
    return failure();
  }
  return x;
}

//===----------------------------------------------------------------------===//
// Arithmetic
//===----------------------------------------------------------------------===//

LogicalResult Lowering::binary(llvm::StringRef opType) {
  Value lhs = im.input(0), rhs = im.input(1);
  if (!lhs || !rhs)
    return failure();
  Type element = GraphImporter::typeOf(lhs).getElementType();
  Type rhsElement = GraphImporter::typeOf(rhs).getElementType();
  bool isFloat = llvm::isa<FloatType>(element);
  if (opType != "Pow" && element != rhsElement)
    return im.error() << "operands of different element types " << element
                      << " and " << rhsElement;
  if (element.isInteger(1) || rhsElement.isInteger(1))
    return im.error() << "arithmetic on bool tensors is not supported";
  return result(im.elementwise(
      {lhs, rhs}, element,
      [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Value x = args[0], y = args[1];
        if (opType == "Add")
          return isFloat ? arith::AddFOp::create(nb, nloc, x, y).getResult()
                         : arith::AddIOp::create(nb, nloc, x, y).getResult();
        if (opType == "Sub")
          return isFloat ? arith::SubFOp::create(nb, nloc, x, y).getResult()
                         : arith::SubIOp::create(nb, nloc, x, y).getResult();
        if (opType == "Mul")
          return isFloat ? arith::MulFOp::create(nb, nloc, x, y).getResult()
                         : arith::MulIOp::create(nb, nloc, x, y).getResult();
        if (opType == "Div")
          return isFloat ? arith::DivFOp::create(nb, nloc, x, y).getResult()
                         : arith::DivSIOp::create(nb, nloc, x, y).getResult();
        // Pow: the result has the base's type.
        bool expFloat = llvm::isa<FloatType>(y.getType());
        if (isFloat) {
          if (!expFloat)
            y = arith::SIToFPOp::create(nb, nloc, element, y);
          else if (y.getType() != element)
            y = convertScalarToDtype(nb, nloc, y, element,
                                     /*isUnsignedCast=*/false);
          return math::PowFOp::create(nb, nloc, x, y).getResult();
        }
        if (expFloat) {
          Value fx = arith::SIToFPOp::create(nb, nloc, y.getType(), x);
          Value p = math::PowFOp::create(nb, nloc, fx, y);
          return arith::FPToSIOp::create(nb, nloc, element, p).getResult();
        }
        // Integers: through f64, rounded, which is exact while |x^y| <
        // 2^53 (the CPU pipeline has no lowering of math.ipowi).
        Type f64 = nb.getF64Type();
        Value p = math::PowFOp::create(
            nb, nloc, arith::SIToFPOp::create(nb, nloc, f64, x),
            arith::SIToFPOp::create(nb, nloc, f64, y));
        p = math::RoundEvenOp::create(nb, nloc, p);
        return arith::FPToSIOp::create(nb, nloc, element, p).getResult();
      }));
}

LogicalResult Lowering::activation(llvm::StringRef opType) {
  FailureOr<Value> x = floatInput(0);
  if (failed(x))
    return failure();
  float alpha =
      im.floatAttr("alpha", opType == "LeakyRelu" ? 0.01f
                            : opType == "Selu"    ? 1.67326319217681884765625f
                                                  : 1.0f);
  float gamma = im.floatAttr("gamma", 1.05070102214813232421875f);
  return result(
      im.unary(*x, [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
        Scalar s{nb, nloc};
        Value v = args[0];
        Type type = v.getType();
        if (opType == "Relu")
          return arith::MaximumFOp::create(nb, nloc, v, s.constant(type, 0.0));
        if (opType == "Elu" || opType == "Selu") {
          // v > 0 ? v : α·(eᵛ − 1), as fm/Utils/Activation.h spells ELU.
          Value negative = math::ExpM1Op::create(nb, nloc, v);
          if (alpha != 1.0f)
            negative = s.mul(s.constant(type, alpha), negative);
          Value elu = s.select(s.positive(v), v, negative);
          return opType == "Selu" ? s.mul(s.constant(type, gamma), elu) : elu;
        }
        if (opType == "LeakyRelu")
          return s.select(s.positive(v), v, s.mul(s.constant(type, alpha), v));
        if (opType == "Sigmoid") {
          Value e =
              math::ExpOp::create(nb, nloc, arith::NegFOp::create(nb, nloc, v));
          Value one = s.constant(type, 1.0);
          return arith::DivFOp::create(nb, nloc, one, s.add(one, e));
        }
        if (opType == "Tanh")
          return math::TanhOp::create(nb, nloc, v);
        if (opType == "Softplus") {
          // log(1 + eᵛ) = max(v, 0) + log1p(e^−|v|), which never overflows.
          Value pos =
              arith::MaximumFOp::create(nb, nloc, v, s.constant(type, 0.0));
          Value e = math::ExpOp::create(
              nb, nloc,
              arith::NegFOp::create(nb, nloc,
                                    math::AbsFOp::create(nb, nloc, v)));
          return s.add(pos, math::Log1pOp::create(nb, nloc, e));
        }
        if (opType == "Exp")
          return math::ExpOp::create(nb, nloc, v);
        if (opType == "Log")
          return math::LogOp::create(nb, nloc, v);
        if (opType == "Sqrt")
          return math::SqrtOp::create(nb, nloc, v);
        if (opType == "Abs")
          return math::AbsFOp::create(nb, nloc, v);
        if (opType == "Erf")
          return math::ErfOp::create(nb, nloc, v);
        if (opType == "Sin")
          return math::SinOp::create(nb, nloc, v);
        if (opType == "Cos")
          return math::CosOp::create(nb, nloc, v);
        if (opType == "Reciprocal")
          return arith::DivFOp::create(nb, nloc, s.constant(type, 1.0), v);
        assert(opType == "Neg" && "not an activation");
        return arith::NegFOp::create(nb, nloc, v);
      }));
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

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

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
  for (int64_t &a : axes) {
    FailureOr<int64_t> axis = im.normalizeAxis(a, rank);
    if (failed(axis))
      return failure();
    a = *axis;
  }
  llvm::sort(axes);
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
  for (int64_t &a : axes) {
    FailureOr<int64_t> axis = im.normalizeAxis(a, rank);
    if (failed(axis))
      return failure();
    a = *axis;
  }
  llvm::sort(axes);
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

//===----------------------------------------------------------------------===//
// Products
//===----------------------------------------------------------------------===//

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

LogicalResult Lowering::extremum(bool max) {
  // Max and Min of any number of inputs, with broadcasting: folded left.
  Value acc = im.input(0);
  if (!acc)
    return failure();
  for (unsigned i = 1; i < im.numInputs(); ++i) {
    Value next = im.input(i);
    if (!next)
      return failure();
    Type element = GraphImporter::typeOf(acc).getElementType();
    if (GraphImporter::typeOf(next).getElementType() != element)
      return im.error() << "inputs of different element types";
    FailureOr<Value> combined = im.elementwise(
        {acc, next}, element,
        [&](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
          if (llvm::isa<FloatType>(element))
            return max ? arith::MaximumFOp::create(nb, nloc, args[0], args[1])
                             .getResult()
                       : arith::MinimumFOp::create(nb, nloc, args[0], args[1])
                             .getResult();
          return max ? arith::MaxSIOp::create(nb, nloc, args[0], args[1])
                           .getResult()
                     : arith::MinSIOp::create(nb, nloc, args[0], args[1])
                           .getResult();
        });
    if (failed(combined))
      return failure();
    acc = *combined;
  }
  return result(acc);
}

LogicalResult Lowering::clip() {
  FailureOr<Value> x = floatInput(0);
  if (failed(x))
    return failure();
  Value lo = im.optionalInput(1), hi = im.optionalInput(2);
  for (Value bound : {lo, hi})
    if (bound && GraphImporter::typeOf(bound).getNumElements() != 1)
      return im.error() << "min and max must be scalars";
  SmallVector<Value> operands = {*x};
  if (lo)
    operands.push_back(lo);
  if (hi)
    operands.push_back(hi);
  return result(im.elementwise(
      operands, GraphImporter::typeOf(*x).getElementType(),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value v = args[0];
        unsigned next = 1;
        if (lo)
          v = arith::MaximumFOp::create(nb, nloc, v, args[next++]);
        if (hi)
          v = arith::MinimumFOp::create(nb, nloc, v, args[next++]);
        return v;
      }));
}

LogicalResult Lowering::prelu() {
  FailureOr<Value> x = floatInput(0), slope = floatInput(1);
  if (failed(x) || failed(slope))
    return failure();
  // A slope per channel ([C] against [N, C, ...], opset 6's meaning, which
  // ONNX's converter keeps as it is): broadcast along dimension 1.
  RankedTensorType xType = GraphImporter::typeOf(*x);
  RankedTensorType slopeType = GraphImporter::typeOf(*slope);
  if (slopeType.getRank() == 1 && xType.getRank() > 2 &&
      slopeType.getDimSize(0) != 1 &&
      slopeType.getDimSize(0) == xType.getDimSize(1) &&
      xType.getDimSize(xType.getRank() - 1) != slopeType.getDimSize(0)) {
    SmallVector<int64_t> units;
    for (int64_t d = 1; d < xType.getRank() - 1; ++d)
      units.push_back(d);
    *slope = im.insertUnitDims(*slope, units);
  }
  return result(im.elementwise(
      {*x, *slope}, GraphImporter::typeOf(*x).getElementType(),
      [](OpBuilder &nb, Location nloc, ValueRange args) {
        Scalar s{nb, nloc};
        return s.select(s.positive(args[0]), args[0], s.mul(args[1], args[0]));
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

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

namespace {
enum class Kind {
  Unsupported,
  Binary,
  Activation,
  Softmax,
  LogSoftmax,
  Concat,
  Reshape,
  Flatten,
  Squeeze,
  Unsqueeze,
  Transpose,
  Slice,
  Gather,
  Constant,
  Identity,
  Shape,
  Cast,
  ReduceMean,
  ReduceSum,
  ReduceMax,
  Gemm,
  MatMul,
  Conv,
  MaxPool,
  AveragePool,
  Pad,
  InstanceNormalization,
  Resize,
  Dropout,
  Max,
  Min,
  Clip,
  PRelu,
  LayerNormalization
};
} // namespace

static Kind kindOf(llvm::StringRef opType) {
  return llvm::StringSwitch<Kind>(opType)
      .Cases({"Add", "Sub", "Mul", "Div", "Pow"}, Kind::Binary)
      .Cases({"Relu", "Elu", "LeakyRelu", "Selu", "Sigmoid", "Tanh", "Softplus",
              "Exp", "Log", "Sqrt", "Neg", "Abs", "Erf", "Sin", "Cos",
              "Reciprocal"},
             Kind::Activation)
      .Case("Softmax", Kind::Softmax)
      .Case("LogSoftmax", Kind::LogSoftmax)
      .Case("Concat", Kind::Concat)
      .Case("Reshape", Kind::Reshape)
      .Case("Flatten", Kind::Flatten)
      .Case("Squeeze", Kind::Squeeze)
      .Case("Unsqueeze", Kind::Unsqueeze)
      .Case("Transpose", Kind::Transpose)
      .Case("Slice", Kind::Slice)
      .Case("Gather", Kind::Gather)
      .Case("Constant", Kind::Constant)
      .Case("Identity", Kind::Identity)
      .Case("Shape", Kind::Shape)
      .Case("Cast", Kind::Cast)
      .Case("ReduceMean", Kind::ReduceMean)
      .Case("ReduceSum", Kind::ReduceSum)
      .Case("ReduceMax", Kind::ReduceMax)
      .Case("Gemm", Kind::Gemm)
      .Case("MatMul", Kind::MatMul)
      .Case("Conv", Kind::Conv)
      .Case("MaxPool", Kind::MaxPool)
      .Case("AveragePool", Kind::AveragePool)
      .Case("Pad", Kind::Pad)
      .Case("InstanceNormalization", Kind::InstanceNormalization)
      .Case("Resize", Kind::Resize)
      .Case("Dropout", Kind::Dropout)
      .Case("Max", Kind::Max)
      .Case("Min", Kind::Min)
      .Case("Clip", Kind::Clip)
      .Case("PRelu", Kind::PRelu)
      .Case("LayerNormalization", Kind::LayerNormalization)
      .Default(Kind::Unsupported);
}

bool mlir::fm::onnx::isSupportedOperator(llvm::StringRef opType) {
  return kindOf(opType) != Kind::Unsupported;
}

LogicalResult Lowering::lower(llvm::StringRef opType) {
  switch (kindOf(opType)) {
  case Kind::Unsupported:
    return im.error() << "operator '" << opType << "' is not supported";
  case Kind::Binary:
    return binary(opType);
  case Kind::Activation:
    return activation(opType);
  case Kind::Softmax:
    return softmax(/*log=*/false);
  case Kind::LogSoftmax:
    return softmax(/*log=*/true);
  case Kind::Concat:
    return concat();
  case Kind::Reshape:
    return reshape();
  case Kind::Flatten:
    return flatten();
  case Kind::Squeeze:
    return squeeze(/*insert=*/false);
  case Kind::Unsqueeze:
    return squeeze(/*insert=*/true);
  case Kind::Transpose:
    return transpose();
  case Kind::Slice:
    return slice();
  case Kind::Gather:
    return gather();
  case Kind::Constant:
    return constant();
  case Kind::Identity: {
    Value x = im.input(0);
    return x ? result(x) : failure();
  }
  case Kind::Shape:
    return shape();
  case Kind::Cast:
    return cast();
  case Kind::ReduceMean:
    return reduction(/*mean=*/true, /*max=*/false);
  case Kind::ReduceSum:
    return reduction(/*mean=*/false, /*max=*/false);
  case Kind::ReduceMax:
    return reduction(/*mean=*/false, /*max=*/true);
  case Kind::Gemm:
    return gemm();
  case Kind::MatMul:
    return matmul();
  case Kind::Conv:
    return conv();
  case Kind::MaxPool:
    return pool(/*max=*/true);
  case Kind::AveragePool:
    return pool(/*max=*/false);
  case Kind::Pad:
    return padOp();
  case Kind::InstanceNormalization:
    return instanceNorm();
  case Kind::Resize:
    return resize();
  case Kind::Max:
    return extremum(/*max=*/true);
  case Kind::Min:
    return extremum(/*max=*/false);
  case Kind::Clip:
    return clip();
  case Kind::PRelu:
    return prelu();
  case Kind::LayerNormalization:
    return layerNorm();
  case Kind::Dropout: {
    // Inference: the identity (a mask output is not produced).
    if (im.hasOutput(1))
      return im.error() << "the mask output is not supported";
    Value x = im.input(0);
    return x ? result(x) : failure();
  }
  }
  llvm_unreachable("unknown operator kind");
}

LogicalResult mlir::fm::onnx::lowerNode(GraphImporter &importer,
                                        llvm::StringRef opType) {
  return Lowering(importer).lower(opType);
}
