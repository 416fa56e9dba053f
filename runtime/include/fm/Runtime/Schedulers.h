//===- Schedulers.h - Affine-path schedulers in double precision -*- C++
//-*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The schedulers (α_t, σ_t) of the affine probability path
// x_t = σ_t·x0 + α_t·x1, with their time derivatives and the inverse of the
// signal-to-noise ratio α_t/σ_t. Conventions follow the `flow_matching`
// library: t = 0 is the source (noise) and t = 1 is the data.
//
// This header belongs to the runtime core: it depends on nothing but the C++
// standard library, so the runtime, the compiler and the tests share one
// definition of the math. The compiler's `#fm.*` scheduler attributes convert
// to `fm::Scheduler` and emit the same formulas as IR.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_SCHEDULERS_H
#define FM_RUNTIME_SCHEDULERS_H

#include <cstdint>

namespace fmrt {

/// α_t, σ_t and their derivatives with respect to t.
struct SchedulerValues {
  double alpha;
  double sigma;
  double dAlpha;
  double dSigma;
};

/// A scheduler of the affine path. A small value type: the kind and at most
/// two real parameters.
class Scheduler {
public:
  enum class Kind : std::uint8_t {
    /// α = t, σ = 1 − t.
    CondOT,
    /// α = tⁿ, σ = 1 − tⁿ (`PolynomialConvexScheduler`).
    Polynomial,
    /// Variance preserving, α = exp(−T/2), σ = √(1 − exp(−T)) with
    /// T = ½(1−t)²(β_max−β_min) + (1−t)β_min.
    VP,
    /// α = t, σ = √(1 − t²).
    LinearVP,
    /// α = sin(πt/2), σ = cos(πt/2).
    Cosine,
  };

  static Scheduler condOT() { return Scheduler(Kind::CondOT, 0, 0); }
  static Scheduler polynomial(double n) {
    return Scheduler(Kind::Polynomial, n, 0);
  }
  static Scheduler vp(double betaMin, double betaMax) {
    return Scheduler(Kind::VP, betaMin, betaMax);
  }
  static Scheduler linearVP() { return Scheduler(Kind::LinearVP, 0, 0); }
  static Scheduler cosine() { return Scheduler(Kind::Cosine, 0, 0); }

  Kind getKind() const { return kind; }
  /// The exponent n of a polynomial scheduler.
  double getExponent() const { return p0; }
  double getBetaMin() const { return p0; }
  double getBetaMax() const { return p1; }

  /// Evaluates the scheduler at time t. Like the reference implementation,
  /// no clamping is done: VP and linear-VP have σ̇ = ∓∞ at t = 1.
  SchedulerValues evaluate(double t) const;

  /// The time t at which α_t/σ_t equals `snr` (`snr_inverse` in the
  /// reference). Defined for snr ≥ 0.
  double snrInverse(double snr) const;

private:
  Scheduler(Kind kind, double p0, double p1) : kind(kind), p0(p0), p1(p1) {}

  Kind kind;
  double p0;
  double p1;
};

} // namespace fmrt

#endif // FM_RUNTIME_SCHEDULERS_H
