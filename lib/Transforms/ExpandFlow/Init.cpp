//===- Init.cpp - Every flow's initializer --------------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-expand-flow for fm.flow itself: @init(seed), the parameters as PyTorch
// initializes its layers.
//
//===----------------------------------------------------------------------===//

#include "ExpandFlow.h"

#include <cmath>

using namespace mlir;
using namespace mlir::fm;
using namespace mlir::fm::expand;

/// Whether argument `index` of `func` is read as the weight of an
/// fm.embedding, in `func` or in a function it calls.
static bool isEmbeddingWeight(func::FuncOp func, unsigned index,
                              SmallPtrSetImpl<Operation *> &visited) {
  if (func.isExternal() || !visited.insert(func).second)
    return false;
  for (OpOperand &use : func.getArgument(index).getUses()) {
    if (auto embedding = llvm::dyn_cast<EmbeddingOp>(use.getOwner());
        embedding && use.get() == embedding.getWeight())
      return true;
    auto call = llvm::dyn_cast<func::CallOp>(use.getOwner());
    if (!call)
      continue;
    auto callee = SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
        call, call.getCalleeAttr());
    if (callee && isEmbeddingWeight(callee, use.getOperandNumber(), visited))
      return true;
  }
  return false;
}

/// `@init(seed) -> (params...)`: parameter i is drawn from stream 100 + i,
/// U(−bound, bound) with bound = 1/√fan_in, computed as (2u − 1)·bound from
/// u ~ U[0, 1), or N(0, 1) for an embedding weight.
void expand::buildInit(OpBuilder &b, FlowOp flow, func::FuncOp network) {
  Location loc = flow.getLoc();
  FlowKind kind = flow.getKind();
  ArrayRef<Type> params = FlowOp::getParameterTypes(network, kind);
  auto func = func::FuncOp::create(b, loc, kInitName,
                                   b.getFunctionType({b.getI64Type()}, params));
  markEntryPoint(func, fmrt::EntryRole::Init);
  setRole(func, /*isResult=*/false, 0, fmrt::ValueRole::Seed);
  for (auto [i, name] :
       llvm::enumerate(FlowOp::getParameterNames(network, kind)))
    setRole(func, /*isResult=*/true, i, fmrt::ValueRole::Param, name);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(func.addEntryBlock());
  Value seed = func.getArgument(0);
  Value zero = i64Constant(b, loc, 0);
  SmallVector<Value> results;
  for (auto [i, param] : llvm::enumerate(params)) {
    auto type = llvm::cast<RankedTensorType>(param);
    uint32_t stream = kInitStream + static_cast<uint32_t>(i);
    unsigned argument = i + FlowOp::getNumDataInputs(kind);
    SmallPtrSet<Operation *, 4> visited;
    if (isEmbeddingWeight(network, argument, visited)) {
      results.push_back(
          RandomNormalOp::create(b, loc, type, seed, zero, stream));
      continue;
    }
    Value u = RandomUniformOp::create(b, loc, type, seed, zero, stream);
    double bound =
        1.0 /
        std::sqrt(static_cast<double>(FlowOp::getFanIn(network, kind, i)));
    Value init =
        tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
    int64_t rank = type.getRank();
    SmallVector<AffineMap> maps(2, b.getMultiDimIdentityMap(rank));
    SmallVector<utils::IteratorType> iterators(rank,
                                               utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{type}, ValueRange{u}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          Value twice = arith::MulFOp::create(nb, nloc, args[0],
                                              f32Constant(nb, nloc, 2));
          Value centered =
              arith::SubFOp::create(nb, nloc, twice, f32Constant(nb, nloc, 1));
          Value scaled = arith::MulFOp::create(nb, nloc, centered,
                                               f32Constant(nb, nloc, bound));
          linalg::YieldOp::create(nb, nloc, scaled);
        });
    results.push_back(generic.getResult(0));
  }
  func::ReturnOp::create(b, loc, results);
}
