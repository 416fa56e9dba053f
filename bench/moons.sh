#!/usr/bin/env bash
# Trains examples/moons.mlir with fm-run for seeds 0, 1 and 2 (10,000 steps,
# one core) with each backend (dnnl: oneDNN calls, where built; linalg:
# generated vector code), samples 10,000 points with midpoint at 8 and 100
# steps, and reports wall times, peak RSS and the exact W2 against 2,000
# fresh make_moons points; also the seed's recipe with --ema 0.999.
# Where Debian's python3-torch and python3-sklearn are installed it runs the
# seed's PyTorch loop (bench/pytorch_moons.py) side by side, on the same
# core, and evaluates its samples with the same fm-run eval.
#
# usage: bench/moons.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
fm_run=$build/bin/fm-run
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

backends=linalg
if "$fm_run" train "$root/examples/moons.mlir" --steps 1 --backend dnnl \
    -o "$work/probe.safetensors" >/dev/null 2>&1; then
  backends="dnnl linalg"
fi

# Runs a command on core 0 and appends its peak RSS (MB) to its output.
timed() {
  /usr/bin/time -f "peak RSS %M KB" -o "$work/rss" taskset -c 0 "$@"
  awk '{printf "  (%s %.0f MB)\n", "peak RSS", $3 / 1024}' "$work/rss"
}

export OMP_NUM_THREADS=1
for seed in 0 1 2; do
  for backend in $backends; do
    tag="seed $seed: $backend:"
    timed "$fm_run" train "$root/examples/moons.mlir" --data moons \
      --steps 10000 --seed "$seed" --backend "$backend" \
      -o "$work/$backend$seed.safetensors" 2>/dev/null | sed "s/^/$tag /"
    for steps in 8 100; do
      timed "$fm_run" sample "$root/examples/moons.mlir" --backend "$backend" \
        --checkpoint "$work/$backend$seed.safetensors" -n 10000 \
        --solver midpoint --steps "$steps" --seed 1 \
        -o "$work/$backend$seed-$steps.npy" | sed "s/^/$tag /"
    done
    "$fm_run" eval "$work/$backend$seed-8.npy" --data moons --seed 7 \
      | grep W2 | sed "s/^/$tag midpoint 8 steps /"
  done
  # The same recipe with an exponential moving average of the parameters.
  taskset -c 0 "$fm_run" train "$root/examples/moons.mlir" --data moons \
    --steps 10000 --seed "$seed" --ema 0.999 -o "$work/ema$seed.safetensors" \
    2>/dev/null | sed "s/^/seed $seed: ema 0.999: /"
  taskset -c 0 "$fm_run" sample "$root/examples/moons.mlir" \
    --checkpoint "$work/ema$seed.safetensors" -n 10000 --solver midpoint \
    --steps 8 --seed 1 -o "$work/ema$seed-8.npy" >/dev/null
  "$fm_run" eval "$work/ema$seed-8.npy" --data moons --seed 7 \
    | grep W2 | sed "s/^/seed $seed: ema 0.999: midpoint 8 steps /"
  if /usr/bin/python3 -c "import torch, sklearn" 2>/dev/null; then
    OPENBLAS_NUM_THREADS=1 timed /usr/bin/python3 \
      "$root/bench/pytorch_moons.py" "$seed" "$work"
    "$fm_run" eval "$work/torch-$seed-8.npy" --data moons --seed 7 \
      | grep W2 | sed "s/^/seed $seed: pytorch midpoint 8 steps /"
  fi
done
