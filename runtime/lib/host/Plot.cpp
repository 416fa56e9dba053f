//===- Plot.cpp - PNG scatter plots ---------------------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// A plot is drawn in two layers: an opaque base (the background and the
// axis frame) and the points, accumulated as a per-pixel transmittance
// T = Π (1 − alpha·coverage) over the points covering the pixel. The final
// colour is base·T + pointColor·(1 − T), so the order of the points does not
// matter and a pixel fully covered by an opaque point has exactly the point
// colour.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Plot.h"

#include "fm/Runtime/FileUtils.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

using namespace fmrt;

/// The largest width or height of a plot.
static constexpr int kMaxImageSide = 16384;

/// `value` in the shortest of %g's forms, for error messages.
static std::string num(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%g", value);
  return buffer;
}

static Status invalid(const std::string &what) {
  return Status::error("invalid plot: " + what);
}

/// The padded range of one coordinate whose finite values span [lo, hi].
static void padAxis(double lo, double hi, double &outLo, double &outHi) {
  double extent = hi - lo;
  double pad =
      extent > 0.0 ? 0.05 * extent : std::max(0.5, 0.05 * std::fabs(lo));
  outLo = lo - pad;
  outHi = hi + pad;
}

PlotRange fmrt::autoPlotRange(const float *points, int64_t n) {
  double xmin = HUGE_VAL, xmax = -HUGE_VAL, ymin = HUGE_VAL, ymax = -HUGE_VAL;
  for (int64_t i = 0; points && i < n; ++i) {
    float x = points[2 * i], y = points[2 * i + 1];
    if (!std::isfinite(x) || !std::isfinite(y))
      continue;
    xmin = std::min<double>(xmin, x);
    xmax = std::max<double>(xmax, x);
    ymin = std::min<double>(ymin, y);
    ymax = std::max<double>(ymax, y);
  }
  PlotRange range;
  if (xmin > xmax)
    return range;
  padAxis(xmin, xmax, range.xmin, range.xmax);
  padAxis(ymin, ymax, range.ymin, range.ymax);
  return range;
}

/// Checks the options and the range they show.
static Status checkOptions(const PlotOptions &options, const PlotRange &range) {
  if (options.width < 1 || options.width > kMaxImageSide ||
      options.height < 1 || options.height > kMaxImageSide)
    return invalid("the size " + std::to_string(options.width) + "x" +
                   std::to_string(options.height) + " is not within 1x1 to " +
                   std::to_string(kMaxImageSide) + "x" +
                   std::to_string(kMaxImageSide));
  if (!std::isfinite(range.xmin) || !std::isfinite(range.xmax) ||
      !std::isfinite(range.ymin) || !std::isfinite(range.ymax) ||
      !(range.xmin < range.xmax) || !(range.ymin < range.ymax) ||
      !std::isfinite(range.xmax - range.xmin) ||
      !std::isfinite(range.ymax - range.ymin))
    return invalid("the range x in [" + num(range.xmin) + ", " +
                   num(range.xmax) + "], y in [" + num(range.ymin) + ", " +
                   num(range.ymax) + "] is empty or not finite");
  if (!std::isfinite(options.pointRadius) || options.pointRadius < 0.0)
    return invalid("the point radius " + num(options.pointRadius) +
                   " is negative or not finite");
  if (!(options.pointAlpha > 0.0 && options.pointAlpha <= 1.0))
    return invalid("the point opacity " + num(options.pointAlpha) +
                   " is not in (0, 1]");
  return Status::success();
}

/// Paints the opaque base layer: the background and the axis frame.
static void drawBase(RgbImage &image, const PlotOptions &options,
                     const PlotRange &range) {
  int w = image.width, h = image.height;
  auto put = [&](int x, int y, Rgb c) {
    uint8_t *p = &image.pixels[(static_cast<size_t>(y) * w + x) * 3];
    p[0] = c.r;
    p[1] = c.g;
    p[2] = c.b;
  };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      put(x, y, options.background);
  if (!options.drawAxes)
    return;

  Rgb axis = options.axisColor;
  for (int x = 0; x < w; ++x) {
    put(x, 0, axis);
    put(x, h - 1, axis);
  }
  for (int y = 0; y < h; ++y) {
    put(0, y, axis);
    put(w - 1, y, axis);
  }
  // The line x = 0 is the pixel column holding px(0), y = 0 the row holding
  // py(0); the last column and row also take the right and bottom edges.
  if (range.xmin <= 0.0 && 0.0 <= range.xmax) {
    double px = -range.xmin / (range.xmax - range.xmin) * w;
    int col = std::min(static_cast<int>(px), w - 1);
    for (int y = 0; y < h; ++y)
      put(col, y, axis);
  }
  if (range.ymin <= 0.0 && 0.0 <= range.ymax) {
    double py = range.ymax / (range.ymax - range.ymin) * h;
    int row = std::min(static_cast<int>(py), h - 1);
    for (int x = 0; x < w; ++x)
      put(x, row, axis);
  }
}

