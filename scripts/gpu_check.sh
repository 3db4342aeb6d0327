#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# For a machine with a GPU: run the real-GPU tests (a missing device is a failure here, not a skip),
# compute-sanitizer's memcheck on them when it is installed, the CUDA benchmarks (to JSON), and a
# short demo training on the GPU and on the CPU.
#
#   scripts/gpu_check.sh [OUT_DIR]                   build here with the CUDA backend, then check
#   scripts/gpu_check.sh --prebuilt DIR [OUT_DIR]    check with the binaries of scripts/gpu_bundle.sh
#                                                    (for a GPU machine without the build packages)
# OUT_DIR defaults to build/gpu-results.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
prebuilt=""
if [[ "${1:-}" == "--prebuilt" ]]; then
    prebuilt=${2:?--prebuilt needs the bundle folder}
    shift 2
fi
OUT=${1:-build/gpu-results}
mkdir -p "$OUT"
if [[ -n "$prebuilt" ]]; then
    BIN=$prebuilt/bin
    # The bundle's own copies of the libraries the build machine had; CUDA's come from this machine.
    export LD_LIBRARY_PATH="$prebuilt/lib:/usr/local/cuda/lib64:/usr/local/cuda/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    ldd "$BIN/imram" > "$OUT/ldd.txt" 2>&1
    if grep -q "not found" "$OUT/ldd.txt"; then
        echo "gpu_check: missing libraries:" >&2
        grep "not found" "$OUT/ldd.txt" >&2
        exit 1
    fi
else
    bash scripts/setup.sh
    cmake -S . -B build/gpu -G Ninja -DCMAKE_BUILD_TYPE=Release -DIMRAM_CUDA=ON -DIMRAM_WERROR=ON \
        -DIMRAM_BUILD_TESTS=ON -DIMRAM_BUILD_BENCH=ON
    cmake --build build/gpu -j"$(nproc)" --target imram imram_gpu_tests imram_bench_cuda
    BIN=build/gpu/bin
    mkdir -p "$BIN"
    ln -sf "$ROOT/build/gpu/imram" "$ROOT/build/gpu/tests/imram_gpu_tests" "$ROOT/build/gpu/bench/imram_bench_cuda" "$BIN/"
fi
{ nvidia-smi; nproc; grep -m1 'model name' /proc/cpuinfo; } > "$OUT/machine.txt" 2>&1 || true
REQUIRE_GPU=1 "$BIN/imram_gpu_tests" --order lex 2>&1 | tee "$OUT/gpu_tests.txt"
if command -v compute-sanitizer > /dev/null; then
    compute-sanitizer --tool memcheck --error-exitcode=1 "$BIN/imram_gpu_tests" "[parity]" \
        > "$OUT/memcheck.txt" 2>&1
fi
"$BIN/imram_bench_cuda" --benchmark_out="$OUT/bench_cuda.json" --benchmark_out_format=json
# The demo on the GPU and on this machine's CPU: the same recipe, so the rsums should agree closely.
run_dir=$(mktemp -d)
TIMEFORMAT='real %R s'
for dev in cuda cpu; do
    { time "$BIN/imram" train --device "$dev" --run_dir "$run_dir/$dev" --log_step 0; } > "$OUT/demo_$dev.txt" 2>&1 ||
        { cat "$OUT/demo_$dev.txt" >&2; exit 1; }
    grep -E "^rsum|^real" "$OUT/demo_$dev.txt" | sed "s/^/demo on $dev: /"
done
# Several processes on the GPUs through NCCL (a build with MPI and NCCL, as `imram --version` says):
# one process per GPU, at most 2, evaluating the demo model trained above; the matrix must equal the
# one-process GPU matrix to float rounding.
if command -v mpirun > /dev/null && "$BIN/imram" --version | grep -q "NCCL on"; then
    gpus=$(nvidia-smi -L 2> /dev/null | wc -l)
    np=$((gpus >= 2 ? 2 : 1))
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    "$BIN/imram" eval --device cuda --checkpoint "$run_dir/cuda/model_best.safetensors" --save-sims "$OUT/sims_1.npy" \
        > "$OUT/eval_cuda_1.txt" 2>&1 || { cat "$OUT/eval_cuda_1.txt" >&2; exit 1; }
    mpirun -np "$np" "$BIN/imram" eval --device cuda --checkpoint "$run_dir/cuda/model_best.safetensors" \
        --save-sims "$OUT/sims_np.npy" > "$OUT/eval_cuda_np.txt" 2>&1 || { cat "$OUT/eval_cuda_np.txt" >&2; exit 1; }
    grep -E "share the scoring|^rsum" "$OUT/eval_cuda_np.txt" | sed "s/^/mpirun -np $np on cuda: /"
    if [[ -x "$BIN/imram_tensors_close" ]]; then
        "$BIN/imram_tensors_close" "$OUT/sims_np.npy" "$OUT/sims_1.npy" 1e-5 1e-5 | sed "s/^/mpirun -np $np vs 1: /"
    fi
fi
rm -rf "$run_dir"
echo "results in $OUT"
