//===- Trainer.cpp - The training loop of compiled programs ---------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Trainer.h"

#include "fm/Runtime/SafeTensors.h"
#include "fm/Runtime/StatusBridge.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <csignal>

#include <unistd.h>

using namespace fmrt;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The entry point of `role` named `name`, or the only one where `name` is
/// empty.
static llvm::Expected<const EntryPoint *>
findEntry(const Program &program, EntryRole role, llvm::StringRef name) {
  std::vector<const EntryPoint *> found = program.entriesWithRole(role);
  llvm::StringRef what = llvm::StringRef(entryRoleName(role));
  if (!name.empty()) {
    for (const EntryPoint *entry : found)
      if (entry->name == name)
        return entry;
    return makeError("the program has no '" + what + "' entry point '" + name +
                     "'");
  }
  if (found.empty())
    return makeError("the program has no '" + what +
                     "' entry point (see examples/moons.mlir, or declare "
                     "one with fm.flow and fm.trainer)");
  if (found.size() > 1) {
    std::vector<std::string> names;
    for (const EntryPoint *entry : found)
      names.push_back(entry->name);
    return makeError("the program has " + llvm::Twine(found.size()) + " '" +
                     what + "' entry points (" + llvm::join(names, ", ") +
                     "): name one");
  }
  return found.front();
}

Trainer::Trainer(Program &program, const EntryPoint &init,
                 const EntryPoint &step)
    : program(program), init(&init), trainStep(&step) {}

llvm::Expected<std::unique_ptr<Trainer>>
Trainer::create(Program &program, llvm::StringRef stepName) {
  llvm::Expected<const EntryPoint *> init =
      findEntry(program, EntryRole::Init, "");
  if (!init)
    return init.takeError();
  llvm::Expected<const EntryPoint *> step =
      findEntry(program, EntryRole::TrainStep, stepName);
  if (!step)
    return step.takeError();
  std::unique_ptr<Trainer> trainer(new Trainer(program, **init, **step));
  if (llvm::Error err = trainer->buildLayout())
    return std::move(err);
  return trainer;
}

/// Whether `value` is f32, or a tensor of f32.
static bool isF32(const ValueType &type) {
  return type.isTensor() ? type.element == ElementType::F32
                         : type.kind == ValueType::Kind::F32;
}

llvm::Error Trainer::buildLayout() {
  // The parameters, as init returns them.
  for (const EntryValue &result : init->results) {
    if (result.role != ValueRole::Param)
      return makeError("'" + init->name +
                       "' returns a value that is no "
                       "parameter");
    if (!isF32(result.type) || !result.type.isTensor())
      return makeError("parameter '" + result.name + "' is " +
                       result.type.str() + "; the trainer keeps f32 tensors");
    params.push_back({result.name, result.type.shape});
  }
  auto findParam = [&](const EntryValue &value) -> std::optional<size_t> {
    for (auto [i, param] : llvm::enumerate(params))
      if (param.name == value.name && param.shape == value.type.shape)
        return i;
    return std::nullopt;
  };
  auto findSlot = [&](llvm::StringRef slot) {
    auto it = llvm::find(slots, slot);
    if (it != slots.end())
      return static_cast<size_t>(it - slots.begin());
    slots.push_back(slot.str());
    return slots.size() - 1;
  };

  // Every input and result of the step, by role.
  auto describe = [&](const EntryValue &value, bool isResult,
                      size_t index) -> llvm::Expected<Slot> {
    auto fail = [&](const llvm::Twine &why) {
      return makeError(llvm::formatv("'{0}' {1} #{2}: ", trainStep->name,
                                     isResult ? "result" : "input", index) +
                       why);
    };
    if (!value.role)
      return fail("has no role");
    Slot slot{*value.role};
    switch (*value.role) {
    case ValueRole::Param:
    case ValueRole::OptState: {
      std::optional<size_t> param = findParam(value);
      if (!param)
        return fail("belongs to parameter '" + value.name + "' of type " +
                    value.type.str() + ", which '" + init->name +
                    "' does not return");
      if (!isF32(value.type))
        return fail("is " + value.type.str() +
                    "; the trainer keeps f32 tensors");
      slot.param = *param;
      if (*value.role == ValueRole::OptState)
        slot.state = findSlot(value.slot);
      return slot;
    }
    case ValueRole::Batch:
      slot.batch = batchSpecs.size();
      batchSpecs.push_back(
          {value.type.element, value.type.shape, trainStep->vocabulary});
      return slot;
    case ValueRole::Loss:
      if (value.type.kind != ValueType::Kind::F32)
        return fail("the loss must be f32, got " + value.type.str());
      return slot;
    case ValueRole::Seed:
    case ValueRole::Step:
      if (value.type.kind != ValueType::Kind::I64)
        return fail("must be i64, got " + value.type.str());
      return slot;
    case ValueRole::State:
    case ValueRole::Steps:
    case ValueRole::LogP:
    case ValueRole::FirstRow:
      break;
    }
    return fail("has role '" + llvm::StringRef(valueRoleName(*value.role)) +
                "', which a train step does not take");
  };
  for (auto [i, input] : llvm::enumerate(trainStep->inputs)) {
    llvm::Expected<Slot> slot = describe(input, /*isResult=*/false, i);
    if (!slot)
      return slot.takeError();
    inputSlots.push_back(*slot);
  }
  for (auto [i, result] : llvm::enumerate(trainStep->results)) {
    llvm::Expected<Slot> slot = describe(result, /*isResult=*/true, i);
    if (!slot)
      return slot.takeError();
    resultSlots.push_back(*slot);
  }
  if (llvm::count_if(resultSlots, [](const Slot &s) {
        return s.role == ValueRole::Loss;
      }) != 1)
    return makeError("'" + trainStep->name + "' must return one loss");

  // Two copies of every parameter and optimizer state, and the batches:
  // refuse what this machine cannot hold before allocating any of it.
  uint64_t bytes = 0;
  bool overflow = false;
  auto add = [&](llvm::ArrayRef<int64_t> shape, uint64_t elementBytes,
                 uint64_t copies) {
    uint64_t total = elementBytes * copies;
    for (int64_t d : shape)
      overflow |= d < 0 || __builtin_mul_overflow(
                               total, static_cast<uint64_t>(d), &total);
    overflow |= __builtin_add_overflow(bytes, total, &bytes);
  };
  for (const ParameterInfo &param : params)
    add(param.shape, sizeof(float), 2 * (slots.size() + 1));
  for (const BatchSpec &spec : batchSpecs)
    add(spec.shape, elementSize(spec.element), 1);
  uint64_t memory = static_cast<uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                    static_cast<uint64_t>(::sysconf(_SC_PAGE_SIZE));
  if (overflow || bytes > memory)
    return makeError(llvm::formatv(
        "'{0}' needs {1} bytes for its parameters, optimizer state (two "
        "copies of each) and batches, more than this machine's {2} bytes of "
        "memory",
        trainStep->name,
        overflow ? std::string("more than 2^64") : std::to_string(bytes),
        memory));

  for (auto &copy : state) {
    copy.clear();
    for (size_t s = 0; s <= slots.size(); ++s)
      for (const ParameterInfo &param : params)
        copy.emplace_back(numElements(param.shape), 0.0f);
  }
  return llvm::Error::success();
}

