#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The project's main job on its built-in default: install what is missing, build (Release), and
# train + evaluate on the embedded demo data. Extra arguments go to the demo program.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh
cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DIMRAM_CUDA="${IMRAM_CUDA:-AUTO}" >/dev/null
cmake --build build/release --target imram_demo -j"$(nproc)"
exec build/release/imram_demo "$@"
