//===- LinalgToDnnl.cpp - Contractions on buffers to oneDNN calls ---------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// After bufferization, a network layer is three ops on buffers:
//
//   linalg.fill 0 → C                      (or a generic yielding 0)
//   linalg.generic C[m, n] += A·B          (a contraction, any layout)
//   linalg.generic D = act(C + bias)       (an elementwise epilogue)
//
// This pass replaces them with one call of the runtime's oneDNN layer,
// `fmrt_dnnl_matmul(A, B, bias, D, flags, activation, alpha)`, whose flags
// say which operands are read transposed and whether a bias is added; every
// activation becomes a oneDNN post-op. The matching and rewriting are
// fm/Utils/ProductCalls.h, shared with the GPU target's cuBLASLt calls.
//
//===----------------------------------------------------------------------===//

#include "fm/Runtime/DnnlAbi.h"
#include "fm/Target/CPU/Passes.h"
#include "fm/Utils/ProductCalls.h"

#include "DnnlCalls.h"

namespace mlir::fm {
#define GEN_PASS_DEF_FMLINALGTODNNL
#include "fm/Target/CPU/Passes.h.inc"
} // namespace mlir::fm

using namespace mlir;
using namespace mlir::fm;
using namespace fmrt::dnnl;

/// The runtime function every contraction becomes (DnnlAbi.def).
constexpr const AbiFunction *kMatmulFunction =
    lookupAbiFunction("fmrt_dnnl_matmul");
static_assert(kMatmulFunction, "DnnlAbi.def has no fmrt_dnnl_matmul");

namespace {
struct FmLinalgToDnnlPass
    : mlir::fm::impl::FmLinalgToDnnlBase<FmLinalgToDnnlPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // oneDNN has a post-op for every activation of the ABI.
    replaceProductsWithCalls(
        module, [&] { return declareAbiFunction(module, *kMatmulFunction); },
        [](Activation) { return true; });
  }
};
} // namespace
