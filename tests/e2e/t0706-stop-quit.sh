#!/bin/sh
# Leaving the prompt honestly (issue 13): x stops the push and applies
# nothing after it, q lets the push go on and says so, PUSHFIX_SKIP=1 says
# it skipped.  Real pushes on a pseudo-terminal, as t0700.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-ui.sh"

P1='\(1/3\) Apply this fix \[y,n,a,d,i,e,p,q,\?\]\? '
P2='\(2/3\) Apply this fix'

test_expect_success 'x at the first prompt: the push stops, nothing applied' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line x
	expect summary:
	EOF
	! push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_no_grep "^\[2/3\]" "$TRASH/out" &&
	expect_grep "^summary: 0 applied, 3 skipped, 0 ignored; 3 still open$" "$TRASH/out" &&
	expect_grep "^pushfix: push stopped (you answered x)$" "$TRASH/out" &&
	test "$(grep -c "push stopped" "$TRASH/out")" = 1 &&
	expect_no_grep "push anyway" "$TRASH/out" &&
	cmp "$TRASH/af3.orig" "$AF3" &&
	! pushed
'

test_expect_success 'x after a y: the fix before it stays, none after it' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line y
	expect $P2
	line x
	expect summary:
	EOF
	# after_fix = continue: only x can stop this push.
	! PUSHFIX_POLICY_AFTER_FIX=continue push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_no_grep "^\[3/3\]" "$TRASH/out" &&
	expect_grep "^summary: 1 applied, 2 skipped, 0 ignored; 2 still open$" "$TRASH/out" &&
	expect_grep "^pushfix: push stopped (you answered x); 1 fix applied to your working tree$" "$TRASH/out" &&
	af3_expect ynn >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3" &&
	! pushed
'

test_expect_success 'x stops the push even where [policy] block would ask' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line x
	expect summary:
	EOF
	! PUSHFIX_POLICY_BLOCK=error push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_no_grep "push anyway" "$TRASH/out" &&
	expect_grep "^pushfix: push stopped (you answered x)$" "$TRASH/out" &&
	! pushed
'

test_expect_success 'q: the push goes on, and one line says so' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line n
	expect $P2
	line q
	expect summary:
	EOF
	push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_no_grep "^\[3/3\]" "$TRASH/out" &&
	expect_grep "^pushfix: quit: the push goes on with 2 findings unanswered$" "$TRASH/out" &&
	cmp "$TRASH/af3.orig" "$AF3" &&
	pushed
'

test_expect_success '? lists x and q with what each does to the push' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line ?
	expect $P1
	line x
	expect summary:
	EOF
	! push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^q - quit; skip the rest$" "$TRASH/out" &&
	expect_grep "^x - stop the push here, apply nothing more (q lets it go on)$" "$TRASH/out" &&
	fits_80 "$TRASH/log"
'

test_expect_success 'PUSHFIX_SKIP=1: one line on stderr, and the push goes on' '
	setup_af3 &&
	PUSHFIX_SKIP=1 git push origin main 2>"$TRASH/err" &&
	expect_grep "^pushfix: skipped (PUSHFIX_SKIP=1)$" "$TRASH/err" &&
	test "$(grep -c "^pushfix:" "$TRASH/err")" = 1 &&
	pushed &&
	git commit -q --allow-empty -m again &&
	PUSHFIX_SKIP=yes git push origin main 2>"$TRASH/err" &&
	expect_grep "^pushfix: skipped (PUSHFIX_SKIP=yes)$" "$TRASH/err" &&
	pushed
'

test_expect_success 'PUSHFIX_SKIP=0 does not skip, and says nothing of it' '
	setup_af3 &&
	CI=1 PUSHFIX_SKIP=0 git push origin main 2>"$TRASH/err" &&
	expect_no_grep "skipped (PUSHFIX_SKIP" "$TRASH/err" &&
	expect_grep "3 findings on the pushed lines" "$TRASH/err"
'

test_expect_success 'pushfix hook run directly (a hook manager) says it skipped too' '
	setup_af3 &&
	echo "refs/heads/main $(git rev-parse HEAD) refs/heads/main $(remote_main)" |
		PUSHFIX_SKIP=1 "$PUSHFIX_BIN" hook pre-push origin url 2>"$TRASH/err" &&
	test "$(cat "$TRASH/err")" = "pushfix: skipped (PUSHFIX_SKIP=1)"
'

test_done
