//===- Metrics.cpp - Sample-quality metrics between point sets ------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The assignment solver keeps column prices v and, implicitly, row prices
// u_i = min_j (c_ij − v_j). A capped ε-scaling auction finds good prices
// and assigns most rows. Every row whose column does not have its smallest
// reduced cost c_ij − v_j exactly is then released, which establishes the
// invariant of Jonker and Volgenant's augmentation phase: every assigned
// row is assigned to a column of minimal reduced cost. Each augmentation is
// a shortest path from a free row to a free column in the reduced costs,
// which are non-negative, so Dijkstra's method applies; updating the prices
// of the columns it finished keeps the invariant, and the final assignment
// is optimal because it is complementary to the feasible dual (u, v). The
// result does not depend on how well the auction did, only the time does.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Metrics.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <utility>
#include <vector>

using namespace fmrt;

const char *fmrt::describeMetricError(MetricError error) {
  switch (error) {
  case MetricError::None:
    return "no error";
  case MetricError::TooFewPoints:
    return "a point set has too few points";
  case MetricError::BadDimension:
    return "the dimension is not positive";
  case MetricError::SizeMismatch:
    return "the point sets differ in size";
  case MetricError::NonFinite:
    return "a coordinate is NaN or infinite";
  case MetricError::BadBandwidth:
    return "a kernel bandwidth is not positive and finite";
  }
  return "unknown metric error";
}

static MetricResult failure(MetricError error) { return {0.0, error}; }

/// Checks a point set of `n` points of dimension `dim`, which must hold at
/// least `minPoints` points, all of them finite.
static MetricError checkPoints(const float *points, int64_t n, int64_t dim,
                               int64_t minPoints) {
  if (n < minPoints || n < 0 || (n > 0 && !points))
    return MetricError::TooFewPoints;
  for (int64_t k = 0, e = n * dim; k < e; ++k)
    if (!std::isfinite(points[k]))
      return MetricError::NonFinite;
  return MetricError::None;
}

/// Checks both sets of a two-sample metric; the dimension first.
static MetricError checkSets(const float *x, int64_t nx, const float *y,
                             int64_t ny, int64_t dim, int64_t minPoints) {
  if (dim <= 0)
    return MetricError::BadDimension;
  if (MetricError error = checkPoints(x, nx, dim, minPoints);
      error != MetricError::None)
    return error;
  return checkPoints(y, ny, dim, minPoints);
}

/// The squared Euclidean distance between two points of dimension `dim`.
static double squaredDistance(const double *a, const double *b, int64_t dim) {
  double sum = 0.0;
  for (int64_t k = 0; k < dim; ++k) {
    double diff = a[k] - b[k];
    sum += diff * diff;
  }
  return sum;
}

/// The points as doubles, so that distances are computed in double
/// precision.
static std::vector<double> toDouble(const float *points, int64_t n,
                                    int64_t dim) {
  return std::vector<double>(points, points + n * dim);
}

//===----------------------------------------------------------------------===//
// Linear assignment (Jonker–Volgenant)
//===----------------------------------------------------------------------===//

namespace {
/// The state of one run of the solver on an [n, n] matrix with n ≥ 2.
class AssignmentSolver {
public:
  AssignmentSolver(const double *cost, int64_t n)
      : cost(cost), n(n), rowToCol(n, -1), colToRow(n, -1), price(n, 0.0),
        dist(n), pred(n), columns(n) {}

  /// Finds an optimal assignment of the rows; `costRange` is the difference
  /// between the largest and the smallest cost, finite and non-negative.
  const std::vector<int64_t> &solve(double costRange) {
    if (costRange > 0.0)
      warmStartByAuction(costRange);
    releaseRowsOffTheirMinimum();
    for (int64_t row = 0; row < n; ++row)
      if (rowToCol[row] < 0)
        augment(row);
    return rowToCol;
  }

private:
  double at(int64_t row, int64_t col) const { return cost[row * n + col]; }

