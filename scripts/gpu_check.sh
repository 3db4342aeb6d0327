#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# For a machine with a GPU: build with the CUDA backend, run the real-GPU tests (a missing device
# is a failure here, not a skip), and write the CUDA benchmarks to JSON.
#
#   scripts/gpu_check.sh [OUT_DIR]       (default: build/gpu-results)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
OUT=${1:-build/gpu-results}
mkdir -p "$OUT"
bash scripts/setup.sh
cmake -S . -B build/gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DIMRAM_CUDA=ON -DIMRAM_WERROR=ON \
    -DIMRAM_BUILD_TESTS=ON -DIMRAM_BUILD_BENCH=ON
cmake --build build/gpu -j"$(nproc)" --target imram_gpu_tests imram_bench_cuda
nvidia-smi > "$OUT/nvidia-smi.txt" 2>&1 || true
REQUIRE_GPU=1 build/gpu/tests/imram_gpu_tests "[parity]" --order lex 2>&1 | tee "$OUT/gpu_tests.txt"
if command -v compute-sanitizer > /dev/null; then
    compute-sanitizer --tool memcheck --error-exitcode=1 build/gpu/tests/imram_gpu_tests "[parity]" \
        > "$OUT/memcheck.txt" 2>&1
fi
build/gpu/bench/imram_bench_cuda --benchmark_out="$OUT/bench_cuda.json" --benchmark_out_format=json
echo "results in $OUT"
