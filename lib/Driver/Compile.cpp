//===- Compile.cpp - Compiling fm programs: JIT and ahead of time ---------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// driver::compile (JIT through mlir::ExecutionEngine) and
// driver::compileToLibrary (an object file from the same LLVM module,
// linked into a shared library that fmrt::Program::load opens). Both read
// the entry points' roles the same way, lower with the same pipeline and
// optimize with the same host target machine.
//
//===----------------------------------------------------------------------===//

#include "fm/Driver/Compile.h"

#include "fm/Runtime/Allocation.h"
#include "fm/Runtime/LibrarySeal.h"

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
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdlib>
#include <cstring>
#include <mutex>

using namespace fmrt;
using mlir::fm::driver::CompileOptions;

#ifndef FM_MLIR_C_RUNNER_UTILS
#error "FM_MLIR_C_RUNNER_UTILS must name libmlir_c_runner_utils"
#endif
#if !defined(FM_LLD_PATH) || !defined(LLVM_TOOLS_DIR)
#error "FM_LLD_PATH and LLVM_TOOLS_DIR must be defined (may be empty)"
#endif

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// Converts a source-level type to a ValueType, or fails for types the ABI
/// does not carry.
static std::optional<ValueType> toValueType(mlir::Type type) {
  ValueType v;
  if (auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type)) {
    mlir::Type element = tensor.getElementType();
    if (element.isF32())
      v.element = ElementType::F32;
    else if (element.isF64())
      v.element = ElementType::F64;
    else if (element.isInteger(32))
      v.element = ElementType::I32;
    else if (element.isInteger(64))
      v.element = ElementType::I64;
    else
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

/// A string attribute of `attrs`, or "".
static std::string getString(mlir::DictionaryAttr attrs,
                             std::string_view name) {
  auto value = attrs ? attrs.getAs<mlir::StringAttr>(llvm::StringRef(name))
                     : mlir::StringAttr();
  return value ? value.str() : std::string();
}

/// One input or result of an entry point, with its role (verified by the
/// fm dialect: fm/Runtime/Roles.h).
static EntryValue toEntryValue(const ValueType &type,
                               mlir::DictionaryAttr attrs) {
  EntryValue value{type, std::nullopt, getString(attrs, kNameAttr),
                   getString(attrs, kSlotAttr)};
  std::string role = getString(attrs, kRoleAttr);
  if (!role.empty())
    value.role = parseValueRole(role);
  return value;
}

/// The runtime's description of entry point `func`, or an error naming a
/// type the ABI does not carry.
static llvm::Expected<EntryPoint> describeEntryPoint(mlir::func::FuncOp func,
                                                     llvm::StringRef source) {
  EntryPoint entry;
  entry.name = func.getSymName().str();
  if (auto role =
          func->getAttrOfType<mlir::StringAttr>(llvm::StringRef(kEntryAttr)))
    entry.role = parseEntryRole(role.str());
  if (auto solver =
          func->getAttrOfType<mlir::StringAttr>(llvm::StringRef(kSolverAttr)))
    entry.solver = solver.str();
  if (auto direction = func->getAttrOfType<mlir::StringAttr>(
          llvm::StringRef(kDirectionAttr)))
    entry.direction = direction.str();
  else if (entry.role == EntryRole::Sampler)
    entry.direction = "forward";
  if (auto divergence = func->getAttrOfType<mlir::StringAttr>(
          llvm::StringRef(kDivergenceAttr)))
    entry.divergence = divergence.str();
  if (auto source =
          func->getAttrOfType<mlir::StringAttr>(llvm::StringRef(kSourceAttr)))
    entry.source = source.str();
  if (auto vocabulary = func->getAttrOfType<mlir::IntegerAttr>(
          llvm::StringRef(kVocabularyAttr)))
    entry.vocabulary = vocabulary.getInt();
  if (auto steps = func->getAttrOfType<mlir::IntegerAttr>(
          llvm::StringRef(kFixedStepsAttr)))
    entry.fixedSteps = steps.getInt();
  if (auto grid = func->getAttrOfType<mlir::DenseF64ArrayAttr>(
          llvm::StringRef(kTimeGridAttr)))
    entry.timeGrid.assign(grid.asArrayRef().begin(), grid.asArrayRef().end());
  mlir::FunctionType type = func.getFunctionType();
  for (auto [isResult, types] : {std::pair(false, type.getInputs()),
                                 std::pair(true, type.getResults())}) {
    for (auto [i, t] : llvm::enumerate(types)) {
      std::optional<ValueType> v = toValueType(t);
      if (!v) {
        std::string typeText;
        llvm::raw_string_ostream(typeText) << t;
        return makeError(llvm::formatv(
            "cannot compile '{0}': entry point '{1}' {2} a {3}, which the "
            "runtime cannot {4} (tensors of f32, f64, i32 or i64, and f32, "
            "f64, i64 and index only)",
            source, entry.name, isResult ? "returns" : "takes", typeText,
            isResult ? "receive" : "pass"));
      }
      if (isResult)
        entry.results.push_back(toEntryValue(*v, func.getResultAttrDict(i)));
      else
        entry.inputs.push_back(toEntryValue(*v, func.getArgAttrDict(i)));
    }
  }
  return entry;
}

//===----------------------------------------------------------------------===//
// Lowering, shared by the JIT and the ahead-of-time compiler
//===----------------------------------------------------------------------===//

static void initializeLLVMTargets() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
}