  /// Bertsekas's auction with ε-scaling ("The auction algorithm: a
  /// distributed relaxation method for the assignment problem", Annals of
  /// Operations Research 14 (1988)), in the form of Jonker and Volgenant's
  /// augmenting row reduction: a free row takes the column of its smallest
  /// reduced cost c_ij − v_j and lowers that column's price v_j until the
  /// column is ε worse for it than its second best; the row that held the
  /// column becomes free. Augmenting row reduction is this auction with
  /// ε = 0, which can stall on geometric costs where many columns are
  /// nearly tied; a positive ε guarantees progress, and scaling ε down from
  /// a quarter of the cost range to 10⁻⁷ of it (each round starting with
  /// every row free and the prices of the round before) keeps the number of
  /// bids small.
  ///
  /// Only a warm start: the rows it leaves assigned satisfy ε-complementary
  /// slackness, not exact complementary slackness, and
  /// releaseRowsOffTheirMinimum() and augment() make the result exact
  /// whatever the auction did. Its work is therefore capped, so that no
  /// input can make it slow.
  void warmStartByAuction(double costRange) {
    const double finalEpsilon = costRange * 1e-7;
    int64_t bidBudget = 200 * n + 4096;
    std::vector<int64_t> bidders, outbid;
    bidders.reserve(n);
    outbid.reserve(n);
    for (double epsilon = 0.25 * costRange;; epsilon *= 0.25) {
      epsilon = std::max(epsilon, finalEpsilon);
      std::fill(rowToCol.begin(), rowToCol.end(), -1);
      std::fill(colToRow.begin(), colToRow.end(), -1);
      bidders.clear();
      for (int64_t row = 0; row < n; ++row)
        bidders.push_back(row);
      while (!bidders.empty()) {
        outbid.clear();
        for (int64_t row : bidders) {
          if (bidBudget-- <= 0)
            return;
          int64_t col = bid(row, epsilon);
          int64_t previous = colToRow[col];
          colToRow[col] = row;
          rowToCol[row] = col;
          if (previous >= 0) {
            rowToCol[previous] = -1;
            outbid.push_back(previous);
          }
        }
        std::swap(bidders, outbid);
      }
      if (epsilon <= finalEpsilon)
        return;
    }
  }

  /// Row `row`'s bid: the column of its smallest reduced cost, whose price
  /// drops until the column is `epsilon` worse than the second smallest.
  int64_t bid(int64_t row, double epsilon) {
    const double *rowCost = cost + row * n;
    double best = rowCost[0] - price[0];
    double second = std::numeric_limits<double>::infinity();
    int64_t bestCol = 0;
    for (int64_t col = 1; col < n; ++col) {
      double reduced = rowCost[col] - price[col];
      if (reduced >= second)
        continue;
      if (reduced < best) {
        second = best;
        best = reduced;
        bestCol = col;
      } else {
        second = reduced;
      }
    }
    price[bestCol] -= (second - best) + epsilon;
    return bestCol;
  }

  /// Establishes the invariant of augment(): a row stays assigned only if
  /// its column has its smallest reduced cost exactly.
  void releaseRowsOffTheirMinimum() {
    for (int64_t row = 0; row < n; ++row) {
      int64_t own = rowToCol[row];
      if (own < 0)
        continue;
      const double *rowCost = cost + row * n;
      double ownReduced = rowCost[own] - price[own];
      for (int64_t col = 0; col < n; ++col) {
        if (rowCost[col] - price[col] < ownReduced) {
          rowToCol[row] = -1;
          colToRow[own] = -1;
          break;
        }
      }
    }
  }

  /// Jonker and Volgenant's augmentation: assigns the free row `start` along
  /// a shortest alternating path, in the reduced costs, to a free column and
  /// updates the prices. The columns are kept in `columns` in three parts:
  /// [0, low) are finished (their distance is final), [low, up) are at the
  /// current minimal distance and wait to be scanned, [up, n) are the rest.
  void augment(int64_t start) {
    for (int64_t col = 0; col < n; ++col) {
      dist[col] = at(start, col) - price[col];
      pred[col] = start;
      columns[col] = col;
    }

    int64_t low = 0, up = 0, finished = 0, end = -1;
    double minDist = 0.0;
    while (end < 0) {
      if (up == low) {
        // Collect the columns at the next smallest distance.
        finished = low;
        minDist = dist[columns[up++]];
        for (int64_t k = up; k < n; ++k) {
          int64_t col = columns[k];
          double d = dist[col];
          if (d > minDist)
            continue;
          if (d < minDist) {
            up = low;
            minDist = d;
          }
          columns[k] = columns[up];
          columns[up++] = col;
        }
        for (int64_t k = low; k < up; ++k) {
          if (colToRow[columns[k]] < 0) {
            end = columns[k];
            break;
          }
        }
        if (end >= 0)
          break;
      }

      // Scan one column at the minimal distance through its row.
      int64_t scanned = columns[low++];
      int64_t row = colToRow[scanned];
      double offset = at(row, scanned) - price[scanned] - minDist;
      const double *rowCost = cost + row * n;
      for (int64_t k = up; k < n; ++k) {
        int64_t col = columns[k];
        double d = rowCost[col] - price[col] - offset;
        if (d >= dist[col])
          continue;
        pred[col] = row;
        if (d == minDist) {
          if (colToRow[col] < 0) {
            end = col;
            break;
          }
          columns[k] = columns[up];
          columns[up++] = col;
        }
        dist[col] = d;
      }
    }

    for (int64_t k = 0; k < finished; ++k) {
      int64_t col = columns[k];
      price[col] += dist[col] - minDist;
    }

    // Flip the path: every column on it goes to its predecessor row.
    int64_t row;
    do {
      row = pred[end];
      colToRow[end] = row;
      std::swap(end, rowToCol[row]);
    } while (row != start);
  }

