//===- InlineStridedCopies.cpp - Strided memref.copy as loops -------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Target/CPU/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMCPUINLINESTRIDEDCOPIES
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;

/// Whether the memref lowering copies `type` with one memcpy: an identity
/// layout, or a static shape laid out contiguously row-major.
static bool copiesAsMemcpy(MemRefType type) {
  return type.getLayout().isIdentity() ||
         memref::isStaticShapeAndContiguousRowMajor(type);
}

namespace {
struct FmCpuInlineStridedCopiesPass
    : mlir::fm::impl::FmCpuInlineStridedCopiesBase<
          FmCpuInlineStridedCopiesPass> {
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) {
      auto source = dyn_cast<MemRefType>(copy.getSource().getType());
      auto target = dyn_cast<MemRefType>(copy.getTarget().getType());
      if (source && target &&
          !(copiesAsMemcpy(source) && copiesAsMemcpy(target)))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies) {
      rewriter.setInsertionPoint(copy);
      rewriter.replaceOpWithNewOp<linalg::CopyOp>(copy, copy.getSource(),
                                                  copy.getTarget());
    }
  }
};
} // namespace
