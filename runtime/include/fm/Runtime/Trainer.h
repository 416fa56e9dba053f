//===- Trainer.h - The training loop of compiled programs -------*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// fmrt::Trainer runs a program's training: it finds the `init` and
// `train_step` entry points by their roles (fm/Runtime/Roles.h), keeps the
// parameters and every optimizer state the step declares in buffers it
// owns, feeds each batch input from a DataSource, and calls the step. The
// loop (Trainer::run) reports progress, keeps an optional moving average of
// the parameters, writes safetensors checkpoints atomically, and stops at a
// loss that is not finite with the last good state intact. fm-run, fm-exec
// and embedders all train through this class.
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_TRAINER_H
#define FM_RUNTIME_TRAINER_H

#include "fm/Runtime/DataSource.h"
#include "fm/Runtime/Program.h"

#include "llvm/ADT/STLFunctionalExtras.h"

#include <atomic>
#include <map>
#include <string>
#include <vector>

namespace fmrt {

/// One trainable parameter: its checkpoint name and shape.
struct ParameterInfo {
  std::string name;
  llvm::SmallVector<int64_t, 4> shape;
};

/// Options of Trainer::run.
struct TrainOptions {
  /// Optimizer steps to take (at least 1).
  int64_t steps = 10000;
  /// The seed of the step's own random draws (its `seed` input).
  uint64_t seed = 0;
  /// Decay of the moving average of the parameters written to checkpoints
  /// instead of the last iterate; 0 turns it off. In [0, 1).
  double ema = 0;
  /// Steps between checkpoint writes; 0 writes only at the end.
  int64_t checkpointEvery = 1000;
  /// Where checkpoints go; "" writes none.
  std::string checkpointPath;
  /// Metadata added to every checkpoint, besides the format, seed, steps
  /// and moving average that the trainer records itself.
  std::map<std::string, std::string> metadata;
  /// Read after every step: a nonzero value (a signal number, set by a
  /// signal handler) stops the run after that step, with a checkpoint of
  /// the steps done, and run() returns TrainInterrupted.
  const std::atomic<int> *stopSignal = nullptr;
};

/// What Trainer::run returns when TrainOptions::stopSignal stopped it.
class TrainInterrupted : public llvm::ErrorInfo<TrainInterrupted> {
public:
  static char ID;
  TrainInterrupted(int signal, int64_t done, int64_t steps,
                   std::string checkpoint)
      : signal(signal), done(done), steps(steps),
        checkpoint(std::move(checkpoint)) {}
  /// "interrupted by SIGINT after 120 of 10000 steps; wrote 'm.safetensors'
  /// (the model after step 120)".
  void log(llvm::raw_ostream &os) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

  /// The signal, the steps done and asked for, and the checkpoint written
  /// ("" where the run writes none).
  int signal;
  int64_t done, steps;
  std::string checkpoint;
};

/// What Trainer::run reports after each step.
struct TrainProgress {
  /// Steps done, and the steps of the run.
  int64_t step = 0, steps = 0;
  float loss = 0;
  /// Since the run started.
  double seconds = 0;
};

/// The training state of one program: parameters and optimizer state.
class Trainer {
public:
  /// A trainer for `program`'s init and train-step entry points. `stepName`
  /// picks a train step where the program has several; "" asks for the
  /// only one. Fails where the program has none, or where init's parameters
  /// and the step's do not match.
  static llvm::Expected<std::unique_ptr<Trainer>>
  create(Program &program, llvm::StringRef stepName = "");

  /// The parameters, in the order the init entry point returns them.
  const std::vector<ParameterInfo> &parameters() const { return params; }
  /// The batch inputs of the train step, in the order it takes them.
  const std::vector<BatchSpec> &batches() const { return batchSpecs; }
  /// The train step's entry point.
  const EntryPoint &stepEntry() const { return *trainStep; }

  /// Sets the parameters from the init entry point with `seed`, and every
  /// optimizer state to zero.
  llvm::Error initialize(uint64_t seed);

  /// Takes one optimizer step number `stepIndex` (0-based) on `batches`
  /// (one tensor per batches() entry) and returns its loss. A step whose
  /// loss is not finite returns it, leaving the state as it was.
  llvm::Expected<float> step(llvm::ArrayRef<TensorRef> batches, uint64_t seed,
                             int64_t stepIndex);

  /// Initializes with `options.seed`, then trains `options.steps` steps on
  /// batches from `data` (one source per batches() entry), calling
  /// `progress` after each step. Fails at a loss that is not finite,
  /// saying which checkpoint (if any) holds the last good state.
  llvm::Error run(llvm::ArrayRef<DataSource *> data,
                  const TrainOptions &options,
                  llvm::function_ref<void(const TrainProgress &)> progress);

  /// The current parameter `index` (row-major, f32).
  llvm::ArrayRef<float> parameter(size_t index) const;
  /// The moving average of parameter `index` during run() with an ema;
  /// otherwise the parameter itself.
  llvm::ArrayRef<float> averagedParameter(size_t index) const;

  /// Writes the parameters (the moving average when run() keeps one) to a
  /// safetensors file, atomically, with `metadata`.
  llvm::Error
  saveCheckpoint(llvm::StringRef path,
                 const std::map<std::string, std::string> &metadata) const;

private:
  Trainer(Program &program, const EntryPoint &init, const EntryPoint &step);
  llvm::Error buildLayout();

  /// Where one input or result of the step lives.
  struct Slot {
    ValueRole role;
    /// Param: the parameter; OptState: the parameter and state index.
    size_t param = 0, state = 0;
    /// Batch: which batch input.
    size_t batch = 0;
  };

  Program &program;
  const EntryPoint *init;
  const EntryPoint *trainStep;
  std::vector<ParameterInfo> params;
  /// The optimizer's slot names ("exp_avg", ...), in the step's order.
  std::vector<std::string> slots;
  std::vector<BatchSpec> batchSpecs;
  std::vector<Slot> inputSlots, resultSlots;
  /// Two copies of the state: a step reads `current` and writes the other,
  /// so a step whose loss is not finite leaves the last good state intact.
  /// Per copy: the parameters, then slot s of parameter p at
  /// params.size() * (1 + s) + p.
  std::vector<std::vector<float>> state[2];
  int current = 0;
  std::vector<std::vector<float>> average;
};

} // namespace fmrt

#endif // FM_RUNTIME_TRAINER_H
