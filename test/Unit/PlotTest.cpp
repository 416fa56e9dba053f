//===- PlotTest.cpp - PNG scatter plots -----------------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Reads the written PNG files back with a small decoder written here on
// zlib alone: it checks the signature, every chunk's length and CRC-32, the
// IHDR fields and the chunk order, inflates the IDAT data and checks every
// scanline's filter byte, so the pixels can be compared with what the
// options say. Also checks the rendering (positions, alpha accumulation,
// axes, the automatic range) on images in memory, and the file handling:
// errors name the path, and a failed write leaves no file behind and an
// existing file untouched.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Plot.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "TempDir.h"

#include "gtest/gtest.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

using fmrt::PlotOptions;
using fmrt::PlotRange;
using fmrt::Rgb;
using fmrt::RgbImage;

namespace {

std::string str(Rgb c) {
  return "(" + std::to_string(c.r) + ", " + std::to_string(c.g) + ", " +
         std::to_string(c.b) + ")";
}

uint32_t readU32(const uint8_t *p) {
  return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 |
         uint32_t(p[3]);
}

/// Decodes the PNG file `bytes`, which must be what encodePng writes: 8-bit
/// RGB, not interlaced, every scanline with filter type 0. Checks the whole
/// structure on the way.
::testing::AssertionResult decodePng(const std::vector<uint8_t> &bytes,
                                     RgbImage &image) {
  static const uint8_t signature[8] = {0x89, 'P',  'N',  'G',
                                       '\r', '\n', 0x1A, '\n'};
  if (bytes.size() < 8 || !std::equal(signature, signature + 8, bytes.begin()))
    return ::testing::AssertionFailure() << "bad signature";
  std::vector<std::string> types;
  std::vector<uint8_t> idat;
  size_t pos = 8;
  while (pos < bytes.size()) {
    if (bytes.size() - pos < 12)
      return ::testing::AssertionFailure() << "truncated chunk at " << pos;
    uint32_t length = readU32(&bytes[pos]);
    if (length > bytes.size() - pos - 12)
      return ::testing::AssertionFailure()
             << "chunk length " << length << " overruns the file";
    const uint8_t *type = &bytes[pos + 4], *data = type + 4;
    std::string name(type, type + 4);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, type, 4 + length);
    if (crc != readU32(data + length))
      return ::testing::AssertionFailure() << "bad CRC in chunk " << name;
    if (name == "IHDR") {
      if (length != 13)
        return ::testing::AssertionFailure() << "IHDR length " << length;
      image.width = int(readU32(data));
      image.height = int(readU32(data + 4));
      // Bit depth 8, colour type 2 (RGB), compression 0, filter method 0,
      // no interlacing.
      if (data[8] != 8 || data[9] != 2 || data[10] != 0 || data[11] != 0 ||
          data[12] != 0)
        return ::testing::AssertionFailure() << "unexpected IHDR fields";
    } else if (name == "IDAT") {
      idat.insert(idat.end(), data, data + length);
    } else if (name == "IEND" && length != 0) {
      return ::testing::AssertionFailure() << "IEND with data";
    }
    types.push_back(name);
    pos += 12 + length;
  }
  if (types.size() < 3 || types.front() != "IHDR" || types.back() != "IEND")
    return ::testing::AssertionFailure() << "bad chunk order";
  for (size_t k = 1; k + 1 < types.size(); ++k)
    if (types[k] != "IDAT")
      return ::testing::AssertionFailure() << "unexpected chunk " << types[k];

  size_t rowBytes = size_t(image.width) * 3;
  uLongf rawSize = uLongf((rowBytes + 1) * image.height);
  std::vector<uint8_t> raw(rawSize + 1);
  uLongf got = uLongf(raw.size());
  if (uncompress(raw.data(), &got, idat.data(), uLong(idat.size())) != Z_OK)
    return ::testing::AssertionFailure() << "IDAT does not inflate";
  if (got != rawSize)
    return ::testing::AssertionFailure()
           << "IDAT inflates to " << got << " bytes, not " << rawSize;
  image.pixels.clear();
  for (int y = 0; y < image.height; ++y) {
    const uint8_t *line = &raw[y * (rowBytes + 1)];
    if (line[0] != 0)
      return ::testing::AssertionFailure()
             << "row " << y << " has filter type " << int(line[0]);
    image.pixels.insert(image.pixels.end(), line + 1, line + 1 + rowBytes);
  }
  return ::testing::AssertionSuccess();
}

