//===- Sample.cpp - fm-run sample -----------------------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Options.h"

#include "fm/Runtime/Npy.h"
#include "fm/Runtime/Plot.h"
#include "fm/Runtime/SafeTensors.h"
#include "fm/Runtime/Sampler.h"
#include "fm/Runtime/StatusBridge.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>
#include <limits>

using namespace fmrt;
using namespace fm::cli;

/// The solver to sample with: --solver, or where it is not given and the
/// program has no forward sampler with the default solver, its only one.
static std::string samplerSolver(const Program &program) {
  if (solver.getNumOccurrences())
    return solver;
  std::vector<const EntryPoint *> forward;
  for (const EntryPoint *entry : program.entriesWithRole(EntryRole::Sampler))
    if (entry->direction == "forward") {
      if (entry->solver == solver.getValue())
        return solver;
      forward.push_back(entry);
    }
  return forward.size() == 1 ? forward.front()->solver : solver.getValue();
}

/// The start points of --x0: an array of `sampler`'s point shape after its
/// rows, read as float32. Sets `count` to its rows, which must equal -n
/// where -n is given.
static llvm::Expected<std::vector<float>>
readStartPoints(const Sampler &sampler, int64_t &count) {
  llvm::Expected<NpyTensor> x0 = toExpected(readNpyTensor(startPointsPath));
  if (!x0)
    return x0.takeError();
  llvm::SmallVector<int64_t, 4> pointShape = sampler.pointsShape(1);
  llvm::SmallVector<int64_t, 4> given(x0->shape.begin(), x0->shape.end());
  auto spell = [](llvm::ArrayRef<int64_t> shape) {
    std::string text = "[";
    for (auto [i, d] : llvm::enumerate(shape))
      text += (i ? ", " : "") + (d < 0 ? "n" : std::to_string(d));
    return text + "]";
  };
  if (!x0->isFloat() || given.size() != pointShape.size() ||
      llvm::ArrayRef(given).drop_front() !=
          llvm::ArrayRef(pointShape).drop_front() ||
      given.empty() || given.front() <= 0) {
    pointShape.front() = -1;
    return makeError(llvm::formatv(
        "--x0 '{0}' holds {1} {2} but the sampler starts from float points "
        "of shape {3} (n > 0)",
        startPointsPath, x0->isFloat() ? "floats" : "integers", spell(given),
        spell(pointShape)));
  }
  if (numSamples.getNumOccurrences() && numSamples != given.front())
    return makeError(llvm::formatv("-n {0} but --x0 '{1}' holds {2} points",
                                   numSamples.getValue(), startPointsPath,
                                   given.front()));
  count = given.front();
  std::vector<float> points;
  points.reserve(x0->floats.size());
  for (auto [i, v] : llvm::enumerate(x0->floats)) {
    if (!std::isfinite(v) || std::abs(v) > std::numeric_limits<float>::max())
      return makeError(llvm::formatv(
          "--x0 '{0}': value {1} is not a finite float32", startPointsPath, i));
    points.push_back(static_cast<float>(v));
  }
  return points;
}

