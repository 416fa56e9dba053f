//===- FmEntryPoints.cpp - Verifying entry-point roles --------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The fm dialect's discardable attributes that make a function an entry
// point of the runtime (fm/Runtime/Roles.h): `fm.entry` on the function,
// `fm.role`, `fm.name` and `fm.slot` on its arguments and results, and
// `fm.solver` / `fm.direction` on a sampler. Each attribute is checked on
// its own here, and the layout as a whole (every value has a role the entry
// point allows, parameters and optimizer state line up between inputs and
// results, types fit their roles) when the function's `fm.entry` is
// verified.
//
//===----------------------------------------------------------------------===//

#include "fm/Dialect/FmAttrs.h"
#include "fm/Dialect/FmDialect.h"
#include "fm/Dialect/FmOps.h"
#include "fm/Runtime/Roles.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace mlir::fm;

/// The role named by a value's `fm.role`, or null.
static std::optional<fmrt::ValueRole> getRole(DictionaryAttr attrs) {
  auto name = attrs ? attrs.getAs<StringAttr>(StringRef(fmrt::kRoleAttr))
                    : StringAttr();
  if (!name)
    return std::nullopt;
  return fmrt::parseValueRole(name.getValue().str());
}

/// A string attribute of a value's dictionary, or "".
static StringRef getString(DictionaryAttr attrs, std::string_view name) {
  auto value = attrs ? attrs.getAs<StringAttr>(StringRef(name)) : StringAttr();
  return value ? value.getValue() : StringRef();
}

/// Checks that `type` fits a value of `role`.
static LogicalResult checkType(function_ref<InFlightDiagnostic()> emitError,
                               fmrt::ValueRole role, Type type) {
  auto tensor = llvm::dyn_cast<RankedTensorType>(type);
  switch (role) {
  case fmrt::ValueRole::Param:
  case fmrt::ValueRole::OptState:
    if (!tensor || !tensor.hasStaticShape() ||
        !llvm::isa<FloatType>(tensor.getElementType()))
      return emitError() << "must be a statically shaped tensor of floats, "
                            "got "
                         << type;
    return success();
  case fmrt::ValueRole::Batch:
    if (!tensor || !tensor.hasStaticShape() || tensor.getRank() == 0 ||
        !(tensor.getElementType().isF32() || tensor.getElementType().isF64() ||
          tensor.getElementType().isInteger(32) ||
          tensor.getElementType().isInteger(64)))
      return emitError() << "must be a statically shaped tensor of f32, f64, "
                            "i32 or i64 with a batch dimension, got "
                         << type;
    return success();
  case fmrt::ValueRole::State:
    if (!tensor || tensor.getRank() == 0 ||
        !tensor.getShape().drop_front().size() ||
        ShapedType::isDynamicShape(tensor.getShape().drop_front()))
      return emitError() << "must be a tensor with a batch dimension and "
                            "static other dimensions, got "
                         << type;
    return success();
  case fmrt::ValueRole::Seed:
  case fmrt::ValueRole::Step:
  case fmrt::ValueRole::FirstRow:
    if (!type.isInteger(64))
      return emitError() << "must be i64, got " << type;
    return success();
  case fmrt::ValueRole::Steps:
    if (!type.isIndex() && !type.isInteger(64))
      return emitError() << "must be index or i64, got " << type;
    return success();
  case fmrt::ValueRole::Loss:
    // A 0-d tensor where the loss stays in GPU memory (fm-gpu-device-tensors).
    if (!type.isF32() &&
        !(tensor && tensor.getRank() == 0 && tensor.getElementType().isF32()))
      return emitError() << "must be f32 or tensor<f32>, got " << type;
    return success();
  case fmrt::ValueRole::LogP:
    if (!tensor || tensor.getRank() != 1 || !tensor.getElementType().isF32())
      return emitError() << "must be a 1-D tensor of f32 (one per point), got "
                         << type;
    return success();
  }
  return success();
}

namespace {
/// One value of an entry point, for the layout checks.
struct RoleValue {
  fmrt::ValueRole role;
  StringRef name, slot;
  Type type;
};
} // namespace

/// Whether `type` belongs to a signature at the level roles describe:
/// tensors and scalars, before bufferization.
static bool isTensorLevel(Type type) {
  return llvm::isa<RankedTensorType, FloatType, IndexType, IntegerType>(type);
}

