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
#include <map>

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
    case ValueRole::State: {
      bool tokens = input.type.element == ElementType::I32 ||
                    input.type.element == ElementType::I64;
      if (!input.type.isTensor() || input.type.shape.size() < 2 ||
          (found->vocabulary ? !tokens
                             : input.type.element != ElementType::F32))
        return makeError("'" + found->name +
                         "' must take its points as a tensor of " +
                         (found->vocabulary ? "i32 or i64 tokens" : "f32") +
                         " [n, ...], got " + input.type.str());
      result->stateInput = i;
      break;
    }
    case ValueRole::Steps:
      result->stepsInput = i;
      break;
    case ValueRole::Seed:
      result->seedInput = i;
      break;
    case ValueRole::FirstRow:
      result->firstRowInput = i;
      break;
    default:
      return makeError(llvm::formatv(
          "'{0}' input #{1} has no role a sampler takes", found->name, i));
    }
  }
  // A discrete flow's sampler draws from the run's seed; the others take
  // the points the runtime draws.
  bool discrete = found->vocabulary.has_value();
  if (discrete != (result->seedInput && result->firstRowInput) ||
      discrete != (found->source == "uniform" || found->source == "mask"))
    return makeError(
        "'" + found->name + "' " +
        (discrete ? "samples tokens and needs a source, a 'seed' and a "
                    "'first_row' input"
                  : "samples f32 points and takes no 'seed' or 'first_row' "
                    "input"));
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

int64_t Sampler::defaultChunkRows() const {
  return cacheChunkRows(*sampler, pointSize());
}

llvm::Error Sampler::loadParameters(const SafeTensorsFile &checkpoint,
                                    bool allowExtra) {
  // A discrete flow's checkpoint records its tokens (where a Trainer wrote
  // it): the same parameter shapes can hide another vocabulary or source.
  const std::map<std::string, std::string> &metadata = checkpoint.getMetadata();
  auto vocabulary = metadata.find("fm.vocabulary");
  auto source = metadata.find("fm.source");
  if (vocabulary != metadata.end() && source != metadata.end()) {
    std::string trained =
        "vocabulary " + vocabulary->second + ", source " + source->second;
    std::string sampled =
        samplesTokens() ? "vocabulary " + std::to_string(this->vocabulary()) +
                              ", source " + sampler->source
                        : std::string("f32 points");
    if (trained != sampled)
      return makeError("checkpoint '" + checkpoint.getPath() +
                       "' holds a discrete flow of " + trained + ", and '" +
                       sampler->name + "' samples " + sampled);
  }
  return params.load(checkpoint, allowExtra);
}

llvm::Error Sampler::setParameter(llvm::StringRef name,
                                  llvm::ArrayRef<float> value) {
  return params.set(name, value);
}

llvm::Error Sampler::checkCall(int64_t n, std::optional<int64_t> steps,
                               int64_t chunkRows) const {
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
  return params.checkSet();
}

llvm::Error Sampler::sample(const float *x0, float *out, int64_t n,
                            std::optional<int64_t> steps, int64_t chunkRows) {
  if (samplesTokens())
    return makeError("'" + sampler->name + "' samples tokens, not f32 points");
  if (llvm::Error err = checkCall(n, steps, chunkRows))
    return err;

  int64_t width = pointSize();
  auto integrate = [&](int64_t first, int64_t rows, int) {
    // Compiled code does not write into its arguments (Program::call).
    float *chunk = const_cast<float *>(x0 + first * width);
    return call(TensorRef{chunk, pointsShape(rows)},
                TensorRef{out + first * width, pointsShape(rows)}, steps,
                /*seed=*/0, first);
  };
  auto done = [](int64_t, int64_t, int) { return llvm::Error::success(); };
  return chunks.forEachChunk(n, rowsPerChunk(n, chunkRows, chunks.slots(), 1),
                             integrate, done);
}

void Sampler::setConcurrency(int tasks, TaskRunner runner) {
  chunks.set(tasks, std::move(runner));
}

llvm::Error Sampler::call(TensorRef state, TensorRef result,
                          std::optional<int64_t> steps, uint64_t seed,
                          int64_t first) {
  std::vector<Argument> args;
  for (size_t i = 0; i < sampler->inputs.size(); ++i) {
    if (i == stateInput)
      args.push_back(state);
    else if (stepsInput && i == *stepsInput)
      args.push_back(*steps);
    else if (seedInput && i == *seedInput)
      args.push_back(static_cast<int64_t>(seed));
    else if (firstRowInput && i == *firstRowInput)
      args.push_back(first);
    else
      args.push_back(params.argument(i));
  }
  return program.call(sampler->name, args, {result});
}

