//===- VJPBuilder.cpp - Reverse-mode functions of linalg code -------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// `@f_vjp(inputs..., cotangents...) -> (results..., gradients...)`: the
// callee's body, normalized, followed by a reverse sweep that visits the
// active ops last to first and propagates adjoints to their operands.
//
//===----------------------------------------------------------------------===//

#include "VJPBuilder.h"

#include "Embedding.h"
#include "Normalize.h"
#include "ScalarDerivatives.h"
#include "fm/Dialect/FmOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::fm;
using namespace mlir::fm::autodiff;

FailureOr<func::FuncOp> VJPBuilder::build(SymbolTable &symbols) {
  FunctionType type = primal.getFunctionType();
  SmallVector<Type> inputs(type.getInputs());
  llvm::append_range(inputs, type.getResults());
  SmallVector<Type> results(type.getResults());
  llvm::append_range(results, type.getInputs());
  FailureOr<func::FuncOp> created =
      createDerivativeFunction(b, symbols, primal, "vjp", inputs, results);
  if (failed(created))
    return failure();
  func::FuncOp vjp = *created;

  Block &block = vjp.getBody().front();
  auto ret = cast<func::ReturnOp>(block.getTerminator());
  SmallVector<Value> primalResults(ret.getOperands());
  ValueRange args = block.getArguments();
  ValueRange primalArgs = args.take_front(type.getNumInputs());
  ValueRange cotangents = args.drop_front(type.getNumInputs());
  SmallVector<Value> wantedArgs;
  for (auto [arg, want] : llvm::zip(primalArgs, wanted))
    if (want)
      wantedArgs.push_back(arg);
  computeActivity(block, wantedArgs);

  SmallVector<Operation *> forwardOps;
  for (Operation &op : block.without_terminator())
    forwardOps.push_back(&op);
  ret.erase();
  b.setInsertionPointToEnd(&block);

  for (auto [result, cotangent] : llvm::zip(primalResults, cotangents))
    if (isActive(result))
      accumulate(result, cotangent);

  for (Operation *op : llvm::reverse(forwardOps)) {
    if (llvm::none_of(op->getResults(),
                      [&](Value r) { return adjoints.contains(r); }))
      continue;
    if (llvm::none_of(op->getOperands(), [&](Value v) { return isActive(v); }))
      continue;
    if (failed(differentiate(op))) {
      vjp.erase();
      return failure();
    }
  }

  SmallVector<Value> returned(primalResults);
  for (Value arg : primalArgs) {
    Value grad = adjoints.lookup(arg);
    returned.push_back(grad ? grad : zerosLike(primal.getLoc(), arg));
  }
  func::ReturnOp::create(b, primal.getLoc(), returned);
  return vjp;
}

void VJPBuilder::computeActivity(Block &block, ValueRange inputs) {
  active.insert(inputs.begin(), inputs.end());
  for (Operation &op : block.without_terminator()) {
    if (isNonDifferentiable(&op))
      continue;
    bool anyActive =
        llvm::any_of(op.getOperands(), [&](Value v) { return isActive(v); });
    // Values captured by a linalg.generic body count as operands too.
    if (!anyActive && op.getNumRegions())
      op.walk([&](Operation *nested) {
        for (Value v : nested->getOperands())
          anyActive |= isActive(v);
      });
    if (anyActive)
      active.insert(op.result_begin(), op.result_end());
  }
}

Value VJPBuilder::addValues(Location loc, Value x, Value y) {
  auto tensorType = dyn_cast<RankedTensorType>(x.getType());
  if (!tensorType)
    return arith::AddFOp::create(b, loc, x, y);
  int64_t rank = tensorType.getRank();
  Value init = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, x),
                                       tensorType.getElementType());
  AffineMap id = b.getMultiDimIdentityMap(rank);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{tensorType}, ValueRange{x, y}, ValueRange{init},
             ArrayRef<AffineMap>{id, id, id}, iterators,
             [](OpBuilder &nb, Location nloc, ValueRange args) {
               Value sum = arith::AddFOp::create(nb, nloc, args[0], args[1]);
               linalg::YieldOp::create(nb, nloc, sum);
             })
      .getResult(0);
}

void VJPBuilder::accumulate(Value primalValue, Value contribution) {
  if (!isActive(primalValue))
    return;
  Value &slot = adjoints[primalValue];
  slot = slot ? addValues(contribution.getLoc(), slot, contribution)
              : contribution;
}

Value VJPBuilder::zerosLike(Location loc, Value value) {
  Type type = value.getType();
  auto tensorType = dyn_cast<RankedTensorType>(type);
  Type elementType = tensorType ? tensorType.getElementType() : type;
  // An integer input's gradient is zeros of its type too.
  Value zero = arith::ConstantOp::create(
      b, loc, elementType, cast<TypedAttr>(b.getZeroAttr(elementType)));
  if (!tensorType)
    return zero;
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, value), elementType);
  return linalg::FillOp::create(b, loc, zero, init).getResult(0);
}

