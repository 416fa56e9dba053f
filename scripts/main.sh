#!/usr/bin/env bash
# The main job: set up, build, then compile the example program. fm-opt
# parses and verifies examples/path_sample.mlir, prints it, and lowers it
# through the named CPU pipeline to the LLVM dialect.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"

fm_opt=${FM_BUILD_DIR:-$root/build}/bin/fm-opt
example=$root/examples/path_sample.mlir
echo "== fm-opt $example (parse, verify, print)"
"$fm_opt" "$example"
echo "== fm-opt $example --fm-convert-to-linalg"
"$fm_opt" "$example" --fm-convert-to-linalg
echo "== fm-opt $example --fm-cpu-pipeline"
"$fm_opt" "$example" --fm-cpu-pipeline -o "${FM_BUILD_DIR:-$root/build}/path_sample.llvm.mlir"
echo "lowered to the LLVM dialect: ${FM_BUILD_DIR:-$root/build}/path_sample.llvm.mlir"
