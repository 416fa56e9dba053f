//===- DeviceMemory.cpp - Buffers in GPU memory ---------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-gpu-device-tensors (before bufferization) and fm-gpu-device-memory
// (after deallocation is lowered) put every buffer of a program in device
// memory, and leave host code with launches, calls and the bookkeeping of
// buffer deallocation. fm-gpu-check-host-loops (MapLinalg.cpp) then proves
// that host code never dereferences device memory, with the classification
// of isDeviceBuffer below.
//
//===----------------------------------------------------------------------===//

#include "DeviceMemory.h"

#include "fm/Target/GPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMGPUDEVICETENSORS
#define GEN_PASS_DEF_FMGPUDEVICEMEMORY
#include "fm/Target/GPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;

/// The buffer that `value` is a view of: through casts, views and the base
/// buffers of strided metadata.
static Value getRootBuffer(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      value = view.getViewSource();
    } else if (auto cast = dyn_cast<memref::CastOp>(def)) {
      value = cast.getSource();
    } else if (auto meta = dyn_cast<memref::ExtractStridedMetadataOp>(def)) {
      value = meta.getSource();
    } else {
      break;
    }
  }
  return value;
}

/// Whether `alloc` holds the host bookkeeping of buffer deallocation (the
/// pointer lists and ownership flags that convert-bufferization-to-memref
/// builds for its helper): index or i1 elements, and read and written by
/// host loads, stores and calls only.
static bool isDeallocationBookkeeping(memref::AllocOp alloc) {
  Type element = alloc.getType().getElementType();
  if (!element.isIndex() && !element.isInteger(1))
    return false;
  SmallVector<Value> worklist = {alloc.getResult()};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (auto cast = dyn_cast<memref::CastOp>(user)) {
        worklist.push_back(cast.getResult());
        continue;
      }
      if (!isa<memref::LoadOp, memref::StoreOp, memref::DeallocOp,
               func::CallOp>(user))
        return false;
    }
  }
  return true;
}

bool mlir::fm::isDeviceBuffer(Value buffer) {
  Value root = getRootBuffer(buffer);
  if (Operation *def = root.getDefiningOp())
    return !isa<memref::AllocOp, memref::AllocaOp, memref::GetGlobalOp>(def);
  // A block argument: of a function, device memory unless every call of a
  // private function passes host memory (the deallocation helper); in a
  // loop or branch, whatever flows in, which is device memory in the code
  // fm-gpu-device-memory leaves.
  auto arg = cast<BlockArgument>(root);
  auto func = dyn_cast<func::FuncOp>(arg.getOwner()->getParentOp());
  if (!func || arg.getOwner() != &func.getBody().front())
    return true;
  if (func.isPublic())
    return true;
  auto module = func->getParentOfType<ModuleOp>();
  std::optional<SymbolTable::UseRange> uses =
      SymbolTable::getSymbolUses(func, module);
  if (!uses || uses->empty())
    return true;
  for (const SymbolTable::SymbolUse &use : *uses) {
    auto call = dyn_cast<func::CallOp>(use.getUser());
    if (!call)
      return true;
    Value passed = call.getOperand(arg.getArgNumber());
    Value passedRoot = getRootBuffer(passed);
    if (!passedRoot.getDefiningOp<memref::AllocOp>() &&
        !passedRoot.getDefiningOp<memref::AllocaOp>())
      return true;
  }
  return false;
}

//===----------------------------------------------------------------------===//
// fm-gpu-device-tensors
//===----------------------------------------------------------------------===//

/// Whether `op` computes scalars from scalars alone, with no effect: the
/// host arithmetic that follows a reduction (a mean's division).
static bool isScalarArithmetic(Operation *op) {
  auto isScalar = [](Type t) { return t.isIntOrIndexOrFloat(); };
  return op->getNumRegions() == 0 && isPure(op) &&
         llvm::all_of(op->getOperandTypes(), isScalar) &&
         llvm::all_of(op->getResultTypes(), isScalar);
}

