#!/bin/sh
# A/B of two builds of bench/redact_bench.c on a noisy machine: the two
# binaries run alternately, N rounds of `BIN 10 5 MODE` each, and what
# counts is the median of the per-round ratios B/A (the host here has
# slow and fast phases minutes long, the same binary 1.3-1.8x apart:
# only two runs next to each other can be compared).  Run it both ways
# round (A/B, then B/A): the second of a pair tends to lose a few %.
#   cp build/default/bench/redact_bench /tmp/rb-old    # before a change
#   sh bench/redact.sh 1 1 dense >/dev/null             # rebuild after it
#   sh bench/redact-ab.sh /tmp/rb-old build/default/bench/redact_bench [dense|plain] [N]
set -eu
a=$1 b=$2 mode=${3:-dense} n=${4:-6}
case $mode in
dense) key='^redact: ' field=2 ;;
plain) key='^plain code:' field=3 ;;
*) echo "usage: $0 A B [dense|plain] [rounds]" >&2; exit 2 ;;
esac
fa=$(mktemp) fb=$(mktemp)
trap 'rm -f "$fa" "$fb"' EXIT
for _ in $(seq "$n"); do
	"$a" 10 5 "$mode" | grep "$key" | awk -v f=$field '{print $f}' >>"$fa"
	"$b" 10 5 "$mode" | grep "$key" | awk -v f=$field '{print $f}' >>"$fb"
done
paste "$fa" "$fb" |
	awk '{printf "round %d: A %s  B %s  B/A %.3f\n", NR, $1, $2, $2 / $1}'
for side in A B; do
	f=$fa
	[ "$side" = B ] && f=$fb
	sort -n "$f" | awk -v s="$side" '{v[NR] = $1} END {
		printf "%s: median %.1f  best %.1f MB/s\n", s, v[int((NR + 1) / 2)], v[NR] }'
done
paste "$fa" "$fb" | awk '{print $2 / $1}' | sort -n |
	awk '{v[NR] = $1} END {printf "B/A: median of ratios %.3f\n", v[int((NR + 1) / 2)]}'
