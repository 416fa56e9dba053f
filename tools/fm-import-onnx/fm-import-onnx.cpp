//===- fm-import-onnx.cpp - ONNX models as fm networks --------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
//   fm-import-onnx model.onnx -o net.mlir [--name velocity] [--x NAME]
//       [--t NAME] [--r NAME] [--weights net.safetensors]
//   fm-import-onnx model.onnx --plain [--name main]
//
// Writes the network as top-level ops with no module around them, so that
// `cat net.mlir flow.mlir > program.mlir` is a complete program. With
// --weights, the model's initializers are written as a checkpoint that
// `fm-run sample` and `fm-run train --init-from` read.
//
//===----------------------------------------------------------------------===//

#include "Cli.h"

#include "fm/Import/Onnx.h"
#include "fm/InitAll.h"
#include "fm/Runtime/SafeTensors.h"
#include "fm/Runtime/StatusBridge.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
namespace cl = llvm::cl;
namespace importer = mlir::fm::onnx;

static cl::OptionCategory category("fm-import-onnx options");

static cl::opt<std::string> inputPath(cl::Positional, cl::Required,
                                      cl::desc("<model.onnx | model.onnxtxt>"),
                                      cl::cat(category));
static cl::opt<std::string>
    outputPath("o", cl::init("-"), cl::desc("Output file (default: stdout)"),
               cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string>
    functionName("name",
                 cl::desc("Symbol of the imported function (default: "
                          "velocity, or main with --plain)"),
                 cl::value_desc("symbol"), cl::cat(category));
static cl::opt<bool> plain(
    "plain",
    cl::desc("Import a plain function of all the graph's inputs, with the "
             "initializers as constants, instead of an fm network"),
    cl::cat(category));
static cl::opt<std::string>
    xName("x",
          cl::desc("The graph input that is the samples x (default: the "
                   "first)"),
          cl::value_desc("input"), cl::cat(category));
static cl::opt<std::string>
    tName("t",
          cl::desc("The graph input that is the time t (default: the "
                   "second, or the third with --r)"),
          cl::value_desc("input"), cl::cat(category));
static cl::opt<std::string>
    rName("r",
          cl::desc("The graph input that is a mean flow's time r (the "
                   "network then takes x, r, t)"),
          cl::value_desc("input"), cl::cat(category));
static cl::opt<std::string> weightsPath(
    "weights",
    cl::desc("Also write the model's weights as a safetensors checkpoint"),
    cl::value_desc("file.safetensors"), cl::cat(category));

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "fm-import-onnx") << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv,
                              "fm-import-onnx: ONNX models as fm networks\n");

  if (plain && (!xName.empty() || !tName.empty() || !rName.empty() ||
                !weightsPath.empty()))
    return fail("--x, --t, --r and --weights are for networks, not --plain");

  // Outputs are checked before any work; neither may be the model.
  llvm::SmallVector<llvm::StringRef> outputs;
  if (outputPath != "-")
    outputs.push_back(outputPath);
  if (!weightsPath.empty())
    outputs.push_back(weightsPath);
  if (llvm::Error err = ::fm::cli::checkOutputPaths(outputs, {inputPath}))
    return fail(llvm::toString(std::move(err)));

  llvm::Expected<importer::Model> model = importer::Model::load(inputPath);
  if (!model)
    return fail(llvm::toString(model.takeError()));

  DialectRegistry registry;
  mlir::fm::registerFmDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Errors name the model and, for a node, the node (its op, position and
  // name): the IR's locations would only repeat the latter.
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error)
      fail(inputPath + ": " + diag.str());
    return success();
  });

  importer::ImportOptions options;
  options.network = !plain;
  options.name = functionName.empty() ? (plain ? "main" : "velocity")
                                      : functionName.getValue();
  options.x = xName;
  options.t = tName;
  options.r = rName;
  options.fileName = inputPath;
  OwningOpRef<ModuleOp> module = ModuleOp::create(UnknownLoc::get(&context));
  FailureOr<func::FuncOp> func =
      importer::importModel(*model, *module, options);
  // CSE only: the shared sizes and constants of neighbouring ops. Nothing
  // that could change the forms fm-autodiff reads.
  PassManager cleanup(&context);
  cleanup.addPass(createCSEPass());
  if (failed(func))
    return 1;
  if (failed(verify(*module)) || failed(cleanup.run(*module)))
    return fail("the imported IR does not verify (a bug in the importer)");

  if (!weightsPath.empty()) {
    llvm::Expected<std::vector<importer::TensorData>> params =
        importer::networkParameters(*model);
    if (!params)
      return fail(llvm::toString(params.takeError()));
    std::vector<fmrt::TensorView> views;
    for (const importer::TensorData &param : *params)
      views.push_back({param.name, param.shape,
                       reinterpret_cast<const float *>(param.bytes.data())});
    if (llvm::Error err = fmrt::toError(fmrt::writeSafeTensors(
            weightsPath, views,
            {{"format", "pt"}, {"fm.source_model", inputPath}})))
      return fail(llvm::toString(std::move(err)));
  }

  std::string error;
  auto output = openOutputFile(outputPath, &error);
  if (!output)
    return fail(error);
  // Top-level ops without the module, and without attribute aliases, which
  // could clash with the file it is concatenated with.
  OpPrintingFlags flags;
  flags.useLocalScope();
  output->os() << "// Imported by fm-import-onnx from " << inputPath
               << " (opset " << model->originalOpset() << ").\n";
  for (Operation &op : module->getBody()->getOperations()) {
    op.print(output->os(), flags);
    output->os() << "\n";
  }
  output->keep();
  return 0;
}
