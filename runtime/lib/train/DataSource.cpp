//===- DataSource.cpp - Training batches and reference data ---------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/DataSource.h"

#include "fm/Runtime/Datasets.h"
#include "fm/Runtime/Npy.h"
#include "fm/Runtime/Random.h"
#include "fm/Runtime/StatusBridge.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <limits>

using namespace fmrt;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The Philox stream of a run's seed that the first batch input is drawn
/// from; batch input k uses kDataStream + k.
static constexpr uint64_t kDataStream = 1000;

int64_t BatchSpec::rowSize() const {
  return numElements(llvm::ArrayRef<int64_t>(shape).drop_front());
}

std::string BatchSpec::str() const {
  ValueType type;
  type.kind = ValueType::Kind::Tensor;
  type.element = element;
  type.shape = shape;
  return type.str();
}

std::string fmrt::builtinDatasetNames() {
  std::string names;
  for (Dataset d : {Dataset::Moons, Dataset::EightGaussians,
                    Dataset::Checkerboard, Dataset::Circles, Dataset::Spirals})
    names += (names.empty() ? "" : ", ") + std::string(datasetName(d));
  return names + ", " + tokenDatasetName(TokenDataset::CheckerboardTokens);
}

DataSource::~DataSource() = default;

namespace {
/// Batches of a built-in 2-D dataset, drawn in sequence from the stream
/// (as f32, converted where the batch is f64).
class BuiltinSource : public DataSource {
public:
  BuiltinSource(BatchSpec spec, Dataset dataset, PhiloxStream stream)
      : DataSource(std::move(spec)), dataset(dataset), stream(stream) {
    if (this->spec().element == ElementType::F64)
      points.resize(numElements(this->spec().shape));
  }

  void fill(void *out) override {
    auto *to = points.empty() ? static_cast<float *>(out) : points.data();
    offset += sampleDataset(dataset, defaultNoise(dataset), stream, offset, to,
                            spec().rows());
    if (!points.empty())
      std::copy(points.begin(), points.end(), static_cast<double *>(out));
  }

private:
  Dataset dataset;
  PhiloxStream stream;
  uint64_t offset = 0;
  std::vector<float> points;
};

/// Batches of a built-in token dataset, drawn in sequence from the stream
/// as int64 (converted where the batch is i32: every token fits).
class TokenSource : public DataSource {
public:
  TokenSource(BatchSpec spec, TokenDataset dataset, PhiloxStream stream)
      : DataSource(std::move(spec)), dataset(dataset), stream(stream) {
    if (this->spec().element == ElementType::I32)
      tokens.resize(numElements(this->spec().shape));
  }

  void fill(void *out) override {
    auto *to = tokens.empty() ? static_cast<int64_t *>(out) : tokens.data();
    offset += sampleTokenDataset(dataset, stream, offset, to, spec().rows());
    if (!tokens.empty())
      std::transform(tokens.begin(), tokens.end(), static_cast<int32_t *>(out),
                     [](int64_t token) { return static_cast<int32_t>(token); });
  }

private:
  TokenDataset dataset;
  PhiloxStream stream;
  uint64_t offset = 0;
  std::vector<int64_t> tokens;
};

/// Rows of an array already in the batch's element type, drawn uniformly
/// with replacement: row indices from one random word per row.
class ArraySource : public DataSource {
public:
  ArraySource(BatchSpec spec, std::vector<char> rows, int64_t numRows,
              PhiloxStream stream)
      : DataSource(std::move(spec)), data(std::move(rows)), numRows(numRows),
        stream(stream) {}

