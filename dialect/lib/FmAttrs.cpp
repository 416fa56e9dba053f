//===- FmAttrs.cpp - Attributes of the fm dialect -------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Dialect/FmAttrs.h"
#include "fm/Dialect/FmDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>

using namespace mlir;
using namespace mlir::fm;

#include "fm/Dialect/FmAttrInterfaces.cpp.inc"
#include "fm/Dialect/FmEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "fm/Dialect/FmAttrs.cpp.inc"

void FmDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "fm/Dialect/FmAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Parameter parsing and printing
//===----------------------------------------------------------------------===//

FailureOr<llvm::APFloat> mlir::fm::parseF64Parameter(AsmParser &parser) {
  double value;
  if (parser.parseFloat(value))
    return failure();
  return llvm::APFloat(value);
}

std::string mlir::fm::formatF64(const llvm::APFloat &value) {
  if (!value.isFinite())
    return value.isNaN() ? "nan" : (value.isNegative() ? "-inf" : "inf");
  double v = value.convertToDouble();
  if (v == 0.0)
    return value.isNegative() ? "-0.0" : "0.0";
  int digits = 1;
  std::string text;
  for (; digits <= 17; ++digits) {
    text = llvm::formatv("{0}", llvm::format("%.*g", digits, v)).str();
    if (std::strtod(text.c_str(), nullptr) == v)
      break;
  }
  int exponent = static_cast<int>(std::floor(std::log10(std::abs(v))));
  if (exponent >= -4 && exponent < 16)
    text =
        llvm::formatv(
            "{0}", llvm::format("%.*f", std::max(0, digits - 1 - exponent), v))
            .str();
  if (text.find('.') == std::string::npos) {
    size_t e = text.find('e');
    text.insert(e == std::string::npos ? text.size() : e, ".0");
  }
  return text;
}

void mlir::fm::printF64Parameter(AsmPrinter &printer,
                                 const llvm::APFloat &value) {
  printer << formatF64(value);
}

//===----------------------------------------------------------------------===//
// Emission helpers
//===----------------------------------------------------------------------===//

namespace {
/// Emits scalar float arithmetic in the element type of `t`.
class ScalarEmitter {
public:
  ScalarEmitter(OpBuilder &builder, Location loc, Value t)
      : b(builder), loc(loc), type(llvm::cast<FloatType>(t.getType())) {}

  FloatAttr attr(double v) const { return b.getFloatAttr(type, v); }
  Value constant(double v) const {
    return arith::ConstantOp::create(b, loc, type, attr(v));
  }
  Value add(Value x, Value y) const {
    return arith::AddFOp::create(b, loc, x, y);
  }
  Value sub(Value x, Value y) const {
    return arith::SubFOp::create(b, loc, x, y);
  }
  Value mul(Value x, Value y) const {
    return arith::MulFOp::create(b, loc, x, y);
  }
  Value mul(double c, Value x) const { return mul(constant(c), x); }
  Value div(Value x, Value y) const {
    return arith::DivFOp::create(b, loc, x, y);
  }
  Value neg(Value x) const { return arith::NegFOp::create(b, loc, x); }
  Value exp(Value x) const { return math::ExpOp::create(b, loc, x); }
  Value sqrt(Value x) const { return math::SqrtOp::create(b, loc, x); }
  Value sin(Value x) const { return math::SinOp::create(b, loc, x); }
  Value cos(Value x) const { return math::CosOp::create(b, loc, x); }
  Value pow(Value x, double n) const {
    return math::PowFOp::create(b, loc, x, constant(n));
  }

private:
  OpBuilder &b;
  Location loc;
  FloatType type;
};
} // namespace

//===----------------------------------------------------------------------===//
// CondOTAttr
//===----------------------------------------------------------------------===//

::fmrt::Scheduler CondOTAttr::getScheduler() const {
  return ::fmrt::Scheduler::condOT();
}

SchedulerCoefficients
CondOTAttr::buildCoefficients(OpBuilder &builder, Location loc, Value t) const {
  ScalarEmitter e(builder, loc, t);
  return {t, e.sub(e.constant(1.0), t), e.attr(1.0), e.attr(-1.0)};
}

