//===- ParallelElementwise.cpp - Elementwise loops on the layer's threads -===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-cpu-parallel-elementwise (fm/Target/CPU/Passes.td): an elementwise
// linalg.generic on buffers becomes a function over a range of its
// outermost loop, and a call of the oneDNN layer's fmrt_dnnl_parallel_for,
// which runs the range in parts on the threads oneDNN's products use.
//
//   linalg.generic ins(%a, %bias) outs(%c) {...}        (rows × cols)
//
// becomes, with the captured values stored in a context on the stack,
//
//   func.call @fmrt_dnnl_parallel_for(@f_rows0, %context, rows, work)
//   func.func private @f_rows0(%context: !llvm.ptr, %begin: i64, %end: i64)
//     linalg.generic ins(%a[begin:end], %bias) outs(%c[begin:end]) {...}
//
// Memrefs and scalars cross the context as the LLVM values they lower to,
// through unrealized casts that the LLVM conversions resolve.
//
//===----------------------------------------------------------------------===//

#include "fm/Target/CPU/Passes.h"

#include "DnnlCalls.h"

#include "mlir/Conversion/LLVMCommon/TypeConverter.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/Support/MathExtras.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCPUPARALLELELEMENTWISE
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;

/// The runtime function the loops are handed to (DnnlAbi.def).
constexpr const fmrt::dnnl::AbiFunction *kParallelFor =
    fmrt::dnnl::lookupAbiFunction("fmrt_dnnl_parallel_for");
static_assert(kParallelFor, "DnnlAbi.def has no fmrt_dnnl_parallel_for");

/// The work of one iteration of `op`'s body, in the runtime's unit (FLOP):
/// its operations, the yield excluded.
static int64_t workPerIteration(linalg::GenericOp op) {
  auto ops = static_cast<int64_t>(
      llvm::range_size(op.getBody()->without_terminator()));
  return std::max<int64_t>(ops, 1);
}

/// Whether `op` runs in a function's own code: in its body, or nested in
/// structured control flow (an ODE solver's loop), whose values the
/// outlined function can receive.
static bool isInFunctionCode(Operation *op) {
  for (Operation *parent = op->getParentOp(); parent;
       parent = parent->getParentOp()) {
    if (llvm::isa<func::FuncOp>(parent))
      return true;
    if (!llvm::isa<scf::ForOp, scf::IfOp, scf::WhileOp>(parent))
      return false;
  }
  return false;
}

/// Where each operand of `op` has its outermost loop d0: the position of
/// the result that is d0 in its indexing map, or -1 for an operand that
/// does not vary with d0 (a bias broadcast over rows). Fails where d0 is
/// part of a compound expression.
static FailureOr<SmallVector<int64_t>> rowPositions(linalg::GenericOp op) {
  SmallVector<int64_t> positions;
  for (AffineMap map : op.getIndexingMapsArray()) {
    int64_t position = -1;
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      if (!expr.isFunctionOfDim(0))
        continue;
      auto dim = llvm::dyn_cast<AffineDimExpr>(expr);
      if (!dim || position >= 0)
        return failure();
      position = i;
    }
    positions.push_back(position);
  }
  return positions;
}

/// Whether `op` is split: an all-parallel generic on buffers in a
/// function's code, whose body does not read its indices, whose operands
/// have d0 as a plain dimension, and which is not known to be too small for
/// threads to pay.
static bool isSplit(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumLoops() == 0 ||
      op.getNumLoops() != op.getNumParallelLoops() || op.hasIndexSemantics() ||
      !isInFunctionCode(op) || failed(rowPositions(op)))
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (llvm::is_contained(ranges, ShapedType::kDynamic))
    return true;
  uint64_t work = workPerIteration(op);
  for (int64_t range : ranges)
    work = llvm::SaturatingMultiply(work, static_cast<uint64_t>(range));
  return ranges.front() > 1 &&
         work >= static_cast<uint64_t>(fmrt::dnnl::kParallelFlop);
}

namespace {
struct FmCpuParallelElementwisePass
    : mlir::fm::impl::FmCpuParallelElementwiseBase<
          FmCpuParallelElementwisePass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::GenericOp> split;
    module.walk([&](linalg::GenericOp op) {
      if (isSplit(op))
        split.push_back(op);
    });
    if (split.empty())
      return;
    func::FuncOp parallelFor = declareAbiFunction(module, *kParallelFor);
    SymbolTable symbols(module);
    LLVMTypeConverter converter(&getContext());
    for (linalg::GenericOp op : split)
      if (failed(outline(op, parallelFor, symbols, converter)))
        return signalPassFailure();
  }

  LogicalResult outline(linalg::GenericOp op, func::FuncOp parallelFor,
                        SymbolTable &symbols, LLVMTypeConverter &converter);
};
} // namespace

