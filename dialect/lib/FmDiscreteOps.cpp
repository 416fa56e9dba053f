//===- FmDiscreteOps.cpp - The fm ops of discrete data --------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Verifiers of the loop-level ops on tokens: random tokens and categorical
// draws, the mixture path and its CTMC step, embeddings, softmax and the
// discrete losses. The ops are declared in FmOps.td with the others.
//
//===----------------------------------------------------------------------===//

#include "fm/Dialect/FmOps.h"

#include "mlir/IR/Matchers.h"

#include <limits>

using namespace mlir;
using namespace mlir::fm;

//===----------------------------------------------------------------------===//
// RandomTokensOp, MixtureSampleOp
//===----------------------------------------------------------------------===//

LogicalResult RandomTokensOp::verify() {
  int64_t vocabulary = getVocabulary();
  if (vocabulary < 1 || vocabulary > std::numeric_limits<int32_t>::max())
    return emitOpError("vocabulary must be in [1, 2^31), got ") << vocabulary;
  return success();
}

LogicalResult MixtureSampleOp::verify() {
  auto tokens = llvm::cast<RankedTensorType>(getX0().getType());
  auto time = llvm::cast<RankedTensorType>(getT().getType());
  if (tokens.getRank() < 1)
    return emitOpError("tokens must have a leading batch dimension, got a "
                       "0-d tensor");
  if (time.getRank() != 1)
    return emitOpError("time must be a 1-D tensor with one entry per batch "
                       "row, got rank ")
           << time.getRank();
  int64_t batch = tokens.getDimSize(0), times = time.getDimSize(0);
  if (!ShapedType::isDynamic(times) && batch != times)
    return emitOpError("time has ")
           << times << " entries but the batch has " << batch << " rows";
  return success();
}

//===----------------------------------------------------------------------===//
// EmbeddingOp
//===----------------------------------------------------------------------===//

LogicalResult EmbeddingOp::verify() {
  auto weight = llvm::cast<RankedTensorType>(getWeight().getType());
  auto tokens = llvm::cast<RankedTensorType>(getTokens().getType());
  auto result = llvm::cast<RankedTensorType>(getResult().getType());
  if (weight.getRank() != 2 || weight.getDimSize(0) == 0)
    return emitOpError("weight must be [vocabulary, features] with a "
                       "vocabulary, got ")
           << weight;
  if (tokens.getRank() < 1)
    return emitOpError("tokens must have a leading batch dimension, got a "
                       "0-d tensor");
  SmallVector<int64_t> shape(tokens.getShape());
  shape.push_back(weight.getDimSize(1));
  auto expected = RankedTensorType::get(shape, weight.getElementType());
  if (result != expected)
    return emitOpError("result must be ")
           << expected << " (the tokens' shape, then the weight's "
           << weight.getDimSize(1) << " features), got " << result;
  return success();
}

//===----------------------------------------------------------------------===//
// RandomCategoricalOp, MixtureEulerStepOp
//===----------------------------------------------------------------------===//

/// Checks that `probs` is `tokens`' shape with a non-empty vocabulary
/// dimension appended.
static LogicalResult verifyTokenProbs(Operation *op, Type probsType,
                                      Type tokensType) {
  auto probs = llvm::cast<RankedTensorType>(probsType);
  auto tokens = llvm::cast<RankedTensorType>(tokensType);
  if (tokens.getRank() < 1)
    return op->emitOpError("tokens must have a leading batch dimension, got "
                           "a 0-d tensor");
  // Only the batch may be dynamic: a token's random block follows from its
  // position and the sizes of the dimensions after the first.
  for (RankedTensorType type : {probs, tokens})
    if (llvm::any_of(type.getShape().drop_front(), ShapedType::isDynamic))
      return op->emitOpError("only the leading (batch) dimension may be "
                             "dynamic, got ")
             << type;
  if (probs.getShape().drop_back() != tokens.getShape() ||
      probs.getRank() != tokens.getRank() + 1)
    return op->emitOpError("the weights must have the tokens' shape and a "
                           "vocabulary dimension, but they are ")
           << probs << " and the tokens " << tokens;
  if (probs.getShape().back() == 0)
    return op->emitOpError("the vocabulary (the weights' last dimension) is "
                           "empty");
  return success();
}

LogicalResult RandomCategoricalOp::verify() {
  return verifyTokenProbs(*this, getProbs().getType(), getResult().getType());
}

