#!/bin/sh
# The pipeline's edges found in review: a push with nothing to scan needs
# no repository at all; Ctrl-C during a scan stops the scanner's group and
# leaves no temp dir; one line on a fault even when the message had a
# newline; one line when pushfix crashes (no repeated config warnings);
# semgrep from ~/.local/bin when PATH lacks it (GUI git clients);
# `pushfix scan`'s default range follows the push remote; relative rules
# paths from a subdirectory; exact messages for bad options; a partial
# scan (findings, then a fatal exit) says so.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

NOSG_PATH=$(echo "$PATH" | tr : '\n' | grep -v "^$STANDINS/bin\$" | paste -sd: -)
Z=0000000000000000000000000000000000000000

# TMPDIR of the hook's scans, checked for leftovers.
export TMPDIR=$TRASH/tmp
mkdir -p "$TMPDIR"

no_scan_dirs() {
	_left=$(ls "$TMPDIR" | grep '^pushfix-scan\.' || true)
	test -z "$_left" || { echo "left behind in TMPDIR: $_left"; return 1; }
}

test_expect_success 'setup' '
	setup_repo &&
	mi_text | commit_file app/pattern_either_basic.py "start" &&
	git push -q --no-verify origin main
'

test_expect_success 'deletions only: nothing read, not even the repository' '
	mkdir -p "$TRASH/not-a-repo" && cd "$TRASH/not-a-repo" &&
	printf "refs/heads/gone %s refs/heads/gone %s\n(delete) %s refs/tags/v1 %s\n" \
		$Z "$(git -C "$TRASH/work" rev-parse HEAD)" \
		$Z "$(git -C "$TRASH/work" rev-parse HEAD)" >"$TRASH/in" &&
	"$PUSHFIX_BIN" hook pre-push origin "$TRASH/origin.git" \
		<"$TRASH/in" >"$TRASH/out" 2>"$TRASH/err" &&
	test ! -s "$TRASH/err" && test ! -s "$TRASH/out" &&
	"$PUSHFIX_BIN" hook pre-push origin "$TRASH/origin.git" </dev/null \
		>"$TRASH/out" 2>"$TRASH/err" &&
	test ! -s "$TRASH/err" &&
	no_scan_dirs
'

test_expect_success 'a deletion beside a bad line still names the bad line' '
	cd "$TRASH/work" &&
	printf "refs/heads/gone %s refs/heads/gone %s\nbogus line\n" \
		$Z "$(git rev-parse HEAD)" |
	"$PUSHFIX_BIN" hook pre-push origin "$TRASH/origin.git" \
		>"$TRASH/out" 2>"$TRASH/err" &&
	expect_one_line "$TRASH/err" "line 2.*bogus line"
'

test_expect_success 'a real deletion push goes through without a scan' '
	cd "$TRASH/work" &&
	git push -q --no-verify origin main:refs/heads/tmp &&
	before=$(log_count) &&
	git push -q origin --delete tmp 2>"$TRASH/err" &&
	test -z "$(remote_oid refs/heads/tmp)" &&
	test "$(log_count)" -eq "$before" &&
	test ! -s "$TRASH/err"
'

test_expect_success 'a fault whose message holds a newline is still ONE line' '
	cd "$TRASH/work" &&
	mi_text one two | commit_file app/pattern_either_basic.py "two" &&
	PUSHFIX_SCAN_ENGINE=semgrep PUSHFIX_SCAN_SEMGREP_BIN="$(printf "no\nsuch")" \
		git push -q origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_one_line "$TRASH/err" "semgrep is not installed.*no such"
'

test_expect_success 'pushfix crashes: one line, config warnings not repeated' '
	cd "$TRASH/work" &&
	printf "[scan]\nfrobnicate = 1\n" >.pushfix.ini &&
	mi_text one two three | commit_file app/pattern_either_basic.py "three" &&
	PUSHFIX_TEST_CRASH=1 git push -q origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	test "$(grep -c "frobnicate" "$TRASH/err")" -eq 1 &&
	test "$(grep -c "internal error" "$TRASH/err")" -eq 1 &&
	rm .pushfix.ini
'

# Ctrl-C reaches the terminal's foreground group: git and pushfix, not the
# scanner, which runs in a group of its own.  A background job of sh has
# SIGINT ignored; a terminal's foreground job has it by default: run the
# hook like the latter, as the leader of a group of its own.
as_terminal_job='import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
signal.signal(signal.SIGQUIT, signal.SIG_DFL)
os.setpgid(0, 0)
os.execvp(sys.argv[1], sys.argv[1:])'
test_expect_success 'Ctrl-C during a scan: scanner group stopped, temp dir gone' '
	cd "$TRASH/work" &&
	mi_text one | commit_file app/pattern_either_basic.py "one" &&
	rm -f "$TRASH/semgrep-hang.pids" &&
	printf "refs/heads/main %s refs/heads/main %s\n" \
		"$(git rev-parse HEAD)" "$(git rev-parse HEAD~1)" >"$TRASH/in" &&
	FAKE_SEMGREP_MODE=hang PUSHFIX_SCAN_TIMEOUT=100 python3 -c "$as_terminal_job" \
		"$PUSHFIX_BIN" hook pre-push origin "$TRASH/origin.git" \
		<"$TRASH/in" >"$TRASH/out" 2>"$TRASH/err" &
	hook=$! &&
	i=0 &&
	while [ ! -s "$TRASH/semgrep-hang.pids" ] && [ $i -lt 200 ]; do
		sleep 0.1; i=$((i + 1))
	done &&
	test -s "$TRASH/semgrep-hang.pids" &&
	test -n "$(ls "$TMPDIR" | grep "^pushfix-scan\.")" &&
	/bin/kill -s INT -- "-$hook" &&
	{ wait $hook; rc=$?; true; } &&
	test "$rc" -ne 0 &&
	i=0 && alive=x &&
	while [ -n "$alive" ] && [ $i -lt 50 ]; do
		alive=
		for p in $(cat "$TRASH/semgrep-hang.pids"); do
			if kill -0 "$p" 2>/dev/null; then alive="$alive $p"; fi
		done
		[ -z "$alive" ] || sleep 0.1
		i=$((i + 1))
	done &&
	if [ -n "$alive" ]; then
		echo "scanner processes still running:$alive"
		kill -9 $alive
		false
	fi &&
	no_scan_dirs
