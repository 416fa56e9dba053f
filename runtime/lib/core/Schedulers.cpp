//===- Schedulers.cpp - Affine-path schedulers in double precision --------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Schedulers.h"

#include <cmath>

using namespace fmrt;

static constexpr double kHalfPi = 1.57079632679489661923;

SchedulerValues Scheduler::evaluate(double t) const {
  switch (kind) {
  case Kind::CondOT:
    return {t, 1.0 - t, 1.0, -1.0};
  case Kind::Polynomial: {
    double n = getExponent();
    double tn = std::pow(t, n);
    double dtn = n * std::pow(t, n - 1.0);
    return {tn, 1.0 - tn, dtn, -dtn};
  }
  case Kind::VP: {
    double b = getBetaMin(), bigB = getBetaMax();
    double s = 1.0 - t;
    double bigT = 0.5 * s * s * (bigB - b) + s * b;
    double dBigT = -s * (bigB - b) - b;
    double alpha = std::exp(-0.5 * bigT);
    double sigma = std::sqrt(1.0 - std::exp(-bigT));
    return {alpha, sigma, -0.5 * dBigT * alpha,
            0.5 * dBigT * std::exp(-bigT) / sigma};
  }
  case Kind::LinearVP: {
    double sigma = std::sqrt(1.0 - t * t);
    return {t, sigma, 1.0, -t / sigma};
  }
  case Kind::Cosine: {
    double alpha = std::sin(kHalfPi * t), sigma = std::cos(kHalfPi * t);
    return {alpha, sigma, kHalfPi * sigma, -kHalfPi * alpha};
  }
  }
  return {0, 0, 0, 0};
}

double Scheduler::snrInverse(double snr) const {
  switch (kind) {
  case Kind::CondOT:
    // Convex schedulers invert κ = snr / (1 + snr).
    return snr / (1.0 + snr);
  case Kind::Polynomial:
    return std::pow(snr / (1.0 + snr), 1.0 / getExponent());
  case Kind::VP: {
    double b = getBetaMin(), bigB = getBetaMax();
    double bigT = -std::log(snr * snr / (snr * snr + 1.0));
    return 1.0 - (-b + std::sqrt(b * b + 2.0 * (bigB - b) * bigT)) / (bigB - b);
  }
  case Kind::LinearVP:
    return std::sqrt(snr * snr / (1.0 + snr * snr));
  case Kind::Cosine:
    return 2.0 * std::atan(snr) / (2.0 * kHalfPi);
  }
  return 0;
}
