//===- GenericAdjoint.cpp - The reverse-mode rule of linalg.generic -------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// One rule covers every generic: the scalar body is differentiated in
// reverse mode, and the adjoint of input k is a new generic over the same
// loops whose output is indexed by input k's map. Loops that map does not use
// become reductions, which is what turns the adjoint of a broadcast into a
// sum and the adjoint of a matmul into the two transposed products.
//
//===----------------------------------------------------------------------===//

#include "VJPBuilder.h"

#include "ScalarDerivatives.h"

#include "fm/Utils/Activation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;
using namespace mlir::fm;
using namespace mlir::fm::autodiff;

/// The adjoint of one linalg.generic: one new generic per active input.
LogicalResult VJPBuilder::differentiateGeneric(linalg::GenericOp generic) {
  auto fail = [&](const Twine &why) {
    return generic.emitError("fm-autodiff: cannot differentiate "
                             "'linalg.generic' (in '")
           << primal.getSymName() << "'): " << why;
  };
  for (AffineMap map : generic.getIndexingMapsArray())
    if (!map.isProjectedPermutation())
      return fail("an indexing map is not a projected permutation");

  Location loc = generic.getLoc();
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  unsigned numInputs = generic.getNumDpsInputs();
  unsigned numOutputs = generic.getNumDpsInits();
  bool hasReduction = generic.getNumReductionLoops() > 0;

  // Each output is f(ins), out + f(ins) (a sum over the reduction loops) or
  // max(out, f(ins)) (a maximum over them). `primalValues[j]` is f(ins);
  // the combining ops are not recomputed. A maximum passes its adjoint to
  // the f(ins) equal to the result (every one of them, on a tie).
  SmallVector<Value> primalValues(numOutputs);
  llvm::SmallBitVector isMaximum(numOutputs);
  llvm::SmallPtrSet<Operation *, 4> accumulations;
  for (unsigned j = 0; j < numOutputs; ++j) {
    BlockArgument out = body.getArgument(numInputs + j);
    Value yielded = yield.getOperand(j);
    if (out.use_empty() && !hasReduction) {
      primalValues[j] = yielded;
      continue;
    }
    Operation *combine = yielded.getDefiningOp();
    bool sum = isa_and_nonnull<arith::AddFOp>(combine);
    bool max = isa_and_nonnull<arith::MaximumFOp, arith::MaxNumFOp>(combine);
    if ((!sum && !max) || !out.hasOneUse() ||
        (combine->getOperand(0) != out && combine->getOperand(1) != out) ||
        combine->getOperand(0) == combine->getOperand(1))
      return fail("result #" + Twine(j) +
                  " is neither elementwise nor a sum or maximum over its "
                  "reduction loops");
    primalValues[j] = combine->getOperand(0) == out ? combine->getOperand(1)
                                                    : combine->getOperand(0);
    isMaximum[j] = max;
    if (max && isActive(generic.getDpsInits()[j]))
      return fail("result #" + Twine(j) +
                  " is a maximum that starts from a differentiable value");
    accumulations.insert(combine);
  }

  // A body may read values from above; their derivative is not tracked, so
  // reading an active one is an error. (Only values outside the generic are
  // ever marked active.)
  WalkResult captures = body.walk([&](Operation *op) {
    return llvm::any_of(op->getOperands(), [&](Value v) { return isActive(v); })
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  if (captures.wasInterrupted())
    return fail("its body captures a differentiable value from outside");

  SmallVector<Value> resultAdjoints;
  SmallVector<AffineMap> resultAdjointMaps;
  SmallVector<unsigned> resultAdjointOutputs;
  for (unsigned j = 0; j < numOutputs; ++j) {
    Value adj = adjoints.lookup(generic.getResult(j));
    if (!adj)
      continue;
    resultAdjoints.push_back(adj);
    resultAdjointMaps.push_back(generic.getIndexingMapMatchingResult(
        cast<OpResult>(generic.getResult(j))));
    resultAdjointOutputs.push_back(j);
    // out + f(ins): the initial value flows through unchanged.
    if (!body.getArgument(numInputs + j).use_empty() && !isMaximum[j])
      accumulate(generic.getDpsInits()[j], adj);
  }
  // A maximum's adjoint generics read its result, to find the maxima.
  SmallVector<Value> maximumResults;
  SmallVector<AffineMap> maximumMaps;
  for (auto [i, j] : llvm::enumerate(resultAdjointOutputs))
    if (isMaximum[j]) {
      maximumResults.push_back(generic.getResult(j));
      maximumMaps.push_back(resultAdjointMaps[i]);
    }

  // Outputs that are an activation of a value (the last op of an
  // elementwise body) whose derivative is a function of its output: their
  // adjoints are taken from the forward result y, which the adjoint generics
  // read, rather than from a recomputation. Sigmoid and SiLU take theirs
  // from their input, in one division (buildActivationAdjointFromInput).
  SmallVector<ActivationMatch> activations;
  SmallVector<Value> activationResults;
  SmallVector<AffineMap> activationMaps;
  for (auto [i, j] : llvm::enumerate(resultAdjointOutputs)) {
    ActivationMatch act;
    Value yielded = yield.getOperand(j);
    if (!hasReduction && primalValues[j] == yielded && yielded.hasOneUse() &&
        resultAdjointMaps[i].isPermutation()) {
      ActivationMatch match = matchActivation(yielded);
      if (match && (hasDerivativeFromOutput(match.kind) ||
                    hasDerivativeFromInput(match.kind)))
        act = match;
    }
    activations.push_back(act);
    if (act && hasDerivativeFromOutput(act.kind)) {
      activationResults.push_back(generic.getResult(j));
      activationMaps.push_back(resultAdjointMaps[i]);
    }
  }

  unsigned numLoops = generic.getNumLoops();
  SmallVector<AffineMap> inputMaps;
  for (OpOperand *operand : generic.getDpsInputOperands())
    inputMaps.push_back(generic.getMatchingIndexingMap(operand));

  // Inputs indexed by every loop first: when a broadcast input (a bias)
  // receives the very same scalar adjoint as such an input (both feed one
  // addf), its gradient is a plain sum of that input's gradient tensor
  // rather than a second recomputation of the forward body.
  SmallVector<unsigned> order;
  for (unsigned k = 0; k < numInputs; ++k)
    if (inputMaps[k].isPermutation())
      order.push_back(k);
  for (unsigned k = 0; k < numInputs; ++k)
    if (!inputMaps[k].isPermutation())
      order.push_back(k);
  llvm::SmallBitVector done(numInputs);

  for (unsigned k : order) {
    Value input = generic.getDpsInputs()[k];
    if (done.test(k) || !isActive(input))
      continue;
    bool full = inputMaps[k].isPermutation();
    SmallVector<unsigned> sharing;

    // The output of the adjoint generic is indexed like input k; loops that
    // input k does not use are summed over.
    AffineMap outMap = inputMaps[k];
    SmallVector<utils::IteratorType> iterators(numLoops,
                                               utils::IteratorType::reduction);
    for (AffineExpr e : outMap.getResults())
      iterators[cast<AffineDimExpr>(e).getPosition()] =
          utils::IteratorType::parallel;

    auto inputTensorType = dyn_cast<RankedTensorType>(input.getType());
    Type elementType =
        inputTensorType ? inputTensorType.getElementType() : input.getType();
    Value init;
    if (inputTensorType) {
      init = zerosLike(loc, input);
    } else {
      Value zero = arith::ConstantOp::create(b, loc, elementType,
                                             b.getFloatAttr(elementType, 0.0));
      Value empty =
          tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, elementType);
      init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
    }

    SmallVector<Value> operands(generic.getDpsInputs());
    llvm::append_range(operands, resultAdjoints);
    llvm::append_range(operands, activationResults);
    llvm::append_range(operands, maximumResults);
    SmallVector<AffineMap> maps(inputMaps);
    llvm::append_range(maps, resultAdjointMaps);
    llvm::append_range(maps, activationMaps);
    llvm::append_range(maps, maximumMaps);
    maps.push_back(outMap);

    bool dependsOnInput = true;
    LogicalResult bodyResult = success();
    auto adjointGeneric = linalg::GenericOp::create(
        b, loc, TypeRange{init.getType()}, operands, ValueRange{init}, maps,
        iterators, [&](OpBuilder &nb, Location nloc, ValueRange args) {
          // Recompute the forward body (without the accumulating adds).
          IRMapping mapping;
          for (unsigned i = 0; i < numInputs; ++i)
            mapping.map(body.getArgument(i), args[i]);
          SmallVector<Operation *> cloned;
          for (Operation &op : body.without_terminator()) {
            if (accumulations.contains(&op))
              continue;
            cloned.push_back(nb.clone(op, mapping));
          }
          // Reverse sweep over the scalar body.
          llvm::DenseMap<Value, Value> scalarAdjoints;
          auto acc = [&](Value v, Value c) {
            if (!isa<FloatType>(v.getType()))
              return;
            Value &slot = scalarAdjoints[v];
            slot =
                slot ? arith::AddFOp::create(nb, nloc, slot, c).getResult() : c;
          };
          unsigned nextResult = numInputs + resultAdjoints.size();
          unsigned nextMaximum = nextResult + activationResults.size();
          for (auto [i, j] : llvm::enumerate(resultAdjointOutputs)) {
            Value g = args[numInputs + i];
            const ActivationMatch &act = activations[i];
            if (isMaximum[j]) {
              // g where f(ins) is the maximum, 0 elsewhere.
              Value f = mapping.lookupOrDefault(primalValues[j]);
              Value isMax = arith::CmpFOp::create(
                  nb, nloc, arith::CmpFPredicate::OEQ, f, args[nextMaximum++]);
              Value zero = arith::ConstantOp::create(
                  nb, nloc, nb.getFloatAttr(g.getType(), 0.0));
              acc(f, arith::SelectOp::create(nb, nloc, isMax, g, zero));
              continue;
            }
            if (!act) {
              acc(mapping.lookupOrDefault(primalValues[j]), g);
              continue;
            }
            // The activation's ops get no adjoint and are not swept; what
            // they recomputed is dead and folds away.
            Value s = mapping.lookupOrDefault(act.input);
            if (hasDerivativeFromInput(act.kind)) {
              acc(s, buildActivationAdjointFromInput(nb, nloc, act.kind, s, g));
              continue;
            }
            Value y = args[nextResult++];
            acc(s, buildActivationAdjoint(nb, nloc, act.kind, y, g));
          }
          for (Operation *op : llvm::reverse(cloned)) {
            if (op->getNumResults() != 1)
              continue;
            Value adj = scalarAdjoints.lookup(op->getResult(0));
            if (!adj || isNonDifferentiable(op))
              continue;
            if (failed(backpropScalar(nb, op, adj, acc))) {
              bodyResult = op->emitError("fm-autodiff: cannot differentiate '")
                           << op->getName() << "' (in '" << primal.getSymName()
                           << "')";
              break;
            }
          }
          Value accumulator = args.back();
          Value inputAdjoint = scalarAdjoints.lookup(args[k]);
          if (full && inputAdjoint)
            for (unsigned other = 0; other < numInputs; ++other)
              if (other != k && !done.test(other) &&
                  isActive(generic.getDpsInputs()[other]) &&
                  isa<RankedTensorType>(
                      generic.getDpsInputs()[other].getType()) &&
                  scalarAdjoints.lookup(args[other]) == inputAdjoint)
                sharing.push_back(other);
          if (!inputAdjoint) {
            dependsOnInput = false;
            linalg::YieldOp::create(nb, nloc, accumulator);
            return;
          }
          Value sum =
              arith::AddFOp::create(nb, nloc, accumulator, inputAdjoint);
          linalg::YieldOp::create(nb, nloc, sum);
          // Drop the recomputed values the sweep did not need (an
          // activation's, when its adjoint came from its output).
          for (Operation *op : llvm::reverse(cloned))
            if (isOpTriviallyDead(op))
              op->erase();
        });
    if (failed(bodyResult))
      return failure();
    if (!dependsOnInput) {
      adjointGeneric.erase();
      continue;
    }
    Value grad = adjointGeneric.getResult(0);
    if (!inputTensorType)
      grad = tensor::ExtractOp::create(b, loc, grad, ValueRange{});
    accumulate(input, grad);

    // The inputs that share this scalar adjoint: sum `grad` over the loops
    // they do not index.
    for (unsigned other : sharing) {
      Value otherInput = generic.getDpsInputs()[other];
      AffineMap otherMap = inputMaps[other];
      SmallVector<utils::IteratorType> iterators(
          numLoops, utils::IteratorType::reduction);
      for (AffineExpr e : otherMap.getResults())
        iterators[cast<AffineDimExpr>(e).getPosition()] =
            utils::IteratorType::parallel;
      auto sum = linalg::GenericOp::create(
          b, loc, TypeRange{otherInput.getType()}, ValueRange{grad},
          ValueRange{zerosLike(loc, otherInput)},
          ArrayRef<AffineMap>{inputMaps[k], otherMap}, iterators,
          [](OpBuilder &nb, Location nloc, ValueRange args) {
            Value total = arith::AddFOp::create(nb, nloc, args[1], args[0]);
            linalg::YieldOp::create(nb, nloc, total);
          });
      accumulate(otherInput, sum.getResult(0));
      done.set(other);
    }
  }
  return success();
}