StatusOr<RgbImage> fmrt::renderScatter(const float *points, int64_t n,
                                       const PlotOptions &options) {
  if (n < 0)
    return invalid("negative number of points " + std::to_string(n));
  if (n > 0 && !points)
    return invalid("no point data");
  PlotRange range = options.range ? *options.range : autoPlotRange(points, n);
  if (Status status = checkOptions(options, range); !status.ok())
    return status;

  RgbImage image;
  image.width = options.width;
  image.height = options.height;
  int w = image.width, h = image.height;
  size_t numPixels = static_cast<size_t>(w) * h;
  image.pixels.resize(numPixels * 3);
  drawBase(image, options, range);

  // Transmittance of the point layer, per pixel.
  std::vector<float> transmittance(numPixels, 1.0f);
  double scaleX = w / (range.xmax - range.xmin);
  double scaleY = h / (range.ymax - range.ymin);
  double radius = options.pointRadius, alpha = options.pointAlpha;
  // A pixel whose centre is at distance d from the point is covered by
  // clamp(radius + 0.5 − d, 0, 1): a one-pixel linear ramp centred on the
  // disc's edge, which approximates the area of the pixel inside the disc.
  double reach = radius + 0.5;
  for (int64_t i = 0; i < n; ++i) {
    float x = points[2 * i], y = points[2 * i + 1];
    if (!std::isfinite(x) || !std::isfinite(y))
      continue;
    double px = (x - range.xmin) * scaleX;
    double py = (range.ymax - y) * scaleY;
    // The pixels whose centres may be within `reach`, clipped to the image
    // in floating point before converting, so far-away points cannot
    // overflow an int.
    double x0 = std::max(0.0, std::floor(px - reach));
    double x1 = std::min(double(w - 1), std::ceil(px + reach));
    double y0 = std::max(0.0, std::floor(py - reach));
    double y1 = std::min(double(h - 1), std::ceil(py + reach));
    if (!(x0 <= x1 && y0 <= y1))
      continue;
    for (int r = static_cast<int>(y0), re = static_cast<int>(y1); r <= re;
         ++r) {
      double dy = r + 0.5 - py;
      for (int c = static_cast<int>(x0), ce = static_cast<int>(x1); c <= ce;
           ++c) {
        double dx = c + 0.5 - px;
        double coverage = std::min(1.0, reach - std::sqrt(dx * dx + dy * dy));
        if (coverage <= 0.0)
          continue;
        float &t = transmittance[static_cast<size_t>(r) * w + c];
        t = static_cast<float>(t * (1.0 - alpha * coverage));
      }
    }
  }

  const double ink[3] = {double(options.pointColor.r),
                         double(options.pointColor.g),
                         double(options.pointColor.b)};
  for (size_t k = 0; k < numPixels; ++k) {
    double t = transmittance[k];
    if (t == 1.0)
      continue;
    for (int channel = 0; channel < 3; ++channel) {
      uint8_t &value = image.pixels[3 * k + channel];
      value = static_cast<uint8_t>(
          std::lround(value * t + ink[channel] * (1.0 - t)));
    }
  }
  return image;
}

/// Appends `value` as four big-endian bytes.
static void appendU32(std::vector<uint8_t> &out, uint32_t value) {
  out.push_back(static_cast<uint8_t>(value >> 24));
  out.push_back(static_cast<uint8_t>(value >> 16));
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
}

/// Appends the PNG chunk of type `type` (four letters) holding `data`:
/// length, type, data and the CRC-32 of type and data.
static void appendChunk(std::vector<uint8_t> &out, const char *type,
                        const uint8_t *data, size_t size) {
  appendU32(out, static_cast<uint32_t>(size));
  size_t typeAt = out.size();
  out.insert(out.end(), type, type + 4);
  if (size)
    out.insert(out.end(), data, data + size);
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, &out[typeAt], static_cast<uInt>(4 + size));
  appendU32(out, static_cast<uint32_t>(crc));
}

StatusOr<std::vector<uint8_t>> fmrt::encodePng(const RgbImage &image) {
  if (image.width < 1 || image.height < 1 || image.width > kMaxImageSide ||
      image.height > kMaxImageSide)
    return invalid("cannot encode an image of " + std::to_string(image.width) +
                   "x" + std::to_string(image.height) + " pixels");
  size_t rowBytes = static_cast<size_t>(image.width) * 3;
  if (image.pixels.size() != rowBytes * image.height)
    return invalid("the image has " + std::to_string(image.pixels.size()) +
                   " bytes of pixels instead of " +
                   std::to_string(rowBytes * image.height));

  // Every scanline is its filter type byte (0, None) and its pixels.
  std::vector<uint8_t> raw;
  raw.reserve((rowBytes + 1) * image.height);
  for (int y = 0; y < image.height; ++y) {
    raw.push_back(0);
    const uint8_t *row = &image.pixels[y * rowBytes];
    raw.insert(raw.end(), row, row + rowBytes);
  }
  uLongf compressedSize = compressBound(static_cast<uLong>(raw.size()));
  std::vector<uint8_t> compressed(compressedSize);
  int status = compress2(compressed.data(), &compressedSize, raw.data(),
                         static_cast<uLong>(raw.size()), Z_DEFAULT_COMPRESSION);
  if (status != Z_OK)
    return Status::error("zlib compress2 failed with status " +
                         std::to_string(status));

  static const uint8_t signature[8] = {0x89, 'P',  'N',  'G',
                                       '\r', '\n', 0x1A, '\n'};
  std::vector<uint8_t> png(signature, signature + 8);
  std::vector<uint8_t> header;
  appendU32(header, static_cast<uint32_t>(image.width));
  appendU32(header, static_cast<uint32_t>(image.height));
  // Bit depth 8, colour type 2 (RGB), deflate, adaptive filtering (method
  // 0), no interlacing.
  header.insert(header.end(), {8, 2, 0, 0, 0});
  appendChunk(png, "IHDR", header.data(), header.size());
  appendChunk(png, "IDAT", compressed.data(), compressedSize);
  appendChunk(png, "IEND", nullptr, 0);
  return png;
}

