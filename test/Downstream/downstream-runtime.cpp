//===- downstream-runtime.cpp - Embeds the FM-MLIR runtime ----------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The README's embedding example, built against the installed package:
// compile a program, call @init, report what came back.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/Engine.h"

#include "llvm/Support/raw_ostream.h"

#include <vector>

static llvm::Error run(const char *path) {
  auto program = fmrt::Program::compileFile(path);
  if (!program)
    return program.takeError();
  // @init(seed) -> 8 parameter tensors, PyTorch's nn.Linear init.
  const fmrt::EntryPoint *init = (*program)->lookup("init");
  if (!init)
    return llvm::createStringError(llvm::inconvertibleErrorCode(), "no @init");
  std::vector<std::vector<float>> params;
  std::vector<fmrt::Destination> outs;
  for (const fmrt::ValueType &type : init->results)
    params.emplace_back(fmrt::numElements(type.shape));
  for (size_t i = 0; i < params.size(); ++i)
    outs.push_back(fmrt::TensorRef{params[i].data(), init->results[i].shape});
  if (llvm::Error err = (*program)->call("init", {int64_t(0)}, outs))
    return err;
  llvm::outs() << "init returned " << params.size() << " tensors, the first "
               << init->results[0].str() << "\n";
  return llvm::Error::success();
}

int main(int argc, char **argv) {
  if (argc != 2) {
    llvm::errs() << "usage: downstream-runtime PROGRAM.mlir\n";
    return 2;
  }
  if (llvm::Error err = run(argv[1])) {
    llvm::errs() << "error: " << llvm::toString(std::move(err)) << "\n";
    return 1;
  }
  return 0;
}
