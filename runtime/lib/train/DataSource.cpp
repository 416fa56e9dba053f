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

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <array>

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
  return names;
}

DataSource::~DataSource() = default;

namespace {
/// Batches of a built-in 2-D dataset, drawn in sequence from the stream.
class BuiltinSource : public DataSource {
public:
  BuiltinSource(BatchSpec spec, Dataset dataset, PhiloxStream stream)
      : DataSource(std::move(spec)), dataset(dataset), stream(stream) {}

  void fill(void *out) override {
    offset += sampleDataset(dataset, defaultNoise(dataset), stream, offset,
                            static_cast<float *>(out), spec().rows());
  }

private:
  Dataset dataset;
  PhiloxStream stream;
  uint64_t offset = 0;
};

/// Rows of an array, drawn uniformly with replacement: row indices from one
/// random word per row.
class ArraySource : public DataSource {
public:
  ArraySource(BatchSpec spec, NpyArray array, PhiloxStream stream)
      : DataSource(std::move(spec)), array(std::move(array)), stream(stream) {}

  void fill(void *out) override {
    auto *to = static_cast<float *>(out);
    int64_t rows = spec().rows(), width = array.cols;
    for (int64_t i = 0; i < rows; i += 4) {
      std::array<uint32_t, 4> words = stream.block(offset++);
      for (int64_t j = 0; j < 4 && i + j < rows; ++j) {
        int64_t row = static_cast<int64_t>(
            (static_cast<uint64_t>(words[j]) * array.rows) >> 32);
        std::copy_n(array.data.data() + row * width, width,
                    to + (i + j) * width);
      }
    }
  }

private:
  NpyArray array;
  PhiloxStream stream;
  uint64_t offset = 0;
};
} // namespace

llvm::Expected<std::unique_ptr<DataSource>>
DataSource::create(llvm::StringRef name, uint64_t seed, const BatchSpec &spec,
                   uint64_t index) {
  PhiloxStream stream(seed, static_cast<uint32_t>(kDataStream + index));
  if (spec.shape.size() < 2 || spec.rows() <= 0 || spec.rowSize() <= 0)
    return makeError("a batch must be [rows, features...] with rows and "
                     "features, got " +
                     spec.str());
  // Every source here reads and writes f32; token data (i32, i64) comes
  // with the discrete flows.
  if (spec.element != ElementType::F32)
    return makeError(llvm::formatv(
        "the program's batch is {0}, and data '{1}' gives f32 values",
        spec.str(), name));
  if (std::optional<Dataset> dataset = parseDataset(name.str())) {
    if (spec.shape.size() != 2 || spec.shape[1] != 2)
      return makeError(llvm::formatv(
          "dataset '{0}' is 2-D points, and the program's batch is {1}", name,
          spec.str()));
    return std::make_unique<BuiltinSource>(spec, *dataset, stream);
  }
  if (!name.ends_with(".npy"))
    return makeError("unknown dataset '" + name + "' (expected " +
                     builtinDatasetNames() + ", or a .npy file)");
  llvm::Expected<NpyArray> array = toExpected(readNpy(name));
  if (!array)
    return array.takeError();
  if (array->cols != spec.rowSize())
    return makeError(llvm::formatv(
        "'{0}' has {1} columns, and a row of the program's batch {2} has {3} "
        "values",
        name, array->cols, spec.str(), spec.rowSize()));
  if (array->rows == 0)
    return makeError("'" + name + "' has no rows");
  return std::make_unique<ArraySource>(spec, std::move(*array), stream);
}
