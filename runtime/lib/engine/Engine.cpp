//===- Engine.cpp - JIT-compiled fm programs ------------------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Engine.h"

#if FM_HAVE_DNNL
#include "fm/Runtime/Dnnl.h"
#endif

#include "fm/InitAll.h"
#include "fm/Pipelines/Pipelines.h"
#include "fm/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

using namespace fmrt;

#ifndef FM_MLIR_C_RUNNER_UTILS
#error "FM_MLIR_C_RUNNER_UTILS must name libmlir_c_runner_utils"
#endif

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
  return text + "f32>";
}

int64_t fmrt::numElements(llvm::ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

int64_t TensorRef::numElements() const { return fmrt::numElements(shape); }

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Converts a source-level type to a ValueType, or fails for types the ABI
/// does not carry.
static std::optional<ValueType> toValueType(mlir::Type type) {
  ValueType v;
  if (auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type)) {
    if (!tensor.getElementType().isF32())
      return std::nullopt;
    v.kind = ValueType::Kind::Tensor;
    for (int64_t d : tensor.getShape())
      v.shape.push_back(mlir::ShapedType::isDynamic(d) ? -1 : d);
    return v;
  }
  if (type.isF32())
    v.kind = ValueType::Kind::F32;
  else if (type.isF64())
    v.kind = ValueType::Kind::F64;
  else if (type.isInteger(64))
    v.kind = ValueType::Kind::I64;
  else if (type.isIndex())
    v.kind = ValueType::Kind::Index;
  else
    return std::nullopt;
  return v;
}

//===----------------------------------------------------------------------===//
// Result layout
//===----------------------------------------------------------------------===//

namespace {
/// Where one result lives in the struct the compiled function returns.
struct ResultSlot {
  size_t offset;
  ValueType type;
};

/// Size and alignment of a result in LLVM's data layout on x86-64: scalars
/// are naturally aligned; a memref descriptor is {ptr, ptr, i64,
/// [r x i64], [r x i64]}.
std::pair<size_t, size_t> sizeAndAlign(const ValueType &type) {
  switch (type.kind) {
  case ValueType::Kind::F32:
    return {4, 4};
  case ValueType::Kind::F64:
  case ValueType::Kind::I64:
  case ValueType::Kind::Index:
    return {8, 8};
  case ValueType::Kind::Tensor:
    return {24 + 16 * type.shape.size(), 8};
  }
  return {8, 8};
}
} // namespace

//===----------------------------------------------------------------------===//
// Program
//===----------------------------------------------------------------------===//

struct Program::Impl {
  std::unique_ptr<mlir::ExecutionEngine> engine;
  /// Per entry point: the result slots and the total result size.
  llvm::StringMap<std::pair<std::vector<ResultSlot>, size_t>> layouts;
};

Program::Program(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Program::~Program() = default;

static void initializeLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

llvm::Expected<std::unique_ptr<Program>>
Program::compileFile(llvm::StringRef path, const CompileOptions &options) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!file)
    return makeError("cannot read '" + path +
                     "': " + file.getError().message());
  return compile((*file)->getBuffer(), path, options);
}

