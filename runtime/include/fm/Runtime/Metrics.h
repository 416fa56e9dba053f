//===- Metrics.h - Sample-quality metrics between point sets ----*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Distances between two empirical distributions, each given as a row-major
// [n, dim] float array of points with uniform weights: the exact
// 2-Wasserstein distance, the energy distance and the squared maximum mean
// discrepancy with Gaussian kernels. All arithmetic is in double precision.
//
// The metrics report bad inputs through MetricResult instead of throwing or
// asserting: empty sets, a non-positive dimension, sizes the metric cannot
// compare, NaN or ±inf coordinates and invalid bandwidths.
//
// The exact W2 needs an optimal matching of the two sets, which
// solveLinearAssignment computes with the shortest augmenting path method of
// Jonker and Volgenant, "A shortest augmenting path algorithm for dense and
// sparse linear assignment problems", Computing 38 (1987). Its
// initialisation (column reduction and augmenting row reduction) is replaced
// by a capped ε-scaling auction (Bertsekas, 1988), which on the geometric
// costs of W2 leaves far shorter augmenting paths; the augmentation phase,
// one Dijkstra-like shortest path per row left unassigned, makes the result
// exact whatever the auction did. The worst case is O(n³) time (n = 2000
// points of the 2-D toy datasets take well under a second on one core);
// memory is O(n²) for the cost matrix (32 MB for n = 2000).
//
// This header belongs to the runtime core: plain C++17, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_METRICS_H
#define FM_RUNTIME_METRICS_H

#include <cstddef>
#include <cstdint>
#include <optional>

namespace fmrt {

/// Why a metric could not be computed.
enum class MetricError : uint8_t {
  /// No error: the value is valid.
  None,
  /// A point set has fewer points than the metric needs (one for W2 and the
  /// energy distance, two for the unbiased MMD²), or a pointer is null while
  /// its set is not empty.
  TooFewPoints,
  /// The dimension is zero or negative.
  BadDimension,
  /// The two sets differ in size and the metric needs equal sizes (W2).
  SizeMismatch,
  /// A coordinate is NaN or ±inf.
  NonFinite,
  /// A bandwidth is zero, negative or not finite, or the list of bandwidths
  /// is empty.
  BadBandwidth,
};

/// A short English description of `error`, e.g. "the point sets differ in
/// size". Never null.
const char *describeMetricError(MetricError error);

/// The value of a metric, or the reason there is none.
struct MetricResult {
  /// The metric's value; 0 when `error` is not None.
  double value = 0.0;
  MetricError error = MetricError::None;

  bool ok() const { return error == MetricError::None; }
};

/// The exact 2-Wasserstein distance between the empirical distributions of
/// the [n, dim] row-major arrays `x` and `y`, with weight 1/n on every point:
///
///   W2 = sqrt( min over permutations π of (1/n) Σ_i ||x_i − y_π(i)||² ).
///
/// The minimum is found exactly by solveLinearAssignment on the matrix of
/// squared Euclidean distances, computed in double precision. The sets must
/// have the same size (SizeMismatch otherwise) and at least one point.
MetricResult wasserstein2(const float *x, int64_t nx, const float *y,
                          int64_t ny, int64_t dim);

/// The energy distance of Székely and Rizzo between the empirical
/// distributions of `x` ([nx, dim]) and `y` ([ny, dim]):
///
///   E = 2·E||X − Y|| − E||X − X'|| − E||Y − Y'||,
///
/// where every expectation is the V-statistic, the mean over all ordered
/// pairs including the pairs of a point with itself (which contribute 0):
///
///   E = 2/(nx·ny) Σ_ij ||x_i − y_j|| − 1/nx² Σ_ij ||x_i − x_j||
///                                    − 1/ny² Σ_ij ||y_i − y_j||.
///
/// This is the energy distance of the two empirical distributions
/// themselves, so it is never negative (up to rounding) and is 0 when the
/// sets hold the same points. It is the squared form: its square root is a
/// metric on distributions. The sizes may differ. O(nx·ny + nx² + ny²) time.
MetricResult energyDistance(const float *x, int64_t nx, const float *y,
                            int64_t ny, int64_t dim);

/// The unbiased estimate of the squared maximum mean discrepancy between the
/// distributions that produced `x` ([nx, dim]) and `y` ([ny, dim]), with the
/// Gaussian kernel k(a, b) = exp(−||a − b||² / (2·bandwidth²)):
///
///   MMD²_u = 1/(nx(nx−1)) Σ_{i≠j} k(x_i, x_j) + 1/(ny(ny−1)) Σ_{i≠j}
///            k(y_i, y_j) − 2/(nx·ny) Σ_ij k(x_i, y_j)
///
/// (Gretton et al., "A kernel two-sample test", JMLR 13 (2012), eq. 3). Being
/// unbiased, it can be slightly negative; for two copies of the same n points
/// it lies in [−2/n, 0]. Each set needs at least two points; the sizes may
/// differ. `bandwidth` must be positive and finite.
MetricResult mmd2Rbf(const float *x, int64_t nx, const float *y, int64_t ny,
                     int64_t dim, double bandwidth);

/// The bandwidths of mmd2RbfMulti's default: 0.1, 0.2, 0.5, 1 and 2, which
/// cover the scales of the 2-D toy datasets (unit-scale moons to the radius-4
/// eight Gaussians).
inline constexpr double kDefaultMmdBandwidths[] = {0.1, 0.2, 0.5, 1.0, 2.0};

/// The sum over `bandwidths` of mmd2Rbf with each bandwidth: the unbiased
/// MMD² for the kernel Σ_b exp(−||a − b||² / (2·b²)), which is sensitive at
/// every one of those scales. The pairwise distances are computed once.
/// `bandwidths` must hold `numBandwidths` ≥ 1 positive finite values.
MetricResult mmd2RbfMulti(const float *x, int64_t nx, const float *y,
                          int64_t ny, int64_t dim, const double *bandwidths,
                          size_t numBandwidths);

/// mmd2RbfMulti with kDefaultMmdBandwidths.
MetricResult mmd2RbfMulti(const float *x, int64_t nx, const float *y,
                          int64_t ny, int64_t dim);

/// Solves the linear assignment problem for the row-major [n, n] matrix
/// `cost`: finds the permutation π minimising Σ_i cost[i·n + π(i)], stores
/// π(i) in `rowToCol[i]` when `rowToCol` is not null, and returns that
/// minimal sum. The method is Jonker–Volgenant's with an auction warm start
/// (see the file header); the result is exact up to the rounding of the
/// double arithmetic on the costs and prices.
///
/// Returns nullopt, leaving `rowToCol` unchanged, if n is negative, `cost`
/// is null while n > 0, a cost is NaN or ±inf, or the costs span more than
/// the double range. For n = 0 the sum is 0.
std::optional<double> solveLinearAssignment(const double *cost, int64_t n,
                                            int64_t *rowToCol);

} // namespace fmrt

#endif // FM_RUNTIME_METRICS_H