LogicalResult MixtureEulerStepOp::verify() {
  if (failed(verifyTokenProbs(*this, getProbs().getType(), getXT().getType())))
    return failure();
  if (getSource() == Source::Gaussian)
    return emitOpError("source gaussian draws float samples; a token step "
                       "takes source(uniform) or source(mask)");
  auto time = llvm::cast<RankedTensorType>(getT().getType());
  auto tokens = llvm::cast<RankedTensorType>(getXT().getType());
  if (time.getRank() != 1 || time.getDimSize(0) != tokens.getDimSize(0))
    return emitOpError("time must have one entry per batch row, got ")
           << time << " for tokens " << tokens;
  FloatAttr coefficient;
  if (matchPattern(getDivFree(), m_Constant(&coefficient)) &&
      !(coefficient.getValueAsDouble() >= 0))
    return emitOpError("the divergence-free coefficient must be >= 0, got ")
           << formatF64(coefficient.getValueAsDouble());
  return success();
}

//===----------------------------------------------------------------------===//
// SoftmaxOp, LogSoftmaxOp, GeneralizedKLLossOp, CrossEntropyLossOp
//===----------------------------------------------------------------------===//

static LogicalResult verifySoftmaxInput(Operation *op, Type type) {
  if (llvm::cast<RankedTensorType>(type).getRank() < 1)
    return op->emitOpError("takes a tensor of rank >= 1 (the last dimension "
                           "is normalized), got a 0-d tensor");
  return success();
}

LogicalResult SoftmaxOp::verify() {
  return verifySoftmaxInput(*this, getInput().getType());
}

LogicalResult LogSoftmaxOp::verify() {
  return verifySoftmaxInput(*this, getInput().getType());
}

/// Checks that `logits` is `tokens`' shape with a vocabulary dimension
/// appended, and that the loss has the logits' element type.
static LogicalResult verifyTokenLogits(Operation *op, Type logitsType,
                                       Type tokensType, Type lossType) {
  auto logits = llvm::cast<RankedTensorType>(logitsType);
  auto tokens = llvm::cast<RankedTensorType>(tokensType);
  if (tokens.getRank() < 1)
    return op->emitOpError("tokens must have a leading batch dimension, got "
                           "a 0-d tensor");
  if (logits.getRank() != tokens.getRank() + 1)
    return op->emitOpError("logits must have the tokens' shape and a "
                           "vocabulary dimension, but the logits are ")
           << logits << " and the tokens " << tokens;
  for (int64_t d = 0; d < tokens.getRank(); ++d) {
    int64_t a = logits.getDimSize(d), b = tokens.getDimSize(d);
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b)
      return op->emitOpError("logits ") << logits << " do not match the tokens "
                                        << tokens << " in dimension " << d;
  }
  int64_t vocabulary = logits.getDimSize(logits.getRank() - 1);
  if (vocabulary == 0)
    return op->emitOpError("the vocabulary (the logits' last dimension) is "
                           "empty");
  if (lossType != logits.getElementType())
    return op->emitOpError("loss type ")
           << lossType << " does not match the logits' element type "
           << logits.getElementType();
  return success();
}

LogicalResult GeneralizedKLLossOp::verify() {
  if (failed(verifyTokenLogits(*this, getLogits().getType(), getX1().getType(),
                               getLoss().getType())))
    return failure();
  auto logits = llvm::cast<RankedTensorType>(getLogits().getType());
  auto time = llvm::cast<RankedTensorType>(getT().getType());
  if (time.getRank() != 1)
    return emitOpError("time must be a 1-D tensor with one entry per batch "
                       "row, got rank ")
           << time.getRank();
  if (time.getElementType() != logits.getElementType())
    return emitOpError("time element type ")
           << time.getElementType()
           << " does not match the logits' element type "
           << logits.getElementType();
  int64_t batch = logits.getDimSize(0), times = time.getDimSize(0);
  if (!ShapedType::isDynamic(batch) && !ShapedType::isDynamic(times) &&
      batch != times)
    return emitOpError("time has ")
           << times << " entries but the batch has " << batch << " rows";
  return success();
}

LogicalResult CrossEntropyLossOp::verify() {
  return verifyTokenLogits(*this, getLogits().getType(), getX1().getType(),
                           getLoss().getType());
}
