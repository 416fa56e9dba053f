#!/usr/bin/env bash
# Configures (once) and builds FM-MLIR in build/ with clang-22, lld, Ninja
# and ccache. Re-running it on a built tree only rebuilds what changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${FM_BUILD_DIR:-$root/build}

# Share compiled objects between checkouts at different paths (CI clones).
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=true

if [[ ! -f $build/build.ninja ]]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DFM_ENABLE_WERROR=ON
fi
cmake --build "$build"