/// Options for exact pixel checks: opaque points of radius 3, no axes,
/// 100x80 pixels showing [0, 100] × [0, 80], so the point (x, y) falls at
/// the pixel position (x, 80 − y) exactly.  A pixel whose centre is within
/// 2.5 of the point has the point colour, one at 3.5 or more the
/// background.
PlotOptions exactOptions() {
  PlotOptions options;
  options.width = 100;
  options.height = 80;
  options.range = PlotRange{0.0, 100.0, 0.0, 80.0};
  options.pointRadius = 3.0;
  options.pointAlpha = 1.0;
  options.drawAxes = false;
  options.background = {250, 240, 230};
  options.pointColor = {10, 20, 200};
  return options;
}

RgbImage render(const std::vector<float> &points, const PlotOptions &options) {
  fmrt::StatusOr<RgbImage> image =
      fmrt::renderScatter(points.data(), int64_t(points.size() / 2), options);
  EXPECT_TRUE(image.ok()) << image.status().message();
  return image.ok() ? std::move(*image) : RgbImage();
}

class PlotFileTest : public fmtest::TempDirTest {
protected:
  PlotFileTest() : TempDirTest("fm-plot-test") {}

  std::vector<uint8_t> readBytes(const std::string &p) const {
    auto buffer = llvm::MemoryBuffer::getFile(p);
    EXPECT_TRUE(bool(buffer)) << p;
    if (!buffer)
      return {};
    llvm::StringRef data = (*buffer)->getBuffer();
    return std::vector<uint8_t>(data.bytes_begin(), data.bytes_end());
  }

  void writeText(const std::string &p, llvm::StringRef text) const {
    std::error_code ec;
    llvm::raw_fd_ostream os(p, ec);
    ASSERT_FALSE(ec) << ec.message();
    os << text;
  }
};

TEST_F(PlotFileTest, WritesAValidPng) {
  PlotOptions options = exactOptions();
  // Points at the centres of the pixels (25, 20) and (70, 60).
  std::vector<float> points = {25.5f, 59.5f, 70.5f, 19.5f};
  std::string p = path("plot.png");
  ASSERT_TRUE(fmrt::writeScatterPng(p, points.data(), 2, options).ok());

  RgbImage image;
  ASSERT_TRUE(decodePng(readBytes(p), image));
  EXPECT_EQ(image.width, 100);
  EXPECT_EQ(image.height, 80);
  // The pixels at and around the points have the point colour.
  for (auto [cx, cy] : {std::pair(25, 20), std::pair(70, 60)})
    for (int d = -2; d <= 2; ++d) {
      EXPECT_EQ(str(image.at(cx + d, cy)), str(options.pointColor))
          << cx + d << ", " << cy;
      EXPECT_EQ(str(image.at(cx, cy + d)), str(options.pointColor))
          << cx << ", " << cy + d;
    }
  // Far pixels keep the background.
  for (auto [x, y] : {std::pair(0, 0), std::pair(99, 79), std::pair(50, 40),
                      std::pair(25, 60), std::pair(70, 20)})
    EXPECT_EQ(str(image.at(x, y)), str(options.background)) << x << ", " << y;
  // The file is exactly what encodePng makes of renderScatter's image.
  fmrt::StatusOr<std::vector<uint8_t>> encoded =
      fmrt::encodePng(render(points, options));
  ASSERT_TRUE(encoded.ok()) << encoded.status().message();
  EXPECT_EQ(*encoded, readBytes(p));
  EXPECT_EQ(listDir(), std::vector<std::string>{"plot.png"});
}

