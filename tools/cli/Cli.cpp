//===- Cli.cpp - The command line shared by fm-run and fm-exec ------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
//   TOOL train PROGRAM --data moons --steps 10000 --seed 0 -o m.safetensors
//   TOOL sample PROGRAM --checkpoint m.safetensors -n 10000 \
//       --solver midpoint --steps 8 --seed 1 -o samples.npy --plot s.png
//   TOOL eval samples.npy --data moons
//   TOOL likelihood PROGRAM --checkpoint m.safetensors --data points.npy \
//       --solver midpoint --steps 20 --divergence exact -o logp.npy
//
// PROGRAM is a library that `fm-run compile` wrote, or (fm-run only) an
// .mlir file compiled in process. Everything a command does beyond parsing
// flags is the runtime's: fmrt::Trainer, fmrt::Sampler, evaluateSamples,
// fmrt::LikelihoodEvaluator.
//
//===----------------------------------------------------------------------===//

#include "Cli.h"

#include "Commands.h"
#include "Options.h"

#if FM_HAVE_DNNL
#include "fm/Runtime/Dnnl.h"
#endif
#include "fm/Runtime/FileUtils.h"
#include "fm/Runtime/Trainer.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <new>
#if defined(__GLIBC__)
#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>
#endif

using namespace fmrt;
using namespace fm::cli;
namespace cl = llvm::cl;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

llvm::Expected<Backend> fm::cli::parseBackendFlag(llvm::StringRef flag,
                                                  llvm::StringRef toolName,
                                                  bool toCompile) {
  if (flag.empty())
    return defaultBackend();
  std::optional<Backend> backend = parseBackend(flag);
  if (!backend)
    return makeError("unknown --backend '" + flag + "' (expected one of " +
                     llvm::StringRef(backendNames()) + ")");
  if (*backend == Backend::Cuda && !toCompile)
    return makeError("--backend cuda: " + toolName +
                     " compiles GPU code ahead of time only; run `fm-run "
                     "compile --backend cuda` and give the library to fm-exec");
  if (*backend != Backend::Cuda && !isBackendAvailable(*backend))
    return makeError("--backend " + flag + ": this build of " + toolName +
                     " lacks it; use --backend linalg");
  return *backend;
}

bool fm::cli::isCompiledProgram(llvm::StringRef path) {
  char magic[4] = {};
  std::FILE *file = std::fopen(path.str().c_str(), "rb");
  if (!file)
    return false;
  size_t read = std::fread(magic, 1, sizeof magic, file);
  std::fclose(file);
  return read == sizeof magic && std::memcmp(magic,
                                             "\x7f"
                                             "ELF",
                                             4) == 0;
}

/// The program to run: a compiled library as it is, an .mlir file compiled
/// for --backend where the tool has a compiler.
static llvm::Expected<std::unique_ptr<Program>>
loadProgramFile(const ToolConfig &config) {
  llvm::Expected<Backend> backend =
      parseBackendFlag(backendFlag, config.name, /*toCompile=*/false);
  if (!backend)
    return backend.takeError();
  if (!llvm::sys::fs::exists(programPath))
    return makeError(
        "cannot read '" + programPath + "': " +
        std::make_error_code(std::errc::no_such_file_or_directory).message());
  if (isCompiledProgram(programPath)) {
    llvm::Expected<std::unique_ptr<Program>> program =
        Program::load(programPath);
    if (!program)
      return program.takeError();
    llvm::StringRef compiledFor =
        llvm::StringRef(backendName((*program)->backend()));
    if (!backendFlag.empty() && backendFlag != compiledFor)
      return makeError("'" + programPath + "' was compiled for the " +
                       compiledFor + " backend; --backend " + backendFlag +
                       " applies when compiling");
    return program;
  }
  if (!config.compileSource)
    return makeError("'" + programPath +
                     "' is not a compiled program: " + config.name +
                     " has no compiler (compile it with `fm-run compile`, or "
                     "run it with fm-run)");
  return config.compileSource(programPath, *backend);
}

llvm::Expected<std::unique_ptr<Program>>
fm::cli::loadProgram(const ToolConfig &config) {
  llvm::Expected<std::unique_ptr<Program>> program = loadProgramFile(config);
  if (!program)
    return program.takeError();
  // bf16 products are the oneDNN layer's.
  if (precisionFlag == Precision::BF16 &&
      (*program)->backend() != Backend::Dnnl)
    return makeError(llvm::Twine("--precision bf16: '") + programPath +
                     "' runs on the " +
                     llvm::StringRef(backendName((*program)->backend())) +
                     " backend, whose products are f32 only (bf16 needs the "
                     "dnnl backend)");
#if FM_HAVE_DNNL
  if (precisionFlag == Precision::BF16 && !fmrt::dnnl::hasBf16())
    return makeError("--precision bf16: this CPU has no bf16 arithmetic "
                     "(avx512_bf16)");
  // oneDNN's first execution, before the commands allocate their state and
  // data (fmrt::dnnl::prepare); only programs that call oneDNN pay for it.
  if ((*program)->backend() == Backend::Dnnl)
    fmrt::dnnl::prepare();
#endif
  return program;
}

std::pair<int, fmrt::TaskRunner>
fm::cli::concurrentCalls(const Program &program) {
#if FM_HAVE_DNNL
  if (program.backend() != Backend::Cuda)
    return {fmrt::dnnl::configuredThreads(),
            [](int tasks, llvm::function_ref<void(int)> body) {
              fmrt::dnnl::runConcurrently(
                  tasks,
                  [](void *fn, int task) {
                    (*static_cast<llvm::function_ref<void(int)> *>(fn))(task);
                  },
                  &body);
            }};
#endif
  return {1, nullptr};
}

