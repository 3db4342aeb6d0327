#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Builds the libFuzzer targets (fuzz/fuzz_<name>.cpp) with clang in build/fuzz and runs each for a
# bounded time on a copy of its seed corpus (fuzz/corpus/<name>/), so the committed corpus only
# changes when someone decides to add an input.
#
#   scripts/fuzz.sh [TARGET|all] [SECONDS]      e.g. scripts/fuzz.sh npy 60;  scripts/fuzz.sh all 10
#
# A finding stops the run: libFuzzer writes the input to build/fuzz/findings/<name>/crash-* (or
# leak-*, timeout-*, oom-*) and prints how to replay it. Exit status: 0 when every target ran its
# time without a finding. Environment: CXX (default clang++), FUZZ_JOBS (build jobs, default nproc),
# FUZZ_ARGS (extra libFuzzer flags).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

target=${1:-all}
seconds=${2:-60}
if [[ "$target" == -h || "$target" == --help ]]; then
    sed -n '3,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
fi
if ! [[ "$seconds" =~ ^[1-9][0-9]*$ ]]; then
    echo "fuzz.sh: SECONDS must be a positive integer, got '$seconds'" >&2
    exit 2
fi
CXX=${CXX:-clang++}
if ! command -v "$CXX" >/dev/null 2>&1; then
    echo "fuzz.sh: $CXX not found; libFuzzer needs clang (Debian: clang and libclang-rt-14-dev)" >&2
    exit 2
fi

names=()
for src in fuzz/fuzz_*.cpp; do
    n=$(basename "$src" .cpp)
    names+=("${n#fuzz_}")
done
if [[ "$target" != all ]]; then
    if [[ ! -f "fuzz/fuzz_$target.cpp" ]]; then
        echo "fuzz.sh: no target '$target' (have: ${names[*]})" >&2
        exit 2
    fi
    names=("$target")
fi

BUILD=build/fuzz
if [[ -f "$BUILD/CMakeCache.txt" ]] && ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$BUILD/CMakeCache.txt"; then
    rm -rf "$BUILD/CMakeCache.txt" "$BUILD/CMakeFiles"
fi
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER="$CXX" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIMRAM_FUZZ=ON \
    -DIMRAM_BUILD_TESTS=OFF -DIMRAM_INSTALL=OFF -DIMRAM_CUDA=OFF >/dev/null
targets=()
for n in "${names[@]}"; do targets+=("fuzz_$n"); done
cmake --build "$BUILD" -j"${FUZZ_JOBS:-$(nproc)}" --target "${targets[@]}"

# Leaks are reported (a parser that leaks on bad input is a bug); OpenMP's worker pool is not a leak.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
for n in "${names[@]}"; do
    work="$BUILD/corpus/$n"
    findings="$BUILD/findings/$n"
    rm -rf "$work"
    mkdir -p "$work" "$findings"
    cp -r "fuzz/corpus/$n/." "$work/"
    echo "==== fuzz_$n: ${seconds}s on $(find "$work" -type f | wc -l) seed inputs"
    # -timeout: an input that takes a second is a hang for these parsers (they read small files).
    # -rss_limit_mb: a header that makes a parser allocate gigabytes is a finding, not a slow run.
    # shellcheck disable=SC2086
    if ! "$BUILD/fuzz/fuzz_$n" -max_total_time="$seconds" -timeout=2 -rss_limit_mb=2048 -max_len=8192 \
        -print_final_stats=1 -artifact_prefix="$findings/" ${FUZZ_ARGS:-} "$work" 2>"$BUILD/fuzz_$n.log"; then
        status=1
        tail -n 60 "$BUILD/fuzz_$n.log" >&2
        echo "==== fuzz_$n: FINDING (full log $BUILD/fuzz_$n.log; inputs in $findings/)" >&2
        echo "     replay: $BUILD/fuzz/fuzz_$n $findings/<file>" >&2
    else
        grep -E '^stat::(number_of_executed_units|new_units_added|peak_rss_mb)' "$BUILD/fuzz_$n.log" | tr '\n' ' '
        echo ""
    fi
done
exit $status
