//===- Plot.h - PNG scatter plots -------------------------------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Scatter plots of 2-D point sets written as PNG files, with no dependency
// but zlib: the plot is rasterised here and encoded as an 8-bit RGB PNG
// (the PNG specification, ISO/IEC 15948:2004) with one IDAT chunk, filter
// type 0 (None) on every scanline and no interlacing.
//
// Rendering: each point is a disc of `pointRadius` pixels with an
// anti-aliased edge, painted with opacity `pointAlpha` over what is below,
// so where points overlap the colour tends to `pointColor` and dense regions
// look darker (for a point colour darker than the background). Data
// coordinates map linearly onto the image: xmin to the left edge, xmax to
// the right edge, ymax to the top edge and ymin to the bottom edge, so the
// point (x, y) falls at the continuous pixel position
//
//   px = (x − xmin) / (xmax − xmin) · width,
//   py = (ymax − y) / (ymax − ymin) · height,
//
// where pixel (c, r) covers [c, c + 1) × [r, r + 1) and has its centre at
// (c + 0.5, r + 0.5).
//
// Token samples (pairs of integers in [0, V)) are drawn as a V × V grid
// instead: each cell's colour says how many samples fell on it, as the
// flow_matching library's 2-D discrete example shows them with hist2d.
//
// This header belongs to the runtime's host layer: plain C++17, no LLVM.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_PLOT_H
#define FM_RUNTIME_PLOT_H

#include "fm/Runtime/Status.h"

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace fmrt {

/// An 8-bit RGB colour.
struct Rgb {
  uint8_t r = 0;
  uint8_t g = 0;
  uint8_t b = 0;

  bool operator==(const Rgb &other) const {
    return r == other.r && g == other.g && b == other.b;
  }
  bool operator!=(const Rgb &other) const { return !(*this == other); }
};

/// The rectangle of data coordinates a plot shows.
struct PlotRange {
  double xmin = -1.0;
  double xmax = 1.0;
  double ymin = -1.0;
  double ymax = 1.0;
};

/// How writeScatterPng draws.
struct PlotOptions {
  /// The image size in pixels, each in [1, 16384].
  int width = 800;
  int height = 800;
  /// The data range shown. Without one, the range is that of the finite
  /// points, widened by 5% of its extent on each side; an extent of zero
  /// (one distinct coordinate) becomes ±max(0.5, 5% of |value|) around the
  /// value, and with no finite point at all the range is [−1, 1]². A given
  /// range must be finite with xmin < xmax and ymin < ymax.
  std::optional<PlotRange> range;
  /// The radius of a point's disc in pixels, finite and ≥ 0. A pixel whose
  /// centre is at distance d from the point is covered by
  /// clamp(radius + 0.5 − d, 0, 1), so a radius of 0 still leaves a faint
  /// dot.
  double pointRadius = 2.0;
  /// The opacity of one point, in (0, 1].
  double pointAlpha = 0.35;
  Rgb background = {255, 255, 255};
  Rgb pointColor = {31, 119, 180};
  /// Whether to draw the axis frame: a one-pixel border around the image
  /// and the lines x = 0 and y = 0 where they fall inside the range, in
  /// `axisColor`, under the points. There is no title, tick or label.
  bool drawAxes = true;
  Rgb axisColor = {160, 160, 160};
};

/// An RGB image, row-major from the top row, three bytes per pixel.
struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;

  Rgb at(int x, int y) const {
    const uint8_t *p = &pixels[(static_cast<size_t>(y) * width + x) * 3];
    return {p[0], p[1], p[2]};
  }
};

/// The range writeScatterPng shows for the `n` points of the [n, 2]
/// row-major array `points` when PlotOptions::range is not set (see there).
/// Points with a NaN or infinite coordinate are skipped.
PlotRange autoPlotRange(const float *points, int64_t n);

/// Draws the scatter plot of the `n` points of the [n, 2] row-major array
/// `points` (x, y per row). Points with a NaN or infinite coordinate are
/// skipped; points outside the range are clipped at the image border.
/// Fails, saying why, on invalid options, a negative `n` or a null `points`
/// with n > 0.
StatusOr<RgbImage> renderScatter(const float *points, int64_t n,
                                 const PlotOptions &options = {});

/// The bytes of the PNG file holding `image`: the signature, IHDR (8-bit
/// RGB, no interlacing), one IDAT with every scanline behind filter type 0,
/// compressed by zlib, and IEND. Fails on an empty image or a pixel buffer
/// of the wrong size.
StatusOr<std::vector<uint8_t>> encodePng(const RgbImage &image);

/// Renders the scatter plot of `points` (see renderScatter) and writes it
/// to `path` as a PNG file, replacing the file atomically (see
/// writeFileAtomically): on failure an existing file at `path` is left
/// untouched, no temporary file remains, and the error names `path`.
Status writeScatterPng(std::string_view path, const float *points, int64_t n,
                       const PlotOptions &options = {});

/// Draws the `n` token pairs of the [n, 2] row-major array `tokens` as a
/// `vocabulary` × `vocabulary` grid of square cells of `cellPixels`
/// pixels, the first token along x (left to right) and the second along y
/// (bottom to top). A cell's colour goes from white (no sample) to
/// `PlotOptions{}.pointColor` at the 95th percentile of the counts of the
/// occupied cells and above (the library's plots clip at the same
/// quantile). Pairs with a token outside [0, vocabulary) (a mask token) are
/// not drawn. Fails on a vocabulary outside [1, 4096], a cell size outside
/// [1, 64], an image wider than 16384 pixels, a negative `n` or a null
/// `tokens` with n > 0.
StatusOr<RgbImage> renderTokenGrid(const int64_t *tokens, int64_t n,
                                   int64_t vocabulary, int cellPixels = 4);

/// Renders `tokens` with renderTokenGrid and writes the image to `path` as
/// a PNG file, atomically, as writeScatterPng does.
Status writeTokenGridPng(std::string_view path, const int64_t *tokens,
                         int64_t n, int64_t vocabulary, int cellPixels = 4);

} // namespace fmrt

#endif // FM_RUNTIME_PLOT_H