  void fill(void *out) override {
    auto *to = static_cast<char *>(out);
    int64_t rows = spec().rows();
    size_t rowBytes = spec().rowSize() * elementSize(spec().element);
    for (int64_t i = 0; i < rows; i += 4) {
      std::array<uint32_t, 4> words = stream.block(offset++);
      for (int64_t j = 0; j < 4 && i + j < rows; ++j) {
        int64_t row = static_cast<int64_t>(
            (static_cast<uint64_t>(words[j]) * numRows) >> 32);
        std::memcpy(to + (i + j) * rowBytes, data.data() + row * rowBytes,
                    rowBytes);
      }
    }
  }

private:
  std::vector<char> data;
  int64_t numRows;
  PhiloxStream stream;
  uint64_t offset = 0;
};

/// An array's shape and dtype, as "[4, 2] float32".
std::string describe(const NpyTensor &array) {
  std::string text = "[";
  for (auto [i, d] : llvm::enumerate(array.shape))
    text += (i ? ", " : "") + std::to_string(d);
  return text + "] " + std::string(numpyTypeName(array.dtype));
}

/// The values of `array` in the element type of `spec`, row by row.
llvm::Expected<std::vector<char>> convertRows(llvm::StringRef name,
                                              const NpyTensor &array,
                                              const BatchSpec &spec) {
  if (isFloat(spec.element) != array.isFloat())
    return makeError(llvm::formatv(
        "'{0}' holds {1} values, and the program's batch is {2}", name,
        llvm::StringRef(numpyTypeName(array.dtype)), spec.str()));
  int64_t count = array.numElements(), width = spec.rowSize();
  std::vector<char> bytes(count * elementSize(spec.element));
  auto where = [&](int64_t i) {
    return llvm::formatv("row {0}, element {1}", i / width, i % width).str();
  };
  for (int64_t i = 0; i < count; ++i) {
    // A discrete flow's batch: integers, as checked above.
    if (spec.vocabulary &&
        (array.ints[i] < 0 || array.ints[i] >= *spec.vocabulary))
      return makeError(llvm::formatv("'{0}': the token {1} at {2} is outside "
                                     "the program's vocabulary [0, {3})",
                                     name, array.ints[i], where(i),
                                     *spec.vocabulary));
    switch (spec.element) {
    case ElementType::F32:
    case ElementType::F64: {
      double value = array.floats[i];
      if (!std::isfinite(value))
        return makeError(llvm::formatv("'{0}': the value at {1} is {2}", name,
                                       where(i),
                                       std::isnan(value) ? "NaN"
                                       : value > 0       ? "inf"
                                                         : "-inf"));
      if (spec.element == ElementType::F64) {
        std::memcpy(bytes.data() + 8 * i, &value, 8);
        break;
      }
      auto rounded = static_cast<float>(value);
      if (std::isinf(rounded))
        return makeError(
            llvm::formatv("'{0}': the value {1:e} at {2} overflows float32",
                          name, value, where(i)));
      std::memcpy(bytes.data() + 4 * i, &rounded, 4);
      break;
    }
    case ElementType::I32: {
      int64_t value = array.ints[i];
      if (value < std::numeric_limits<int32_t>::min() ||
          value > std::numeric_limits<int32_t>::max())
        return makeError(llvm::formatv(
            "'{0}': the value {1} at {2} does not fit the batch's i32", name,
            value, where(i)));
      auto narrow = static_cast<int32_t>(value);
      std::memcpy(bytes.data() + 4 * i, &narrow, 4);
      break;
    }
    case ElementType::I64:
      std::memcpy(bytes.data() + 8 * i, &array.ints[i], 8);
      break;
    }
  }
  return bytes;
}
} // namespace

llvm::Expected<std::unique_ptr<DataSource>>
DataSource::create(llvm::StringRef name, uint64_t seed, const BatchSpec &spec,
                   uint64_t index) {
  PhiloxStream stream(seed, static_cast<uint32_t>(kDataStream + index));
  if (spec.shape.size() < 2 || spec.rows() <= 0 || spec.rowSize() <= 0)
    return makeError("a batch must be [rows, features...] with rows and "
                     "features, got " +
                     spec.str());
  if (std::optional<Dataset> dataset = parseDataset(name.str())) {
    if (spec.shape.size() != 2 || spec.shape[1] != 2 ||
        !(spec.element == ElementType::F32 || spec.element == ElementType::F64))
      return makeError(llvm::formatv(
          "dataset '{0}' is 2-D float points, and the program's batch is {1}",
          name, spec.str()));
    return std::make_unique<BuiltinSource>(spec, *dataset, stream);
  }
  if (std::optional<TokenDataset> dataset = parseTokenDataset(name.str())) {
    int64_t width = tokenDatasetWidth(*dataset);
    if (spec.shape.size() != 2 || spec.shape[1] != width ||
        !(spec.element == ElementType::I32 || spec.element == ElementType::I64))
      return makeError(llvm::formatv(
          "dataset '{0}' is rows of {1} integer tokens in [0, {2}), and the "
          "program's batch is {3}",
          name, width, tokenVocabulary(*dataset), spec.str()));
    if (spec.vocabulary && tokenVocabulary(*dataset) > *spec.vocabulary)
      return makeError(llvm::formatv(
          "dataset '{0}' has tokens in [0, {1}), more than the program's "
          "vocabulary [0, {2})",
          name, tokenVocabulary(*dataset), *spec.vocabulary));
    return std::make_unique<TokenSource>(spec, *dataset, stream);
  }
  if (!name.ends_with(".npy"))
    return makeError("unknown dataset '" + name + "' (expected " +
                     builtinDatasetNames() + ", or a .npy file)");
  llvm::Expected<NpyTensor> array = toExpected(readNpyTensor(name));
  if (!array)
    return array.takeError();

  // Rows are the first dimension; the rest is one batch row, either with the
  // batch's own trailing shape or flattened ([N, features] for any batch,
  // [N] for one feature).
  llvm::ArrayRef<int64_t> shape = array->shape;
  llvm::ArrayRef<int64_t> rowShape =
      llvm::ArrayRef<int64_t>(spec.shape).drop_front();
  bool fits =
      !shape.empty() && (shape.drop_front() == rowShape ||
                         (shape.size() == 2 && shape[1] == spec.rowSize()) ||
                         (shape.size() == 1 && spec.rowSize() == 1));
  if (!fits)
    return makeError(llvm::formatv(
        "'{0}' is {1}, and a row of the program's batch {2} has {3} values",
        name, describe(*array), spec.str(), spec.rowSize()));
  if (shape.front() == 0)
    return makeError("'" + name + "' has no rows");
  llvm::Expected<std::vector<char>> rows = convertRows(name, *array, spec);
  if (!rows)
    return rows.takeError();
  return std::make_unique<ArraySource>(spec, std::move(*rows), shape.front(),
                                       stream);
}