llvm::Expected<std::unique_ptr<Program>>
mlir::fm::driver::compileFile(llvm::StringRef path,
                              const CompileOptions &options) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> file =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/true);
  if (!file)
    return makeError("cannot read '" + path +
                     "': " + file.getError().message());
  return compile((*file)->getBuffer(), path, options);
}

namespace {
/// A parsed program, lowered to the LLVM dialect, with its entry points.
struct LoweredProgram {
  std::unique_ptr<mlir::MLIRContext> context;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::vector<EntryPoint> entries;
};
} // namespace

/// Parses, verifies and lowers `source` for `options.backend`. Diagnostics,
/// with their locations, come back in the error.
static llvm::Expected<LoweredProgram> lower(llvm::StringRef source,
                                            llvm::StringRef bufferName,
                                            const CompileOptions &options) {
  // Code for the GPU is compiled here and run by a runtime with the CUDA
  // layer, which need not be this one.
  if (options.backend != Backend::Cuda && !isBackendAvailable(options.backend))
    return makeError("cannot compile '" + bufferName + "' for the " +
                     llvm::StringRef(backendName(options.backend)) +
                     " backend: this build lacks it");
  mlir::DialectRegistry registry;
  mlir::fm::registerFmDialects(registry);
  mlir::fm::registerFmTranslations(registry);
  mlir::fm::registerFmPasses();
  LoweredProgram lowered;
  lowered.context = std::make_unique<mlir::MLIRContext>(registry);
  mlir::MLIRContext &context = *lowered.context;

  std::string diagnostics;
  llvm::raw_string_ostream diagStream(diagnostics);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(
      llvm::MemoryBuffer::getMemBufferCopy(source, bufferName), llvm::SMLoc());
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, diagStream);

  lowered.module = mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context);
  if (!lowered.module)
    return makeError("cannot compile '" + bufferName + "':\n" + diagnostics);
  mlir::ModuleOp module = *lowered.module;

  // The declarative level (fm.flow, fm.trainer, fm.sampler) defines entry
  // points: expand it before listing them.
  mlir::PassManager expand(&context);
  expand.addPass(mlir::fm::createFmExpandFlow());
  if (mlir::failed(expand.run(module)))
    return makeError("cannot compile '" + bufferName + "':\n" + diagnostics);

  for (auto func : module.getOps<mlir::func::FuncOp>()) {
    if (func.isPrivate() || func.isExternal())
      continue;
    llvm::Expected<EntryPoint> entry = describeEntryPoint(func, bufferName);
    if (!entry)
      return entry.takeError();
    lowered.entries.push_back(std::move(*entry));
  }

  // Compiled for this host (hostTargetMachine): its vector registers set
  // the contraction blocks.
  mlir::PassManager pm(&context);
  mlir::fm::buildFmPipeline(pm, options.backend,
                            mlir::fm::contractionTilesForHost());
  if (mlir::failed(pm.run(module)))
    return makeError("cannot compile '" + bufferName + "':\n" + diagnostics);
  return lowered;
}