LogicalResult FmCpuParallelElementwisePass::outline(
    linalg::GenericOp op, func::FuncOp parallelFor, SymbolTable &symbols,
    LLVMTypeConverter &converter) {
  MLIRContext *ctx = &getContext();
  Location loc = op.getLoc();
  auto parent = op->getParentOfType<func::FuncOp>();
  SmallVector<int64_t> positions = *rowPositions(op);
  Type ptr = LLVM::LLVMPointerType::get(ctx);
  Type i64 = IntegerType::get(ctx, 64);

  // What the body needs from the caller: the operands, and the values the
  // body uses from above (constants are cloned instead).
  SmallVector<Value> captured(op->getOperands());
  SmallVector<Operation *> constants;
  llvm::SetVector<Value> above;
  getUsedValuesDefinedAbove(op->getRegion(0), above);
  for (Value value : above) {
    if (Operation *def = value.getDefiningOp();
        def && def->hasTrait<OpTrait::ConstantLike>())
      constants.push_back(def);
    else
      captured.push_back(value);
  }
  SmallVector<Type> fields;
  for (Value value : captured) {
    Type type = converter.convertType(value.getType());
    if (!type)
      return op.emitOpError("fm-cpu-parallel-elementwise: cannot pass a ")
             << value.getType() << " to another thread";
    fields.push_back(type);
  }
  auto contextType = LLVM::LLVMStructType::getLiteral(ctx, fields);

  // The function over rows [begin, end).
  auto bodyType = FunctionType::get(ctx, {ptr, i64, i64}, {});
  OpBuilder b(ctx);
  b.setInsertionPointAfter(parent);
  auto body = func::FuncOp::create(
      b, loc, (parent.getSymName() + "_rows").str(), bodyType);
  body.setPrivate();
  symbols.insert(body);
  Block *entry = body.addEntryBlock();
  b.setInsertionPointToStart(entry);
  IRMapping mapping;
  for (auto [i, value] : llvm::enumerate(captured)) {
    Value field =
        LLVM::GEPOp::create(b, loc, ptr, contextType, entry->getArgument(0),
                            ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    Value loaded = LLVM::LoadOp::create(b, loc, fields[i], field);
    mapping.map(value, fields[i] == value.getType()
                           ? loaded
                           : UnrealizedConversionCastOp::create(
                                 b, loc, value.getType(), loaded)
                                 .getResult(0));
  }
  for (Operation *constant : constants)
    b.clone(*constant, mapping);
  Value begin = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                           entry->getArgument(1));
  Value end = arith::IndexCastOp::create(b, loc, b.getIndexType(),
                                         entry->getArgument(2));
  Value rows = arith::SubIOp::create(b, loc, end, begin);
  Operation *clone = b.clone(*op, mapping);
  for (auto [i, operand] : llvm::enumerate(op->getOperands())) {
    if (positions[i] < 0)
      continue;
    Value whole = mapping.lookup(operand);
    auto type = llvm::cast<MemRefType>(whole.getType());
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes = memref::getMixedSizes(b, loc, whole);
    SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
    offsets[positions[i]] = begin;
    sizes[positions[i]] = rows;
    b.setInsertionPoint(clone);
    clone->setOperand(
        i, memref::SubViewOp::create(b, loc, whole, offsets, sizes, strides));
  }
  b.setInsertionPointToEnd(entry);
  func::ReturnOp::create(b, loc);

  // The call: the context is a stack slot of the caller's entry block (a
  // call inside a loop reuses it), filled where the loop ran.
  b.setInsertionPointToStart(&parent.getBody().front());
  Value one = LLVM::ConstantOp::create(b, loc, i64, 1);
  Value context = LLVM::AllocaOp::create(b, loc, ptr, contextType, one);
  b.setInsertionPoint(op);
  for (auto [i, value] : llvm::enumerate(captured)) {
    Value lowered =
        fields[i] == value.getType()
            ? value
            : UnrealizedConversionCastOp::create(b, loc, fields[i], value)
                  .getResult(0);
    Value field =
        LLVM::GEPOp::create(b, loc, ptr, contextType, context,
                            ArrayRef<LLVM::GEPArg>{0, static_cast<int32_t>(i)});
    LLVM::StoreOp::create(b, loc, lowered, field);
  }
  Value function =
      func::ConstantOp::create(b, loc, bodyType, FlatSymbolRefAttr::get(body));
  Value functionPtr =
      UnrealizedConversionCastOp::create(b, loc, ptr, function).getResult(0);
  SmallVector<Range, 4> ranges =
      llvm::cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc);
  Value iterations =
      arith::ConstantIndexOp::create(b, loc, workPerIteration(op));
  for (Range range : ranges)
    iterations = arith::MulIOp::create(
        b, loc, iterations,
        getValueOrCreateConstantIndexOp(b, loc, range.size));
  Value rowsTotal = getValueOrCreateConstantIndexOp(b, loc, ranges[0].size);
  func::CallOp::create(
      b, loc, parallelFor,
      ValueRange{functionPtr, context,
                 arith::IndexCastOp::create(b, loc, i64, rowsTotal),
                 arith::IndexCastOp::create(b, loc, i64, iterations)});
  op->erase();
  return success();
}
