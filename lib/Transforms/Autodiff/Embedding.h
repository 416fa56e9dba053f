//===- Embedding.h - fm.embedding's gather and scatter-add ------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The code of an embedding lookup and of its weight's gradient, for the
// reverse mode (the scatter-add) and for the lowering of the lookups that
// remain after differentiation (the gather).
//
//===----------------------------------------------------------------------===//

#ifndef FM_TRANSFORMS_AUTODIFF_EMBEDDING_H
#define FM_TRANSFORMS_AUTODIFF_EMBEDDING_H

#include "mlir/IR/Builders.h"

namespace mlir::fm::autodiff {

/// `weight[tokens[i...], h]` for every token position i... and feature h:
/// one linalg.generic over the result's shape that reads the weight with
/// tensor.extract, the token clamped into [0, V).
Value buildEmbeddingGather(OpBuilder &b, Location loc, Value weight,
                           Value tokens, Type resultType);

/// The gradient of an embedding's weight [V, H] given the gradient `grad`
/// of its result (the tokens' shape, then H): zeros, plus each position's
/// row of `grad` added into the row its (clamped) token picks, as scf.for
/// loops over the positions and the features.
Value buildEmbeddingScatterAdd(OpBuilder &b, Location loc, Value grad,
                               Value tokens, Type weightType);

/// The same sum as one `linalg.generic` over (row, feature, position),
/// parallel in the first two: every row adds the positions whose token
/// picks it. Vocabulary times the work of the loops, but no loop runs on
/// the host (the GPU target's form).
Value buildEmbeddingGradientReduction(OpBuilder &b, Location loc, Value grad,
                                      Value tokens, Type weightType);

} // namespace mlir::fm::autodiff

#endif // FM_TRANSFORMS_AUTODIFF_EMBEDDING_H
