//===- Passes.td - CPU-specific passes ---------------------*- tablegen -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// Everything the host CPU target adds after the target-independent lowering:
// register-blocked contractions, loop orders and math approximations for
// LLVM's vectorizer, the lowering of contractions to the runtime's oneDNN
// layer, and copies that need no MLIR runtime library. Listed in the order
// the CPU pipelines run them.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TARGET_CPU_PASSES_TD
#define FM_TARGET_CPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def FmCpuVectorizeContractions : Pass<"fm-cpu-vectorize-contractions"> {
  let summary = "Register-blocked vector code for matmul-like linalg.generic";
  let description = [{
    Tiles every static f32 contraction `C[m, n] += A·B` on tensors (a
    `linalg.generic` with two parallel loops, one reduction loop and a
    multiply-add body, in any operand layout) into `tile-m` × `tile-n`
    blocks with a `tile-k` reduction loop, vectorizes each block into a
    `vector.contract`, hoists the accumulator block out of the reduction
    loop, and lowers the contraction to outer products and `vector.fma`.
    The accumulator block then lives in vector registers for the whole
    reduction, and each reduction step broadcasts one element of the
    left operand per block row against a contiguous row of the right one.
    A right operand laid out [n, k] (a forward layer's weight, PyTorch's
    [out, in]) is transposed once with `linalg.transpose` before the loops.
    A dimension that a preferred block size does not divide is taken
    whole (for example the 2 outputs of a 2-D velocity layer).
    Dynamic rows (a batch size known only at run time) are peeled into
    full blocks and a remainder of fewer than `tile-m` rows, which stays a
    `linalg.contract` and becomes loops; contractions with dynamic columns
    or a dynamic reduction are left alone.

    ```mlir
    // Before: a 256×64 · (64×64)ᵀ product as a generic.
    %y = linalg.generic {indexing_maps = [(m, n, k) -> (m, k),
                                          (m, n, k) -> (n, k),
                                          (m, n, k) -> (m, n)], ...}
    // After: scf.for m, n { read acc; scf.for k { vector.fma ... }; write }
    ```
  }];
  let options = [
    Option<"tileM", "tile-m", "int64_t", /*default=*/"8",
           "Rows of the accumulator block">,
    Option<"tileN", "tile-n", "int64_t", /*default=*/"32",
           "Columns of the accumulator block (a multiple of the vector width)">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"16",
           "Reduction steps per block">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def FmCpuLoopOrder : Pass<"fm-cpu-loop-order"> {
  let summary = "Order linalg.generic loops so the innermost one is vectorizable";
  let description = [{
    Interchanges the loops of every `linalg.generic` so that the loop that
    indexes the last dimension of its first output is innermost. After
    lowering to loops, the innermost loop then walks contiguous memory in
    its output and carries no reduction, which LLVM's loop vectorizer
    turns into SIMD code without reassociating floating-point sums. A
    contraction C[m, n] += A[m, k]·B[k, n] runs as (m, k, n). Generics
    without output dimensions (full reductions) are left alone.
  }];
}

def FmCpuFreshInits : Pass<"fm-cpu-fresh-inits"> {
  let summary = "Give each linalg op an init tensor of its own before "
                "bufferization";
  let description = [{
    Runs on tensors, right before bufferization. An init (`outs`) that
    several linalg ops share makes One-Shot Bufferize copy it for every op
    but the last, since each writes its result into the init's buffer. Two
    rewrites remove those copies:

    - an init that the op's payload never reads (an elementwise op fully
      writes its output) becomes a `tensor.empty` of the same shape;
    - an init that the payload reads and that a `linalg.fill` with other
      uses produced becomes a clone of that fill, placed right before the
      op, so each contraction accumulates into a fill of its own (which
      `fm-linalg-to-dnnl` then folds into a call that does not
      accumulate).

    Reverse-mode autodiff produces both shapes: one zero fill of each
    activation's shape serves the backward products of every layer and
    the elementwise adjoints between them. At width 256 and batch 4096
    that is two 4 MB copies and a 4 MB fill per training step.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def FmCpuApproximateMath : Pass<"fm-cpu-approximate-math"> {
  let summary = "Replace f32 math functions by vectorizable polynomials";
  let description = [{
    Rewrites the selected f32 `math` operations (scalars or vectors) into
    MLIR's polynomial approximations: `arith` code that LLVM vectorizes
    together with the loop around it, where a libm call (`expf`) would run
    once per element. The approximations are accurate to a few float32
    ulps; `log` and the trigonometric functions are not selected by default
    because the Philox normal draws use them and are compared bit for bit
    with the runtime's generator. `erf` (GELU's, and an imported network's)
    has no LLVM intrinsic: without its polynomial it would not lower.

    ```mlir
    %y = math.expm1 %x : f32
    // becomes a Taylor polynomial where |x| < 1/2 and exp(x) − 1 elsewhere,
    // with exp as range reduction, a polynomial and an exponent bit-cast
    ```
  }];
  let options = [
    ListOption<"functions", "functions", "std::string",
               "math operation names to approximate (default: exp, expm1, "
               "tanh, erf)",
               "llvm::cl::ZeroOrMore">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def FmLinalgToDnnl : Pass<"fm-linalg-to-dnnl", "::mlir::ModuleOp"> {
  let summary = "Contractions on buffers, with their bias and activation, "
                "to calls of the runtime's oneDNN layer";
  let description = [{
    Runs after bufferization. Every f32 matmul-like `linalg.generic` on
    2-D memrefs `C[m, n] (+)= Σ_k A·B`, in any operand layout (a forward
    layer `x·Wᵀ` and the reverse sweep's `dY·W` and `Xᵀ·dY` alike), becomes
    a call of `fmrt_dnnl_matmul`, with transposes as flags, so oneDNN reads
    each operand where it lies:

    - a zero fill of C before the product is dropped (oneDNN writes C);
      without one the call accumulates (`C += A·B`);
    - when the product overwrites C (after a zero fill) and the next op
      that touches C is an elementwise epilogue `D = act(C + bias)` (bias
      broadcast over rows, or no bias; act one of ReLU, ELU, GELU (erf or
      tanh form), tanh, sigmoid, SiLU, or none) that either writes C in
      place or is the only other reader of a local C, the epilogue becomes
      oneDNN post-ops of the same call, which writes D, and a separate C
      disappears.

    Anything else (f64, other bodies, 3-D products, epilogues with other
    readers of C) is left to the linalg path. The runtime function is
    declared with `llvm.emit_c_interface` and the type that the runtime's
    ABI table (`fm/Runtime/DnnlAbi.def`) gives it:

    ```mlir
    func.func private @fmrt_dnnl_matmul(
        memref<?x?xf32, strided<[?, ?], offset: ?>>,  // A (or Aᵀ: [K, M])
        memref<?x?xf32, strided<[?, ?], offset: ?>>,  // B (or Bᵀ: [N, K])
        memref<?xf32, strided<[?], offset: ?>>,       // bias [N] or empty
        memref<?x?xf32, strided<[?, ?], offset: ?>>,  // C or D
        i64, i64, f32)                                // flags, activation, alpha
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def FmCpuReadOnlyArguments
    : Pass<"fm-cpu-read-only-arguments", "::mlir::ModuleOp"> {
  let summary = "Entry points do not write into their arguments' buffers";
  let description = [{
    Runs right before bufferization. Marks every tensor argument of each
    public function with a body (an entry point) `bufferization.writable =
    false`, so that One-Shot Bufferize never computes in an argument's
    buffer, even where the argument is dead: a training step that fails
    (a loss that is not finite) leaves the state it was given as it was,
    and callers can pass the same inputs to several calls. Results go to
    the destinations of `fm-cpu-result-destinations`. An attribute already
    there is kept.
  }];
  let dependentDialects = ["::mlir::bufferization::BufferizationDialect"];
}

def FmCpuResultDestinations
    : Pass<"fm-cpu-result-destinations", "::mlir::ModuleOp"> {
  let summary = "Entry points write their buffer results into the caller's "
                "buffers";
  let description = [{
    Runs right after bufferization. Each public function with a body (an
    entry point of a compiled program) takes one more argument per memref
    result, its destination, and returns only its other results. The
    caller (`fmrt::Program::call`) passes its own buffers there, so a
    training step writes the new parameters and moments straight into the
    trainer's state, and no result is copied out after the call.

    - A result that a `memref.alloc` in the function defines is replaced
      by its destination: the code that computed into the allocation now
      computes into the caller's buffer, and the allocation is gone.
    - Any other result (a function argument, a loop's result, a view) is
      copied into its destination with `memref.copy`.
    - Where a dimension is dynamic, a `cf.assert` checks first that the
      destination has the size the code computes; `fm-cpu-lower-checks`
      makes a failed check the error of the call.

    Destinations must not overlap the arguments or each other (the runtime
    stages a caller's buffer that does in one of its own). Private
    functions keep their results. An entry
    point that the module itself calls is an error: its callers would need
    buffers of their own.

    ```mlir
    func.func @step(%p: memref<4xf32>) -> (f32, memref<4xf32>) {
      %new = memref.alloc() : memref<4xf32>
      ...
      return %loss, %new : f32, memref<4xf32>
    }
    // becomes
    func.func @step(%p: memref<4xf32>, %new: memref<4xf32>) -> f32 {
      ...
      return %loss : f32
    }
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::cf::ControlFlowDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def FmCpuInlineStridedCopies : Pass<"fm-cpu-inline-strided-copies"> {
  let summary = "Copies between non-contiguous buffers as loops, not calls";
  let description = [{
    Rewrites every `memref.copy` whose source or target is not contiguous
    (a column block of a concatenation, say) into a `linalg.copy`, which
    becomes loops. MLIR's memref lowering would call `memrefCopy` from
    libmlir_c_runner_utils for such a copy, and that library loads all of
    libMLIR and libLLVM into the process; after this pass, compiled
    programs need nothing beyond the C library and the runtime's own
    kernels. Copies between contiguous buffers stay `memref.copy` (one
    `memcpy`).

    ```mlir
    memref.copy %x, %sub : memref<?x2xf32> to memref<?x2xf32, strided<[3, 1], offset: 1>>
    // becomes
    linalg.copy ins(%x : ...) outs(%sub : ...)
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def FmCpuCheckedAllocations
    : Pass<"fm-cpu-checked-allocations", "::mlir::ModuleOp"> {
  let summary = "Define the allocation functions of lowered code, with a "
                "check for failure";
  let description = [{
    After `finalize-memref-to-llvm{use-generic-functions}`, lowered code
    allocates with `_mlir_memref_to_llvm_alloc(size)` and frees with
    `_mlir_memref_to_llvm_free(ptr)`. This pass defines both in the module
    (internal), on `malloc` and `free`: where `malloc` returns null for a
    nonzero size, the allocation calls the handler in the global
    `fm_out_of_memory_hook`, which the runtime sets when it loads the
    module and which returns control to the `Program::call` that ran the
    code as an error, and `abort`s where the global is null (in
    `mlir-runner`, say). Calls of `malloc` itself, which code lowered
    without the generic functions makes (the host side of `gpu-to-llvm`),
    are routed through the same checked function. Compiled code therefore
    never dereferences a failed allocation, and a compiled library needs
    nothing from its host.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def FmCpuLowerChecks : Pass<"fm-cpu-lower-checks", "::mlir::ModuleOp"> {
  let summary = "Turn the run-time checks of fm-runtime-checks into calls "
                "of the runtime";
  let description = [{
    Rewrites every `cf.assert` (what `fm-runtime-checks` generates) into a
    branch: where the condition fails, compiled code calls the handler in
    the global `fm_check_failed_hook` with the check's message, a
    NUL-terminated string constant. The runtime sets the global when it
    loads the module; its handler returns control to the `Program::call`
    that ran the code, which reports the message as its error, the way a
    failed allocation is reported (`fm-cpu-checked-allocations`). Where the
    global is null (`mlir-runner`), the code `abort`s. Upstream's lowering
    of `cf.assert` prints and aborts the process instead.

    Runs on host code after `convert-scf-to-cf` and before
    `convert-cf-to-llvm`.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::cf::ControlFlowDialect"
  ];
}

def FmCpuParallelElementwise
    : Pass<"fm-cpu-parallel-elementwise", "::mlir::ModuleOp"> {
  let summary = "Run elementwise loops on the oneDNN layer's threads";
  let description = [{
    Runs after bufferization, in the dnnl pipeline. Each elementwise
    `linalg.generic` on buffers in a function's code (its body, or `scf`
    loops and branches in it, such as an ODE solver's; every loop parallel,
    no `linalg.index`, the outermost loop a plain dimension of every operand
    that varies with it)
    becomes a private function over a range `[begin, end)` of that loop,
    on subviews of the operands, and a call of the oneDNN layer's
    `fmrt_dnnl_parallel_for(body, context, rows, work)` (DnnlAbi.def). The
    runtime runs the rows in parts on the threads oneDNN's products use
    (one pool, libgomp's) where `work` (the body's operations times the
    iterations) is at least `fmrt::dnnl::kParallelFlop`, and at once on the
    calling thread otherwise. A generic whose static shapes are below that
    is left alone.

    The values the body needs (the operands' descriptors, scalars from
    above) cross in a context on the caller's stack, as the LLVM values
    they lower to, through `unrealized_conversion_cast`s that the LLVM
    conversions resolve; constants are cloned. Every element is computed
    the same way on any number of threads, so results do not depend on the
    thread count.
  }];
  let dependentDialects = [
    "::mlir::LLVM::LLVMDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

#endif // FM_TARGET_CPU_PASSES_TD