/// Encodes `image` (or reports why it could not be rendered) and writes it
/// to `path` atomically.
static Status writePng(std::string_view path, const StatusOr<RgbImage> &image) {
  auto fail = [&](const Status &status) {
    return Status::error("cannot write '" + std::string(path) +
                         "': " + status.message());
  };
  if (!image.ok())
    return fail(image.status());
  StatusOr<std::vector<uint8_t>> png = encodePng(*image);
  if (!png.ok())
    return fail(png.status());
  return writeFileAtomically(path, [&](FileWriter &os) {
    os.write(png->data(), png->size());
    return Status::success();
  });
}

Status fmrt::writeScatterPng(std::string_view path, const float *points,
                             int64_t n, const PlotOptions &options) {
  return writePng(path, renderScatter(points, n, options));
}

StatusOr<RgbImage> fmrt::renderTokenGrid(const int64_t *tokens, int64_t n,
                                         int64_t vocabulary, int cellPixels) {
  if (vocabulary < 1 || vocabulary > 4096)
    return Status::error("the vocabulary must be in [1, 4096], got " +
                         std::to_string(vocabulary));
  if (cellPixels < 1 || cellPixels > 64)
    return Status::error("a cell must be 1 to 64 pixels, got " +
                         std::to_string(cellPixels));
  if (vocabulary * cellPixels > 16384)
    return Status::error("the image would be wider than 16384 pixels");
  if (n < 0)
    return Status::error("negative sample count " + std::to_string(n));
  if (n > 0 && !tokens)
    return Status::error("no tokens");

  std::vector<int64_t> counts(static_cast<size_t>(vocabulary * vocabulary));
  auto inRange = [&](int64_t t) { return t >= 0 && t < vocabulary; };
  for (int64_t i = 0; i < n; ++i)
    if (inRange(tokens[2 * i]) && inRange(tokens[2 * i + 1]))
      ++counts[tokens[2 * i + 1] * vocabulary + tokens[2 * i]];
  std::vector<int64_t> occupied;
  for (int64_t c : counts)
    if (c > 0)
      occupied.push_back(c);
  int64_t top = 1;
  if (!occupied.empty()) {
    auto q = occupied.begin() + (occupied.size() - 1) * 95 / 100;
    std::nth_element(occupied.begin(), q, occupied.end());
    top = std::max<int64_t>(*q, 1);
  }

  RgbImage image;
  image.width = image.height = static_cast<int>(vocabulary * cellPixels);
  image.pixels.resize(static_cast<size_t>(image.width) * image.height * 3);
  Rgb full = PlotOptions{}.pointColor, empty = PlotOptions{}.background;
  auto blend = [](uint8_t from, uint8_t to, double a) {
    return static_cast<uint8_t>(std::lround(from + (to - from) * a));
  };
  for (int64_t y = 0; y < vocabulary; ++y) {
    for (int64_t x = 0; x < vocabulary; ++x) {
      double a = std::min(1.0, static_cast<double>(counts[y * vocabulary + x]) /
                                   static_cast<double>(top));
      Rgb colour = {blend(empty.r, full.r, a), blend(empty.g, full.g, a),
                    blend(empty.b, full.b, a)};
      // Row 0 of the image is the top: the largest second token.
      int64_t row0 = (vocabulary - 1 - y) * cellPixels;
      for (int64_t r = row0; r < row0 + cellPixels; ++r)
        for (int64_t c = x * cellPixels; c < (x + 1) * cellPixels; ++c) {
          uint8_t *p =
              &image.pixels[(static_cast<size_t>(r) * image.width + c) * 3];
          p[0] = colour.r;
          p[1] = colour.g;
          p[2] = colour.b;
        }
    }
  }
  return image;
}

Status fmrt::writeTokenGridPng(std::string_view path, const int64_t *tokens,
                               int64_t n, int64_t vocabulary, int cellPixels) {
  return writePng(path, renderTokenGrid(tokens, n, vocabulary, cellPixels));
}