/// A 0-d tensor holding the scalar `value`, computed on the device: where
/// `value` is host arithmetic on elements extracted from 0-d tensors (a
/// loss: a sum, then a division), that arithmetic moves into a 0-d
/// linalg.generic that reads those tensors, so the host never reads device
/// memory; a scalar the host computed alone is stored into a fresh tensor.
/// Only the arithmetic of the block at the insertion point moves; the ops it
/// copied are appended to `moved`, for the caller to erase once unused.
static Value computeOnDevice(IRRewriter &rewriter, Location loc, Value value,
                             SmallVectorImpl<Operation *> &moved) {
  Block *block = rewriter.getInsertionBlock();
  // The arithmetic that computes `value`, and the 0-d tensors it extracts
  // from, in program order.
  llvm::SetVector<Operation *> slice;
  llvm::SetVector<Value> sources;
  SmallVector<Value> worklist = {value};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != block || slice.contains(def))
      continue;
    if (auto extract = dyn_cast<tensor::ExtractOp>(def)) {
      if (extract.getTensor().getType().getRank() == 0) {
        slice.insert(def);
        sources.insert(extract.getTensor());
      }
      continue;
    }
    if (isa<arith::ConstantOp>(def) || !isScalarArithmetic(def))
      continue;
    slice.insert(def);
    llvm::append_range(worklist, def->getOperands());
  }
  auto type = RankedTensorType::get({}, value.getType());
  if (sources.empty())
    return tensor::FromElementsOp::create(rewriter, loc, type,
                                          ValueRange{value});
  if (sources.size() == 1 && value.getDefiningOp<tensor::ExtractOp>()) {
    moved.push_back(value.getDefiningOp());
    return sources.front();
  }

  SmallVector<Operation *> ordered(slice.begin(), slice.end());
  llvm::sort(ordered,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  llvm::append_range(moved, ordered);
  Value init = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{},
                                       value.getType());
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<AffineMap> maps(sources.size() + 1, AffineMap::get(ctx));
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{type}, sources.getArrayRef(), ValueRange{init},
      maps, ArrayRef<utils::IteratorType>{},
      [&](OpBuilder &b, Location bodyLoc, ValueRange args) {
        IRMapping mapping;
        for (Operation *op : ordered) {
          if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
            unsigned index = sources.getArrayRef().size();
            for (auto [i, source] : llvm::enumerate(sources))
              if (source == extract.getTensor())
                index = i;
            mapping.map(extract.getResult(), args[index]);
            continue;
          }
          b.clone(*op, mapping);
        }
        linalg::YieldOp::create(b, bodyLoc, mapping.lookupOrDefault(value));
      });
  return generic.getResult(0);
}

namespace {
struct FmGpuDeviceTensorsPass
    : mlir::fm::impl::FmGpuDeviceTensorsBase<FmGpuDeviceTensorsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    bool failed = false;
    SmallVector<Operation *> moved;

    // Splat constants become fills, which run on the device; any other
    // constant tensor would be a host global.
    SmallVector<arith::ConstantOp> constants;
    module.walk([&](arith::ConstantOp op) {
      if (isa<RankedTensorType>(op.getType()))
        constants.push_back(op);
    });
    for (arith::ConstantOp op : constants) {
      auto type = cast<RankedTensorType>(op.getType());
      auto splat = dyn_cast<SplatElementsAttr>(op.getValue());
      if (!splat || !type.hasStaticShape()) {
        op.emitError("a constant tensor that is not a splat has no place in "
                     "GPU memory yet; the CUDA backend cannot compile it");
        failed = true;
        continue;
      }
      rewriter.setInsertionPoint(op);
      Location loc = op.getLoc();
      Value element = arith::ConstantOp::create(
          rewriter, loc, cast<TypedAttr>(splat.getSplatValue<Attribute>()));
      Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                            type.getElementType());
      Value fill =
          linalg::FillOp::create(rewriter, loc, element, empty).getResult(0);
      rewriter.replaceOp(op, fill);
    }

    // Scalar results of entry points (the public functions) stay on the
    // device as 0-d tensors: returning a scalar would make every call wait
    // for the GPU.
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || !func.isPublic())
        continue;
      FunctionType type = func.getFunctionType();
      SmallVector<Type> results(type.getResults());
      bool changed = false;
      for (Block &block : func.getBody()) {
        auto ret = dyn_cast<func::ReturnOp>(block.getTerminator());
        if (!ret)
          continue;
        rewriter.setInsertionPoint(ret);
        for (OpOperand &operand : ret->getOpOperands()) {
          Type scalar = operand.get().getType();
          if (!scalar.isIntOrFloat())
            continue;
          Value tensor =
              computeOnDevice(rewriter, ret.getLoc(), operand.get(), moved);
          operand.set(tensor);
          results[operand.getOperandNumber()] = tensor.getType();
          changed = true;
        }
      }
      if (changed)
        func.setFunctionType(
            FunctionType::get(&getContext(), type.getInputs(), results));
    }
    // The host's copies of what moved, where nothing else uses them: a
    // tensor.extract left behind would read device memory.
    for (Operation *op : llvm::reverse(moved))
      if (op->use_empty())
        rewriter.eraseOp(op);
    if (failed)
      signalPassFailure();
  }
};
} // namespace

