//===- FmOps.td - Operations of the fm dialect -------------*- tablegen -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//

#ifndef FM_DIALECT_FMOPS_TD
#define FM_DIALECT_FMOPS_TD

include "fm/Dialect/FmAttrs.td"
include "mlir/IR/SymbolInterfaces.td"
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

//===----------------------------------------------------------------------===//
// Differentiation
//===----------------------------------------------------------------------===//

def Fm_VJPOp : Fm_Op<"vjp", [
    AttrSizedOperandSegments,
    DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Calls a function and returns its vector-Jacobian product";
  let description = [{
    Evaluates the function `callee` on `inputs` and pulls the
    `cotangents` (one per callee result) back through it. The results are
    the callee's results followed by one gradient per input:

    ```
    (y_1..y_m, g_1..g_n),  g_i = Σ_j (∂y_j/∂x_i)ᵀ · ct_j
    ```

    The callee is an ordinary `func.func` on ranked tensors and floats
    written with linalg (named ops and `linalg.generic`), `tensor`, `arith`
    and `math`: a network from any frontend that produces linalg on tensors
    differentiates the same way. `fm-autodiff` replaces the op with a call
    to a generated function `@<callee>_vjp` that recomputes the forward pass
    and runs the reverse sweep. Inputs and cotangents must be float
    tensors or floats.

    Example: the gradient of a loss with respect to all network inputs.

    ```mlir
    %loss, %dw, %dx = fm.vjp @loss(%w, %x) cotangents(%one)
        : (tensor<4x3xf32>, tensor<8x3xf32>), (f32)
        -> (f32, tensor<4x3xf32>, tensor<8x3xf32>)
    ```
  }];
  let arguments = (ins
    FlatSymbolRefAttr:$callee,
    Variadic<AnyType>:$inputs,
    Variadic<AnyType>:$cotangents);
  let results = (outs Variadic<AnyType>:$outputs);
  let assemblyFormat = [{
    $callee `(` $inputs `)` `cotangents` `(` $cotangents `)` attr-dict `:`
    `(` type($inputs) `)` `,` `(` type($cotangents) `)` `->`
    `(` type($outputs) `)`
  }];
  let extraClassDeclaration = [{
    /// The callee's results, recomputed.
    ::mlir::ResultRange getPrimalResults() {
      return getOutputs().take_front(getCotangents().size());
    }
    /// One gradient per input, in input order.
    ::mlir::ResultRange getGradients() {
      return getOutputs().drop_front(getCotangents().size());
    }
  }];
}

#endif // FM_DIALECT_FMOPS_TD
