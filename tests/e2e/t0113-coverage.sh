#!/bin/sh
# No silent all-clear (issue 11 item 9): every summary says what it
# covered, "2 commits, 5 added lines in 2 files, 2 scanned by flawfinder",
# for the hook with and without findings and for `pushfix scan`.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

FF="flawfinder --sarif {files}"

test_expect_success 'setup: two commits, two files, nothing flawfinder flags' '
	command -v flawfinder &&
	setup_repo &&
	printf "int a;\nint b;\n" | commit_file a.c &&
	printf "int c;\nint d;\nint e;\n" | commit_file b.c
'

test_expect_success 'git push, no findings: what was covered, on one line' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="$FF" \
		git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "^pushfix: no findings on the pushed lines (2 commits, 5 added lines in 2 files, 2 scanned by flawfinder; [0-9]* ms)$" "$TRASH/err"
'

test_expect_success 'pushfix scan: the same words, with or without findings' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="$FF" \
		"$PUSHFIX_BIN" scan HEAD~2..HEAD >"$TRASH/out" &&
	test "$(cat "$TRASH/out")" = "no findings (2 commits, 5 added lines in 2 files, 2 scanned by flawfinder)" &&
	printf "#include <string.h>\nvoid f(char *d, char *s) { strcpy(d, s); }\n" |
		commit_file c.c &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="$FF" \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD >"$TRASH/out" &&
	expect_grep "^1 finding (1 ERROR)$" "$TRASH/out" &&
	expect_grep "^covered: 1 commit, 2 added lines in 1 file, 1 scanned by flawfinder$" "$TRASH/out"
'

test_expect_success 'git push with a finding: the count line says it too' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="$FF" \
		git push origin main 2>"$TRASH/err" &&
	expect_grep "^pushfix: 1 finding on the pushed lines (1 commit, 2 added lines in 1 file, 1 scanned by flawfinder)$" "$TRASH/err" &&
	expect_grep "^pushfix: not triaged: no LLM configured, see \[llm\] provider$" "$TRASH/err"
'

test_expect_success 'scan --all: no commits to count, the files are' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="$FF" \
		"$PUSHFIX_BIN" scan --all >"$TRASH/out" &&
	expect_grep "^covered: 7 added lines in 3 files, 3 scanned by flawfinder$" "$TRASH/out"
'

test_expect_success 'JSON and SARIF carry the coverage too, with the unread files' '
	cd "$TRASH/work" &&
	printf "import os\nos.system(x)\n" | commit_file tool.py &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="$FF" \
		"$PUSHFIX_BIN" scan HEAD~2..HEAD --format json >"$TRASH/out.json" &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="$FF" \
		"$PUSHFIX_BIN" scan HEAD~2..HEAD --format sarif >"$TRASH/out.sarif" &&
	python3 - "$TRASH/out.json" "$TRASH/out.sarif" <<-\EOF
	import json, sys
	c = json.load(open(sys.argv[1]))["coverage"]
	want = "2 commits, 4 added lines in 2 files, 1 scanned by flawfinder, 1 read by no scanner: .py"
	assert c["summary"] == want, c
	assert (c["commits"], c["files"], c["added_lines"]) == (2, 2, 4), c
	assert c["scanners"] == [{"name": "flawfinder", "files": 1,
	                          "findings": 1, "failed": 0}], c
	assert c["unread"] == ["tool.py"], c
	run = json.load(open(sys.argv[2]))["runs"][0]
	assert run["properties"]["pushfix/coverage"] == c, run.get("properties")
	EOF
'

test_done
