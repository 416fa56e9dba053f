//===- Options.h - The flags of fm-run and fm-exec ------------ -*- C++ -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// The commands and flags the tools share, defined once in Options.cpp and
// read by the command that uses them (Train.cpp, Sample.cpp, Evaluate.cpp)
// and by Cli.cpp, which dispatches on the command given.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TOOLS_CLI_OPTIONS_H
#define FM_TOOLS_CLI_OPTIONS_H

#include "llvm/Support/CommandLine.h"

#include <cstdint>
#include <string>

namespace fm::cli {

/// The arithmetic of matrix products (--precision).
enum class Precision { F32, BF16 };

extern llvm::cl::SubCommand trainCommand;
extern llvm::cl::SubCommand sampleCommand;
extern llvm::cl::SubCommand likelihoodCommand;
extern llvm::cl::SubCommand evalCommand;
extern llvm::cl::opt<std::string> programPath;
extern llvm::cl::opt<std::string> outputPath;
extern llvm::cl::opt<Precision> precisionFlag;
extern llvm::cl::opt<unsigned> threadsFlag;
extern llvm::cl::opt<uint64_t> seed;
extern llvm::cl::opt<std::string> backendFlag;
extern llvm::cl::opt<std::string> dataName;
extern llvm::cl::opt<int64_t> trainSteps;
extern llvm::cl::opt<int64_t> logEvery;
extern llvm::cl::opt<double> emaDecay;
extern llvm::cl::opt<int64_t> checkpointEvery;
extern llvm::cl::opt<std::string> trainerName;
extern llvm::cl::opt<std::string> checkpointPath;
extern llvm::cl::opt<int64_t> numSamples;
extern llvm::cl::opt<std::string> plotPath;
extern llvm::cl::opt<std::string> solver;
extern llvm::cl::opt<int64_t> solverSteps;
extern llvm::cl::opt<bool> allowExtra;
extern llvm::cl::opt<std::string> startPointsPath;
extern llvm::cl::opt<int64_t> chunkRows;
extern llvm::cl::opt<std::string> divergence;
extern llvm::cl::opt<std::string> logpPath;
extern llvm::cl::opt<std::string> samplesPath;

} // namespace fm::cli

#endif // FM_TOOLS_CLI_OPTIONS_H
