#!/usr/bin/env bash
# The main job: set up, build, compile examples/moons.mlir into
# out/moons.so, then with fm-exec train the seeds' moons flow (10,000 Adam
# steps, batch 256, keeping an exponential moving average of the parameters
# for sampling), sample 10,000 points with 8 midpoint steps, and write
# out/samples.npy, out/samples.png and the checkpoint out/moons.safetensors;
# finally report the exact W2 distance to fresh make_moons data.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/setup.sh"
"$root/scripts/build.sh"

build=${FM_BUILD_DIR:-$root/build}
out=${FM_OUT_DIR:-$root/out}
mkdir -p "$out"
example=$root/examples/moons.mlir
# Compile the program once; fm-exec then runs the library without the
# compiler (about a tenth of fm-run's memory).
"$build/bin/fm-run" compile "$example" -o "$out/moons.so"
"$build/bin/fm-exec" train "$out/moons.so" --data moons --steps 10000 \
  --seed 0 --ema 0.999 -o "$out/moons.safetensors"
"$build/bin/fm-exec" sample "$out/moons.so" \
  --checkpoint "$out/moons.safetensors" -n 10000 --solver midpoint \
  --steps 8 --seed 1 -o "$out/samples.npy" --plot "$out/samples.png"
"$build/bin/fm-exec" eval "$out/samples.npy" --data moons