/// The host's target machine. It drives both LLVM's optimizer (without it
/// the cost models see no vector registers and nothing is vectorized) and
/// code generation, whose optimization level is set on it.
static llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
hostTargetMachine(const CompileOptions &options, bool positionIndependent) {
  initializeLLVMTargets();
  auto hostBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!hostBuilder)
    return hostBuilder.takeError();
  // Use 512-bit vectors where the CPU has them: the target's default
  // prefers 256, which halves the width of the contraction blocks.
  hostBuilder->getFeatures().AddFeature("prefer-256-bit", false);
  hostBuilder->setCodeGenOptLevel(options.optLevel >= 3
                                      ? llvm::CodeGenOptLevel::Aggressive
                                      : llvm::CodeGenOptLevel::Default);
  if (positionIndependent)
    hostBuilder->setRelocationModel(llvm::Reloc::PIC_);
  return hostBuilder->createTargetMachine();
}

llvm::Expected<std::unique_ptr<Program>>
mlir::fm::driver::compile(llvm::StringRef source, llvm::StringRef bufferName,
                          const CompileOptions &options) {
  if (options.backend == Backend::Cuda)
    return makeError("cannot compile '" + bufferName +
                     "' for the cuda backend in this process: GPU code is "
                     "compiled ahead of time (fm-run compile --backend cuda)");
  llvm::Expected<LoweredProgram> lowered = lower(source, bufferName, options);
  if (!lowered)
    return lowered.takeError();
  auto targetMachine =
      hostTargetMachine(options, /*positionIndependent=*/false);
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
  auto created = mlir::ExecutionEngine::create(*lowered->module, engineOptions,
                                               std::move(*targetMachine));
  if (!created)
    return makeError("cannot compile '" + bufferName +
                     "': " + llvm::toString(created.takeError()));
  std::shared_ptr<mlir::ExecutionEngine> engine = std::move(*created);
#if FM_HAVE_DNNL
  // The oneDNN layer is linked into this library: the JIT's code finds it
  // by name.
  engine->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto add = [&](const char *name, void *function) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(function),
                                 llvm::JITSymbolFlags::Exported};
    };
    fmrt::dnnl::forEachAbiFunction(
        [](const char *name, void *function, void *user) {
          (*static_cast<decltype(add) *>(user))(name, function);
        },
        &add);
    return symbols;
  });
#endif
  // The module's allocations report failure to the runtime.
  if (llvm::Expected<void *> hook = engine->lookup(fmrt::kOutOfMemoryHook))
    fmrt::installOutOfMemoryHook(*hook);
  else
    llvm::consumeError(hook.takeError());
  // And its failed run-time checks.
  if (llvm::Expected<void *> hook = engine->lookup(fmrt::kCheckFailedHook))
    fmrt::installCheckFailedHook(*hook);
  else
    llvm::consumeError(hook.takeError());
  // LLVM's JIT generates code on first lookup: do it now, so compilation
  // errors surface here and calls (and their timings) never include it.
  llvm::StringMap<Program::PackedFunction> functions;
  for (const EntryPoint &entry : lowered->entries) {
    auto fn = engine->lookupPacked(entry.name);
    if (!fn)
      return makeError("cannot compile '" + bufferName +
                       "': " + llvm::toString(fn.takeError()));
    functions[entry.name] = *fn;
  }
  return Program::fromFunctions(std::move(lowered->entries),
                                std::move(functions), std::move(engine),
                                options.backend);
}

//===----------------------------------------------------------------------===//
// Ahead-of-time compilation
//===----------------------------------------------------------------------===//

