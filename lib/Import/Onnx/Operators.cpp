//===- Operators.cpp - ONNX's arithmetic, and the dispatch ----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Elementwise arithmetic and activations, at the semantics of opset 13 (to
// 17: the supported operators did not change meaning there), and the table
// from op_type to lowering. Activations are written in the scalar forms
// fm/Utils/Activation.h recognizes, so that a product followed by one fuses
// into a oneDNN or cuBLASLt epilogue exactly as in a hand-written network.
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
