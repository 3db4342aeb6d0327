#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the CUDA binaries here and packs them, with the shared libraries they need that a bare GPU
# machine may lack (OpenBLAS, gfortran, Boost.Context, Google Benchmark, libgomp), into one folder
# to carry to a GPU machine that has the NVIDIA driver and CUDA but no build packages. There:
#   scripts/gpu_check.sh --prebuilt DIR
#
#   scripts/gpu_bundle.sh [DIR] [CUDA_ARCHITECTURES]   (defaults: build/gpu-bundle, 90 = Hopper)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DIR=${1:-build/gpu-bundle}
ARCHS=${2:-90}
bash scripts/setup.sh
# Without MPI (and so without NCCL): the bundle must start on a GPU machine that has neither library,
# and NCCL alone would outgrow it.
cmake -S . -B build/gpu-bundle-build -G Ninja -DCMAKE_BUILD_TYPE=Release -DIMRAM_CUDA=ON -DIMRAM_WERROR=ON \
    -DIMRAM_MPI=OFF -DIMRAM_BUILD_TESTS=ON -DIMRAM_BUILD_BENCH=ON -DCMAKE_CUDA_ARCHITECTURES="$ARCHS"
cmake --build build/gpu-bundle-build -j"$(nproc)" --target imram imram_gpu_tests imram_bench_cuda
rm -rf "$DIR"
mkdir -p "$DIR/bin" "$DIR/lib"
cp build/gpu-bundle-build/imram build/gpu-bundle-build/tests/imram_gpu_tests \
    build/gpu-bundle-build/bench/imram_bench_cuda "$DIR/bin/"
# Not the C library, the C++ runtime or CUDA's own: the GPU machine's are newer or must match its driver.
for bin in "$DIR"/bin/*; do
    ldd "$bin" | awk '/=> \// {print $3}'
done | sort -u | grep -Ev '/(libc|libm|libdl|librt|libpthread|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so|/libcu' |
    while read -r lib; do cp -L "$lib" "$DIR/lib/"; done
strip "$DIR"/bin/* "$DIR"/lib/* 2> /dev/null || true
du -sh "$DIR"
ls "$DIR/lib"