/// Adds `_mlir_<name>(void **args)` for `function`: it loads each argument
/// through the pointer args[i] and stores the result through args[n], the
/// convention fmrt::Program::call packs arguments in.
static void addPackedWrapper(llvm::Function &function) {
  llvm::Module &module = *function.getParent();
  llvm::LLVMContext &ctx = module.getContext();
  auto *ptrType = llvm::PointerType::getUnqual(ctx);
  auto *wrapperType = llvm::FunctionType::get(llvm::Type::getVoidTy(ctx),
                                              {ptrType}, /*isVarArg=*/false);
  auto *wrapper =
      llvm::Function::Create(wrapperType, llvm::GlobalValue::ExternalLinkage,
                             "_mlir_" + function.getName(), module);
  llvm::IRBuilder<> builder(llvm::BasicBlock::Create(ctx, "entry", wrapper));
  llvm::Value *args = wrapper->getArg(0);
  llvm::SmallVector<llvm::Value *> callArgs;
  for (llvm::Argument &arg : function.args()) {
    llvm::Value *slot =
        builder.CreateConstGEP1_64(ptrType, args, arg.getArgNo());
    llvm::Value *pointer = builder.CreateLoad(ptrType, slot);
    callArgs.push_back(builder.CreateLoad(arg.getType(), pointer));
  }
  llvm::Value *result = builder.CreateCall(&function, callArgs);
  if (!function.getReturnType()->isVoidTy()) {
    llvm::Value *slot =
        builder.CreateConstGEP1_64(ptrType, args, function.arg_size());
    builder.CreateStore(result, builder.CreateLoad(ptrType, slot));
  }
  builder.CreateRetVoid();
}

/// The linker that turns the object into a shared library: ld.lld, as the
/// build found it, else from PATH or LLVM's own bin folder.
static llvm::Expected<std::string> findLinker() {
  llvm::StringRef configured = FM_LLD_PATH;
  if (!configured.empty() && llvm::sys::fs::can_execute(configured))
    return configured.str();
  for (llvm::StringRef name : {"ld.lld-22", "ld.lld"})
    if (auto path = llvm::sys::findProgramByName(name))
      return *path;
  if (auto path = llvm::sys::findProgramByName("ld.lld", {LLVM_TOOLS_DIR}))
    return *path;
  return makeError("no ld.lld found (install lld-22)");
}

