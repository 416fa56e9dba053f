//===- fm-onnx-check.cpp - Run one ONNX backend test ----------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
//   fm-onnx-check DIR [--backend dnnl|linalg] [--rtol R] [--atol A]
//
// DIR is one test of ONNX's backend suite (libonnx-testdata): model.onnx
// and test_data_set_N/{input,output}_K.pb. The model is imported as a plain
// function (fm-import-onnx --plain), compiled with the CPU pipeline, run on
// every data set's inputs and compared with its outputs.
//
// Exit status: 0 when every output matches, 1 when one does not or a step
// fails, and 77 (the usual "skipped") when the test is outside what the
// importer covers: an operator it does not lower, an element type the
// runtime does not pass (anything but float, double, int32, int64), or an
// opset outside 6-17. The line printed says why.
//
//===----------------------------------------------------------------------===//

#include "fm/Driver/Compile.h"
#include "fm/Import/Onnx.h"
#include "fm/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

using namespace mlir;
namespace cl = llvm::cl;
namespace importer = mlir::fm::onnx;

static cl::list<std::string>
    testDirs(cl::Positional, cl::OneOrMore,
             cl::desc("<ONNX backend test directory>"));
static cl::opt<bool> classify(
    "classify",
    cl::desc("Only say, for each test directory, whether the test is in the "
             "supported set (\"DIR\tapplicable\") or why not (\"DIR\t"
             "UNSUPPORTED: reason\"), without importing or running it"));
// ONNX's backend tests compare with numpy's assert_allclose at rtol 1e-3,
// atol 1e-7. The atol here is looser because the CPU pipeline evaluates
// exp, log and tanh with polynomial approximations accurate to a few ulp
// of float (fm-cpu-approximate-math): outputs near zero differ by ~1e-7
// absolute from the reference's libm values, which a relative bound alone
// cannot accept.
static cl::opt<double> relTol("rtol", cl::init(1e-3),
                              cl::desc("Relative tolerance (default 1e-3)"));
static cl::opt<double> absTol("atol", cl::init(1e-5),
                              cl::desc("Absolute tolerance (default 1e-5)"));
static cl::opt<std::string>
    backendFlag("backend", cl::init(""),
                cl::desc("dnnl or linalg (default: the build's default)"));

static constexpr int kSkipped = 77;

static int skip(const llvm::Twine &why) {
  llvm::outs() << "UNSUPPORTED: " << why << "\n";
  return kSkipped;
}

static int fail(const llvm::Twine &why) {
  llvm::outs() << "FAIL: " << why << "\n";
  return 1;
}

static fmrt::ElementType runtimeType(importer::TensorData::Element element) {
  using E = importer::TensorData::Element;
  switch (element) {
  case E::F32:
    return fmrt::ElementType::F32;
  case E::F64:
    return fmrt::ElementType::F64;
  case E::I32:
    return fmrt::ElementType::I32;
  case E::I64:
    return fmrt::ElementType::I64;
  case E::I1:
    break;
  }
  llvm_unreachable("bool tensors are skipped before they get here");
}

/// Reads `dir`/`prefix`_K.pb for K = 0, 1, ... until one is missing.
static llvm::Expected<std::vector<importer::TensorData>>
readTensors(llvm::StringRef dir, llvm::StringRef prefix) {
  std::vector<importer::TensorData> tensors;
  for (int k = 0;; ++k) {
    llvm::SmallString<256> path(dir);
    llvm::sys::path::append(path, llvm::formatv("{0}_{1}.pb", prefix, k).str());
    if (!llvm::sys::fs::exists(path))
      return tensors;
    llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
        llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                    /*RequiresNullTerminator=*/false);
    if (!buffer)
      return llvm::createStringError("cannot read " + path);
    llvm::Expected<importer::TensorData> tensor =
        importer::parseTensor((*buffer)->getBuffer(), path);
    if (!tensor)
      return tensor.takeError();
    tensors.push_back(std::move(*tensor));
  }
}

