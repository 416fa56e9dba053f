//===- Autodiff.cpp - Reverse-mode differentiation of linalg functions ----===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fm-autodiff: replaces fm.vjp with calls to generated vector-Jacobian-product
// functions. The generated function clones the callee, rewrites named linalg
// ops and elementwise tensor arith as linalg.generic, and appends a reverse
// sweep. One rule covers every generic: the scalar body is differentiated in
// reverse mode, and the adjoint of input k is a new generic over the same
// loops whose output is indexed by input k's map. Loops that map does not use
// become reductions, which is what turns the adjoint of a broadcast into a
// sum and the adjoint of a matmul into the two transposed products.
//
//===----------------------------------------------------------------------===//

#include "fm/Transforms/Passes.h"

#include "fm/Dialect/FmOps.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SmallBitVector.h"
#include "llvm/ADT/TypeSwitch.h"

#include <map>

namespace mlir::fm {
#define GEN_PASS_DEF_FMAUTODIFF
#include "fm/Transforms/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;

//===----------------------------------------------------------------------===//
// Scalar rules
//===----------------------------------------------------------------------===//

/// Calls `accumulate(operand, contribution)` for every float operand of the
/// scalar op `op` given the adjoint `adj` of its result. Returns failure for
/// an op with float operands that has no rule.
static LogicalResult
backpropScalar(OpBuilder &b, Operation *op, Value adj,
               function_ref<void(Value, Value)> accumulate) {
  Location loc = op->getLoc();
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulFOp::create(b, loc, x, y);
  };
  auto div = [&](Value x, Value y) -> Value {
    return arith::DivFOp::create(b, loc, x, y);
  };
  auto neg = [&](Value x) -> Value { return arith::NegFOp::create(b, loc, x); };
  auto constant = [&](double v) -> Value {
    return arith::ConstantOp::create(b, loc, adj.getType(),
                                     b.getFloatAttr(adj.getType(), v));
  };
  auto zero = [&]() { return constant(0.0); };
  auto select = [&](Value cond, Value x, Value y) -> Value {
    return arith::SelectOp::create(b, loc, cond, x, y);
  };
  // For max/min: the adjoint goes to the operand that was selected.
  auto routeByComparison = [&](Value x, Value y, arith::CmpFPredicate pred) {
    Value takeX = arith::CmpFOp::create(b, loc, pred, x, y);
    accumulate(x, select(takeX, adj, zero()));
    accumulate(y, select(takeX, zero(), adj));
  };
  Value result = op->getNumResults() == 1 ? op->getResult(0) : Value();

  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](arith::AddFOp add) {
        accumulate(add.getLhs(), adj);
        accumulate(add.getRhs(), adj);
        return success();
      })
      .Case([&](arith::SubFOp sub) {
        accumulate(sub.getLhs(), adj);
        accumulate(sub.getRhs(), neg(adj));
        return success();
      })
      .Case([&](arith::MulFOp m) {
        accumulate(m.getLhs(), mul(adj, m.getRhs()));
        accumulate(m.getRhs(), mul(adj, m.getLhs()));
        return success();
      })
      .Case([&](arith::DivFOp d) {
        // d(x/y) = dx/y − (x/y)·dy/y.
        Value dx = div(adj, d.getRhs());
        accumulate(d.getLhs(), dx);
        accumulate(d.getRhs(), neg(mul(dx, result)));
        return success();
      })
      .Case([&](arith::NegFOp n) {
        accumulate(n.getOperand(), neg(adj));
        return success();
      })
      .Case([&](arith::MaximumFOp m) {
        routeByComparison(m.getLhs(), m.getRhs(), arith::CmpFPredicate::OGE);
        return success();
      })
      .Case([&](arith::MaxNumFOp m) {
        routeByComparison(m.getLhs(), m.getRhs(), arith::CmpFPredicate::OGE);
        return success();
      })
      .Case([&](arith::MinimumFOp m) {
        routeByComparison(m.getLhs(), m.getRhs(), arith::CmpFPredicate::OLE);
        return success();
      })
      .Case([&](arith::MinNumFOp m) {
        routeByComparison(m.getLhs(), m.getRhs(), arith::CmpFPredicate::OLE);
        return success();
      })
      .Case([&](arith::SelectOp s) {
        accumulate(s.getTrueValue(), select(s.getCondition(), adj, zero()));
        accumulate(s.getFalseValue(), select(s.getCondition(), zero(), adj));
        return success();
      })
      .Case([&](arith::ExtFOp e) {
        accumulate(e.getIn(),
                   arith::TruncFOp::create(b, loc, e.getIn().getType(), adj));
        return success();
      })
      .Case([&](arith::TruncFOp t) {
        accumulate(t.getIn(),
                   arith::ExtFOp::create(b, loc, t.getIn().getType(), adj));
        return success();
      })
      .Case([&](math::ExpOp e) {
        accumulate(e.getOperand(), mul(adj, result));
        return success();
      })
      .Case([&](math::ExpM1Op e) {
        // d(eˣ − 1) = eˣ = result + 1.
        accumulate(e.getOperand(), mul(adj, arith::AddFOp::create(
                                                b, loc, result, constant(1))));
        return success();
      })
      .Case([&](math::LogOp l) {
        accumulate(l.getOperand(), div(adj, l.getOperand()));
        return success();
      })
      .Case([&](math::Log1pOp l) {
        Value onePlusX =
            arith::AddFOp::create(b, loc, l.getOperand(), constant(1));
        accumulate(l.getOperand(), div(adj, onePlusX));
        return success();
      })
      .Case([&](math::TanhOp t) {
        // d tanh = 1 − tanh².
        Value sq = mul(result, result);
        accumulate(t.getOperand(),
                   mul(adj, arith::SubFOp::create(b, loc, constant(1), sq)));
        return success();
      })
      .Case([&](math::SqrtOp s) {
        // d √x = 1 / (2√x).
        accumulate(s.getOperand(), div(mul(adj, constant(0.5)), result));
        return success();
      })
      .Case([&](math::RsqrtOp r) {
        // d x^(−1/2) = −½ x^(−3/2) = −½ r³.
        Value r3 = mul(mul(result, result), result);
        accumulate(r.getOperand(), mul(adj, mul(constant(-0.5), r3)));
        return success();
      })
      .Case([&](math::SinOp s) {
        accumulate(s.getOperand(),
                   mul(adj, math::CosOp::create(b, loc, s.getOperand())));
        return success();
      })
      .Case([&](math::CosOp c) {
        accumulate(c.getOperand(),
                   neg(mul(adj, math::SinOp::create(b, loc, c.getOperand()))));
        return success();
      })
      .Case([&](math::PowFOp p) {
        // d xʸ = y·xʸ⁻¹ dx + xʸ·ln x dy.
        Value x = p.getLhs(), y = p.getRhs();
        Value yMinusOne = arith::SubFOp::create(b, loc, y, constant(1));
        Value dx = mul(y, math::PowFOp::create(b, loc, x, yMinusOne));
        accumulate(x, mul(adj, dx));
        accumulate(y, mul(adj, mul(result, math::LogOp::create(b, loc, x))));
        return success();
      })
      .Case([&](math::AbsFOp a) {
        Value negative = arith::CmpFOp::create(
            b, loc, arith::CmpFPredicate::OLT, a.getOperand(), zero());
        accumulate(a.getOperand(), select(negative, neg(adj), adj));
        return success();
      })
      .Case([&](math::ErfOp e) {
        // d erf(x) = 2/√π · exp(−x²).
        Value x = e.getOperand();
        Value expMinusSq = math::ExpOp::create(b, loc, neg(mul(x, x)));
        accumulate(x,
                   mul(adj, mul(constant(1.12837916709551257390), expMinusSq)));
        return success();
      })
      .Case<arith::CmpFOp, arith::ConstantOp, linalg::IndexOp>(
          [](Operation *) { return success(); })
      .Default([](Operation *) { return failure(); });
}

