//===- Sampler.cpp - Sampling compiled programs ---------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Sampler.h"

#include "fm/Runtime/Random.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace fmrt;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

Sampler::Sampler(Program &program, const EntryPoint &sampler)
    : program(program), sampler(&sampler), params(sampler) {}

llvm::Expected<std::unique_ptr<Sampler>>
Sampler::create(Program &program, llvm::StringRef solver) {
  std::vector<const EntryPoint *> samplers =
      program.entriesWithRole(EntryRole::Sampler);
  std::vector<std::string> solvers;
  const EntryPoint *found = nullptr;
  for (const EntryPoint *entry : samplers) {
    if (entry->direction != "forward")
      continue;
    solvers.push_back(entry->solver);
    if (entry->solver != solver)
      continue;
    if (found)
      return makeError("the program has two forward samplers with solver '" +
                       solver + "': '" + found->name + "' and '" + entry->name +
                       "'");
    found = entry;
  }
  if (!found)
    return makeError(
        "the program has no solver '" + solver + "' (it has: " +
        (solvers.empty() ? std::string("none") : llvm::join(solvers, ", ")) +
        ")");

  std::unique_ptr<Sampler> result(new Sampler(program, *found));
  if (llvm::Error err = EntryParameters::checkTypes(*found, "sampler"))
    return std::move(err);
  for (auto [i, input] : llvm::enumerate(found->inputs)) {
    switch (input.role.value_or(ValueRole::Loss)) {
    case ValueRole::Param:
      break;
    case ValueRole::State:
      if (!input.type.isTensor() || input.type.element != ElementType::F32 ||
          input.type.shape.size() < 2)
        return makeError("'" + found->name +
                         "' must take its points as a tensor of f32 [n, ...], "
                         "got " +
                         input.type.str());
      result->stateInput = i;
      break;
    case ValueRole::Steps:
      result->stepsInput = i;
      break;
    default:
      return makeError(llvm::formatv(
          "'{0}' input #{1} has no role a sampler takes", found->name, i));
    }
  }
  return result;
}

int64_t Sampler::pointSize() const {
  return numElements(
      llvm::ArrayRef<int64_t>(sampler->inputs[stateInput].type.shape)
          .drop_front());
}

llvm::SmallVector<int64_t, 4> Sampler::pointsShape(int64_t n) const {
  llvm::SmallVector<int64_t, 4> shape(sampler->inputs[stateInput].type.shape);
  shape.front() = n;
  return shape;
}

std::vector<std::pair<std::string, llvm::SmallVector<int64_t, 4>>>
Sampler::parameterShapes() const {
  std::vector<std::pair<std::string, llvm::SmallVector<int64_t, 4>>> shapes;
  for (const EntryValue &input : sampler->inputs)
    if (input.role == ValueRole::Param)
      shapes.push_back({input.name, input.type.shape});
  return shapes;
}

llvm::Error Sampler::loadParameters(const SafeTensorsFile &checkpoint) {
  return params.load(checkpoint);
}

llvm::Error Sampler::setParameter(llvm::StringRef name,
                                  llvm::ArrayRef<float> value) {
  return params.set(name, value);
}

llvm::Error Sampler::sample(const float *x0, float *out, int64_t n,
                            std::optional<int64_t> steps, int64_t chunkRows) {
  if (n <= 0)
    return makeError("the number of points must be positive");
  if (chunkRows <= 0)
    return makeError("the chunk size must be positive");
  if (takesSteps() && (!steps || *steps <= 0))
    return makeError("'" + sampler->name +
                     "' needs a positive number of steps");
  if (!takesSteps() && steps)
    return makeError("'" + sampler->name +
                     "' has its steps fixed by the program");
  if (llvm::Error err = params.checkSet())
    return err;

  int64_t width = pointSize();
  std::vector<float> chunk;
  for (int64_t first = 0; first < n; first += chunkRows) {
    int64_t rows = std::min(chunkRows, n - first);
    // Compiled code may write into its arguments' buffers (one-shot
    // bufferization takes function arguments as writable): pass a copy.
    chunk.assign(x0 + first * width, x0 + (first + rows) * width);
    std::vector<Argument> args;
    for (auto [i, input] : llvm::enumerate(sampler->inputs)) {
      if (i == stateInput)
        args.push_back(TensorRef{chunk.data(), pointsShape(rows)});
      else if (stepsInput && i == *stepsInput)
        args.push_back(*steps);
      else
        args.push_back(params.argument(i));
    }
    if (llvm::Error err =
            program.call(sampler->name, args,
                         {TensorRef{out + first * width, pointsShape(rows)}}))
      return err;
  }
  return llvm::Error::success();
}

llvm::Error Sampler::sampleFromNoise(float *out, int64_t n, uint64_t seed,
                                     std::optional<int64_t> steps,
                                     int64_t chunkRows) {
  int64_t width = pointSize();
  if (n <= 0)
    return makeError("the number of points must be positive");
  // All the noise at once, so the points do not depend on the chunking.
  std::vector<float> x0(n * width);
  PhiloxStream(seed, kSampleNoiseStream).fillNormal(x0.data(), x0.size(), 0);
  return sample(x0.data(), out, n, steps, chunkRows);
}
