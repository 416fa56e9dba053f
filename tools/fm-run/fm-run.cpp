//===- fm-run.cpp - Train and sample compiled flow-matching programs ------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Usage (examples/moons.mlir is such a PROGRAM):
//
//   fm-run compile PROGRAM.mlir -o program.so      (ahead of time)
//   fm-run train PROGRAM --data moons --steps 10000 --seed 0 -o m.safetensors
//   fm-run sample PROGRAM --checkpoint m.safetensors -n 10000 \
//       --solver midpoint --steps 8 --seed 1 -o samples.npy --plot samples.png
//   fm-run eval samples.npy --data moons
//
// A program is an fm module with these entry points (examples/moons.mlir):
//   @init(seed: i64) -> P parameters
//   @train_step(P parameters, P first moments, P second moments,
//               x1: tensor<BxDxf32>, seed: i64, step: i64)
//       -> (loss: f32, the 3P updated tensors)
//   @sample_<solver>(P parameters, x0: tensor<?xDxf32>, steps: index)
//       -> tensor<?xDxf32>
// Parameters are named by the `fm.name` attributes of @train_step's inputs.
//
// PROGRAM is an .mlir file, JIT-compiled on every run, or a shared library
// that `fm-run compile` wrote. Built with FM_RUN_NO_COMPILER this file is
// fm-exec: the same commands without the compiler (no libMLIR, no
// libLLVM), for compiled programs only.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Datasets.h"
#include "fm/Runtime/Engine.h"
#include "fm/Runtime/Metrics.h"
#include "fm/Runtime/Npy.h"
#include "fm/Runtime/Plot.h"
#include "fm/Runtime/Random.h"
#include "fm/Runtime/SafeTensors.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace fmrt;
namespace cl = llvm::cl;

#if FM_RUN_NO_COMPILER
static constexpr const char *kToolName = "fm-exec";
#else
static constexpr const char *kToolName = "fm-run";
#endif

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

static cl::OptionCategory runCategory("fm-run options");

#if !FM_RUN_NO_COMPILER
static cl::SubCommand
    compileCommand("compile", "Compile a program into a shared library that "
                              "fm-run and fm-exec load without compiling");
#endif
static cl::SubCommand trainCommand("train", "Train a program's model");
static cl::SubCommand
    sampleCommand("sample", "Sample a trained model with an ODE solver");
static cl::SubCommand evalCommand(
    "eval", "Compare samples with fresh data: exact W2, energy distance, MMD");

#if FM_RUN_NO_COMPILER
#define FM_COMPILE_SUB
#else
#define FM_COMPILE_SUB cl::sub(compileCommand),
#endif
static cl::opt<std::string>
programPath(cl::Positional, cl::Required,
            cl::desc("<program.mlir or compiled program.so>"),
            FM_COMPILE_SUB cl::sub(trainCommand), cl::sub(sampleCommand),
            cl::cat(runCategory));
static cl::opt<std::string>
    outputPath("o", cl::Required, cl::desc("Output file"),
               cl::value_desc("path"), FM_COMPILE_SUB cl::sub(trainCommand),
               cl::sub(sampleCommand), cl::cat(runCategory));
static cl::opt<uint64_t> seed("seed", cl::desc("Random seed"), cl::init(0),
                              cl::sub(trainCommand), cl::sub(sampleCommand),
                              cl::sub(evalCommand), cl::cat(runCategory));

// train
static cl::opt<std::string>
    dataName("data",
             cl::desc("Training data: moons, 8gaussians, checkerboard, "
                      "circles, spirals, or a .npy file of shape [N, D]"),
             cl::init("moons"), cl::sub(trainCommand), cl::sub(evalCommand),
             cl::cat(runCategory));
static cl::opt<int64_t> trainSteps("steps", cl::desc("Training steps"),
                                   cl::init(10000), cl::sub(trainCommand),
                                   cl::cat(runCategory));