/// A sink that copies each chunk of points (`width` values of T each) to
/// its place in `out`.
template <typename T> static auto copyInto(T *out, int64_t width) {
  return [=](const void *points, int64_t first, int64_t count) {
    const auto *values = static_cast<const T *>(points);
    std::copy(values, values + count * width, out + first * width);
    return llvm::Error::success();
  };
}

llvm::Error Sampler::sampleFromNoise(int64_t n, uint64_t seed,
                                     std::optional<int64_t> steps,
                                     int64_t chunkRows, PointSink sink) {
  if (samplesTokens())
    return makeError("'" + sampler->name + "' samples tokens, not f32 points");
  if (llvm::Error err = checkCall(n, steps, chunkRows))
    return err;
  int64_t width = pointSize();
  PhiloxStream noise(seed, kSampleNoiseStream);
  int slots = chunks.slots();
  std::vector<std::vector<float>> x0(slots), points(slots);
  auto integrate = [&](int64_t first, int64_t rows, int slot) {
    x0[slot].resize(rows * width);
    points[slot].resize(rows * width);
    noise.fillNormal(x0[slot].data(), rows * width,
                     static_cast<uint64_t>(first * width / 4));
    return call(TensorRef{x0[slot].data(), pointsShape(rows)},
                TensorRef{points[slot].data(), pointsShape(rows)}, steps, seed,
                first);
  };
  auto deliver = [&](int64_t first, int64_t rows, int slot) {
    return sink(points[slot].data(), first, rows);
  };
  return chunks.forEachChunk(n, rowsPerChunk(n, chunkRows, chunks.slots(), 4),
                             integrate, deliver);
}

llvm::Error Sampler::sampleFromNoise(float *out, int64_t n, uint64_t seed,
                                     std::optional<int64_t> steps,
                                     int64_t chunkRows) {
  auto sink = copyInto(out, pointSize());
  return sampleFromNoise(n, seed, steps, chunkRows, sink);
}

llvm::Error Sampler::sampleTokens(int64_t n, uint64_t seed,
                                  std::optional<int64_t> steps,
                                  int64_t chunkRows, PointSink sink) {
  if (!samplesTokens())
    return makeError("'" + sampler->name + "' samples f32 points, not tokens");
  if (llvm::Error err = checkCall(n, steps, chunkRows))
    return err;
  int64_t width = pointSize();
  int64_t vocab = vocabulary();
  bool mask = sampler->source == "mask";
  PhiloxStream noise(seed, kSampleNoiseStream);
  bool narrow = sampler->inputs[stateInput].type.element == ElementType::I32;
  int slots = chunks.slots();
  std::vector<std::vector<int64_t>> source(slots), points(slots);
  std::vector<std::vector<int32_t>> narrowIn(slots), narrowOut(slots);
  auto integrate = [&](int64_t first, int64_t rows, int slot) {
    // The chunk's source tokens: its part of one draw of all n points.
    std::vector<int64_t> &from = source[slot], &to = points[slot];
    from.resize(rows * width);
    if (mask)
      std::fill(from.begin(), from.end(), vocab);
    else
      noise.fillTokens(from.data(), rows * width,
                       static_cast<uint64_t>(first * width / 4),
                       static_cast<uint32_t>(vocab));
    to.resize(rows * width);
    if (!narrow)
      return call(TensorRef(from.data(), pointsShape(rows)),
                  TensorRef(to.data(), pointsShape(rows)), steps, seed, first);
    narrowIn[slot].assign(from.begin(), from.end());
    narrowOut[slot].resize(rows * width);
    llvm::Error err = call(TensorRef(narrowIn[slot].data(), pointsShape(rows)),
                           TensorRef(narrowOut[slot].data(), pointsShape(rows)),
                           steps, seed, first);
    std::copy(narrowOut[slot].begin(), narrowOut[slot].end(), to.begin());
    return err;
  };
  auto deliver = [&](int64_t first, int64_t rows, int slot) {
    return sink(points[slot].data(), first, rows);
  };
  // The sampler's draws for a row depend on its index among all rows (its
  // final draw packs 4 tokens to a block): chunks of 4k rows.
  return chunks.forEachChunk(n, rowsPerChunk(n, chunkRows, chunks.slots(), 4),
                             integrate, deliver);
}

llvm::Error Sampler::sampleTokens(int64_t *out, int64_t n, uint64_t seed,
                                  std::optional<int64_t> steps,
                                  int64_t chunkRows) {
  auto sink = copyInto(out, pointSize());
  return sampleTokens(n, seed, steps, chunkRows, sink);
}