//===----------------------------------------------------------------------===//
// fm-gpu-device-memory
//===----------------------------------------------------------------------===//

/// Whether `type` is laid out contiguously in row-major order, as gpu.memcpy
/// requires.
static bool isContiguous(MemRefType type) {
  return type.getLayout().isIdentity() ||
         type.areTrailingDimsContiguous(type.getRank());
}

/// Wraps `op` in a one-thread launch, so that it runs on the device.
static void runInOneThread(IRRewriter &rewriter, Operation *op) {
  Location loc = op->getLoc();
  rewriter.setInsertionPoint(op);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto launch =
      gpu::LaunchOp::create(rewriter, loc, one, one, one, one, one, one);
  Block &body = launch.getBody().front();
  rewriter.setInsertionPointToEnd(&body);
  auto terminator = gpu::TerminatorOp::create(rewriter, loc);
  op->moveBefore(terminator);
}

namespace {
struct FmGpuDeviceMemoryPass
    : mlir::fm::impl::FmGpuDeviceMemoryBase<FmGpuDeviceMemoryPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    IRRewriter rewriter(&getContext());
    bool failed = false;

    // Buffers: device memory, except deallocation's bookkeeping.
    SmallVector<memref::AllocOp> allocs;
    module.walk([&](memref::AllocOp op) {
      if (!isDeallocationBookkeeping(op))
        allocs.push_back(op);
    });
    for (memref::AllocOp op : allocs) {
      rewriter.setInsertionPoint(op);
      auto alloc = gpu::AllocOp::create(
          rewriter, op.getLoc(), op.getType(), /*asyncToken=*/Type(),
          ValueRange{}, op.getDynamicSizes(), op.getSymbolOperands(),
          /*hostShared=*/false);
      rewriter.replaceOp(op, alloc.getMemref());
    }

    SmallVector<Operation *> hostOps;
    module.walk([&](Operation *op) {
      // Inside a kernel, or inside a linalg op (a kernel to be).
      if (op->getParentOfType<gpu::LaunchOp>() ||
          op->getParentOfType<linalg::LinalgOp>())
        return;
      if (isa<memref::DeallocOp, memref::CopyOp, memref::StoreOp,
              memref::LoadOp, memref::GetGlobalOp>(op))
        hostOps.push_back(op);
    });
    for (Operation *op : hostOps) {
      if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        if (!isDeviceBuffer(dealloc.getMemref()))
          continue;
        rewriter.setInsertionPoint(dealloc);
        gpu::DeallocOp::create(rewriter, dealloc.getLoc(), Type(), ValueRange{},
                               dealloc.getMemref());
        rewriter.eraseOp(dealloc);
      } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        rewriter.setInsertionPoint(copy);
        auto from = cast<MemRefType>(copy.getSource().getType());
        auto to = cast<MemRefType>(copy.getTarget().getType());
        if (isContiguous(from) && isContiguous(to))
          gpu::MemcpyOp::create(rewriter, copy.getLoc(), Type(), ValueRange{},
                                copy.getTarget(), copy.getSource());
        else
          linalg::CopyOp::create(rewriter, copy.getLoc(), copy.getSource(),
                                 copy.getTarget());
        rewriter.eraseOp(copy);
      } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
        if (isDeviceBuffer(store.getMemRef()))
          runInOneThread(rewriter, store);
      } else if (auto load = dyn_cast<memref::LoadOp>(op)) {
        if (isDeviceBuffer(load.getMemRef())) {
          load.emitError("the host reads a value from GPU memory here; the "
                         "CUDA backend cannot compile this yet");
          failed = true;
        }
      } else if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
        global.emitError("a global buffer has no place in GPU memory yet; "
                         "the CUDA backend cannot compile it");
        failed = true;
      }
    }
    if (failed)
      signalPassFailure();
  }
};
} // namespace
