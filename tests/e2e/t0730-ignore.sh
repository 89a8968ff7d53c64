#!/bin/sh
# `i` at the prompt: the finding is remembered by its fingerprint (rule +
# normalised code) in .git/pushfix/decisions and not shown again;
# `pushfix ignored` lists them, `pushfix unignore N` reverts one.  With
# [ui] ignore_writes_nosemgrep = true a `nosemgrep` comment is written
# above each copy instead.
#
# Blocks 1 and 2 of the recorded case are the same code (one fingerprint);
# block 3 differs (no trailing comma).
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-ui.sh"

export PUSHFIX_POLICY_BLOCK=error

test_expect_success 'i: ignored, with the same code elsewhere; the push waits' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect \(1/3\) Apply this fix \[y,n,a,d,i,e,p,q,\?\]\? 
	line i
	expect \(3/3\) Apply this fix
	line n
	expect push anyway\? \[y/N\] 
	line
	EOF
	! push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  ignored: it will not be shown again (.pushfix ignored. lists it)$" "$TRASH/out" &&
	expect_grep "^\[2/3\] ignored, same code: ERROR rules.autofix.autofix-bugtest$" "$TRASH/out" &&
	expect_grep "^  app/three-autofixes.py:12$" "$TRASH/out" &&
	expect_grep "^summary: 0 applied, 1 skipped, 2 ignored; 1 still open$" "$TRASH/out" &&
	expect_grep "^\[policy\] block = error: 1 open finding of severity ERROR or higher$" "$TRASH/out" &&
	! pushed &&
	cmp "$TRASH/af3.orig" "$AF3" &&
	test "$(stat -c %a .git/pushfix/decisions)" = 600 &&
	test "$(grep -vc "^#" .git/pushfix/decisions)" = 1
'

test_expect_success 'the next push does not show them' '
	cd "$TRASH/work" &&
	cat >"$TRASH/s" <<-EOF &&
	expect \(1/1\) Apply this fix
	line n
	expect push anyway\? \[y/N\] 
	line y
	EOF
	push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^\[1/1\] ERROR rules.autofix.autofix-bugtest$" "$TRASH/out" &&
	expect_grep "^  app/three-autofixes.py:20-24$" "$TRASH/out" &&
	pushed
'

test_expect_success 'pushfix ignored lists them, numbered' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" ignored >"$TRASH/list" &&
	expect_grep "^  1  [0-9]\{4\}-[0-9][0-9]-[0-9][0-9]  rules.autofix.autofix-bugtest$" "$TRASH/list" &&
	expect_grep "^     app/three-autofixes.py: return requests.post($" "$TRASH/list" &&
	expect_grep "^hint: .pushfix unignore N. shows finding N again$" "$TRASH/list" &&
	# from a subdirectory too
	(cd app && "$PUSHFIX_BIN" ignored) >"$TRASH/list2" &&
	cmp "$TRASH/list" "$TRASH/list2"
'

test_expect_success 'pushfix unignore N: shown again on the next push' '
	cd "$TRASH/work" &&
	! "$PUSHFIX_BIN" unignore 2 2>"$TRASH/err" &&
	expect_grep "^error: no ignored finding number 2 (.pushfix ignored. lists 1)$" "$TRASH/err" &&
	! "$PUSHFIX_BIN" unignore x 2>"$TRASH/err" &&
	expect_grep "^error: .x. is not a number" "$TRASH/err" &&
	"$PUSHFIX_BIN" unignore 1 >"$TRASH/out" &&
	expect_grep "^no longer ignored: rules.autofix.autofix-bugtest in app/three-autofixes.py$" "$TRASH/out" &&
	"$PUSHFIX_BIN" ignored >"$TRASH/list" &&
	expect_grep "^no ignored findings$" "$TRASH/list" &&
	# the same three findings pushed again, on another branch
	git checkout -q -b again HEAD~1 &&
	cp "$AF3_SRC" "$AF3" && echo "#" >>"$AF3" && git commit -q -am again &&
	cat >"$TRASH/s" <<-EOF &&
	expect \(1/3\) Apply this fix
	line q
	expect push anyway\? \[y/N\] 
	line
	EOF
	! push_tty "$TRASH/s" "$TRASH/log" again &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^\[1/3\] ERROR" "$TRASH/out"
'

test_expect_success 'a damaged decision store: one clear line, the push goes on' '
	setup_af3 &&
	mkdir -p .git/pushfix &&
	printf "not a decision\n" >.git/pushfix/decisions &&
	PUSHFIX_POLICY_BLOCK=never timeout 60 git push origin main 2>"$TRASH/err" &&
	expect_grep "cannot parse .*decisions. line 1" "$TRASH/err" &&
	pushed &&
	! "$PUSHFIX_BIN" ignored 2>"$TRASH/err" &&
	expect_grep "^error: cannot parse .*decisions. line 1: expected 5 tab-separated fields$" "$TRASH/err"
'

test_expect_success 'ignore_writes_nosemgrep: a comment above each copy instead' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect \(1/3\) Apply this fix
	line i
	expect \(3/3\) Apply this fix
	line n
	expect summary:
	EOF
	! PUSHFIX_UI_IGNORE_WRITES_NOSEMGREP=true push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  wrote a nosemgrep comment above app/three-autofixes.py:4$" "$TRASH/out" &&
	expect_grep "^  wrote a nosemgrep comment above app/three-autofixes.py:13$" "$TRASH/out" &&
	expect_grep "2 nosemgrep comments applied to your working tree — review, commit and push again" "$TRASH/out" &&
	sed -e "4i\\    # nosemgrep: rules.autofix.autofix-bugtest" \
	    -e "12i\\    # nosemgrep: rules.autofix.autofix-bugtest" \
	    "$TRASH/af3.orig" >"$TRASH/want" &&
	cmp "$TRASH/want" "$AF3" &&
	test ! -e .git/pushfix/decisions &&
	! pushed
'

test_done
