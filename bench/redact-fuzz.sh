#!/bin/sh
# Differential fuzzing of the redactor (bench/redact_fuzz.c): the same
# random cases redacted by an old build of the library and by this
# tree's, compared case by case (output, vault in order, lookups,
# restore, expand, the secrets found), with both classifiers.
#
#   sh bench/redact-fuzz.sh [OLD] [CASES] [SEED] [OUTDIR]
#
# OLD: a git revision (default 226d21a, the redactor before the speed
# rounds of issue 12 item 4), a directory holding an old tree (Makefile,
# src, include: built there, kept between runs) or "sse2" (this tree on
# both sides, the old side with PUSHFIX_REDACT_SIMD=sse2).  CASES (default 200000) are run
# in chunks of 20000 per classifier.  A case whose texts hold a word
# followed by '[' (flags 1: a key with C array dimensions may now
# redact its literal, deliberately) only counts as a difference if the
# new side lost a value the old side redacted.  Differing cases are
# dumped to OUTDIR (default /tmp/redact-fuzz) as <seed>-<case>.{old,new};
# replay one with `redact_fuzz SEED CASE --dump`.  Exits 1 on a
# difference.  Run it at low priority: `nice -n 10 sh bench/redact-fuzz.sh`.
set -eu
. "$(dirname "$0")/lib.sh"
old=${1:-226d21a}
cases=${2:-200000}
seed=${3:-1}
outdir=${4:-/tmp/redact-fuzz}
chunk=20000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$outdir"

oldenv=
if [ "$old" = sse2 ]; then
	oldenv=sse2
	make -s -C "$root" -j2 "$BUILD/libpushfix.a" >&2
	oldlib=$root/$BUILD/libpushfix.a
	oldinc=$root/include
elif [ -d "$old" ]; then
	make -s -C "$old" -j2 "$BUILD/libpushfix.a" >&2
	oldlib=$old/$BUILD/libpushfix.a
	oldinc=$old/include
else
	mkdir "$tmp/old"
	git -C "$root" archive "$old" Makefile src include | tar -x -C "$tmp/old"
	make -s -C "$tmp/old" -j2 "$BUILD/libpushfix.a" >&2
	oldlib=$tmp/old/$BUILD/libpushfix.a
	oldinc=$tmp/old/include
fi
make -s -C "$root" -j2 "$BUILD/libpushfix.a" >&2
link() {
	# shellcheck disable=SC2046
	cc -std=c11 -D_GNU_SOURCE -O2 -g -I"$3" \
		$(pkg-config --cflags $PKGS) -o "$outdir/$1" \
		"$here/redact_fuzz.c" "$2" $(pkg-config --libs $PKGS) \
		-lpthread -lm
}
link fuzz-old "$oldlib" "$oldinc"
link fuzz-new "$root/$BUILD/libpushfix.a" "$root/include"

# Superset check of a flags-1 case: every original the old vault holds
# is inside one of the new vault's (the new side may redact more, or a
# longer value where the old one split it, never less).
superset() {
	python3 - "$1" "$2" <<'PY'
import sys
def origs(p):
    d = open(p, 'rb').read()
    out, i = set(), 0
    while True:
        j = d.find(b'\norig ', i)
        if j < 0:
            return out
        k = d.index(b'\n', j + 6)
        n = int(d[j + 6:k])
        out.add(d[k + 1:k + 1 + n])
        i = k + 1 + n
a, b = origs(sys.argv[1]), origs(sys.argv[2])
sys.exit(0 if all(any(x in y for y in b) for x in a) else 1)
PY
}

diffs=0
dims=0
unchecked=0
done_=0
first=0
while [ "$first" -lt "$cases" ]; do
	n=$chunk
	[ $((first + n)) -gt "$cases" ] && n=$((cases - first))
	for simd in auto sse2; do
		PUSHFIX_REDACT_SIMD=${oldenv:-$simd} "$outdir/fuzz-old" \
			"$seed" "$first" "$n" >"$tmp/old.out"
		PUSHFIX_REDACT_SIMD=$simd "$outdir/fuzz-new" \
			"$seed" "$first" "$n" >"$tmp/new.out"
		paste -d' ' "$tmp/old.out" "$tmp/new.out" |
			awk '$2 != $5 { print $1, $3 }' >"$tmp/bad"
		checked=0
		while read -r i f; do
			# the superset check costs two replays: 20 a chunk
			if [ "$f" = 1 ] && [ "$checked" -ge 20 ]; then
				unchecked=$((unchecked + 1))
				continue
			fi
			[ "$f" = 1 ] && checked=$((checked + 1))
			PUSHFIX_REDACT_SIMD=${oldenv:-$simd} "$outdir/fuzz-old" \
				"$seed" "$i" --dump >"$outdir/$seed-$i.old"
			PUSHFIX_REDACT_SIMD=$simd "$outdir/fuzz-new" \
				"$seed" "$i" --dump >"$outdir/$seed-$i.new"
			if [ "$f" = 1 ] && superset "$outdir/$seed-$i.old" \
				"$outdir/$seed-$i.new"; then
				dims=$((dims + 1))
				rm -f "$outdir/$seed-$i.old" "$outdir/$seed-$i.new"
				continue
			fi
			echo "redact-fuzz: seed $seed case $i differs ($simd):" \
				"$outdir/$seed-$i.old .new" >&2
			diffs=$((diffs + 1))
		done <"$tmp/bad"
	done
	first=$((first + n))
	done_=$((done_ + n))
	echo "redact-fuzz: seed $seed: $done_ cases x 2 classifiers," \
		"$diffs differ, $dims more redacted (dimensions)," \
		"$unchecked such not checked" >&2
done
echo "redact-fuzz: seed $seed, $cases cases x 2 classifiers: $diffs differ, $dims redact more after a '[' (allowed), $unchecked differ after a '[' (not checked)"
[ "$diffs" = 0 ]