/// Compares `got` with `want` elementwise: |got − want| <= atol + rtol·|want|
/// for floats (NaN matching NaN), equality for integers. Returns a
/// description of the first mismatch, or "".
static std::string compare(const importer::TensorData &want,
                           const std::vector<char> &got) {
  using E = importer::TensorData::Element;
  int64_t n = want.numElements();
  int64_t mismatches = 0;
  std::string first;
  for (int64_t i = 0; i < n; ++i) {
    double w, g;
    switch (want.element) {
    case E::F32: {
      float a, b;
      std::memcpy(&a, want.bytes.data() + 4 * i, 4);
      std::memcpy(&b, got.data() + 4 * i, 4);
      w = a;
      g = b;
      break;
    }
    case E::F64:
      std::memcpy(&w, want.bytes.data() + 8 * i, 8);
      std::memcpy(&g, got.data() + 8 * i, 8);
      break;
    case E::I32: {
      int32_t a, b;
      std::memcpy(&a, want.bytes.data() + 4 * i, 4);
      std::memcpy(&b, got.data() + 4 * i, 4);
      w = a;
      g = b;
      break;
    }
    case E::I64: {
      int64_t a, b;
      std::memcpy(&a, want.bytes.data() + 8 * i, 8);
      std::memcpy(&b, got.data() + 8 * i, 8);
      w = static_cast<double>(a);
      g = static_cast<double>(b);
      break;
    }
    case E::I1:
      llvm_unreachable("bool tensors are skipped");
    }
    bool isFloat = want.element == E::F32 || want.element == E::F64;
    bool ok = isFloat ? (std::isnan(w)
                             ? std::isnan(g)
                             : (w == g || std::abs(g - w) <=
                                              absTol + relTol * std::abs(w)))
                      : w == g;
    if (!ok && mismatches++ == 0)
      first = llvm::formatv("element {0}: got {1}, expected {2}", i, g, w);
  }
  if (!mismatches)
    return "";
  return llvm::formatv("{0} of {1} elements differ; first at {2}", mismatches,
                       n, first);
}

/// Why the model at `modelPath` is outside the supported set (an
/// operator, or an interface of sequences or other element types), or ""
/// when it is inside (or unreadable: running it then reports the error).
static std::string unsupportedBecause(llvm::StringRef modelPath) {
  llvm::Expected<importer::Model::Summary> summary =
      importer::Model::summarize(modelPath);
  if (!summary) {
    llvm::consumeError(summary.takeError());
    return "";
  }
  for (const std::string &op : summary->operators)
    if (!importer::isSupportedOperator(op))
      return "operator " + op;
  if (!summary->interfaceProblem.empty())
    return "graph input or output " + summary->interfaceProblem;
  return "";
}

/// Whether a specialized program fixes input `t` at compile time: integer
/// inputs (bounds, axes, shapes) and scalars (a Pad's value).
static bool isBound(const importer::TensorData &t) {
  return t.element == importer::TensorData::Element::I64 ||
         t.element == importer::TensorData::Element::I32 || t.shape.empty();
}