/// Verifies the whole layout of entry point `func` of role `entry`.
static LogicalResult verifyEntryPoint(FunctionOpInterface func,
                                      fmrt::EntryRole entry) {
  StringRef entryName = StringRef(fmrt::entryRoleName(entry));
  if (func.isExternal())
    return func.emitOpError("is a '") << entryName << "' entry point and "
                                      << "must have a body";
  // Roles describe the tensor-level signature, where they were checked;
  // after bufferization and the lowering to LLVM they are only carried.
  if (!llvm::all_of(func.getArgumentTypes(), isTensorLevel) ||
      !llvm::all_of(func.getResultTypes(), isTensorLevel))
    return success();

  // Every input and result has a role that this kind of entry point takes.
  SmallVector<RoleValue> inputs, results;
  for (auto [isResult, count] : {std::pair(false, func.getNumArguments()),
                                 std::pair(true, func.getNumResults())}) {
    for (unsigned i = 0; i < count; ++i) {
      DictionaryAttr attrs =
          isResult ? func.getResultAttrDict(i) : func.getArgAttrDict(i);
      Type type =
          isResult ? func.getResultTypes()[i] : func.getArgumentTypes()[i];
      const char *what = isResult ? "result" : "argument";
      auto emitError = [&, i = i]() {
        return func.emitOpError()
               << what << " #" << i << " of '" << entryName << "' entry point ";
      };
      std::optional<fmrt::ValueRole> role = getRole(attrs);
      if (!role)
        return emitError() << "has no '" << StringRef(fmrt::kRoleAttr) << "'";
      StringRef roleName = StringRef(fmrt::valueRoleName(*role));
      if (isResult ? !fmrt::isResultRoleOf(entry, *role)
                   : !fmrt::isInputRoleOf(entry, *role))
        return emitError() << "cannot have role '" << roleName << "'";
      if (failed(checkType(
              [&]() { return emitError() << "of role '" << roleName << "' "; },
              *role, type)))
        return failure();
      RoleValue value{*role, getString(attrs, fmrt::kNameAttr),
                      getString(attrs, fmrt::kSlotAttr), type};
      if (fmrt::roleHasName(*role) && value.name.empty())
        return emitError() << "of role '" << roleName << "' needs an '"
                           << StringRef(fmrt::kNameAttr) << "'";
      if (*role == fmrt::ValueRole::OptState && value.slot.empty())
        return emitError() << "of role 'opt_state' needs an '"
                           << StringRef(fmrt::kSlotAttr) << "'";
      (isResult ? results : inputs).push_back(value);
    }
  }

  auto count = [](ArrayRef<RoleValue> values, fmrt::ValueRole role) {
    return llvm::count_if(values,
                          [&](const RoleValue &v) { return v.role == role; });
  };
  auto emitCountError = [&](StringRef what, fmrt::ValueRole role) {
    return func.emitOpError("is a '")
           << entryName << "' entry point and must have " << what << " '"
           << StringRef(fmrt::valueRoleName(role)) << "'";
  };
  // Scalars appear at most once; the roles an entry point needs, once.
  for (fmrt::ValueRole role :
       {fmrt::ValueRole::Seed, fmrt::ValueRole::Step, fmrt::ValueRole::Steps,
        fmrt::ValueRole::FirstRow})
    if (count(inputs, role) > 1)
      return emitCountError("at most one input of role", role);
  if (entry == fmrt::EntryRole::Init &&
      count(inputs, fmrt::ValueRole::Seed) != 1)
    return emitCountError("one input of role", fmrt::ValueRole::Seed);
  if (entry == fmrt::EntryRole::TrainStep) {
    if (count(results, fmrt::ValueRole::Loss) != 1)
      return emitCountError("one result of role", fmrt::ValueRole::Loss);
    if (count(inputs, fmrt::ValueRole::Batch) < 1)
      return emitCountError("at least one input of role",
                            fmrt::ValueRole::Batch);
  }
  if (entry == fmrt::EntryRole::Sampler) {
    if (count(inputs, fmrt::ValueRole::State) != 1)
      return emitCountError("one input of role", fmrt::ValueRole::State);
    if (count(results, fmrt::ValueRole::State) != 1)
      return emitCountError("one result of role", fmrt::ValueRole::State);
    auto in = llvm::find_if(inputs, [](const RoleValue &v) {
      return v.role == fmrt::ValueRole::State;
    });
    auto out = llvm::find_if(results, [](const RoleValue &v) {
      return v.role == fmrt::ValueRole::State;
    });
    if (in->type != out->type)
      return func.emitOpError("is a 'sampler' entry point whose 'state' "
                              "input and result differ in type: ")
             << in->type << " vs " << out->type;
  }
  if (entry == fmrt::EntryRole::Likelihood) {
    if (count(inputs, fmrt::ValueRole::State) != 1)
      return emitCountError("one input of role", fmrt::ValueRole::State);
    if (count(results, fmrt::ValueRole::LogP) != 1)
      return emitCountError("one result of role", fmrt::ValueRole::LogP);
    auto in = llvm::find_if(inputs, [](const RoleValue &v) {
      return v.role == fmrt::ValueRole::State;
    });
    auto out = llvm::find_if(results, [](const RoleValue &v) {
      return v.role == fmrt::ValueRole::LogP;
    });
    int64_t points = llvm::cast<RankedTensorType>(in->type).getDimSize(0);
    int64_t logps = llvm::cast<RankedTensorType>(out->type).getDimSize(0);
    if (points != logps)
      return func.emitOpError("is a 'likelihood' entry point whose 'logp' "
                              "result does not have one value per point of "
                              "its 'state': ")
             << out->type << " for " << in->type;
  }

  // Parameters: unique names; optimizer state belongs to a parameter of its
  // type; a train step returns exactly the parameters and state it takes.
  auto collect =
      [&](ArrayRef<RoleValue> values, StringRef side,
          llvm::MapVector<std::pair<StringRef, StringRef>, Type> &into)
      -> LogicalResult {
    for (const RoleValue &v : values) {
      if (!fmrt::roleHasName(v.role))
        continue;
      if (!into.insert({{v.name, v.slot}, v.type}).second)
        return func.emitOpError("has two ")
               << side << " for parameter '" << v.name << "'"
               << (v.slot.empty() ? StringRef() : " slot '") << v.slot
               << (v.slot.empty() ? "" : "'");
    }
    return success();
  };
  llvm::MapVector<std::pair<StringRef, StringRef>, Type> in, out;
  if (failed(collect(inputs, "inputs", in)) ||
      failed(collect(results, "results", out)))
    return failure();
  auto checkStateOwners =
      [&](llvm::MapVector<std::pair<StringRef, StringRef>, Type> &values)
      -> LogicalResult {
    for (auto &[key, type] : values) {
      if (key.second.empty())
        continue;
      auto param = values.find({key.first, StringRef()});
      if (param == values.end())
        return func.emitOpError("has optimizer state '")
               << key.second << "' of '" << key.first
               << "', which is no parameter of it";
      if (param->second != type)
        return func.emitOpError("has optimizer state '")
               << key.second << "' of '" << key.first << "' of type " << type
               << ", but the parameter is " << param->second;
    }
    return success();
  };
  if (failed(checkStateOwners(in)) || failed(checkStateOwners(out)))
    return failure();
  if (entry == fmrt::EntryRole::TrainStep) {
    for (auto &[key, type] : in) {
      auto it = out.find(key);
      if (it == out.end() || it->second != type)
        return func.emitOpError("is a 'train_step' entry point and must "
                                "return its input '")
               << key.first << "'" << (key.second.empty() ? "" : " slot '")
               << key.second << (key.second.empty() ? "" : "'")
               << " with the same type";
    }
    if (in.size() != out.size())
      return func.emitOpError("is a 'train_step' entry point and returns a "
                              "parameter or optimizer state it does not take");
  }

  // A sampler or a likelihood names its method; only they do. Their steps
  // come either from a `steps` input or from the program (a count, or for
  // a sampler a time grid). Only a sampler has a direction and a time grid;
  // only a likelihood a divergence, and a seed exactly when it is
  // Hutchinson's.
  bool integrates =
      entry == fmrt::EntryRole::Sampler || entry == fmrt::EntryRole::Likelihood;
  Attribute solver = func->getAttr(StringRef(fmrt::kSolverAttr));
  std::string_view samplerAttrs[] = {fmrt::kSolverAttr, fmrt::kDirectionAttr,
                                     fmrt::kFixedStepsAttr,
                                     fmrt::kTimeGridAttr};
  bool hasSamplerAttr = llvm::any_of(samplerAttrs, [&](std::string_view name) {
    return func->hasAttr(StringRef(name));
  });
  if (!integrates && hasSamplerAttr)
    return func.emitOpError("is a '")
           << entryName << "' entry point: only samplers and likelihoods take '"
           << StringRef(fmrt::kSolverAttr) << "', '"
           << StringRef(fmrt::kDirectionAttr) << "', '"
           << StringRef(fmrt::kFixedStepsAttr) << "' and '"
           << StringRef(fmrt::kTimeGridAttr) << "'";
  auto divergence =
      func->getAttrOfType<StringAttr>(StringRef(fmrt::kDivergenceAttr));
  if (entry != fmrt::EntryRole::Likelihood &&
      func->hasAttr(StringRef(fmrt::kDivergenceAttr)))
    return func.emitOpError("is a '")
           << entryName << "' entry point: only likelihoods take '"
           << StringRef(fmrt::kDivergenceAttr) << "'";
  if (!integrates)
    return success();
  if (!solver)
    return func.emitOpError("is a '")
           << entryName << "' entry point and needs an '"
           << StringRef(fmrt::kSolverAttr) << "'";
  if (entry == fmrt::EntryRole::Likelihood) {
    if (func->hasAttr(StringRef(fmrt::kDirectionAttr)) ||
        func->hasAttr(StringRef(fmrt::kTimeGridAttr)))
      return func.emitOpError("is a 'likelihood' entry point, which "
                              "integrates from t = 1 to t = 0 in equal "
                              "steps: it takes no '")
             << StringRef(fmrt::kDirectionAttr) << "' or '"
             << StringRef(fmrt::kTimeGridAttr) << "'";
    if (llvm::cast<StringAttr>(solver).getValue() == "meanflow")
      return func.emitOpError("is a 'likelihood' entry point and needs an "
                              "ODE method, not meanflow");
    if (!divergence)
      return func.emitOpError("is a 'likelihood' entry point and needs an '")
             << StringRef(fmrt::kDivergenceAttr) << "'";
    bool hutchinson = divergence.getValue() == "hutchinson";
    if (hutchinson != (count(inputs, fmrt::ValueRole::Seed) == 1))
      return func.emitOpError("is a 'likelihood' entry point with divergence '")
             << divergence.getValue() << "' and must have "
             << (hutchinson ? "one input" : "no input") << " of role 'seed'";
  }
  bool fixed = func->hasAttr(StringRef(fmrt::kFixedStepsAttr)) ||
               func->hasAttr(StringRef(fmrt::kTimeGridAttr));
  bool takesSteps = count(inputs, fmrt::ValueRole::Steps) > 0;
  if (fixed == takesSteps)
    return func.emitOpError("is a '")
           << entryName
           << "' entry point and needs either a "
              "'steps' input or the program's steps ('"
           << StringRef(fmrt::kFixedStepsAttr) << "' or '"
           << StringRef(fmrt::kTimeGridAttr) << "'), "
           << (fixed ? "not both" : "got neither");
  return success();
}

