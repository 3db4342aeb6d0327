#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The project's main job on its built-in default: install what is missing, build (Release), then
# train IMRAM on the built-in demo data and evaluate it (`imram train` with no --data_path).
# Extra arguments go to `imram train` (see `build/release/imram train --help`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DIMRAM_CUDA="${IMRAM_CUDA:-AUTO}" >/dev/null
cmake --build build/release --target imram -j"$(nproc)"
# Full IMRAM on the demo, then SCAN (t2i) and the mean-pooled baseline with the same recipe.
exec build/release/imram train --run_dir runs/demo --overwrite --compare scan_t2i vse "$@"
