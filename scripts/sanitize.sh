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

"$root/scripts/clang-rt-build.sh" "$build" "-DFM_SANITIZE=ON"
# No leak checks (caches live until exit on purpose), null for allocations
# too large (the tools report them), and no manual poisoning: LLVM's
# allocators poison in our instrumented code but not in Debian's libMLIR,
# which would report memory one allocates and the other reads.
export ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1:allow_user_poisoning=0
export UBSAN_OPTIONS=print_stacktrace=1
ctest --test-dir "$build" -j "$(nproc)" --output-on-failure "$@"
