#!/usr/bin/env bash
# Installs FM-MLIR's dependencies from Debian's own archive (bookworm and
# bookworm-security). Idempotent: when everything is already installed it
# returns at once without touching apt.
set -euo pipefail

packages=(
  # Toolchain.
  cmake ninja-build ccache clang-22 lld-22 clang-format-22 git python3
  # MLIR/LLVM 22.1 with lit, FileCheck, not, mlir-opt and mlir-runner.
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools
  # oneDNN (its CMake config wants the OpenCL loader) and GoogleTest.
  libdnnl-dev ocl-icd-opencl-dev libgtest-dev googletest
  # zlib compresses the PNG plots the runtime writes; nlohmann JSON
  # (header-only) reads and writes the headers of safetensors checkpoints.
  zlib1g-dev nlohmann-json3-dev
  # ONNX 1.12 (C++, on protobuf) for fm-import-onnx; its backend test suite
  # for the conformance tests; the Python package for examples/onnx.
  libonnx-dev libprotobuf-dev libonnx-testdata python3-onnx
)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ((${#missing[@]} == 0)); then
  exit 0
fi

sudo=()
if [[ $(id -u) -ne 0 ]]; then
  sudo=(sudo)
fi
echo "setup: installing ${missing[*]}"
"${sudo[@]}" apt-get update -q
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
  --no-install-recommends "${missing[@]}"
