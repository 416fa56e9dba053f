#!/usr/bin/env bash
# Hit rates of the declarative discrete examples against the number of
# training steps: examples/discrete.mlir (uniform source) for seeds 0, 1
# and 2 after 500, 1,000 and 2,000 steps, and examples/discrete-mask.mlir
# for seed 0 after 2,000 steps. Each run trains from scratch with
# `fm-exec train --seed S --steps N`, samples 10,000 points with 64 steps
# (`--seed 1`) and scores them with `fm-exec eval --data
# checkerboard-tokens`: the fraction on the checkerboard's cells (uniform
# noise scores 0.5). bench/pytorch_discrete.py gives PyTorch's hit rates
# for the same recipe (bench/RESULTS.md). One core (taskset -c ${CORE:-0}).
#
# usage: bench/discrete_hit_rates.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
core=${CORE:-0}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build/bin/fm-run" compile "$root/examples/discrete.mlir" -o "$work/uniform.so"
"$build/bin/fm-run" compile "$root/examples/discrete-mask.mlir" -o "$work/mask.so"

run() { # source seed steps
  local so=$work/$1.so out=$work/$1-$2-$3
  taskset -c "$core" "$build/bin/fm-exec" train "$so" --data checkerboard-tokens \
    --steps "$3" --seed "$2" -o "$out.safetensors" | sed 's/; wrote.*//'
  taskset -c "$core" "$build/bin/fm-exec" sample "$so" --checkpoint "$out.safetensors" \
    -n 10000 --steps 64 --seed 1 -o "$out.npy" | sed 's/; wrote.*//'
  printf '%s seed %s, %s steps: ' "$1" "$2" "$3"
  "$build/bin/fm-exec" eval "$out.npy" --data checkerboard-tokens | grep 'hit rate'
}

for seed in 0 1 2; do
  for steps in 500 1000 2000; do
    run uniform "$seed" "$steps"
  done
done
run mask 0 2000