LogicalResult VJPBuilder::differentiate(Operation *op) {
  Location loc = op->getLoc();
  auto unsupported = [&]() {
    return op->emitError("fm-autodiff: cannot differentiate '")
           << op->getName() << "' (in '" << primal.getSymName() << "')";
  };
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return differentiateGeneric(generic);

  Value adj =
      op->getNumResults() == 1 ? adjoints.lookup(op->getResult(0)) : Value();
  if (!adj)
    return unsupported();

  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](tensor::ExtractOp extract) {
        Value zeros = zerosLike(loc, extract.getTensor());
        accumulate(
            extract.getTensor(),
            tensor::InsertOp::create(b, loc, adj, zeros, extract.getIndices()));
        return success();
      })
      .Case([&](tensor::ExtractSliceOp slice) {
        Value zeros = zerosLike(loc, slice.getSource());
        accumulate(slice.getSource(),
                   tensor::InsertSliceOp::create(
                       b, loc, adj, zeros, slice.getMixedOffsets(),
                       slice.getMixedSizes(), slice.getMixedStrides()));
        return success();
      })
      .Case([&](tensor::InsertSliceOp insert) {
        accumulate(insert.getSource(),
                   tensor::ExtractSliceOp::create(
                       b, loc, insert.getSourceType(), adj,
                       insert.getMixedOffsets(), insert.getMixedSizes(),
                       insert.getMixedStrides()));
        Value hole = zerosLike(loc, insert.getSource());
        accumulate(insert.getDest(),
                   tensor::InsertSliceOp::create(
                       b, loc, hole, adj, insert.getMixedOffsets(),
                       insert.getMixedSizes(), insert.getMixedStrides()));
        return success();
      })
      .Case([&](tensor::ConcatOp concat) {
        return differentiateConcat(concat, adj);
      })
      .Case([&](EmbeddingOp embedding) {
        // A scatter-add of the rows' gradients; the tokens carry none.
        Type weight = embedding.getWeight().getType();
        accumulate(embedding.getWeight(),
                   embeddingReduction
                       ? buildEmbeddingGradientReduction(
                             b, loc, adj, embedding.getTokens(), weight)
                       : buildEmbeddingScatterAdd(
                             b, loc, adj, embedding.getTokens(), weight));
        return success();
      })
      .Case([&](tensor::CastOp cast) {
        accumulate(
            cast.getSource(),
            tensor::CastOp::create(b, loc, cast.getSource().getType(), adj));
        return success();
      })
      .Case([&](tensor::ExpandShapeOp expand) {
        accumulate(expand.getSrc(), tensor::CollapseShapeOp::create(
                                        b, loc, expand.getSrcType(), adj,
                                        expand.getReassociationIndices()));
        return success();
      })
      .Case([&](tensor::CollapseShapeOp collapse) {
        // The source's sizes, dynamic ones included, shape the expansion.
        accumulate(collapse.getSrc(),
                   tensor::ExpandShapeOp::create(
                       b, loc, collapse.getSrcType(), adj,
                       collapse.getReassociationIndices(),
                       tensor::getMixedSizes(b, loc, collapse.getSrc())));
        return success();
      })
      .Default([&](Operation *other) -> LogicalResult {
        if (other->getNumResults() == 1 &&
            isa<FloatType>(other->getResult(0).getType()) &&
            succeeded(backpropScalar(
                b, other, adj, [&](Value v, Value c) { accumulate(v, c); })))
          return success();
        return unsupported();
      });
}

LogicalResult VJPBuilder::differentiateConcat(tensor::ConcatOp concat,
                                              Value adj) {
  Location loc = concat.getLoc();
  int64_t dim = concat.getDim();
  int64_t rank = concat.getResultType().getRank();
  OpFoldResult offset = b.getIndexAttr(0);
  for (Value input : concat.getInputs()) {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    offsets[dim] = offset;
    SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
    accumulate(input, tensor::ExtractSliceOp::create(
                          b, loc, cast<RankedTensorType>(input.getType()), adj,
                          offsets, sizes, strides));
    std::optional<int64_t> staticOffset = getConstantIntValue(offset);
    std::optional<int64_t> staticSize = getConstantIntValue(sizes[dim]);
    if (staticOffset && staticSize) {
      offset = b.getIndexAttr(*staticOffset + *staticSize);
    } else {
      Value lhs = getValueOrCreateConstantIndexOp(b, loc, offset);
      Value rhs = getValueOrCreateConstantIndexOp(b, loc, sizes[dim]);
      offset = arith::AddIOp::create(b, loc, lhs, rhs).getResult();
    }
  }
  return success();
}