//===----------------------------------------------------------------------===//
// PolynomialAttr
//===----------------------------------------------------------------------===//

LogicalResult
PolynomialAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       llvm::APFloat exponent) {
  if (!exponent.isFinite() || exponent.convertToDouble() <= 0.0)
    return emitError() << "polynomial scheduler exponent must be a finite "
                          "number greater than 0, got "
                       << formatF64(exponent);
  return success();
}

::fmrt::Scheduler PolynomialAttr::getScheduler() const {
  return ::fmrt::Scheduler::polynomial(getExponent().convertToDouble());
}

SchedulerCoefficients PolynomialAttr::buildCoefficients(OpBuilder &builder,
                                                        Location loc,
                                                        Value t) const {
  ScalarEmitter e(builder, loc, t);
  double n = getExponent().convertToDouble();
  if (n == 1.0)
    return {t, e.sub(e.constant(1.0), t), e.attr(1.0), e.attr(-1.0)};
  // tⁿ and n·tⁿ⁻¹; the common n = 2 avoids math.powf.
  Value tn = n == 2.0 ? e.mul(t, t) : e.pow(t, n);
  Value dtn = e.mul(n, n == 2.0 ? t : e.pow(t, n - 1.0));
  return {tn, e.sub(e.constant(1.0), tn), dtn, e.neg(dtn)};
}

//===----------------------------------------------------------------------===//
// VPAttr
//===----------------------------------------------------------------------===//

LogicalResult VPAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                             llvm::APFloat betaMin, llvm::APFloat betaMax) {
  if (!betaMin.isFinite() || !betaMax.isFinite())
    return emitError() << "VP scheduler betas must be finite";
  if (betaMin.convertToDouble() < 0.0)
    return emitError() << "VP scheduler beta_min must be >= 0, got "
                       << formatF64(betaMin);
  if (betaMin.convertToDouble() >= betaMax.convertToDouble())
    return emitError() << "VP scheduler requires beta_min < beta_max, got "
                       << formatF64(betaMin) << " and " << formatF64(betaMax);
  return success();
}

::fmrt::Scheduler VPAttr::getScheduler() const {
  return ::fmrt::Scheduler::vp(getBetaMin().convertToDouble(),
                               getBetaMax().convertToDouble());
}

SchedulerCoefficients VPAttr::buildCoefficients(OpBuilder &builder,
                                                Location loc, Value t) const {
  ScalarEmitter e(builder, loc, t);
  ::fmrt::Scheduler scheduler = getScheduler();
  double b = scheduler.getBetaMin();
  double range = scheduler.getBetaMax() - b;
  // s = 1 − t, T = ½s²(B−b) + s·b, T′ = −s(B−b) − b.
  // One op per statement: the order of the emitted IR must not depend on the
  // compiler's order of evaluating function arguments.
  Value s = e.sub(e.constant(1.0), t);
  Value halfRangeS = e.mul(0.5 * range, s);
  Value bigT = e.mul(s, e.add(halfRangeS, e.constant(b)));
  Value minusRangeS = e.mul(-range, s);
  Value dBigT = e.sub(minusRangeS, e.constant(b));
  Value alpha = e.exp(e.mul(-0.5, bigT));
  Value expMinusT = e.exp(e.neg(bigT));
  Value sigma = e.sqrt(e.sub(e.constant(1.0), expMinusT));
  Value halfDBigT = e.mul(0.5, dBigT);
  Value dAlpha = e.neg(e.mul(halfDBigT, alpha));
  Value dSigma = e.div(e.mul(halfDBigT, expMinusT), sigma);
  return {alpha, sigma, dAlpha, dSigma};
}

//===----------------------------------------------------------------------===//
// LinearVPAttr
//===----------------------------------------------------------------------===//

::fmrt::Scheduler LinearVPAttr::getScheduler() const {
  return ::fmrt::Scheduler::linearVP();
}

SchedulerCoefficients LinearVPAttr::buildCoefficients(OpBuilder &builder,
                                                      Location loc,
                                                      Value t) const {
  ScalarEmitter e(builder, loc, t);
  Value tSquared = e.mul(t, t);
  Value sigma = e.sqrt(e.sub(e.constant(1.0), tSquared));
  return {t, sigma, e.attr(1.0), e.neg(e.div(t, sigma))};
}

