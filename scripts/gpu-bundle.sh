#!/usr/bin/env bash
# Builds what scripts/gpu-check.sh runs on a GPU machine, which has CUDA and
# PyTorch but no MLIR or oneDNN (../shared/TOOLCHAIN.md):
#
#   build/gpu-bundle/bin/fm-exec        the runner, without the compiler
#   build/gpu-bundle/lib/               the shared libraries it needs that
#                                       the GPU machine's image lacks
#   build/gpu-bundle/programs/*.so      the moons program compiled for the
#                                       cuda backend, and for this CPU
#                                       (linalg) to compare with; the
#                                       large MLP of bench/gpu.sh
#   build/gpu-bundle/lit/               LLVM's lit, to run test/Execution/GPU
#
# usage: scripts/gpu-bundle.sh [BUILD_DIR]     (default: build)
#
# Then carry BUILD_DIR/gpu-bundle with the checkout (under 64 MiB) and run
# `scripts/gpu-check.sh BUILD_DIR/gpu-bundle` there.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
out=$build/gpu-bundle
rm -rf "$out"
mkdir -p "$out/bin" "$out/lib" "$out/programs"

cp "$build/bin/fm-exec" "$out/bin/"
# The libraries fm-exec links that are Debian's, not the C runtime's.
ldd "$build/bin/fm-exec" | awk '/=> \//{print $3}' | while read -r lib; do
  case $(basename "$lib") in
    libc.so*|libm.so*|libgcc_s.so*|libstdc++.so*|ld-linux*|libz.so*) ;;
    *) cp -L "$lib" "$out/lib/" ;;
  esac
done

for backend in cuda linalg; do
  "$build/bin/fm-run" compile --backend "$backend" \
    "$root/examples/moons-declarative.mlir" -o "$out/programs/moons-$backend.so"
done
# Kernels built without a CUDA toolkit are PTX that calls libdevice's math
# functions, which the driver cannot link: build the bundle where CMake
# found a toolkit (FM_CUDA_TOOLKIT_DIR).
if grep -aq '\.extern \.func __nv_' "$out/programs/moons-cuda.so"; then
  echo "gpu-bundle: the kernels call libdevice, unlinked: configure with a CUDA toolkit" >&2
  exit 1
fi
# bench/gpu.sh's large MLP.
python3 "$root/bench/mlp.py" --width 1024 --act silu --batch 65536 \
  > "$out/programs/mlp1024.mlir"
"$build/bin/fm-run" compile --backend cuda "$out/programs/mlp1024.mlir" \
  -o "$out/programs/mlp1024-cuda.so"

lit=$(python3 - <<'PY'
import re
text = open("/usr/lib/llvm-22/bin/lit").read()
print(re.search(r'sys.path.insert\(\d+, *"([^"]+)"\)', text).group(1))
PY
)
cp -r "$lit/lit" "$out/lit"
find "$out/lit" -name __pycache__ -prune -exec rm -rf {} +

du -sh "$out"
