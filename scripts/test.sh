#!/usr/bin/env bash
# Set up, build, and run the whole test suite (lit regression tests,
# GoogleTest unit tests, the docs check and the downstream-package test)
# under one ctest invocation.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"
export CCACHE_BASEDIR=$root CCACHE_NOHASHDIR=true
ctest --test-dir "${FM_BUILD_DIR:-$root/build}" --output-on-failure -j 2
