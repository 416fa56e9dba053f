#!/usr/bin/env bash
# Compiles examples/moons.mlir once per backend (dnnl: oneDNN calls, where
# built; linalg: generated vector code) with `fm-run compile`, then with
# fm-exec (no compiler linked) trains it for seeds 0, 1 and 2 (10,000
# steps, one core), samples 10,000 points with midpoint at 8 and 100 steps,
# and reports wall times, peak RSS and the exact W2 against 2,000 fresh
# make_moons points; also the seed's recipe with --ema 0.999, and one JIT
# run of fm-run per backend, to compare with the compiled library.
# Where Debian's python3-torch and python3-sklearn are installed it runs the
# seed's PyTorch loop (bench/pytorch_moons.py) side by side, on the same
# core, and evaluates its samples with the same fm-exec eval. REFERENCE.md's
# PyTorch numbers use OpenBLAS (Debian's libopenblas0-pthread); with
# Debian's default netlib BLAS PyTorch trains about 3x slower. The script
# prints which BLAS is in use.
#
# usage: bench/moons.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
fm_run=$build/bin/fm-run
fm_exec=$build/bin/fm-exec
example=$root/examples/moons.mlir
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Runs a command on core 0 and appends its peak RSS (MB) to its output.
timed() {
  /usr/bin/time -f "peak RSS %M KB" -o "$work/rss" taskset -c 0 "$@"
  awk '{printf "  (%s %.0f MB)\n", "peak RSS", $3 / 1024}' "$work/rss"
}

export OMP_NUM_THREADS=1
backends=linalg
if "$fm_run" compile "$example" --backend dnnl -o "$work/probe.so" \
    >/dev/null 2>&1; then
  backends="dnnl linalg"
fi
for backend in $backends; do
  start=$(date +%s.%N)
  taskset -c 0 "$fm_run" compile "$example" --backend "$backend" \
    -o "$work/moons-$backend.so"
  awk -v s="$start" -v e="$(date +%s.%N)" -v b="$backend" \
    'BEGIN { printf "compile %s: %.2f s\n", b, e - s }'
  # The same training run through the JIT, for its time and memory.
  timed "$fm_run" train "$example" --data moons --steps 10000 --seed 0 \
    --backend "$backend" -o "$work/jit-$backend.safetensors" 2>/dev/null |
    sed "s/^/seed 0: $backend (JIT, fm-run): /"
done

for seed in 0 1 2; do
  for backend in $backends; do
    program=$work/moons-$backend.so
    tag="seed $seed: $backend:"
    timed "$fm_exec" train "$program" --data moons --steps 10000 \
      --seed "$seed" -o "$work/$backend$seed.safetensors" 2>/dev/null |
      sed "s/^/$tag /"
    for steps in 8 100; do
      timed "$fm_exec" sample "$program" \
        --checkpoint "$work/$backend$seed.safetensors" -n 10000 \
        --solver midpoint --steps "$steps" --seed 1 \
        -o "$work/$backend$seed-$steps.npy" | sed "s/^/$tag /"
    done
    "$fm_exec" eval "$work/$backend$seed-8.npy" --data moons --seed 7 |
      grep W2 | sed "s/^/$tag midpoint 8 steps /"
  done
  # The same recipe with an exponential moving average of the parameters.
  program=$work/moons-${backends%% *}.so
  taskset -c 0 "$fm_exec" train "$program" --data moons --steps 10000 \
    --seed "$seed" --ema 0.999 -o "$work/ema$seed.safetensors" 2>/dev/null |
    sed "s/^/seed $seed: ema 0.999: /"
  taskset -c 0 "$fm_exec" sample "$program" \
    --checkpoint "$work/ema$seed.safetensors" -n 10000 --solver midpoint \
    --steps 8 --seed 1 -o "$work/ema$seed-8.npy" >/dev/null
  "$fm_exec" eval "$work/ema$seed-8.npy" --data moons --seed 7 |
    grep W2 | sed "s/^/seed $seed: ema 0.999: midpoint 8 steps /"
  if /usr/bin/python3 -c "import torch, sklearn" 2>/dev/null; then
    if ((seed == 0)); then
      echo "pytorch BLAS: $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
    fi
    OPENBLAS_NUM_THREADS=1 timed /usr/bin/python3 \
      "$root/bench/pytorch_moons.py" "$seed" "$work"
    "$fm_exec" eval "$work/torch-$seed-8.npy" --data moons --seed 7 |
      grep W2 | sed "s/^/seed $seed: pytorch midpoint 8 steps /"
  fi
done
