#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The CPU figures of docs/PERFORMANCE.md ("Against issue 17's goals") on this machine, in one command:
# the measured fp32 peak, the engine's SGEMM, full IMRAM K 3 (D 1024) scoring in fp32 and bf16 with
# the 1K x 5K evaluation it extrapolates to, and the B = 32 training step in fp32 and with bf16
# GEMMs (--bf16_mining --bf16_tape), each as a fraction of the same run's SGEMM and peak. Runs the
# two precisions alternated, --rounds times, and prints min-max per figure as a Markdown table with
# the CPU it ran on, then issue 17's goals scaled to this CPU's peak and whether each measurement met them. A
# benchmark, not a test: about a minute a round on 2 cores.
# --max-isa AVX2 caps oneDNN and the project's dispatched kernels (ONEDNN_MAX_CPU_ISA, kernels/cpu/cpu_isa.h)
# and measures the peak with AVX2 FMAs: on an AVX-512 machine, the code an AVX2-only CPU runs.
#
#   scripts/cpu_report.sh [--rounds 2] [--images 32] [--captions 160] [--steps 4] [--max-isa AVX2]
#                         [--build build/release]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

rounds=2 images=32 captions=160 steps=4 build=build/release max_isa=""
while (($#)); do
    case "$1" in
        --rounds) rounds=$2; shift ;;
        --images) images=$2; shift ;;
        --captions) captions=$2; shift ;;
        --steps) steps=$2; shift ;;
        --build) build=$2; shift ;;
        --max-isa) max_isa=$2; shift ;;
        -h | --help) sed -n '3,15p' "$0"; exit 0 ;;
        *) echo "cpu_report.sh: unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done
((steps >= 2)) || { echo "cpu_report.sh: --steps must be at least 2 (the first step pays the warm-up)" >&2; exit 2; }

step_bin="$build/bench/imram_step"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DIMRAM_BUILD_BENCH=ON >/dev/null
elif ! grep -q '^IMRAM_BUILD_BENCH:BOOL=ON' "$build/CMakeCache.txt"; then
    cmake -S . -B "$build" -DIMRAM_BUILD_BENCH=ON >/dev/null  # a build without the benchmarks: add them
fi
cmake --build "$build" --target imram_step -j"$(nproc)" >/dev/null
[[ -n $max_isa ]] && export ONEDNN_MAX_CPU_ISA=$max_isa

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
family=$(sed -n 's/^cpu family[[:space:]]*: //p' /proc/cpuinfo | head -1)
model=$(sed -n 's/^model[[:space:]]*: //p' /proc/cpuinfo | head -1)
flags=""
for f in avx2 fma avx512f avx512_bf16 amx_bf16; do grep -qw "$f" /proc/cpuinfo && flags+="${flags:+ }$f"; done

log=$(mktemp)
trap 'rm -f "$log" "$log.values"' EXIT
for ((r = 1; r <= rounds; r++)); do
    for p in fp32 bf16; do
        extra=()
        [[ $p == bf16 ]] && extra=(--precision bf16 --bf16-mining 1 --bf16-tape 1)
        echo "== $p" >>"$log"
        OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive} "$step_bin" --eval-images "$images" --eval-captions "$captions" \
            --steps "$steps" "${extra[@]}" >>"$log" 2>&1
    done
done

# One line per figure and run: "name precision value"; the table gives min-max over the rounds.
awk '
    /^== / { p = $2 }
    /^fp32 peak/ {
        for (i = 1; i <= NF; i++) {
            if ($i == "GFLOP/s") print "peak", p, $(i - 1)
            if ($i ~ /-bit$/) { v = $i; sub(/-bit/, "", v); print "peak_bits", p, v }
        }
    }
    /^sgemm/ {
        for (i = 1; i <= NF; i++) {
            if ($i == "GFLOP/s") print "sgemm", p, $(i - 1)
            if ($i == "of" && $(i + 1) == "peak") { v = $(i - 1); sub(/%/, "", v); print "sgemm_pct", p, v }
        }
    }
    /^precision: fp32/ { print "nobf16", p, 1 }
    /^eval:/ {
        for (i = 1; i <= NF; i++) {
            if ($i == "us/pair,") print "us_pair", p, $(i - 1)
            if ($i == "extrapolated:") print "min_1k5k", p, $(i + 1)
        }
    }
    /^scorer:/ {
        for (i = 1; i <= NF; i++)
            if ($i == "sgemm" && $(i + 1) == "rate,") { v = $(i - 3); sub(/%/, "", v); print "scorer_pct", p, v }
    }
    /^train step [1-9]/ { for (i = 1; i <= NF; i++) if ($i == "s" && $(i - 2) ~ /:$/) { print "step", p, $(i - 1); break } }