'

test_expect_success 'semgrep only in ~/.local/bin (a GUI client PATH): found' '
	cd "$TRASH/work" &&
	mkdir -p "$HOME/.local/bin" &&
	ln -sf "$STANDINS/bin/semgrep" "$HOME/.local/bin/semgrep" &&
	git push -q --no-verify origin main &&
	mi_text one two | commit_file app/pattern_either_basic.py "two again" &&
	before=$(log_count) &&
	PATH=$NOSG_PATH git push -q origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	test "$(log_count)" -gt "$before" &&
	expect_grep "method two detected" "$TRASH/err" &&
	PATH=$NOSG_PATH "$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1;
	expect_grep "ok *scanner: semgrep .*($HOME/.local/bin/semgrep)" "$TRASH/out" &&
	rm -f "$HOME/.local/bin/semgrep"
'

test_expect_success 'scan with no range: what a push to the push remote sends' '
	cd "$TRASH/work" &&
	git init -q --bare "$TRASH/fork.git" &&
	git remote add fork "$TRASH/fork.git" &&
	mi_text one two three | commit_file app/pattern_either_basic.py "c1" &&
	echo a >notes.txt && git add notes.txt && git commit -q -m c2 &&
	git push -q --no-verify fork main &&
	echo b >>notes.txt && git commit -q -am c3 &&
	"$PUSHFIX_BIN" changes >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^app/pattern_either_basic.py	" "$TRASH/out" &&
	git config branch.main.pushRemote fork &&
	"$PUSHFIX_BIN" changes >"$TRASH/out" 2>"$TRASH/err" &&
	test "$(cat "$TRASH/out")" = "notes.txt	2" &&
	"$PUSHFIX_BIN" scan --format json >"$TRASH/out.json" 2>"$TRASH/err" &&
	expect_grep "\"findings\":\[\]" "$TRASH/out.json" &&
	git config --unset branch.main.pushRemote
'

test_expect_success 'relative rules paths work from a subdirectory' '
	cd "$TRASH/work" &&
	mkdir -p rules app && cp "$MI_RULES" rules/mi.yaml &&
	git add rules && git commit -q -m rules &&
	mi_text one | commit_file app/pattern_either_basic.py "one more" &&
	cd app &&
	: >"$FAKE_SEMGREP_LOG" &&
	PUSHFIX_SCAN_SEMGREP_CONFIG=rules/mi.yaml "$PUSHFIX_BIN" scan HEAD~1..HEAD \
		>"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "\"$TRASH/work/rules/mi.yaml\"" "$FAKE_SEMGREP_LOG" &&
	cp "$MI_RULES" ../here.yaml &&
	PUSHFIX_SCAN_SEMGREP_CONFIG=../here.yaml "$PUSHFIX_BIN" scan HEAD~1..HEAD \
		>"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "\"$TRASH/work/here.yaml\"" "$FAKE_SEMGREP_LOG"
'

test_expect_success 'bad options: exact messages' '
	cd "$TRASH/work" &&
	! "$PUSHFIX_BIN" scan --format >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^error: option .--format. needs a value$" "$TRASH/err" &&
	! "$PUSHFIX_BIN" scan HEAD --filter >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^error: option .--filter. needs a value$" "$TRASH/err" &&
	! "$PUSHFIX_BIN" changes HEAD~1 HEAD >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^error: too many arguments$" "$TRASH/err" &&
	! "$PUSHFIX_BIN" changes --staged HEAD >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^error: give one of <range>, --staged$" "$TRASH/err"
'

test_expect_success 'findings with a failed semgrep run: shown, and the failure said' '
	cd "$TRASH/work" &&
	mi_text two | commit_file app/pattern_either_basic.py "only two" &&
	git push -q --no-verify origin main &&
	mi_text one two | commit_file app/pattern_either_basic.py "one again" &&
	FAKE_SEMGREP_EXIT=2 git push -q origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "method one detected" "$TRASH/err" &&
	expect_grep "^pushfix: warning: semgrep exited with 2" "$TRASH/err"
'

test_expect_success 'no scan left anything in TMPDIR' '
	no_scan_dirs
'

test_done