/// Ops whose results carry no derivative whatever their operands.
static bool isNonDifferentiable(Operation *op) {
  return isa<arith::CmpFOp, arith::CmpIOp, arith::ConstantOp, linalg::IndexOp,
             tensor::EmptyOp, tensor::DimOp>(op);
}

//===----------------------------------------------------------------------===//
// VJP function builder
//===----------------------------------------------------------------------===//

namespace {

/// An activation whose derivative can be written with its output y alone,
/// so the reverse sweep needs neither its input nor a recomputation of it.
enum class Activation { None, ReLU, ELU, Tanh };

/// Matches the op that computes `value` as act(s) and returns act and s:
/// ReLU as `select(s > 0, s, 0)` or `max(s, 0)`, ELU (α = 1) as
/// `select(s > 0, s, expm1(s))`, and `tanh(s)`.
static std::pair<Activation, Value> matchActivation(Value value) {
  auto isZero = [](Value v) { return matchPattern(v, m_AnyZeroFloat()); };
  Operation *op = value.getDefiningOp();
  if (!op)
    return {Activation::None, {}};
  if (auto tanh = dyn_cast<math::TanhOp>(op))
    return {Activation::Tanh, tanh.getOperand()};
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(op)) {
    Value lhs = op->getOperand(0), rhs = op->getOperand(1);
    if (isZero(rhs))
      return {Activation::ReLU, lhs};
    if (isZero(lhs))
      return {Activation::ReLU, rhs};
    return {Activation::None, {}};
  }
  auto select = dyn_cast<arith::SelectOp>(op);
  if (!select)
    return {Activation::None, {}};
  Value s = select.getTrueValue();
  auto cmp = select.getCondition().getDefiningOp<arith::CmpFOp>();
  if (!cmp || cmp.getPredicate() != arith::CmpFPredicate::OGT ||
      cmp.getLhs() != s || !isZero(cmp.getRhs()))
    return {Activation::None, {}};
  if (isZero(select.getFalseValue()))
    return {Activation::ReLU, s};
  auto expm1 = select.getFalseValue().getDefiningOp<math::ExpM1Op>();
  if (expm1 && expm1.getOperand() == s)
    return {Activation::ELU, s};
  return {Activation::None, {}};
}

