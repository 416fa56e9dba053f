# -*- Python -*-
# The FM-MLIR lit suite. Site-specific paths come from lit.site.cfg.py.

import os

import lit.formats
from lit.llvm import llvm_config

config.name = "FM"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "Downstream", "Unit", "Fuzz", "CMakeLists.txt",
                   "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.fm_obj_root, "test")

# Same FileCheck strictness as MLIR's own suite.
config.environment["FILECHECK_OPTS"] = (
    "-enable-var-scope --allow-unused-prefixes=false")

# scripts/gpu-check.sh runs test/Execution/GPU on a GPU machine without
# LLVM's tools (FM_LIT_WITHOUT_LLVM_TOOLS=1); those tests use none.
if os.environ.get("FM_LIT_WITHOUT_LLVM_TOOLS") != "1":
    llvm_config.use_default_substitutions()

config.substitutions.append(("%fm_src_root", config.fm_src_root))
config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(
    ("%fm_plugin", os.path.join(config.fm_lib_dir, "FMPlugin" + config.shlib_ext)))
config.substitutions.append(("%python", config.python_executable))
# A 250-byte file name: with a temporary file's 13-byte suffix it exceeds
# NAME_MAX (test/Tools/outputs.test).
config.substitutions.append(("%{long_name}", "a" * 238 + ".safetensors"))
for lib in ["mlir_runner_utils", "mlir_c_runner_utils"]:
    config.substitutions.append(
        ("%" + lib, os.path.join(config.llvm_lib_dir, "lib" + lib + config.shlib_ext)))

# The oneDNN kernels (runtime/lib/dnnl), when built: tests that call them
# through `mlir-runner -shared-libs=%fm_dnnl_runner` say `REQUIRES: dnnl`.
if config.fm_have_dnnl:
    config.available_features.add("dnnl")
    config.substitutions.append(
        ("%fm_dnnl_runner",
         os.path.join(config.fm_lib_dir, "libFMDnnlRunner" + config.shlib_ext)))

# A build with ASan and UBSan (FM_SANITIZE, scripts/sanitize.sh): its tools
# and libraries run instrumented. Tests that load our libraries into an
# uninstrumented host (mlir-opt's plugin, mlir-runner's shared libraries)
# or bound virtual memory (ASan reserves terabytes of shadow) say
# `UNSUPPORTED: asan`. scripts/sanitize.sh sets the options
# (FM_ASAN_OPTIONS there): leak checks off, since the oneDNN cache and the
# CUDA layer's driver live until exit on purpose; an allocation too large
# returns null, as the tools' out-of-memory handling expects; and no
# manual poisoning, which LLVM's allocators do in our instrumented code but
# not in Debian's uninstrumented libMLIR, so that memory one allocated
# and the other reads would be reported falsely.
if getattr(config, "fm_sanitize", False):
    config.available_features.add("asan")
    config.environment["ASAN_OPTIONS"] = os.environ.get(
        "ASAN_OPTIONS",
        "detect_leaks=0:allocator_may_return_null=1:allow_user_poisoning=0")
    config.environment["UBSAN_OPTIONS"] = "print_stacktrace=1"

# bf16 arithmetic on this CPU (tests of --precision bf16), and AVX-512:
# there the products' sums do not depend on how rows are split between
# calls or threads (the oneDNN layer's own loops and oneDNN's brgemm
# kernels). Without it, oneDNN 2.6's gemm:jit kernels sum the rows of a
# block's tail in another order, and tests that compare such runs allow for
# rounding (`%if avx512`). `dnnl-loops`: the CPU runs the oneDNN layer's
# own loops (AVX-512, or AVX2 with FMA), which split rows between threads in
# whole register tiles, so products they take (small B) give the same bits
# on any number of threads there too.
try:
    cpuinfo = open("/proc/cpuinfo").read()
    flags = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[1].split())
    if "avx512_bf16" in flags:
        config.available_features.add("avx512-bf16")
    if "avx512f" in flags:
        config.available_features.add("avx512")
    if "avx512f" in flags or {"avx2", "fma"} <= flags:
        config.available_features.add("dnnl-loops")
except OSError:
    pass

# The host CPU as LLVM names it (`host-cpu-znver5`): tests that pin exact
# bits of generated code and oneDNN's kernels hold only where they were
# recorded.
import re
import subprocess
try:
    llc = os.path.join(config.llvm_tools_dir, "llc")
    version = subprocess.run([llc, "--version"], capture_output=True,
                             text=True, check=False).stdout
    host_cpu = re.search(r"Host CPU: (\S+)", version)
    if host_cpu:
        config.available_features.add("host-cpu-" + host_cpu.group(1))
except OSError:
    pass

# Our tools first, then LLVM's (FileCheck, not, mlir-opt, mlir-runner).
tool_dirs = [config.fm_tools_dir, config.llvm_tools_dir]
for tool_dir in reversed(tool_dirs):
    llvm_config.with_environment("PATH", tool_dir, append_path=True)
llvm_config.add_tool_substitutions(
    ["fm-opt", "fm-run", "fm-exec", "mlir-opt", "mlir-runner"], tool_dirs)

# Execution on an NVIDIA GPU (test/Execution/GPU, `REQUIRES: cuda-device`):
# where scripts/gpu-check.sh runs them (FM_CUDA_DEVICE=1) on a GPU machine,
# with the programs scripts/gpu-bundle.sh compiled on a machine with MLIR
# (FM_GPU_PROGRAMS). Everywhere else they are unsupported.
if os.environ.get("FM_CUDA_DEVICE") == "1":
    config.available_features.add("cuda-device")
config.substitutions.append(
    ("%{gpu_programs}",
     os.environ.get("FM_GPU_PROGRAMS",
                    os.path.join(config.fm_obj_root, "gpu-bundle", "programs"))))
for name in ["FM_CUDA_DRIVER", "FM_CUBLASLT", "LD_LIBRARY_PATH"]:
    if name in os.environ:
        config.environment[name] = os.environ[name]

# fm-import-onnx and the ONNX tests (`REQUIRES: onnx`), where libonnx was
# found at configure time.
if config.fm_have_onnx:
    config.available_features.add("onnx")
    llvm_config.add_tool_substitutions(["fm-import-onnx", "fm-onnx-check"],
                                       tool_dirs)

# A Python with PyTorch, ONNX and NumPy (Debian's python3-torch and
# python3-onnx) for the tests that compare with PyTorch (`REQUIRES: torch`,
# `%torch_python`); they are unsupported where there is none.
for candidate in ["/usr/bin/python3", config.python_executable]:
    try:
        probe = subprocess.run(
            [candidate, "-c", "import numpy, onnx, torch"],
            capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        continue
    if probe.returncode == 0:
        config.available_features.add("torch")
        config.substitutions.append(("%torch_python", candidate))
        break
