#!/bin/sh
# Issue 14 item 3: the first question comes with the first answer, while
# the other requests are still in flight.  Three files, one strcpy each
# (real flawfinder, one request per file); the stand-in answers the one
# for c.c (the last asked) after 4 s (its PFDELAY marker), the others at
# once.  The order is asserted on time stamps: the pty driver's (when the
# question appeared) against the stand-in's (when it answered), never on
# wall-clock thresholds.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

SLOW_MS=4000
ANSWERED=$TRASH/llm.answered

test_expect_success 'setup: three files, one finding each, c.c answered late' '
	command -v flawfinder &&
	setup_repo &&
	for f in a b c; do base_c >$f.c || return 1; done &&
	git add a.c b.c c.c && git commit -q -m base &&
	git push -q --no-verify origin main &&
	pushed_c >a.c && pushed_c >b.c &&
	pushed_c | sed "s|^\tstrcpy(dst, src);$|&	/* PFDELAY:$SLOW_MS */|" >c.c &&
	grep -q PFDELAY c.c &&
	git commit -q -am "copy the names"
'

start_llm llm --answered-log "$ANSWERED"

# drive SCRIPT: the push on a pty, its expect steps time-stamped.
drive() {
	(
		unset PUSHFIX_TTY PUSHFIX_UI_INTERACTIVE CI
		PUSHFIX_NO_CACHE=1 python3 "$STANDINS/pty_drive.py" \
			--script "$1" --log "$TRASH/log" --times "$TRASH/times" \
			--timeout 60 -- git push origin main
	)
}

# The stand-in's time for the slow request: "in" (it came) or "answered".
slow_time() {
	python3 - "$LLM_LOG" "$ANSWERED" "$1" <<-\EOF
	import json, sys
	reqs = [json.loads(l) for l in open(sys.argv[1])]
	slow = [r for r in reqs if "PFDELAY" in json.dumps(r["body"])]
	assert len(reqs) == 3 and len(slow) == 1, (len(reqs), len(slow))
	if sys.argv[3] == "in":
	    print(slow[0]["time"])
	else:
	    done = [json.loads(l) for l in open(sys.argv[2])]
	    print([d["answered"] for d in done if d["n"] == slow[0]["n"]][0])
	EOF
}

# The remote back to before the findings' commit.
unpush() {
	git push -q -f --no-verify origin HEAD~1:main
}

# The time the pty driver saw script line N match.
seen_at() {
	awk -v n="$1" '$2 == n { print $1 }' "$TRASH/times"
}

test_expect_success 'the first question appears before the last answer came' '
	cd "$TRASH/work" && unpush &&
	llm_set --answered-log "$ANSWERED" --verdict true_positive &&
	rm -f "$ANSWERED" &&
	cat >"$TRASH/s" <<-\EOF &&
	expect \(1/3\) No fix; next
	line n
	expect \(2/3\) No fix; next
	line n
	expect \(3/3\) No fix; next
	line n
	expect summary:
	EOF
	drive "$TRASH/s" ;
	sed -e "s/\x1b\[[0-9;]*m//g" -e "s/\r$//" "$TRASH/log" >"$TRASH/out" &&
	first=$(seen_at 1) && last=$(slow_time answered) &&
	python3 -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(not a < b)" "$first" "$last" &&
	# ... and c.c, asked last, waited for its own answer: triaged too
	test "$(grep -c "true positive" "$TRASH/out")" = 3 &&
	expect_grep "^summary: 0 applied, 3 skipped, 0 ignored; 3 still open$" "$TRASH/out" &&
	expect_no_grep "left untriaged" "$TRASH/out" &&
	expect_no_grep "internal error\|Sanitizer\|runtime error" "$TRASH/out" &&
	expect_no_grep "triaging 3 findings" "$TRASH/out"
'

test_expect_success 'x at the first question: the slow request is dropped, the push ends at once' '
	cd "$TRASH/work" && unpush &&
	llm_set --answered-log "$ANSWERED" &&
	rm -f "$ANSWERED" &&
	cat >"$TRASH/s" <<-\EOF &&
	expect \(1/3\) No fix; next
	line x
	expect summary:
	wait
	EOF
	! drive "$TRASH/s" &&
	sed -e "s/\x1b\[[0-9;]*m//g" -e "s/\r$//" "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^pushfix: push stopped (you answered x)$" "$TRASH/out" &&
	expect_no_grep "left untriaged" "$TRASH/out" &&
	expect_no_grep "internal error\|Sanitizer\|runtime error" "$TRASH/out" &&
	ended=$(seen_at 3) && came=$(slow_time in) &&
	python3 -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(not a < b + $SLOW_MS / 1000.0)" "$ended" "$came" &&
	git fetch -q origin && test "$(git rev-parse origin/main)" = "$(git rev-parse HEAD~1)"
'

test_expect_success 'q with block = error: no wait for the answers that cannot matter' '
	cd "$TRASH/work" && unpush &&
	llm_set --answered-log "$ANSWERED" &&
	rm -f "$ANSWERED" &&
	cat >"$TRASH/s" <<-\EOF &&
	expect \(1/3\) No fix; next
	line q
	expect push anyway\? \[y/N\]
	line n
	EOF
	! PUSHFIX_POLICY_BLOCK=error drive "$TRASH/s" &&
	sed -e "s/\x1b\[[0-9;]*m//g" -e "s/\r$//" "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^summary: 0 applied, 3 skipped, 0 ignored; 3 still open$" "$TRASH/out" &&
	expect_no_grep "left untriaged" "$TRASH/out" &&
	expect_no_grep "internal error\|Sanitizer\|runtime error" "$TRASH/out" &&
	ended=$(seen_at 3) && came=$(slow_time in) &&
	python3 -c "import sys; a, b = map(float, sys.argv[1:]); sys.exit(not a < b + $SLOW_MS / 1000.0)" "$ended" "$came"
'

test_expect_success 'no terminal: every finding triaged before the report' '
	cd "$TRASH/work" && unpush &&
	llm_set --answered-log "$ANSWERED" &&
	CI=1 PUSHFIX_NO_CACHE=1 git push origin main 2>"$TRASH/err" ;
	test "$(grep -c "true positive" "$TRASH/err")" = 3 &&
	expect_no_grep "left untriaged" "$TRASH/err"
'

test_done
