#!/bin/sh
# Fail-open: a missing, crashing, hanging or babbling scanner and a broken
# config each print ONE clear line and the push goes on; with
# `[policy] on_error = block` the same faults stop the push.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

# PATH without the replaying semgrep (and no real one anywhere).
NOSG_PATH=$(echo "$PATH" | tr : '\n' | grep -v "^$STANDINS/bin\$" | paste -sd: -)

n=0
# A new commit on main touching a scannable file.
new_commit() {
	n=$((n + 1))
	mi_text one two three >app/pattern_either_basic.py &&
	echo "change $n $$" >>notes.txt &&
	git add app/pattern_either_basic.py notes.txt &&
	git commit -q -m "change $n"
}

# push_open: the push succeeds, the remote has HEAD; stderr in $TRASH/err.
push_open() {
	timeout 120 git push -q origin main 2>"$TRASH/err" || {
		echo "push failed:"
		cat "$TRASH/err"
		return 1
	}
	expect_remote_at refs/heads/main HEAD
}

# push_blocked: the push fails and the remote keeps its old value.
push_blocked() {
	_old=$(remote_oid refs/heads/main)
	if timeout 120 git push -q origin main 2>"$TRASH/err"; then
		echo "push was not stopped:"
		cat "$TRASH/err"
		return 1
	fi
	test "$(remote_oid refs/heads/main)" = "$_old" || {
		echo "remote moved although the push was stopped"
		return 1
	}
}

test_expect_success 'setup' '
	setup_repo &&
	! PATH=$NOSG_PATH command -v semgrep &&
	mi_text | commit_file app/pattern_either_basic.py "start" &&
	git push -q --no-verify origin main
'

test_expect_success 'healthy scanner: findings shown, push goes on (the rig works)' '
	cd "$TRASH/work" && new_commit &&
	push_open &&
	expect_grep "method two detected" "$TRASH/err"
'

test_expect_success 'engine semgrep, semgrep not in PATH: one line, push goes on' '
	cd "$TRASH/work" && new_commit &&
	before=$(log_count) &&
	PATH=$NOSG_PATH PUSHFIX_SCAN_ENGINE=semgrep push_open &&
	expect_one_line "$TRASH/err" "semgrep" &&
	test "$(log_count)" -eq "$before"
'

test_expect_success 'semgrep_bin pointing nowhere: one line, push goes on' '
	cd "$TRASH/work" && new_commit &&
	PUSHFIX_SCAN_ENGINE=semgrep PUSHFIX_SCAN_SEMGREP_BIN=$TRASH/no/such/semgrep \
		push_open &&
	expect_one_line "$TRASH/err" "semgrep"
'

test_expect_success 'semgrep crashes (SIGSEGV): one line, push goes on' '
	cd "$TRASH/work" && new_commit &&
	before=$(log_count) &&
	FAKE_SEMGREP_MODE=crash push_open &&
	test "$(log_count)" -eq $((before + 1)) &&
	expect_one_line "$TRASH/err" "semgrep" &&
	expect_no_grep "detected" "$TRASH/err"
'

# The stand-in writes its pids once it and its child run; on a loaded
# machine (two cores, ASan, four scripts at a time) starting two Pythons
# can take seconds, so the timeout leaves room for that, and a missing
# file says so instead of failing silently.
pids_written() {
	test -s "$TRASH/semgrep-hang.pids" || {
		echo "the stand-in was killed before it wrote its pids"
		return 1
	}
}

test_expect_success 'semgrep hangs: killed with its children after scan.timeout' '
	cd "$TRASH/work" && new_commit &&
	rm -f "$TRASH/semgrep-hang.pids" &&
	t0=$(date +%s) &&
	FAKE_SEMGREP_MODE=hang PUSHFIX_SCAN_TIMEOUT=6 push_open &&
	t1=$(date +%s) &&
	test $((t1 - t0)) -lt 60 &&
	expect_one_line "$TRASH/err" "semgrep" &&
	pids_written &&
	sleep 1 &&
	for p in $(cat "$TRASH/semgrep-hang.pids"); do
		! proc_alive "$p" || { echo "process $p survived"; exit 1; }
	done
'

test_expect_success 'semgrep hangs and ignores SIGTERM: SIGKILL ends the group' '
	cd "$TRASH/work" && new_commit &&
	rm -f "$TRASH/semgrep-hang.pids" &&
	t0=$(date +%s) &&
	FAKE_SEMGREP_MODE=hang-stubborn PUSHFIX_SCAN_TIMEOUT=6 push_open &&
	t1=$(date +%s) &&
	test $((t1 - t0)) -lt 60 &&
	expect_one_line "$TRASH/err" "semgrep" &&
	pids_written &&
	sleep 1 &&
	for p in $(cat "$TRASH/semgrep-hang.pids"); do
		! proc_alive "$p" || { echo "process $p survived"; exit 1; }
	done
