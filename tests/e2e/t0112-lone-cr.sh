#!/bin/sh
# Line numbers as the scanner counts them (issue 11 item 8).  flawfinder
# is Python reading files in text mode (universal newlines): a lone CR,
# the old Mac line end, ends a line for it but not for git.  Its "line 6"
# of a file git sees as 4 lines is mapped to git's line, on the pushed
# line, not dropped as "outside the file" nor shown on the wrong line.
# Semgrep counts '\n' only and gives byte offsets besides: nothing to map.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

FF="flawfinder --sarif {files}"

test_expect_success 'setup: a pushed C file whose first lines end in a lone CR' '
	command -v flawfinder &&
	setup_repo &&
	printf "int x;\n" >mac.c && git add mac.c && git commit -q -m base &&
	git push -q --no-verify origin main &&
	printf "int x;\n/* a */\r/* b */\r#include <string.h>\nvoid f(char *d, const char *s)\n{ strcpy(d, s); }\n" >mac.c &&
	git commit -q -am "old Mac line ends" &&
	test "$(wc -l <mac.c)" = 4 &&
	flawfinder --sarif mac.c >"$TRASH/ff.sarif" 2>/dev/null &&
	python3 - "$TRASH/ff.sarif" <<-\EOF
	import json, sys
	rs = json.load(open(sys.argv[1]))["runs"][0]["results"]
	lines = [r["locations"][0]["physicalLocation"]["region"]["startLine"]
	         for r in rs]
	# flawfinder says line 6; git has 5 lines (wc -l: 4 newlines).
	assert lines == [6], lines
	EOF
'

test_expect_success 'scan: the strcpy is on git line 4, the added line' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="$FF" \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD --format json -v \
		>"$TRASH/out.json" 2>"$TRASH/err" &&
	expect_no_grep "outside the file" "$TRASH/err" &&
	python3 - "$TRASH/out.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	got = [(f["path"], f["start_line"], f["rule_id"], f["lines"]) for f in fs]
	assert got == [("mac.c", 4, "FF1001", "{ strcpy(d, s); }")], got
	EOF
'

test_expect_success 'git push: the user sees mac.c:4 and its code' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="$FF" \
		git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_at "$TRASH/err" mac.c 4 &&
	expect_not_at "$TRASH/err" mac.c 6 &&
	expect_grep "strcpy(d, s)" "$TRASH/err" &&
	expect_grep "1 finding on the pushed lines (1 commit, 3 added lines in 1 file, 1 scanned by flawfinder" "$TRASH/err"
'

test_expect_success 'a line no count can place: said, not a silent all-clear' '
	cd "$TRASH/work" &&
	cat >"$TRASH/far.py" <<-\EOF &&
	import json, sys
	res = [{"ruleId": "far", "level": "error", "message": {"text": "far"},
	        "locations": [{"physicalLocation": {
	            "artifactLocation": {"uri": p},
	            "region": {"startLine": 99}}}]} for p in sys.argv[1:]]
	print(json.dumps({"version": "2.1.0", "runs": [
	    {"tool": {"driver": {"name": "far"}}, "results": res}]}))
	EOF
	printf "int y;\n" >>mac.c && git commit -q -am more &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="python3 $TRASH/far.py {files}" \
		git push origin main 2>"$TRASH/err" &&
	expect_grep "^pushfix: warning: mac.c: mac.c:99: finding of far lies outside the file; not shown$" "$TRASH/err"
'

test_done
