#!/bin/sh
# Review of team memory (issue 15 items 3, 4): .pushfix/ignore is written
# by `pushfix ignore --shared`, `I` at the prompt and the mirror's
# `/pushfix agree`, and the developer is told to commit it.  A repository
# that commits .pushfix/ignore (or .pushfix, or .pushfix/.gitattributes)
# as a symbolic link to a file of the developer's must not have that
# file's content copied into the repository: pushfix writes through no
# link there.
. "$(dirname "$0")/lib.sh"

FP=$(printf "a%.0s" $(seq 64))

decisions() {
	mkdir -p .git/pushfix &&
	printf "# pushfix decisions v1\n%s\t2020-01-01T00:00:00Z\tFF1001\ta.c\tx\n" \
		"$FP" >.git/pushfix/decisions
}

test_expect_success 'setup: a file of the developer, outside the repository' '
	printf "aws_secret_access_key = not-to-be-copied\n" >"$TRASH/creds"
'

test_expect_success '.pushfix/ignore a link: refused, the file never copied' '
	rm -rf "$TRASH/r1" && git init -q "$TRASH/r1" && cd "$TRASH/r1" &&
	mkdir .pushfix && ln -s "$TRASH/creds" .pushfix/ignore &&
	git add .pushfix && git commit -q -m "team ignores" &&
	decisions &&
	! "$PUSHFIX_BIN" ignore --shared 1 >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "\.pushfix/ignore. is a symbolic link" "$TRASH/err" &&
	test -L .pushfix/ignore &&
	! grep -rq "not-to-be-copied" .pushfix/ &&
	git diff --quiet
'

test_expect_success '.pushfix a link to a directory: refused, nothing written there' '
	rm -rf "$TRASH/r2" "$TRASH/elsewhere" && mkdir "$TRASH/elsewhere" &&
	git init -q "$TRASH/r2" && cd "$TRASH/r2" &&
	ln -s "$TRASH/elsewhere" .pushfix &&
	git add .pushfix && git commit -q -m "team ignores" &&
	decisions &&
	! "$PUSHFIX_BIN" ignore --shared 1 >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "\.pushfix. is a symbolic link" "$TRASH/err" &&
	test -z "$(ls -A "$TRASH/elsewhere")"
'

test_expect_success '.pushfix/.gitattributes a link: refused, the file never copied' '
	rm -rf "$TRASH/r3" && git init -q "$TRASH/r3" && cd "$TRASH/r3" &&
	mkdir .pushfix && ln -s "$TRASH/creds" .pushfix/.gitattributes &&
	git add .pushfix && git commit -q -m "team attributes" &&
	decisions &&
	! "$PUSHFIX_BIN" ignore --shared 1 >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "\.pushfix/\.gitattributes. is a symbolic link" "$TRASH/err" &&
	test -L .pushfix/.gitattributes && test ! -e .pushfix/ignore
'

test_done
