#!/bin/sh
# Text output wraps at the terminal's width: $COLUMNS when it is a
# number, else the terminal's (not testable without a pty here), else 80.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-llm.sh"

# The flawfinder message of the strcpy, 101 columns on one line.
MSG_END="(CWE-120)."

# The longest line of a file, in characters.
longest() {
	awk '{ if (length($0) > n) n = length($0) } END { print n + 0 }' "$1"
}

# The line holding the start of the strcpy message and the next one.
msg_lines() {
	grep -A1 "buffer/strcpy:" "$1"
}

test_expect_success 'setup: a pushed strcpy flawfinder reports' '
	command -v flawfinder &&
	setup_llm_repo
'

test_expect_success 'COLUMNS=120: the message fits on one line' '
	cd "$TRASH/work" &&
	COLUMNS=120 "$PUSHFIX_BIN" scan --no-triage >"$TRASH/w120" &&
	expect_grep "buffer/strcpy:.*$MSG_END" "$TRASH/w120" &&
	test "$(longest "$TRASH/w120")" -gt 80 &&
	test "$(longest "$TRASH/w120")" -le 120
'

test_expect_success 'COLUMNS=60: wrapped at 60 columns' '
	cd "$TRASH/work" &&
	COLUMNS=60 "$PUSHFIX_BIN" scan --no-triage >"$TRASH/w60" &&
	expect_no_grep "buffer/strcpy:.*$MSG_END" "$TRASH/w60" &&
	expect_grep "buffer/strcpy:" "$TRASH/w60" &&
	test "$(longest "$TRASH/w60")" -le 60 &&
	test "$(longest "$TRASH/w60")" -gt 50
'

test_expect_success 'no COLUMNS and no terminal: 80, as before' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" scan --no-triage >"$TRASH/w80" &&
	expect_no_grep "buffer/strcpy:.*$MSG_END" "$TRASH/w80" &&
	test "$(longest "$TRASH/w80")" -le 80 &&
	test "$(longest "$TRASH/w80")" -gt 60 &&
	! cmp -s "$TRASH/w80" "$TRASH/w60" && ! cmp -s "$TRASH/w80" "$TRASH/w120"
'

test_expect_success 'a COLUMNS that is not a width is ignored' '
	cd "$TRASH/work" &&
	for c in abc 12x -70 5 99999 ""; do
		COLUMNS=$c "$PUSHFIX_BIN" scan --no-triage >"$TRASH/wbad" &&
		cmp "$TRASH/w80" "$TRASH/wbad" || return 1
	done
'

test_expect_success 'the hook wraps at COLUMNS too' '
	cd "$TRASH/work" &&
	COLUMNS=120 git push origin main 2>"$TRASH/push.err" &&
	expect_grep "buffer/strcpy:.*$MSG_END" "$TRASH/push.err" &&
	test "$(longest "$TRASH/push.err")" -le 120
'

test_done
