#!/usr/bin/env bash
# Runs on a GPU machine (CUDA driver, PyTorch with CUDA; no MLIR, no
# oneDNN): the GPU execution tests (test/Execution/GPU, lit feature
# cuda-device) and the GPU bench (bench/gpu.sh), with what
# scripts/gpu-bundle.sh built on a machine with the compiler.
#
#   scripts/gpu-check.sh [BUNDLE_DIR]     (default: build/gpu-bundle)
#
# Finishes in well under 8 minutes on an H100 (each part has a time limit).
# Exit status: that of the tests (the bench's numbers are for the record).
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bundle=$(cd "${1:-$root/build/gpu-bundle}" && pwd)
export PATH=$bundle/bin:$PATH
export LD_LIBRARY_PATH=$bundle/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}

echo "== machine"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader ||
  { echo "gpu-check: no NVIDIA GPU here"; exit 1; }
fm-exec --version | head -3

# A lit configuration for the bundle: the checkout's test/lit.cfg.py, with
# the bundle's fm-exec and no LLVM tools (the GPU tests use none).
obj=$bundle/test-obj
rm -rf "$obj" && mkdir -p "$obj/Execution/GPU"
cat > "$obj/lit.site.cfg.py" <<CFG
config.fm_src_root = "$root"
config.fm_obj_root = "$obj"
config.fm_tools_dir = "$bundle/bin"
config.fm_lib_dir = "$bundle/lib"
config.llvm_tools_dir = "$bundle/bin"
config.llvm_lib_dir = "$bundle/lib"
config.python_executable = "$(command -v python3)"
config.shlib_ext = ".so"
config.fm_have_dnnl = False
import lit.llvm
lit.llvm.initialize(lit_config, config)
lit_config.load_config(config, "$root/test/lit.cfg.py")
CFG

echo "== execution tests"
FM_CUDA_DEVICE=1 FM_LIT_WITHOUT_LLVM_TOOLS=1 FM_GPU_PROGRAMS=$bundle/programs \
  PYTHONPATH=$bundle timeout 300 \
  python3 -c "import sys; from lit.main import main; sys.argv[0] = 'lit'; main()" \
  -sv "$obj/Execution/GPU"
status=$?

echo "== bench"
timeout 150 bash "$root/bench/gpu.sh" "$bundle" "$obj/bench" ||
  echo "gpu-check: the bench failed or ran out of time"
exit $status