'

test_expect_success 'semgrep prints garbage (exit 0): one line, push goes on' '
	cd "$TRASH/work" && new_commit &&
	FAKE_SEMGREP_MODE=garbage push_open &&
	expect_one_line "$TRASH/err" "semgrep"
'

test_expect_success 'semgrep rejects its rules (exit 7, errors[]): push goes on' '
	cd "$TRASH/work" && new_commit &&
	FAKE_SEMGREP_MODE=exit2-json push_open &&
	expect_one_line "$TRASH/err" "semgrep.*(rule|config)"
'

test_expect_success 'semgrep --config file missing: push goes on' '
	cd "$TRASH/work" && new_commit &&
	PUSHFIX_SCAN_SEMGREP_CONFIG=$TRASH/no-rules.yaml push_open &&
	expect_grep "no-rules.yaml" "$TRASH/err"
'

test_expect_success 'PUSHFIX_CONFIG names a missing file: one line, push goes on' '
	cd "$TRASH/work" && new_commit &&
	PUSHFIX_CONFIG=$TRASH/missing.ini push_open &&
	expect_one_line "$TRASH/err" "missing\.ini"
'

# A committed file cannot stop the check (issue 10): one warning, and the
# scan runs all the same.
test_expect_success 'unreadable .pushfix.ini (a directory): one warning, the check runs' '
	cd "$TRASH/work" && new_commit &&
	mkdir .pushfix.ini &&
	push_open &&
	rmdir .pushfix.ini &&
	test "$(grep -c "^warning: .*\.pushfix\.ini" "$TRASH/err")" -eq 1 &&
	expect_grep "^pushfix: .*scanned by semgrep" "$TRASH/err"
'

test_expect_success 'malformed .pushfix.ini (bad value): names file:line, the check runs' '
	cd "$TRASH/work" && new_commit &&
	printf "[scan]\n# comment\nfilter = sideways\n" >.pushfix.ini &&
	push_open &&
	rm -f .pushfix.ini &&
	expect_grep "\.pushfix\.ini" "$TRASH/err" &&
	expect_grep "line 3" "$TRASH/err" &&
	expect_grep "sideways" "$TRASH/err" &&
	expect_grep "keeping added" "$TRASH/err" &&
	test "$(grep -c "^warning:" "$TRASH/err")" -eq 1 &&
	expect_grep "^pushfix: .*scanned by semgrep" "$TRASH/err"
'

test_expect_success 'malformed .pushfix.ini (not INI): names file:line, push goes on' '
	cd "$TRASH/work" && new_commit &&
	printf "[scan]\nthis is not ini\n" >.pushfix.ini &&
	push_open &&
	rm -f .pushfix.ini &&
	expect_grep "\.pushfix\.ini" "$TRASH/err" &&
	expect_grep "line 2" "$TRASH/err"
'

test_expect_success 'bad value in the environment: names the variable, push goes on' '
	cd "$TRASH/work" && new_commit &&
	PUSHFIX_SCAN_TIMEOUT=soon push_open &&
	expect_grep "PUSHFIX_SCAN_TIMEOUT" "$TRASH/err" &&
	expect_grep "soon" "$TRASH/err"
'

test_expect_success 'on_error = block, healthy scanner: the push goes on' '
	cd "$TRASH/work" && new_commit &&
	printf "[policy]\non_error = block\n" >.pushfix.ini &&
	push_open &&
	rm -f .pushfix.ini
'

test_expect_success 'on_error = block (.pushfix.ini) + crash: the push is stopped' '
	cd "$TRASH/work" && new_commit &&
	printf "[policy]\non_error = block\n" >.pushfix.ini &&
	FAKE_SEMGREP_MODE=crash push_blocked &&
	rm -f .pushfix.ini &&
	expect_grep "semgrep" "$TRASH/err"
'

test_expect_success 'on_error = block + semgrep missing: the push is stopped' '
	cd "$TRASH/work" &&
	PATH=$NOSG_PATH PUSHFIX_SCAN_ENGINE=semgrep PUSHFIX_POLICY_ON_ERROR=block \
		push_blocked &&
	expect_grep "semgrep" "$TRASH/err"
'

test_expect_success 'on_error = block + timeout: the push is stopped' '
	cd "$TRASH/work" &&
	FAKE_SEMGREP_MODE=hang PUSHFIX_SCAN_TIMEOUT=2 PUSHFIX_POLICY_ON_ERROR=block \
		push_blocked
'

test_expect_success 'on_error = block + garbage: the push is stopped' '
	cd "$TRASH/work" &&
	FAKE_SEMGREP_MODE=garbage PUSHFIX_POLICY_ON_ERROR=block push_blocked &&
	push_open
'

test_done
