#!/bin/sh
# Applying a fix never loses the developer's work: it is written only where
# the working tree still holds the pushed lines, only those lines change,
# the file keeps its mode and line ends, and a kill -9 in the middle of the
# write leaves the file wholly old or wholly new, with no debris.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-ui.sh"

P1='\(1/3\) Apply this fix'
P2='\(2/3\) Apply this fix'
P3='\(3/3\) Apply this fix'

yyy_script() {
	cat >"$TRASH/s" <<-EOF
	expect $P1
	line y
	expect $P2
	line y
	expect $P3
	line y
	expect summary:
	EOF
}

test_expect_success 'lines changed after the commit: that fix is refused, said why' '
	setup_af3 &&
	echo "keep me" >other.txt &&
	sed -i "5s/auth_headers/my_headers/" "$AF3" &&
	cp "$AF3" "$TRASH/edited" &&
	yyy_script &&
	! push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  not applied: .app/three-autofixes.py. lines 4-8 changed since the push$" "$TRASH/out" &&
	expect_grep "^summary: 2 applied, 0 skipped, 0 ignored; 1 still open$" "$TRASH/out" &&
	expect_grep "^  (1 fix could not be applied)$" "$TRASH/out" &&
	# the developer s edit is intact; the other two blocks are fixed
	af3_expect nyy | sed "5s/auth_headers/my_headers/" >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3" &&
	echo "keep me" >"$TRASH/keep" && cmp "$TRASH/keep" other.txt
'

test_expect_success 'lines moved by an edit above them: applied where they are now' '
	setup_af3 &&
	{ printf "# added\n# after the commit\n"; cat "$TRASH/af3.orig"; } >"$AF3" &&
	yyy_script &&
	! push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  applied the fix to app/three-autofixes.py:6 (line 4 as pushed)$" "$TRASH/out" &&
	expect_grep "^  applied the fix to app/three-autofixes.py:10 (line 12 as pushed)$" "$TRASH/out" &&
	expect_grep "^  applied the fix to app/three-autofixes.py:14 (line 20 as pushed)$" "$TRASH/out" &&
	{ printf "# added\n# after the commit\n"; af3_expect yyy; } >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3"
'

test_expect_success 'the mode is kept; nothing else in the tree changes' '
	setup_af3 &&
	chmod 0755 "$AF3" && git add "$AF3" && git commit -q --amend --no-edit &&
	mkdir -p lib && echo "untouched" >lib/b.py && echo "new" >untracked.txt &&
	git add lib/b.py && git commit -q -m b &&
	yyy_script &&
	! push_tty "$TRASH/s" "$TRASH/log" &&
	test "$(stat -c %a "$AF3")" = 755 &&
	git status --porcelain >"$TRASH/st" &&
	printf " M %s\n?? untracked.txt\n" "$AF3" >"$TRASH/st.want" &&
	cmp "$TRASH/st.want" "$TRASH/st" &&
	git diff --stat >"$TRASH/stat" &&
	expect_grep "1 file changed, 3 insertions(+), 15 deletions(-)" "$TRASH/stat"
'

test_expect_success 'a CRLF checkout stays CRLF; the missing final newline stays missing' '
	setup_af3 &&
	git config core.autocrlf true &&
	rm "$AF3" && git checkout -- "$AF3" &&
	grep -q "$(printf "\r")\$" "$AF3" &&
	yyy_script &&
	! push_tty "$TRASH/s" "$TRASH/log" &&
	af3_expect yyy | python3 -c "import sys; sys.stdout.write(sys.stdin.read().replace(\"\\n\", \"\\r\\n\"))" >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3" &&
	test "$(tail -c 1 "$AF3")" = ")"
'

# The hook runs the pipeline in a child: killing it is an internal fault,
# which lets the push go on unless [policy] on_error = block.
kill_during_apply() {
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line y
	kill pushfix: apply pause pid=([0-9]+)
	EOF
	PUSHFIX_TEST_APPLY_PAUSE_MS=30000 push_tty "$TRASH/s" "$TRASH/log"
}

test_expect_success 'kill -9 while the new file is written: wholly old, no debris' '
	setup_af3 &&
	kill_during_apply &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "apply pause pid=" "$TRASH/out" &&
	expect_no_grep "^summary:" "$TRASH/out" &&
	expect_grep "pushfix: internal error (signal 9); the push goes on unchecked" "$TRASH/out" &&
	{ cmp "$TRASH/af3.orig" "$AF3" || { af3_expect ynn | cmp - "$AF3"; }; } &&
	cmp "$TRASH/af3.orig" "$AF3" &&
	git status --porcelain --ignored >"$TRASH/st" &&
	test ! -s "$TRASH/st" &&
	test -z "$(find . -name "*pushfix-tmp*")" &&
	pushed
'

test_expect_success 'the same with on_error = block: the push stops' '
	setup_af3 &&
	! PUSHFIX_POLICY_ON_ERROR=block kill_during_apply &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "internal error (signal 9); push stopped (\[policy\] on_error = block)" "$TRASH/out" &&
	cmp "$TRASH/af3.orig" "$AF3" &&
	test -z "$(find . -name "*pushfix-tmp*")" &&
	! pushed
'

test_expect_success 'the same pause, not killed: wholly new' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line y
	expect apply pause pid=
	expect $P2
	line q
	expect summary:
	EOF
	! PUSHFIX_TEST_APPLY_PAUSE_MS=200 push_tty "$TRASH/s" "$TRASH/log" &&
	af3_expect ynn >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3" &&
	test -z "$(find . -name "*pushfix-tmp*")"
'

test_expect_success 'a file deleted from the working tree: refused, not recreated' '
	setup_af3 &&
	rm "$AF3" &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	line y
	expect $P2
	line q
	expect summary:
	EOF
	push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "not applied: .app/three-autofixes.py. no longer exists" "$TRASH/out" &&
	test ! -e "$AF3"
'

test_done