TEST(PlotRenderTest, DiscHasTheRadiusAndAnAntialiasedEdge) {
  PlotOptions options = exactOptions();
  // At the centre of pixel (50, 40). The coverage of a pixel whose centre
  // is at distance d is clamp(3.5 − d, 0, 1).
  RgbImage image = render({50.5f, 39.5f}, options);
  EXPECT_EQ(str(image.at(50, 40)), str(options.pointColor));
  EXPECT_EQ(str(image.at(52, 40)), str(options.pointColor)); // d = 2
  EXPECT_EQ(str(image.at(48, 41)), str(options.pointColor)); // d = 2.24
  EXPECT_EQ(str(image.at(50, 44)), str(options.background)); // d = 4
  EXPECT_EQ(str(image.at(53, 43)), str(options.background)); // d = 4.24
  EXPECT_EQ(str(image.at(47, 42)), str(options.background)); // d = 3.61
  // Partly covered pixels are blends.
  for (auto [x, y] : {std::pair(53, 40), std::pair(50, 37), std::pair(53, 41),
                      std::pair(48, 38)}) {
    double d = std::hypot(x - 50, y - 40);
    double coverage = 3.5 - d;
    Rgb edge = image.at(x, y);
    EXPECT_EQ(edge.r, std::lround(250 * (1 - coverage) + 10 * coverage)) << d;
    EXPECT_EQ(edge.g, std::lround(240 * (1 - coverage) + 20 * coverage)) << d;
    EXPECT_EQ(edge.b, std::lround(230 * (1 - coverage) + 200 * coverage)) << d;
  }
}

TEST(PlotRenderTest, AlphaAccumulatesWhereThePointsOverlap) {
  PlotOptions options = exactOptions();
  options.pointAlpha = 0.3;
  int previous = 250;
  for (int copies = 1; copies <= 6; ++copies) {
    std::vector<float> points;
    for (int k = 0; k < copies; ++k)
      points.insert(points.end(), {50.5f, 39.5f});
    RgbImage image = render(points, options);
    // Each copy lets 70% of what is below through.
    double t = std::pow(0.7, copies);
    Rgb centre = image.at(50, 40);
    EXPECT_EQ(centre.r, std::lround(250 * t + 10 * (1 - t))) << copies;
    EXPECT_EQ(centre.g, std::lround(240 * t + 20 * (1 - t))) << copies;
    EXPECT_EQ(centre.b, std::lround(230 * t + 200 * (1 - t))) << copies;
    // Denser is darker.
    EXPECT_LT(centre.r, previous);
    previous = centre.r;
  }
  // The order of overlapping points does not matter.
  std::vector<float> ab = {50, 40, 52, 40.5f};
  std::vector<float> ba = {52, 40.5f, 50, 40};
  EXPECT_EQ(render(ab, options).pixels, render(ba, options).pixels);
}

TEST(PlotRenderTest, AxesAndFrame) {
  PlotOptions options = exactOptions();
  options.drawAxes = true;
  options.width = 101;
  options.height = 61;
  options.range = PlotRange{-1.0, 1.0, -2.0, 1.0};
  RgbImage image = render({}, options);
  std::string axis = str(options.axisColor), bg = str(options.background);
  // x = 0 at px = 50.5, column 50; y = 0 at py = 20.33, row 20.
  for (int y = 0; y < 61; ++y) {
    EXPECT_EQ(str(image.at(50, y)), axis) << y;
    EXPECT_EQ(str(image.at(0, y)), axis) << y;
    EXPECT_EQ(str(image.at(100, y)), axis) << y;
  }
  for (int x = 0; x < 101; ++x) {
    EXPECT_EQ(str(image.at(x, 20)), axis) << x;
    EXPECT_EQ(str(image.at(x, 0)), axis) << x;
    EXPECT_EQ(str(image.at(x, 60)), axis) << x;
  }
  EXPECT_EQ(str(image.at(49, 19)), bg);
  EXPECT_EQ(str(image.at(51, 21)), bg);
  EXPECT_EQ(str(image.at(1, 1)), bg);
  EXPECT_EQ(str(image.at(99, 59)), bg);

  // A range without 0 has only the frame.
  options.range = PlotRange{1.0, 2.0, 1.0, 2.0};
  image = render({}, options);
  for (int x = 1; x < 100; ++x)
    for (int y = 1; y < 60; ++y)
      ASSERT_EQ(str(image.at(x, y)), bg) << x << ", " << y;
  EXPECT_EQ(str(image.at(0, 30)), axis);

  // Points are drawn over the axes.
  options.range = PlotRange{-1.0, 1.0, -2.0, 1.0};
  image = render({0.0f, 0.0f}, options);
  EXPECT_EQ(str(image.at(50, 20)), str(options.pointColor));
}