  const double *cost;
  int64_t n;
  std::vector<int64_t> rowToCol, colToRow;
  /// Column prices v.
  std::vector<double> price;
  /// Work arrays of augment(): distances, predecessor rows, column order.
  std::vector<double> dist;
  std::vector<int64_t> pred, columns;
};
} // namespace

std::optional<double> fmrt::solveLinearAssignment(const double *cost, int64_t n,
                                                  int64_t *rowToCol) {
  if (n < 0 || (n > 0 && !cost))
    return std::nullopt;
  double minCost = std::numeric_limits<double>::infinity();
  double maxCost = -minCost;
  for (int64_t k = 0, e = n * n; k < e; ++k) {
    if (!std::isfinite(cost[k]))
      return std::nullopt;
    minCost = std::min(minCost, cost[k]);
    maxCost = std::max(maxCost, cost[k]);
  }
  if (n == 0)
    return 0.0;
  double costRange = maxCost - minCost;
  if (!std::isfinite(costRange))
    return std::nullopt;
  if (n == 1) {
    if (rowToCol)
      rowToCol[0] = 0;
    return cost[0];
  }

  AssignmentSolver solver(cost, n);
  const std::vector<int64_t> &assignment = solver.solve(costRange);
  double total = 0.0;
  for (int64_t row = 0; row < n; ++row) {
    total += cost[row * n + assignment[row]];
    if (rowToCol)
      rowToCol[row] = assignment[row];
  }
  return total;
}

//===----------------------------------------------------------------------===//
// Metrics
//===----------------------------------------------------------------------===//

MetricResult fmrt::wasserstein2(const float *x, int64_t nx, const float *y,
                                int64_t ny, int64_t dim) {
  if (MetricError error = checkSets(x, nx, y, ny, dim, /*minPoints=*/1);
      error != MetricError::None)
    return failure(error);
  if (nx != ny)
    return failure(MetricError::SizeMismatch);

  int64_t n = nx;
  std::vector<double> xd = toDouble(x, n, dim), yd = toDouble(y, n, dim);
  std::vector<double> cost(static_cast<size_t>(n * n));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      cost[i * n + j] = squaredDistance(&xd[i * dim], &yd[j * dim], dim);

  std::optional<double> total =
      solveLinearAssignment(cost.data(), n, /*rowToCol=*/nullptr);
  // The costs are finite squares of finite differences, so the solver
  // cannot refuse them.
  if (!total)
    return failure(MetricError::NonFinite);
  return {std::sqrt(std::max(0.0, *total) / static_cast<double>(n)),
          MetricError::None};
}

/// Σ_ij ||a_i − b_j|| over all ordered pairs.
static double sumDistances(const std::vector<double> &a, int64_t na,
                           const std::vector<double> &b, int64_t nb,
                           int64_t dim) {
  double sum = 0.0;
  for (int64_t i = 0; i < na; ++i) {
    double rowSum = 0.0;
    for (int64_t j = 0; j < nb; ++j)
      rowSum += std::sqrt(squaredDistance(&a[i * dim], &b[j * dim], dim));
    sum += rowSum;
  }
  return sum;
}

/// Σ_ij ||a_i − a_j|| over all ordered pairs of one set, from the pairs
/// i < j.
static double sumDistancesWithin(const std::vector<double> &a, int64_t na,
                                 int64_t dim) {
  double sum = 0.0;
  for (int64_t i = 0; i < na; ++i) {
    double rowSum = 0.0;
    for (int64_t j = i + 1; j < na; ++j)
      rowSum += std::sqrt(squaredDistance(&a[i * dim], &a[j * dim], dim));
    sum += rowSum;
  }
  return 2.0 * sum;
}

