//===- Cli.cpp - The command line shared by fm-run and fm-exec ------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
//   TOOL train PROGRAM --data moons --steps 10000 --seed 0 -o m.safetensors
//   TOOL sample PROGRAM --checkpoint m.safetensors -n 10000 \
//       --solver midpoint --steps 8 --seed 1 -o samples.npy --plot s.png
//   TOOL eval samples.npy --data moons
//   TOOL likelihood PROGRAM --checkpoint m.safetensors --data points.npy \
//       --solver midpoint --steps 20 --divergence exact -o logp.npy
//
// PROGRAM is a library that `fm-run compile` wrote, or (fm-run only) an
// .mlir file compiled in process. Everything a command does beyond parsing
// flags is the runtime's: fmrt::Trainer, fmrt::Sampler, evaluateSamples,
// fmrt::LikelihoodEvaluator.
//
//===----------------------------------------------------------------------===//

#include "Cli.h"

#include "fm/Runtime/DataSource.h"
#if FM_HAVE_DNNL
#include "fm/Runtime/Dnnl.h"
#endif
#include "fm/Runtime/Datasets.h"
#include "fm/Runtime/Evaluator.h"
#include "fm/Runtime/Likelihood.h"
#include "fm/Runtime/Npy.h"
#include "fm/Runtime/Plot.h"
#include "fm/Runtime/Random.h"
#include "fm/Runtime/SafeTensors.h"
#include "fm/Runtime/Sampler.h"
#include "fm/Runtime/StatusBridge.h"
#include "fm/Runtime/Trainer.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstring>
#include <new>
#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

using namespace fmrt;
using namespace fm::cli;
namespace cl = llvm::cl;

llvm::cl::OptionCategory &fm::cli::category() {
  static cl::OptionCategory category("fm-run options");
  return category;
}

//===----------------------------------------------------------------------===//
// Commands and their options
//===----------------------------------------------------------------------===//

static cl::SubCommand trainCommand("train", "Train a program's model");
static cl::SubCommand
    sampleCommand("sample", "Sample a trained model with an ODE solver");
static cl::SubCommand likelihoodCommand(
    "likelihood", "Exact log-likelihood of data points under a trained model");
static cl::SubCommand evalCommand(
    "eval", "Compare samples with fresh data: exact W2, energy distance, MMD");

static cl::opt<std::string>
    programPath(cl::Positional, cl::Required,
                cl::desc("<program.so, or program.mlir for fm-run>"),
                cl::sub(trainCommand), cl::sub(sampleCommand),
                cl::sub(likelihoodCommand), cl::cat(category()));
static cl::opt<std::string>
    outputPath("o", cl::Required, cl::desc("Output file"),
               cl::value_desc("path"), cl::sub(trainCommand),
               cl::sub(sampleCommand), cl::cat(category()));
enum class Precision { F32, BF16 };
static cl::opt<Precision> precisionFlag(
    "precision",
    cl::desc("The arithmetic of matrix products (dnnl backend): f32, or bf16 "
             "products with f32 accumulation, f32 weights and f32 optimizer "
             "state (needs a CPU with avx512_bf16)"),
    cl::init(Precision::F32),
    cl::values(clEnumValN(Precision::F32, "f32", "f32 everywhere"),
               clEnumValN(Precision::BF16, "bf16",
                          "bf16 products, f32 accumulation")),
    cl::sub(trainCommand), cl::sub(sampleCommand), cl::sub(likelihoodCommand),
    cl::cat(category()));
static cl::opt<unsigned> threadsFlag(
    "threads",
    cl::desc("Threads for compiled code's matrix products on the dnnl "
             "backend (default 1: on these layer sizes one thread was "
             "fastest; see bench/RESULTS.md)"),
    cl::init(0), cl::value_desc("N"), cl::sub(trainCommand),
    cl::sub(sampleCommand), cl::sub(likelihoodCommand), cl::cat(category()));
static cl::opt<uint64_t> seed("seed", cl::desc("Random seed"), cl::init(0),
                              cl::sub(trainCommand), cl::sub(sampleCommand),
                              cl::sub(evalCommand), cl::sub(likelihoodCommand),
                              cl::cat(category()));
static cl::opt<std::string> backendFlag(
    "backend",
    cl::desc("How an .mlir program's matrix products are computed: dnnl "
             "(oneDNN calls; the default where oneDNN is built) or linalg "
             "(generated vector code)"),
    cl::value_desc("dnnl|linalg"), cl::sub(trainCommand),
    cl::sub(sampleCommand), cl::sub(likelihoodCommand), cl::cat(category()));