TEST(PlotRenderTest, AutomaticRange) {
  std::vector<float> points = {0, 0, 1, 2, 0.5f, 1};
  PlotRange range = fmrt::autoPlotRange(points.data(), 3);
  EXPECT_DOUBLE_EQ(range.xmin, -0.05);
  EXPECT_DOUBLE_EQ(range.xmax, 1.05);
  EXPECT_DOUBLE_EQ(range.ymin, -0.1);
  EXPECT_DOUBLE_EQ(range.ymax, 2.1);

  // Points with a NaN or infinite coordinate do not count.
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  std::vector<float> withBad = {nan, 5, 0, 0, 1, inf, 1, 2, -inf, 0, 0.5f, 1};
  PlotRange same = fmrt::autoPlotRange(withBad.data(), 6);
  EXPECT_EQ(same.xmin, range.xmin);
  EXPECT_EQ(same.xmax, range.xmax);
  EXPECT_EQ(same.ymin, range.ymin);
  EXPECT_EQ(same.ymax, range.ymax);
  // And the plots agree.
  PlotOptions options;
  options.width = 64;
  options.height = 64;
  EXPECT_EQ(render(points, options).pixels, render(withBad, options).pixels);

  // One distinct value: ±0.5, or ±5% of a large value.
  std::vector<float> single = {3, 1000};
  PlotRange one = fmrt::autoPlotRange(single.data(), 1);
  EXPECT_DOUBLE_EQ(one.xmin, 2.5);
  EXPECT_DOUBLE_EQ(one.xmax, 3.5);
  EXPECT_DOUBLE_EQ(one.ymin, 950);
  EXPECT_DOUBLE_EQ(one.ymax, 1050);
  // No finite point: [−1, 1]².
  PlotRange none = fmrt::autoPlotRange(withBad.data(), 1);
  EXPECT_EQ(none.xmin, -1.0);
  EXPECT_EQ(none.xmax, 1.0);
  EXPECT_EQ(none.ymin, -1.0);
  EXPECT_EQ(none.ymax, 1.0);
  EXPECT_TRUE(fmrt::renderScatter(withBad.data(), 1, options).ok());
}

TEST(PlotRenderTest, PointsOutsideTheRangeAreClipped) {
  PlotOptions options = exactOptions();
  // A point just left of the range shows its right edge; far-away and huge
  // points draw nothing.
  std::vector<float> points = {-1, 40, 1e30f, -1e30f, 500, 40, -1e30f, 40};
  RgbImage image = render(points, options);
  EXPECT_EQ(str(image.at(0, 40)), str(options.pointColor));
  EXPECT_EQ(str(image.at(3, 40)), str(options.background));
  EXPECT_EQ(str(image.at(99, 40)), str(options.background));
}