LogicalResult FmDialect::verifyOperationAttribute(Operation *op,
                                                  NamedAttribute attr) {
  StringRef name = attr.getName().getValue();
  auto func = llvm::dyn_cast<FunctionOpInterface>(op);
  if (name == StringRef(fmrt::kEntryAttr)) {
    auto value = llvm::dyn_cast<StringAttr>(attr.getValue());
    std::optional<fmrt::EntryRole> role =
        value ? fmrt::parseEntryRole(value.getValue().str()) : std::nullopt;
    if (!role)
      return op->emitOpError("'")
             << name
             << "' must be \"init\", \"train_step\", \"sampler\" or "
                "\"likelihood\", "
             << "got " << attr.getValue();
    if (!func)
      return op->emitOpError("'") << name << "' applies to functions only";
    if (!func.isExternal() &&
        failed(verifyNoRecursion(
            op, func, ("entry point '@" + func.getName() + "'").str())))
      return failure();
    return verifyEntryPoint(func, *role);
  }
  if (name == StringRef(fmrt::kFixedStepsAttr) ||
      name == StringRef(fmrt::kTimeGridAttr)) {
    bool valid = false;
    if (auto steps = llvm::dyn_cast<IntegerAttr>(attr.getValue()))
      valid = name == StringRef(fmrt::kFixedStepsAttr) &&
              steps.getType().isInteger(64) && steps.getInt() > 0;
    if (auto grid = llvm::dyn_cast<DenseF64ArrayAttr>(attr.getValue()))
      valid = name == StringRef(fmrt::kTimeGridAttr) && grid.size() >= 2;
    if (!valid)
      return op->emitOpError("'")
             << name << "' must be "
             << (name == StringRef(fmrt::kFixedStepsAttr)
                     ? "a positive i64"
                     : "an array<f64> of at least two times")
             << ", got " << attr.getValue();
    if (!op->hasAttr(StringRef(fmrt::kEntryAttr)))
      return op->emitOpError("'")
             << name << "' needs an '" << StringRef(fmrt::kEntryAttr) << "'";
    return success();
  }
  if (name == StringRef(fmrt::kSolverAttr) ||
      name == StringRef(fmrt::kDirectionAttr)) {
    auto value = llvm::dyn_cast<StringAttr>(attr.getValue());
    bool known =
        value && (name == StringRef(fmrt::kSolverAttr)
                      ? symbolizeSamplerMethod(value.getValue()).has_value()
                      : symbolizeDirection(value.getValue()).has_value());
    if (!known)
      return op->emitOpError("'")
             << name << "' must name "
             << (name == StringRef(fmrt::kSolverAttr)
                     ? "an ODE method (euler, midpoint, heun, rk4, rk38) "
                       "or meanflow"
                     : "a direction (forward, reverse)")
             << ", got " << attr.getValue();
    if (!op->hasAttr(StringRef(fmrt::kEntryAttr)))
      return op->emitOpError("'")
             << name << "' needs an '" << StringRef(fmrt::kEntryAttr) << "'";
    return success();
  }
  if (name == StringRef(fmrt::kDivergenceAttr)) {
    auto value = llvm::dyn_cast<StringAttr>(attr.getValue());
    if (!value ||
        (value.getValue() != "exact" && value.getValue() != "hutchinson"))
      return op->emitOpError("'")
             << name << "' must be \"exact\" or \"hutchinson\", got "
             << attr.getValue();
    if (!op->hasAttr(StringRef(fmrt::kEntryAttr)))
      return op->emitOpError("'")
             << name << "' needs an '" << StringRef(fmrt::kEntryAttr) << "'";
    return success();
  }
  if (name == StringRef(fmrt::kSourceAttr) ||
      name == StringRef(fmrt::kVocabularyAttr)) {
    bool valid = false;
    if (auto value = llvm::dyn_cast<StringAttr>(attr.getValue()))
      valid = name == StringRef(fmrt::kSourceAttr) &&
              (value.getValue() == "uniform" || value.getValue() == "mask");
    if (auto value = llvm::dyn_cast<IntegerAttr>(attr.getValue()))
      valid = name == StringRef(fmrt::kVocabularyAttr) &&
              value.getType().isInteger(64) && value.getInt() >= 1 &&
              value.getInt() < (int64_t(1) << 31) - 1;
    if (!valid)
      return op->emitOpError("'") << name << "' must be "
                                  << (name == StringRef(fmrt::kSourceAttr)
                                          ? "\"uniform\" or \"mask\""
                                          : "an i64 in [1, 2^31 - 1)")
                                  << ", got " << attr.getValue();
    if (!op->hasAttr(StringRef(fmrt::kEntryAttr)))
      return op->emitOpError("'")
             << name << "' needs an '" << StringRef(fmrt::kEntryAttr) << "'";
    return success();
  }
  return op->emitOpError("has an unknown fm attribute '") << name << "'";
}

