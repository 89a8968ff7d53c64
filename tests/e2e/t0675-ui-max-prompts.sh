#!/bin/sh
# Issue 11 item 5: after [ui] max_prompts questions the rest are listed in
# one block (place, severity, rule; one line each) and count as skipped:
# the summary, the policy and the push treat them as open, as an `n`.
# Findings: Semgrep's recorded autofix case (three ERROR findings of one
# rule in app/three-autofixes.py), driven on a real pseudo-terminal.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-ui.sh"

P1='\(1/3\) Apply this fix \[y,n,a,d,i,e,p,q,\?\]\? '

test_expect_success 'max_prompts = 1: one question, then one block of two' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line n
	expect summary:
	EOF
	PUSHFIX_UI_MAX_PROMPTS=1 push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_no_grep "(2/3)" "$TRASH/out" &&
	expect_grep "^2 more findings, not asked (\[ui\] max_prompts = 1; skipped):$" "$TRASH/out" &&
	expect_grep "^  app/three-autofixes.py:12 ERROR " "$TRASH/out" &&
	expect_grep "^  app/three-autofixes.py:20 ERROR " "$TRASH/out" &&
	expect_grep "^summary: 0 applied, 3 skipped, 0 ignored; 3 still open$" "$TRASH/out" &&
	cmp "$TRASH/af3.orig" "$AF3" &&
	pushed
'

test_expect_success 'the unasked findings still count for [policy] block' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line n
	expect push anyway
	line n
	EOF
	! PUSHFIX_UI_MAX_PROMPTS=1 PUSHFIX_POLICY_BLOCK=error \
		push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "3 open findings" "$TRASH/out" &&
	! pushed
'

test_expect_success 'a applies the trusted fixes past the cap, asking nothing' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line a
	expect summary:
	EOF
	! PUSHFIX_UI_MAX_PROMPTS=1 push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_no_grep "not asked" "$TRASH/out" &&
	af3_expect yyy >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3"
'

test_expect_success 'max_prompts = 0 asks them all; not a terminal: all shown' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line n
	expect \(2/3\) Apply
	line n
	expect \(3/3\) Apply
	line n
	expect summary:
	EOF
	PUSHFIX_UI_MAX_PROMPTS=0 push_tty "$TRASH/s" "$TRASH/log" &&
	expect_no_grep "not asked" "$TRASH/log" &&
	setup_af3 work2 &&
	PUSHFIX_UI_MAX_PROMPTS=1 git push origin main 2>"$TRASH/err" </dev/null &&
	expect_grep "\[3/3\]" "$TRASH/err" &&
	expect_no_grep "not asked" "$TRASH/err"
'

test_done
