#!/bin/sh
# No terminal (a GUI, CI, `[ui] interactive = never`): the report is
# printed, nothing is asked, the policy alone decides.  Colour only on a
# terminal, NO_COLOR / [ui] color / CLICOLOR_FORCE / git's color.ui
# respected; the output fits the terminal.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-ui.sh"

P1='\(1/3\) Apply this fix'

test_expect_success 'no terminal: the report, nothing asked, the push goes on' '
	setup_af3 &&
	# lib.sh points PUSHFIX_TTY at a path that does not exist
	timeout 60 git push origin main 2>"$TRASH/err" </dev/null &&
	expect_grep "^\[1/3\] ERROR rules.autofix.autofix-bugtest$" "$TRASH/err" &&
	expect_grep "^\[3/3\] ERROR" "$TRASH/err" &&
	expect_grep "^  fix (from the rule):$" "$TRASH/err" &&
	expect_grep "^+    return requests.post(headers=auth_headers" "$TRASH/err" &&
	expect_grep "^summary: 3 findings still open (nothing asked: no terminal)$" "$TRASH/err" &&
	expect_no_grep "Apply this fix" "$TRASH/err" &&
	expect_no_grep "push anyway" "$TRASH/err" &&
	! has_color "$TRASH/err" &&
	cmp "$TRASH/af3.orig" "$AF3" &&
	pushed &&
	fits_80 "$TRASH/err"
'

test_expect_success 'no terminal, block = error: the policy alone stops the push' '
	setup_af3 &&
	! PUSHFIX_POLICY_BLOCK=error timeout 60 git push origin main 2>"$TRASH/err" &&
	expect_grep "^error: push stopped: 3 open findings of severity ERROR or higher (\[policy\] block = error)$" "$TRASH/err" &&
	expect_grep "^hint: .*git push --no-verify" "$TRASH/err" &&
	expect_no_grep "push anyway" "$TRASH/err" &&
	! pushed &&
	# block = true-positive: nothing was triaged, nothing blocks
	PUSHFIX_POLICY_BLOCK=true-positive timeout 60 git push origin main 2>"$TRASH/err" &&
	pushed
'

test_expect_success 'a terminal, but CI is set: nothing asked' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect summary:
	EOF
	CI=true push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^summary: 3 findings still open (nothing asked: CI is set)$" "$TRASH/out" &&
	expect_no_grep "Apply this fix" "$TRASH/out" &&
	pushed
'

test_expect_success 'a terminal, [ui] interactive = never: nothing asked' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect summary:
	EOF
	PUSHFIX_UI_INTERACTIVE=never push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "(nothing asked: \[ui\] interactive = never)" "$TRASH/out" &&
	pushed
'

test_expect_success 'interactive = always asks even when CI is set' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line q
	expect summary:
	EOF
	CI=true PUSHFIX_UI_INTERACTIVE=always push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^summary: 0 applied, 3 skipped, 0 ignored; 3 still open$" "$TRASH/out"
'

test_expect_success 'colour on a terminal; NO_COLOR turns it off' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line q
	expect summary:
	EOF
	(unset NO_COLOR && push_tty "$TRASH/s" "$TRASH/log") &&
	findings_part "$TRASH/log" >"$TRASH/part" &&
	expect_grep "$(printf "\033")\[1;31mERROR$(printf "\033")\[m" "$TRASH/part" &&
	expect_grep "$(printf "\033")\[31m-    return requests.post($(printf "\033")\[m" "$TRASH/part" &&
	expect_grep "$(printf "\033")\[32m+    return" "$TRASH/part" &&
	expect_grep "$(printf "\033")\[1;34m(1/3) Apply this fix" "$TRASH/part" &&
	fits_80 "$TRASH/log" &&
	setup_af3 &&
	NO_COLOR=1 push_tty "$TRASH/s" "$TRASH/log" &&
	findings_part "$TRASH/log" >"$TRASH/part" &&
	test -s "$TRASH/part" &&
	! has_color "$TRASH/part"
'

test_expect_success '[ui] color = never, and git color.ui = never, on a terminal' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line q
	expect summary:
	EOF
	(unset NO_COLOR && PUSHFIX_UI_COLOR=never push_tty "$TRASH/s" "$TRASH/log") &&
	findings_part "$TRASH/log" >"$TRASH/part" &&
	test -s "$TRASH/part" && ! has_color "$TRASH/part" &&
	setup_af3 &&
	git config color.ui never &&
	(unset NO_COLOR && push_tty "$TRASH/s" "$TRASH/log") &&
	findings_part "$TRASH/log" >"$TRASH/part" &&
	test -s "$TRASH/part" && ! has_color "$TRASH/part"
'

test_expect_success 'without a terminal: colour only when forced' '
	setup_af3 &&
	(unset NO_COLOR && timeout 60 git push origin main 2>"$TRASH/err") &&
	! has_color "$TRASH/err" &&
	setup_af3 &&
	(unset NO_COLOR && CLICOLOR_FORCE=1 timeout 60 git push origin main 2>"$TRASH/err") &&
	has_color "$TRASH/err" &&
	setup_af3 &&
	# the config beats NO_COLOR
	PUSHFIX_UI_COLOR=always timeout 60 git push origin main 2>"$TRASH/err" &&
	has_color "$TRASH/err"
'

test_expect_success 'a narrow terminal: every line fits its 60 columns' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line ?
	expect $P1
	line q
	expect summary:
	EOF
	PTY_COLS=60 push_tty "$TRASH/s" "$TRASH/log" &&
	fits_80 "$TRASH/log" 60 &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^+.*\\\\$" "$TRASH/out"
'

test_done
