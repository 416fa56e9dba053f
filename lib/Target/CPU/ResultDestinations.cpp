//===- ResultDestinations.cpp - Entry points write into caller buffers ---===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The CPU backends' calling convention at the buffer level
// (fm/Target/CPU/Passes.td): entry points read their arguments and write
// their tensor results into the caller's buffers.
//
// fm-cpu-read-only-arguments, before bufferization, keeps One-Shot
// Bufferize from computing in an argument's buffer.
//
// fm-cpu-result-destinations, after it: the memref results
// of every entry point become arguments the caller fills with its own
// buffers. A result computed into an allocation of the function is computed
// into the caller's buffer instead; any other is copied there. Dynamic
// dimensions are checked against the destination's first.
//
// MLIR's buffer-results-to-out-params does the rewriting for static shapes;
// this pass also takes dynamic ones (a sampler's batch), checks them, and
// keeps one allocation returned as two results correct.
//
//===----------------------------------------------------------------------===//

#include "fm/Target/CPU/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCPUREADONLYARGUMENTS
#define GEN_PASS_DEF_FMCPURESULTDESTINATIONS
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;

/// Asserts, before `builder`'s insertion point, that every dimension of
/// `destination` that the type leaves open equals `sizeOf(d)`.
static void checkDimensions(OpBuilder &builder, Location loc, Value destination,
                            unsigned resultIndex,
                            llvm::function_ref<Value(unsigned)> sizeOf) {
  auto type = llvm::cast<MemRefType>(destination.getType());
  for (unsigned d = 0; d < type.getRank(); ++d) {
    if (!type.isDynamicDim(d))
      continue;
    Value want = sizeOf(d);
    Value got = memref::DimOp::create(builder, loc, destination, d);
    Value same = arith::CmpIOp::create(builder, loc, arith::CmpIPredicate::eq,
                                       want, got);
    cf::AssertOp::create(
        builder, loc, same,
        llvm::formatv("result #{0} differs from its destination in "
                      "dimension #{1}",
                      resultIndex, d)
            .str());
  }
}

/// Rewrites `func`'s memref results into destination arguments.
static LogicalResult addDestinations(func::FuncOp func) {
  FunctionType type = func.getFunctionType();
  llvm::SmallVector<unsigned> bufferResults;
  for (auto [i, result] : llvm::enumerate(type.getResults())) {
    auto memref = llvm::dyn_cast<MemRefType>(result);
    if (!memref)
      continue;
    // Bufferization gives entry points identity layouts
    // (functionBoundaryTypeConversion); a caller can only fill those.
    if (!memref.getLayout().isIdentity())
      return func.emitError()
             << "result #" << i
             << " has a layout a caller cannot allocate: " << memref;
    bufferResults.push_back(i);
  }
  if (bufferResults.empty())
    return success();

  // The new signature: the arguments, then one destination per buffer
  // result, with the result's attributes; the other results stay results.
  unsigned numInputs = type.getNumInputs();
  llvm::SmallVector<unsigned> at(bufferResults.size(), numInputs);
  llvm::SmallVector<Type> destinationTypes;
  llvm::SmallVector<DictionaryAttr> destinationAttrs;
  llvm::SmallVector<Location> locations(bufferResults.size(), func.getLoc());
  llvm::BitVector erased(type.getNumResults());
  for (unsigned i : bufferResults) {
    destinationTypes.push_back(type.getResult(i));
    destinationAttrs.push_back(func.getResultAttrDict(i));
    erased.set(i);
  }
  if (failed(func.insertArguments(at, destinationTypes, destinationAttrs,
                                  locations)) ||
      failed(func.eraseResults(erased)))
    return func.emitError() << "cannot take destinations for its results";
  llvm::SmallVector<BlockArgument> destinations(
      func.getArguments().drop_front(numInputs));

  llvm::SmallVector<func::ReturnOp> returns;
  func.walk([&](func::ReturnOp ret) { returns.push_back(ret); });

  // In a function with one return, an allocation returned as a result is
  // computed in its destination instead (the first, where it is returned
  // twice). With several returns, two allocations could take the same
  // destination while both live: those functions copy.
  if (returns.size() == 1) {
    func::ReturnOp ret = returns.front();
    for (auto [k, i] : llvm::enumerate(bufferResults)) {
      auto alloc = ret.getOperand(i).getDefiningOp<memref::AllocOp>();
      Value destination = destinations[k];
      if (!alloc || alloc.getType() != destination.getType())
        continue;
      OpBuilder atAlloc(alloc);
      checkDimensions(atAlloc, alloc.getLoc(), destination, i, [&](unsigned d) {
        return alloc.getDynamicSizes()[alloc.getType().getDynamicDimIndex(d)];
      });
      alloc.getResult().replaceAllUsesWith(destination);
      alloc.erase();
    }
  }

  // What is not in its destination now is copied there.
  for (func::ReturnOp ret : returns) {
    OpBuilder builder(ret);
    Location loc = ret.getLoc();
    for (auto [k, i] : llvm::enumerate(bufferResults)) {
      Value result = ret.getOperand(i);
      Value destination = destinations[k];
      if (result == destination)
        continue;
      checkDimensions(builder, loc, destination, i, [&](unsigned d) {
        return memref::DimOp::create(builder, loc, result, d).getResult();
      });
      memref::CopyOp::create(builder, loc, result, destination);
    }
    llvm::SmallVector<Value> kept;
    for (auto [i, operand] : llvm::enumerate(ret.getOperands()))
      if (!erased.test(i))
        kept.push_back(operand);
    func::ReturnOp::create(builder, loc, kept);
    ret.erase();
  }
  return success();
}

/// Whether `func` is an entry point: public, with a body.
static bool isEntryPoint(func::FuncOp func) {
  return !func.isPrivate() && !func.isExternal();
}

namespace {
struct FmCpuReadOnlyArgumentsPass
    : mlir::fm::impl::FmCpuReadOnlyArgumentsBase<FmCpuReadOnlyArgumentsPass> {
  void runOnOperation() override {
    auto readOnly = BoolAttr::get(&getContext(), false);
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!isEntryPoint(func))
        continue;
      for (BlockArgument arg : func.getArguments())
        if (llvm::isa<TensorType>(arg.getType()) &&
            !func.getArgAttr(
                arg.getArgNumber(),
                bufferization::BufferizationDialect::kWritableAttrName))
          func.setArgAttr(
              arg.getArgNumber(),
              bufferization::BufferizationDialect::kWritableAttrName, readOnly);
    }
  }
};

struct FmCpuResultDestinationsPass
    : mlir::fm::impl::FmCpuResultDestinationsBase<FmCpuResultDestinationsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    bool failedAny = false;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!isEntryPoint(func))
        continue;
      bool hasBuffers =
          llvm::any_of(func.getResultTypes(), llvm::IsaPred<MemRefType>);
      if (!hasBuffers)
        continue;
      if (std::optional<SymbolTable::UseRange> uses =
              SymbolTable::getSymbolUses(func, module);
          uses && !uses->empty()) {
        uses->begin()->getUser()->emitError()
            << "calls entry point '" << func.getSymName()
            << "', whose buffer results become its caller's destinations; "
               "make the callee private";
        failedAny = true;
        continue;
      }
      if (failed(addDestinations(func)))
        failedAny = true;
    }
    if (failedAny)
      signalPassFailure();
  }
};
} // namespace
