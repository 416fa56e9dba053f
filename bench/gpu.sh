#!/usr/bin/env bash
# FM-MLIR's CUDA backend against PyTorch eager and torch.compile on the same
# GPU, side by side in one run (issue 13's speed goals). Runs on the GPU
# machine, from scripts/gpu-check.sh, with the programs scripts/gpu-bundle.sh
# compiled:
#
#   bench/gpu.sh BUNDLE_DIR OUT_DIR
#
# Times: FM-MLIR's from fm-exec's own report (the training loop, the
# sampler call), PyTorch's from bench/pytorch_gpu.py (after warm-up; the
# compile time printed apart), and for the large MLP the rate of its
# products against the same products as plain cuBLAS calls
# (`pytorch_gpu.py --mode gemm`). Prints one table and that line; record
# them in bench/RESULTS.md with the card's name.
set -euo pipefail
bundle=$1
out=$2
mkdir -p "$out"
here=$(cd "$(dirname "$0")" && pwd)
card=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)

seconds() { sed -n "s/.* in \([0-9.]*\) s.*/\1/p" | head -1; }

fm_train() { # PROGRAM STEPS
  fm-exec train "$1" --steps "$2" --log-every "$2" -o "$out/model.safetensors" \
    2>/dev/null | seconds
}
fm_sample() { # PROGRAM
  fm-exec sample "$1" --checkpoint "$out/model.safetensors" -n 10000 \
    --solver midpoint --steps 100 -o "$out/samples.npy" | seconds
}
torch_run() { # MODE ARGS... -> "train sample compile"
  python3 "$here/pytorch_gpu.py" --mode "$@" |
    awk '{v[$1]=$2} END {print v["train"], v["sample"], v["compile"]}'
}

echo "GPU: $card"
echo
echo "| what | FM-MLIR cuda | PyTorch eager | torch.compile | eager / FM | compile / FM |"
echo "|---|---|---|---|---|---|"
moons=$bundle/programs/moons-cuda.so
fm_t=$(fm_train "$moons" 10000)
fm_s=$(fm_sample "$moons")
read -r e_t e_s e_c <<<"$(torch_run eager)"
read -r c_t c_s c_c <<<"$(torch_run compile)"
row() { # NAME FM EAGER COMPILE
  awk -v n="$1" -v f="$2" -v e="$3" -v c="$4" 'BEGIN {
    printf "| %s | %.3f s | %.3f s | %.3f s | %.2f | %.2f |\n", n, f, e, c, e / f, c / f }'
}
row "moons training, 10,000 steps" "$fm_t" "$e_t" "$c_t"
row "moons sampling, 10,000 points, 100 midpoint steps" "$fm_s" "$e_s" "$c_s"

big=$bundle/programs/mlp1024-cuda.so
if [ -f "$big" ]; then
  steps=200
  fm_t=$(fm_train "$big" $steps)
  read -r e_t _ _ <<<"$(torch_run eager --width 1024 --act silu --batch 65536 --steps $steps --sample-steps 1)"
  read -r c_t _ c_c2 <<<"$(torch_run compile --width 1024 --act silu --batch 65536 --steps $steps --sample-steps 1)"
  row "MLP width 1024 (SiLU), batch 65,536: $steps training steps" "$fm_t" "$e_t" "$c_t"
  # The products' share of cuBLAS's own throughput on the same shapes: the
  # step's product FLOP over FM-MLIR's whole step time is a lower bound on
  # the rate of its products (the step does more than the products).
  read -r g_s g_flop <<<"$(python3 "$here/pytorch_gpu.py" --mode gemm --width 1024 --batch 65536 |
    awk '{v[$1]=$2} END {print v["gemm"], v["gemm_flop"]}')"
  awk -v f="$fm_t" -v n=$steps -v g="$g_s" -v flop="$g_flop" 'BEGIN {
    fm = flop / (f / n) / 1e12; cublas = flop / g / 1e12
    printf "\nMLP products: FM-MLIR at least %.1f TFLOP/s (whole step), cuBLAS alone %.1f TFLOP/s: %.0f%% (goal 60%%)\n",
      fm, cublas, 100 * fm / cublas }'
fi
echo
echo "torch.compile's compile time (not in the times above): ${c_c} s (moons)"
