//===- FmOps.cpp - Operations of the fm dialect ---------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The op classes of FmOps.td, and the verifiers of the loop-level ops on
// continuous data: paths, autodiff, losses, Adam and the ODE steps. The
// declarative ops' verifiers are in FmDeclarativeOps.cpp, and those of the
// ops on tokens in FmDiscreteOps.cpp.
//
//===----------------------------------------------------------------------===//

#include "fm/Dialect/FmOps.h"
#include "FmVerifiers.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/OpImplementation.h"

#include <cmath>

using namespace mlir;
using namespace mlir::fm;

#define GET_OP_CLASSES
#include "fm/Dialect/FmOps.cpp.inc"

//===----------------------------------------------------------------------===//
// PathSampleOp
//===----------------------------------------------------------------------===//

/// Checks the batched-sample contract shared by ops that take samples `x`
/// (float, leading batch dimension) and one time per batch row `t`.
static LogicalResult verifyBatchedSamples(Operation *op, Type x, Type t) {
  auto xType = llvm::cast<RankedTensorType>(x);
  auto tType = llvm::cast<RankedTensorType>(t);
  auto emitError = [&]() { return op->emitOpError(); };
  if (!llvm::isa<FloatType>(xType.getElementType()))
    return emitError() << "samples must have a float element type, got "
                       << xType.getElementType();
  if (xType.getRank() < 1)
    return emitError() << "samples must have a leading batch dimension, got "
                          "a 0-d tensor";
  if (tType.getRank() != 1)
    return emitError() << "time must be a 1-D tensor with one entry per "
                          "batch row, got rank "
                       << tType.getRank();
  if (tType.getElementType() != xType.getElementType())
    return emitError() << "time element type " << tType.getElementType()
                       << " does not match the sample element type "
                       << xType.getElementType();
  int64_t batch = xType.getDimSize(0), times = tType.getDimSize(0);
  if (!ShapedType::isDynamic(batch) && !ShapedType::isDynamic(times) &&
      batch != times)
    return emitError() << "time has " << times << " entries but the batch has "
                       << batch << " rows";
  return success();
}

LogicalResult PathSampleOp::verify() {
  return verifyBatchedSamples(*this, getX0().getType(), getT().getType());
}

//===----------------------------------------------------------------------===//
// ConvertPredictionOp
//===----------------------------------------------------------------------===//

LogicalResult ConvertPredictionOp::verify() {
  if (getFrom() == getTo())
    return emitOpError("converts a ") << stringifyPrediction(getFrom())
                                      << " prediction to itself; remove the op";
  return verifyBatchedSamples(*this, getPrediction().getType(),
                              getT().getType());
}

//===----------------------------------------------------------------------===//
// VJPOp
//===----------------------------------------------------------------------===//

/// Types the differentiation ops pass through: floats, integers and indices
/// (which are not differentiated), and ranked tensors of them.
static bool isPassThroughType(Type type) {
  if (auto tensor = llvm::dyn_cast<RankedTensorType>(type))
    type = tensor.getElementType();
  return llvm::isa<FloatType, IntegerType, IndexType>(type);
}

/// Differentiable values are floats and ranked tensors of floats.
static bool isDifferentiableType(Type type) {
  if (auto tensor = llvm::dyn_cast<RankedTensorType>(type))
    type = tensor.getElementType();
  return llvm::isa<FloatType>(type);
}