/// The adjoint of the activation's input from its output y and the
/// adjoint g of y: the same values the rules for its ops would give (for ELU,
/// y = expm1(s) wherever s ≤ 0, and y > 0 exactly where s > 0).
static Value activationAdjoint(OpBuilder &b, Location loc, Activation act,
                               Value y, Value g) {
  Type type = g.getType();
  auto constant = [&](double v) -> Value {
    return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, v));
  };
  auto positive = [&]() -> Value {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, y,
                                 constant(0));
  };
  switch (act) {
  case Activation::ReLU:
    return arith::SelectOp::create(b, loc, positive(), g, constant(0));
  case Activation::ELU: {
    Value slope = arith::AddFOp::create(b, loc, y, constant(1));
    Value negative = arith::MulFOp::create(b, loc, g, slope);
    return arith::SelectOp::create(b, loc, positive(), g, negative);
  }
  case Activation::Tanh: {
    Value square = arith::MulFOp::create(b, loc, y, y);
    Value slope = arith::SubFOp::create(b, loc, constant(1), square);
    return arith::MulFOp::create(b, loc, g, slope);
  }
  case Activation::None:
    break;
  }
  llvm_unreachable("no activation");
}

/// Builds `@<f>_vjp` for one callee and the set of inputs whose gradients
/// are wanted; the others get zeros, and nothing that only they need is
/// computed.
class VJPBuilder {
public:
  VJPBuilder(func::FuncOp primal, ArrayRef<bool> wanted)
      : primal(primal), wanted(wanted), b(primal.getContext()) {}

  /// Creates the VJP function right after the primal in its module.
  FailureOr<func::FuncOp> build(SymbolTable &symbols);

private:
  LogicalResult cloneAndNormalize(func::FuncOp vjp);
  void computeActivity(Block &block, ValueRange inputs);
  bool isActive(Value v) const { return active.contains(v); }
  void accumulate(Value primalValue, Value contribution);
  Value zerosLike(Location loc, Value value);
  Value addValues(Location loc, Value x, Value y);

