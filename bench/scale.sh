#!/usr/bin/env bash
# FM-MLIR's CPU backend across model sizes, side by side with a PyTorch
# twin of each program (issue 14's matrix):
#
#   networks  MLPs D+1 → W → W → W → D (bench/mlp.py), W = 64, 256, 1024,
#             SiLU and ELU, at batch 256 and 4096; the seed's recipe, with
#             Adam's lr 1e-3 instead of 1e-2 (at 1e-2 the wide networks
#             diverge within a few steps, the SiLU ones at width 64 after
#             about 5,000, and a step on infinities and NaNs does not time
#             what a real step costs)
#   times     one training step (data, forward, backward, Adam) and one
#             sampling step (one network evaluation on 10,000 points)
#   threads   1 and 2, for both sides (taskset, OPENBLAS_NUM_THREADS,
#             torch.set_num_threads; FM-MLIR's --threads)
#   precision FM-MLIR in f32 and with --precision bf16 (bf16 products, f32
#             accumulation) where the CPU has avx512_bf16 (else the bf16
#             columns say n/a); PyTorch in f32
#
# Each program is compiled once (`fm-run compile`, default backend) and run
# with fm-exec. Both sides leave out warm-up (first-touch page faults,
# oneDNN's kernel generation; PyTorch's first calls): a training step is the
# difference of fm-exec's training-loop times for 2 + N and 2 steps, over
# N; a sampling step the difference of fm-exec's sampler-call times for 2M
# and M midpoint steps on 10,000 points, over the M·2 network evaluations.
# PyTorch: bench/pytorch_mlp.py (Debian's torch 1.13 on OpenBLAS), N and M
# repetitions after two warm-up ones. Every run is repeated REPEAT times
# (default 3) and each side keeps its least time. An f32 step whose
# difference comes out faster than the cores' peak (a noisy shorter run) is
# measured again, up to three times, and marked "(noise: over peak)" if it
# stays so. Achieved GFLOP/s count 2
# FLOP per multiply-add of the products (forward; training: forward and the
# two backward products), against the core's peak from fm-bench-fma.
#
# usage: [REPEAT=R] bench/scale.sh [BUILD_DIR] [WIDTHS] [BATCHES] [THREADS]
#        (defaults: build "64 256 1024" "256 4096" "1 2")
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
widths=${2:-64 256 1024}
batches=${3:-256 4096}
thread_counts=${4:-1 2}
# Each side's time is the least of this many runs: on a machine whose other
# tenants share the last-level cache, interference only adds time.
repeat=${REPEAT:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python=/usr/bin/python3

peak=$(taskset -c 0 "$build/bin/fm-bench-fma" | sed -n 's/.*: \([0-9.]*\) GFLOP.*/\1/p')
echo "one core's f32 FMA peak: $peak GFLOP/s"
precisions="f32 bf16"
grep -q avx512_bf16 /proc/cpuinfo || precisions=f32
echo
echo "| W | act | batch | threads | step | FM-MLIR f32 | PyTorch | PyTorch / FM | FM GFLOP/s | % of peak | FM bf16 | f32 / bf16 |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|"

for w in $widths; do
  for act in silu elu; do
    for batch in $batches; do
      prog=$work/mlp-$w-$act-$batch
      lr=1.0e-3
      "$python" "$root/bench/mlp.py" --width "$w" --act "$act" --batch "$batch" --lr "$lr" > "$prog.mlir"
      "$build/bin/fm-run" compile "$prog.mlir" -o "$prog.so" > /dev/null
      # Multiply-adds of one network evaluation per point.
      macs=$(( 3 * w + 2 * w * w + 2 * w ))
      # About three seconds of work per measurement (fm-exec's times vary by
      # ±0.1 s from run to run with the warm-up they include), at least 5
      # repetitions: work in proportion to the core's peak (400 GFLOP of
      # training products at 200 GFLOP/s).
      train_steps=$(( 5 + 2 * ${peak%.*} * 1000000000 / (6 * macs * batch) ))
      train_steps=$(( train_steps > 3000 ? 3000 : train_steps ))
      sample_steps=$(( 5 + ${peak%.*} * 1000000000 / (4 * macs * 10000) ))
      sample_steps=$(( sample_steps > 500 ? 500 : sample_steps ))
      for threads in $thread_counts; do
        cores=$(seq -s, 0 $(( threads - 1 )))
        fm() { OMP_NUM_THREADS=$threads taskset -c "$cores" "$build/bin/fm-exec" "$@" \
          --threads "$threads" 2>/dev/null | sed -n 's/.* in \([0-9.]*\) s.*/\1/p'; }
        train_for() { fm train "$prog.so" --steps "$1" --checkpoint-every 0 --precision "$2" \
          -o "$work/m.safetensors"; }
        sample_for() { fm sample "$prog.so" --checkpoint "$work/m.safetensors" -n 10000 \
          --solver midpoint --steps "$1" --precision "$2" -o "$work/s.npy"; }
        # The least of `repeat` runs of a timing command.
        least() { for _ in $(seq "$repeat"); do "$@"; echo; done |
          awk 'NF && (m == "" || $1 < m) {m = $1} END {print m}'; }
        fm_train_bf16=n/a fm_sample_bf16=n/a
        for precision in $precisions; do
          # A difference of two runs can come out faster than the cores'
          # peak allows, when noise slowed the shorter run: measure such an
          # f32 step again, three times at most, and mark it if it stays so.
          for attempt in 1 2 3; do
            warm=$(least train_for 2 $precision)
            train=$(awk -v a="$(least train_for $(( 2 + train_steps )) $precision)" -v b="$warm" \
              -v n="$train_steps" 'BEGIN { print (a - b) / n }')
            once=$(least sample_for "$sample_steps" $precision)
            sample=$(awk -v a="$(least sample_for $(( 2 * sample_steps )) $precision)" -v b="$once" \
              -v n="$sample_steps" 'BEGIN { print (a - b) / (2 * n) }')
            [ "$precision" = f32 ] || break
            possible=$(awk -v t="$train" -v s="$sample" -v ft=$(( 6 * macs * batch )) \
              -v fs=$(( 2 * macs * 10000 )) -v cap="$peak" -v n="$threads" 'BEGIN {
                cap *= n * 1e9; print (t > 0 && s > 0 && ft / t <= cap && fs / s <= cap) }')
            [ "$possible" = 1 ] && break
            echo "note: W $w $act batch $batch, $threads thread(s): a step faster than peak, measuring again" >&2
          done
          eval "fm_train_$precision=$train fm_sample_$precision=$sample"
        done
        read -r pt_train pt_sample <<<"$(for _ in $(seq "$repeat"); do
          OPENBLAS_NUM_THREADS=$threads OMP_NUM_THREADS=$threads \
          taskset -c "$cores" "$python" "$root/bench/pytorch_mlp.py" --width "$w" --act "$act" \
          --batch "$batch" --threads "$threads" --train-steps "$train_steps" --lr "$lr" \
          --sample-steps "$sample_steps"; done |
          awk '!($1 in v) || $2 < v[$1] {v[$1]=$2} END {print v["train"], v["sample"]}')"
        for step in train sample; do
          if [ $step = train ]; then fm=$fm_train_f32; bf=$fm_train_bf16; pt=$pt_train
            flop=$(( 6 * macs * batch ))
          else fm=$fm_sample_f32; bf=$fm_sample_bf16; pt=$pt_sample
            flop=$(( 2 * macs * 10000 )); fi
          awk -v w="$w" -v a="$act" -v b="$batch" -v th="$threads" -v s="$step" \
              -v fm="$fm" -v bf="$bf" -v pt="$pt" -v f="$flop" -v peak="$peak" 'BEGIN {
            g = f / fm / 1e9
            if (g > peak * th) fm_note = " (noise: over peak)"
            bfTime = bf == "n/a" ? "n/a" : sprintf("%.3f ms", bf * 1e3)
            bfRatio = bf == "n/a" ? "n/a" : sprintf("%.2f", fm / bf)
            printf "| %d | %s | %d | %d | %s | %.3f ms%s | %.3f ms | %.2f | %.1f | %.0f%% | %s | %s |\n",
              w, a, b, th, s, fm * 1e3, fm_note, pt * 1e3, pt / fm, g, 100 * g / (peak * th), bfTime, bfRatio }'
        done
      done
    done
  done
done
