#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The demo over several seeds: trains full IMRAM, SCAN (t2i) and VSE++ on the built-in demo data with
# the demo's defaults (as scripts/demo.sh does) once per seed, and prints min / median / max of the
# test rsum per model, with how many runs collapsed. A benchmark of the recipe's robustness, not a
# test: it takes about two minutes per seed on 2 cores.
#
#   scripts/demo_bench.sh [--seeds "1 2 3"] [--out runs/demo_bench] [-- extra imram train options]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

seeds="1 2 3"
out=runs/demo_bench
extra=()
while (($#)); do
    case "$1" in
        --seeds) seeds=$2; shift ;;
        --out) out=$2; shift ;;
        --) shift; extra=("$@"); break ;;
        -h | --help) sed -n '3,9p' "$0"; exit 0 ;;
        *) echo "demo_bench.sh: unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

if [[ ! -x build/release/imram ]]; then
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DIMRAM_CUDA="${IMRAM_CUDA:-AUTO}" >/dev/null
fi
cmake --build build/release --target imram -j"$(nproc)" >/dev/null

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
family=$(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -1)
if grep -qw avx512f /proc/cpuinfo; then isa="AVX-512"; else isa="AVX2"; fi
arch=$(sed -n 's/^IMRAM_ARCH:[A-Z]*=//p' build/release/CMakeCache.txt)
echo "demo benchmark: seeds $seeds; $cpu (family $family, $isa), $(nproc) cores; -march=${arch:-compiler default};" \
    "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}; $(build/release/imram --version | sed -n 's/.*\(GEMM [^,]*\).*/\1/p')"
mkdir -p "$out"
table="$out/rsum.tsv"
: >"$table"
for s in $seeds; do
    start=$SECONDS
    log="$out/seed$s.log"
    build/release/imram train --seed "$s" --run_dir "$out/seed$s" --overwrite --log_step 0 --compare scan_t2i vse \
        "${extra[@]}" >"$log" 2>"$out/seed$s.err"
    # The comparison table's rows: model, six recalls, rsum.
    awk -v seed="$s" '/^comparison on/ {on = 1; next} on && NF == 8 && $1 != "model" {print seed "\t" $1 "\t" $8}' \
        "$log" >>"$table"
    collapsed=$(grep -c 'training has collapsed' "$out/seed$s.err" || true)
    printf '  seed %-4s %4ds  %s  (collapsed epochs: %s)\n' "$s" $((SECONDS - start)) \
        "$(awk -v seed="$s" '$1 == seed {printf "%s %s  ", $2, $3}' "$table")" "$collapsed"
done
echo ""
printf '  %-12s %5s %8s %8s %8s\n' model runs min median max
for m in $(cut -f2 "$table" | awk '!seen[$0]++'); do
    awk -F'\t' -v m="$m" '$2 == m {print $3}' "$table" | sort -g | awk -v m="$m" '
        {v[NR] = $1}
        END {med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
             printf "  %-12s %5d %8.1f %8.1f %8.1f\n", m, NR, v[1], med, v[NR]}'
done