TEST(PlotRenderTest, RejectsInvalidOptions) {
  std::vector<float> points = {0, 0};
  auto fails = [&](const PlotOptions &options, llvm::StringRef message) {
    fmrt::StatusOr<RgbImage> image =
        fmrt::renderScatter(points.data(), 1, options);
    if (image.ok())
      return ::testing::AssertionFailure() << "accepted";
    std::string text = image.status().message();
    if (!llvm::StringRef(text).contains(message))
      return ::testing::AssertionFailure() << "message: " << text;
    return ::testing::AssertionSuccess();
  };
  PlotOptions options;
  options.width = 0;
  EXPECT_TRUE(fails(options, "size 0x800"));
  options.width = 16385;
  EXPECT_TRUE(fails(options, "size 16385x800"));
  options = PlotOptions();
  options.height = -3;
  EXPECT_TRUE(fails(options, "size"));
  options = PlotOptions();
  options.range = PlotRange{1, 1, 0, 1};
  EXPECT_TRUE(fails(options, "range"));
  options.range = PlotRange{0, 1, 0, std::nan("")};
  EXPECT_TRUE(fails(options, "range"));
  options.range = PlotRange{-1e308, 1e308, 0, 1};
  EXPECT_TRUE(fails(options, "range"));
  options = PlotOptions();
  options.pointRadius = -1;
  EXPECT_TRUE(fails(options, "radius"));
  options.pointRadius = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(fails(options, "radius"));
  options = PlotOptions();
  options.pointAlpha = 0;
  EXPECT_TRUE(fails(options, "opacity"));
  options.pointAlpha = 1.5;
  EXPECT_TRUE(fails(options, "opacity"));
  options.pointAlpha = std::nan("");
  EXPECT_TRUE(fails(options, "opacity"));

  fmrt::StatusOr<RgbImage> negative = fmrt::renderScatter(points.data(), -1);
  EXPECT_FALSE(negative.ok());
  fmrt::StatusOr<RgbImage> null = fmrt::renderScatter(nullptr, 1);
  EXPECT_FALSE(null.ok());
  // No points at all is a valid, empty plot.
  EXPECT_TRUE(fmrt::renderScatter(nullptr, 0).ok());
}

/// A token grid: a cell per token pair, the first token along x and the
/// second up y; colour by count up to the 95th percentile of the occupied
/// cells; tokens outside the vocabulary are not drawn.
TEST(PlotRenderTest, TokenGridCountsPerCell) {
  // Vocabulary 4, cells of 2 pixels: an 8 × 8 image. (0, 0) once, (3, 1)
  // three times, (5, 0) (out of range) twice. Occupied counts {1, 3}: the
  // 95th percentile (index (2 − 1)·95/100 = 0 of the sorted counts) is 1,
  // so both cells are drawn in the full colour.
  std::vector<int64_t> tokens = {0, 0, 3, 1, 3, 1, 3, 1, 5, 0, 5, 0};
  fmrt::StatusOr<RgbImage> image =
      fmrt::renderTokenGrid(tokens.data(), 6, /*vocabulary=*/4, 2);
  ASSERT_TRUE(image.ok()) << image.status().message();
  ASSERT_EQ(image->width, 8);
  ASSERT_EQ(image->height, 8);
  Rgb full = PlotOptions{}.pointColor, empty = PlotOptions{}.background;
  // (0, 0) is the bottom-left cell: pixels x 0-1, y 6-7.
  EXPECT_EQ(str(image->at(0, 7)), str(full));
  EXPECT_EQ(str(image->at(1, 6)), str(full));
  // (3, 1): x 6-7, y 4-5.
  EXPECT_EQ(str(image->at(7, 4)), str(full));
  // Empty cells, and nothing drawn for the out-of-range pair.
  EXPECT_EQ(str(image->at(2, 7)), str(empty));
  EXPECT_EQ(str(image->at(0, 0)), str(empty));

  // 20 cells of one sample and one of 3: the 95th percentile is 1, so the
  // busy cell saturates and the others are full too; with counts 1..20
  // the percentile is 19 and a cell of 10 is about half way.
  std::vector<int64_t> ramp;
  for (int64_t c = 1; c <= 20; ++c)
    for (int64_t k = 0; k < c; ++k)
      ramp.insert(ramp.end(), {c, 0});
  image = fmrt::renderTokenGrid(ramp.data(), int64_t(ramp.size() / 2), 32, 1);
  ASSERT_TRUE(image.ok()) << image.status().message();
  Rgb half = image->at(10, 31);
  EXPECT_EQ(half.r, std::lround(empty.r + (full.r - empty.r) * 10.0 / 19));
  EXPECT_EQ(str(image->at(19, 31)), str(full));
  EXPECT_EQ(str(image->at(20, 31)), str(full));

  EXPECT_FALSE(fmrt::renderTokenGrid(tokens.data(), 6, 0).ok());
  EXPECT_FALSE(fmrt::renderTokenGrid(tokens.data(), 6, 4, 0).ok());
  EXPECT_FALSE(fmrt::renderTokenGrid(tokens.data(), 6, 4096, 8).ok());
  EXPECT_FALSE(fmrt::renderTokenGrid(nullptr, 6, 4).ok());
  EXPECT_FALSE(fmrt::renderTokenGrid(tokens.data(), -1, 4).ok());
}