llvm::Expected<std::unique_ptr<Program>>
Program::compile(llvm::StringRef source, llvm::StringRef bufferName,
                 const CompileOptions &options) {
  initializeLLVMTargets();
  mlir::DialectRegistry registry;
  mlir::fm::registerFmDialects(registry);
  mlir::registerBuiltinDialectTranslation(registry);
  mlir::registerLLVMDialectTranslation(registry);
  mlir::fm::registerFmPasses();
  mlir::MLIRContext context(registry);

  // Diagnostics are collected, with their locations, into the error.
  std::string diagnostics;
  llvm::raw_string_ostream diagStream(diagnostics);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, bufferName), llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, diagStream);

  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!module)
    return makeError("cannot compile '" + bufferName + "':\n" + diagnostics);

  // The declarative level (fm.flow, fm.trainer, fm.sampler) defines entry
  // points: expand it before listing them.
  mlir::PassManager expand(&context);
  expand.addPass(mlir::fm::createFmExpandFlow());
  if (mlir::failed(expand.run(*module)))
    return makeError("cannot compile '" + bufferName + "':\n" + diagnostics);

  auto impl = std::make_unique<Impl>();
  std::vector<EntryPoint> entries;
  for (auto func : module->getOps<mlir::func::FuncOp>()) {
    if (func.isPrivate() || func.isExternal())
      continue;
    EntryPoint entry;
    entry.name = func.getSymName().str();
    mlir::FunctionType type = func.getFunctionType();
    for (auto [i, input] : llvm::enumerate(type.getInputs())) {
      std::optional<ValueType> v = toValueType(input);
      if (!v) {
        std::string typeText;
        llvm::raw_string_ostream(typeText) << input;
        return makeError(llvm::formatv(
            "cannot compile '{0}': entry point '{1}' takes a {2}, which the "
            "runtime cannot pass (f32 tensors, f32, f64, i64 and index only)",
            bufferName, entry.name, typeText));
      }
      entry.inputs.push_back(*v);
      auto name = func.getArgAttrOfType<mlir::StringAttr>(i, "fm.name");
      entry.inputNames.push_back(name ? name.str() : "");
    }
    std::vector<ResultSlot> slots;
    size_t offset = 0, maxAlign = 1;
    for (mlir::Type result : type.getResults()) {
      std::optional<ValueType> v = toValueType(result);
      if (!v) {
        std::string typeText;
        llvm::raw_string_ostream(typeText) << result;
        return makeError(llvm::formatv(
            "cannot compile '{0}': entry point '{1}' returns a {2}, which the "
            "runtime cannot receive",
            bufferName, entry.name, typeText));
      }
      auto [size, align] = sizeAndAlign(*v);
      offset = llvm::alignTo(offset, align);
      slots.push_back({offset, *v});
      offset += size;
      maxAlign = std::max(maxAlign, align);
      entry.results.push_back(*v);
    }
    impl->layouts[entry.name] = {slots, llvm::alignTo(offset, maxAlign)};
    entries.push_back(std::move(entry));
  }

  if (options.backend == Backend::Dnnl && !hasDnnlBackend())
    return makeError("cannot compile '" + bufferName +
                     "' for the dnnl backend: this build has no oneDNN");
  mlir::PassManager pm(&context);
  if (options.backend == Backend::Dnnl)
    mlir::fm::buildFmDnnlPipeline(pm);
  else
    mlir::fm::buildFmCpuPipeline(pm);
  if (mlir::failed(pm.run(*module)))
    return makeError("cannot compile '" + bufferName + "':\n" + diagnostics);

  // The host's target machine drives both LLVM's optimizer (without it the
  // cost models see no vector registers and nothing is vectorized) and code
  // generation, whose optimization level is set on it.
  auto hostBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!hostBuilder)
    return makeError("cannot compile '" + bufferName +
                     "': " + llvm::toString(hostBuilder.takeError()));
  hostBuilder->getFeatures().AddFeature("prefer-256-bit", false);
  hostBuilder->setCodeGenOptLevel(options.optLevel >= 3
                                      ? llvm::CodeGenOptLevel::Aggressive
                                      : llvm::CodeGenOptLevel::Default);
  auto targetMachine = hostBuilder->createTargetMachine();
  if (!targetMachine)
    return makeError("cannot compile '" + bufferName +
                     "': " + llvm::toString(targetMachine.takeError()));
  // The transformer is a function_ref: keep the callable alive here.
  auto transformer = mlir::makeOptimizingTransformer(
      options.optLevel, /*sizeLevel=*/0, targetMachine->get());
  llvm::SmallVector<llvm::StringRef, 1> libs = {FM_MLIR_C_RUNNER_UTILS};
  mlir::ExecutionEngineOptions engineOptions;
  engineOptions.transformer = transformer;
  engineOptions.sharedLibPaths = libs;
  auto engine = mlir::ExecutionEngine::create(*module, engineOptions,
                                              std::move(*targetMachine));
  if (!engine)
    return makeError("cannot compile '" + bufferName +
                     "': " + llvm::toString(engine.takeError()));
  impl->engine = std::move(*engine);
#if FM_HAVE_DNNL
  // The oneDNN layer is linked into this library: the JIT's code finds it
  // by name.
  impl->engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](llvm::StringRef name, auto *function) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(function),
                                 llvm::JITSymbolFlags::Exported};
    };
    add("_mlir_ciface_fmrt_dnnl_matmul", &_mlir_ciface_fmrt_dnnl_matmul);
    add("_mlir_ciface_fmrt_dnnl_eltwise_backward",
        &_mlir_ciface_fmrt_dnnl_eltwise_backward);
    return symbols;
  });
#endif
  // LLVM's JIT generates code on first lookup: do it now, so compilation
  // errors surface here and calls (and their timings) never include it.
  for (const EntryPoint &entry : entries)
    if (auto fn = impl->engine->lookupPacked(entry.name); !fn)
      return makeError("cannot compile '" + bufferName +
                       "': " + llvm::toString(fn.takeError()));
  auto program = std::unique_ptr<Program>(new Program(std::move(impl)));
  program->entries = std::move(entries);
  return program;
}

