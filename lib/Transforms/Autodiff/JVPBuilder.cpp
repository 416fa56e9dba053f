//===- JVPBuilder.cpp - Forward-mode functions of linalg code -------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// `@f_jvp(inputs..., tangents...) -> (results..., tangents...)`: the callee's
// body, normalized, in which every op that depends on a seeded input is
// followed by the computation of its results' tangents.
//
//===----------------------------------------------------------------------===//

#include "JVPBuilder.h"

#include "Normalize.h"
#include "ScalarDerivatives.h"
#include "fm/Dialect/FmOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::fm;
using namespace mlir::fm::autodiff;

bool autodiff::isDifferentiableType(Type type) {
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    type = tensor.getElementType();
  return isa<FloatType>(type);
}

FailureOr<func::FuncOp> JVPBuilder::build(SymbolTable &symbols) {
  FunctionType type = primal.getFunctionType();
  SmallVector<Type> inputs(type.getInputs());
  llvm::append_range(inputs, type.getInputs());
  SmallVector<Type> results(type.getResults());
  llvm::append_range(results, type.getResults());
  FailureOr<func::FuncOp> created =
      createDerivativeFunction(b, symbols, primal, "jvp", inputs, results);
  if (failed(created))
    return failure();
  func::FuncOp jvp = *created;

  Block &block = jvp.getBody().front();
  auto ret = cast<func::ReturnOp>(block.getTerminator());
  unsigned numInputs = type.getNumInputs();
  for (unsigned i = 0; i < numInputs; ++i) {
    BlockArgument arg = block.getArgument(i);
    if (seeded[i] && isDifferentiableType(arg.getType()))
      tangents[arg] = block.getArgument(numInputs + i);
  }

  // The forward sweep: each op with an operand that has a tangent (or a
  // body that reads one) is followed by its results' tangents.
  SmallVector<Operation *> primalOps;
  for (Operation &op : block.without_terminator())
    primalOps.push_back(&op);
  for (Operation *op : primalOps) {
    if (isNonDifferentiable(op))
      continue;
    auto hasTangent = [&](Value v) { return tangents.contains(v); };
    bool active = llvm::any_of(op->getOperands(), hasTangent);
    if (!active && op->getNumRegions())
      op->walk([&](Operation *nested) {
        active |= llvm::any_of(nested->getOperands(), hasTangent);
      });
    if (!active)
      continue;
    b.setInsertionPointAfter(op);
    if (failed(differentiate(op))) {
      jvp.erase();
      return failure();
    }
  }

  b.setInsertionPoint(ret);
  SmallVector<Value> returned(ret.getOperands());
  for (auto [j, result] : llvm::enumerate(ret.getOperands())) {
    Value tangent = wanted[j] ? tangentOf(result) : Value();
    returned.push_back(tangent ? tangent : zerosLike(primal.getLoc(), result));
  }
  ret.getOperandsMutable().assign(returned);

  // Drop the tangent code that only unread tangents needed.
  llvm::SmallPtrSet<Operation *, 32> primalSet;
  primalSet.insert(primalOps.begin(), primalOps.end());
  SmallVector<Operation *> all;
  for (Operation &op : block.without_terminator())
    all.push_back(&op);
  for (Operation *op : llvm::reverse(all))
    if (!primalSet.contains(op) && isOpTriviallyDead(op))
      op->erase();
  return jvp;
}

Value JVPBuilder::zerosLike(Location loc, Value value) {
  Type type = value.getType();
  auto tensorType = dyn_cast<RankedTensorType>(type);
  Type elementType = tensorType ? tensorType.getElementType() : type;
  Value zero = arith::ConstantOp::create(
      b, loc, elementType, cast<TypedAttr>(b.getZeroAttr(elementType)));
  if (!tensorType)
    return zero;
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, value), elementType);
  return linalg::FillOp::create(b, loc, zero, init).getResult(0);
}

Value JVPBuilder::tangentOrZeros(Location loc, Value v) {
  Value tangent = tangentOf(v);
  return tangent ? tangent : zerosLike(loc, v);
}

LogicalResult JVPBuilder::differentiate(Operation *op) {
  auto unsupported = [&]() {
    return op->emitError("fm-autodiff: cannot differentiate '")
           << op->getName() << "' (in '" << primal.getSymName() << "')";
  };
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return differentiateGeneric(generic);

  // Integers are never differentiated.
  if (op->getNumResults() &&
      llvm::none_of(op->getResultTypes(), isDifferentiableType))
    return success();

  // Tensor ops that are linear in their float operands: the same op on the
  // tangents (zeros for an operand without one), with the same indices and
  // sizes; an embedding looks up the weight's tangent.
  if (isa<tensor::ExtractOp, tensor::InsertOp, tensor::ExtractSliceOp,
          tensor::InsertSliceOp, tensor::ConcatOp, tensor::CastOp,
          tensor::ExpandShapeOp, tensor::CollapseShapeOp, EmbeddingOp>(op)) {
    IRMapping mapping;
    for (Value v : op->getOperands())
      if (isDifferentiableType(v.getType()) && !mapping.contains(v))
        mapping.map(v, tangentOrZeros(op->getLoc(), v));
    tangents[op->getResult(0)] = b.clone(*op, mapping)->getResult(0);
    return success();
  }

  // Scalar arith and math.
  if (op->getNumResults() == 1 && op->getNumRegions() == 0 &&
      isa<FloatType>(op->getResult(0).getType())) {
    FailureOr<Value> tangent =
        tangentScalar(b, op, [&](Value v) { return tangentOf(v); });
    if (failed(tangent))
      return unsupported();
    if (*tangent)
      tangents[op->getResult(0)] = *tangent;
    return success();
  }
  return unsupported();
}
