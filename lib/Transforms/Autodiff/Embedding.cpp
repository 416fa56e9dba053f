//===- Embedding.cpp - fm.embedding's gather and scatter-add --------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "Embedding.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

/// The row of a weight with `vocabulary` rows that `token` picks: the token
/// as an index, clamped into [0, vocabulary).
static Value rowOf(OpBuilder &b, Location loc, Value token,
                   int64_t vocabulary) {
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), token);
  Value first = arith::ConstantOp::create(b, loc, b.getIndexAttr(0));
  Value last =
      arith::ConstantOp::create(b, loc, b.getIndexAttr(vocabulary - 1));
  return arith::MinSIOp::create(
      b, loc, arith::MaxSIOp::create(b, loc, index, first), last);
}

Value mlir::fm::autodiff::buildEmbeddingGather(OpBuilder &b, Location loc,
                                               Value weight, Value tokens,
                                               Type resultType) {
  auto result = cast<RankedTensorType>(resultType);
  auto tokenType = cast<RankedTensorType>(tokens.getType());
  int64_t vocabulary = cast<RankedTensorType>(weight.getType()).getDimSize(0);
  int64_t rank = result.getRank();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, tokens);
  sizes.push_back(b.getIndexAttr(result.getDimSize(rank - 1)));
  Value init = tensor::EmptyOp::create(b, loc, sizes, result.getElementType());
  SmallVector<AffineExpr> tokenDims;
  for (int64_t d = 0; d < tokenType.getRank(); ++d)
    tokenDims.push_back(b.getAffineDimExpr(d));
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, tokenDims, b.getContext()),
      b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{result}, ValueRange{tokens}, ValueRange{init},
             maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value row = rowOf(nb, l, args[0], vocabulary);
               Value feature = linalg::IndexOp::create(nb, l, rank - 1);
               Value v = tensor::ExtractOp::create(nb, l, weight,
                                                   ValueRange{row, feature});
               linalg::YieldOp::create(nb, l, v);
             })
      .getResult(0);
}

/// What both forms of the weight gradient start from: zeros of the
/// weight's shape, and the positions as one dimension: tokens [T] and the
/// result's adjoint [T, H].
static std::tuple<Value, Value, Value>
prepareGradient(OpBuilder &b, Location loc, Value grad, Value tokens,
                RankedTensorType weight) {
  auto tokenType = cast<RankedTensorType>(tokens.getType());
  Type element = weight.getElementType();
  Value zero =
      arith::ConstantOp::create(b, loc, element, b.getFloatAttr(element, 0.0));
  Value init = tensor::EmptyOp::create(b, loc, weight.getShape(), element);
  Value zeros = linalg::FillOp::create(b, loc, zero, init).getResult(0);
  SmallVector<ReassociationIndices> all(1);
  for (int64_t d = 0; d < tokenType.getRank(); ++d)
    all[0].push_back(d);
  SmallVector<ReassociationIndices> rows = all;
  rows.push_back({tokenType.getRank()});
  return {zeros, tensor::CollapseShapeOp::create(b, loc, tokens, all),
          tensor::CollapseShapeOp::create(b, loc, grad, rows)};
}

Value mlir::fm::autodiff::buildEmbeddingScatterAdd(OpBuilder &b, Location loc,
                                                   Value grad, Value tokens,
                                                   Type weightType) {
  auto weight = cast<RankedTensorType>(weightType);
  int64_t vocabulary = weight.getDimSize(0), features = weight.getDimSize(1);
  Value zeros, flatTokens, flatGrad;
  std::tie(zeros, flatTokens, flatGrad) =
      prepareGradient(b, loc, grad, tokens, weight);

  Value c0 = arith::ConstantOp::create(b, loc, b.getIndexAttr(0));
  Value c1 = arith::ConstantOp::create(b, loc, b.getIndexAttr(1));
  Value positions = tensor::DimOp::create(b, loc, flatTokens, 0);
  Value featureCount =
      arith::ConstantOp::create(b, loc, b.getIndexAttr(features));
  auto outer = scf::ForOp::create(
      b, loc, c0, positions, c1, ValueRange{zeros},
      [&](OpBuilder &ob, Location l, Value i, ValueRange acc) {
        Value token = tensor::ExtractOp::create(ob, l, flatTokens, i);
        Value row = rowOf(ob, l, token, vocabulary);
        auto inner = scf::ForOp::create(
            ob, l, c0, featureCount, c1, ValueRange{acc[0]},
            [&](OpBuilder &ib, Location il, Value h, ValueRange dw) {
              Value g =
                  tensor::ExtractOp::create(ib, il, flatGrad, ValueRange{i, h});
              Value w =
                  tensor::ExtractOp::create(ib, il, dw[0], ValueRange{row, h});
              Value sum = arith::AddFOp::create(ib, il, w, g);
              Value next = tensor::InsertOp::create(ib, il, sum, dw[0],
                                                    ValueRange{row, h});
              scf::YieldOp::create(ib, il, next);
            });
        scf::YieldOp::create(ob, l, inner.getResult(0));
      });
  return outer.getResult(0);
}

Value mlir::fm::autodiff::buildEmbeddingGradientReduction(
    OpBuilder &b, Location loc, Value grad, Value tokens, Type weightType) {
  auto weight = cast<RankedTensorType>(weightType);
  int64_t vocabulary = weight.getDimSize(0);
  Value zeros, flatTokens, flatGrad;
  std::tie(zeros, flatTokens, flatGrad) =
      prepareGradient(b, loc, grad, tokens, weight);

  // dW[v, h] = Σ_i (row(token[i]) == v ? grad[i, h] : 0), loops (v, h, i).
  MLIRContext *ctx = b.getContext();
  AffineExpr v = b.getAffineDimExpr(0), h = b.getAffineDimExpr(1),
             i = b.getAffineDimExpr(2);
  SmallVector<AffineMap> maps = {AffineMap::get(3, 0, {i}, ctx),
                                 AffineMap::get(3, 0, {i, h}, ctx),
                                 AffineMap::get(3, 0, {v, h}, ctx)};
  SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                utils::IteratorType::parallel,
                                                utils::IteratorType::reduction};
  return linalg::GenericOp::create(
             b, loc, TypeRange{weight}, ValueRange{flatTokens, flatGrad},
             ValueRange{zeros}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value row = rowOf(nb, l, args[0], vocabulary);
               Value here = linalg::IndexOp::create(nb, l, 0);
               Value picks = arith::CmpIOp::create(
                   nb, l, arith::CmpIPredicate::eq, row, here);
               Value sum = arith::AddFOp::create(nb, l, args[2], args[1]);
               linalg::YieldOp::create(
                   nb, l,
                   arith::SelectOp::create(nb, l, picks, sum, args[2])
                       .getResult());
             })
      .getResult(0);
}