bool fmrt::hasDnnlBackend() {
#if FM_HAVE_DNNL
  return true;
#else
  return false;
#endif
}

fmrt::Backend fmrt::defaultBackend() {
  return hasDnnlBackend() ? Backend::Dnnl : Backend::Linalg;
}

llvm::StringRef fmrt::backendName(Backend backend) {
  return backend == Backend::Dnnl ? "dnnl" : "linalg";
}

const EntryPoint *Program::lookup(llvm::StringRef name) const {
  for (const EntryPoint &entry : entries)
    if (entry.name == name)
      return &entry;
  return nullptr;
}

namespace {
/// The unpacked arguments of one call: every scalar of every memref
/// descriptor and every scalar argument, in order, plus pointers to them.
class PackedCall {
public:
  void addTensor(const TensorRef &view) {
    // allocated and aligned pointers, offset, sizes, strides.
    words.push_back(reinterpret_cast<int64_t>(view.data));
    words.push_back(reinterpret_cast<int64_t>(view.data));
    words.push_back(0);
    for (int64_t d : view.shape)
      words.push_back(d);
    int64_t stride = 1;
    llvm::SmallVector<int64_t, 4> strides(view.shape.size());
    for (size_t i = view.shape.size(); i-- > 0;) {
      strides[i] = stride;
      stride *= view.shape[i];
    }
    for (int64_t s : strides)
      words.push_back(s);
  }
  template <typename T> void addScalar(T value) {
    int64_t word = 0;
    std::memcpy(&word, &value, sizeof(T));
    words.push_back(word);
  }
  /// Pointers to each word, then `result`.
  llvm::SmallVector<void *> pointers(void *result) {
    llvm::SmallVector<void *> ptrs;
    for (int64_t &w : words)
      ptrs.push_back(&w);
    if (result)
      ptrs.push_back(result);
    return ptrs;
  }

private:
  // Stable storage: reserved once, pointers taken after all pushes.
  llvm::SmallVector<int64_t, 128> words;
};

/// A returned memref descriptor, read from the result struct.
struct ReturnedTensor {
  float *allocated;
  float *aligned;
  int64_t offset;
  llvm::SmallVector<int64_t, 4> sizes;
  llvm::SmallVector<int64_t, 4> strides;
};

ReturnedTensor readDescriptor(const char *p, size_t rank) {
  ReturnedTensor t;
  std::memcpy(&t.allocated, p, 8);
  std::memcpy(&t.aligned, p + 8, 8);
  std::memcpy(&t.offset, p + 16, 8);
  t.sizes.resize(rank);
  t.strides.resize(rank);
  std::memcpy(t.sizes.data(), p + 24, 8 * rank);
  std::memcpy(t.strides.data(), p + 24 + 8 * rank, 8 * rank);
  return t;
}

/// Copies a strided tensor into a contiguous row-major destination.
void copyStrided(const float *src, llvm::ArrayRef<int64_t> sizes,
                 llvm::ArrayRef<int64_t> strides, float *&dst) {
  if (sizes.empty()) {
    *dst++ = *src;
    return;
  }
  if (sizes.size() == 1 && strides[0] == 1) {
    std::memcpy(dst, src, sizes[0] * sizeof(float));
    dst += sizes[0];
    return;
  }
  for (int64_t i = 0; i < sizes[0]; ++i)
    copyStrided(src + i * strides[0], sizes.drop_front(), strides.drop_front(),
                dst);
}
} // namespace

static bool matchesShape(const ValueType &type, llvm::ArrayRef<int64_t> shape) {
  if (type.shape.size() != shape.size())
    return false;
  for (auto [want, got] : llvm::zip(type.shape, shape))
    if (want >= 0 && want != got)
      return false;
  return true;
}

static std::string shapeString(llvm::ArrayRef<int64_t> shape) {
  std::string text = "[";
  for (auto [i, d] : llvm::enumerate(shape))
    text += (i ? ", " : "") + std::to_string(d);
  return text + "]";
}

