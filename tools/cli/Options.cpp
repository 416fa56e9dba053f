//===- Options.cpp - The flags of fm-run and fm-exec ----------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "Options.h"

#include "Cli.h"

namespace cl = llvm::cl;

llvm::cl::OptionCategory &fm::cli::category() {
  static cl::OptionCategory category("fm-run options");
  return category;
}

namespace fm::cli {

cl::SubCommand trainCommand("train", "Train a program's model");
cl::SubCommand sampleCommand("sample",
                             "Sample a trained model with an ODE solver");
cl::SubCommand likelihoodCommand(
    "likelihood", "Exact log-likelihood of data points under a trained model");
cl::SubCommand evalCommand(
    "eval", "Compare samples with fresh data: exact W2, energy distance, MMD");

cl::opt<std::string>
    programPath(cl::Positional, cl::Required,
                cl::desc("<program.so, or program.mlir for fm-run>"),
                cl::sub(trainCommand), cl::sub(sampleCommand),
                cl::sub(likelihoodCommand), cl::cat(category()));
cl::opt<std::string> outputPath("o", cl::Required, cl::desc("Output file"),
                                cl::value_desc("path"), cl::sub(trainCommand),
                                cl::sub(sampleCommand), cl::cat(category()));
cl::opt<Precision> precisionFlag(
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
cl::opt<unsigned> threadsFlag(
    "threads",
    cl::desc("The most threads a matrix product of compiled code may use on "
             "the dnnl backend (default: the cores this process may run on; "
             "a product too small for threads to pay off runs on one); "
             "sample and likelihood integrate that many chunks of points at "
             "once instead"),
    cl::init(0), cl::value_desc("N"), cl::sub(trainCommand),
    cl::sub(sampleCommand), cl::sub(likelihoodCommand), cl::cat(category()));
cl::opt<uint64_t> seed("seed", cl::desc("Random seed"), cl::init(0),
                       cl::sub(trainCommand), cl::sub(sampleCommand),
                       cl::sub(evalCommand), cl::sub(likelihoodCommand),
                       cl::cat(category()));
cl::opt<std::string> backendFlag(
    "backend",
    cl::desc("How an .mlir program's matrix products are computed: dnnl "
             "(oneDNN calls; the default where oneDNN is built) or linalg "
             "(generated vector code)"),
    cl::value_desc("dnnl|linalg"), cl::sub(trainCommand),
    cl::sub(sampleCommand), cl::sub(likelihoodCommand), cl::cat(category()));

// train
cl::opt<std::string>
    dataName("data",
             cl::desc("Training data: moons, 8gaussians, checkerboard, "
                      "circles, spirals, or a .npy file of shape [N, D]"),
             cl::init("moons"), cl::sub(trainCommand), cl::sub(evalCommand),
             cl::sub(likelihoodCommand), cl::cat(category()));
cl::opt<int64_t> trainSteps("steps", cl::desc("Training steps"),
                            cl::init(10000), cl::sub(trainCommand),
                            cl::cat(category()));
cl::opt<int64_t>
    logEvery("log-every",
             cl::desc("Steps between progress lines when stderr is not a "
                      "terminal (default: steps / 10)"),
             cl::init(0), cl::sub(trainCommand), cl::cat(category()));
cl::opt<double>
    emaDecay("ema",
             cl::desc("Also keep an exponential moving average of the "
                      "parameters with this decay (e.g. 0.999) and write it "
                      "to the checkpoint instead of the last iterate "
                      "(default 0: off, the seed's recipe)"),
             cl::init(0.0), cl::sub(trainCommand), cl::cat(category()));
cl::opt<int64_t>
    checkpointEvery("checkpoint-every",
                    cl::desc("Steps between checkpoint writes (0: at the end "
                             "only)"),
                    cl::init(1000), cl::sub(trainCommand), cl::cat(category()));
cl::opt<std::string>
    trainerName("trainer",
                cl::desc("The train step to run, where the program has "
                         "several (default: the only one)"),
                cl::value_desc("name"), cl::sub(trainCommand),
                cl::cat(category()));

// sample
cl::opt<std::string>
    checkpointPath("checkpoint", cl::Required, cl::desc("Trained parameters"),
                   cl::value_desc("path"), cl::sub(sampleCommand),
                   cl::sub(likelihoodCommand), cl::cat(category()));
cl::opt<int64_t>
    numSamples("n",
               cl::desc("Number of samples (sample: default 10000; eval: "
                        "points compared, default 2000; likelihood: points, "
                        "default 1000 of a dataset or all of a file)"),
               cl::init(0), cl::sub(sampleCommand), cl::sub(evalCommand),
               cl::sub(likelihoodCommand), cl::cat(category()));
cl::opt<std::string> plotPath("plot", cl::desc("Also write a PNG scatter plot"),
                              cl::value_desc("path.png"),
                              cl::sub(sampleCommand), cl::cat(category()));
cl::opt<std::string> solver(
    "solver",
    cl::desc("The sampler's solver: euler, midpoint, heun, rk4, meanflow, ... "
             "(those the program has; sample defaults to midpoint, or to the "
             "program's only forward sampler)"),
    cl::init("midpoint"), cl::sub(sampleCommand), cl::sub(likelihoodCommand),
    cl::cat(category()));
cl::opt<int64_t> solverSteps("steps", cl::desc("ODE steps"), cl::init(8),
                             cl::sub(sampleCommand), cl::sub(likelihoodCommand),
                             cl::cat(category()));
cl::opt<bool> allowExtra(
    "allow-extra",
    cl::desc("Ignore checkpoint tensors that are no parameter of the program"),
    cl::sub(sampleCommand), cl::sub(likelihoodCommand), cl::cat(category()));
cl::opt<std::string> startPointsPath(
    "x0",
    cl::desc("Start from these source points (.npy, [n, data shape...] "
             "float32 or float64) instead of drawing them from N(0, I); "
             "-n defaults to their count"),
    cl::value_desc("path.npy"), cl::sub(sampleCommand), cl::cat(category()));
cl::opt<int64_t>
    chunkRows("chunk",
              cl::desc("Points integrated per call of the sampler (default: "
                       "about 2 MB of f32 per row of the widest layer, for "
                       "chunks that stay in cache)"),
              cl::init(65536), cl::sub(sampleCommand),
              cl::sub(likelihoodCommand), cl::cat(category()));

// likelihood
cl::opt<std::string> divergence(
    "divergence",
    cl::desc("How the likelihood takes the divergence: exact or hutchinson"),
    cl::init("exact"), cl::sub(likelihoodCommand), cl::cat(category()));
cl::opt<std::string>
    logpPath("o", cl::desc("Also write log p of every point (.npy, [n, 1])"),
             cl::value_desc("path"), cl::sub(likelihoodCommand),
             cl::cat(category()));

// eval
cl::opt<std::string> samplesPath(cl::Positional, cl::Required,
                                 cl::desc("<samples.npy>"),
                                 cl::sub(evalCommand), cl::cat(category()));

} // namespace fm::cli
