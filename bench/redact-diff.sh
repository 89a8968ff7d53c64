#!/bin/sh
# Differential check of the redactor (issue 12 item 4): redact a corpus
# with an old build of the library and with this tree's, compare byte for
# byte.  What is compared: every text redacted with the bench's context
# (names, authors, organisations), without a context, and the secrets
# pf_redact_find_secrets() reports (bench/redact_bench.c --diff).
#
#   sh bench/redact-diff.sh [OLD] [FILE|DIR...]
#
# OLD: a libpushfix.a, or a git revision of this repository whose library
# is built in a temporary directory (default: main), or "sse2": this tree's
# library on both sides, the old side with PUSHFIX_REDACT_SIMD=sse2 (the
# SSE2 classifier against the AVX-512 one, where the CPU has it).  The corpus: every
# tracked file under src/ include/ tests/, the generated dense and plain
# inputs of bench/redact.sh, and the FILEs / files under the DIRs given
# (e.g. a clone of cJSON and its `git log -p`).  SANITIZE=address,undefined
# builds both under the sanitizers.  Exits 1 on the first difference.
set -eu
. "$(dirname "$0")/lib.sh"
old=${1:-main}
[ $# -gt 0 ] && shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
san=${SANITIZE:-}
flags="-O2 -g"
[ -n "$san" ] && flags="$flags -fsanitize=$san -fno-omit-frame-pointer -fno-sanitize-recover=all"
[ -n "$san" ] && BUILD=build/san

oldenv=
if [ "$old" = sse2 ]; then
	oldenv=sse2
	make -s -C "$root" -j2 ${san:+SANITIZE=$san} "$BUILD/libpushfix.a" >&2
	oldlib=$root/$BUILD/libpushfix.a
elif [ -f "$old" ]; then
	oldlib=$old
else
	mkdir "$tmp/old"
	git -C "$root" archive "$old" Makefile src include | tar -x -C "$tmp/old"
	make -s -C "$tmp/old" -j2 ${san:+SANITIZE=$san} "$BUILD/libpushfix.a" >&2
	oldlib=$tmp/old/$BUILD/libpushfix.a
fi
make -s -C "$root" -j2 ${san:+SANITIZE=$san} "$BUILD/libpushfix.a" >&2
newlib=$root/$BUILD/libpushfix.a

link() {
	# shellcheck disable=SC2046,SC2086
	cc -std=c11 -D_GNU_SOURCE $flags -I"$root/include" \
		$(pkg-config --cflags $PKGS) -o "$tmp/$1.bin" \
		"$here/redact_bench.c" "$2" $(pkg-config --libs $PKGS) \
		-lpthread -lm
}
link old "$oldlib"
link new "$newlib"

git -C "$root" ls-files -z src include tests |
	(cd "$root" && xargs -0 realpath) >"$tmp/list"
for x in "$@"; do
	if [ -d "$x" ]; then
		find "$x" -type f -not -path '*/.git/*' | sort
	else
		realpath "$x"
	fi
done >>"$tmp/list"
files=$(wc -l <"$tmp/list")
bytes=$(tr '\n' '\0' <"$tmp/list" | xargs -0 cat | wc -c)
# one run per 500 files: argument lists stay short
split -l 500 "$tmp/list" "$tmp/part."
diffs=0
for part in "$tmp"/part.*; do
	tr '\n' '\0' <"$part" |
		PUSHFIX_REDACT_SIMD=${oldenv:-auto} xargs -0 "$tmp/old.bin" \
			--diff "$part.old"
	tr '\n' '\0' <"$part" | xargs -0 "$tmp/new.bin" --diff "$part.new"
	if ! cmp "$part.old" "$part.new"; then
		diff "$part.old" "$part.new" | head -20
		diffs=$((diffs + 1))
	fi
done
echo "redact-diff: $files files, $bytes bytes (+ generated dense and plain), $diffs runs differ"
[ "$diffs" = 0 ]
