#!/usr/bin/env bash
# Builds FM-MLIR with AddressSanitizer and UndefinedBehaviorSanitizer in
# build-sanitize/ (-DFM_SANITIZE=ON: every library, tool and test binary
# instrumented; compiled programs are not) and runs the whole test suite
# there, where tests that cannot run instrumented say `UNSUPPORTED: asan`
# (test/lit.cfg.py). Any sanitizer report fails its test. Installs Debian's
# libclang-rt-22-dev (the sanitizers' run time) when it is missing. A first
# build takes about half an hour on two cores; it is not part of CI.
#
# usage: scripts/sanitize.sh [CTEST_ARGS...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-sanitize

"$root/scripts/install-clang-rt.sh"

export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=true
if [[ ! -f $build/build.ninja ]]; then
  cmake -G Ninja -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER=clang-22 -DCMAKE_CXX_COMPILER=clang++-22 \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
    -DFM_SANITIZE=ON >/dev/null
fi
cmake --build "$build"
# No leak checks (caches live until exit on purpose), null for allocations
# too large (the tools report them), and no manual poisoning: LLVM's
# allocators poison in our instrumented code but not in Debian's libMLIR,
# which would report memory one allocates and the other reads.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure "$@"