llvm::Error Program::call(llvm::StringRef name, llvm::ArrayRef<Argument> args,
                          llvm::ArrayRef<Destination> results) {
  const EntryPoint *entry = lookup(name);
  if (!entry)
    return makeError("no entry point '" + name + "'");
  if (args.size() != entry->inputs.size())
    return makeError(llvm::formatv("'{0}' takes {1} arguments, {2} given", name,
                                   entry->inputs.size(), args.size()));
  if (results.size() != entry->results.size())
    return makeError(llvm::formatv("'{0}' returns {1} results, {2} expected",
                                   name, entry->results.size(),
                                   results.size()));

  PackedCall packed;
  for (auto [i, arg, type] : llvm::enumerate(args, entry->inputs)) {
    auto mismatch = [&, i = i, &type = type](llvm::StringRef given) {
      return makeError(llvm::formatv("'{0}' argument #{1} must be {2}, got {3}",
                                     name, i, type.str(), given));
    };
    switch (type.kind) {
    case ValueType::Kind::Tensor: {
      const auto *view = std::get_if<TensorRef>(&arg);
      if (!view)
        return mismatch("a scalar");
      if (!matchesShape(type, view->shape))
        return mismatch("a tensor of shape " + shapeString(view->shape));
      packed.addTensor(*view);
      break;
    }
    case ValueType::Kind::F32:
      if (!std::holds_alternative<float>(arg))
        return mismatch("another type");
      packed.addScalar(std::get<float>(arg));
      break;
    case ValueType::Kind::F64:
      if (!std::holds_alternative<double>(arg))
        return mismatch("another type");
      packed.addScalar(std::get<double>(arg));
      break;
    case ValueType::Kind::I64:
    case ValueType::Kind::Index:
      if (!std::holds_alternative<int64_t>(arg))
        return mismatch("another type");
      packed.addScalar(std::get<int64_t>(arg));
      break;
    }
  }
  for (auto [i, dest, type] : llvm::enumerate(results, entry->results)) {
    bool isTensor = std::holds_alternative<TensorRef>(dest);
    if (isTensor != (type.kind == ValueType::Kind::Tensor) ||
        (type.kind == ValueType::Kind::F32 &&
         !std::holds_alternative<float *>(dest)) ||
        (type.kind == ValueType::Kind::F64 &&
         !std::holds_alternative<double *>(dest)) ||
        ((type.kind == ValueType::Kind::I64 ||
          type.kind == ValueType::Kind::Index) &&
         !std::holds_alternative<int64_t *>(dest)))
      return makeError(llvm::formatv(
          "'{0}' result #{1} is {2}: its destination has another type", name, i,
          type.str()));
  }

  auto &[slots, size] = impl->layouts[name];
  // Results land in one aligned buffer laid out like the returned struct.
  llvm::SmallVector<int64_t, 64> resultStorage((size + 7) / 8 + 1);
  void *resultPtr = slots.empty() ? nullptr : resultStorage.data();
  llvm::SmallVector<void *> pointers = packed.pointers(resultPtr);
  if (llvm::Error err = impl->engine->invokePacked(name, pointers))
    return err;

  // Copy every result out, then free what the compiled code allocated (once
  // per buffer, and never an argument's buffer).
  const char *base = reinterpret_cast<const char *>(resultStorage.data());
  llvm::SmallVector<float *, 32> toFree;
  llvm::Error status = llvm::Error::success();
  for (auto [i, slot, dest] : llvm::enumerate(slots, results)) {
    const char *p = base + slot.offset;
    switch (slot.type.kind) {
    case ValueType::Kind::F32:
      std::memcpy(std::get<float *>(dest), p, 4);
      break;
    case ValueType::Kind::F64:
      std::memcpy(std::get<double *>(dest), p, 8);
      break;
    case ValueType::Kind::I64:
    case ValueType::Kind::Index:
      std::memcpy(std::get<int64_t *>(dest), p, 8);
      break;
    case ValueType::Kind::Tensor: {
      ReturnedTensor t = readDescriptor(p, slot.type.shape.size());
      const TensorRef &view = std::get<TensorRef>(dest);
      if (!status && view.shape == llvm::ArrayRef<int64_t>(t.sizes)) {
        float *out = view.data;
        copyStrided(t.aligned + t.offset, t.sizes, t.strides, out);
      } else if (!status) {
        status = makeError(llvm::formatv(
            "'{0}' result #{1} has shape {2}, but its destination has {3}",
            name, i, shapeString(t.sizes), shapeString(view.shape)));
      }
      bool isArgument = llvm::any_of(args, [&](const Argument &a) {
        const auto *v = std::get_if<TensorRef>(&a);
        return v && v->data == t.allocated;
      });
      if (!isArgument && !llvm::is_contained(toFree, t.allocated))
        toFree.push_back(t.allocated);
      break;
    }
    }
  }
  for (float *p : toFree)
    std::free(p);
  return status;
}
