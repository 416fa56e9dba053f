//===- downstream-runtime.cpp - Embeds the FM-MLIR runtime ----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The README's embedding example, built against the installed package:
// compile a program, train it for a few steps on moons through the same
// Trainer fm-run uses, and sample from it.
//
//===----------------------------------------------------------------------===//

#include "fm/Driver/Compile.h"
#include "fm/Runtime/DataSource.h"
#include "fm/Runtime/Sampler.h"
#include "fm/Runtime/Trainer.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <vector>

static llvm::Error run(const char *path) {
  // Compile for the build's default backend (oneDNN where it is built).
  auto program = mlir::fm::driver::compileFile(path);
  if (!program)
    return program.takeError();

  // Train: the trainer finds @init and the train step by their roles.
  auto trainer = fmrt::Trainer::create(**program);
  if (!trainer)
    return trainer.takeError();
  auto data = fmrt::DataSource::create("moons", /*seed=*/0,
                                       (*trainer)->batches().front());
  if (!data)
    return data.takeError();
  fmrt::TrainOptions options;
  options.steps = 50;
  float loss = 0;
  if (llvm::Error err =
          (*trainer)->run({data->get()}, options,
                          [&](const fmrt::TrainProgress &p) { loss = p.loss; }))
    return err;

  // Sample 100 points with 4 midpoint steps from the trained parameters.
  auto sampler = fmrt::Sampler::create(**program, "midpoint");
  if (!sampler)
    return sampler.takeError();
  for (auto [i, param] : llvm::enumerate((*trainer)->parameters()))
    if (llvm::Error err =
            (*sampler)->setParameter(param.name, (*trainer)->parameter(i)))
      return err;
  std::vector<float> points(100 * (*sampler)->pointSize());
  if (llvm::Error err = (*sampler)->sampleFromNoise(
          points.data(), 100, /*seed=*/1, /*steps=*/4, /*chunkRows=*/100))
    return err;

  llvm::outs() << llvm::formatv("trained {0} parameters, loss {1}; sampled "
                                "{2} values\n",
                                (*trainer)->parameters().size(),
                                loss < 10 ? "finite" : "large", points.size());
  return llvm::Error::success();
}

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: downstream-runtime PROGRAM.mlir\n";
    return 2;
  }
  if (llvm::Error err = run(argv[1])) {
    llvm::errs() << "error: " << llvm::toString(std::move(err)) << "\n";
    return 1;
  }
  return 0;
}
