#!/bin/sh
# Signals and crashes leave nothing behind: the hook's guard (the parent of
# the pipeline child) removes the temp dir with the pushed code and kills
# the scanner's process group whatever becomes of the child; the child
# dies with the guard, and the guard with git; the whole hook runs within [core] max_seconds; a
# SIGINT that reaches the scanner while git ignores SIGINT is an
# interruption, not a timeout.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

export TMPDIR=$TRASH/tmp
mkdir -p "$TMPDIR"
PIDS=$TRASH/scanner.pids

# A slow SARIF scanner: its pid, its parent's (the pipeline child), and a
# child of its own (same group) that sleeps.
cat >"$TRASH/slowscan" <<\EOS
#!/bin/sh
echo $PPID >"@TRASH@/scanner.ppid"
sleep 60 &
printf '%s\n%s\n' $$ $! >>"@TRASH@/scanner.pids"
wait
echo '{"version":"2.1.0","runs":[]}'
EOS
sed -i "s|@TRASH@|$TRASH|g" "$TRASH/slowscan"
chmod +x "$TRASH/slowscan"
export PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="$TRASH/slowscan {files}"

no_scan_dirs() {
	_left=$(ls "$TMPDIR" | grep '^pushfix-scan\.' || true)
	test -z "$_left" || { echo "left behind in TMPDIR: $_left"; return 1; }
}

# Wait (5 s at most) until the scanner and its child have started.
wait_scanner() {
	_i=0
	while [ "$(cat "$PIDS" 2>/dev/null | wc -l)" -lt 2 ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	[ "$(wc -l <"$PIDS")" -ge 2 ] && test -n "$(ls "$TMPDIR")"
}

# Wait (5 s at most) until every pid given is gone.
expect_gone() {
	_i=0
	while [ $_i -lt 100 ]; do
		_alive=
		for _p in "$@"; do
			if kill -0 "$_p" 2>/dev/null; then _alive="$_alive $_p"; fi
		done
		[ -n "$_alive" ] || return 0
		sleep 0.05
		_i=$((_i + 1))
	done
	echo "still running:$_alive"
	kill -9 $_alive
	return 1
}

# The hook as git runs it, in the background: $HOOK is its pid.
start_hook() {
	rm -f "$PIDS" "$TRASH/scanner.ppid" &&
	printf "refs/heads/main %s refs/heads/main %s\n" \
		"$(git rev-parse HEAD)" "$(git rev-parse HEAD~1)" >"$TRASH/in" &&
	{ "$PUSHFIX_BIN" hook pre-push origin "$TRASH/origin.git" \
		<"$TRASH/in" >"$TRASH/out" 2>"$TRASH/err" & } &&
	HOOK=$! &&
	wait_scanner
}

test_expect_success 'setup' '
	setup_repo &&
	echo "x = 1" | commit_file a.py
'

test_expect_success 'SIGKILL of the pipeline child mid-scan: scanner and temp dir gone' '
	cd "$TRASH/work" &&
	start_hook &&
	child=$(cat "$TRASH/scanner.ppid") &&
	test "$child" != "$HOOK" &&
	kill -9 "$child" &&
	{ wait $HOOK; rc=$?; true; } &&
	test "$rc" -eq 0 &&
	expect_grep "internal error (signal 9); the push goes on unchecked" "$TRASH/err" &&
	expect_gone $(cat "$PIDS") &&
	no_scan_dirs
'

test_expect_success 'SIGKILL of the guard: the child goes, and cleans up' '
	cd "$TRASH/work" &&
	start_hook &&
	child=$(cat "$TRASH/scanner.ppid") &&
	kill -9 "$HOOK" &&
	{ wait $HOOK; true; } &&
	expect_gone "$child" $(cat "$PIDS") &&
	no_scan_dirs
'

# git's place: a parent that waits for the hook.
as_git='import subprocess, sys
sys.exit(subprocess.call(sys.argv[1:]))'
test_expect_success 'SIGKILL of the hook'"'"'s parent (git): nothing is left' '
	cd "$TRASH/work" &&
	rm -f "$PIDS" "$TRASH/scanner.ppid" &&
	{ python3 -c "$as_git" "$PUSHFIX_BIN" hook pre-push origin \
		"$TRASH/origin.git" <"$TRASH/in" >"$TRASH/out" 2>"$TRASH/err" & } &&
	git_pid=$! &&
	wait_scanner &&
	child=$(cat "$TRASH/scanner.ppid") &&
	guard=$(ps -o ppid= -p "$child" | tr -d " ") &&
	test "$guard" != "$git_pid" &&
	kill -9 "$git_pid" &&
	{ wait $git_pid; true; } &&
	expect_gone "$guard" "$child" $(cat "$PIDS") &&
	no_scan_dirs
'

test_expect_success '[core] max_seconds: one line, the push goes on' '
	cd "$TRASH/work" &&
	rm -f "$PIDS" &&
	t0=$(date +%s) &&
	PUSHFIX_CORE_MAX_SECONDS=2 git push origin main 2>"$TRASH/err" &&
	t1=$(date +%s) &&
	test $((t1 - t0)) -lt 10 &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "^pushfix: stopped after 2 s (\[core\] max_seconds); the push goes on$" "$TRASH/err" &&
	expect_gone $(cat "$PIDS") &&
	no_scan_dirs
'

test_expect_success '[core] max_seconds with on_error = block: the push stops' '
	cd "$TRASH/work" &&
	echo "y = 2" | commit_file b.py &&
	rm -f "$PIDS" &&
	! PUSHFIX_CORE_MAX_SECONDS=1 PUSHFIX_POLICY_ON_ERROR=block \
		git push origin main 2>"$TRASH/err" &&
	expect_grep "^pushfix: stopped after 1 s (\[core\] max_seconds); push stopped (\[policy\] on_error = block)$" "$TRASH/err" &&
	test "$(remote_oid refs/heads/main)" != "$(git rev-parse HEAD)" &&
	expect_gone $(cat "$PIDS") &&
	no_scan_dirs
'

# A background job of sh has SIGINT ignored, and so has the git it runs,
# and the hook: the scanner must not inherit that.
test_expect_success 'SIGINT to the scanner while git ignores it: "interrupted"' '
	cd "$TRASH/work" &&
	rm -f "$PIDS" &&
	{ PUSHFIX_SCAN_TIMEOUT=60 git push origin main 2>"$TRASH/err" & } &&
	push=$! &&
	wait_scanner &&
	kill -INT "$(head -n 1 "$PIDS")" &&
	{ wait $push; rc=$?; true; } &&
	test "$rc" -eq 0 &&
	expect_grep "^pushfix: $TRASH/slowscan was interrupted (SIGINT); the scan did not finish; the push goes on unchecked$" "$TRASH/err" &&
	expect_no_grep "did not finish within" "$TRASH/err" &&
	expect_gone $(cat "$PIDS") &&
	no_scan_dirs
'

test_done