LogicalResult VJPOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto callee =
      symbolTable.lookupNearestSymbolFrom<func::FuncOp>(*this, getCalleeAttr());
  if (!callee)
    return emitOpError("'")
           << getCallee() << "' does not reference a func.func";
  FunctionType type = callee.getFunctionType();
  if (type.getNumInputs() != getInputs().size())
    return emitOpError("callee takes ") << type.getNumInputs() << " inputs but "
                                        << getInputs().size() << " were given";
  if (type.getNumResults() != getCotangents().size())
    return emitOpError("callee has ")
           << type.getNumResults() << " results, so it needs as many "
           << "cotangents, but " << getCotangents().size() << " were given";
  if (getOutputs().size() != type.getNumResults() + type.getNumInputs())
    return emitOpError("expects ")
           << type.getNumResults() + type.getNumInputs()
           << " results (the callee's results, then one gradient per "
              "input), got "
           << getOutputs().size();
  for (auto [i, operand] : llvm::enumerate(getInputs())) {
    if (operand.getType() != type.getInput(i))
      return emitOpError("input #")
             << i << " has type " << operand.getType()
             << " but the callee expects " << type.getInput(i);
    if (!isPassThroughType(operand.getType()))
      return emitOpError("input #")
             << i << " of type " << operand.getType()
             << " is not supported (expected a float, an integer, an index "
                "or a ranked tensor of them)";
    if (getGradients()[i].getType() != operand.getType())
      return emitOpError("gradient #")
             << i << " has type " << getGradients()[i].getType()
             << " but its input has type " << operand.getType();
  }
  for (auto [i, cotangent] : llvm::enumerate(getCotangents())) {
    if (cotangent.getType() != type.getResult(i))
      return emitOpError("cotangent #")
             << i << " has type " << cotangent.getType()
             << " but callee result #" << i << " has type "
             << type.getResult(i);
    if (!isDifferentiableType(cotangent.getType()))
      return emitOpError("cotangent #")
             << i << " of type " << cotangent.getType()
             << " is not differentiable (expected a float or a ranked "
                "tensor of floats)";
    if (getPrimalResults()[i].getType() != type.getResult(i))
      return emitOpError("result #")
             << i << " has type " << getPrimalResults()[i].getType()
             << " but callee result #" << i << " has type "
             << type.getResult(i);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// JVPOp
//===----------------------------------------------------------------------===//

LogicalResult JVPOp::verify() {
  if (getTangents().size() != getInputs().size())
    return emitOpError("expects one tangent per input, got ")
           << getInputs().size() << " inputs and " << getTangents().size()
           << " tangents";
  for (auto [i, input, tangent] : llvm::enumerate(getInputs(), getTangents())) {
    if (!isPassThroughType(input.getType()))
      return emitOpError("input #")
             << i << " of type " << input.getType()
             << " is not supported (expected a float, an integer, an index "
                "or a ranked tensor of them)";
    if (tangent.getType() != input.getType())
      return emitOpError("tangent #")
             << i << " has type " << tangent.getType()
             << " but its input has type " << input.getType();
  }
  if (getOutputs().size() % 2 != 0)
    return emitOpError("expects as many result tangents as results, got ")
           << getOutputs().size() << " results in all";
  for (auto [j, result, tangent] :
       llvm::enumerate(getPrimalResults(), getResultTangents()))
    if (tangent.getType() != result.getType())
      return emitOpError("tangent of result #")
             << j << " has type " << tangent.getType()
             << " but the result has type " << result.getType();
  return success();
}

LogicalResult JVPOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  auto callee =
      symbolTable.lookupNearestSymbolFrom<func::FuncOp>(*this, getCalleeAttr());
  if (!callee)
    return emitOpError("'")
           << getCallee() << "' does not reference a func.func";
  if (callee.isExternal())
    return emitOpError("callee '")
           << getCallee() << "' is a declaration; it needs a body";
  FunctionType type = callee.getFunctionType();
  if (type.getNumInputs() != getInputs().size())
    return emitOpError("callee takes ") << type.getNumInputs() << " inputs but "
                                        << getInputs().size() << " were given";
  if (getOutputs().size() != 2 * type.getNumResults())
    return emitOpError("expects ")
           << 2 * type.getNumResults()
           << " results (the callee's results, then one tangent per "
              "result), got "
           << getOutputs().size();
  for (auto [i, input] : llvm::enumerate(getInputs()))
    if (input.getType() != type.getInput(i))
      return emitOpError("input #")
             << i << " has type " << input.getType()
             << " but the callee expects " << type.getInput(i);
  for (auto [j, result] : llvm::enumerate(getPrimalResults())) {
    if (result.getType() != type.getResult(j))
      return emitOpError("result #")
             << j << " has type " << result.getType() << " but callee result #"
             << j << " has type " << type.getResult(j);
    if (!isPassThroughType(result.getType()))
      return emitOpError("result #")
             << j << " of type " << result.getType()
             << " is not supported (expected a float, an integer, an index "
                "or a ranked tensor of them)";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// MSELossOp
//===----------------------------------------------------------------------===//

LogicalResult MSELossOp::verify() {
  Type element = getPrediction().getType().getElementType();
  if (!llvm::isa<FloatType>(element))
    return emitOpError("operands must have a float element type, got ")
           << element;
  if (getLoss().getType() != element)
    return emitOpError("loss type ")
           << getLoss().getType() << " does not match the operand element type "
           << element;
  return success();
}

//===----------------------------------------------------------------------===//
// AdamUpdateOp
//===----------------------------------------------------------------------===//

LogicalResult AdamUpdateOp::verify() {
  Type element = getParam().getType().getElementType();
  if (!llvm::isa<FloatType>(element))
    return emitOpError("parameters must have a float element type, got ")
           << element;
  auto check = [&](double value, bool ok, StringRef what) -> LogicalResult {
    if (std::isfinite(value) && ok)
      return success();
    return emitOpError(what) << ", got " << formatF64(value);
  };
  double lr = getLr().convertToDouble();
  double beta1 = getBeta1().convertToDouble();
  double beta2 = getBeta2().convertToDouble();
  double eps = getEps().convertToDouble();
  double weightDecay = getWeightDecay().convertToDouble();
  if (failed(check(lr, lr > 0, "lr must be a finite number > 0")) ||
      failed(
          check(beta1, beta1 >= 0 && beta1 < 1, "beta1 must be in [0, 1)")) ||
      failed(
          check(beta2, beta2 >= 0 && beta2 < 1, "beta2 must be in [0, 1)")) ||
      failed(check(eps, eps > 0, "eps must be a finite number > 0")) ||
      failed(check(weightDecay, weightDecay >= 0,
                   "weight_decay must be a finite number >= 0")))
    return failure();
  return success();
}

//===----------------------------------------------------------------------===//
// ODEStepOp
//===----------------------------------------------------------------------===//

/// Checks an ODE state: a float tensor with a leading batch dimension.
static LogicalResult verifyODEState(Operation *op, RankedTensorType xType) {
  if (!llvm::isa<FloatType>(xType.getElementType()))
    return op->emitOpError("state must have a float element type, got ")
           << xType.getElementType();
  if (xType.getRank() < 1)
    return op->emitOpError("state must have a leading batch dimension, got "
                           "a 0-d tensor");
  return success();
}

LogicalResult ODEStepOp::verify() {
  auto xType = llvm::cast<RankedTensorType>(getX().getType());
  if (failed(verifyODEState(*this, xType)))
    return failure();
  if (getT().getType() != xType.getElementType())
    return emitOpError("time type ")
           << getT().getType() << " does not match the state element type "
           << xType.getElementType();
  return success();
}

/// Checks that `velocity` names a function (x, t_rows, params...) -> x.
static LogicalResult verifyVelocityFunction(Operation *op,
                                            SymbolTableCollection &symbols,
                                            FlatSymbolRefAttr velocity, Type x,
                                            TypeRange params) {
  auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(op, velocity);
  if (!callee)
    return op->emitOpError("'")
           << velocity.getValue() << "' does not reference a func.func";
  auto xType = llvm::cast<RankedTensorType>(x);
  auto rowsType =
      RankedTensorType::get({xType.getDimSize(0)}, xType.getElementType());
  SmallVector<Type> expectedInputs = {xType, rowsType};
  llvm::append_range(expectedInputs, params);
  FunctionType expected =
      FunctionType::get(op->getContext(), expectedInputs, {xType});
  if (callee.getFunctionType() != expected)
    return op->emitOpError("velocity function '")
           << velocity.getValue() << "' has type " << callee.getFunctionType()
           << " but this step needs " << expected;
  return success();
}

LogicalResult ODEStepOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  return verifyVelocityFunction(*this, symbolTable, getVelocityAttr(),
                                getX().getType(), getParams().getTypes());
}

//===----------------------------------------------------------------------===//
// IntegrateOp
//===----------------------------------------------------------------------===//

FailureOr<bool> mlir::fm::detail::verifyTimeGrid(Operation *op,
                                                 ArrayRef<double> grid) {
  if (grid.size() < 2)
    return op->emitOpError("time_grid needs at least 2 times, got ")
           << grid.size();
  bool increasing = grid[1] > grid[0];
  for (size_t i = 1; i < grid.size(); ++i)
    if (increasing ? !(grid[i] > grid[i - 1]) : !(grid[i] < grid[i - 1]))
      return op->emitOpError("time_grid must be strictly monotone, but entry ")
             << i << " (" << formatF64(grid[i]) << ") breaks the order";
  return increasing;
}

LogicalResult IntegrateOp::verify() {
  if (failed(verifyODEState(*this, getX().getType())))
    return failure();
  std::optional<ArrayRef<double>> grid = getTimeGrid();
  if (grid.has_value() == static_cast<bool>(getSteps()))
    return emitOpError("needs either a step count or a time_grid, not ")
           << (grid ? "both" : "neither");
  if (grid)
    return success(succeeded(detail::verifyTimeGrid(*this, *grid)));
  if (getT0() == getT1())
    return emitOpError("t0 and t1 are both ")
           << formatF64(getT0().convertToDouble())
           << ": the time interval is empty";
  return success();
}

LogicalResult
IntegrateOp::verifySymbolUses(SymbolTableCollection &symbolTable) {
  return verifyVelocityFunction(*this, symbolTable, getVelocityAttr(),
                                getX().getType(), getParams().getTypes());
}

//===----------------------------------------------------------------------===//
// RandomLogitNormalOp
//===----------------------------------------------------------------------===//

LogicalResult RandomLogitNormalOp::verify() {
  double mean = getMean().convertToDouble(), std = getStd().convertToDouble();
  if (!std::isfinite(mean))
    return emitOpError("mean must be finite, got ") << formatF64(mean);
  if (!std::isfinite(std) || std <= 0)
    return emitOpError("std must be a finite number > 0, got ")
           << formatF64(std);
  return success();
}
