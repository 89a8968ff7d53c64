#!/bin/sh
# Findings floods (issue 10): builds bench/filter_bench.c against the
# library; locates, filters and merges n findings of one file (default
# 300,000) and n / 4 in the same run.  Prints figures and ratios; never
# fails on time.
#   sh bench/filter.sh [n] [reps]
set -eu
. "$(dirname "$0")/lib.sh"
bin=$(bench_c filter_bench)
exec "$bin" "${1:-300000}" "${2:-3}"
