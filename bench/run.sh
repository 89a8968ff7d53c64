#!/bin/sh
# pushfix benchmark: `make bench` (or PUSHFIX_BIN=path sh bench/run.sh).
# Prints figures and ratios measured in one run; never fails on time.
# Knobs: BENCH_FILES BENCH_LINES BENCH_CHANGED BENCH_COMMITS BENCH_REPS
# BENCH_KEEP (see bench/run.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${PUSHFIX_BIN:=$here/../build/default/pushfix}"
export PUSHFIX_BIN
exec python3 "$here/run.py" "$@"