/// Checks one `fm.role`, `fm.name` or `fm.slot` of an argument or result.
static LogicalResult verifyValueAttribute(Operation *op, NamedAttribute attr,
                                          StringRef what, unsigned index) {
  StringRef name = attr.getName().getValue();
  auto value = llvm::dyn_cast<StringAttr>(attr.getValue());
  auto emitError = [&]() {
    return op->emitOpError() << what << " #" << index << ": '" << name << "' ";
  };
  if (name == StringRef(fmrt::kRoleAttr)) {
    if (!value || !fmrt::parseValueRole(value.getValue().str()))
      return emitError() << "must name a role (param, opt_state, batch, "
                            "seed, step, loss, state, steps, logp), got "
                         << attr.getValue();
    if (!op->hasAttr(StringRef(fmrt::kEntryAttr)))
      return emitError() << "needs an '" << StringRef(fmrt::kEntryAttr)
                         << "' on the function";
    return success();
  }
  if (name == StringRef(fmrt::kNameAttr) ||
      name == StringRef(fmrt::kSlotAttr)) {
    if (!value || value.getValue().empty())
      return emitError() << "must be a non-empty string, got "
                         << attr.getValue();
    return success();
  }
  return emitError() << "is no fm attribute of values";
}

LogicalResult FmDialect::verifyRegionArgAttribute(Operation *op,
                                                  unsigned /*regionIndex*/,
                                                  unsigned argIndex,
                                                  NamedAttribute attr) {
  return verifyValueAttribute(op, attr, "argument", argIndex);
}

LogicalResult FmDialect::verifyRegionResultAttribute(Operation *op,
                                                     unsigned /*regionIndex*/,
                                                     unsigned resultIndex,
                                                     NamedAttribute attr) {
  return verifyValueAttribute(op, attr, "result", resultIndex);
}