  LogicalResult differentiate(Operation *op);
  LogicalResult differentiateGeneric(linalg::GenericOp generic);
  LogicalResult differentiateConcat(tensor::ConcatOp concat, Value adj);

  func::FuncOp primal;
  ArrayRef<bool> wanted;
  OpBuilder b;
  llvm::DenseSet<Value> active;
  llvm::DenseMap<Value, Value> adjoints;
};

} // namespace

FailureOr<func::FuncOp> VJPBuilder::build(SymbolTable &symbols) {
  if (primal.isExternal() || !primal.getBody().hasOneBlock())
    return primal.emitError("fm-autodiff: cannot differentiate '")
           << primal.getSymName()
           << "': only single-block functions with a body are supported";

  FunctionType type = primal.getFunctionType();
  SmallVector<Type> inputs(type.getInputs());
  llvm::append_range(inputs, type.getResults());
  SmallVector<Type> results(type.getResults());
  llvm::append_range(results, type.getInputs());

  b.setInsertionPointAfter(primal);
  auto vjp = func::FuncOp::create(b, primal.getLoc(),
                                  (primal.getSymName() + "_vjp").str(),
                                  b.getFunctionType(inputs, results));
  vjp.setPrivate();
  symbols.insert(vjp); // Renames on a clash with an existing symbol.

  if (failed(cloneAndNormalize(vjp))) {
    vjp.erase();
    return failure();
  }

  Block &block = vjp.getBody().front();
  auto ret = cast<func::ReturnOp>(block.getTerminator());
  SmallVector<Value> primalResults(ret.getOperands());
  ValueRange args = block.getArguments();
  ValueRange primalArgs = args.take_front(type.getNumInputs());
  ValueRange cotangents = args.drop_front(type.getNumInputs());
  SmallVector<Value> wantedArgs;
  for (auto [arg, want] : llvm::zip(primalArgs, wanted))
    if (want)
      wantedArgs.push_back(arg);
  computeActivity(block, wantedArgs);

  SmallVector<Operation *> forwardOps;
  for (Operation &op : block.without_terminator())
    forwardOps.push_back(&op);
  ret.erase();
  b.setInsertionPointToEnd(&block);

  for (auto [result, cotangent] : llvm::zip(primalResults, cotangents))
    if (isActive(result))
      accumulate(result, cotangent);

  for (Operation *op : llvm::reverse(forwardOps)) {
    if (llvm::none_of(op->getResults(),
                      [&](Value r) { return adjoints.contains(r); }))
      continue;
    if (llvm::none_of(op->getOperands(), [&](Value v) { return isActive(v); }))
      continue;
    if (failed(differentiate(op))) {
      vjp.erase();
      return failure();
    }
  }

  SmallVector<Value> returned(primalResults);
  for (Value arg : primalArgs) {
    Value grad = adjoints.lookup(arg);
    returned.push_back(grad ? grad : zerosLike(primal.getLoc(), arg));
  }
  func::ReturnOp::create(b, primal.getLoc(), returned);
  return vjp;
}

/// Replaces calls to single-block functions in `func` with the callees'
/// bodies, repeatedly (a network calling its layers), so the reverse sweep
/// sees through them. Stops after `kMaxDepth` rounds, which leaves a
/// recursive call in place (and an error if it is on the active path).
static void inlineCalls(func::FuncOp func, SymbolTableCollection &symbols) {
  constexpr int kMaxDepth = 16;
  for (int depth = 0; depth < kMaxDepth; ++depth) {
    SmallVector<func::CallOp> calls;
    func.walk([&](func::CallOp call) {
      auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      if (callee && !callee.isExternal() && callee.getBody().hasOneBlock())
        calls.push_back(call);
    });
    if (calls.empty())
      return;
    for (func::CallOp call : calls) {
      auto callee = symbols.lookupNearestSymbolFrom<func::FuncOp>(
          call, call.getCalleeAttr());
      Block &body = callee.getBody().front();
      IRMapping mapping;
      mapping.map(body.getArguments(), call.getOperands());
      OpBuilder b(call);
      for (Operation &op : body.without_terminator())
        b.clone(op, mapping);
      auto ret = cast<func::ReturnOp>(body.getTerminator());
      for (auto [result, returned] :
           llvm::zip(call.getResults(), ret.getOperands()))
        result.replaceAllUsesWith(mapping.lookupOrDefault(returned));
      call.erase();
    }
  }
}

