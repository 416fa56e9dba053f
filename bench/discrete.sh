#!/usr/bin/env bash
# Discrete flow matching side by side with its PyTorch twin, one core each
# (taskset -c ${CORE:-0}, one BLAS/OpenMP thread), the way a user runs
# both: examples/discrete.mlir compiled once with `fm-run compile`, then
# `fm-exec train` and `fm-exec sample`; bench/pytorch_discrete.py trains
# the same model with the same recipe and samples with the same solver.
#
#   training  STEPS (default 300) Adam steps at batch 4096 from seed 0;
#             each side's own printed loop time / STEPS (data, source and
#             time draws included on both sides)
#   sampling  10,000 points, 64 steps of the CTMC Euler solver, from the
#             trained model; each side's printed sampling time
#
# The two sides alternate RUNS (default 3) times; medians give the ratios
# PyTorch / FM. Where /usr/bin/python3 lacks Debian's python3-torch only
# the fm-exec side runs. The numbers are only as quiet as the machine.
#
# usage: bench/discrete.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
core=${CORE:-0}
steps=${STEPS:-300}
runs=${RUNS:-3}
python=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

"$build/bin/fm-run" compile "$root/examples/discrete.mlir" -o "$work/d.so"
have_torch=0
"$python" -c 'import torch' 2>/dev/null && have_torch=1

median() { sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
: > "$work/fm-train"; : > "$work/fm-sample"; : > "$work/pt-train"; : > "$work/pt-sample"
for run in $(seq "$runs"); do
  taskset -c "$core" "$build/bin/fm-exec" train "$work/d.so" --data checkerboard-tokens \
    --steps "$steps" --seed 0 -o "$work/d.safetensors" > "$work/train.log"
  sed -n 's/^trained [0-9]* steps in \([0-9.]*\) s.*/\1/p' "$work/train.log" \
    | awk -v n="$steps" '{print 1000 * $1 / n}' >> "$work/fm-train"
  taskset -c "$core" "$build/bin/fm-exec" sample "$work/d.so" --checkpoint "$work/d.safetensors" \
    -n 10000 --steps 64 --seed 1 -o "$work/fm.npy" > "$work/sample.log"
  sed -n 's/^sampled .* in \([0-9.]*\) s;.*/\1/p' "$work/sample.log" >> "$work/fm-sample"
  echo "fm-exec run $run: $(tail -1 "$work/fm-train") ms/step, sampling $(tail -1 "$work/fm-sample") s," \
    "$("$build/bin/fm-exec" eval "$work/fm.npy" --data checkerboard-tokens | grep -o 'hit rate [0-9.]*')"
  if [ "$have_torch" = 1 ]; then
    taskset -c "$core" "$python" "$root/bench/pytorch_discrete.py" uniform 0 "$steps" \
      "$work/pt.npy" > "$work/pt.log" 2> /dev/null
    sed -n 's/^pytorch discrete (uniform): .*(\([0-9.]*\) ms\/step)/\1/p' "$work/pt.log" >> "$work/pt-train"
    sed -n 's/^pytorch discrete: sampled .* in \([0-9.]*\) s/\1/p' "$work/pt.log" >> "$work/pt-sample"
    echo "pytorch run $run: $(tail -1 "$work/pt-train") ms/step, sampling $(tail -1 "$work/pt-sample") s," \
      "$(grep -o 'hit rate [0-9.]*' "$work/pt.log")"
  fi
done

fm_train=$(median < "$work/fm-train"); fm_sample=$(median < "$work/fm-sample")
echo "fm-exec median: training step $fm_train ms, sampling $fm_sample s"
if [ "$have_torch" = 1 ]; then
  pt_train=$(median < "$work/pt-train"); pt_sample=$(median < "$work/pt-sample")
  echo "pytorch median: training step $pt_train ms, sampling $pt_sample s"
  awk -v a="$pt_train" -v b="$fm_train" -v c="$pt_sample" -v d="$fm_sample" \
    'BEGIN {printf "ratio PyTorch/FM: training %.2fx, sampling %.2fx\n", a / b, c / d}'
fi
