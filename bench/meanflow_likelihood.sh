#!/usr/bin/env bash
# Two side-by-side timings of fm-exec (no compiler linked) against their
# PyTorch twins, on one core (taskset -c 0, one BLAS/OpenMP thread):
#
# (a) MeanFlow training: examples/meanflow.mlir compiled once with
#     `fm-run compile`, then `fm-exec train` for 10,000 steps (seed 0)
#     against bench/pytorch_meanflow.py, the two sides alternated 3 times.
#     fm-exec is measured by its own "trained N steps in X s" line (its
#     training loop, data draws included) and by the wall time of the whole
#     process; PyTorch by its printed loop time (make_moons included, as in
#     the seed's example), the same less make_moons, and its wall time
#     (which adds Python's start-up and torch's import). Both sides' one-step
#     MeanFlow samples from the last run are scored with fm-exec eval (W2).
# (b) Exact log-likelihood: examples/moons.mlir trained for 10,000 steps,
#     10,000 points sampled from it, then `fm-exec likelihood -n 10000
#     --solver midpoint --steps 20 --divergence exact` against
#     bench/pytorch_likelihood.py on the same checkpoint and points, 3
#     alternating runs each. fm-exec is measured by the wall time of the
#     whole process (and its own printed time, if it prints one); a
#     one-point run with the same options gives its start-up cost. PyTorch
#     by its printed integration time and its wall time. Then both mean
#     log p and the per-point differences. Part (b) runs twice: as a user
#     runs it, and with both processes' malloc on transparent huge pages
#     and never returning memory (GLIBC_TUNABLES below). First touches of
#     fresh pages are expensive on this machine class (about 10 us a
#     fault); both sides allocate tens of MB of activations per step, and
#     the second condition shows how much of each side's time that is.
#
# Medians of the 3 runs give the ratios PyTorch/FM. Where /usr/bin/python3
# lacks Debian's python3-torch or python3-sklearn, only the fm-exec side
# runs. The numbers are only as quiet as the machine: anything else running
# on core 0 shows up in both sides' times.
#
# usage: bench/meanflow_likelihood.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
fm_run=$build/bin/fm-run
fm_exec=$build/bin/fm-exec
python=/usr/bin/python3
steps=10000
runs=3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1

# Runs a command on core 0: its stdout goes to $work/out, its wall time in
# seconds to $work/wall, and its stderr (progress lines) is shown only if
# it fails.
wall() {
  local start
  start=$(date +%s.%N)
  if ! taskset -c 0 "$@" >"$work/out" 2>"$work/err"; then
    cat "$work/out" "$work/err" >&2
    echo "failed: $*" >&2
    exit 1
  fi
  awk -v s="$start" -v e="$(date +%s.%N)" \
    'BEGIN { printf "%.3f\n", e - s }' >"$work/wall"
}

# The first "in X s" time of $work/out, or nothing.
printed_seconds() {
  sed -n 's/.* in \([0-9.][0-9.]*\) s\b.*/\1/p' "$work/out" | head -n 1
}

# The median of its arguments.
median() {
  printf '%s\n' "$@" | sort -g |
    awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# a / b with one decimal, "x" appended.
ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1fx", a / b }'
}

# Seconds for `steps` steps as microseconds per step.
per_step() {
  awk -v s="$1" -v n="$steps" 'BEGIN { printf "%.0f", 1e6 * s / n }'
}

torch=0
if "$python" -c "import torch, sklearn" 2>/dev/null; then
  torch=1
  echo "pytorch: $("$python" -c 'import torch; print(torch.__version__)')," \
    "BLAS $(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3)"
else
  echo "pytorch: skipped ($python lacks torch or sklearn)"
fi

echo "== (a) MeanFlow training: examples/meanflow.mlir, $steps steps, seed 0"
start=$(date +%s.%N)
taskset -c 0 "$fm_run" compile "$root/examples/meanflow.mlir" -o "$work/mf.so"
awk -v s="$start" -v e="$(date +%s.%N)" \
  'BEGIN { printf "compile: %.2f s wall\n", e - s }'
fm_tool=() fm_wall=() pt_loop=() pt_nodata=() pt_wall=()
for run in $(seq "$runs"); do
  wall "$fm_exec" train "$work/mf.so" --data moons --steps "$steps" --seed 0 \
    -o "$work/mf.safetensors"
  tool=$(printed_seconds)
  fm_tool+=("$tool") fm_wall+=("$(cat "$work/wall")")
  echo "run $run: fm-exec: $(cat "$work/out")"
  echo "run $run: fm-exec: $(per_step "$tool") us/step (tool)," \
    "$(per_step "$(cat "$work/wall")") us/step (wall $(cat "$work/wall") s)"
  if ((torch)); then
    wall "$python" "$root/bench/pytorch_meanflow.py" 0 "$steps" \
      "$work/torch-mf.npy"
    loop=$(printed_seconds)
    nodata=$(sed -n 's/.* \([0-9][0-9]*\) us\/step without make_moons.*/\1/p' \
      "$work/out")
    pt_loop+=("$loop") pt_nodata+=("$nodata") pt_wall+=("$(cat "$work/wall")")
    sed "s/^/run $run: /" "$work/out"
    echo "run $run: pytorch: wall $(cat "$work/wall") s" \
      "($(per_step "$(cat "$work/wall")") us/step)"
  fi
