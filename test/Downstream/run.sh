#!/usr/bin/env bash
# Installs FM-MLIR from BUILD_DIR into a prefix, moves the prefix elsewhere
# (the package must be relocatable), builds the downstream project against
# the moved copy, and runs its tool: once with fm's conversion pass and once
# with the named CPU pipeline; then the runtime's embedding API (the README
# example) compiles examples/moons.mlir, trains it briefly and samples it.
#
# usage: run.sh BUILD_DIR WORK_DIR CXX FILECHECK
set -euo pipefail
build=$1 work=$2 cxx=$3 filecheck=$4
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/staging" >/dev/null
mv "$work/staging" "$work/moved-prefix"

launcher=()
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -G Ninja -S "$here" -B "$work/build" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$cxx" "${launcher[@]}" \
  -DCMAKE_PREFIX_PATH="$work/moved-prefix" >"$work/configure.log" \
  || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }

tool=$work/build/downstream-tool
"$tool" "$here/input.mlir" "fm-convert-to-linalg" > "$work/linalg.mlir"
"$tool" "$here/input.mlir" "fm-cpu-pipeline" > "$work/llvm.mlir"
"$filecheck" "$here/input.mlir" --input-file <(cat "$work/linalg.mlir" "$work/llvm.mlir")
"$work/build/downstream-runtime" "$here/../../examples/moons.mlir" \
  | grep -qx "trained 8 parameters, loss finite; sampled 200 values"
echo "downstream package: OK"