/// Clones the primal body into `vjp` and rewrites it into the forms the
/// reverse sweep understands: calls inlined, linalg.generic for all
/// structured ops.
LogicalResult VJPBuilder::cloneAndNormalize(func::FuncOp vjp) {
  Block *entry = vjp.addEntryBlock();
  IRMapping mapping;
  Block &primalBlock = primal.getBody().front();
  for (auto [from, to] :
       llvm::zip(primalBlock.getArguments(), entry->getArguments()))
    mapping.map(from, to);
  b.setInsertionPointToEnd(entry);
  for (Operation &op : primalBlock)
    b.clone(op, mapping);

  SymbolTableCollection symbols;
  inlineCalls(vjp, symbols);

  RewritePatternSet patterns(vjp.getContext());
  linalg::populateElementwiseToLinalgConversionPatterns(patterns);
  linalg::populateLinalgNamedOpsGeneralizationPatterns(patterns);
  GreedyRewriteConfig config;
  config.enableFolding(false);
  return applyPatternsGreedily(vjp, std::move(patterns), config);
}

/// Marks every value that depends on the differentiated inputs.
void VJPBuilder::computeActivity(Block &block, ValueRange inputs) {
  active.insert(inputs.begin(), inputs.end());
  for (Operation &op : block.without_terminator()) {
    if (isNonDifferentiable(&op))
      continue;
    bool anyActive =
        llvm::any_of(op.getOperands(), [&](Value v) { return isActive(v); });
    // Values captured by a linalg.generic body count as operands too.
    if (!anyActive && op.getNumRegions())
      op.walk([&](Operation *nested) {
        for (Value v : nested->getOperands())
          anyActive |= isActive(v);
      });
    if (anyActive)
      active.insert(op.result_begin(), op.result_end());
  }
}

Value VJPBuilder::addValues(Location loc, Value x, Value y) {
  auto tensorType = dyn_cast<RankedTensorType>(x.getType());
  if (!tensorType)
    return arith::AddFOp::create(b, loc, x, y);
  int64_t rank = tensorType.getRank();
  Value init = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, x),
                                       tensorType.getElementType());
  AffineMap id = b.getMultiDimIdentityMap(rank);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{tensorType}, ValueRange{x, y}, ValueRange{init},
             ArrayRef<AffineMap>{id, id, id}, iterators,
             [](OpBuilder &nb, Location nloc, ValueRange args) {
               Value sum = arith::AddFOp::create(nb, nloc, args[0], args[1]);
               linalg::YieldOp::create(nb, nloc, sum);
             })
      .getResult(0);
}

void VJPBuilder::accumulate(Value primalValue, Value contribution) {
  if (!isActive(primalValue))
    return;
  Value &slot = adjoints[primalValue];
  slot = slot ? addValues(contribution.getLoc(), slot, contribution)
              : contribution;
}

Value VJPBuilder::zerosLike(Location loc, Value value) {
  Type type = value.getType();
  auto tensorType = dyn_cast<RankedTensorType>(type);
  Type elementType = tensorType ? tensorType.getElementType() : type;
  Value zero = arith::ConstantOp::create(b, loc, elementType,
                                         b.getFloatAttr(elementType, 0.0));
  if (!tensorType)
    return zero;
  Value init = tensor::EmptyOp::create(
      b, loc, tensor::getMixedSizes(b, loc, value), elementType);
  return linalg::FillOp::create(b, loc, zero, init).getResult(0);
}

