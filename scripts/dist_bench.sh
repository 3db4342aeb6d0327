#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Scaling on this machine with 1 and 2 processes (threads x processes = cores): the training step of
# full IMRAM and an evaluation, each timed as a whole command, min / median / max over repeats.
#
#   scripts/dist_bench.sh [BUILD_DIR] [REPEATS] [BATCH]      (defaults: build/release 3 64)
#
# The step time is (time of S2 steps - time of S1 steps) / (S2 - S1), so start-up, data loading and
# the checkpoint write cancel out. Needs a build with MPI (imram --version: "MPI on") and mpirun.
# Not a test: the figures depend on the machine and on what else runs on it.
set -euo pipefail
BUILD=${1:-build/release}
REPEATS=${2:-3}
BATCH=${3:-64}
BIN="$BUILD/imram"
"$BIN" --version | grep -q "MPI on" || { echo "dist_bench: $BIN was built without MPI" >&2; exit 1; }
command -v mpirun > /dev/null || { echo "dist_bench: mpirun not found (apt-get install openmpi-bin)" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
CORES=$(nproc)
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
S1=2
S2=8

# seconds of one command, as a float
seconds() {
    local t0 t1
    t0=$(date +%s.%N)
    "$@" > "$TMP/out.txt" 2>&1 || { cat "$TMP/out.txt" >&2; exit 1; }
    t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}'
}
# min / median / max of the numbers on stdin
stats() { sort -g | awk '{v[NR] = $1} END {printf "%.3f / %.3f / %.3f", v[1], v[int((NR + 1) / 2)], v[NR]}'; }

launch() {  # launch P CMD...: one process as is, several through mpirun
    local p=$1
    shift
    if ((p == 1)); then "$@"; else mpirun -np "$p" --oversubscribe "$@"; fi
}

TRAIN=(train --batch_size "$BATCH" --demo_train_images 1000 --log_step 0 --overwrite)
echo "machine: $CORES cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); $("$BIN" --version)"
echo "OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}"
# A model to evaluate: the demo recipe, one epoch.
"$BIN" train --num_epochs 1 --log_step 0 --run_dir "$TMP/model" > /dev/null 2>&1
for p in 1 2; do
    threads=$((CORES / p > 0 ? CORES / p : 1))
    : > "$TMP/step.txt"
    : > "$TMP/eval.txt"
    for _ in $(seq "$REPEATS"); do
        a=$(seconds launch "$p" "$BIN" "${TRAIN[@]}" --threads "$threads" --max_steps "$S1" --run_dir "$TMP/r$p")
        b=$(seconds launch "$p" "$BIN" "${TRAIN[@]}" --threads "$threads" --max_steps "$S2" --run_dir "$TMP/r$p")
        awk -v a="$a" -v b="$b" -v n=$((S2 - S1)) 'BEGIN {print (b - a) / n}' >> "$TMP/step.txt"
        seconds launch "$p" "$BIN" eval --checkpoint "$TMP/model/model_best.safetensors" --threads "$threads" \
            >> "$TMP/eval.txt"
    done
    echo "$p process(es) x $threads thread(s): full IMRAM train step at batch $BATCH $(stats < "$TMP/step.txt") s;" \
        "eval of demo/test (100 x 500 pairs) $(stats < "$TMP/eval.txt") s (min / median / max of $REPEATS)"
done
