#!/usr/bin/env bash
# Installs FM-MLIR's dependencies (scripts/setup.sh) and Debian's
# libclang-rt-22-dev, the run time of libFuzzer and the sanitizers, which
# scripts/fuzz.sh and scripts/sanitize.sh need. Idempotent.
set -euo pipefail
"$(dirname "$0")/setup.sh"
if ! dpkg-query -W -f='${Status}' libclang-rt-22-dev 2>/dev/null |
    grep -q "install ok installed"; then
  sudo=()
  [[ $(id -u) -ne 0 ]] && sudo=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q \
    --no-install-recommends libclang-rt-22-dev
fi
