#!/bin/sh
# The developer at the terminal: every key of the prompt, on a real
# pseudo-terminal (git push runs with the pty as controlling terminal; the
# hook reads its answers from /dev/tty while git's ref list is its stdin).
#
# Findings: Semgrep's recorded autofix case, three 5-line matches of one
# ERROR rule in app/three-autofixes.py, each with a rule fix.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-ui.sh"

P1='\(1/3\) Apply this fix \[y,n,a,d,i,e,p,q,\?\]\? '
P2='\(2/3\) Apply this fix'
P3='\(3/3\) Apply this fix'

test_expect_success 'y y y: three fixes applied, the push stops' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line y
	expect $P2
	line y
	expect $P3
	line y
	expect summary:
	EOF
	! push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	af3_expect yyy >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3" &&
	expect_grep "^\[1/3\] ERROR rules.autofix.autofix-bugtest$" "$TRASH/out" &&
	expect_grep "^  app/three-autofixes.py:4-8$" "$TRASH/out" &&
	expect_grep "^  fix (from the rule):$" "$TRASH/out" &&
	expect_grep "^-    return requests.post($" "$TRASH/out" &&
	expect_grep "^  applied the fix to app/three-autofixes.py:4$" "$TRASH/out" &&
	expect_grep "^  applied the fix to app/three-autofixes.py:8$" "$TRASH/out" &&
	expect_grep "^  applied the fix to app/three-autofixes.py:12$" "$TRASH/out" &&
	expect_grep "^summary: 3 applied, 0 skipped, 0 ignored; 0 still open$" "$TRASH/out" &&
	expect_grep "3 fixes applied to your working tree — review, commit and push again" "$TRASH/out" &&
	! pushed &&
	fits_80 "$TRASH/log" &&
	# what git sees: the one file changed, nothing else
	git status --porcelain >"$TRASH/st" &&
	printf " M %s\n" "$AF3" >"$TRASH/st.want" &&
	cmp "$TRASH/st.want" "$TRASH/st"
'

test_expect_success 'Enter skips (n is the default); the push goes on' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line
	expect $P2
	line n
	expect $P3
	line
	expect summary:
	EOF
	push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	cmp "$TRASH/af3.orig" "$AF3" &&
	expect_grep "^summary: 0 applied, 3 skipped, 0 ignored; 3 still open$" "$TRASH/out" &&
	pushed
'

test_expect_success 'y n y: only the first and third' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line y
	expect $P2
	line n
	expect $P3
	line y
	expect summary:
	EOF
	! push_tty "$TRASH/s" "$TRASH/log" &&
	af3_expect yny >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^summary: 2 applied, 1 skipped, 0 ignored; 1 still open$" "$TRASH/out" &&
	expect_grep "2 fixes applied to your working tree" "$TRASH/out"
'

test_expect_success 'a: this fix and every later fix from the rule, one question' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line a
	expect summary:
	EOF
	! push_tty "$TRASH/s" "$TRASH/log" &&
	af3_expect yyy >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	test "$(grep -c "Apply this fix" "$TRASH/out")" = 1 &&
	expect_grep "^summary: 3 applied, 0 skipped, 0 ignored; 0 still open$" "$TRASH/out"
'

test_expect_success 'd: skip this and every later one, which are listed' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line d
	expect summary:
	EOF
	push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	test "$(grep -c "Apply this fix" "$TRASH/out")" = 1 &&
	expect_grep "^\[2/3\] skipped ERROR rules.autofix.autofix-bugtest$" "$TRASH/out" &&
	expect_grep "^  app/three-autofixes.py:12$" "$TRASH/out" &&
	expect_grep "^\[3/3\] skipped ERROR" "$TRASH/out" &&
	expect_grep "^summary: 0 applied, 3 skipped, 0 ignored; 3 still open$" "$TRASH/out" &&
	cmp "$TRASH/af3.orig" "$AF3" &&
	pushed
'

test_expect_success 'q: quit, the rest is skipped and not shown' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line y
	expect $P2
	line q
	expect summary:
	EOF
	! push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_no_grep "^\[3/3\]" "$TRASH/out" &&
	expect_grep "^summary: 1 applied, 2 skipped, 0 ignored; 2 still open$" "$TRASH/out" &&
	af3_expect ynn >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3"
'

test_expect_success 'Ctrl-D (end of input) means quit' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	eof
	expect summary:
	EOF
	push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_no_grep "^\[2/3\]" "$TRASH/out" &&
	expect_grep "^summary: 0 applied, 3 skipped, 0 ignored; 3 still open$" "$TRASH/out" &&
	cmp "$TRASH/af3.orig" "$AF3" &&
	pushed
'