LogicalResult VJPBuilder::differentiate(Operation *op) {
  Location loc = op->getLoc();
  auto unsupported = [&]() {
    return op->emitError("fm-autodiff: cannot differentiate '")
           << op->getName() << "' (in '" << primal.getSymName() << "')";
  };
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return differentiateGeneric(generic);

  Value adj =
      op->getNumResults() == 1 ? adjoints.lookup(op->getResult(0)) : Value();
  if (!adj)
    return unsupported();

  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](tensor::ExtractOp extract) {
        Value zeros = zerosLike(loc, extract.getTensor());
        accumulate(
            extract.getTensor(),
            tensor::InsertOp::create(b, loc, adj, zeros, extract.getIndices()));
        return success();
      })
      .Case([&](tensor::ExtractSliceOp slice) {
        Value zeros = zerosLike(loc, slice.getSource());
        accumulate(slice.getSource(),
                   tensor::InsertSliceOp::create(
                       b, loc, adj, zeros, slice.getMixedOffsets(),
                       slice.getMixedSizes(), slice.getMixedStrides()));
        return success();
      })
      .Case([&](tensor::InsertSliceOp insert) {
        accumulate(insert.getSource(),
                   tensor::ExtractSliceOp::create(
                       b, loc, insert.getSourceType(), adj,
                       insert.getMixedOffsets(), insert.getMixedSizes(),
                       insert.getMixedStrides()));
        Value hole = zerosLike(loc, insert.getSource());
        accumulate(insert.getDest(),
                   tensor::InsertSliceOp::create(
                       b, loc, hole, adj, insert.getMixedOffsets(),
                       insert.getMixedSizes(), insert.getMixedStrides()));
        return success();
      })
      .Case([&](tensor::ConcatOp concat) {
        return differentiateConcat(concat, adj);
      })
      .Case([&](tensor::CastOp cast) {
        accumulate(
            cast.getSource(),
            tensor::CastOp::create(b, loc, cast.getSource().getType(), adj));
        return success();
      })
      .Case([&](tensor::ExpandShapeOp expand) {
        accumulate(expand.getSrc(), tensor::CollapseShapeOp::create(
                                        b, loc, expand.getSrcType(), adj,
                                        expand.getReassociationIndices()));
        return success();
      })
      .Case([&](tensor::CollapseShapeOp collapse) -> LogicalResult {
        if (!collapse.getSrcType().hasStaticShape())
          return op->emitError("fm-autodiff: cannot differentiate '")
                 << op->getName() << "' with a dynamic shape";
        accumulate(collapse.getSrc(), tensor::ExpandShapeOp::create(
                                          b, loc, collapse.getSrcType(), adj,
                                          collapse.getReassociationIndices()));
        return success();
      })
      .Default([&](Operation *other) -> LogicalResult {
        if (other->getNumResults() == 1 &&
            isa<FloatType>(other->getResult(0).getType()) &&
            succeeded(backpropScalar(
                b, other, adj, [&](Value v, Value c) { accumulate(v, c); })))
          return success();
        return unsupported();
      });
}