// train
static cl::opt<std::string>
    dataName("data",
             cl::desc("Training data: moons, 8gaussians, checkerboard, "
                      "circles, spirals, or a .npy file of shape [N, D]"),
             cl::init("moons"), cl::sub(trainCommand), cl::sub(evalCommand),
             cl::sub(likelihoodCommand), cl::cat(category()));
static cl::opt<int64_t> trainSteps("steps", cl::desc("Training steps"),
                                   cl::init(10000), cl::sub(trainCommand),
                                   cl::cat(category()));
static cl::opt<int64_t>
    logEvery("log-every",
             cl::desc("Steps between progress lines when stderr is not a "
                      "terminal (default: steps / 10)"),
             cl::init(0), cl::sub(trainCommand), cl::cat(category()));
static cl::opt<double>
    emaDecay("ema",
             cl::desc("Also keep an exponential moving average of the "
                      "parameters with this decay (e.g. 0.999) and write it "
                      "to the checkpoint instead of the last iterate "
                      "(default 0: off, the seed's recipe)"),
             cl::init(0.0), cl::sub(trainCommand), cl::cat(category()));
static cl::opt<int64_t>
    checkpointEvery("checkpoint-every",
                    cl::desc("Steps between checkpoint writes (0: at the end "
                             "only)"),
                    cl::init(1000), cl::sub(trainCommand), cl::cat(category()));
static cl::opt<std::string>
    trainerName("trainer",
                cl::desc("The train step to run, where the program has "
                         "several (default: the only one)"),
                cl::value_desc("name"), cl::sub(trainCommand),
                cl::cat(category()));

// sample
static cl::opt<std::string>
    checkpointPath("checkpoint", cl::Required, cl::desc("Trained parameters"),
                   cl::value_desc("path"), cl::sub(sampleCommand),
                   cl::sub(likelihoodCommand), cl::cat(category()));
static cl::opt<int64_t>
    numSamples("n",
               cl::desc("Number of samples (sample: default 10000; eval: "
                        "points compared, default 2000; likelihood: points, "
                        "default 1000 of a dataset or all of a file)"),
               cl::init(0), cl::sub(sampleCommand), cl::sub(evalCommand),
               cl::sub(likelihoodCommand), cl::cat(category()));
static cl::opt<std::string> plotPath("plot",
                                     cl::desc("Also write a PNG scatter plot"),
                                     cl::value_desc("path.png"),
                                     cl::sub(sampleCommand),
                                     cl::cat(category()));
static cl::opt<std::string> solver(
    "solver",
    cl::desc("The sampler's solver: euler, midpoint, heun, rk4, meanflow, ... "
             "(those the program has; sample defaults to midpoint, or to the "
             "program's only forward sampler)"),
    cl::init("midpoint"), cl::sub(sampleCommand), cl::sub(likelihoodCommand),
    cl::cat(category()));
static cl::opt<int64_t> solverSteps("steps", cl::desc("ODE steps"), cl::init(8),
                                    cl::sub(sampleCommand),
                                    cl::sub(likelihoodCommand),
                                    cl::cat(category()));
static cl::opt<bool> allowExtra(
    "allow-extra",
    cl::desc("Ignore checkpoint tensors that are no parameter of the program"),
    cl::sub(sampleCommand), cl::sub(likelihoodCommand), cl::cat(category()));
static cl::opt<std::string> startPointsPath(
    "x0",
    cl::desc("Start from these source points (.npy, [n, data shape...] "
             "float32 or float64) instead of drawing them from N(0, I); "
             "-n defaults to their count"),
    cl::value_desc("path.npy"), cl::sub(sampleCommand), cl::cat(category()));
static cl::opt<int64_t>
    chunkRows("chunk", cl::desc("Points integrated per call of the sampler"),
              cl::init(65536), cl::sub(sampleCommand),
              cl::sub(likelihoodCommand), cl::cat(category()));

// likelihood
static cl::opt<std::string> divergence(
    "divergence",
    cl::desc("How the likelihood takes the divergence: exact or hutchinson"),
    cl::init("exact"), cl::sub(likelihoodCommand), cl::cat(category()));
static cl::opt<std::string>
    logpPath("o", cl::desc("Also write log p of every point (.npy, [n, 1])"),
             cl::value_desc("path"), cl::sub(likelihoodCommand),
             cl::cat(category()));

// eval
static cl::opt<std::string> samplesPath(cl::Positional, cl::Required,
                                        cl::desc("<samples.npy>"),
                                        cl::sub(evalCommand),
                                        cl::cat(category()));

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

