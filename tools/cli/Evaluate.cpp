//===- Evaluate.cpp - fm-run likelihood and eval --------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Options.h"

#include "fm/Runtime/Datasets.h"
#include "fm/Runtime/Evaluator.h"
#include "fm/Runtime/Likelihood.h"
#include "fm/Runtime/Npy.h"
#include "fm/Runtime/Random.h"
#include "fm/Runtime/SafeTensors.h"
#include "fm/Runtime/StatusBridge.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>

using namespace fmrt;
using namespace fm::cli;

//===----------------------------------------------------------------------===//
// likelihood
//===----------------------------------------------------------------------===//

llvm::Error fm::cli::runLikelihood(const ToolConfig &config) {
  if (divergence != "exact" && divergence != "hutchinson")
    return makeError("unknown --divergence '" + divergence +
                     "' (expected exact or hutchinson)");
  if (numSamples.getNumOccurrences() && numSamples <= 0)
    return makeError("-n must be positive");
  if (solverSteps <= 0)
    return makeError("--steps must be positive");
  if (chunkRows <= 0)
    return makeError("--chunk must be positive");
  if (llvm::Error err =
          checkOutputPaths({logpPath}, {programPath, checkpointPath, dataName}))
    return err;
  llvm::Expected<std::unique_ptr<Program>> program = loadProgram(config);
  if (!program)
    return program.takeError();
  llvm::Expected<std::unique_ptr<LikelihoodEvaluator>> evaluator =
      LikelihoodEvaluator::create(**program, solver, divergence);
  if (!evaluator)
    return makeError("'" + programPath +
                     "': " + llvm::toString(evaluator.takeError()));
  auto [tasks, runner] = concurrentCalls(**program);
  (*evaluator)->setConcurrency(tasks, std::move(runner));
  const EntryPoint &entry = (*evaluator)->entry();
  llvm::Expected<std::optional<int64_t>> solverStepsOrError =
      solverStepsFor(entry, (*evaluator)->takesSteps());
  if (!solverStepsOrError)
    return solverStepsOrError.takeError();
  std::optional<int64_t> steps = *solverStepsOrError;
  int64_t dims = (*evaluator)->pointSize();

  // The points: a built-in dataset (stream kLikelihoodDataStream of the
  // seed) or the first rows of a .npy file.
  std::vector<float> points;
  int64_t count = 0;
  if (std::optional<Dataset> dataset = parseDataset(dataName.getValue())) {
    if (dims != 2)
      return makeError(llvm::formatv(
          "dataset '{0}' is 2-D but @{1} takes points of {2} dimensions",
          dataName, entry.name, dims));
    count = numSamples.getNumOccurrences() ? numSamples.getValue() : 1000;
    points.resize(count * 2);
    sampleDataset(*dataset, defaultNoise(*dataset),
                  PhiloxStream(seed, kLikelihoodDataStream), 0, points.data(),
                  count);
  } else {
    llvm::Expected<NpyArray> array = toExpected(readNpy(dataName));
    if (!array)
      return array.takeError();
    if (array->cols != dims)
      return makeError(llvm::formatv(
          "'{0}' has {1} columns but @{2} takes points of {3} dimensions",
          dataName, array->cols, entry.name, dims));
    count = array->rows;
    if (numSamples.getNumOccurrences())
      count = std::min<int64_t>(count, numSamples);
    points.assign(array->data.begin(), array->data.begin() + count * dims);
  }

  llvm::Expected<SafeTensorsFile> checkpoint =
      toExpected(readSafeTensors(checkpointPath));
  if (!checkpoint)
    return checkpoint.takeError();
  if (llvm::Error err = (*evaluator)->loadParameters(*checkpoint, allowExtra))
    return err;
  std::vector<float> logp(count);
  auto start = std::chrono::steady_clock::now();
  if (llvm::Error err =
          (*evaluator)
              ->evaluate(points.data(), logp.data(), count, steps, seed,
                         chunkRows.getNumOccurrences()
                             ? chunkRows.getValue()
                             : (*evaluator)->defaultChunkRows()))
    return err;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  double sum = 0;
  for (float value : logp)
    sum += value;
  double mean = sum / static_cast<double>(count);
  if (!std::isfinite(mean))
    return makeError("the log-likelihood is not finite; nothing was written");
  if (!logpPath.empty())
    if (llvm::Error err = toError(writeNpy(logpPath, logp.data(), count, 1)))
      return err;
  llvm::outs() << llvm::formatv(
      "{0} points, {1} {2} divergence{3}: mean log-likelihood {4:f4} nats, "
      "{5:f4} bits/dim in {6:f3} s\n",
      count, entry.solver, divergence,
      steps ? llvm::formatv(", {0} steps", *steps).str()
            : llvm::formatv(", the program's {0} steps",
                            entry.fixedSteps.value_or(0))
                  .str(),
      mean, -mean / (static_cast<double>(dims) * std::log(2.0)), seconds);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// eval
//===----------------------------------------------------------------------===//

/// `eval` of token samples (an integer .npy of [N, width]) against a token
/// dataset: the fraction of them where it has mass.
static llvm::Error evalTokens() {
  llvm::Expected<NpyTensor> samples = toExpected(readNpyTensor(samplesPath));
  if (!samples)
    return samples.takeError();
  if (samples->isFloat() || samples->shape.size() != 2)
    return makeError(llvm::formatv(
        "'{0}' holds {1} values of rank {2}, and '{3}' is scored on token "
        "samples: an int32 or int64 array [N, tokens]",
        samplesPath, llvm::StringRef(numpyTypeName(samples->dtype)),
        samples->shape.size(), dataName));
  int64_t count = numSamples.getNumOccurrences() ? numSamples.getValue()
                                                 : samples->shape[0];
  llvm::Expected<TokenEvaluation> result =
      evaluateTokens(samples->ints.data(), samples->shape[0], samples->shape[1],
                     dataName, count);
  if (!result)
    return makeError(llvm::Twine("cannot evaluate '") + samplesPath +
                     "': " + llvm::toString(result.takeError()));
  llvm::outs() << llvm::formatv("{0} samples of {1}\n", result->count,
                                dataName);
  llvm::outs() << llvm::formatv(
      "hit rate {0:f4} ({1} on the cells where the data lies; uniform noise "
      "scores 0.5)\n",
      result->hitRate(), result->hits);
  return llvm::Error::success();
}

llvm::Error fm::cli::runEval() {
  if (parseTokenDataset(dataName.getValue()))
    return evalTokens();
  llvm::Expected<NpyArray> samples = toExpected(readNpy(samplesPath));
  if (!samples)
    return samples.takeError();
  int64_t count = numSamples.getNumOccurrences() ? numSamples.getValue() : 2000;
  if (count <= 0)
    return makeError("-n must be positive");
  llvm::Expected<Evaluation> result =
      evaluateSamples(samples->data.data(), samples->rows, samples->cols,
                      dataName, count, seed);
  if (!result)
    return makeError(llvm::Twine("cannot evaluate '") + samplesPath +
                     "': " + llvm::toString(result.takeError()));
  llvm::outs() << llvm::formatv("{0} samples vs {0} points of {1}\n",
                                result->count, dataName);
  llvm::outs() << llvm::formatv("W2 {0:f4}\n", result->w2);
  llvm::outs() << llvm::formatv("energy distance {0:f5}\n", result->energy);
  llvm::outs() << llvm::formatv("MMD^2 {0:f5}\n", result->mmd2);
  return llvm::Error::success();
}