llvm::Error fm::cli::runSample(const ToolConfig &config) {
  int64_t count =
      numSamples.getNumOccurrences() ? numSamples.getValue() : 10000;
  if (count <= 0)
    return makeError("-n must be positive");
  if (solverSteps <= 0)
    return makeError("--steps must be positive");
  if (chunkRows <= 0)
    return makeError("--chunk must be positive");
  if (llvm::Error err =
          checkOutputPaths({outputPath, plotPath},
                           {programPath, checkpointPath, startPointsPath}))
    return err;
  llvm::Expected<std::unique_ptr<Program>> program = loadProgram(config);
  if (!program)
    return program.takeError();
  llvm::Expected<std::unique_ptr<Sampler>> sampler =
      Sampler::create(**program, samplerSolver(**program));
  if (!sampler)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "'" + programPath + "': " + llvm::toString(sampler.takeError()));
  // Chunks of rows integrate at once, one on each core the oneDNN layer
  // uses, each chunk's products on its own thread: rows are independent,
  // so this beats splitting every product.
  auto [tasks, runner] = concurrentCalls(**program);
  (*sampler)->setConcurrency(tasks, std::move(runner));
  int64_t rowsPerCall = chunkRows.getNumOccurrences()
                            ? chunkRows.getValue()
                            : (*sampler)->defaultChunkRows();
  const EntryPoint &entry = (*sampler)->entry();
  llvm::Expected<std::optional<int64_t>> solverStepsOrError =
      solverStepsFor(entry, (*sampler)->takesSteps());
  if (!solverStepsOrError)
    return solverStepsOrError.takeError();
  std::optional<int64_t> steps = *solverStepsOrError;
  bool tokens = (*sampler)->samplesTokens();
  std::vector<float> startPoints;
  if (!startPointsPath.empty()) {
    if (tokens)
      return makeError("--x0 starts a continuous flow's sampler; '" +
                       entry.name + "' samples tokens");
    llvm::Expected<std::vector<float>> points =
        readStartPoints(**sampler, count);
    if (!points)
      return points.takeError();
    startPoints = std::move(*points);
  }
  int64_t dims = (*sampler)->pointSize();
  llvm::SmallVector<int64_t, 4> shape = (*sampler)->pointsShape(count);
  if (!plotPath.empty() && (shape.size() != 2 || dims != 2))
    return makeError(llvm::formatv("--plot draws 2-D samples, these have {0} "
                                   "{1}",
                                   dims, tokens ? "tokens" : "dimensions"));

  llvm::Expected<SafeTensorsFile> checkpoint =
      toExpected(readSafeTensors(checkpointPath));
  if (!checkpoint)
    return checkpoint.takeError();
  if (llvm::Error err = (*sampler)->loadParameters(*checkpoint, allowExtra))
    return err;

  // The points stream into the .npy chunk by chunk, so memory stays
  // bounded for any -n; the file's size is known before any work.
  ElementType element = tokens ? ElementType::I64 : ElementType::F32;
  int64_t bytes = npyFileBytes(element, count, dims);
  if (bytes < 0)
    return makeError(llvm::formatv(
        "-n {0} points of {1} values is too large for one file", count, dims));
  llvm::StringRef outputDir = llvm::sys::path::parent_path(outputPath);
  if (outputDir.empty())
    outputDir = ".";
  if (llvm::ErrorOr<llvm::sys::fs::space_info> space =
          llvm::sys::fs::disk_space(outputDir);
      space && static_cast<uint64_t>(bytes) > space->available)
    return makeError(llvm::formatv(
        "writing {0} points takes {1} bytes, and '{2}' has {3} bytes free",
        count, bytes, outputDir, space->available));
  // --plot draws the first kPlotPoints points.
  constexpr int64_t kPlotPoints = 1000000;
  int64_t plotted = plotPath.empty() ? 0 : std::min(count, kPlotPoints);
  std::vector<float> plotPoints;
  std::vector<int64_t> plotTokens;
  bool terminal = llvm::sys::Process::StandardErrIsDisplayed();
  int64_t reported = 0;
  std::string failure;
  double seconds = 0;
  auto start = std::chrono::steady_clock::now();
  Status written = writeNpyStreamed(
      outputPath, element, count, dims, [&](const NpyRowSink &write) {
        auto sink = [&](const void *points, int64_t first,
                        int64_t rows) -> llvm::Error {
          int64_t values = rows * dims;
          if (!tokens) {
            const auto *v = static_cast<const float *>(points);
            for (int64_t i = 0; i < values; ++i)
              if (!std::isfinite(v[i]))
                return makeError(llvm::formatv(
                    "sample {0} is not finite; nothing was written",
                    first + i / dims));
          }
          int64_t keep = std::clamp<int64_t>(plotted - first, 0, rows) * dims;
          if (tokens)
            plotTokens.insert(plotTokens.end(),
                              static_cast<const int64_t *>(points),
                              static_cast<const int64_t *>(points) + keep);
          else
            plotPoints.insert(plotPoints.end(),
                              static_cast<const float *>(points),
                              static_cast<const float *>(points) + keep);
          if (Status status = write(points, rows); !status.ok())
            return toError(status);
          int64_t done = first + rows;
          if (done < count && (terminal || done - reported >= count / 10)) {
            llvm::errs() << llvm::formatv("{0}sampled {1}/{2} points{3}",
                                          terminal ? "\r" : "", done, count,
                                          terminal ? "" : "\n");
            reported = done;
          }
          return llvm::Error::success();
        };
        llvm::Error err = llvm::Error::success();
        if (!startPoints.empty()) {
          // Given start points: integrated in place, then written at once.
          err = (*sampler)->sample(startPoints.data(), startPoints.data(),
                                   count, steps, rowsPerCall);
          if (!err)
            err = sink(startPoints.data(), 0, count);
        } else {
          err = tokens ? (*sampler)->sampleTokens(count, seed, steps,
                                                  rowsPerCall, sink)
                       : (*sampler)->sampleFromNoise(count, seed, steps,
                                                     rowsPerCall, sink);
        }
        // The time of sampling itself, chunks written to the file included.
        seconds = std::chrono::duration<double>(
                      std::chrono::steady_clock::now() - start)
                      .count();
        if (err) {
          failure = llvm::toString(std::move(err));
          return Status::error(failure);
        }
        // The plot is written before the .npy is renamed into place, so a
        // failed plot leaves neither output behind.
        if (plotPath.empty())
          return Status::success();
        Status plot =
            tokens ? writeTokenGridPng(plotPath, plotTokens.data(), plotted,
                                       (*sampler)->vocabulary())
                   : writeScatterPng(plotPath, plotPoints.data(), plotted);
        if (!plot.ok())
          failure = plot.message();
        return plot;
      });
  if (terminal && reported > 0)
    llvm::errs() << "\n";
  if (!failure.empty())
    return makeError(failure);
  if (llvm::Error err = toError(written))
    return err;
  std::string how =
      steps ? llvm::formatv("{0} {1} steps", *steps, entry.solver).str()
      : entry.fixedSteps
          ? llvm::formatv("{0} (the program's {1} steps)", entry.solver,
                          *entry.fixedSteps)
                .str()
          : llvm::formatv("{0} (the program's time grid of {1} times)",
                          entry.solver, entry.timeGrid.size())
                .str();
  llvm::outs() << llvm::formatv("sampled {0} points with {1} in {2:f3} s; "
                                "wrote {3}\n",
                                count, how, seconds, outputPath);
  return llvm::Error::success();
}