llvm::Expected<Backend> fm::cli::parseBackendFlag(llvm::StringRef flag,
                                                  llvm::StringRef toolName,
                                                  bool toCompile) {
  if (flag.empty())
    return defaultBackend();
  std::optional<Backend> backend = parseBackend(flag);
  if (!backend)
    return makeError("unknown --backend '" + flag + "' (expected one of " +
                     llvm::StringRef(backendNames()) + ")");
  if (*backend == Backend::Cuda && !toCompile)
    return makeError("--backend cuda: " + toolName +
                     " compiles GPU code ahead of time only; run `fm-run "
                     "compile --backend cuda` and give the library to fm-exec");
  if (*backend != Backend::Cuda && !isBackendAvailable(*backend))
    return makeError("--backend " + flag + ": this build of " + toolName +
                     " lacks it; use --backend linalg");
  return *backend;
}

bool fm::cli::isCompiledProgram(llvm::StringRef path) {
  char magic[4] = {};
  std::FILE *file = std::fopen(path.str().c_str(), "rb");
  if (!file)
    return false;
  size_t read = std::fread(magic, 1, sizeof magic, file);
  std::fclose(file);
  return read == sizeof magic && std::memcmp(magic,
                                             "\x7f"
                                             "ELF",
                                             4) == 0;
}

/// The program to run: a compiled library as it is, an .mlir file compiled
/// for --backend where the tool has a compiler.
static llvm::Expected<std::unique_ptr<Program>>
loadProgramFile(const ToolConfig &config) {
  llvm::Expected<Backend> backend =
      parseBackendFlag(backendFlag, config.name, /*toCompile=*/false);
  if (!backend)
    return backend.takeError();
  if (!llvm::sys::fs::exists(programPath))
    return makeError(
        "cannot read '" + programPath + "': " +
        std::make_error_code(std::errc::no_such_file_or_directory).message());
  if (isCompiledProgram(programPath)) {
    llvm::Expected<std::unique_ptr<Program>> program =
        Program::load(programPath);
    if (!program)
      return program.takeError();
    llvm::StringRef compiledFor =
        llvm::StringRef(backendName((*program)->backend()));
    if (!backendFlag.empty() && backendFlag != compiledFor)
      return makeError("'" + programPath + "' was compiled for the " +
                       compiledFor + " backend; --backend " + backendFlag +
                       " applies when compiling");
    return program;
  }
  if (!config.compileSource)
    return makeError("'" + programPath +
                     "' is not a compiled program: " + config.name +
                     " has no compiler (compile it with `fm-run compile`, or "
                     "run it with fm-run)");
  return config.compileSource(programPath, *backend);
}

/// loadProgramFile, checked against the compute flags.
static llvm::Expected<std::unique_ptr<Program>>
loadProgram(const ToolConfig &config) {
  llvm::Expected<std::unique_ptr<Program>> program = loadProgramFile(config);
  if (!program)
    return program.takeError();
  // bf16 products are the oneDNN layer's.
  if (precisionFlag == Precision::BF16 &&
      (*program)->backend() != Backend::Dnnl)
    return makeError(llvm::Twine("--precision bf16: '") + programPath +
                     "' runs on the " +
                     llvm::StringRef(backendName((*program)->backend())) +
                     " backend, whose products are f32 only (bf16 needs the "
                     "dnnl backend)");
  return program;
}

//===----------------------------------------------------------------------===//
// train
//===----------------------------------------------------------------------===//

namespace {
/// Catches SIGINT and SIGTERM while it lives: the first sets received() to
/// the signal's number and restores the default action, so a second one
/// ends the process.
class StopSignals {
public:
  StopSignals() {
    struct sigaction action = {};
    action.sa_handler = &StopSignals::handle;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESETHAND;
    sigaction(SIGINT, &action, &previousInt);
    sigaction(SIGTERM, &action, &previousTerm);
  }
  ~StopSignals() {
    sigaction(SIGINT, &previousInt, nullptr);
    sigaction(SIGTERM, &previousTerm, nullptr);
  }
  StopSignals(const StopSignals &) = delete;
  StopSignals &operator=(const StopSignals &) = delete;

  const std::atomic<int> &received() const { return signal; }

private:
  static void handle(int number) { signal.store(number); }

  static std::atomic<int> signal;
  struct sigaction previousInt = {}, previousTerm = {};
};
std::atomic<int> StopSignals::signal{0};
static_assert(std::atomic<int>::is_always_lock_free,
              "a signal handler may store only to a lock-free atomic");
} // namespace

