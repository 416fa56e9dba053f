//===- Likelihood.cpp - Log-likelihoods of compiled programs --------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Likelihood.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace fmrt;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

LikelihoodEvaluator::LikelihoodEvaluator(Program &program,
                                         const EntryPoint &likelihood)
    : program(program), likelihood(&likelihood), params(likelihood) {}

llvm::Expected<std::unique_ptr<LikelihoodEvaluator>>
LikelihoodEvaluator::create(Program &program, llvm::StringRef solver,
                            llvm::StringRef divergence) {
  std::vector<std::string> have;
  const EntryPoint *found = nullptr;
  for (const EntryPoint *entry :
       program.entriesWithRole(EntryRole::Likelihood)) {
    llvm::StringRef kind = entry->divergence;
    have.push_back(entry->solver + " " + kind.str());
    if (entry->solver != solver || kind != divergence)
      continue;
    if (found)
      return makeError("the program has two likelihoods with solver '" +
                       solver + "' and divergence '" + divergence + "': '" +
                       found->name + "' and '" + entry->name + "'");
    found = entry;
  }
  if (!found)
    return makeError(
        "the program has no likelihood with solver '" + solver +
        "' and divergence '" + divergence + "' (it has: " +
        (have.empty() ? std::string("none") : llvm::join(have, ", ")) + ")");

  std::unique_ptr<LikelihoodEvaluator> result(
      new LikelihoodEvaluator(program, *found));
  if (llvm::Error err = EntryParameters::checkTypes(*found, "evaluator"))
    return std::move(err);
  for (auto [i, input] : llvm::enumerate(found->inputs)) {
    switch (input.role.value_or(ValueRole::Loss)) {
    case ValueRole::Param:
      break;
    case ValueRole::State:
      if (!input.type.isTensor() || input.type.element != ElementType::F32 ||
          input.type.shape.size() != 2)
        return makeError("'" + found->name +
                         "' must take its points as a tensor of f32 [n, D], "
                         "got " +
                         input.type.str());
      result->stateInput = i;
      break;
    case ValueRole::Steps:
      result->stepsInput = i;
      break;
    case ValueRole::Seed:
      result->seedInput = i;
      break;
    default:
      return makeError(llvm::formatv(
          "'{0}' input #{1} has no role a likelihood takes", found->name, i));
    }
  }
  return result;
}

int64_t LikelihoodEvaluator::pointSize() const {
  return likelihood->inputs[stateInput].type.shape[1];
}

std::optional<int64_t> LikelihoodEvaluator::staticRows() const {
  int64_t rows = likelihood->inputs[stateInput].type.shape[0];
  if (rows < 0)
    return std::nullopt;
  return rows;
}

int64_t LikelihoodEvaluator::defaultChunkRows() const {
  return cacheChunkRows(*likelihood, pointSize());
}

llvm::Error
LikelihoodEvaluator::loadParameters(const SafeTensorsFile &checkpoint,
                                    bool allowExtra) {
  return params.load(checkpoint, allowExtra);
}

llvm::Error LikelihoodEvaluator::evaluate(const float *x, float *logp,
                                          int64_t n,
                                          std::optional<int64_t> steps,
                                          uint64_t seed, int64_t chunkRows) {
  if (n <= 0)
    return makeError("the number of points must be positive");
  if (chunkRows <= 0)
    return makeError("the chunk size must be positive");
  if (takesSteps() && (!steps || *steps <= 0))
    return makeError("'" + likelihood->name +
                     "' needs a positive number of steps");
  if (!takesSteps() && steps)
    return makeError("'" + likelihood->name +
                     "' has its steps fixed by the program");
  std::optional<int64_t> fixedRows = staticRows();
  if (fixedRows && n % *fixedRows != 0)
    return makeError(llvm::formatv(
        "'{0}' takes {1} points per call: give a multiple of {1} points",
        likelihood->name, *fixedRows));
  // Chunks of a static size stay as they are (and so would any that draw
  // probes from seed + k): only their calls run at once.
  int slots = chunks.slots();
  int64_t rowsPerCall =
      fixedRows
          ? *fixedRows
          : (takesSeed() ? chunkRows : rowsPerChunk(n, chunkRows, slots, 1));
  if (llvm::Error err = params.checkSet())
    return err;

  int64_t width = pointSize();
  auto work = [&](int64_t first, int64_t rows, int) {
    // Compiled code does not write into its arguments (Program::call).
    float *chunk = const_cast<float *>(x + first * width);
    uint64_t k = static_cast<uint64_t>(first / rowsPerCall);
    std::vector<Argument> args;
    for (auto [i, input] : llvm::enumerate(likelihood->inputs)) {
      if (i == stateInput)
        args.push_back(TensorRef{chunk, {rows, width}});
      else if (stepsInput && i == *stepsInput)
        args.push_back(*steps);
      else if (seedInput && i == *seedInput)
        args.push_back(static_cast<int64_t>(seed + k));
      else
        args.push_back(params.argument(i));
    }
    return program.call(likelihood->name, args,
                        {TensorRef{logp + first, {rows}}});
  };
  auto done = [](int64_t, int64_t, int) { return llvm::Error::success(); };
  return chunks.forEachChunk(n, rowsPerCall, work, done);
}

llvm::Error LikelihoodEvaluator::setParameter(llvm::StringRef name,
                                              llvm::ArrayRef<float> value) {
  return params.set(name, value);
}

void LikelihoodEvaluator::setConcurrency(int tasks, TaskRunner runner) {
  chunks.set(tasks, std::move(runner));
}