llvm::Error Trainer::initialize(uint64_t seed) {
  current = 0;
  for (auto &copy : state)
    for (std::vector<float> &buffer : copy)
      std::fill(buffer.begin(), buffer.end(), 0.0f);
  std::vector<Argument> args;
  for (const EntryValue &input : init->inputs) {
    if (input.role != ValueRole::Seed)
      return makeError("'" + init->name + "' takes an input that is no seed");
    args.push_back(static_cast<int64_t>(seed));
  }
  std::vector<Destination> out;
  for (auto [i, param] : llvm::enumerate(params))
    out.push_back(TensorRef{state[0][i].data(), param.shape});
  average.clear();
  return program.call(init->name, args, out);
}

llvm::Expected<float> Trainer::step(llvm::ArrayRef<TensorRef> batches,
                                    uint64_t seed, int64_t stepIndex) {
  if (batches.size() != batchSpecs.size())
    return makeError(llvm::formatv("'{0}' takes {1} batches, {2} given",
                                   trainStep->name, batchSpecs.size(),
                                   batches.size()));
  size_t p = params.size();
  std::vector<std::vector<float>> &in = state[current];
  std::vector<std::vector<float>> &out = state[1 - current];
  auto buffer = [&](std::vector<std::vector<float>> &copy, const Slot &slot) {
    size_t index = slot.role == ValueRole::Param
                       ? slot.param
                       : p * (1 + slot.state) + slot.param;
    return TensorRef{copy[index].data(), params[slot.param].shape};
  };

  std::vector<Argument> args;
  args.reserve(inputSlots.size());
  for (const Slot &slot : inputSlots) {
    switch (slot.role) {
    case ValueRole::Param:
    case ValueRole::OptState:
      args.push_back(buffer(in, slot));
      break;
    case ValueRole::Batch:
      args.push_back(batches[slot.batch]);
      break;
    case ValueRole::Seed:
      args.push_back(static_cast<int64_t>(seed));
      break;
    default:
      args.push_back(stepIndex);
      break;
    }
  }
  float loss = 0;
  std::vector<Destination> results;
  results.reserve(resultSlots.size());
  for (const Slot &slot : resultSlots) {
    if (slot.role == ValueRole::Loss)
      results.push_back(&loss);
    else
      results.push_back(buffer(out, slot));
  }
  if (llvm::Error err = program.call(trainStep->name, args, results))
    return std::move(err);
  if (std::isfinite(loss))
    current = 1 - current;
  return loss;
}

llvm::ArrayRef<float> Trainer::parameter(size_t index) const {
  return state[current][index];
}

llvm::ArrayRef<float> Trainer::averagedParameter(size_t index) const {
  if (average.empty())
    return parameter(index);
  return average[index];
}