static llvm::Error train(const ToolConfig &config) {
  if (trainSteps <= 0)
    return makeError("--steps must be positive");
  if (!(emaDecay >= 0 && emaDecay < 1))
    return makeError(
        llvm::formatv("--ema must be in [0, 1), got {0}", emaDecay.getValue()));
  if (llvm::Error err = checkOutputPath(outputPath, {programPath, dataName}))
    return err;
  llvm::Expected<std::unique_ptr<Program>> program = loadProgram(config);
  if (!program)
    return program.takeError();
  llvm::Expected<std::unique_ptr<Trainer>> trainer =
      Trainer::create(**program, trainerName);
  if (!trainer)
    return trainer.takeError();

  // One data source per batch input, each on its own stream of the seed.
  std::vector<std::unique_ptr<DataSource>> sources;
  std::vector<DataSource *> data;
  for (const BatchSpec &spec : (*trainer)->batches()) {
    llvm::Expected<std::unique_ptr<DataSource>> source =
        DataSource::create(dataName, seed, spec, sources.size());
    if (!source)
      return source.takeError();
    sources.push_back(std::move(*source));
    data.push_back(sources.back().get());
  }

  TrainOptions options;
  options.steps = trainSteps;
  options.seed = seed;
  options.ema = emaDecay;
  options.checkpointEvery = checkpointEvery;
  options.checkpointPath = outputPath;
  options.metadata = {
      {"fm.program", llvm::sys::path::filename(programPath).str()},
      {"fm.data", dataName}};

  // A redrawn line on a terminal, a line every `every` steps elsewhere.
  bool terminal = llvm::sys::Process::StandardErrIsDisplayed();
  int64_t every = logEvery > 0 ? logEvery.getValue()
                               : std::max<int64_t>(1, trainSteps / 10);
  double lastDraw = -1;
  float lastLoss = 0;
  double lastSeconds = 0;
  auto progress = [&](const TrainProgress &p) {
    lastLoss = p.loss;
    lastSeconds = p.seconds;
    double rate = p.step / std::max(p.seconds, 1e-9);
    if (terminal && (p.seconds - lastDraw > 0.1 || p.step == p.steps)) {
      llvm::errs() << llvm::formatv(
          "\rstep {0}/{1}  loss {2:f4}  {3:f0} steps/s", p.step, p.steps,
          p.loss, rate);
      lastDraw = p.seconds;
    } else if (!terminal && (p.step % every == 0 || p.step == p.steps)) {
      llvm::errs() << llvm::formatv("step {0}/{1} loss {2:f4} {3:f0} steps/s\n",
                                    p.step, p.steps, p.loss, rate);
    }
  };
  // SIGINT and SIGTERM stop the run after the step under way, with a
  // checkpoint of the steps done; a second one ends the process at once.
  StopSignals stop;
  options.stopSignal = &stop.received();
  llvm::Error result = (*trainer)->run(data, options, progress);
  if (terminal)
    llvm::errs() << "\n";
  if (result)
    return result;
  llvm::outs() << llvm::formatv(
      "trained {0} steps in {1:f3} s (final loss {2:f4}); wrote {3}\n",
      trainSteps.getValue(), lastSeconds, lastLoss, outputPath);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// sample
//===----------------------------------------------------------------------===//

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

static llvm::Error sample(const ToolConfig &config) {
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
  const EntryPoint &entry = (*sampler)->entry();
  if (!(*sampler)->takesSteps() && solverSteps.getNumOccurrences())
    return makeError("@" + entry.name +
                     " has its steps fixed by the program; drop --steps");
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

  std::optional<int64_t> steps;
  if ((*sampler)->takesSteps())
    steps = solverSteps.getValue();

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
                                   count, steps, chunkRows);
          if (!err)
            err = sink(startPoints.data(), 0, count);
        } else {
          err = tokens ? (*sampler)->sampleTokens(count, seed, steps, chunkRows,
                                                  sink)
                       : (*sampler)->sampleFromNoise(count, seed, steps,
                                                     chunkRows, sink);
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

//===----------------------------------------------------------------------===//
// likelihood
//===----------------------------------------------------------------------===//

static llvm::Error likelihood(const ToolConfig &config) {
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
  const EntryPoint &entry = (*evaluator)->entry();
  if (!(*evaluator)->takesSteps() && solverSteps.getNumOccurrences())
    return makeError("@" + entry.name +
                     " has its steps fixed by the program; drop --steps");
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
  std::optional<int64_t> steps;
  if ((*evaluator)->takesSteps())
    steps = solverSteps.getValue();
  std::vector<float> logp(count);
  auto start = std::chrono::steady_clock::now();
  if (llvm::Error err = (*evaluator)
                            ->evaluate(points.data(), logp.data(), count, steps,
                                       seed, chunkRows))
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

static llvm::Error eval() {
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

//===----------------------------------------------------------------------===//
// main
//===----------------------------------------------------------------------===//

/// Compiled code allocates its intermediate tensors with malloc on every
/// call. glibc serves blocks above 128 KiB with mmap and returns them to the
/// kernel on free, so every call would fault its pages in again (expensive
/// on these VMs: bench/RESULTS.md): keep freed memory in the heap instead.
/// The first call still faults in every page it touches, 4 KiB at a time:
/// so the heap is grown once by kHugeHeap of address space (no memory until
/// touched) and marked for transparent huge pages, where the kernel offers
/// them on request (`madvise` mode), and first touches fault 2 MiB at once.
static void keepFreedMemory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  constexpr size_t kHugeHeap = size_t(256) << 20, kHugePage = size_t(2) << 20;
  if (void *reserve = std::malloc(kHugeHeap)) {
    auto begin = (reinterpret_cast<uintptr_t>(reserve) + kHugePage - 1) &
                 ~(kHugePage - 1);
    auto end =
        (reinterpret_cast<uintptr_t>(reserve) + kHugeHeap) & ~(kHugePage - 1);
    if (end > begin)
      madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE);
    std::free(reserve);
  }
#endif
}

/// Applies --threads and --precision, where given, to the runtime's
/// compute layers.
static llvm::Error applyComputeFlags() {
  if (threadsFlag.getNumOccurrences() &&
      (threadsFlag < 1 || threadsFlag > 1024))
    return makeError("--threads must be from 1 to 1024, not " +
                     llvm::Twine(threadsFlag.getValue()));
#if FM_HAVE_DNNL
  if (threadsFlag.getNumOccurrences())
    fmrt::dnnl::configureThreads(static_cast<int>(threadsFlag));
  if (precisionFlag == Precision::BF16) {
    if (!fmrt::dnnl::hasBf16())
      return makeError("--precision bf16: this CPU has no bf16 arithmetic "
                       "(avx512_bf16)");
    fmrt::dnnl::setMathMode(fmrt::dnnl::MathMode::BF16);
  }
#else
  if (precisionFlag == Precision::BF16)
    return makeError("--precision bf16: this build has no oneDNN layer");
#endif
  return llvm::Error::success();
}

/// Runs the command the command line names (there is one).
static llvm::Error runCommand(const ToolConfig &config) {
  if (config.extraCommand && *config.extraCommand)
    return config.extraAction();
  if (trainCommand)
    return train(config);
  if (sampleCommand)
    return sample(config);
  if (evalCommand)
    return eval();
  return likelihood(config);
}

int fm::cli::runTool(int argc, char **argv, const ToolConfig &config) {
  llvm::InitLLVM init(argc, argv);
  keepFreedMemory();
  // The runtime's own allocations (built without exceptions) end the
  // process with a message and status 1 rather than a crash; compiled
  // code's come back to Program::call as errors (fm/Runtime/Allocation.h).
  std::set_new_handler([] {
    static const char message[] = "error: out of memory\n";
    [[maybe_unused]] ssize_t written =
        ::write(STDERR_FILENO, message, sizeof message - 1);
    std::_Exit(1);
  });
  cl::HideUnrelatedOptions(category());
  cl::ParseCommandLineOptions(
      argc, argv,
      (config.name +
       ": train and sample flow-matching programs compiled by FM-MLIR\n")
          .str());
  bool hasCommand = (config.extraCommand && *config.extraCommand) ||
                    trainCommand || sampleCommand || evalCommand ||
                    likelihoodCommand;
  if (!hasCommand) {
    llvm::WithColor::error(llvm::errs(), config.name)
        << "expected a command: "
        << (config.extraCommand ? config.extraCommand->getName().str() + ", "
                                : std::string())
        << "train, sample, likelihood or eval (see --help)\n";
    return 2;
  }
  llvm::Error result = applyComputeFlags();
  if (!result)
    result = runCommand(config);
  if (!result)
    return 0;
  // An interrupted run exits as the signal would have (128 + its number),
  // with a note of what it kept rather than an error.
  int interrupted = 0;
  result = llvm::handleErrors(
      std::move(result), [&](const fmrt::TrainInterrupted &stop) {
        interrupted = stop.signal;
        llvm::WithColor::note(llvm::errs(), config.name)
            << llvm::toString(llvm::make_error<fmrt::TrainInterrupted>(stop))
            << "\n";
      });
  if (!result)
    return 128 + interrupted;
  llvm::WithColor::error(llvm::errs(), config.name)
      << llvm::toString(std::move(result)) << "\n";
  return 1;
}
