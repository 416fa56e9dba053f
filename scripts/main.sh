#!/usr/bin/env bash
# The main job: set up, build, then train the seeds' moons flow from
# examples/moons.mlir (10,000 Adam steps, batch 256, keeping an exponential
# moving average of the parameters for sampling), sample 10,000 points
# with 8 midpoint steps, and write out/samples.npy, out/samples.png and the
# checkpoint out/moons.safetensors; finally report the exact W2 distance to
# fresh make_moons data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"

build=${FM_BUILD_DIR:-$root/build}
out=${FM_OUT_DIR:-$root/out}
mkdir -p "$out"
example=$root/examples/moons.mlir
"$build/bin/fm-run" train "$example" --data moons --steps 10000 --seed 0 \
  --ema 0.999 -o "$out/moons.safetensors"
"$build/bin/fm-run" sample "$example" --checkpoint "$out/moons.safetensors" \
  -n 10000 --solver midpoint --steps 8 --seed 1 \
  -o "$out/samples.npy" --plot "$out/samples.png"
"$build/bin/fm-run" eval "$out/samples.npy" --data moons
