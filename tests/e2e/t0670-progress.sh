#!/bin/sh
# Issue 11 item 6: progress on a terminal.  A slow scanner (flawfinder
# behind a 2 s sleep) and a slow LLM stand-in (2 s per answer), the push
# driven on a real pseudo-terminal: one stderr line redrawn in place while
# each takes more than a second, erased before anything else prints (also
# on Ctrl-C); nothing for quick work, nothing when stderr is a file,
# nothing with [ui] progress = never.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

cat >"$TRASH/slow-flawfinder" <<\EOF
#!/bin/sh
sleep "${SLOW_SCAN:-0}"
exec flawfinder "$@"
EOF
chmod +x "$TRASH/slow-flawfinder"
export PUSHFIX_SCAN_COMMAND="$TRASH/slow-flawfinder --sarif {files}"
export PUSHFIX_UI_INTERACTIVE=never
unset PUSHFIX_UI_PROGRESS
export TERM=xterm

# The pushed commit off the remote again, so that each test pushes it.
unpush() {
	git push -q --no-verify -f origin HEAD~1:main
}

# push_pty SCRIPT LOG: git push on a pty (stderr a terminal).
push_pty() {
	unpush &&
	python3 "$STANDINS/pty_drive.py" --script "$1" --log "$2" \
		--timeout 60 --cols 100 -- git push origin main
}

# The raw log: every progress line drawn is erased ("\r\033[K") before
# anything else is printed, and none is left at the end.  Prints the
# labels drawn, one a line.
check_progress() {
	python3 - "$1" <<-\EOF
	import re, sys
	raw = open(sys.argv[1], "rb").read().decode("utf-8", "replace")
	erase = "\r\x1b[K"
	chunks = raw.split(erase)
	for c in chunks[1:]:
	    if not c.startswith("pushfix: "):
	        continue
	    m = re.match(r"pushfix: (scanning|triaging) ", c)
	    if not m:
	        continue
	    # a drawn line: nothing may follow it but the next erase
	    assert "\n" not in c and "\r" not in c, repr(c)
	    print(c)
	EOF
}

test_expect_success 'setup: a pushed strcpy, a slow scanner' '
	command -v flawfinder &&
	setup_llm_repo
'

start_llm llm

test_expect_success 'a slow scan and slow triage: one line, redrawn, erased' '
	cd "$TRASH/work" &&
	llm_set --delay-ms 2000 &&
	echo wait >"$TRASH/s" &&
	SLOW_SCAN=2 PUSHFIX_NO_CACHE=1 push_pty "$TRASH/s" "$TRASH/log" &&
	check_progress "$TRASH/log" >"$TRASH/drawn" &&
	expect_grep "^pushfix: scanning 1 file with slow-flawfinder\(…\|\.\.\.\) [0-9]*\.[0-9] s$" "$TRASH/drawn" &&
	expect_grep "^pushfix: triaging 1 finding with 127\.0\.0\.1[:0-9]*\(…\|\.\.\.\) 0/1, [0-9]*\.[0-9] s$" "$TRASH/drawn" &&
	test "$(grep -c scanning "$TRASH/drawn")" -ge 3 &&
	expect_grep "src/copy.c:6" "$TRASH/log"
'

test_expect_success 'quick work draws nothing' '
	cd "$TRASH/work" &&
	llm_set &&
	echo wait >"$TRASH/s" &&
	PUSHFIX_NO_CACHE=1 push_pty "$TRASH/s" "$TRASH/log" &&
	expect_no_grep "scanning\|triaging" "$TRASH/log" &&
	expect_grep "src/copy.c:6" "$TRASH/log"
'

test_expect_success '[ui] progress = never draws nothing' '
	cd "$TRASH/work" &&
	llm_set --delay-ms 1500 &&
	echo wait >"$TRASH/s" &&
	SLOW_SCAN=1.5 PUSHFIX_UI_PROGRESS=never PUSHFIX_NO_CACHE=1 \
		push_pty "$TRASH/s" "$TRASH/log" &&
	expect_no_grep "scanning\|triaging" "$TRASH/log"
'

test_expect_success 'stderr a file: no progress, no carriage return' '
	cd "$TRASH/work" &&
	llm_set --delay-ms 1500 &&
	unpush &&
	SLOW_SCAN=1.5 PUSHFIX_NO_CACHE=1 git push origin main \
		2>"$TRASH/err" </dev/null &&
	expect_grep "src/copy.c:6" "$TRASH/err" &&
	! grep -q "$(printf "\r")" "$TRASH/err" &&
	expect_no_grep "scanning\|triaging" "$TRASH/err"
'

test_expect_success 'Ctrl-C while the line shows: erased, the push stops' '
	cd "$TRASH/work" &&
	cat >"$TRASH/s" <<-\EOF &&
	expect pushfix: scanning
	send \x03
	wait
	EOF
	! SLOW_SCAN=5 push_pty "$TRASH/s" "$TRASH/log" &&
	check_progress "$TRASH/log" >"$TRASH/drawn" &&
	expect_grep scanning "$TRASH/drawn" &&
	python3 - "$TRASH/log" <<-\EOF
	import sys
	raw = open(sys.argv[1], "rb").read()
	last = raw.rfind(b"pushfix: scanning")
	assert b"\r\x1b[K" in raw[last:], repr(raw[last:])
	EOF
'

test_done