' "$log" >"$log.values"
range() {  # range NAME PRECISION: "min-max" of the values, or "-" when there are none
    awk -v n="$1" -v p="$2" '$1 == n && $2 == p { v = $3 + 0; if (c == 0 || v < lo) lo = v; if (c == 0 || v > hi) hi = v; c++ }
        END { if (c == 0) print "-"; else if (lo == hi) printf "%g\n", lo; else printf "%g-%g\n", lo, hi }' "$log.values"
}
if [[ $(range step fp32) == - || $(range sgemm fp32) == - ]]; then
    echo "cpu_report.sh: imram_step printed no figures; its output:" >&2
    cat "$log" >&2
    exit 1
fi
bf16_note=""
grep -q '^nobf16 bf16' "$log.values" && bf16_note=" No fast bf16 here (the CPU, or the cap): the bf16 column ran fp32."
lib=$(sed -n 's/^GEMM library: //p' "$log" | head -1)
cap=""
[[ -n ${ONEDNN_MAX_CPU_ISA:-} ]] && cap=" ONEDNN_MAX_CPU_ISA=$ONEDNN_MAX_CPU_ISA;"

echo "CPU: $cpu (family $family, model $model; $flags), $(nproc) cores; OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset};$cap" \
    "GEMM library: $lib. $rounds rounds, fp32 and bf16 alternated; min-max.$bf16_note"
echo "Command: scripts/cpu_report.sh --rounds $rounds --images $images --captions $captions --steps $steps${max_isa:+ --max-isa $max_isa}"
echo
echo "| full IMRAM, K 3, D 1024 | fp32 | bf16 (eval --precision bf16; train --bf16_mining --bf16_tape) |"
echo "|---|---|---|"
echo "| measured fp32 peak ($(range peak_bits fp32)-bit FMAs), GFLOP/s | $(range peak fp32) | |"
echo "| engine SGEMM (1536 x 1024 x 2048), GFLOP/s | $(range sgemm fp32) ($(range sgemm_pct fp32) % of peak) | |"
echo "| fused scorer, $images x $captions pairs, us/pair | $(range us_pair fp32) | $(range us_pair bf16) |"
echo "| its GEMM work's rate, % of the same run's fp32 SGEMM | $(range scorer_pct fp32) | $(range scorer_pct bf16) |"
echo "| 1K x 5K evaluation extrapolated, min | $(range min_1k5k fp32) | $(range min_1k5k bf16) |"
echo "| B = 32 training step (steps after the first), s | $(range step fp32) | $(range step bf16) |"

# Issue 17's "Done when", checked for every measurement (each run of a round; each step of it). The
# goals were set on a Zen 5 whose fp32 peak measured about 538 GFLOP/s; "the same fractions of its
# peak" on another CPU scales each time by 538 / this peak.
peak_mean=$(awk '$1 == "peak" && $2 == "fp32" { s += $3; n++ } END { if (n) printf "%.1f", s / n }' "$log.values")
scale=$(awk -v p="$peak_mean" 'BEGIN { printf "%.3f", 538 / p }')
goal() {  # goal NAME PRECISION le|ge LIMIT: "met in every measurement" / "met in k of n ..." / "not met"
    awk -v n="$1" -v p="$2" -v op="$3" -v lim="$4" '
        $1 == n && $2 == p { c++; v = $3 + 0; if ((op == "le" && v <= lim) || (op == "ge" && v >= lim)) k++ }
        END {
            if (c == 0) print "-"
            else if (k == c) printf "met in every measurement\n"
            else if (k > 0) printf "met in %d of %d measurements\n", k, c
            else print "not met"
        }' "$log.values"
}
lim() { awk -v t="$1" -v s="$scale" 'BEGIN { printf "%.2f", t * s }'; }
echo
echo "Issue 17's goals on this CPU (set on a Zen 5 with a measured fp32 peak of about 538 GFLOP/s; here" \
    "$peak_mean, so a time goal T is T x $scale):"
echo
echo "| goal | here | result |"
echo "|---|---|---|"
echo "| engine SGEMM >= 85 % of the measured peak | $(range sgemm_pct fp32) % | $(goal sgemm_pct fp32 ge 85) |"
echo "| fused scorer >= 85 % of the same run's SGEMM (fp32) | $(range scorer_pct fp32) % | $(goal scorer_pct fp32 ge 85) |"
echo "| 1K x 5K evaluation, fp32 <= 45 min x $scale = $(lim 45) | $(range min_1k5k fp32) | $(goal min_1k5k fp32 le "$(lim 45)") |"
bf16_eval=$(goal min_1k5k bf16 le "$(lim 25)")
[[ -n $bf16_note ]] && bf16_eval="does not apply: no fast bf16 here"
echo "| 1K x 5K evaluation, bf16 <= 25 min x $scale = $(lim 25) (recall: docs/PERFORMANCE.md, \"bf16\") | $(range min_1k5k bf16) | $bf16_eval |"
echo "| B = 32 step <= 1.3 s x $scale = $(lim 1.3), fp32 | $(range step fp32) | $(goal step fp32 le "$(lim 1.3)") |"
echo "| the same, --bf16_mining --bf16_tape${bf16_note:+ (fp32 here)} | $(range step bf16) | $(goal step bf16 le "$(lim 1.3)") |"
