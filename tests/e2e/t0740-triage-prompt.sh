#!/bin/sh
# The prompt with a real triage: real flawfinder (SARIF engine) flags a
# pushed strcpy, the LLM stand-in on 127.0.0.1 answers true_positive with a
# fix that the re-scan verifies (or not).  On a real pseudo-terminal: the
# verdict line, `+` / `-` kept in the sent log (`pushfix log`), `verified`
# and `unverified` marks, `a` skipping unverified fixes.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-llm.sh"
. "$SRC/tests/e2e/lib-ui.sh"

# lib-ui.sh set up Semgrep; these tests use flawfinder, like lib-llm.sh.
export PUSHFIX_SCAN_ENGINE=sarif
export PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}"
unset FAKE_SEMGREP_FIXTURE PUSHFIX_SCAN_SEMGREP_CONFIG

P='\(1/1\) Apply this fix \[y,n,a,d,i,e,\+,-,p,q,\?\]\? '

test_expect_success 'setup' '
	command -v flawfinder
'

start_llm llm

# A fresh clone with the strcpy pushed on line 6 of src/copy.c.
fresh() {
	setup_llm_repo &&
	cp src/copy.c "$TRASH/copy.orig"
}

test_expect_success 'the verdict, a verified fix, + then y' '
	fresh &&
	llm_set --replacement "$GOOD_FIX" --reason "argv[1] is copied unbounded" &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P
	line +
	expect $P
	line y
	expect summary:
	EOF
	! PUSHFIX_NO_CACHE=1 push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  triage: true positive, confidence 0.90: argv\[1\] is copied unbounded$" "$TRASH/out" &&
	expect_grep "^  fix (verified):$" "$TRASH/out" &&
	# the tab expanded, as the terminal would show it
	expect_grep "^-       strcpy(dst, src);$" "$TRASH/out" &&
	expect_grep "^  noted: you agree with the triage$" "$TRASH/out" &&
	expect_grep "^  applied the fix to src/copy.c:6$" "$TRASH/out" &&
	test "$(sed -n 6p src/copy.c)" = "$GOOD_FIX" &&
	fits_80 "$TRASH/log" &&
	# the sent log: the feedback next to the request it judges
	python3 - .git/pushfix/sent.log agree <<-\EOF
	import json, sys
	recs = [json.loads(l) for l in open(sys.argv[1])]
	reqs = [r for r in recs if r["type"] == "request"]
	fb = [r for r in recs if r["type"] == "feedback"]
	assert len(fb) == 1, fb
	assert fb[0]["feedback"] == sys.argv[2], fb
	assert fb[0]["id"] == reqs[-1]["id"], (fb, reqs)
	EOF
'

test_expect_success '- is logged as disagree, shown by pushfix log' '
	fresh &&
	llm_set --replacement "$GOOD_FIX" &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P
	line -
	expect $P
	line n
	expect summary:
	EOF
	PUSHFIX_NO_CACHE=1 push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  noted: you disagree with the triage$" "$TRASH/out" &&
	cmp "$TRASH/copy.orig" src/copy.c &&
	"$PUSHFIX_BIN" log >"$TRASH/plog" &&
	expect_grep "disagree" "$TRASH/plog"
'

test_expect_success 'show_unverified = false: an unverified fix is hidden' '
	fresh &&
	llm_set --replacement "$BAD_FIX" &&
	cat >"$TRASH/s" <<-EOF &&
	expect \(1/1\) No fix; next \[n,d,i,e,\+,-,p,q,\?\]\? 
	line n
	expect summary:
	EOF
	PUSHFIX_NO_CACHE=1 PUSHFIX_LLM_SHOW_UNVERIFIED=false push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  fix: hidden: the re-scan could not verify it" "$TRASH/out" &&
	cmp "$TRASH/copy.orig" src/copy.c
'

test_expect_success 'by default an unverified fix is shown, marked, with why' '
	fresh &&
	llm_set --replacement "$BAD_FIX" &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P
	line y
	expect summary:
	EOF
	! PUSHFIX_NO_CACHE=1 push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  fix (unverified): .*FF1001" "$TRASH/out" &&
	expect_grep "^  applied the fix to src/copy.c:6$" "$TRASH/out" &&
	test "$(sed -n 6p src/copy.c)" = "$BAD_FIX"
'

test_expect_success 'block = true-positive: the open true positive asks "push anyway?"' '
	fresh &&
	llm_set --replacement "$GOOD_FIX" &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P
	line n
	expect push anyway\? \[y/N\] 
	line n
	EOF
	! PUSHFIX_NO_CACHE=1 PUSHFIX_POLICY_BLOCK=true-positive push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^\[policy\] block = true-positive: 1 open finding triaged true positive$" "$TRASH/out" &&
	expect_grep "error: push stopped: 1 open finding triaged true positive" "$TRASH/out" &&
	! pushed
'

test_expect_success 'a false positive does not block under true-positive' '
	fresh &&
	llm_set --verdict false_positive &&
	cat >"$TRASH/s" <<-EOF &&
	expect \(1/1\) No fix; next
	line n
	expect summary:
	EOF
	PUSHFIX_NO_CACHE=1 PUSHFIX_POLICY_BLOCK=true-positive push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  triage: false positive" "$TRASH/out" &&
	expect_no_grep "push anyway" "$TRASH/out" &&
	pushed
'

test_done
