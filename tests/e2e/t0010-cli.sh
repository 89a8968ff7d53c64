#!/bin/sh
# The command line: every command parses its options from one table, so
# --help, `pushfix help CMD`, an unknown option and a missing value
# behave alike everywhere.
. "$(dirname "$0")/lib.sh"

CMDS="hook scan changes config doctor version preview demo ignored unignore
mirror log uninstall"

test_expect_success 'CMD --help and pushfix help CMD: the usage, exit 0' '
	for c in $CMDS; do
		"$PUSHFIX_BIN" $c --help >"$TRASH/out" 2>"$TRASH/err" &&
		expect_grep "^usage: pushfix $c" "$TRASH/out" &&
		! test -s "$TRASH/err" &&
		"$PUSHFIX_BIN" help $c >"$TRASH/out2" &&
		cmp "$TRASH/out" "$TRASH/out2" || return 1
	done
'

test_expect_success 'an unknown option: the error, the usage line, exit 2' '
	for c in scan changes config doctor version preview demo ignored \
		unignore mirror log; do
		{ "$PUSHFIX_BIN" $c --frobnicate >"$TRASH/out" 2>"$TRASH/err"
		  test $? -eq 2; } &&
		expect_grep "^error: unknown option .--frobnicate.$" "$TRASH/err" &&
		expect_grep "^usage: pushfix $c" "$TRASH/err" &&
		! test -s "$TRASH/out" || return 1
	done
'

test_expect_success 'commands that take no arguments refuse one: exit 2' '
	for c in config doctor version; do
		{ "$PUSHFIX_BIN" $c extra >"$TRASH/out" 2>"$TRASH/err"
		  test $? -eq 2; } &&
		expect_grep "^error: too many arguments$" "$TRASH/err" &&
		expect_grep "^usage: pushfix $c" "$TRASH/err" &&
		! test -s "$TRASH/out" || return 1
	done
'

test_expect_success 'the hook never stops a push over its command line' '
	"$PUSHFIX_BIN" hook --frobnicate </dev/null 2>"$TRASH/err" &&
	expect_grep "the push goes on" "$TRASH/err"
'

test_expect_success 'a value: --opt V and --opt=V, and a missing or bad one' '
	{ "$PUSHFIX_BIN" log --since 2>"$TRASH/err"; test $? -eq 2; } &&
	expect_grep "^error: option .--since. needs a value$" "$TRASH/err" &&
	{ "$PUSHFIX_BIN" log --limit=x 2>"$TRASH/err"; test $? -eq 2; } &&
	expect_grep "^error: --limit wants a number, not .x.$" "$TRASH/err" &&
	{ "$PUSHFIX_BIN" mirror --dry-run=1 2>"$TRASH/err"; test $? -eq 2; } &&
	expect_grep "^error: option .--dry-run. takes no value$" "$TRASH/err"
'

test_expect_success 'pushfix help: the commands; an unknown one: exit 2' '
	"$PUSHFIX_BIN" help >"$TRASH/out" &&
	expect_grep "^  scan " "$TRASH/out" &&
	{ "$PUSHFIX_BIN" help nosuch 2>"$TRASH/err"; test $? -eq 2; } &&
	expect_grep "^error: unknown command .nosuch.$" "$TRASH/err"
'

test_done
