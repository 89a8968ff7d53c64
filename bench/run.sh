#!/bin/sh
# pushfix benchmark: `make bench` (or PUSHFIX_BIN=path sh bench/run.sh).
# Prints figures and ratios measured in one run; never fails on time.
# Knobs: BENCH_FILES BENCH_LINES BENCH_CHANGED BENCH_COMMITS BENCH_REPS
# BENCH_KEEP (see bench/run.py); BENCH_PUSH_COMMITS BENCH_PUSH_REPS
# BENCH_PUSH_TRIAGE_REPS BENCH_PUSH_DELAY_MS (see bench/push.py).
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${PUSHFIX_BIN:=$here/../build/default/pushfix}"
export PUSHFIX_BIN
python3 "$here/run.py" "$@" || exit
# A 150-commit push with the real flawfinder: time to the first question
# and in all, with and without triage (issue 11).
python3 "$here/push.py"
# The first question with 20 slow answers, a hook with nothing to do, the
# peak memory of a 200k-line push (issue 14 items 3, 4).
python3 "$here/quick.py"
# The scan cache and the prescan: a second push of the same blobs, a
# push after the prescan, the post-commit hook's cost (issue 14).
python3 "$here/cache.py"
