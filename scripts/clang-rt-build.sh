#!/usr/bin/env bash
# Configures (once) and builds FM-MLIR with clang-22 in BUILD_DIR with extra
# CMake options, after installing its dependencies (scripts/setup.sh) and
# Debian's libclang-rt-22-dev, the run time of libFuzzer and the sanitizers:
# the shared first half of scripts/fuzz.sh and scripts/sanitize.sh.
#
# usage: scripts/clang-rt-build.sh BUILD_DIR "CMAKE_OPTIONS" [TARGET...]
#        (no target: everything)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$1
options=$2
shift 2

"$root/scripts/setup.sh"
if ! dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null |
    grep -q "install ok installed"; then
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
    --no-install-recommends libclang-rt-22-dev
fi

export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=true
if [[ ! -f $build/build.ninja ]]; then
  # shellcheck disable=SC2086 # the options are words
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    $options >/dev/null
fi
if [[ $# -gt 0 ]]; then
  cmake --build "$build" --target "$@"
else
  cmake --build "$build"
fi
