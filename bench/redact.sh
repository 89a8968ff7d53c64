#!/bin/sh
# Redaction throughput (issue 3): builds bench/redact_bench.c against the
# library and runs it on a generated ~10 MB source file dense with
# secrets, e-mails, hosts, IPs and names, beside a plain memcpy of the same
# bytes in the same run, then plain code; medians of the runs (CPU time).
# Prints figures; never fails on time.
#   sh bench/redact.sh [MB] [reps] [dense|plain]
set -eu
. "$(dirname "$0")/lib.sh"
bin=$(bench_c redact_bench)
exec "$bin" "${1:-10}" "${2:-5}" ${3:+"$3"}
