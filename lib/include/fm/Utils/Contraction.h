//===- Contraction.h - The loops of a matmul-like linalg op -----*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_UTILS_CONTRACTION_H
#define FM_UTILS_CONTRACTION_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"

#include <optional>

namespace mlir::fm {

/// The loops of a 2-D contraction C[m, n] (+)= Σ_k A·B, by position.
struct ContractionLoops {
  unsigned m, n, k;
};

/// The loops of `op` if it is a 2-D contraction: three loops (two parallel,
/// one reduction), two inputs, one output indexed by plain loop dimensions,
/// and a multiply-add body. Operand layouts and types are the caller's to
/// check.
inline std::optional<ContractionLoops>
getContractionLoops(linalg::LinalgOp op) {
  if (op.getNumLoops() != 3 || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || op.getNumReductionLoops() != 1 ||
      op.getNumParallelLoops() != 2 || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if (out.getNumResults() != 2)
    return std::nullopt;
  auto m = dyn_cast<AffineDimExpr>(out.getResult(0));
  auto n = dyn_cast<AffineDimExpr>(out.getResult(1));
  if (!m || !n)
    return std::nullopt;
  SmallVector<unsigned> reductions;
  op.getReductionDims(reductions);
  return ContractionLoops{m.getPosition(), n.getPosition(), reductions[0]};
}

} // namespace mlir::fm

#endif // FM_UTILS_CONTRACTION_H
