//===- EntryParameters.h - Parameter inputs of an entry point ---*- C++ -*-===//
//-*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The values a Sampler or a LikelihoodEvaluator passes for the `param`
// inputs of its entry point: loaded by name from a checkpoint, or set one by
// one (e.g. from a Trainer in the same process).
//
//===----------------------------------------------------------------------===//

#ifndef FM_RUNTIME_ENTRYPARAMETERS_H
#define FM_RUNTIME_ENTRYPARAMETERS_H

#include "fm/Runtime/Program.h"
#include "fm/Runtime/SafeTensors.h"

#include <vector>

namespace fmrt {

/// The `param` inputs of one entry point and their values, by input index.
class EntryParameters {
public:
  explicit EntryParameters(const EntryPoint &entry)
      : entry(&entry), values(entry.inputs.size()) {}

  /// Fails, naming it, where a parameter input of `entry` is not an f32
  /// tensor (the values this class holds); `user` ("sampler") says who
  /// passes them.
  static llvm::Error checkTypes(const EntryPoint &entry, llvm::StringRef user);

  /// Takes every parameter from `checkpoint` by name, checking its shape.
  /// A tensor of the checkpoint that is no parameter of the entry point is
  /// an error (another model's checkpoint, most likely) unless
  /// `allowExtra`.
  llvm::Error load(const SafeTensorsFile &checkpoint, bool allowExtra = false);
  /// Sets parameter `name` (row-major f32 of its shape).
  llvm::Error set(llvm::StringRef name, llvm::ArrayRef<float> value);
  /// Fails, naming it, where a parameter with elements was never set.
  llvm::Error checkSet() const;
  /// The argument for input `index`, which must be a parameter.
  TensorRef argument(size_t index);

private:
  const EntryPoint *entry;
  std::vector<std::vector<float>> values;
};

} // namespace fmrt

#endif // FM_RUNTIME_ENTRYPARAMETERS_H
