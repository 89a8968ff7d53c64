#!/bin/sh
# [scan] filter = file | all take in every file the push changes: also a
# file that only lost lines and a pure rename (before, the diff kept only
# files with an added line, so their findings were never shown).
# `pushfix changes -v` names them and why; a deleted file is listed, not
# scanned.  With the default filter (added) nothing changes.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

FF="flawfinder --sarif {files}"

# strcpy on line 4 of each; shrink.c also has lines 6-7 to remove.
two_funcs() {
	printf '#include <string.h>\nvoid %s(char *d, const char *s)\n{\n\tstrcpy(d, s);\n}\nint unused_%s;\nint more_%s;\n' "$1" "$1" "$1"
}

test_expect_success 'setup: a push that removes lines, renames and deletes' '
	command -v flawfinder &&
	setup_repo &&
	two_funcs shrink >shrink.c && two_funcs moved >old.c &&
	two_funcs gone >gone.c &&
	git add . && git commit -q -m base &&
	git push -q --no-verify origin main &&
	sed -i "/^int more_shrink;/d" shrink.c &&
	git add shrink.c && git mv old.c new.c && git rm -q gone.c &&
	git commit -q -m "remove a line, rename, delete"
'

test_expect_success 'changes -v: each file with no added line, and why' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_FILTER=file "$PUSHFIX_BIN" changes -v HEAD~1..HEAD \
		>"$TRASH/out" 2>"$TRASH/err" &&
	test ! -s "$TRASH/out" &&
	expect_grep "^pushfix: no added line in shrink.c: only lines removed$" "$TRASH/err" &&
	expect_grep "^pushfix: no added line in new.c: renamed from old.c, content unchanged$" "$TRASH/err" &&
	expect_grep "^pushfix: skipped gone.c (deleted)$" "$TRASH/err"
'

test_expect_success 'filter = added (the default): no such file, nothing new' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" changes -v HEAD~1..HEAD >"$TRASH/out" 2>"$TRASH/err" &&
	expect_no_grep "no added line" "$TRASH/err" &&
	expect_grep "skipped gone.c (deleted)" "$TRASH/err" &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="$FF" \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD >"$TRASH/out" &&
	expect_grep "^no findings (none, 0 files scanned)$" "$TRASH/out"
'

test_expect_success 'git push with filter = file: findings of both files shown' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_FILTER=file PUSHFIX_SCAN_ENGINE=sarif \
	PUSHFIX_SCAN_COMMAND="$FF" git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_at "$TRASH/err" shrink.c 4 &&
	expect_at "$TRASH/err" new.c 4 &&
	expect_no_grep "gone.c:" "$TRASH/err" &&
	expect_grep "on the pushed lines (1 commit, 0 added lines in 2 files, 2 scanned by flawfinder" "$TRASH/err"
'

test_expect_success 'filter = all: the same files; a mode change is one too' '
	cd "$TRASH/work" &&
	chmod +x shrink.c && git commit -q -am "mode only" &&
	PUSHFIX_SCAN_FILTER=all "$PUSHFIX_BIN" changes -v HEAD~1..HEAD \
		2>"$TRASH/err" &&
	expect_grep "^pushfix: no added line in shrink.c: mode changed, content unchanged$" "$TRASH/err" &&
	PUSHFIX_SCAN_FILTER=all PUSHFIX_SCAN_ENGINE=sarif \
	PUSHFIX_SCAN_COMMAND="$FF" "$PUSHFIX_BIN" scan HEAD~1..HEAD \
		--format json >"$TRASH/out.json" &&
	python3 - "$TRASH/out.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	assert [(f["path"], f["start_line"]) for f in fs] == [("shrink.c", 4)], fs
	EOF
'

test_done