test_expect_success 'Ctrl-C at the prompt: the push stops, the terminal is as it was' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	send \x03
	expect push-status=
	expect icanon
	EOF
	(
		unset PUSHFIX_TTY
		python3 "$STANDINS/pty_drive.py" --script "$TRASH/s" \
			--log "$TRASH/log" --timeout 60 -- sh -c "
			trap : INT
			git push origin main
			echo push-status=\$?
			stty -a"
	) &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "push-status=1[0-9][0-9]$" "$TRASH/out" &&
	expect_no_grep "^summary:" "$TRASH/out" &&
	# canonical mode and echo, as a shell expects them
	expect_grep "[ ;]icanon" "$TRASH/out" &&
	expect_grep "[ ;]echo " "$TRASH/out" &&
	expect_no_grep "-icanon" "$TRASH/out" &&
	cmp "$TRASH/af3.orig" "$AF3" &&
	test -z "$(find . -name "*pushfix-tmp*")" &&
	! pushed
'

test_expect_success 'p shows the finding again, ? prints the help, a typo is refused' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line p
	expect $P1
	line ?
	expect $P1
	line z
	expect $P1
	line n
	expect $P2
	line q
	expect summary:
	EOF
	push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	test "$(grep -c "^\[1/3\] ERROR rules.autofix.autofix-bugtest$" "$TRASH/out")" = 2 &&
	test "$(grep -c "^y - apply this fix$" "$TRASH/out")" = 2 &&
	expect_grep "^e - edit the fix in your editor, then apply it$" "$TRASH/out" &&
	expect_grep "^q - quit; skip the rest$" "$TRASH/out" &&
	expect_grep "^  unknown answer .z.$" "$TRASH/out" &&
	cmp "$TRASH/af3.orig" "$AF3"
'

test_expect_success '+ and - without a triage say so and ask again' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line +
	expect $P1
	line -
	expect $P1
	line q
	expect summary:
	EOF
	push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	test "$(grep -c "there is no triage to agree or disagree with" "$TRASH/out")" = 2 &&
	expect_no_grep "triage: none" "$TRASH/out" &&
	expect_grep "^pushfix: 3 findings on the pushed lines (1 commit, [0-9]* added lines in [0-9]* files\?, [0-9]* scanned by semgrep)$" "$TRASH/out" &&
	expect_grep "^pushfix: not triaged: no LLM configured, see \[llm\] provider$" "$TRASH/out"
'

test_expect_success 'e: the fix edited in $GIT_EDITOR (a sed script), then applied' '
	setup_af3 &&
	cat >"$TRASH/editor.sh" <<-\EOF &&
	#!/bin/sh
	# the file holds the fix, named like the target
	case "$1" in *.py) ;; *) exit 9 ;; esac
	[ -t 0 ] || exit 8
	sed -i "s/_injected=True/_injected=False/" "$1"
	EOF
	chmod +x "$TRASH/editor.sh" &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line e
	expect $P2
	line n
	expect $P3
	line n
	expect summary:
	EOF
	! GIT_EDITOR="$TRASH/editor.sh" push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "applied your edited fix to app/three-autofixes.py:4" "$TRASH/out" &&
	af3_expect ynn | sed "4s/_injected=True/_injected=False/" >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3" &&
	expect_grep "^summary: 1 applied, 2 skipped, 0 ignored; 2 still open$" "$TRASH/out" &&
	! ls .git/pushfix | grep -q edit-
'

test_expect_success 'e: saved empty means skip; $EDITOR with arguments' '
	setup_af3 &&
	cat >"$TRASH/empty.sh" <<-\EOF &&
	#!/bin/sh
	[ "$1" = --wait ] || exit 7
	: >"$2"
	EOF
	chmod +x "$TRASH/empty.sh" &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line e
	expect $P2
	line q
	expect summary:
	EOF
	EDITOR="$TRASH/empty.sh --wait" push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "the edited fix is empty: skipped" "$TRASH/out" &&
	cmp "$TRASH/af3.orig" "$AF3"
'

test_expect_success 'after_fix = continue: the push goes on without the fix' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line y
	expect $P2
	line q
	expect summary:
	EOF
	PUSHFIX_POLICY_AFTER_FIX=continue push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "1 fix applied to your working tree; this push goes on without them" "$TRASH/out" &&
	pushed &&
	af3_expect ynn >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3"
'

test_expect_success 'block = error: "push anyway?" y lets it go, Enter stops it' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line q
	expect push anyway\? \[y/N\] 
	line y
	EOF
	PUSHFIX_POLICY_BLOCK=error push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^\[policy\] block = error: 3 open findings of severity ERROR or higher$" "$TRASH/out" &&
	expect_grep "pushing anyway with 3 open findings" "$TRASH/out" &&
	pushed &&
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line q
	expect push anyway\? \[y/N\] 
	line
	EOF
	! PUSHFIX_POLICY_BLOCK=error push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "error: push stopped: 3 open findings of severity ERROR or higher (\[policy\] block = error)" "$TRASH/out" &&
	expect_grep "^hint: .*--no-verify" "$TRASH/out" &&
	! pushed
'

test_done