llvm::Error Trainer::saveCheckpoint(
    llvm::StringRef path,
    const std::map<std::string, std::string> &metadata) const {
  std::vector<TensorView> views;
  for (auto [i, param] : llvm::enumerate(params))
    views.push_back({param.name,
                     {param.shape.begin(), param.shape.end()},
                     averagedParameter(i).data()});
  return toError(writeSafeTensors(path, views, metadata));
}

llvm::Error
Trainer::run(llvm::ArrayRef<DataSource *> data, const TrainOptions &options,
             llvm::function_ref<void(const TrainProgress &)> progress) {
  if (options.steps <= 0)
    return makeError("the number of steps must be positive");
  if (!(options.ema >= 0 && options.ema < 1))
    return makeError(llvm::formatv(
        "the moving average's decay must be in [0, 1), got {0}", options.ema));
  if (data.size() != batchSpecs.size())
    return makeError(llvm::formatv("'{0}' takes {1} batches, {2} sources given",
                                   trainStep->name, batchSpecs.size(),
                                   data.size()));
  for (auto [source, spec] : llvm::zip(data, batchSpecs))
    if (source->spec().str() != spec.str())
      return makeError("a source fills " + source->spec().str() +
                       " batches, and '" + trainStep->name + "' takes " +
                       spec.str());
  if (llvm::Error err = initialize(options.seed))
    return err;
  // The moving average starts at the initial parameters.
  if (options.ema > 0)
    for (size_t i = 0; i < params.size(); ++i)
      average.push_back(state[current][i]);

  std::map<std::string, std::string> metadata = options.metadata;
  metadata["format"] = "pt";
  metadata["fm.seed"] = std::to_string(options.seed);
  // A discrete flow's tokens: samplers check that they share them.
  if (trainStep->vocabulary) {
    metadata["fm.vocabulary"] = std::to_string(*trainStep->vocabulary);
    metadata["fm.source"] = trainStep->source;
  }
  if (options.ema > 0) {
    // The shortest text that reads back as the same double ("0.999").
    char text[32];
    std::to_chars_result end =
        std::to_chars(text, text + sizeof text, options.ema);
    metadata["fm.ema"] = std::string(text, end.ptr);
  }

  // One buffer per batch input, filled before every step.
  std::vector<std::vector<char>> storage;
  std::vector<TensorRef> batches;
  for (const BatchSpec &spec : batchSpecs) {
    storage.emplace_back(numElements(spec.shape) * elementSize(spec.element));
    batches.push_back(
        TensorRef{storage.back().data(), spec.element, spec.shape});
  }

  bool wroteCheckpoint = false;
  auto start = std::chrono::steady_clock::now();
  for (int64_t index = 0; index < options.steps; ++index) {
    for (auto [source, batch] : llvm::zip(data, batches))
      source->fill(batch.data);
    llvm::Expected<float> loss = step(batches, options.seed, index);
    if (!loss)
      return loss.takeError();
    if (!std::isfinite(*loss)) {
      std::string kept =
          options.checkpointPath.empty() ? std::string("nothing was written")
          : wroteCheckpoint
              ? "'" + options.checkpointPath +
                    "' keeps the last checkpoint written before it"
              : "no checkpoint was written";
      return makeError(llvm::formatv(
          "the loss became {0} at step {1}; training stopped, and {2}", *loss,
          index + 1, kept));
    }
    if (options.ema > 0) {
      float decay = static_cast<float>(options.ema);
      for (size_t i = 0; i < params.size(); ++i) {
        const std::vector<float> &now = state[current][i];
        for (size_t j = 0, e = average[i].size(); j < e; ++j)
          average[i][j] += (1.0f - decay) * (now[j] - average[i][j]);
      }
    }
    int64_t done = index + 1;
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    progress({done, options.steps, *loss, seconds});
    if (!options.checkpointPath.empty() &&
        ((options.checkpointEvery > 0 && done % options.checkpointEvery == 0) ||
         done == options.steps)) {
      metadata["fm.steps"] = std::to_string(done);
      if (llvm::Error err = saveCheckpoint(options.checkpointPath, metadata))
        return err;
      wroteCheckpoint = true;
    } else if (int signal = options.stopSignal ? options.stopSignal->load() : 0;
               signal && !options.checkpointPath.empty()) {
      metadata["fm.steps"] = std::to_string(done);
      if (llvm::Error err = saveCheckpoint(options.checkpointPath, metadata))
        return err;
    }
    if (int signal = options.stopSignal ? options.stopSignal->load() : 0;
        signal && done < options.steps)
      return llvm::make_error<TrainInterrupted>(signal, done, options.steps,
                                                options.checkpointPath);
  }
  return llvm::Error::success();
}

char TrainInterrupted::ID = 0;

void TrainInterrupted::log(llvm::raw_ostream &os) const {
  const char *name = signal == SIGINT    ? "SIGINT"
                     : signal == SIGTERM ? "SIGTERM"
                                         : nullptr;
  os << "interrupted by ";
  if (name)
    os << name;
  else
    os << "signal " << signal;
  os << " after " << done << " of " << steps << " steps; ";
  if (checkpoint.empty())
    os << "nothing was written";
  else
    os << "wrote '" << checkpoint << "' (the model after step " << done << ")";
}
