//===- FmDialect.td - The flow-matching dialect ------------*- tablegen -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_DIALECT_FMDIALECT_TD
#define FM_DIALECT_FMDIALECT_TD

include "mlir/IR/OpBase.td"

def Fm_Dialect : Dialect {
  let name = "fm";
  let cppNamespace = "::mlir::fm";
  let summary = "Flow-matching training and sampling loops.";
  let description = [{
    The `fm` dialect expresses flow-matching generative models: probability
    paths with their schedulers, the losses that train a velocity network on
    them, and the ODE/CTMC samplers that draw from the trained model.

    Time convention: the dialect follows the `flow_matching` library, where
    t = 0 is the source distribution (noise) and t = 1 is the data. Ops whose
    reference uses the opposite convention (MeanFlow) say so in their own
    documentation.

    Values are ranked tensors whose leading dimension is the batch. Ops lower
    to `linalg` on tensors (`fm-convert-to-linalg`), so everything downstream
    of that pass is upstream MLIR.
  }];
  let useDefaultAttributePrinterParser = 1;
  // Entry-point roles: `fm.entry` on a function, `fm.role`, `fm.name` and
  // `fm.slot` on its arguments and results (FmEntryPoints.cpp).
  let hasOperationAttrVerify = 1;
  let hasRegionArgAttrVerify = 1;
  let hasRegionResultAttrVerify = 1;
  let extraClassDeclaration = [{
    /// Adds the attributes of FmAttrs.td (defined in FmAttrs.cpp).
    void registerAttributes();
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect"
  ];
}

class Fm_Op<string mnemonic, list<Trait> traits = []>
    : Op<Fm_Dialect, mnemonic, traits>;

#endif // FM_DIALECT_FMDIALECT_TD
