//===- Train.cpp - fm-run train -------------------------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Options.h"

#include "fm/Runtime/DataSource.h"
#include "fm/Runtime/Trainer.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

#include <atomic>
#include <csignal>

using namespace fmrt;
using namespace fm::cli;

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

llvm::Error fm::cli::runTrain(const ToolConfig &config) {
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
