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

def FmGpuDeviceTensors : Pass<"fm-gpu-device-tensors", "::mlir::ModuleOp"> {
  let summary = "Keep an fm program's tensors on the GPU: no host constants, "
                "no scalar results";
  let description = [{
    Runs on linalg on tensors, before bufferization, so that every buffer
    bufferization creates can live in device memory:
    - a splat constant tensor becomes `tensor.empty` and `linalg.fill`
      (which runs as a kernel) instead of a host global; any other constant
      tensor is an error, since the target has no device globals yet;
    - a scalar result of an entry point (a public function), such as a
      training step's loss, becomes a 0-d tensor, computed on the device:
      the host arithmetic between the 0-d tensors it extracts from and the
      result (a mean's division) moves into a 0-d `linalg.generic`, and a
      scalar the host computes alone goes into a `tensor.from_elements`.
      The host never reads device memory, and the runtime copies the 0-d
      buffer back when it wants the value (fmrt::Program).
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def FmGpuLinalgToCublas : Pass<"fm-gpu-linalg-to-cublas", "::mlir::ModuleOp"> {
  let summary = "Contractions on buffers, with their bias and activation, "
                "to calls of the runtime's cuBLASLt layer";
  let description = [{
    Runs after bufferization, like `fm-linalg-to-dnnl`, with the same
    matching (`fm/Utils/ProductCalls.h`): every f32 matmul-like
    `linalg.generic` on 2-D memrefs, in any operand layout, becomes a call
    of `fmrt_cuda_matmul(A, B, bias, C, flags, activation, alpha)` with
    transposes as flags (`fm/Runtime/MatmulAbi.h`). Its zero fill goes (or
    the call accumulates), and its elementwise epilogue `act(C + bias)` is
    fused where cuBLASLt has an epilogue for the activation: none, ReLU or
    tanh-GELU, with or without a bias. Other activations (ELU, SiLU) stay a
    generic of their own, which becomes a kernel.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::func::FuncDialect",
    "::mlir::memref::MemRefDialect",
  ];
}

def FmGpuDeviceMemory : Pass<"fm-gpu-device-memory", "::mlir::ModuleOp"> {
  let summary = "Put a bufferized program's buffers in GPU memory";
  let description = [{
    Runs after `buffer-deallocation-pipeline` and
    `convert-bufferization-to-memref`, on host functions:
    - every `memref.alloc` becomes `gpu.alloc`, and the `memref.dealloc` of
      a device buffer `gpu.dealloc`, except deallocation's own bookkeeping
      (index and i1 buffers that only host loads, stores and calls touch);
    - `memref.copy` becomes `gpu.memcpy` between contiguous buffers, and a
      `linalg.copy` (a kernel, once mapped) otherwise;
    - a host `memref.store` into device memory runs in a one-thread
      launch;
    - a host `memref.load` from device memory, and a `memref.get_global`,
      are errors: the program would read GPU memory from the CPU.
    Device memory is decided as `fm-gpu-check-host-loops` decides it:
    `gpu.alloc`, the arguments of public functions (the runtime passes
    device buffers to entry points), and what flows through loops.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
  ];
}

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
    block. Parallel loops go outermost first (a reduction loop that came
    before a parallel one runs inside each thread). A contraction left on
    buffers is mapped too, one thread per output element; in
    `fm-cuda-pipeline` they are cuBLASLt calls by then.

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

def FmGpuCheckHostLoops : Pass<"fm-gpu-check-host-loops", "::mlir::ModuleOp"> {
  let summary = "Fail where host code would touch GPU memory";
  let description = [{
    After `convert-parallel-loops-to-gpu`, reports every host load or store
    of device memory (in a loop upstream's conversion left on the host, or
    on its own), every linalg op on buffers left outside a `gpu.launch`,
    and every launch whose kernel reads a host buffer. On the GPU target
    such code would crash at run time; upstream's conversion leaves a loop
    on the host without a diagnostic when it cannot map it (a clamped tile
    bound, loops merged by canonicalization), and this pass turns that into
    a compile error. Device memory is what `fm-gpu-device-memory` puts
    there: `gpu.alloc`, the arguments of public functions, and what flows
    through loops; the bookkeeping of buffer deallocation (host `memref.alloc`,
    and the private helper it is passed to) is host memory.
  }];
}

#endif // FM_TARGET_GPU_PASSES_TD
