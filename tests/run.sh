#!/bin/bash
# Runs every test: cmocka unit tests, fuzz-corpus replays, end-to-end
# scripts.  Prints each suite's result and, last, "N passed, N failed"
# summed over all of them; exits non-zero on any failure.
#   PUSHFIX_ONLY=unit|e2e   run one kind
#   PUSHFIX_TESTS=pattern   only e2e scripts whose name matches (grep -E)
set -u
cd "$(dirname "$0")/.." || exit 1
BUILD=${BUILD:-build/default}
PUSHFIX_BIN=${PUSHFIX_BIN:-$PWD/$BUILD/pushfix}
export PUSHFIX_BIN
ONLY=${PUSHFIX_ONLY:-}
pass=0
fail=0
failed_names=""
skipped_names=""

count() { # name, passed, failed
	pass=$((pass + $2))
	fail=$((fail + $3))
	if [ "$3" -ne 0 ]; then failed_names="$failed_names $1"; fi
}

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

if [ "$ONLY" != e2e ]; then
	for t in "$BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		n=$(basename "$t")
		"$t" >"$log/$n" 2>&1
		rc=$?
		p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log/$n" | tail -1)
		f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log/$n" | tail -1)
		p=${p:-0}
		f=${f:-0}
		if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		if [ "$f" -ne 0 ]; then cat "$log/$n"; fi
		echo "unit $n: $p passed, $f failed"
		count "$n" "$p" "$f"
	done
	for r in "$BUILD"/fuzz/*-replay; do
		[ -x "$r" ] || continue
		n=$(basename "$r" -replay)
		dir=tests/fuzz/corpus/$n
		if "$r" "$dir" >"$log/$n" 2>&1; then
			echo "fuzz $n: corpus replayed ($(ls "$dir" 2>/dev/null | wc -l) inputs)"
			count "$n" 1 0
		else
			cat "$log/$n"
			echo "fuzz $n: FAILED"
			count "$n" 0 1
		fi
	done
fi

# End-to-end scripts spend most of their time waiting on git, servers
# and timeouts, so they run PUSHFIX_JOBS at a time (each has its own temp
# dir, HOME and ports); results are reported in name order.
run_e2e() { # script
	_n=$(basename "$1" .sh)
	_t0=$(date +%s)
	timeout 600 sh "$1" >"$log/$_n" 2>&1
	echo "$? $(($(date +%s) - _t0))" >"$log/$_n.rc"
}
if [ "$ONLY" != unit ]; then
	jobs_max=${PUSHFIX_JOBS:-4}
	running=0
	list=""
	for t in tests/e2e/t[0-9]*.sh; do
		[ -f "$t" ] || continue
		n=$(basename "$t" .sh)
		if [ -n "${PUSHFIX_TESTS:-}" ] && ! echo "$n" | grep -Eq "$PUSHFIX_TESTS"; then
			continue
		fi
		list="$list $t"
		run_e2e "$t" &
		running=$((running + 1))
		if [ "$running" -ge "$jobs_max" ]; then
			wait -n 2>/dev/null || wait
			running=$(jobs -p | wc -l)
		fi
	done
	wait
	for t in $list; do
		n=$(basename "$t" .sh)
		set -- $(cat "$log/$n.rc" 2>/dev/null || echo "1 0")
		rc=$1
		secs=$2
		# A script that cannot run here (a missing optional tool)
		# exits 0 with only "skipped: why": neither passed nor failed.
		if [ "$rc" -eq 0 ] && skip=$(grep -m1 '^skipped: ' "$log/$n") &&
			! grep -Eq '^[0-9]+ passed, [0-9]+ failed' "$log/$n"; then
			echo "e2e $n: $skip"
			skipped_names="$skipped_names $n"
			continue
		fi
		last=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log/$n" | tail -1)
		p=$(echo "$last" | sed -n 's/^\([0-9]*\) passed.*/\1/p')
		f=$(echo "$last" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
		p=${p:-0}
		f=${f:-0}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
		if [ "$f" -ne 0 ] || [ -n "${PUSHFIX_TEST_VERBOSE:-}" ]; then
			grep -v '^ok ' "$log/$n" | tail -60
		fi
		echo "e2e $n: $p passed, $f failed (${secs}s)"
		count "$n" "$p" "$f"
	done
fi

if [ -n "$skipped_names" ]; then
	echo "skipped:$skipped_names"
fi
if [ "$fail" -ne 0 ]; then
	echo "failed:$failed_names"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
