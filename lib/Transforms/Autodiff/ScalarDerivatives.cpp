//===- ScalarDerivatives.cpp - Derivatives of scalar ops ------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "ScalarDerivatives.h"

#include "fm/Dialect/FmOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::fm;

//===----------------------------------------------------------------------===//
// Scalar ops
//===----------------------------------------------------------------------===//

LogicalResult
autodiff::backpropScalar(OpBuilder &b, Operation *op, Value adj,
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

FailureOr<Value> autodiff::tangentScalar(OpBuilder &b, Operation *op,
                                         function_ref<Value(Value)> tangentOf) {
  Location loc = op->getLoc();
  Type resultType = op->getResult(0).getType();
  // Rules that change the type: the tangent converts like the value.
  if (auto ext = dyn_cast<arith::ExtFOp>(op)) {
    Value t = tangentOf(ext.getIn());
    return t ? arith::ExtFOp::create(b, loc, resultType, t).getResult()
             : Value();
  }
  if (auto trunc = dyn_cast<arith::TruncFOp>(op)) {
    Value t = tangentOf(trunc.getIn());
    return t ? arith::TruncFOp::create(b, loc, resultType, t).getResult()
             : Value();
  }

  // Σ over distinct float operands v of (∂y/∂v)·v̇, each term the reverse
  // rule's contribution to v with v̇ as the adjoint (an operand used twice,
  // as in x·x, receives both of its contributions).
  Value total;
  SmallVector<Value, 3> seen;
  for (Value v : op->getOperands()) {
    if (!isa<FloatType>(v.getType()) || llvm::is_contained(seen, v))
      continue;
    seen.push_back(v);
    Value t = tangentOf(v);
    if (!t)
      continue;
    Block *block = b.getInsertionBlock();
    Block::iterator end = b.getInsertionPoint();
    Operation *before = end == block->begin() ? nullptr : &*std::prev(end);
    Value term;
    if (failed(backpropScalar(b, op, t, [&](Value operand, Value c) {
          if (operand != v)
            return;
          term = term ? arith::AddFOp::create(b, loc, term, c).getResult() : c;
        })))
      return failure();
    // The contributions to the other operands are dead: erase them.
    Block::iterator first =
        before ? std::next(before->getIterator()) : block->begin();
    SmallVector<Operation *> built;
    for (Operation &created : llvm::make_range(first, b.getInsertionPoint()))
      built.push_back(&created);
    for (Operation *created : llvm::reverse(built))
      if (!llvm::is_contained(created->getResults(), term) &&
          isOpTriviallyDead(created))
        created->erase();
    if (term)
      total =
          total ? arith::AddFOp::create(b, loc, total, term).getResult() : term;
  }
  return total;
}

bool autodiff::isNonDifferentiable(Operation *op) {
  if (isa<arith::CmpFOp, arith::CmpIOp, arith::ConstantOp, linalg::IndexOp,
          tensor::EmptyOp, tensor::DimOp, StopGradientOp>(op))
    return true;
  // A value computed from integers alone (a float made of a token or an
  // index, sitofp and the like) is a constant to differentiation.
  auto isFloatLike = [](Type type) {
    if (auto shaped = dyn_cast<ShapedType>(type))
      type = shaped.getElementType();
    return isa<FloatType>(type);
  };
  return op->getNumOperands() > 0 && op->getNumRegions() == 0 &&
         llvm::none_of(op->getOperandTypes(), isFloatLike);
}

//===----------------------------------------------------------------------===//
// Activations
//===----------------------------------------------------------------------===//

bool autodiff::hasDerivativeFromOutput(ActivationKind kind) {
  switch (kind) {
  case ActivationKind::Relu:
  case ActivationKind::Elu:
  case ActivationKind::Tanh:
    return true;
  case ActivationKind::None:
  case ActivationKind::GeluTanh:
  case ActivationKind::GeluErf:
  case ActivationKind::Silu:
  case ActivationKind::Sigmoid:
    return false;
  }
  llvm_unreachable("unknown activation");
}

Value autodiff::buildActivationAdjoint(OpBuilder &b, Location loc,
                                       ActivationKind kind, Value y, Value g) {
  Type type = g.getType();
  auto constant = [&](double v) -> Value {
    return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, v));
  };
  auto positive = [&]() -> Value {
    return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, y,
                                 constant(0));
  };
  switch (kind) {
  case ActivationKind::Relu:
    return arith::SelectOp::create(b, loc, positive(), g, constant(0));
  case ActivationKind::Elu: {
    Value slope = arith::AddFOp::create(b, loc, y, constant(1));
    Value negative = arith::MulFOp::create(b, loc, g, slope);
    return arith::SelectOp::create(b, loc, positive(), g, negative);
  }
  case ActivationKind::Tanh: {
    Value square = arith::MulFOp::create(b, loc, y, y);
    Value slope = arith::SubFOp::create(b, loc, constant(1), square);
    return arith::MulFOp::create(b, loc, g, slope);
  }
  case ActivationKind::None:
  case ActivationKind::GeluTanh:
  case ActivationKind::GeluErf:
  case ActivationKind::Silu:
  case ActivationKind::Sigmoid:
    break;
  }
  llvm_unreachable("no derivative from the output");
}

bool autodiff::hasDerivativeFromInput(ActivationKind kind) {
  return kind == ActivationKind::Sigmoid || kind == ActivationKind::Silu;
}

Value autodiff::buildActivationAdjointFromInput(OpBuilder &b, Location loc,
                                                ActivationKind kind, Value s,
                                                Value g) {
  assert(hasDerivativeFromInput(kind) && "no derivative from the input");
  Type type = g.getType();
  auto constant = [&](double v) -> Value {
    return arith::ConstantOp::create(b, loc, type, b.getFloatAttr(type, v));
  };
  auto mul = [&](Value x, Value y) -> Value {
    return arith::MulFOp::create(b, loc, x, y);
  };
  // e = exp(−s), with −s at most 80: below s = −80 the derivatives are
  // under 2e-33 in magnitude, and e stays finite (exp(88.8) overflows f32,
  // and e·σ would be ∞·0), σ a normal f32. A NaN s is kept (ult), so that
  // the adjoint is NaN too.
  Value minusS = arith::NegFOp::create(b, loc, s);
  Value bound = constant(80.0);
  Value below =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ULT, minusS, bound);
  Value e = math::ExpOp::create(
      b, loc, arith::SelectOp::create(b, loc, below, minusS, bound));
  Value sigma = arith::DivFOp::create(
      b, loc, constant(1.0), arith::AddFOp::create(b, loc, constant(1.0), e));
  // e·σ = 1 − σ = σ(−s).
  Value complement = mul(e, sigma);
  if (kind == ActivationKind::Sigmoid)
    return mul(g, mul(sigma, complement));
  // SiLU: d(s·σ)/ds = σ + s·σ·(1 − σ) = σ·(1 + s·(1 − σ)).
  Value slope = mul(
      sigma, arith::AddFOp::create(b, loc, constant(1.0), mul(s, complement)));
  return mul(g, slope);
}
