//===- Utils.cpp - Helpers shared by the fm-to-linalg patterns ------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

ValueRange mlir::fm::buildElementwise(
    OpBuilder &b, Location loc, Value like, ValueRange inputs,
    unsigned numResults,
    function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)> body) {
  auto type = llvm::cast<RankedTensorType>(like.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, like);
  SmallVector<Value> inits;
  for (unsigned i = 0; i < numResults; ++i)
    inits.push_back(
        tensor::EmptyOp::create(b, loc, sizes, type.getElementType()));
  SmallVector<AffineMap> maps(inputs.size() + numResults,
                              b.getMultiDimIdentityMap(rank));
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  SmallVector<Type> resultTypes(numResults, type);
  return linalg::GenericOp::create(
             b, loc, resultTypes, inputs, inits, maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               linalg::YieldOp::create(
                   nb, nloc, body(nb, nloc, args.take_front(inputs.size())));
             })
      .getResults();
}

Value mlir::fm::materializeCoefficient(OpBuilder &b, Location loc,
                                       OpFoldResult ofr, Type type) {
  if (auto value = llvm::dyn_cast_if_present<Value>(ofr))
    return value;
  return arith::ConstantOp::create(
      b, loc, type, llvm::cast<TypedAttr>(llvm::cast<Attribute>(ofr)));
}

Value mlir::fm::divideByElementCount(OpBuilder &b, Location loc, Value total,
                                     Value tensor, int64_t rank) {
  Value count = arith::ConstantOp::create(b, loc, b.getIndexAttr(1));
  for (int64_t d = 0; d < rank; ++d)
    count = arith::MulIOp::create(b, loc, count,
                                  tensor::DimOp::create(b, loc, tensor, d));
  Value count64 = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), count);
  Value countF = arith::UIToFPOp::create(b, loc, total.getType(), count64);
  return arith::DivFOp::create(b, loc, total, countF);
}
