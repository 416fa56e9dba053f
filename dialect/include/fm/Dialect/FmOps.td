//===- FmOps.td - Operations of the fm dialect -------------*- tablegen -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_DIALECT_FMOPS_TD
#define FM_DIALECT_FMOPS_TD

include "fm/Dialect/FmAttrs.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Fm_SchedulerAttr : Attr<
    CPred<"::llvm::isa<::mlir::fm::SchedulerAttrInterface>($_self)">,
    "flow-matching scheduler"> {
  let storageType = "::mlir::fm::SchedulerAttrInterface";
  let returnType = "::mlir::fm::SchedulerAttrInterface";
  let convertFromStorage = "$_self";
}

//===----------------------------------------------------------------------===//
// Loop level
//===----------------------------------------------------------------------===//

def Fm_PathSampleOp : Fm_Op<"path_sample", [
    Pure, AllTypesMatch<["x0", "x1", "x_t", "dx_t"]>]> {
  let summary = "Samples a point of an affine probability path and its velocity";
  let description = [{
    Given source samples `x0`, data samples `x1` and one time per batch row
    `t`, returns the point of the affine path and its conditional velocity:

    ```
    x_t  = σ_t · x0 + α_t · x1
    dx_t = σ̇_t · x0 + α̇_t · x1
    ```

    where (α, σ) is the `scheduler` (any `#fm` scheduler attribute). This is
    `AffineProbPath.sample` of the reference library; `dx_t` is the training
    target of a velocity-predicting network.

    `x0`, `x1` and the results have one ranked float tensor type whose
    leading dimension is the batch. `t` is a 1-D tensor of the same element
    type with one entry per batch row.

    Example:

    ```mlir
    %x_t, %dx_t = fm.path_sample #fm.cond_ot %x0, %x1, %t
        : tensor<256x2xf32>, tensor<256xf32>
    ```
  }];
  let arguments = (ins
    Fm_SchedulerAttr:$scheduler,
    AnyRankedTensor:$x0,
    AnyRankedTensor:$x1,
    AnyRankedTensor:$t);
  let results = (outs AnyRankedTensor:$x_t, AnyRankedTensor:$dx_t);
  let assemblyFormat = [{
    $scheduler $x0 `,` $x1 `,` $t attr-dict `:` type($x0) `,` type($t)
  }];
  let hasVerifier = 1;
}

#endif // FM_DIALECT_FMOPS_TD