static cl::opt<int64_t>
    logEvery("log-every",
             cl::desc("Steps between progress lines when stderr is not a "
                      "terminal (default: steps / 10)"),
             cl::init(0), cl::sub(trainCommand), cl::cat(runCategory));
static cl::opt<double>
    emaDecay("ema",
             cl::desc("Also keep an exponential moving average of the "
                      "parameters with this decay (e.g. 0.999) and write it "
                      "to the checkpoint instead of the last iterate "
                      "(default 0: off, the seed's recipe)"),
             cl::init(0.0), cl::sub(trainCommand), cl::cat(runCategory));
static cl::opt<int64_t>
    checkpointEvery("checkpoint-every",
                    cl::desc("Steps between checkpoint writes (0: at the end "
                             "only)"),
                    cl::init(1000), cl::sub(trainCommand),
                    cl::cat(runCategory));

static cl::opt<std::string> backendFlag(
    "backend",
    cl::desc("How compiled code computes its matrix products: dnnl (oneDNN "
             "calls; the default where oneDNN is built) or linalg "
             "(generated vector code)"),
    cl::value_desc("dnnl|linalg"), FM_COMPILE_SUB cl::sub(trainCommand),
    cl::sub(sampleCommand), cl::cat(runCategory));

// sample
static cl::opt<std::string> checkpointPath("checkpoint", cl::Required,
                                           cl::desc("Trained parameters"),
                                           cl::value_desc("path"),
                                           cl::sub(sampleCommand),
                                           cl::cat(runCategory));
static cl::opt<int64_t>
    numSamples("n",
               cl::desc("Number of samples (sample: default 10000; eval: "
                        "points compared, default 2000)"),
               cl::init(0), cl::sub(sampleCommand), cl::sub(evalCommand),
               cl::cat(runCategory));
static cl::opt<std::string> plotPath("plot",
                                     cl::desc("Also write a PNG scatter plot"),
                                     cl::value_desc("path.png"),
                                     cl::sub(sampleCommand),
                                     cl::cat(runCategory));
static cl::opt<std::string>
    solver("solver", cl::desc("ODE solver: euler, midpoint, heun, rk4"),
           cl::init("midpoint"), cl::sub(sampleCommand), cl::cat(runCategory));
static cl::opt<int64_t> solverSteps("steps", cl::desc("ODE steps"), cl::init(8),
                                    cl::sub(sampleCommand),
                                    cl::cat(runCategory));

// eval
static cl::opt<std::string> samplesPath(cl::Positional, cl::Required,
                                        cl::desc("<samples.npy>"),
                                        cl::sub(evalCommand),
                                        cl::cat(runCategory));

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The compile options --backend asks for.
static llvm::Expected<CompileOptions> compileOptions() {
  CompileOptions options;
  if (backendFlag.empty())
    return options;
  if (backendFlag == "linalg")
    options.backend = Backend::Linalg;
  else if (backendFlag == "dnnl" && hasDnnlBackend())
    options.backend = Backend::Dnnl;
  else if (backendFlag == "dnnl")
    return makeError(llvm::Twine("--backend dnnl: this build of ") + kToolName +
                     " has no oneDNN; "
                     "use --backend linalg");
  else
    return makeError("unknown --backend '" + backendFlag +
                     "' (expected dnnl or linalg)");
  return options;
}