llvm::Expected<std::optional<int64_t>>
fm::cli::solverStepsFor(const EntryPoint &entry, bool takesSteps) {
  if (takesSteps)
    return std::optional<int64_t>(solverSteps.getValue());
  if (solverSteps.getNumOccurrences())
    return makeError("@" + entry.name +
                     " has its steps fixed by the program; drop --steps");
  return std::optional<int64_t>();
}

//===----------------------------------------------------------------------===//
// main
//===----------------------------------------------------------------------===//

/// Compiled code allocates its intermediate tensors with malloc on every
/// call. glibc serves blocks above 128 KiB with mmap and returns them to the
/// kernel on free, so every call would fault its pages in again (expensive
/// on these VMs: bench/RESULTS.md): keep freed memory in the heap instead.
/// The first call still faults in every page it touches, 4 KiB at a time:
/// so the heap is grown once by kHugeHeap of address space (no memory until
/// touched) and marked for transparent huge pages, where the kernel offers
/// them on request (`madvise` mode), and first touches fault 2 MiB at once.
static void keepFreedMemory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // One heap for every thread (a sampler's concurrent chunks allocate on
  // libgomp's threads), so that all of them reuse the memory below.
  mallopt(M_ARENA_MAX, 1);
  constexpr size_t kHugeHeap = size_t(256) << 20, kHugePage = size_t(2) << 20;
  if (void *reserve = std::malloc(kHugeHeap)) {
    auto begin = (reinterpret_cast<uintptr_t>(reserve) + kHugePage - 1) &
                 ~(kHugePage - 1);
    auto end =
        (reinterpret_cast<uintptr_t>(reserve) + kHugeHeap) & ~(kHugePage - 1);
    if (end > begin)
      madvise(reinterpret_cast<void *>(begin), end - begin, MADV_HUGEPAGE);
    std::free(reserve);
  }
#endif
}

/// Applies --threads and --precision, where given, to the runtime's
/// compute layers.
static llvm::Error applyComputeFlags() {
  if (threadsFlag.getNumOccurrences() &&
      (threadsFlag < 1 || threadsFlag > 1024))
    return makeError("--threads must be from 1 to 1024, not " +
                     llvm::Twine(threadsFlag.getValue()));
#if FM_HAVE_DNNL
  if (threadsFlag.getNumOccurrences())
    fmrt::dnnl::configureThreads(static_cast<int>(threadsFlag));
  // Whether the program and the CPU can is loadProgram's question.
  if (precisionFlag == Precision::BF16)
    fmrt::dnnl::setMathMode(fmrt::dnnl::MathMode::BF16);
#else
  if (precisionFlag == Precision::BF16)
    return makeError("--precision bf16: this build has no oneDNN layer");
#endif
  return llvm::Error::success();
}

/// Runs the command the command line names (there is one).
static llvm::Error runCommand(const ToolConfig &config) {
  if (config.extraCommand && *config.extraCommand)
    return config.extraAction();
  if (trainCommand)
    return runTrain(config);
  if (sampleCommand)
    return runSample(config);
  if (evalCommand)
    return runEval();
  return runLikelihood(config);
}

int fm::cli::runTool(int argc, char **argv, const ToolConfig &config) {
  llvm::InitLLVM init(argc, argv);
  keepFreedMemory();
  // The runtime's own allocations (built without exceptions) end the
  // process with a message and status 1 rather than a crash; compiled
  // code's come back to Program::call as errors (fm/Runtime/Allocation.h).
  std::set_new_handler([] {
    fmrt::removeTemporaryFiles();
    static const char message[] = "error: out of memory\n";
    [[maybe_unused]] ssize_t written =
        ::write(STDERR_FILENO, message, sizeof message - 1);
    std::_Exit(1);
  });
  cl::HideUnrelatedOptions(category());
  cl::ParseCommandLineOptions(
      argc, argv,
      (config.name +
       ": train and sample flow-matching programs compiled by FM-MLIR\n")
          .str());
  bool hasCommand = (config.extraCommand && *config.extraCommand) ||
                    trainCommand || sampleCommand || evalCommand ||
                    likelihoodCommand;
  if (!hasCommand) {
    llvm::WithColor::error(llvm::errs(), config.name)
        << "expected a command: "
        << (config.extraCommand ? config.extraCommand->getName().str() + ", "
                                : std::string())
        << "train, sample, likelihood or eval (see --help)\n";
    return 2;
  }
  llvm::Error result = applyComputeFlags();
  if (!result)
    result = runCommand(config);
  if (!result)
    return 0;
  // An interrupted run exits as the signal would have (128 + its number),
  // with a note of what it kept rather than an error.
  int interrupted = 0;
  result = llvm::handleErrors(
      std::move(result), [&](const fmrt::TrainInterrupted &stop) {
        interrupted = stop.signal;
        llvm::WithColor::note(llvm::errs(), config.name)
            << llvm::toString(llvm::make_error<fmrt::TrainInterrupted>(stop))
            << "\n";
      });
  if (!result)
    return 128 + interrupted;
  llvm::WithColor::error(llvm::errs(), config.name)
      << llvm::toString(std::move(result)) << "\n";
  return 1;
}