MetricResult fmrt::energyDistance(const float *x, int64_t nx, const float *y,
                                  int64_t ny, int64_t dim) {
  if (MetricError error = checkSets(x, nx, y, ny, dim, /*minPoints=*/1);
      error != MetricError::None)
    return failure(error);
  std::vector<double> xd = toDouble(x, nx, dim), yd = toDouble(y, ny, dim);
  double fx = static_cast<double>(nx), fy = static_cast<double>(ny);
  double cross = sumDistances(xd, nx, yd, ny, dim) / (fx * fy);
  double withinX = sumDistancesWithin(xd, nx, dim) / (fx * fx);
  double withinY = sumDistancesWithin(yd, ny, dim) / (fy * fy);
  // The V-statistic is a squared distance between embeddings, so it is never
  // negative; summing the three terms in a different order can leave a
  // rounding residue of either sign (e.g. -1e-17 for a set and a copy of it).
  return {std::max(0.0, 2.0 * cross - withinX - withinY), MetricError::None};
}

MetricResult fmrt::mmd2Rbf(const float *x, int64_t nx, const float *y,
                           int64_t ny, int64_t dim, double bandwidth) {
  return mmd2RbfMulti(x, nx, y, ny, dim, &bandwidth, 1);
}

MetricResult fmrt::mmd2RbfMulti(const float *x, int64_t nx, const float *y,
                                int64_t ny, int64_t dim) {
  return mmd2RbfMulti(x, nx, y, ny, dim, kDefaultMmdBandwidths,
                      std::size(kDefaultMmdBandwidths));
}

namespace {
/// Sums of the Gaussian kernels of several bandwidths over pairs of points.
class KernelSums {
public:
  KernelSums(const double *bandwidths, size_t count) : sums(count, 0.0) {
    // k(a, b) = exp(−||a − b||² / (2h²)) = exp(scale · ||a − b||²).
    for (size_t b = 0; b < count; ++b)
      scales.push_back(-0.5 / (bandwidths[b] * bandwidths[b]));
  }

  /// Adds each kernel at squared distance `d2`.
  void add(double d2) {
    for (size_t b = 0; b < scales.size(); ++b)
      sums[b] += std::exp(scales[b] * d2);
  }

  /// Adds `other` times `factor`, and clears `other`.
  void accumulate(KernelSums &other, double factor) {
    for (size_t b = 0; b < sums.size(); ++b) {
      sums[b] += factor * other.sums[b];
      other.sums[b] = 0.0;
    }
  }

  /// The sum over all bandwidths.
  double total() const {
    double t = 0.0;
    for (double s : sums)
      t += s;
    return t;
  }

private:
  std::vector<double> scales;
  std::vector<double> sums;
};
} // namespace

MetricResult fmrt::mmd2RbfMulti(const float *x, int64_t nx, const float *y,
                                int64_t ny, int64_t dim,
                                const double *bandwidths,
                                size_t numBandwidths) {
  if (MetricError error = checkSets(x, nx, y, ny, dim, /*minPoints=*/2);
      error != MetricError::None)
    return failure(error);
  if (numBandwidths == 0 || !bandwidths)
    return failure(MetricError::BadBandwidth);
  for (size_t b = 0; b < numBandwidths; ++b)
    if (!std::isfinite(bandwidths[b]) || !(bandwidths[b] > 0.0))
      return failure(MetricError::BadBandwidth);

  std::vector<double> xd = toDouble(x, nx, dim), yd = toDouble(y, ny, dim);
  double fx = static_cast<double>(nx), fy = static_cast<double>(ny);
  // One accumulator for the whole estimate, with each term's weight, and one
  // per row so that the long sums add numbers of similar size.
  KernelSums total(bandwidths, numBandwidths), row(bandwidths, numBandwidths);
  // The within-set sums run over i < j and count each pair twice.
  double wx = 2.0 / (fx * (fx - 1.0)), wy = 2.0 / (fy * (fy - 1.0));
  double wxy = -2.0 / (fx * fy);
  for (int64_t i = 0; i < nx; ++i) {
    for (int64_t j = i + 1; j < nx; ++j)
      row.add(squaredDistance(&xd[i * dim], &xd[j * dim], dim));
    total.accumulate(row, wx);
  }
  for (int64_t i = 0; i < ny; ++i) {
    for (int64_t j = i + 1; j < ny; ++j)
      row.add(squaredDistance(&yd[i * dim], &yd[j * dim], dim));
    total.accumulate(row, wy);
  }
  for (int64_t i = 0; i < nx; ++i) {
    for (int64_t j = 0; j < ny; ++j)
      row.add(squaredDistance(&xd[i * dim], &yd[j * dim], dim));
    total.accumulate(row, wxy);
  }
  return {total.total(), MetricError::None};
}
