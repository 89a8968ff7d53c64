#!/bin/sh
# Findings floods (issue 10): builds bench/filter_bench.c against the
# library; locates, filters and merges n findings of one file (default
# 300,000) and n / 4 in the same run.  Prints figures and ratios; never
# fails on time.
#   sh bench/filter.sh [n] [reps]
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
	-o "$root/$BUILD/bench/filter_bench" "$here/filter_bench.c" \
	"$root/$BUILD/libpushfix.a" $(pkg-config --libs $PKGS) -lpthread -lm
exec "$root/$BUILD/bench/filter_bench" "${1:-300000}" "${2:-3}"
