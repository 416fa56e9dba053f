#!/usr/bin/env bash
# Proves that runtime/lib/core and runtime/lib/host build and link without
# LLVM: builds them with the project in this folder, which knows nothing of
# LLVM, fails if any header they include comes from an llvm/ or mlir/ folder
# (in case a system puts LLVM's headers on the default include path) or if
# the program needs an LLVM or MLIR library, then runs it: it writes and
# reads back a .npy file, a safetensors checkpoint and a PNG plot.
#
# usage: run.sh RUNTIME_DIR WORK_DIR CXX
set -euo pipefail
runtime=$1 work=$2 cxx=$3
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$work"
mkdir -p "$work"
launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -G Ninja -S "$here" -B "$work/build" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" \
  -DFM_RUNTIME_DIR="$runtime" >"$work/configure.log" \
  || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" \
  || { cat "$work/build.log"; exit 1; }

# Every header the sources included, as the compiler reported it.
ninja -C "$work/build" -t deps >"$work/deps.txt"
grep -q 'fm/Runtime/Status\.h' "$work/deps.txt" \
  || { echo "ninja recorded no header dependencies" >&2; exit 1; }
if grep -E '/(llvm|llvm-c|mlir|mlir-c)/' "$work/deps.txt"; then
  echo "core or host includes the LLVM or MLIR headers above" >&2
  exit 1
fi
program=$work/build/layering-check
if ldd "$program" | grep -Ei 'libLLVM|libMLIR'; then
  echo "layering-check needs the LLVM or MLIR libraries above" >&2
  exit 1
fi

mkdir -p "$work/files"
"$program" "$work/files"
