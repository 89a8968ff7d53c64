#!/bin/sh
# A committed .pushfix.ini arrives with every clone, so nothing in it may
# switch the check off (issue 10, item 3): a bad value costs that key, a
# link or a huge file is ignored with one warning and never shown, and
# the user's own `on_error = block` survives it.  PUSHFIX_CONFIG naming a
# FIFO is refused at once instead of hanging the hook.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

# push_open: the push succeeds (within a minute: a hang fails the test),
# the remote has HEAD; stderr in $TRASH/err.
push_open() {
	timeout 60 git push -q origin main 2>"$TRASH/err" || {
		echo "push failed:"
		cat "$TRASH/err"
		return 1
	}
	expect_remote_at refs/heads/main HEAD
}

push_blocked() {
	_old=$(remote_oid refs/heads/main)
	if timeout 60 git push -q origin main 2>"$TRASH/err"; then
		echo "push was not stopped:"
		cat "$TRASH/err"
		return 1
	fi
	test "$(remote_oid refs/heads/main)" = "$_old"
}

# A commit that adds the finding "method two" on top of one without it
# (pushed unchecked), so that a push that runs the check shows it.
n=0
finding_commit() {
	n=$((n + 1))
	mi_text >app/pattern_either_basic.py &&
	git commit -q --allow-empty -am "clean $n" &&
	git push -q --no-verify origin main &&
	mi_text two >app/pattern_either_basic.py &&
	git commit -q -am "finding $n"
}

# Commit stdin as .pushfix.ini, crafted as a fork would push it: a tree
# entry of mode $1 (100644, or 120000 for a link whose target is stdin),
# then checked out as git does.
commit_config() {
	_blob=$(git hash-object -w --stdin) &&
	_tree=$( { git ls-tree HEAD | grep -v '	\.pushfix\.ini$'
		printf '%s blob %s\t.pushfix.ini\n' "$1" "$_blob"; } | git mktree) &&
	_c=$(git commit-tree "$_tree" -p HEAD -m "team config") &&
	git reset -q --hard "$_c"
}

drop_config() {
	git rm -q -f .pushfix.ini && git commit -q -m "no team config" &&
	git push -q --no-verify origin main
}

test_expect_success 'setup' '
	setup_repo &&
	mi_text | commit_file app/pattern_either_basic.py "start" &&
	git push -q --no-verify origin main &&
	mkdir -p .git/pushfix
'

test_expect_success 'committed timeout = banana: a warning, the check runs' '
	cd "$TRASH/work" &&
	printf "[scan]\ntimeout = banana\n" | commit_config 100644 &&
	finding_commit &&
	push_open &&
	expect_grep "^warning: .\.pushfix\.ini. line 2: \[scan\] timeout: .banana. is not a whole number (expected 1 to 86400); keeping 120$" "$TRASH/err" &&
	expect_grep "method two detected" "$TRASH/err" &&
	{ "$PUSHFIX_BIN" config >"$TRASH/out" 2>/dev/null; test $? -eq 1; } &&
	expect_grep "^timeout = 120$" "$TRASH/out"
'

test_expect_success 'a near-miss key name gets a guess' '
	cd "$TRASH/work" &&
	printf "[scan]\ntimout = 5\n" | commit_config 100644 &&
	finding_commit &&
	push_open &&
	expect_grep "unknown key .timout. in \[scan\] (did you mean .timeout.?)" "$TRASH/err" &&
	expect_grep "method two detected" "$TRASH/err"
'

test_expect_success 'the user on_error = block survives a broken committed file' '
	cd "$TRASH/work" &&
	printf "[policy]\non_error = block\n" >.git/pushfix/config.ini &&
	printf "[policy]\non_error = allow\n[scan]\ntimeout = banana\n\0junk\n" | commit_config 100644 &&
	finding_commit &&
	FAKE_SEMGREP_MODE=crash push_blocked &&
	expect_grep "NUL byte" "$TRASH/err" &&
	expect_grep "push stopped (\[policy\] on_error = block)" "$TRASH/err" &&
	printf "[policy]\non_error = allow\n[scan]\ntimeout = banana\n" | commit_config 100644 &&
	finding_commit &&
	FAKE_SEMGREP_MODE=crash push_blocked &&
	expect_grep "banana" "$TRASH/err" &&
	expect_grep "push stopped (\[policy\] on_error = block)" "$TRASH/err" &&
	rm .git/pushfix/config.ini
'

test_expect_success 'committed link to /etc/passwd: ignored unread, the check runs' '
	cd "$TRASH/work" &&
	printf /etc/passwd | commit_config 120000 &&
	test -h .pushfix.ini &&
	finding_commit &&
	push_open &&
	expect_grep "^warning: .\.pushfix\.ini. is a symbolic link (only a regular file is read); the file is ignored$" "$TRASH/err" &&
	expect_no_grep "root" "$TRASH/err" &&
	test "$(grep -c "^warning:" "$TRASH/err")" -eq 1 &&
	expect_grep "method two detected" "$TRASH/err"
'

test_expect_success 'committed link to a file outside the work tree: ignored unread' '
	cd "$TRASH/work" &&
	printf "[scan]\nfilter = sideways-OUTSIDE\nengine = none\n" >"$TRASH/outside.ini" &&
	printf "%s" "$TRASH/outside.ini" | commit_config 120000 &&
	finding_commit &&
	push_open &&
	expect_grep "symbolic link" "$TRASH/err" &&
	expect_no_grep "OUTSIDE" "$TRASH/err" &&
	expect_grep "method two detected" "$TRASH/err"
'

test_expect_success 'committed 1 MB .pushfix.ini: one warning, the check runs' '
	cd "$TRASH/work" &&
	head -c 1048576 /dev/zero | tr "\0" "#" | commit_config 100644 &&
	finding_commit &&
	push_open &&
	expect_grep "^warning: .\.pushfix\.ini. is larger than 64 KiB: not a configuration file; the file is ignored$" "$TRASH/err" &&
	expect_grep "method two detected" "$TRASH/err" &&
	drop_config
'

test_expect_success 'PUSHFIX_CONFIG names a FIFO: one line at once, push goes on' '
	cd "$TRASH/work" &&
	mkfifo "$TRASH/fifo" &&
	finding_commit &&
	PUSHFIX_CONFIG=$TRASH/fifo push_open &&
	expect_one_line "$TRASH/err" "fifo. is a FIFO \(only a regular file is read\)"
'

test_expect_success 'PUSHFIX_CONFIG names a FIFO, on_error = block from the environment: stopped' '
	cd "$TRASH/work" &&
	finding_commit &&
	PUSHFIX_CONFIG=$TRASH/fifo PUSHFIX_POLICY_ON_ERROR=block push_blocked &&
	expect_grep "FIFO.*push stopped" "$TRASH/err"
'

test_done
