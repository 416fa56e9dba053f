//===- Activation.cpp - Recognize activation functions in scalar IR -------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Each form is checked against a given input s. Without one, the candidates
// for s are read off the op that computes the value (the operands that could
// be s in that form) and each is checked in turn, so both ways of calling
// `matchActivation` accept exactly the same forms.
//
//===----------------------------------------------------------------------===//

#include "fm/Utils/Activation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::fm;

static bool isZero(Value v) { return matchPattern(v, m_AnyZeroFloat()); }

static bool isOne(Value v) { return matchPattern(v, m_OneFloat()); }

/// Whether `v` is the float constant `expected` (to float precision).
static bool isConstant(Value v, double expected) {
  FloatAttr attr;
  if (!matchPattern(v, m_Constant(&attr)))
    return false;
  return std::abs(attr.getValueAsDouble() - expected) <=
         1e-6 * std::abs(expected);
}

/// If `v` = lhs ∘ rhs for the binary op OpTy, in either operand order, calls
/// `match(a, b)` with both orders and returns whether one matched.
template <typename OpTy>
static bool matchCommutative(Value v,
                             llvm::function_ref<bool(Value, Value)> match) {
  auto op = v.getDefiningOp<OpTy>();
  return op &&
         (match(op.getLhs(), op.getRhs()) || match(op.getRhs(), op.getLhs()));
}

//===----------------------------------------------------------------------===//
// Each form, given s
//===----------------------------------------------------------------------===//

/// sigmoid(s) = 1 / (1 + exp(−s)).
static bool isSigmoidOf(Value v, Value s) {
  auto div = v.getDefiningOp<arith::DivFOp>();
  if (!div || !isOne(div.getLhs()))
    return false;
  auto add = div.getRhs().getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value e = isOne(add.getLhs()) ? add.getRhs() : add.getLhs();
  if (!isOne(add.getLhs()) && !isOne(add.getRhs()))
    return false;
  auto exp = e.getDefiningOp<math::ExpOp>();
  if (!exp)
    return false;
  auto neg = exp.getOperand().getDefiningOp<arith::NegFOp>();
  return neg && neg.getOperand() == s;
}

/// GELU, 0.5·s·(1 + erf(s/√2)) or 0.5·s·(1 + tanh(√(2/π)·(s + 0.044715·s³))),
/// written as products and sums in any operand order: (0.5·s)·(1 + g) or
/// 0.5·(s·(1 + g)), with s/√2 as s·(1/√2) and s³ as (s·s)·s or s·(s·s).
static ActivationKind matchGeluOf(Value value, Value s) {
  // 1 + g, where g is erf or tanh of the right argument.
  auto onePlus = [&](Value v) -> ActivationKind {
    ActivationKind found = ActivationKind::None;
    matchCommutative<arith::AddFOp>(v, [&](Value one, Value g) {
      if (!isConstant(one, 1.0))
        return false;
      if (auto erf = g.getDefiningOp<math::ErfOp>()) {
        if (matchCommutative<arith::MulFOp>(
                erf.getOperand(), [&](Value x, Value c) {
                  return x == s && isConstant(c, 0.70710678118654752);
                }))
          found = ActivationKind::GeluErf;
      } else if (auto tanh = g.getDefiningOp<math::TanhOp>()) {
        auto isCube = [&](Value v) {
          return matchCommutative<arith::MulFOp>(v, [&](Value a, Value b) {
            return a == s &&
                   matchCommutative<arith::MulFOp>(
                       b, [&](Value c, Value d) { return c == s && d == s; });
          });
        };
        // √(2/π)·(s + 0.044715·s³)
        if (matchCommutative<arith::MulFOp>(
                tanh.getOperand(), [&](Value c, Value inner) {
                  return isConstant(c, 0.79788456080286536) &&
                         matchCommutative<arith::AddFOp>(
                             inner, [&](Value x, Value cubic) {
                               return x == s &&
                                      matchCommutative<arith::MulFOp>(
                                          cubic, [&](Value k, Value cube) {
                                            return isConstant(k, 0.044715) &&
                                                   isCube(cube);
                                          });
                             });
                }))
          found = ActivationKind::GeluTanh;
      }
      return found != ActivationKind::None;
    });
    return found;
  };
  ActivationKind found = ActivationKind::None;
  // (0.5·s)·(1 + g)
  matchCommutative<arith::MulFOp>(value, [&](Value half, Value rest) {
    if (matchCommutative<arith::MulFOp>(half, [&](Value h, Value x) {
          return isConstant(h, 0.5) && x == s;
        }))
      found = onePlus(rest);
    return found != ActivationKind::None;
  });
  if (found != ActivationKind::None)
    return found;
  // 0.5·(s·(1 + g))
  matchCommutative<arith::MulFOp>(value, [&](Value h, Value rest) {
    if (!isConstant(h, 0.5))
      return false;
    matchCommutative<arith::MulFOp>(rest, [&](Value x, Value sum) {
      if (x == s)
        found = onePlus(sum);
      return found != ActivationKind::None;
    });
    return found != ActivationKind::None;
  });
  return found;
}

