//===- Passes.td - GPU-specific passes ---------------------*- tablegen -*-===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// What the NVIDIA GPU target adds after bufferization: the mapping of every
// linalg op on buffers onto blocks and threads (which upstream's
// convert-parallel-loops-to-gpu then turns into gpu.launch), and a check
// that no loop over memory stayed on the host. docs/notes/CudaLowering.md
// has the facts behind their choices.
//
//===----------------------------------------------------------------------===//

#ifndef FM_TARGET_GPU_PASSES_TD
#define FM_TARGET_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def FmGpuMapLinalg : Pass<"fm-gpu-map-linalg", "::mlir::func::FuncOp"> {
  let summary = "Map linalg ops on buffers onto GPU blocks and threads";
  let description = [{
    Every linalg op with buffer semantics outside a `gpu.launch` becomes an
    `scf.parallel` nest over its parallel loops (its reduction loops are
    `scf.for`s inside, run by each thread), tiled so that one tile is one
    block of at most `threads` threads, with the `mapping` attribute that
    `convert-parallel-loops-to-gpu` reads:

    - threads: the innermost (contiguous) loop on `thread_x`, so that a
      warp reads consecutive elements, with a tile of min(size, threads)
      (32 for a dynamic size); the outermost on `thread_y` with the rest of
      the block (threads / that tile); others one thread each;
    - blocks: the tiles of the outermost loop on `block_x` (up to 2³¹ − 1
      blocks: a dynamic batch has no practical limit), the next on
      `block_y` and `block_z`, any further loop run in sequence.

    Tiles are not clamped at the loop's end (`no-min-max-bounds`): the body
    is guarded instead, which `convert-parallel-loops-to-gpu` needs. An op
    without parallel loops (a full reduction) runs in one thread of one
    block. Contractions are mapped too (one thread per output element)
    until the CUDA layer's product calls replace them.

    Example, a [N, 64] elementwise op: blocks of 64 × 4 threads, ⌈N/4⌉
    blocks.
  }];
  let options = [
    Option<"threads", "threads", "int64_t", /*default=*/"256",
           "Threads per block, at most 1024">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def FmGpuCheckHostLoops : Pass<"fm-gpu-check-host-loops", "::mlir::func::FuncOp"> {
  let summary = "Fail where a loop over memory stayed on the host";
  let description = [{
    After `convert-parallel-loops-to-gpu`, reports every `scf.parallel` or
    `scf.for` outside a `gpu.launch` whose body loads from or stores to a
    memref, and every linalg op on buffers left outside one: on the GPU
    target, buffers live in device memory, so such a loop would read it
    from the CPU and crash at run time. Upstream's conversion leaves a loop
    on the host without a diagnostic when it cannot map it (a clamped tile
    bound, loops merged by canonicalization); this pass turns that into a
    compile error.
  }];
}

#endif // FM_TARGET_GPU_PASSES_TD