llvm::Error mlir::fm::driver::compileToLibrary(llvm::StringRef source,
                                               llvm::StringRef bufferName,
                                               llvm::StringRef outputPath,
                                               const CompileOptions &options) {
  auto fail = [&](const llvm::Twine &why) {
    return makeError("cannot compile '" + bufferName + "' into '" + outputPath +
                     "': " + why);
  };
  llvm::Expected<LoweredProgram> lowered = lower(source, bufferName, options);
  if (!lowered)
    return lowered.takeError();
  auto targetMachine = hostTargetMachine(options, /*positionIndependent=*/true);
  if (!targetMachine)
    return fail(llvm::toString(targetMachine.takeError()));
  llvm::TargetMachine &tm = **targetMachine;

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> module =
      mlir::translateModuleToLLVMIR(*lowered->module, llvmContext, bufferName);
  if (!module)
    return fail("translation to LLVM IR failed");
  module->setTargetTriple(tm.getTargetTriple());
  module->setDataLayout(tm.createDataLayout());

  // The same steps as the JIT: packed wrappers, then LLVM's optimizer.
  for (const EntryPoint &entry : lowered->entries) {
    llvm::Function *function = module->getFunction(entry.name);
    if (!function || function->isDeclaration())
      return fail("entry point '" + entry.name + "' has no LLVM function");
    addPackedWrapper(*function);
  }
  auto transformer = mlir::makeOptimizingTransformer(options.optLevel,
                                                     /*sizeLevel=*/0, &tm);
  if (llvm::Error err = transformer(module.get()))
    return fail(llvm::toString(std::move(err)));

  // The manifest, as a NUL-terminated string the loader finds by name.
  // What the code may use: the positive entries of the feature string
  // (hostTargetMachine's are the host's own, plus tuning flags turned off).
  Manifest description{
      options.backend, tm.getTargetCPU().str(), {}, lowered->entries};
  llvm::SmallVector<llvm::StringRef> features;
  llvm::SplitString(tm.getTargetFeatureString(), features, ",");
  for (llvm::StringRef feature : features)
    if (feature.consume_front("+"))
      description.features.push_back(feature.str());
  std::string manifest = printManifest(description);
  auto *manifestInit =
      llvm::ConstantDataArray::getString(llvmContext, manifest, true);
  new llvm::GlobalVariable(
      *module, manifestInit->getType(), /*isConstant=*/true,
      llvm::GlobalValue::ExternalLinkage, manifestInit, "fm_program_manifest");

  llvm::SmallString<0> object;
  {
    llvm::raw_svector_ostream stream(object);
    llvm::legacy::PassManager codegen;
    if (tm.addPassesToEmitFile(codegen, stream, nullptr,
                               llvm::CodeGenFileType::ObjectFile))
      return fail("the target cannot emit object files");
    codegen.run(*module);
  }

  // Object and library are temporary files beside the output, renamed over
  // it only once the linker succeeded.
  if (llvm::sys::fs::is_directory(outputPath))
    return fail("it is a directory");
  llvm::SmallString<256> objectPath, libraryPath;
  int objectFd;
  if (std::error_code ec = llvm::sys::fs::createTemporaryFile(
          "fm-program", "o", objectFd, objectPath))
    return fail("cannot create a temporary object file: " + ec.message());
  llvm::FileRemover removeObject(objectPath);
  {
    llvm::raw_fd_ostream out(objectFd, /*shouldClose=*/true);
    out << object;
    out.close();
    if (out.has_error())
      return fail("cannot write " + objectPath + ": " + out.error().message());
  }
  libraryPath = outputPath;
  libraryPath += ".tmp%%%%%%";
  int libraryFd;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueFile(libraryPath, libraryFd, libraryPath))
    return fail(ec.message());
  llvm::sys::Process::SafelyCloseFileDescriptor(libraryFd);
  llvm::FileRemover removeLibrary(libraryPath);

  llvm::Expected<std::string> linker = findLinker();
  if (!linker)
    return fail(llvm::toString(linker.takeError()));
  // The C runner utils (memrefCopy of unranked memrefs) only if the code
  // calls them: code from fm's pipelines never does.
  std::string runnerUtilsDir =
      llvm::sys::path::parent_path(FM_MLIR_C_RUNNER_UTILS).str();
  llvm::SmallVector<llvm::StringRef> argv = {*linker,
                                             "-shared",
                                             "-o",
                                             libraryPath,
                                             objectPath,
                                             "--as-needed",
                                             "-L",
                                             runnerUtilsDir,
                                             "-rpath",
                                             runnerUtilsDir,
                                             "-lmlir_c_runner_utils"};
  llvm::SmallString<256> logPath;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("fm-program", "log", logPath))
    return fail("cannot create a temporary file: " + ec.message());
  llvm::FileRemover removeLog(logPath);
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, logPath.str(),
                                                logPath.str()};
  std::string execError;
  int status = llvm::sys::ExecuteAndWait(*linker, argv, std::nullopt, redirects,
                                         /*SecondsToWait=*/0,
                                         /*MemoryLimit=*/0, &execError);
  if (status != 0) {
    std::string log = execError;
    if (auto buffer = llvm::MemoryBuffer::getFile(logPath))
      log += (*buffer)->getBuffer().trim().str();
    return fail(*linker + " failed" + (log.empty() ? "" : ":\n" + log));
  }
  if (llvm::Error err = fmrt::sealLibrary(libraryPath))
    return fail(llvm::toString(std::move(err)));
  if (std::error_code ec = llvm::sys::fs::rename(libraryPath, outputPath))
    return fail(ec.message());
  removeLibrary.releaseFile();
  return llvm::Error::success();
}