TEST(PlotEncodeTest, RejectsInconsistentImages) {
  RgbImage image;
  image.width = 2;
  image.height = 2;
  image.pixels.assign(11, 0);
  fmrt::StatusOr<std::vector<uint8_t>> png = fmrt::encodePng(image);
  EXPECT_FALSE(png.ok());
  image.pixels.assign(12, 7);
  png = fmrt::encodePng(image);
  ASSERT_TRUE(png.ok()) << png.status().message();
  RgbImage decoded;
  ASSERT_TRUE(decodePng(*png, decoded));
  EXPECT_EQ(decoded.pixels, image.pixels);
  image.width = 0;
  image.pixels.clear();
  png = fmrt::encodePng(image);
  EXPECT_FALSE(png.ok());
}

TEST_F(PlotFileTest, MissingDirectoryIsAnErrorAndCreatesNothing) {
  std::string p = path("missing/plot.png");
  std::vector<float> points = {0, 0};
  fmrt::Status error = fmrt::writeScatterPng(p, points.data(), 1);
  ASSERT_FALSE(error.ok());
  std::string message = error.message();
  EXPECT_NE(message.find(p), std::string::npos) << message;
  EXPECT_FALSE(llvm::sys::fs::exists(path("missing")));
  EXPECT_TRUE(listDir().empty());
}

TEST_F(PlotFileTest, ReplacesAnExistingFile) {
  std::string p = path("plot.png");
  writeText(p, "an older file");
  std::vector<float> points = {0, 0, 1, 1};
  ASSERT_TRUE(fmrt::writeScatterPng(p, points.data(), 2).ok());
  RgbImage image;
  ASSERT_TRUE(decodePng(readBytes(p), image));
  EXPECT_EQ(image.width, 800);
  EXPECT_EQ(image.height, 800);
  EXPECT_EQ(listDir(), std::vector<std::string>{"plot.png"});
}

TEST_F(PlotFileTest, FailureLeavesTheExistingFileUntouched) {
  std::string p = path("plot.png");
  writeText(p, "precious");
  std::vector<float> points = {0, 0};
  PlotOptions options;
  options.width = 0;
  fmrt::Status error = fmrt::writeScatterPng(p, points.data(), 1, options);
  ASSERT_FALSE(error.ok());
  std::string message = error.message();
  EXPECT_NE(message.find(p), std::string::npos) << message;
  std::vector<uint8_t> bytes = readBytes(p);
  EXPECT_EQ(std::string(bytes.begin(), bytes.end()), "precious");
  EXPECT_EQ(listDir(), std::vector<std::string>{"plot.png"});

  // The rename fails after the whole file was written: the destination is
  // a directory. The temporary file is removed and the directory stays.
  std::string d = path("taken");
  ASSERT_FALSE(llvm::sys::fs::create_directory(d));
  error = fmrt::writeScatterPng(d, points.data(), 1);
  ASSERT_FALSE(error.ok());
  message = error.message();
  EXPECT_NE(message.find(d), std::string::npos) << message;
  EXPECT_TRUE(llvm::sys::fs::is_directory(d));
  EXPECT_EQ(listDir(), (std::vector<std::string>{"plot.png", "taken"}));
}

} // namespace
