//===- DataSource.h - Training batches and reference data -------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Where a Trainer's batches come from: a built-in dataset (Datasets.h) or the
// rows of a `.npy` file, drawn uniformly with replacement. A source is made
// for one batch input of a train step, whose element type and shape the
// manifest gives (BatchSpec), and fills one batch per call without
// allocating. The draws for batch input k come from Philox stream 1000 + k
// of the run's seed, so a seed fixes the whole sequence of batches.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_DATASOURCE_H
#define FM_RUNTIME_DATASOURCE_H

#include "fm/Runtime/Program.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>

namespace fmrt {

/// The element type and shape of one batch input: [rows, ...].
struct BatchSpec {
  ElementType element = ElementType::F32;
  llvm::SmallVector<int64_t, 4> shape;
  /// A discrete flow's vocabulary V: its data tokens lie in [0, V).
  std::optional<int64_t> vocabulary = std::nullopt;

  int64_t rows() const { return shape.empty() ? 0 : shape.front(); }
  /// The elements of one row (the product of the trailing dimensions).
  int64_t rowSize() const;
  /// "tensor<256x2xf32>".
  std::string str() const;
};

/// A stream of training batches.
class DataSource {
public:
  virtual ~DataSource();

  /// A source of batches of `spec` from `name` (a built-in dataset or a
  /// .npy file) for batch input `index` of a train step, drawing from
  /// `seed`. Fails, saying why, where the data does not fit the spec
  /// (columns, element type) or cannot be read.
  static llvm::Expected<std::unique_ptr<DataSource>>
  create(llvm::StringRef name, uint64_t seed, const BatchSpec &spec,
         uint64_t index = 0);

  /// The spec batches are filled for.
  const BatchSpec &spec() const { return batchSpec; }

  /// Writes the next batch to `out`, a buffer of spec()'s shape and type.
  virtual void fill(void *out) = 0;

protected:
  explicit DataSource(BatchSpec spec) : batchSpec(std::move(spec)) {}

private:
  BatchSpec batchSpec;
};

/// The names of the built-in datasets, for messages: "moons, 8gaussians,
/// ...".
std::string builtinDatasetNames();

} // namespace fmrt

#endif // FM_RUNTIME_DATASOURCE_H
