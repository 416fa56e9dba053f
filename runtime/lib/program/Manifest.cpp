//===- Manifest.cpp - The manifest of a compiled fm program ---------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The JSON a compiled library carries to say what it holds: its backend, the
// CPU it was compiled for, and each entry point's role and signature.
// printManifest and parseManifest are inverses; parseManifest trusts nothing
// in its input (fm-fuzz-manifest).
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Program.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/TargetParser/Host.h"

using namespace fmrt;

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::optional<ElementType> parseElementType(llvm::StringRef text) {
  for (ElementType type :
       {ElementType::F32, ElementType::F64, ElementType::I32, ElementType::I64})
    if (llvm::StringRef(elementTypeName(type)) == text)
      return type;
  return std::nullopt;
}

std::string ValueType::str() const {
  switch (kind) {
  case Kind::F32:
    return "f32";
  case Kind::F64:
    return "f64";
  case Kind::I64:
    return "i64";
  case Kind::Index:
    return "index";
  case Kind::Tensor:
    break;
  }
  std::string text = "tensor<";
  for (int64_t d : shape)
    text += (d < 0 ? std::string("?") : std::to_string(d)) + "x";
  return text + std::string(elementTypeName(element)) + ">";
}

/// The inverse of ValueType::str.
static std::optional<ValueType> parseValueType(llvm::StringRef text) {
  ValueType v;
  if (text == "f32")
    v.kind = ValueType::Kind::F32;
  else if (text == "f64")
    v.kind = ValueType::Kind::F64;
  else if (text == "i64")
    v.kind = ValueType::Kind::I64;
  else if (text == "index")
    v.kind = ValueType::Kind::Index;
  else if (text.consume_front("tensor<") && text.consume_back(">")) {
    // "AxBx" (every dimension followed by 'x') and the element type, or
    // only the element type for a scalar tensor.
    v.kind = ValueType::Kind::Tensor;
    size_t split = text.rfind('x');
    llvm::StringRef dimsText =
        split == llvm::StringRef::npos ? "" : text.take_front(split);
    std::optional<ElementType> element = parseElementType(
        split == llvm::StringRef::npos ? text : text.drop_front(split + 1));
    if (!element)
      return std::nullopt;
    v.element = *element;
    llvm::SmallVector<llvm::StringRef, 4> dims;
    if (!dimsText.empty())
      dimsText.split(dims, 'x');
    for (llvm::StringRef dim : dims) {
      int64_t d;
      if (dim == "?")
        v.shape.push_back(-1);
      else if (!llvm::to_integer(dim, d, 10) || d < 0)
        return std::nullopt;
      else
        v.shape.push_back(d);
    }
  } else {
    return std::nullopt;
  }
  return v;
}
//===----------------------------------------------------------------------===//
// Manifest
//===----------------------------------------------------------------------===//

static constexpr llvm::StringLiteral kManifestFormat = "fm-program";
// 4: tensor results are destinations on the CPU backends.
static constexpr int64_t kManifestVersion = 4;

/// One input or result in the manifest: {"type", "role", "name", "slot"},
/// the last three only where set.
static llvm::json::Object printValue(const EntryValue &value) {
  llvm::json::Object object{{"type", value.type.str()}};
  if (value.role)
    object["role"] = llvm::StringRef(valueRoleName(*value.role));
  if (!value.name.empty())
    object["name"] = value.name;
  if (!value.slot.empty())
    object["slot"] = value.slot;
  return object;
}

std::string fmrt::printManifest(const Manifest &manifest) {
  llvm::json::Array entries;
  for (const EntryPoint &entry : manifest.entries) {
    llvm::json::Array inputs, results;
    for (const EntryValue &input : entry.inputs)
      inputs.push_back(printValue(input));
    for (const EntryValue &result : entry.results)
      results.push_back(printValue(result));
    llvm::json::Object object{{"name", entry.name},
                              {"inputs", std::move(inputs)},
                              {"results", std::move(results)}};
    if (entry.role)
      object["role"] = llvm::StringRef(entryRoleName(*entry.role));
    if (!entry.solver.empty())
      object["solver"] = entry.solver;
    if (!entry.direction.empty())
      object["direction"] = entry.direction;
    if (!entry.divergence.empty())
      object["divergence"] = entry.divergence;
    if (!entry.source.empty())
      object["source"] = entry.source;
    if (entry.vocabulary)
      object["vocabulary"] = *entry.vocabulary;
    if (entry.fixedSteps)
      object["steps"] = *entry.fixedSteps;
    if (!entry.timeGrid.empty())
      object["time_grid"] = llvm::json::Array(entry.timeGrid);
    entries.push_back(std::move(object));
  }
  llvm::json::Array features;
  for (const std::string &feature : manifest.features)
    features.push_back(feature);
  llvm::json::Object root{
      {"format", kManifestFormat},
      {"version", kManifestVersion},
      {"backend", llvm::StringRef(backendName(manifest.backend))},
      {"cpu", manifest.cpu},
      {"features", std::move(features)},
      {"entries", std::move(entries)}};
  std::string text;
  llvm::raw_string_ostream(text) << llvm::json::Value(std::move(root));
  return text;
}

/// The inverse of printValue.
static std::optional<EntryValue> parseValue(const llvm::json::Value &json) {
  const llvm::json::Object *object = json.getAsObject();
  if (!object)
    return std::nullopt;
  std::optional<llvm::StringRef> type = object->getString("type");
  std::optional<ValueType> parsed = type ? parseValueType(*type) : std::nullopt;
  if (!parsed)
    return std::nullopt;
  EntryValue value{*parsed, std::nullopt, "", ""};
  if (const llvm::json::Value *role = object->get("role")) {
    std::optional<llvm::StringRef> name = role->getAsString();
    value.role = name ? parseValueRole(name->str()) : std::nullopt;
    if (!value.role)
      return std::nullopt;
  }
  for (auto [key, field] :
       {std::pair("name", &value.name), std::pair("slot", &value.slot)}) {
    if (const llvm::json::Value *text = object->get(key)) {
      std::optional<llvm::StringRef> string = text->getAsString();
      if (!string || string->empty())
        return std::nullopt;
      *field = string->str();
    }
  }
  if (value.role && roleHasName(*value.role) && value.name.empty())
    return std::nullopt;
  return value;
}

