#!/usr/bin/env bash
# Builds the libFuzzer targets of the readers of untrusted input (test/Fuzz:
# the safetensors, .npy and manifest readers, the ONNX importer, and fm
# programs through the dialect's verifiers and the front-half passes, with
# ASan and UBSan) in
# build-fuzz/ and runs each for SECONDS seconds (default 60), starting from
# the seeds in test/Fuzz/corpus/<target> and keeping what it finds in
# build-fuzz/corpus/<target>. A crash or sanitizer report stops that target
# with its reproducer (crash-*) in build-fuzz/ and makes the script fail.
# Installs Debian's libclang-rt-22-dev (libFuzzer and the sanitizers' run
# time) when it is missing.
#
# usage: scripts/fuzz.sh [SECONDS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-60}
build=$root/build-fuzz

targets=(safetensors npy manifest onnx program)
"$root/scripts/clang-rt-build.sh" "$build" "-DFM_BUILD_TESTS=OFF -DFM_FUZZ=ON" \
  "${targets[@]/#/fm-fuzz-}"

# The ONNX importer's seeds: the committed example, the tests' textual
# models, and ONNX's own backend test models (libonnx-testdata), which are
# read from where Debian installs them rather than copied into the tree.
seeds=$build/seeds/onnx
rm -rf "$seeds" && mkdir -p "$seeds"
cp "$root/examples/onnx/moons_velocity.onnx" "$seeds/"
cp "$root"/test/Onnx/Inputs/*.onnxtxt "$seeds/" 2>/dev/null || true
n=0
for model in /usr/share/libonnx-testdata/data/{node,pytorch-converted,pytorch-operator,simple}/*/model.onnx; do
  [[ -f $model ]] || continue
  cp "$model" "$seeds/seed-$((n++)).onnx"
done

# fm programs' seeds: the examples and the lit tests' inputs, split at
# their `// -----` markers.
seeds=$build/seeds/program
rm -rf "$seeds" && mkdir -p "$seeds"
n=0
for file in "$root"/examples/*.mlir "$root"/test/Dialect/Fm/*.mlir \
    "$root"/test/Conversion/FmToLinalg/*.mlir "$root"/test/Transforms/*.mlir \
    "$root"/test/Transforms/Autodiff/*.mlir "$root"/test/Integration/*.mlir; do
  awk -v dir="$seeds" -v base="$((n++))" \
    'BEGIN { part = 0 } /^\/\/ -----/ { part++; next }
     { print > (dir "/seed-" base "-" part ".mlir") }' "$file"
done

# The ONNX and program targets link Debian's uninstrumented libMLIR, whose
# allocators poison memory our instrumented code then reads legitimately:
# as in scripts/sanitize.sh, no manual poisoning (and no leak report: the
# MLIR context lives until exit on purpose).
export ASAN_OPTIONS=${ASAN_OPTIONS:-allow_user_poisoning=0:detect_leaks=0}

status=0
cd "$build"
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  log=$build/fuzz-$target.log
  if "$build/bin/fm-fuzz-$target" -max_total_time="$seconds" \
      -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 \
      "corpus/$target" "$root/test/Fuzz/corpus/$target" \
      $([[ -d $build/seeds/$target ]] && echo "$build/seeds/$target") \
      >"$log" 2>&1; then
    result=ok
  else
    result=FAILED
    status=1
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  features=$(grep -o 'ft: [0-9]*' "$log" | tail -1)
  echo "fm-fuzz-$target: $result, ${runs:-0} executions in ${seconds} s," \
    "${coverage:-cov: 0} edges, ${features:-ft: 0} features, corpus" \
    "$(ls "corpus/$target" | wc -l) inputs (log: $log)"
done
exit $status
