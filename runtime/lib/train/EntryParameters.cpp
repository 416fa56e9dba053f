//===- EntryParameters.cpp - The parameter inputs of an entry point -------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/EntryParameters.h"

#include "fm/Runtime/StatusBridge.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"

using namespace fmrt;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error EntryParameters::load(const SafeTensorsFile &checkpoint,
                                  bool allowExtra) {
  for (auto [i, input] : llvm::enumerate(entry->inputs)) {
    if (input.role != ValueRole::Param)
      continue;
    if (llvm::Error err = toError(
            checkTensor(checkpoint, input.name,
                        {input.type.shape.begin(), input.type.shape.end()})))
      return err;
    values[i] = checkpoint.lookup(input.name)->data;
  }
  // Every parameter is there; anything more is not this model's.
  if (!allowExtra) {
    std::vector<std::string> extra;
    for (const SafeTensor &tensor : checkpoint.getTensors())
      if (llvm::none_of(entry->inputs, [&](const EntryValue &input) {
            return input.role == ValueRole::Param && input.name == tensor.name;
          }))
        extra.push_back("'" + tensor.name + "'");
    if (!extra.empty())
      return makeError(llvm::formatv(
          "checkpoint '{0}' has {1} tensor{2} that '{3}' does not take: {4} "
          "(--allow-extra ignores them)",
          checkpoint.getPath(), extra.size(), extra.size() == 1 ? "" : "s",
          entry->name,
          llvm::join(llvm::ArrayRef(extra).take_front(4), ", ") +
              (extra.size() > 4 ? ", ..." : "")));
  }
  return llvm::Error::success();
}

llvm::Error EntryParameters::set(llvm::StringRef name,
                                 llvm::ArrayRef<float> value) {
  for (auto [i, input] : llvm::enumerate(entry->inputs)) {
    if (input.role != ValueRole::Param || input.name != name)
      continue;
    if (static_cast<int64_t>(value.size()) != numElements(input.type.shape))
      return makeError(llvm::formatv(
          "parameter '{0}' of '{1}' has {2} values, {3} given", name,
          entry->name, numElements(input.type.shape), value.size()));
    values[i].assign(value.begin(), value.end());
    return llvm::Error::success();
  }
  return makeError("'" + entry->name + "' has no parameter '" + name + "'");
}

llvm::Error EntryParameters::checkTypes(const EntryPoint &entry,
                                        llvm::StringRef user) {
  for (const EntryValue &input : entry.inputs)
    if (input.role == ValueRole::Param &&
        (!input.type.isTensor() || input.type.element != ElementType::F32))
      return makeError("parameter '" + input.name + "' of '" + entry.name +
                       "' is " + input.type.str() + "; the " + user +
                       " passes f32 tensors");
  return llvm::Error::success();
}

llvm::Error EntryParameters::checkSet() const {
  for (auto [i, input] : llvm::enumerate(entry->inputs))
    if (input.role == ValueRole::Param && values[i].empty() &&
        numElements(input.type.shape) > 0)
      return makeError("parameter '" + input.name + "' was never loaded");
  return llvm::Error::success();
}

TensorRef EntryParameters::argument(size_t index) {
  return TensorRef{values[index].data(), entry->inputs[index].type.shape};
}