LogicalResult VJPBuilder::differentiateConcat(tensor::ConcatOp concat,
                                              Value adj) {
  Location loc = concat.getLoc();
  int64_t dim = concat.getDim();
  int64_t rank = concat.getResultType().getRank();
  OpFoldResult offset = b.getIndexAttr(0);
  for (Value input : concat.getInputs()) {
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    offsets[dim] = offset;
    SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
    accumulate(input, tensor::ExtractSliceOp::create(
                          b, loc, cast<RankedTensorType>(input.getType()), adj,
                          offsets, sizes, strides));
    std::optional<int64_t> staticOffset = getConstantIntValue(offset);
    std::optional<int64_t> staticSize = getConstantIntValue(sizes[dim]);
    if (staticOffset && staticSize) {
      offset = b.getIndexAttr(*staticOffset + *staticSize);
    } else {
      Value lhs = getValueOrCreateConstantIndexOp(b, loc, offset);
      Value rhs = getValueOrCreateConstantIndexOp(b, loc, sizes[dim]);
      offset = arith::AddIOp::create(b, loc, lhs, rhs).getResult();
    }
  }
  return success();
}

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

  // Each output is either f(ins) or out + f(ins) (a sum over the reduction
  // loops). `primalValues[j]` is f(ins); the adds are not recomputed.
  SmallVector<Value> primalValues(numOutputs);
  llvm::SmallPtrSet<Operation *, 4> accumulations;
  for (unsigned j = 0; j < numOutputs; ++j) {
    BlockArgument out = body.getArgument(numInputs + j);
    Value yielded = yield.getOperand(j);
    if (out.use_empty() && !hasReduction) {
      primalValues[j] = yielded;
      continue;
    }
    auto add = yielded.getDefiningOp<arith::AddFOp>();
    if (!add || !out.hasOneUse() ||
        (add.getLhs() != out && add.getRhs() != out) ||
        add.getLhs() == add.getRhs())
      return fail("result #" + Twine(j) +
                  " is neither elementwise nor a sum over its reduction "
                  "loops");
    primalValues[j] = add.getLhs() == out ? add.getRhs() : add.getLhs();
    accumulations.insert(add);
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
    if (!body.getArgument(numInputs + j).use_empty())
      accumulate(generic.getDpsInits()[j], adj);
  }

  // Outputs that are an activation of a value (the last op of an
  // elementwise body): their adjoints are taken from the forward result y,
  // which the adjoint generics read, rather than from a recomputation.
  SmallVector<std::pair<Activation, Value>> activations;
  SmallVector<Value> activationResults;
  SmallVector<AffineMap> activationMaps;
  for (auto [i, j] : llvm::enumerate(resultAdjointOutputs)) {
    std::pair<Activation, Value> act = {Activation::None, {}};
    Value yielded = yield.getOperand(j);
    if (!hasReduction && primalValues[j] == yielded && yielded.hasOneUse() &&
        resultAdjointMaps[i].isPermutation())
      act = matchActivation(yielded);
    activations.push_back(act);
    if (act.first != Activation::None) {
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
    SmallVector<AffineMap> maps(inputMaps);
    llvm::append_range(maps, resultAdjointMaps);
    llvm::append_range(maps, activationMaps);
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
          for (auto [i, j] : llvm::enumerate(resultAdjointOutputs)) {
            Value g = args[numInputs + i];
            auto [act, input] = activations[i];
            if (act == Activation::None) {
              acc(mapping.lookupOrDefault(primalValues[j]), g);
              continue;
            }
            // The activation's ops get no adjoint and are not swept; what
            // they recomputed is dead and folds away.
            Value y = args[nextResult++];
            acc(mapping.lookupOrDefault(input),
                activationAdjoint(nb, nloc, act, y, g));
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

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct FmAutodiffPass : mlir::fm::impl::FmAutodiffBase<FmAutodiffPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<VJPOp> vjps;
    module.walk([&](VJPOp op) { vjps.push_back(op); });

    // One function per callee and set of gradients its users read.
    std::map<std::pair<Operation *, SmallVector<bool, 16>>, func::FuncOp>
        generated;
    for (VJPOp op : vjps) {
      auto callee = symbols.lookup<func::FuncOp>(op.getCallee());
      if (!callee) {
        // VJPOp::verifySymbolUses rejects this before any pass runs; the
        // same message covers IR built without verification.
        op.emitOpError("'")
            << op.getCallee() << "' does not reference a func.func";
        return signalPassFailure();
      }
      // Gradients follow the callee's results among the op's results.
      SmallVector<bool, 16> wanted;
      for (Value grad : op->getResults().drop_front(callee.getNumResults()))
        wanted.push_back(!grad.use_empty());
      func::FuncOp &vjp = generated[{callee, wanted}];
      if (!vjp) {
        FailureOr<func::FuncOp> built =
            VJPBuilder(callee, wanted).build(symbols);
        if (failed(built))
          return signalPassFailure();
        vjp = *built;
      }
      OpBuilder b(op);
      SmallVector<Value> operands(op.getInputs());
      llvm::append_range(operands, op.getCotangents());
      auto call = func::CallOp::create(b, op.getLoc(), vjp, operands);
      op.replaceAllUsesWith(call.getResults());
      op.erase();
    }
  }
};
} // namespace
