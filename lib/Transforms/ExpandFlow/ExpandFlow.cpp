//===- ExpandFlow.cpp - Declarative level to loop-level functions ---------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// This file implements fm-expand-flow: every fm.flow, fm.trainer,
// fm.sampler and fm.likelihood of a module becomes the entry point that
// fmrt::Program and fm-run call, written with loop-level fm ops. The
// builders of each kind of flow live beside this file (ExpandFlow.h).
//
//===----------------------------------------------------------------------===//

#include "ExpandFlow.h"

#include "fm/Transforms/Passes.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMEXPANDFLOW
#include "fm/Transforms/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;
using namespace mlir::fm::expand;

namespace {
struct FmExpandFlowPass : mlir::fm::impl::FmExpandFlowBase<FmExpandFlowPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<FlowOp> flows(module.getOps<FlowOp>());
    SmallVector<TrainerOp> trainers(module.getOps<TrainerOp>());
    SmallVector<SamplerOp> samplers(module.getOps<SamplerOp>());
    SmallVector<LikelihoodOp> likelihoods(module.getOps<LikelihoodOp>());
    if (flows.empty())
      return;

    // Every flow defines @init: one flow per module.
    if (flows.size() > 1) {
      InFlightDiagnostic diag =
          flows[1].emitOpError("cannot be expanded next to flow '")
          << flows[0].getSymName() << "': each flow defines @" << kInitName;
      diag.attachNote(flows[0].getLoc()) << "the other flow";
      return signalPassFailure();
    }
    FlowOp flow = flows.front();
    if (Operation *existing = module.lookupSymbol(kInitName);
        existing && existing != flow) {
      InFlightDiagnostic diag = flow.emitOpError("cannot define @")
                                << kInitName
                                << ": the module already has that symbol";
      diag.attachNote(existing->getLoc()) << "the symbol @" << kInitName;
      return signalPassFailure();
    }
    func::FuncOp network = flow.getNetworkFunction();
    bool discrete = flow.getKind() == FlowKind::Discrete;

    OpBuilder b(&getContext());
    for (TrainerOp trainer : trainers) {
      b.setInsertionPoint(trainer);
      std::string lossName =
          uniqueSymbolName(module, (trainer.getSymName() + "_loss").str());
      if (discrete)
        buildDiscreteTrainStep(b, trainer, flow, network, lossName);
      else
        buildContinuousTrainStep(b, trainer, flow, network, lossName);
      trainer.erase();
    }
    for (SamplerOp sampler : samplers) {
      b.setInsertionPoint(sampler);
      if (discrete)
        buildDiscreteSampler(b, sampler, flow, network);
      else
        buildContinuousSampler(b, sampler, flow, network);
      sampler.erase();
    }
    for (LikelihoodOp likelihood : likelihoods) {
      b.setInsertionPoint(likelihood);
      std::string velocityName = uniqueSymbolName(
          module, (likelihood.getSymName() + "_velocity").str());
      buildLikelihood(b, likelihood, flow, network, velocityName);
      likelihood.erase();
    }
    b.setInsertionPoint(flow);
    buildInit(b, flow, network);
    flow.erase();
  }
};
} // namespace
