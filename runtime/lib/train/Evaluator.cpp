//===- Evaluator.cpp - Sample quality against reference data --------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Evaluator.h"

#include "fm/Runtime/Datasets.h"
#include "fm/Runtime/Metrics.h"
#include "fm/Runtime/Npy.h"
#include "fm/Runtime/Random.h"
#include "fm/Runtime/StatusBridge.h"

#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <vector>

using namespace fmrt;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Expected<Evaluation> fmrt::evaluateSamples(const float *samples,
                                                 int64_t n, int64_t dims,
                                                 llvm::StringRef data,
                                                 int64_t count, uint64_t seed) {
  if (count <= 0)
    return makeError("the number of points compared must be positive");
  count = std::min(count, n);

  // Fresh reference points: a built-in dataset or the first rows of a file.
  std::vector<float> reference(count * dims);
  if (std::optional<Dataset> dataset = parseDataset(data.str())) {
    if (dims != 2)
      return makeError(llvm::formatv(
          "dataset '{0}' is 2-D but the samples have {1} columns", data, dims));
    sampleDataset(*dataset, defaultNoise(*dataset),
                  PhiloxStream(seed, kReferenceStream), 0, reference.data(),
                  count);
  } else {
    llvm::Expected<NpyArray> array = toExpected(readNpy(data));
    if (!array)
      return array.takeError();
    if (array->cols != dims)
      return makeError(
          llvm::formatv("'{0}' has {1} columns but the samples have {2}", data,
                        array->cols, dims));
    count = std::min(count, array->rows);
    std::copy_n(array->data.data(), count * dims, reference.data());
  }

  const float *y = reference.data();
  MetricResult w2 = wasserstein2(samples, count, y, count, dims);
  MetricResult energy = energyDistance(samples, count, y, count, dims);
  MetricResult mmd = mmd2RbfMulti(samples, count, y, count, dims);
  for (const MetricResult *r : {&w2, &energy, &mmd})
    if (!r->ok())
      return makeError(describeMetricError(r->error));
  return Evaluation{count, w2.value, energy.value, mmd.value};
}

llvm::Expected<TokenEvaluation> fmrt::evaluateTokens(const int64_t *samples,
                                                     int64_t n, int64_t width,
                                                     llvm::StringRef data,
                                                     int64_t count) {
  std::optional<TokenDataset> dataset = parseTokenDataset(data.str());
  if (!dataset)
    return makeError("'" + data + "' is not a token dataset (expected " +
                     tokenDatasetName(TokenDataset::CheckerboardTokens) + ")");
  if (width != tokenDatasetWidth(*dataset))
    return makeError(llvm::formatv(
        "samples of {0} tokens, and '{1}' has {2} tokens a sample", width, data,
        tokenDatasetWidth(*dataset)));
  if (count <= 0)
    return makeError("the number of samples scored must be positive");
  TokenEvaluation result;
  result.count = std::min(count, n);
  for (int64_t i = 0; i < result.count; ++i)
    result.hits += isTokenDatasetHit(*dataset, samples + i * width);
  return result;
}