/// Imports `model` as @main, with `bindings` fixed, and compiles it.
static llvm::Expected<std::unique_ptr<fmrt::Program>>
importAndCompile(const importer::Model &model, llvm::StringRef modelPath,
                 std::vector<importer::TensorData> bindings,
                 const fm::driver::CompileOptions &compileOptions) {
  DialectRegistry registry;
  fm::registerFmDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  std::string diagnostics;
  llvm::raw_string_ostream diagStream(diagnostics);
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    diagStream << diag << "\n";
    return success();
  });
  importer::ImportOptions options;
  options.fileName = modelPath.str();
  options.bindings = std::move(bindings);
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&context));
  if (failed(importer::importModel(model, *module, options)))
    return llvm::createStringError("import: " + diagnostics);
  if (failed(verify(*module)))
    return llvm::createStringError("the imported IR does not verify: " +
                                   diagnostics);
  std::string source;
  llvm::raw_string_ostream sourceStream(source);
  module->print(sourceStream);
  return fm::driver::compile(source, modelPath, compileOptions);
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "fm-onnx-check: one ONNX backend test\n");

  if (classify) {
    for (const std::string &dir : testDirs) {
      llvm::SmallString<256> modelPath(dir);
      llvm::sys::path::append(modelPath, "model.onnx");
      std::string why = unsupportedBecause(modelPath);
      llvm::outs() << dir << "\t"
                   << (why.empty() ? "applicable" : "UNSUPPORTED: " + why)
                   << "\n";
    }
    return 0;
  }
  if (testDirs.size() != 1)
    return fail("give one test directory (or --classify)");
  const std::string &testDir = testDirs.front();
  llvm::SmallString<256> modelPath(testDir);
  llvm::sys::path::append(modelPath, "model.onnx");

  // Outside the supported set: skipped, with the reason.
  if (std::string why = unsupportedBecause(modelPath); !why.empty())
    return skip(why);

  llvm::Expected<importer::Model> model = importer::Model::load(modelPath);
  if (!model) {
    std::string message = llvm::toString(model.takeError());
    if (llvm::StringRef(message).contains("opset") &&
        llvm::StringRef(message).contains("is not supported"))
      return skip(message);
    return fail(message);
  }

  std::vector<std::vector<importer::TensorData>> inputs, outputs;
  std::error_code ec;
  std::vector<std::string> sets;
  for (llvm::sys::fs::directory_iterator it(testDir, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::StringRef(llvm::sys::path::filename(it->path()))
            .starts_with("test_data_set_"))
      sets.push_back(it->path());
  llvm::sort(sets);
  if (sets.empty())
    return fail("no test_data_set_N in " + testDir);
  std::vector<std::string> inputNames = model->inputNames();
  for (const std::string &set : sets) {
    auto in = readTensors(set, "input");
    auto out =
        in ? readTensors(set, "output")
           : llvm::Expected<std::vector<importer::TensorData>>(in.takeError());
    if (!out)
      return fail(llvm::toString(out.takeError()));
    if (in->size() != inputNames.size())
      return fail(llvm::formatv("{0} has {1} inputs, the model takes {2}", set,
                                in->size(), inputNames.size()));
    for (auto [t, name] : llvm::zip(*in, inputNames))
      t.name = name;
    for (const auto &t : llvm::concat<const importer::TensorData>(*in, *out))
      if (t.element == importer::TensorData::Element::I1)
        return skip("bool tensors (the runtime passes float, double, int32 "
                    "and int64)");
    inputs.push_back(std::move(*in));
    outputs.push_back(std::move(*out));
  }

  fm::driver::CompileOptions compileOptions;
  if (!backendFlag.empty()) {
    if (backendFlag == "linalg")
      compileOptions.backend = fmrt::Backend::Linalg;
    else if (backendFlag == "dnnl")
      compileOptions.backend = fmrt::Backend::Dnnl;
    else
      return fail("--backend must be dnnl or linalg");
  }

  // One program for every data set; where the model needs an integer input
  // at compile time (ONNX's Slice, Squeeze and ReduceSum take their bounds
  // and axes as inputs, which the backend tests feed), one per data set,
  // specialized to its integer inputs.
  auto program = importAndCompile(*model, modelPath, {}, compileOptions);
  bool specialize = false;
  if (!program) {
    std::string message = llvm::toString(program.takeError());
    // A variant of a supported operator that the importer refuses (a mode,
    // an attribute): outside the supported set, like an operator.
    if (llvm::StringRef(message).starts_with("import: ") &&
        llvm::StringRef(message).contains("not supported"))
      return skip(llvm::StringRef(message).drop_front(8).trim());
    if (!llvm::StringRef(message).contains("must be a constant of the model"))
      return fail(message);
    specialize = true;
  }
  for (auto [k, set] : llvm::enumerate(sets)) {
    std::vector<fmrt::Argument> args;
    if (specialize) {
      std::vector<importer::TensorData> bindings;
      for (importer::TensorData &t : inputs[k])
        if (isBound(t))
          bindings.push_back(t);
      program = importAndCompile(*model, modelPath, bindings, compileOptions);
      if (!program)
        return fail(llvm::toString(program.takeError()));
    }
    for (importer::TensorData &t : inputs[k])
      if (!specialize || !isBound(t))
        args.push_back(
            fmrt::TensorRef(t.bytes.data(), runtimeType(t.element), t.shape));
    std::vector<std::vector<char>> results;
    std::vector<fmrt::Destination> destinations;
    for (const importer::TensorData &t : outputs[k])
      results.emplace_back(t.bytes.size());
    for (auto [t, r] : llvm::zip(outputs[k], results))
      destinations.push_back(
          fmrt::TensorRef(r.data(), runtimeType(t.element), t.shape));
    if (llvm::Error err = (*program)->call("main", args, destinations))
      return fail(llvm::sys::path::filename(set) + ": " +
                  llvm::toString(std::move(err)));
    for (auto [i, t, r] : llvm::enumerate(outputs[k], results)) {
      std::string mismatch = compare(t, r);
      if (!mismatch.empty())
        return fail(llvm::formatv("{0} output {1}: {2}",
                                  llvm::sys::path::filename(set), i, mismatch)
                        .str());
    }
  }
  llvm::outs() << "PASS: " << sets.size() << " data set(s)"
               << (specialize ? ", each specialized to its integer and scalar "
                                "inputs"
                              : "")
               << "\n";
  return 0;
}