done
fm_step=$(per_step "$(median "${fm_tool[@]}")")
fm_wall_step=$(per_step "$(median "${fm_wall[@]}")")
echo "median fm-exec: $fm_step us/step (tool), $fm_wall_step us/step (wall)"
if ((torch)); then
  pt_step=$(per_step "$(median "${pt_loop[@]}")")
  pt_nodata_step=$(median "${pt_nodata[@]}")
  pt_wall_step=$(per_step "$(median "${pt_wall[@]}")")
  echo "median pytorch: $pt_step us/step (loop), $pt_nodata_step us/step" \
    "(loop less make_moons), $pt_wall_step us/step (wall)"
  echo "ratio pytorch/fm: $(ratio "$pt_step" "$fm_step") (loop/tool)," \
    "$(ratio "$pt_nodata_step" "$fm_step") (loop less make_moons/tool)," \
    "$(ratio "$pt_wall_step" "$fm_wall_step") (wall/wall)"
fi
# One MeanFlow step from noise to data, scored against fresh moons.
"$fm_exec" sample "$work/mf.so" --checkpoint "$work/mf.safetensors" \
  -n 10000 --solver meanflow --steps 1 --seed 1 -o "$work/fm-mf.npy" \
  >/dev/null
"$fm_exec" eval "$work/fm-mf.npy" --data moons --seed 7 | grep W2 |
  sed "s/^/fm-exec meanflow 1 step: /"
if ((torch)); then
  "$fm_exec" eval "$work/torch-mf.npy" --data moons --seed 7 | grep W2 |
    sed "s/^/pytorch meanflow 1 step: /"
fi

echo "== (b) exact log-likelihood: examples/moons.mlir, 10000 sampled" \
  "points, midpoint 20 steps, exact divergence"
start=$(date +%s.%N)
taskset -c 0 "$fm_run" compile "$root/examples/moons.mlir" -o "$work/m.so"
awk -v s="$start" -v e="$(date +%s.%N)" \
  'BEGIN { printf "compile: %.2f s wall\n", e - s }'
wall "$fm_exec" train "$work/m.so" --data moons --steps "$steps" --seed 0 \
  -o "$work/m.safetensors"
echo "fm-exec: $(cat "$work/out")"
wall "$fm_exec" sample "$work/m.so" --checkpoint "$work/m.safetensors" \
  -n 10000 --solver midpoint --steps 8 --seed 1 -o "$work/points.npy"
echo "fm-exec: $(cat "$work/out")"
likelihood=("$fm_exec" likelihood "$work/m.so" --checkpoint
  "$work/m.safetensors" --data "$work/points.npy" --solver midpoint
  --steps 20 --divergence exact)
huge_pages=glibc.malloc.hugetlb=1:glibc.malloc.trim_threshold=1073741824
huge_pages+=:glibc.malloc.mmap_threshold=1073741824
for malloc in default huge-pages; do
if [[ $malloc == huge-pages ]]; then
  export GLIBC_TUNABLES=$huge_pages
  echo "-- both sides with GLIBC_TUNABLES=$GLIBC_TUNABLES"
else
  echo "-- both sides with the default malloc"
fi
fm_wall=() fm_tool=() pt_loop=() pt_wall=()
for run in $(seq "$runs"); do
  wall "${likelihood[@]}" -n 10000 -o "$work/fm-logp.npy"
  fm_wall+=("$(cat "$work/wall")")
  tool=$(printed_seconds)
  echo "run $run: fm-exec: $(cat "$work/out")"
  if [[ -n $tool ]]; then
    fm_tool+=("$tool")
    echo "run $run: fm-exec: wall $(cat "$work/wall") s, tool $tool s"
  else
    echo "run $run: fm-exec: wall $(cat "$work/wall") s (prints no time)"
  fi
  if ((torch)); then
    wall "$python" "$root/bench/pytorch_likelihood.py" \
      "$work/m.safetensors" "$work/points.npy" 20 "$work/torch-logp.npy"
    pt_loop+=("$(printed_seconds)") pt_wall+=("$(cat "$work/wall")")
    echo "run $run: $(cat "$work/out")"
    echo "run $run: pytorch: wall $(cat "$work/wall") s"
  fi
done
# The process's fixed cost: loading the program and the checkpoint.
wall "${likelihood[@]}" -n 1
echo "fm-exec start-up (the same command on 1 point): wall $(cat "$work/wall") s"
fm_median=$(median "${fm_wall[@]}")
echo -n "median fm-exec: $fm_median s (wall)"
if ((${#fm_tool[@]})); then
  fm_tool_median=$(median "${fm_tool[@]}")
  echo ", $fm_tool_median s (tool)"
else
  echo
fi
if ((torch)); then
  pt_median=$(median "${pt_loop[@]}")
  pt_wall_median=$(median "${pt_wall[@]}")
  echo "median pytorch: $pt_median s (integration), $pt_wall_median s (wall)"
  echo -n "ratio pytorch/fm: $(ratio "$pt_median" "$fm_median")" \
    "(integration/wall), $(ratio "$pt_wall_median" "$fm_median") (wall/wall)"
  if ((${#fm_tool[@]})); then
    echo ", $(ratio "$pt_median" "$fm_tool_median") (integration/tool)"
  else
    echo
  fi
  # Per-point agreement of the two log p, in f64.
  "$python" - "$work/fm-logp.npy" "$work/torch-logp.npy" <<'EOF'
import sys

import numpy as np

fm = np.load(sys.argv[1]).astype(np.float64).ravel()
pt = np.load(sys.argv[2]).astype(np.float64).ravel()
diff = fm - pt
print("mean log p: fm-exec %.4f nats, pytorch %.4f nats" % (fm.mean(),
                                                           pt.mean()))
print("per point (fm-exec - pytorch, %d points): max |diff| %.2e, "
      "mean diff %.2e, rms %.2e" % (len(diff), np.abs(diff).max(),
                                    diff.mean(), np.sqrt((diff ** 2).mean())))
EOF
fi
unset GLIBC_TUNABLES
done
