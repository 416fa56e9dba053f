//===- GenericTangent.cpp - The forward-mode rule of linalg.generic -------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// One rule covers every generic: the tangent is a new generic over the same
// loops and indexing maps that reads the primal inputs and the tangents of
// the seeded ones, recomputes the scalar body and pushes the tangents
// through it with the scalar rules. An output `out + f(ins)` (a sum over
// reduction loops, a matmul) accumulates ḟ onto the tangent of its initial
// value, so the tangent of a product with one seeded operand is again a
// product.
//
//===----------------------------------------------------------------------===//

#include "JVPBuilder.h"

#include "ScalarDerivatives.h"

#include "fm/Utils/Activation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::fm;
using namespace mlir::fm::autodiff;

LogicalResult JVPBuilder::differentiateGeneric(linalg::GenericOp generic) {
  auto fail = [&](const Twine &why) {
    return generic.emitError("fm-autodiff: cannot differentiate "
                             "'linalg.generic' (in '")
           << primal.getSymName() << "'): " << why;
  };
  if (!generic.hasPureTensorSemantics())
    return fail("it does not work on tensors");

  Location loc = generic.getLoc();
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  unsigned numInputs = generic.getNumDpsInputs();
  unsigned numOutputs = generic.getNumDpsInits();
  bool hasReduction = generic.getNumReductionLoops() > 0;

  // Each float output is either f(ins) or out + f(ins) (a sum over the
  // reduction loops); `primalValues[j]` is f(ins). Integer outputs get no
  // tangent.
  SmallVector<unsigned> outputs;
  SmallVector<Value> primalValues(numOutputs);
  SmallVector<bool> accumulates(numOutputs, false);
  SmallVector<bool> maximums(numOutputs, false);
  llvm::SmallPtrSet<Operation *, 4> accumulations;
  for (unsigned j = 0; j < numOutputs; ++j) {
    BlockArgument out = body.getArgument(numInputs + j);
    Value yielded = yield.getOperand(j);
    bool differentiable = isDifferentiableType(generic.getResult(j).getType());
    if (out.use_empty() && (!hasReduction || !differentiable)) {
      primalValues[j] = yielded;
      if (differentiable)
        outputs.push_back(j);
      continue;
    }
    // out + f(ins), or max(out, f(ins)): a maximum's tangent is ḟ where f
    // is the maximum (the result, which the tangent generic reads).
    Operation *combine = yielded.getDefiningOp();
    bool sum = isa_and_nonnull<arith::AddFOp>(combine);
    bool max = isa_and_nonnull<arith::MaximumFOp, arith::MaxNumFOp>(combine);
    if (!differentiable || (!sum && !max) || !out.hasOneUse() ||
        (combine->getOperand(0) != out && combine->getOperand(1) != out) ||
        combine->getOperand(0) == combine->getOperand(1))
      return fail("result #" + Twine(j) +
                  " is neither elementwise nor a sum or maximum over its "
                  "reduction loops");
    if (max && tangentOf(generic.getDpsInits()[j]))
      return fail("result #" + Twine(j) +
                  " is a maximum that starts from a differentiable value");
    primalValues[j] = combine->getOperand(0) == out ? combine->getOperand(1)
                                                    : combine->getOperand(0);
    accumulates[j] = sum;
    maximums[j] = max;
    accumulations.insert(combine);
    outputs.push_back(j);
  }
  if (outputs.empty())
    return success();

  // A body may read scalars from above, whose tangents it then reads too;
  // a tensor read from above would need a tangent per element.
  WalkResult captures = body.walk([&](Operation *op) {
    return llvm::any_of(op->getOperands(),
                        [&](Value v) {
                          return tangentOf(v) && !isa<FloatType>(v.getType());
                        })
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  if (captures.wasInterrupted())
    return fail("its body captures a differentiable tensor from outside");

  // Elementwise outputs that are an activation of a value whose derivative
  // is a function of the output: their tangent is taken from the forward
  // result y, which the tangent generic reads, rather than from a
  // recomputation (buildActivationAdjoint is linear in its g). Sigmoid and
  // SiLU take theirs from their input (buildActivationAdjointFromInput).
  SmallVector<ActivationMatch> activations(outputs.size());
  SmallVector<Value> activationResults;
  SmallVector<AffineMap> activationMaps;
  for (auto [i, j] : llvm::enumerate(outputs)) {
    Value yielded = yield.getOperand(j);
    AffineMap map = generic.getIndexingMapMatchingResult(
        cast<OpResult>(generic.getResult(j)));
    if (accumulates[j] || hasReduction || !yielded.hasOneUse() ||
        !map.isPermutation())
      continue;
    ActivationMatch match = matchActivation(yielded);
    if (!match || !(hasDerivativeFromOutput(match.kind) ||
                    hasDerivativeFromInput(match.kind)))
      continue;
    activations[i] = match;
    if (hasDerivativeFromInput(match.kind))
      continue;
    activationResults.push_back(generic.getResult(j));
    activationMaps.push_back(map);
  }

  SmallVector<AffineMap> maps;
  for (OpOperand *operand : generic.getDpsInputOperands())
    maps.push_back(generic.getMatchingIndexingMap(operand));
  SmallVector<Value> operands(generic.getDpsInputs());
  SmallVector<unsigned> seededInputs;
  for (unsigned k = 0; k < numInputs; ++k) {
    if (Value tangent = tangentOf(generic.getDpsInputs()[k])) {
      seededInputs.push_back(k);
      operands.push_back(tangent);
      maps.push_back(maps[k]);
    }
  }
  llvm::append_range(operands, activationResults);
  llvm::append_range(maps, activationMaps);
  for (unsigned j : outputs)
    if (maximums[j]) {
      operands.push_back(generic.getResult(j));
      maps.push_back(generic.getIndexingMapMatchingResult(
          cast<OpResult>(generic.getResult(j))));
    }

  // A sum starts from the tangent of its initial value; an elementwise
  // output's initial value is never read.
  SmallVector<Value> inits;
  bool anyTangent = false;
  for (unsigned j : outputs) {
    Value init = generic.getDpsInits()[j];
    if (accumulates[j] || maximums[j]) {
      anyTangent |= static_cast<bool>(tangentOf(init));
      inits.push_back(tangentOrZeros(loc, init));
    } else {
      inits.push_back(tensor::EmptyOp::create(
          b, loc, tensor::getMixedSizes(b, loc, init),
          cast<RankedTensorType>(init.getType()).getElementType()));
    }
    maps.push_back(generic.getIndexingMapMatchingResult(
        cast<OpResult>(generic.getResult(j))));
  }

  unsigned numOperands = operands.size();
  LogicalResult bodyResult = success();
  auto tangentGeneric = linalg::GenericOp::create(
      b, loc, ValueRange(inits).getTypes(), operands, inits, maps,
      generic.getIteratorTypesArray(),
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        // Recompute the forward body (without the accumulating adds).
        IRMapping mapping;
        for (unsigned k = 0; k < numInputs; ++k)
          mapping.map(body.getArgument(k), args[k]);
        SmallVector<Operation *> cloned;
        for (Operation &op : body.without_terminator())
          if (!accumulations.contains(&op))
            cloned.push_back(nb.clone(op, mapping));

        // Forward sweep over the scalar body.
        llvm::DenseMap<Value, Value> scalarTangents;
        for (auto [i, k] : llvm::enumerate(seededInputs))
          scalarTangents[args[k]] = args[numInputs + i];
        auto tangentOfScalar = [&](Value v) -> Value {
          if (Value t = scalarTangents.lookup(v))
            return t;
          return tangentOf(v); // A scalar captured from above.
        };
        for (Operation *op : cloned) {
          if (isNonDifferentiable(op) ||
              llvm::none_of(op->getOperands(), tangentOfScalar) ||
              llvm::none_of(op->getResultTypes(), isDifferentiableType))
            continue;
          FailureOr<Value> tangent =
              op->getNumResults() == 1 && op->getNumRegions() == 0
                  ? tangentScalar(nb, op, tangentOfScalar)
                  : FailureOr<Value>(failure());
          if (failed(tangent)) {
            bodyResult = op->emitError("fm-autodiff: cannot differentiate '")
                         << op->getName() << "' (in '" << primal.getSymName()
                         << "')";
            break;
          }
          if (*tangent)
            scalarTangents[op->getResult(0)] = *tangent;
        }

        SmallVector<Value> yielded;
        unsigned nextActivation = numInputs + seededInputs.size();
        unsigned nextMaximum = nextActivation + activationResults.size();
        for (auto [i, j] : llvm::enumerate(outputs)) {
          Value tangent;
          if (const ActivationMatch &act = activations[i]) {
            Value s = mapping.lookupOrDefault(act.input);
            Value ds = tangentOfScalar(s);
            if (hasDerivativeFromInput(act.kind)) {
              if (ds)
                tangent =
                    buildActivationAdjointFromInput(nb, nloc, act.kind, s, ds);
            } else {
              Value y = args[nextActivation++];
              if (ds)
                tangent = buildActivationAdjoint(nb, nloc, act.kind, y, ds);
            }
          } else {
            tangent = tangentOfScalar(mapping.lookupOrDefault(primalValues[j]));
          }
          anyTangent |= static_cast<bool>(tangent);
          Value out = args[numOperands + i];
          if (!tangent)
            tangent = arith::ConstantOp::create(
                nb, nloc, out.getType(), nb.getFloatAttr(out.getType(), 0.0));
          if (maximums[j]) {
            Value f = mapping.lookupOrDefault(primalValues[j]);
            Value isMax = arith::CmpFOp::create(
                nb, nloc, arith::CmpFPredicate::OEQ, f, args[nextMaximum++]);
            yielded.push_back(
                arith::SelectOp::create(nb, nloc, isMax, tangent, out));
            continue;
          }
          yielded.push_back(accumulates[j]
                                ? arith::AddFOp::create(nb, nloc, out, tangent)
                                : tangent);
        }
        linalg::YieldOp::create(nb, nloc, yielded);

        // Drop what the tangents did not need (an activation's recomputed
        // value, the products a seeded operand's tangent does not enter).
        SmallVector<Operation *> all;
        for (Operation &op : nb.getBlock()->without_terminator())
          all.push_back(&op);
        for (Operation *op : llvm::reverse(all))
          if (isOpTriviallyDead(op))
            op->erase();
      });
  if (failed(bodyResult))
    return failure();
  if (!anyTangent) {
    tangentGeneric.erase();
    return success();
  }
  for (auto [i, j] : llvm::enumerate(outputs))
    tangents[generic.getResult(j)] = tangentGeneric.getResult(i);
  return success();
}
