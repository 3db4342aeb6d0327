#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The project's one test command: dependency check, then configure + build + ctest for
#   (a) a Release build (tests + benchmarks, -Werror) in build/release, for the default CPU target
#       x86-64-v3 (AVX2; what scripts/demo.sh and the installed package use)
#   (b) the cpu kernels compiled (not run) for x86-64-v4 (AVX-512) with -Werror, so a change that
#       breaks the build on the other kind of CPU fails here whatever this CPU is
#   (c) an AddressSanitizer + UBSan build (tests, -Werror) in build/asan, for -march=native: every
#       test runs on this CPU's own instruction set too (AVX-512 where it has it)
#
#   scripts/test.sh [--release-only | --asan-only] [--jobs N]
#
# Environment: IMRAM_CUDA=AUTO|ON|OFF (default AUTO) is passed to both configures.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

usage() {
    cat <<USAGE
usage: $(basename "$0") [--release-only | --asan-only] [--jobs N]
  --release-only  only the Release build and tests (build/release)
  --asan-only     only the address;undefined sanitizer build and tests (build/asan)
  --jobs N, -j N  parallel build and ctest jobs (default: nproc = $(nproc))
  -h, --help      this help
Environment: IMRAM_CUDA=AUTO|ON|OFF (default AUTO)
USAGE
}

run_release=1
run_asan=1
jobs=$(nproc)
while (($#)); do
    case "$1" in
        --release-only)
            run_release=1
            run_asan=0
            ;;
        --asan-only)
            run_release=0
            run_asan=1
            ;;
        --jobs | -j)
            if (($# < 2)); then
                echo "test.sh: $1 needs a value" >&2
                exit 2
            fi
            jobs=$2
            shift
            ;;
        --jobs=*) jobs=${1#--jobs=} ;;
        -j[0-9]*) jobs=${1#-j} ;;
        -h | --help)
            usage
            exit 0
            ;;
        *)
            echo "test.sh: unknown option: $1" >&2
            usage >&2
            exit 2
            ;;
    esac
    shift
done
if ! [[ "$jobs" =~ ^[1-9][0-9]*$ ]]; then
    echo "test.sh: --jobs wants a positive integer, got '$jobs'" >&2
    exit 2
fi
if ((run_release == 0 && run_asan == 0)); then
    echo "test.sh: nothing to do" >&2
    exit 2
fi

CUDA_MODE=${IMRAM_CUDA:-AUTO}
current_phase=""
summary=()

on_exit() {
    local rc=$?
    if ((rc != 0)) && [[ -n "$current_phase" ]]; then
        echo "" >&2
        echo "==== FAILED: $current_phase (exit $rc) after $((SECONDS - phase_start))s ====" >&2
    fi
}
trap on_exit EXIT

phase_begin() {
    current_phase=$1
    phase_start=$SECONDS
    echo ""
    echo "==== $current_phase ===="
}

phase_end() {
    local elapsed=$((SECONDS - phase_start))
    echo "==== done: $current_phase (${elapsed}s) ===="
    summary+=("$(printf '%-48s %5ds' "$current_phase" "$elapsed")")
    current_phase=""
}