llvm::Expected<Manifest> fmrt::parseManifest(llvm::StringRef text) {
  llvm::Expected<llvm::json::Value> value = llvm::json::parse(text);
  if (!value)
    return makeError("manifest is not JSON: " +
                     llvm::toString(value.takeError()));
  const llvm::json::Object *root = value->getAsObject();
  if (!root || root->getString("format") != kManifestFormat)
    return makeError("manifest is not an fm-program manifest");
  std::optional<int64_t> version = root->getInteger("version");
  if (version != kManifestVersion)
    return makeError(llvm::formatv(
        "manifest version {0}, but this runtime reads version {1}: recompile "
        "the program",
        version ? std::to_string(*version) : std::string("(none)"),
        kManifestVersion));

  Manifest manifest;
  std::optional<llvm::StringRef> backendText = root->getString("backend");
  std::optional<Backend> backend =
      backendText ? parseBackend(*backendText) : std::nullopt;
  if (!backend)
    return makeError(llvm::Twine("manifest names no known backend (") +
                     llvm::StringRef(backendNames()) + ")");
  manifest.backend = *backend;

  std::optional<llvm::StringRef> cpu = root->getString("cpu");
  const llvm::json::Array *features = root->getArray("features");
  if (!cpu || !features)
    return makeError("manifest names no target CPU and features");
  manifest.cpu = cpu->str();
  for (const llvm::json::Value &feature : *features) {
    std::optional<llvm::StringRef> name = feature.getAsString();
    if (!name || name->empty())
      return makeError("manifest has a malformed target feature");
    manifest.features.push_back(name->str());
  }

  const llvm::json::Array *entries = root->getArray("entries");
  if (!entries)
    return makeError("manifest lists no entry points");
  for (const llvm::json::Value &item : *entries) {
    const llvm::json::Object *object = item.getAsObject();
    std::optional<llvm::StringRef> name =
        object ? object->getString("name") : std::nullopt;
    const llvm::json::Array *inputs =
        object ? object->getArray("inputs") : nullptr;
    const llvm::json::Array *results =
        object ? object->getArray("results") : nullptr;
    if (!name || name->empty() || !inputs || !results)
      return makeError("manifest has an entry point without a name, inputs "
                       "or results");
    EntryPoint entry;
    entry.name = name->str();
    auto malformed = [&](llvm::StringRef what) {
      return makeError("manifest: entry point '" + entry.name + "' has " +
                       what);
    };
    if (const llvm::json::Value *role = object->get("role")) {
      std::optional<llvm::StringRef> roleName = role->getAsString();
      entry.role = roleName ? parseEntryRole(roleName->str()) : std::nullopt;
      if (!entry.role)
        return malformed("an unknown role");
    }
    for (auto [key, field] : {std::pair("solver", &entry.solver),
                              std::pair("direction", &entry.direction),
                              std::pair("divergence", &entry.divergence),
                              std::pair("source", &entry.source)})
      if (std::optional<llvm::StringRef> text = object->getString(key))
        *field = text->str();
    if (!entry.source.empty() && entry.source != "uniform" &&
        entry.source != "mask")
      return malformed("an unknown source '" + entry.source + "'");
    if (const llvm::json::Value *vocabulary = object->get("vocabulary")) {
      entry.vocabulary = vocabulary->getAsInteger();
      if (!entry.vocabulary || *entry.vocabulary < 1 ||
          *entry.vocabulary >= (int64_t(1) << 31) - 1)
        return malformed("a malformed vocabulary");
    }
    if (const llvm::json::Value *steps = object->get("steps")) {
      entry.fixedSteps = steps->getAsInteger();
      if (!entry.fixedSteps || *entry.fixedSteps <= 0)
        return malformed("a malformed step count");
    }
    if (const llvm::json::Value *grid = object->get("time_grid")) {
      const llvm::json::Array *times = grid->getAsArray();
      if (!times || times->size() < 2)
        return malformed("a malformed time grid");
      for (const llvm::json::Value &time : *times) {
        std::optional<double> t = time.getAsNumber();
        if (!t)
          return malformed("a malformed time grid");
        entry.timeGrid.push_back(*t);
      }
    }
    for (auto [list, into, what] :
         {std::tuple(inputs, &entry.inputs, "a malformed input"),
          std::tuple(results, &entry.results, "a malformed result")}) {
      for (const llvm::json::Value &item : *list) {
        std::optional<EntryValue> value = parseValue(item);
        if (!value)
          return malformed(what);
        into->push_back(std::move(*value));
      }
    }
    manifest.entries.push_back(std::move(entry));
  }
  return manifest;
}

llvm::Error fmrt::checkRunsOnHost(const Manifest &manifest) {
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  llvm::SmallVector<llvm::StringRef> missing;
  for (const std::string &feature : manifest.features)
    if (!host.lookup(feature))
      missing.push_back(feature);
  if (missing.empty())
    return llvm::Error::success();
  return makeError(llvm::formatv(
      "it was compiled for a '{0}' CPU, and this CPU ('{1}') lacks {2}: "
      "compile it again on this machine",
      manifest.cpu, llvm::sys::getHostCPUName(), llvm::join(missing, ", ")));
}