/// Whether `path` starts like an ELF file: a compiled program.
static bool isCompiledProgram(llvm::StringRef path) {
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

/// The program to run: a compiled library as it is, an .mlir file
/// JIT-compiled for --backend.
static llvm::Expected<std::unique_ptr<Program>> loadProgram() {
  llvm::Expected<CompileOptions> options = compileOptions();
  if (!options)
    return options.takeError();
  if (!llvm::sys::fs::exists(programPath))
    return makeError(
        "cannot read '" + programPath + "': " +
        std::make_error_code(std::errc::no_such_file_or_directory).message());
  if (isCompiledProgram(programPath)) {
    llvm::Expected<std::unique_ptr<Program>> program =
        Program::load(programPath);
    if (!program)
      return program.takeError();
    llvm::StringRef compiledFor = backendName((*program)->backend());
    if (!backendFlag.empty() && backendFlag != compiledFor)
      return makeError("'" + programPath + "' was compiled for the " +
                       compiledFor + " backend; --backend " + backendFlag +
                       " applies when compiling");
    return program;
  }
#if FM_RUN_NO_COMPILER
  return makeError("'" + programPath +
                   "' is not a compiled program: fm-exec has no compiler "
                   "(compile it with `fm-run compile`, or run it with fm-run)");
#else
  return Program::compileFile(programPath, *options);
#endif
}

/// Refuses to overwrite a directory, and reports an unwritable target
/// before hours of training rather than after.
static llvm::Error checkOutputPath(llvm::StringRef path) {
  if (llvm::sys::fs::is_directory(path))
    return makeError("output '" + path + "' is a directory");
  llvm::StringRef dir = llvm::sys::path::parent_path(path);
  if (dir.empty())
    dir = ".";
  if (!llvm::sys::fs::is_directory(dir))
    return makeError("output directory '" + dir + "' does not exist");
  return llvm::Error::success();
}

/// The model's parameters: names and shapes from @train_step.
struct ParameterLayout {
  std::vector<std::string> names;
  std::vector<llvm::SmallVector<int64_t, 4>> shapes;
};

static llvm::Expected<ParameterLayout> getLayout(const Program &program) {
  const EntryPoint *init = program.lookup("init");
  const EntryPoint *train = program.lookup("train_step");
  if (!init || !train)
    return makeError("'" + programPath +
                     "' must define @init and @train_step (see "
                     "examples/moons.mlir)");
  size_t p = init->results.size();
  if (train->inputs.size() != 3 * p + 3 || train->results.size() != 3 * p + 1)
    return makeError(llvm::formatv(
        "@train_step must take {0} parameters, {0} first and {0} second "
        "moments, a batch, a seed and a step, and return the loss and the {1} "
        "updated tensors",
        p, 3 * p));
  ParameterLayout layout;
  for (size_t i = 0; i < p; ++i) {
    if (train->inputs[i].kind != ValueType::Kind::Tensor ||
        train->inputs[i].str() != init->results[i].str())
      return makeError(
          llvm::formatv("@train_step's input #{0} is {1} but @init returns {2}",
                        i, train->inputs[i].str(), init->results[i].str()));
    std::string name = train->inputNames[i];
    layout.names.push_back(name.empty() ? "param." + std::to_string(i) : name);
    layout.shapes.push_back(train->inputs[i].shape);
  }
  return layout;
}

//===----------------------------------------------------------------------===//
// Training data
//===----------------------------------------------------------------------===//

/// Fills training batches without allocating: from a built-in dataset, or
/// rows drawn uniformly with replacement from a .npy array.
class BatchSource {
public:
  static llvm::Expected<BatchSource> create(llvm::StringRef name, uint64_t seed,
                                            int64_t dims) {
    BatchSource source(seed);
    if (std::optional<Dataset> dataset = parseDataset(name.str())) {
      if (dims != 2)
        return makeError(llvm::formatv(
            "dataset '{0}' is 2-D but the program's batch has {1} columns",
            name, dims));
      source.dataset = dataset;
      return source;
    }
    if (!name.ends_with(".npy"))
      return makeError("unknown dataset '" + name +
                       "' (expected moons, 8gaussians, checkerboard, circles, "
                       "spirals, or a .npy file)");
    llvm::Expected<NpyArray> array = readNpy(name);
    if (!array)
      return array.takeError();
    if (array->cols != dims)
      return makeError(
          llvm::formatv("'{0}' has {1} columns but the program's batch has {2}",
                        name, array->cols, dims));
    if (array->rows == 0)
      return makeError("'" + name + "' has no rows");
    source.array = std::move(*array);
    return source;
  }

  /// Fills `out` ([rows, dims]) with the next batch.
  void fill(float *out, int64_t rows, int64_t dims) {
    if (dataset) {
      offset += sampleDataset(*dataset, defaultNoise(*dataset), stream, offset,
                              out, rows);
      return;
    }
    // Row indices from one uniform per row.
    for (int64_t i = 0; i < rows; i += 4) {
      std::array<uint32_t, 4> words = stream.block(offset++);
      for (int64_t j = 0; j < 4 && i + j < rows; ++j) {
        int64_t row = static_cast<int64_t>(
            (static_cast<uint64_t>(words[j]) * array.rows) >> 32);
        std::copy_n(array.data.data() + row * dims, dims, out + (i + j) * dims);
      }
    }
  }

private:
  explicit BatchSource(uint64_t seed) : stream(seed, /*streamId=*/1000) {}

  PhiloxStream stream;
  uint64_t offset = 0;
  std::optional<Dataset> dataset;
  NpyArray array;
};

//===----------------------------------------------------------------------===//
// train
//===----------------------------------------------------------------------===//

static llvm::Error saveCheckpoint(const ParameterLayout &layout,
                                  const std::vector<std::vector<float>> &params,
                                  int64_t steps) {
  std::vector<fmrt::TensorView> views;
  for (size_t i = 0; i < layout.names.size(); ++i)
    views.push_back({layout.names[i],
                     {layout.shapes[i].begin(), layout.shapes[i].end()},
                     params[i].data()});
  std::map<std::string, std::string> metadata = {
      {"format", "pt"},
      {"fm.program", llvm::sys::path::filename(programPath).str()},
      {"fm.data", dataName},
      {"fm.seed", std::to_string(seed)},
      {"fm.steps", std::to_string(steps)}};
  if (emaDecay > 0)
    metadata["fm.ema"] = llvm::formatv("{0}", emaDecay.getValue()).str();
  return writeSafeTensors(outputPath, views, metadata);
}

#if !FM_RUN_NO_COMPILER
static llvm::Error compile() {
  if (llvm::Error err = checkOutputPath(outputPath))
    return err;
  if (isCompiledProgram(programPath))
    return makeError("'" + programPath + "' is already compiled");
  llvm::Expected<CompileOptions> options = compileOptions();
  if (!options)
    return options.takeError();
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(programPath, /*IsText=*/true);
  if (!file)
    return makeError("cannot read '" + programPath +
                     "': " + file.getError().message());
  auto start = std::chrono::steady_clock::now();
  if (llvm::Error err = Program::compileToLibrary(
          (*file)->getBuffer(), programPath, outputPath, *options))
    return err;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  llvm::outs() << llvm::formatv("compiled '{0}' for the {1} backend into "
                                "'{2}' in {3:f2} s\n",
                                programPath, backendName(options->backend),
                                outputPath, seconds);
  return llvm::Error::success();
}
#endif

static llvm::Error train() {
  if (trainSteps <= 0)
    return makeError("--steps must be positive");
  if (!(emaDecay >= 0 && emaDecay < 1))
    return makeError(
        llvm::formatv("--ema must be in [0, 1), got {0}", emaDecay.getValue()));
  if (llvm::Error err = checkOutputPath(outputPath))
    return err;
  llvm::Expected<std::unique_ptr<Program>> program = loadProgram();
  if (!program)
    return program.takeError();
  llvm::Expected<ParameterLayout> layout = getLayout(**program);
  if (!layout)
    return layout.takeError();
  const EntryPoint *trainEntry = (*program)->lookup("train_step");
  size_t p = layout->names.size();
  const ValueType &batchType = trainEntry->inputs[3 * p];
  if (batchType.kind != ValueType::Kind::Tensor ||
      batchType.shape.size() != 2 || batchType.shape[0] < 0 ||
      batchType.shape[1] < 0)
    return makeError("@train_step's batch must be a static 2-D tensor, got " +
                     batchType.str());
  int64_t rows = batchType.shape[0], dims = batchType.shape[1];
  llvm::Expected<BatchSource> source =
      BatchSource::create(dataName, seed, dims);
  if (!source)
    return source.takeError();

  // Two copies of the state (parameters and moments): a step reads one and
  // writes the other, so a step whose loss is not finite leaves the last
  // good state intact.
  std::vector<std::vector<float>> state[2];
  for (auto &copy : state)
    for (size_t i = 0; i < 3 * p; ++i)
      copy.emplace_back(numElements(layout->shapes[i % p]), 0.0f);
  std::vector<Destination> initOut;
  for (size_t i = 0; i < p; ++i)
    initOut.push_back(TensorRef{state[0][i].data(), layout->shapes[i]});
  if (llvm::Error err =
          (*program)->call("init", {static_cast<int64_t>(seed)}, initOut))
    return err;

  // The moving average starts at the initial parameters.
  std::vector<std::vector<float>> average;
  if (emaDecay > 0)
    average.assign(state[0].begin(), state[0].begin() + p);

  std::vector<float> batch(rows * dims);
  std::vector<Argument> args(3 * p + 3);
  std::vector<Destination> outs(3 * p + 1);
  float loss = 0;
  bool terminal = llvm::sys::Process::StandardErrIsDisplayed();
  int64_t every = logEvery > 0 ? logEvery.getValue()
                               : std::max<int64_t>(1, trainSteps / 10);
  auto start = std::chrono::steady_clock::now();
  auto lastDraw = start;
  int current = 0;
  for (int64_t step = 0; step < trainSteps; ++step) {
    source->fill(batch.data(), rows, dims);
    std::vector<std::vector<float>> &in = state[current];
    std::vector<std::vector<float>> &out = state[1 - current];
    for (size_t i = 0; i < 3 * p; ++i) {
      args[i] = TensorRef{in[i].data(), layout->shapes[i % p]};
      outs[i + 1] = TensorRef{out[i].data(), layout->shapes[i % p]};
    }
    args[3 * p] = TensorRef{batch.data(), {rows, dims}};
    args[3 * p + 1] = static_cast<int64_t>(seed);
    args[3 * p + 2] = step;
    outs[0] = &loss;
    if (llvm::Error err = (*program)->call("train_step", args, outs))
      return err;
    if (!std::isfinite(loss)) {
      if (terminal)
        llvm::errs() << "\n";
      return makeError(llvm::formatv(
          "the loss became {0} at step {1}; training stopped. '{2}' keeps "
          "the last checkpoint written before it",
          loss, step + 1, outputPath));
    }
    current = 1 - current;
    if (emaDecay > 0) {
      float decay = static_cast<float>(emaDecay);
      for (size_t i = 0; i < p; ++i)
        for (size_t j = 0, e = average[i].size(); j < e; ++j)
          average[i][j] += (1.0f - decay) * (out[i][j] - average[i][j]);
    }

    int64_t done = step + 1;
    auto now = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(now - start).count();
    double rate = done / std::max(seconds, 1e-9);
    if (terminal && (now - lastDraw > std::chrono::milliseconds(100) ||
                     done == trainSteps)) {
      llvm::errs() << llvm::formatv(
          "\rstep {0}/{1}  loss {2:f4}  {3:f0} steps/s", done,
          trainSteps.getValue(), loss, rate);
      lastDraw = now;
    } else if (!terminal && (done % every == 0 || done == trainSteps)) {
      llvm::errs() << llvm::formatv("step {0}/{1} loss {2:f4} {3:f0} steps/s\n",
                                    done, trainSteps.getValue(), loss, rate);
    }
    if ((checkpointEvery > 0 && done % checkpointEvery == 0) ||
        done == trainSteps)
      if (llvm::Error err = saveCheckpoint(
              *layout, emaDecay > 0 ? average : state[current], done))
        return err;
  }
  if (terminal)
    llvm::errs() << "\n";
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  llvm::outs() << llvm::formatv(
      "trained {0} steps in {1:f2} s (final loss {2:f4}); wrote {3}\n",
      trainSteps.getValue(), seconds, loss, outputPath);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// sample
//===----------------------------------------------------------------------===//

static llvm::Error sample() {
  int64_t count =
      numSamples.getNumOccurrences() ? numSamples.getValue() : 10000;
  if (count <= 0)
    return makeError("-n must be positive");
  if (solverSteps <= 0)
    return makeError("--steps must be positive");
  if (llvm::Error err = checkOutputPath(outputPath))
    return err;
  if (!plotPath.empty())
    if (llvm::Error err = checkOutputPath(plotPath))
      return err;
  llvm::Expected<std::unique_ptr<Program>> program = loadProgram();
  if (!program)
    return program.takeError();
  std::string entryName = "sample_" + solver;
  const EntryPoint *entry = (*program)->lookup(entryName);
  if (!entry) {
    std::vector<std::string> solvers;
    for (const EntryPoint &e : (*program)->entryPoints())
      if (llvm::StringRef(e.name).starts_with("sample_"))
        solvers.push_back(e.name.substr(7));
    return makeError("'" + programPath + "' has no solver '" + solver +
                     "' (it has: " + llvm::join(solvers, ", ") + ")");
  }
  // A sampler takes (parameters..., x0, steps), or (parameters..., x0) when
  // the program fixes its steps or time grid (fm.sampler steps(n)).
  const ValueType &last =
      entry->inputs.empty() ? ValueType{} : entry->inputs.back();
  bool takesSteps =
      last.kind == ValueType::Kind::Index || last.kind == ValueType::Kind::I64;
  if (!takesSteps && solverSteps.getNumOccurrences())
    return makeError("@" + entryName +
                     " has its steps fixed by the program; drop --steps");
  if (entry->inputs.size() < (takesSteps ? 2u : 1u))
    return makeError("@" + entryName + " takes no state to integrate");
  size_t p = entry->inputs.size() - (takesSteps ? 2 : 1);
  const ValueType &stateType = entry->inputs[p];
  if (stateType.kind != ValueType::Kind::Tensor ||
      stateType.shape.size() != 2 || stateType.shape[1] < 0)
    return makeError("@" + entryName +
                     " must take the state as tensor<?xDxf32>, got " +
                     stateType.str());
  int64_t dims = stateType.shape[1];

  llvm::Expected<SafeTensorsFile> checkpoint = readSafeTensors(checkpointPath);
  if (!checkpoint)
    return checkpoint.takeError();
  std::vector<std::vector<float>> params;
  std::vector<Argument> args;
  for (size_t i = 0; i < p; ++i) {
    const ValueType &type = entry->inputs[i];
    std::string name = entry->inputNames[i];
    if (name.empty())
      name = "param." + std::to_string(i);
    if (llvm::Error err = checkTensor(*checkpoint, name, type.shape))
      return err;
    params.push_back(checkpoint->lookup(name)->data);
  }
  for (size_t i = 0; i < p; ++i)
    args.push_back(TensorRef{params[i].data(), entry->inputs[i].shape});

  std::vector<float> x0(count * dims), samples(count * dims);
  PhiloxStream(seed, /*streamId=*/2000).fillNormal(x0.data(), x0.size(), 0);
  args.push_back(TensorRef{x0.data(), {count, dims}});
  if (takesSteps)
    args.push_back(static_cast<int64_t>(solverSteps));
  auto start = std::chrono::steady_clock::now();
  if (llvm::Error err = (*program)->call(
          entryName, args, {TensorRef{samples.data(), {count, dims}}}))
    return err;
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  for (size_t i = 0; i < samples.size(); ++i)
    if (!std::isfinite(samples[i]))
      return makeError(llvm::formatv(
          "sample {0} is not finite; nothing was written", i / dims));
  if (!plotPath.empty() && dims != 2)
    return makeError(llvm::formatv(
        "--plot draws 2-D samples, these have {0} dimensions", dims));
  if (llvm::Error err = writeNpy(outputPath, samples.data(), count, dims))
    return err;
  if (!plotPath.empty())
    if (llvm::Error err = writeScatterPng(plotPath, samples.data(), count))
      return err;
  std::string how =
      takesSteps
          ? llvm::formatv("{0} {1} steps", solverSteps.getValue(), solver).str()
          : solver + " (the program's steps)";
  llvm::outs() << llvm::formatv("sampled {0} points with {1} in {2:f3} s; "
                                "wrote {3}\n",
                                count, how, seconds, outputPath);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// eval
//===----------------------------------------------------------------------===//

static llvm::Error eval() {
  llvm::Expected<NpyArray> samples = readNpy(samplesPath);
  if (!samples)
    return samples.takeError();
  int64_t count = numSamples.getNumOccurrences() ? numSamples.getValue() : 2000;
  if (count <= 0)
    return makeError("-n must be positive");
  count = std::min(count, samples->rows);
  int64_t dims = samples->cols;

  // Fresh reference points: a built-in dataset or the first rows of a file.
  std::vector<float> reference(count * dims);
  if (std::optional<Dataset> dataset = parseDataset(dataName.getValue())) {
    if (dims != 2)
      return makeError(
          llvm::formatv("dataset '{0}' is 2-D but the samples have {1} columns",
                        dataName, dims));
    sampleDataset(*dataset, defaultNoise(*dataset),
                  PhiloxStream(seed, /*streamId=*/3000), 0, reference.data(),
                  count);
  } else {
    llvm::Expected<NpyArray> data = readNpy(dataName);
    if (!data)
      return data.takeError();
    if (data->cols != dims)
      return makeError(
          llvm::formatv("'{0}' has {1} columns but the samples have {2}",
                        dataName, data->cols, dims));
    count = std::min(count, data->rows);
    std::copy_n(data->data.data(), count * dims, reference.data());
  }

  const float *x = samples->data.data(), *y = reference.data();
  MetricResult w2 = wasserstein2(x, count, y, count, dims);
  MetricResult energy = energyDistance(x, count, y, count, dims);
  MetricResult mmd = mmd2RbfMulti(x, count, y, count, dims);
  for (const MetricResult *r : {&w2, &energy, &mmd})
    if (!r->ok())
      return makeError(llvm::Twine("cannot evaluate '") + samplesPath +
                       "': " + describeMetricError(r->error));
  llvm::outs() << llvm::formatv("{0} samples vs {0} points of {1}\n", count,
                                dataName);
  llvm::outs() << llvm::formatv("W2 {0:f4}\n", w2.value);
  llvm::outs() << llvm::formatv("energy distance {0:f5}\n", energy.value);
  llvm::outs() << llvm::formatv("MMD^2 {0:f5}\n", mmd.value);
  return llvm::Error::success();
}

/// Compiled code allocates its intermediate tensors with malloc on every
/// call. glibc serves blocks above 128 KiB with mmap and returns them to the
/// kernel on free, so every call would fault its pages in again (about
/// 10 us a page on these VMs): keep freed memory in the heap instead.
static void keepFreedMemory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

#if FM_RUN_NO_COMPILER
static constexpr const char *kCommands = "train, sample or eval";
#else
static constexpr const char *kCommands = "compile, train, sample or eval";
#endif

/// The action of the subcommand given, or null when none was.
static llvm::Error (*chosenCommand())() {
#if !FM_RUN_NO_COMPILER
  if (compileCommand)
    return compile;
#endif
  if (trainCommand)
    return train;
  if (sampleCommand)
    return sample;
  if (evalCommand)
    return eval;
  return nullptr;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  keepFreedMemory();
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      (llvm::Twine(kToolName) +
       ": train and sample flow-matching programs compiled by FM-MLIR\n")
          .str());
  llvm::Error (*command)() = chosenCommand();
  if (!command) {
    llvm::WithColor::error(llvm::errs(), kToolName)
        << "expected a command: " << kCommands << " (see --help)\n";
    return 2;
  }
  llvm::Error result = command();
  if (result) {
    llvm::WithColor::error(llvm::errs(), kToolName)
        << llvm::toString(std::move(result)) << "\n";
    return 1;
  }
  return 0;
}