/// The activation that `value` applies to `s`, if any.
static ActivationKind matchActivationOf(Value value, Value s) {
  Operation *op = value.getDefiningOp();
  if (!op || !s)
    return ActivationKind::None;
  if (auto tanh = dyn_cast<math::TanhOp>(op))
    return tanh.getOperand() == s ? ActivationKind::Tanh : ActivationKind::None;
  if (isSigmoidOf(value, s))
    return ActivationKind::Sigmoid;
  if (ActivationKind gelu = matchGeluOf(value, s); gelu != ActivationKind::None)
    return gelu;
  if (auto mul = dyn_cast<arith::MulFOp>(op)) {
    if ((mul.getLhs() == s && isSigmoidOf(mul.getRhs(), s)) ||
        (mul.getRhs() == s && isSigmoidOf(mul.getLhs(), s)))
      return ActivationKind::Silu;
    return ActivationKind::None;
  }
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(op)) {
    Value lhs = op->getOperand(0), rhs = op->getOperand(1);
    if ((lhs == s && isZero(rhs)) || (rhs == s && isZero(lhs)))
      return ActivationKind::Relu;
    return ActivationKind::None;
  }
  auto select = dyn_cast<arith::SelectOp>(op);
  if (!select || select.getTrueValue() != s)
    return ActivationKind::None;
  auto cmp = select.getCondition().getDefiningOp<arith::CmpFOp>();
  if (!cmp || cmp.getPredicate() != arith::CmpFPredicate::OGT ||
      cmp.getLhs() != s || !isZero(cmp.getRhs()))
    return ActivationKind::None;
  if (isZero(select.getFalseValue()))
    return ActivationKind::Relu;
  auto expm1 = select.getFalseValue().getDefiningOp<math::ExpM1Op>();
  if (expm1 && expm1.getOperand() == s)
    return ActivationKind::Elu;
  return ActivationKind::None;
}

//===----------------------------------------------------------------------===//
// Candidates for s
//===----------------------------------------------------------------------===//

/// Calls `visit` with every value that could be s in some form of `value`:
/// whatever s is in a successful match is among them.
static void forEachCandidateInput(Value value,
                                  llvm::function_ref<void(Value)> visit) {
  Operation *op = value.getDefiningOp();
  if (!op)
    return;
  // tanh(s), max(s, 0), select(s > 0, s, ...).
  if (isa<math::TanhOp, arith::MaximumFOp, arith::MaxNumFOp>(op)) {
    for (Value operand : op->getOperands())
      visit(operand);
    return;
  }
  if (auto select = dyn_cast<arith::SelectOp>(op)) {
    visit(select.getTrueValue());
    return;
  }
  // sigmoid: 1 / (1 + exp(−s)), s the negation's operand.
  if (auto div = dyn_cast<arith::DivFOp>(op)) {
    if (auto add = div.getRhs().getDefiningOp<arith::AddFOp>())
      for (Value term : add->getOperands())
        if (auto exp = term.getDefiningOp<math::ExpOp>())
          if (auto neg = exp.getOperand().getDefiningOp<arith::NegFOp>())
            visit(neg.getOperand());
    return;
  }
  // SiLU: s·sigmoid(s); GELU: (0.5·s)·(1 + g) or 0.5·(s·(1 + g)).
  if (auto mul = dyn_cast<arith::MulFOp>(op)) {
    for (Value factor : mul->getOperands()) {
      visit(factor);
      if (auto inner = factor.getDefiningOp<arith::MulFOp>())
        for (Value x : inner->getOperands())
          visit(x);
    }
  }
}

ActivationMatch mlir::fm::matchActivation(Value value, Value input) {
  if (input) {
    ActivationKind kind = matchActivationOf(value, input);
    if (kind == ActivationKind::None)
      return {};
    return {kind, input};
  }
  ActivationMatch match;
  forEachCandidateInput(value, [&](Value s) {
    if (match)
      return;
    if (ActivationKind kind = matchActivationOf(value, s);
        kind != ActivationKind::None)
      match = {kind, s};
  });
  return match;
}