//===----------------------------------------------------------------------===//
// CosineAttr
//===----------------------------------------------------------------------===//

::fmrt::Scheduler CosineAttr::getScheduler() const {
  return ::fmrt::Scheduler::cosine();
}

SchedulerCoefficients
CosineAttr::buildCoefficients(OpBuilder &builder, Location loc, Value t) const {
  ScalarEmitter e(builder, loc, t);
  constexpr double halfPi = 1.57079632679489661923;
  Value angle = e.mul(halfPi, t);
  Value alpha = e.sin(angle), sigma = e.cos(angle);
  return {alpha, sigma, e.mul(halfPi, sigma), e.mul(-halfPi, alpha)};
}

//===----------------------------------------------------------------------===//
// Optimizers and time distributions
//===----------------------------------------------------------------------===//

/// Checks Adam's hyper-parameters with the bounds `fm.adam_update` verifies.
static LogicalResult
verifyAdamFamily(function_ref<InFlightDiagnostic()> emitError,
                 StringRef optimizer, const llvm::APFloat &lr,
                 const llvm::APFloat &beta1, const llvm::APFloat &beta2,
                 const llvm::APFloat &eps, const llvm::APFloat &weightDecay) {
  auto check = [&](const llvm::APFloat &value, bool ok,
                   StringRef what) -> LogicalResult {
    if (value.isFinite() && ok)
      return success();
    return emitError() << optimizer << " " << what << ", got "
                       << formatF64(value);
  };
  double b1 = beta1.convertToDouble(), b2 = beta2.convertToDouble();
  if (failed(check(lr, lr.convertToDouble() > 0,
                   "lr must be a finite number > 0")) ||
      failed(check(beta1, b1 >= 0 && b1 < 1, "beta1 must be in [0, 1)")) ||
      failed(check(beta2, b2 >= 0 && b2 < 1, "beta2 must be in [0, 1)")) ||
      failed(check(eps, eps.convertToDouble() > 0,
                   "eps must be a finite number > 0")) ||
      failed(check(weightDecay, weightDecay.convertToDouble() >= 0,
                   "weight_decay must be a finite number >= 0")))
    return failure();
  return success();
}

LogicalResult AdamAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               llvm::APFloat lr, llvm::APFloat beta1,
                               llvm::APFloat beta2, llvm::APFloat eps,
                               llvm::APFloat weightDecay) {
  return verifyAdamFamily(emitError, "Adam", lr, beta1, beta2, eps,
                          weightDecay);
}

LogicalResult AdamWAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                llvm::APFloat lr, llvm::APFloat beta1,
                                llvm::APFloat beta2, llvm::APFloat eps,
                                llvm::APFloat weightDecay) {
  return verifyAdamFamily(emitError, "AdamW", lr, beta1, beta2, eps,
                          weightDecay);
}

LogicalResult
LogitNormalTimeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                            llvm::APFloat mean, llvm::APFloat std) {
  if (!mean.isFinite())
    return emitError() << "logit-normal time mean must be finite, got "
                       << formatF64(mean);
  if (!std.isFinite() || std.convertToDouble() <= 0)
    return emitError()
           << "logit-normal time std must be a finite number > 0, got "
           << formatF64(std);
  return success();
}

LogicalResult
MeanFlowLossAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                         llvm::APFloat ratio, llvm::APFloat p,
                         llvm::APFloat c) {
  if (!ratio.isFinite() || ratio.convertToDouble() < 0 ||
      ratio.convertToDouble() > 1)
    return emitError() << "meanflow ratio must be in [0, 1], got "
                       << formatF64(ratio);
  if (!p.isFinite() || p.convertToDouble() < 0)
    return emitError() << "meanflow p must be a finite number >= 0, got "
                       << formatF64(p);
  if (!c.isFinite() || c.convertToDouble() <= 0)
    return emitError() << "meanflow c must be a finite number > 0, got "
                       << formatF64(c);
  return success();
}