# A build directory configured with another generator cannot be reused with -G Ninja: drop its cache.
reset_if_other_generator() {
    local dir=$1
    if [[ -f "$dir/CMakeCache.txt" ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$dir/CMakeCache.txt"; then
        echo "test.sh: $dir was configured with another generator; removing its CMake cache" >&2
        rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
    fi
}

# build_and_test DIR [cmake args...]: configure, build and ctest one build tree.
build_and_test() {
    local dir=$1
    shift
    reset_if_other_generator "$dir"
    echo "-- configure $dir"
    cmake -S . -B "$dir" -G Ninja -DIMRAM_CUDA="$CUDA_MODE" "$@"
    if grep -q '^CMAKE_CUDA_COMPILER:[A-Z]*=.' "$dir/CMakeCache.txt"; then
        echo "-- $dir: CUDA kernels built by nvcc and by the SIMT emulator"
    else
        echo "-- $dir: CUDA kernels built for the SIMT emulator only (IMRAM_CUDA=$CUDA_MODE)"
    fi
    echo "-- build $dir (-j$jobs)"
    cmake --build "$dir" -j"$jobs"
    echo "-- test $dir (-j$jobs)"
    ctest --test-dir "$dir" --output-on-failure -j"$jobs"
}

total_start=$SECONDS

phase_begin "setup: dependency check"
bash "$ROOT/scripts/setup.sh"
phase_end

if ((run_release)); then
    phase_begin "release: build/release (Release, tests+bench)"
    build_and_test build/release \
        -DCMAKE_BUILD_TYPE=Release \
        -DIMRAM_WERROR=ON \
        -DIMRAM_MPI=ON \
        -DIMRAM_FAISS=ON \
        -DIMRAM_ONEDNN=ON \
        -DIMRAM_BUILD_TESTS=ON \
        -DIMRAM_BUILD_BENCH=ON
    phase_end
fi

if ((run_release)); then
    # The installed package from an application's side: install to a temporary prefix, build the
    # separate project in examples/consumer with find_package(imram), run it on the demo data.
    phase_begin "package: install + examples/consumer"
    pkg_tmp=$(mktemp -d)
    cmake --install build/release --prefix "$pkg_tmp/prefix" >/dev/null
    reset_if_other_generator build/consumer
    cmake -S examples/consumer -B build/consumer -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$pkg_tmp/prefix"
    cmake --build build/consumer -j"$jobs"
    build/release/imram export-demo "$pkg_tmp/data" >/dev/null
    build/release/imram train --data_path "$pkg_tmp/data" --data_name demo_precomp --vocab_path "$pkg_tmp/data/vocab" \
        --model_mode scan_t2i --iteration_step 1 --embed_size 16 --word_dim 8 --num_epochs 1 --batch_size 100 \
        --log_step 0 --run_dir "$pkg_tmp/run" >/dev/null
    build/consumer/imram_consumer "$pkg_tmp/run/model_best.safetensors" "$pkg_tmp/data/vocab/demo_precomp_vocab.json" \
        "$pkg_tmp/data/demo_precomp/test_ims.npy" "$pkg_tmp/data/demo_precomp/test_caps.txt"
    # Two-stage search (docs/embedding.md): a VSE++ first stage, the SCAN model above re-ranks; run
    # twice, building the index and then loading it.
    build/release/imram train --data_path "$pkg_tmp/data" --data_name demo_precomp --vocab_path "$pkg_tmp/data/vocab" \
        --model_mode vse --embed_size 16 --word_dim 8 --num_epochs 1 --batch_size 100 --log_step 0 \
        --run_dir "$pkg_tmp/vse" >/dev/null
    for _ in build load; do
        build/consumer/imram_two_stage "$pkg_tmp/vse/model_best.safetensors" "$pkg_tmp/run/model_best.safetensors" \
            "$pkg_tmp/data/vocab/demo_precomp_vocab.json" "$pkg_tmp/data/demo_precomp/test_ims.npy" \
            "$pkg_tmp/data/demo_precomp/test_caps.txt" "$pkg_tmp/gallery.idx" | grep -E "image [0-9]+  score .*first stage"
    done
    pkg-config --cflags --libs "$pkg_tmp/prefix/lib/pkgconfig/imram.pc" | grep -q -- "-limram_api"
    rm -rf "$pkg_tmp"
    phase_end
fi

if ((run_release)); then
    # The Release build above is x86-64-v3 (AVX2) and the sanitizer build below -march=native, which on
    # an AVX2-only host never sees AVX-512 code. Compile the code that holds the SIMD (Eigen) kernels
    # for x86-64-v4 as well; the warnings that differ between targets are compile-time, so nothing needs
    # to run. (x86-64-v3 is the Release build's own target.)
    for arch in x86-64-v4; do
        phase_begin "arch: cpu kernels for $arch (compile only, -Werror)"
        reset_if_other_generator "build/arch-$arch"
        cmake -S . -B "build/arch-$arch" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIMRAM_CUDA=OFF \
            -DIMRAM_ARCH="$arch" -DIMRAM_WERROR=ON -DIMRAM_BUILD_TESTS=OFF -DIMRAM_BUILD_BENCH=OFF >/dev/null
        cmake --build "build/arch-$arch" --target imram_kernels_cpu -j"$jobs"
        phase_end
    done
fi

if ((run_asan)); then
    phase_begin "asan: build/asan (address;undefined)"
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    # The nvcc build was checked in the release phase; here the CUDA kernels run through the SIMT
    # emulator (always built) under the sanitizers.
    CUDA_MODE=OFF build_and_test build/asan \
        -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        '-DIMRAM_SANITIZE=address;undefined' \
        -DIMRAM_ARCH=native \
        -DIMRAM_WERROR=ON \
        -DIMRAM_MPI=ON \
        -DIMRAM_FAISS=ON \
        -DIMRAM_ONEDNN=ON \
        -DIMRAM_BUILD_TESTS=ON \
        -DIMRAM_BUILD_BENCH=OFF
    unset ASAN_OPTIONS UBSAN_OPTIONS
    phase_end
fi

echo ""
echo "==== summary ===="
for line in "${summary[@]}"; do
    echo "  $line"
done
echo "  all passed in $((SECONDS - total_start))s"
