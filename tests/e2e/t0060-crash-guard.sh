#!/bin/sh
# A bug in pushfix itself (a crash) never stops a push, unless the user's
# policy says fail closed.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup' '
	setup_repo &&
	echo "x = 1" | commit_file a.py
'

test_expect_success 'pushfix crashes mid-run: one line, the push goes on' '
	cd "$TRASH/work" &&
	PUSHFIX_TEST_CRASH=1 git push origin main 2>"$TRASH/err" &&
	expect_grep "pushfix: internal error (signal 6); the push goes on unchecked" "$TRASH/err" &&
	test "$(git rev-parse HEAD)" = "$(git --git-dir="$TRASH/origin.git" rev-parse main)"
'

test_expect_success 'on_error = block: the crash stops the push' '
	cd "$TRASH/work" &&
	echo "y = 2" | commit_file b.py &&
	mkdir -p .git/pushfix &&
	printf "[policy]\non_error = block\n" >.git/pushfix/config.ini &&
	! PUSHFIX_TEST_CRASH=1 git push origin main 2>"$TRASH/err" &&
	expect_grep "push stopped (\[policy\] on_error = block)" "$TRASH/err" &&
	test "$(git rev-parse HEAD)" != "$(git --git-dir="$TRASH/origin.git" rev-parse main)"
'

test_done
