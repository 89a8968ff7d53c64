#!/bin/sh
# Redaction throughput (issue 3): builds bench/redact_bench.c against the
# library and runs it on a generated ~10 MB source file dense with
# secrets, e-mails, hosts, IPs and names, beside a plain memcpy of the same
# bytes in the same run.  Prints figures; never fails on time.
#   sh bench/redact.sh [MB] [reps]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-build/default}
PKGS="libgit2 libcurl libcjson inih openssl libpcre2-8"
make -s -C "$root" "$BUILD/libpushfix.a"
mkdir -p "$root/$BUILD/bench"
# shellcheck disable=SC2046
cc -std=c11 -D_GNU_SOURCE -O2 -g -I"$root/include" \
	$(pkg-config --cflags $PKGS) \
	-o "$root/$BUILD/bench/redact_bench" "$here/redact_bench.c" \
	"$root/$BUILD/libpushfix.a" $(pkg-config --libs $PKGS) -lpthread -lm
exec "$root/$BUILD/bench/redact_bench" "${1:-10}" "${2:-5}"
