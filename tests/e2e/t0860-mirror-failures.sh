#!/bin/sh
# A review the forge refused reaches the user: the outbox entry remembers
# the error, the next push says "N reviews not posted (last error: ...)",
# `pushfix doctor` says the same, `pushfix mirror --status` lists the
# entry, and mirror.log's counts agree with its own lines.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"

# A token the stand-in rejects: every POST and GET answers 401.
export GITHUB_TOKEN=wrong-token

test_expect_success 'setup: a repository, a PR for feature on the stand-in' '
	setup_repo &&
	start_github --pr feature &&
	mirror_config github "$GH" octo/repo &&
	git checkout -q -b feature
'

test_expect_success 'a push whose review GitHub rejects (401): kept, counted' '
	cd "$TRASH/work" &&
	mi_text one | commit_file app/pattern_either_basic.py "one" &&
	git push origin feature 2>"$TRASH/err" &&
	expect_no_grep "not posted" "$TRASH/err" &&
	wait_workers 1 &&
	expect_grep "^.*error: GitHub rejected the token (401): check GITHUB_TOKEN (entry .* kept)\$" "$MLOG" &&
	expect_grep "mirror worker done: 0 posted, 1 kept (1 after an error), 0 unreadable\$" "$MLOG" &&
	test "$(outbox_count)" -eq 1 &&
	python3 -c "
import glob, json, sys, time
e = json.load(open(glob.glob(sys.argv[1] + \"/*.json\")[0]))
assert e[\"failed\"] is True and e[\"attempts\"] == 1, e
assert \"401\" in e[\"last_error\"], e
assert time.time() - 300 < e[\"last_attempt\"] <= time.time() + 1, e
" "$OUTBOX"
'

test_expect_success 'the next push prints one line naming the error' '
	cd "$TRASH/work" &&
	mi_text one two | commit_file app/pattern_either_basic.py "two" &&
	git push origin feature 2>"$TRASH/err" &&
	test "$(grep -c "not posted" "$TRASH/err")" -eq 1 &&
	expect_grep "^pushfix: 1 review not posted (last error: GitHub rejected the token (401): check GITHUB_TOKEN; .pushfix mirror. retries)\$" "$TRASH/err" &&
	wait_workers 2 &&
	expect_grep "mirror worker done: 0 posted, 2 kept (2 after an error), 0 unreadable\$" "$MLOG" &&
	test "$(outbox_count)" -eq 2
'

test_expect_success 'a push with nothing to scan says it too; two entries now' '
	cd "$TRASH/work" &&
	echo "just text" | commit_file notes.txt "notes" &&
	git push origin feature 2>"$TRASH/err" &&
	test "$(grep -c "not posted" "$TRASH/err")" -eq 1 &&
	expect_grep "^pushfix: 2 reviews not posted (last error: GitHub rejected the token (401)" "$TRASH/err"
'

test_expect_success 'doctor says the same, and counts it as a warning' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1 || true &&
	expect_grep "^warning *mirror: 2 reviews not posted (last error: GitHub rejected the token (401): check GITHUB_TOKEN; .pushfix mirror. retries)\$" "$TRASH/out" &&
	w=$(grep -c "^warning " "$TRASH/out"; true) &&
	e=$(grep -c "^error " "$TRASH/out"; true) &&
	expect_grep "^$e errors\?, $w warnings\?\$" "$TRASH/out"
'

test_expect_success 'mirror --status lists each entry, sends nothing, exit 0' '
	cd "$TRASH/work" &&
	before=$(wc -l <"$TRASH/github.log") &&
	"$PUSHFIX_BIN" mirror --status >"$TRASH/out" 2>"$TRASH/err" &&
	test "$(wc -l <"$TRASH/out")" -eq 2 &&
	n=$(grep -c "^[0-9][0-9.]*-[0-9]*-[0-9]*  [0-9]*[smhd]  GitHub octo/repo feature  1 finding  [12] attempts\?  error: GitHub rejected the token (401): check GITHUB_TOKEN\$" "$TRASH/out"; true) &&
	test "$n" -eq 2 || { cat "$TRASH/out"; false; } &&
	! test -s "$TRASH/err" &&
	test "$(wc -l <"$TRASH/github.log")" -eq "$before"
'

test_expect_success 'mirror --status --json: one object per entry' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" mirror --status --json >"$TRASH/out" &&
	python3 -c "
import json, sys
a = json.load(open(sys.argv[1]))
assert len(a) == 2, a
for e in a:
    assert e[\"where\"] == \"GitHub octo/repo\" and e[\"branch\"] == \"feature\", e
    assert e[\"failed\"] is True and \"401\" in e[\"last_error\"], e
    assert e[\"findings\"] >= 1 and e[\"attempts\"] >= 1, e
" "$TRASH/out" &&
	{ "$PUSHFIX_BIN" mirror --json >/dev/null 2>"$TRASH/err"; test $? -eq 2; } &&
	expect_grep "^usage: pushfix mirror" "$TRASH/err"
'

test_expect_success 'with a good token, pushfix mirror posts both; the line goes' '
	cd "$TRASH/work" &&
	GITHUB_TOKEN=$TOKEN "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	test "$(outbox_count)" -eq 0 &&
	"$PUSHFIX_BIN" mirror --status >"$TRASH/out" &&
	expect_grep "the outbox is empty" "$TRASH/out" &&
	echo "more" | commit_file notes.txt "more" &&
	git push origin feature 2>"$TRASH/err" &&
	expect_no_grep "not posted" "$TRASH/err" &&
	"$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1 || true &&
	expect_no_grep "not posted" "$TRASH/out"
'

test_expect_success 'no PR yet is waiting, not an error: no line' '
	cd "$TRASH/work" &&
	git checkout -q -b nopr &&
	mi_text one two three | commit_file app/pattern_either_basic.py "nopr" &&
	GITHUB_TOKEN=$TOKEN git push origin nopr 2>"$TRASH/err" &&
	wait_workers 3 &&
	test "$(outbox_count)" -eq 1 &&
	echo "x" | commit_file notes.txt "x" &&
	git push origin nopr 2>"$TRASH/err" &&
	expect_no_grep "not posted" "$TRASH/err" &&
	"$PUSHFIX_BIN" mirror --status >"$TRASH/out" &&
	expect_grep "  1 attempt  waiting: " "$TRASH/out"
'

test_done
