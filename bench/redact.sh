#!/bin/sh
# Redaction throughput (issue 3): builds bench/redact_bench.c against the
# library and runs it on a generated ~10 MB source file dense with
# secrets, e-mails, hosts, IPs and names, beside a plain memcpy of the same
# bytes in the same run, then plain code; medians of the runs (CPU time).
# Then real code: this project's own tracked files, with its remote in the
# context (its name inside identifiers, which the generated inputs lack).
# Prints figures; never fails on time.
#   sh bench/redact.sh [MB] [reps] [dense|plain|real]
set -eu
. "$(dirname "$0")/lib.sh"
bin=$(bench_c redact_bench)
[ "${3:-}" = real ] || "$bin" "${1:-10}" "${2:-5}" ${3:+"$3"}
case ${3:-real} in
real)
	# shellcheck disable=SC2046
	(cd "$root" && exec "$bin" --files "${2:-5}" \
		$(git ls-files src include tests/unit tests/e2e docs))
	;;
esac
