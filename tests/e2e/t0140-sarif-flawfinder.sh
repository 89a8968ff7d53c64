#!/bin/sh
# The SARIF engine, end to end with the REAL flawfinder (Debian package):
# `engine = sarif`, `command = flawfinder --sarif {files}`; findings are
# reported on the pushed lines only.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

NOSG_PATH=$(echo "$PATH" | tr : '\n' | grep -v "^$STANDINS/bin\$" | paste -sd: -)

# The C file before the push: a strcpy on line 7 and a fixed-size array on
# line 12 that flawfinder flags, already on the remote.
base_c() {
	cat <<\EOF
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void copy_name(char *dst, const char *src)
{
	strcpy(dst, src);
}

int main(int argc, char **argv)
{
	char name[64];
	if (argc < 2)
		return 1;
	copy_name(name, argv[1]);
	printf("%s\n", name);
	return 0;
}
EOF
}

# The pushed version: lines 17 (strcpy) and 18 (system) are new.
pushed_c() {
	base_c | awk '{ print } NR == 16 {
		print "\tstrcpy(name, argv[1]);"
		print "\tsystem(argv[1]);"
	}'
}

test_expect_success 'setup: flawfinder is installed; the base is on the remote' '
	command -v flawfinder &&
	setup_repo &&
	mkdir -p src &&
	base_c >src/app.c && git add src/app.c && git commit -q -m base &&
	git push -q --no-verify origin main &&
	pushed_c >src/app.c && git commit -q -am "add a copy and a command" &&
	test "$(sed -n 17p src/app.c)" = "$(printf "\tstrcpy(name, argv[1]);")" &&
	test "$(sed -n 18p src/app.c)" = "$(printf "\tsystem(argv[1]);")"
'

test_expect_success 'scan --format json: flawfinder findings on lines 17 and 18 only' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}" \
		"$PUSHFIX_BIN" scan origin/main..HEAD --format json >"$TRASH/out.json" &&
	python3 - "$TRASH/out.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	got = sorted((f["path"], f["start_line"], f["rule_id"], f["severity"])
	             for f in fs)
	assert got == [("src/app.c", 17, "FF1001", "ERROR"),
	               ("src/app.c", 18, "FF1044", "ERROR")], got
	for f in fs:
	    assert f["message"], f
	EOF
'

test_expect_success 'git push (engine sarif): the user sees lines 17 and 18, not 7 or 12' '
	cd "$TRASH/work" &&
	printf "/* edited after the commit */\n" >>src/app.c &&
	sed -i "/system(argv/d" src/app.c &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}" \
		git push origin main 2>"$TRASH/err" &&
	git checkout -q -- src/app.c &&
	expect_remote_at refs/heads/main HEAD &&
	expect_at "$TRASH/err" src/app.c 17 &&
	expect_at "$TRASH/err" src/app.c 18 &&
	expect_not_at "$TRASH/err" src/app.c 7 &&
	expect_not_at "$TRASH/err" src/app.c 12 &&
	expect_not_at "$TRASH/err" src/app.c 16 &&
	expect_grep "system(argv\[1\])" "$TRASH/err" &&
	expect_grep "strcpy(name, argv\[1\])" "$TRASH/err"
'

test_expect_success 'filter = file shows the old lines of the pushed file too' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}" \
	PUSHFIX_SCAN_FILTER=file \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD --format json >"$TRASH/out.json" &&
	python3 - "$TRASH/out.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	lines = sorted(f["start_line"] for f in fs)
	assert lines == [7, 12, 16, 17, 18], lines
	EOF
'

test_expect_success 'engine auto without semgrep: flawfinder is used, and said so' '
	cd "$TRASH/work" &&
	PATH=$NOSG_PATH "$PUSHFIX_BIN" scan HEAD~1..HEAD --format json \
		>"$TRASH/out.json" 2>"$TRASH/err" &&
	python3 - "$TRASH/out.json" <<-\EOF &&
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	assert sorted(f["start_line"] for f in fs) == [17, 18], fs
	EOF
	printf "refs/heads/main %s refs/heads/main %s\n" \
		"$(git rev-parse HEAD)" "$(git rev-parse HEAD~1)" |
	PATH=$NOSG_PATH "$PUSHFIX_BIN" hook pre-push origin "$TRASH/origin.git" \
		2>"$TRASH/err" &&
	expect_at "$TRASH/err" src/app.c 17 &&
	expect_grep "flawfinder" "$TRASH/err"
'

test_expect_success 'engine sarif, scanner missing: one line, push goes on' '
	cd "$TRASH/work" &&
	printf "int x;\n" >>src/app.c && git commit -q -am more &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="no-such-scanner --sarif {files}" \
		git push -q origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_one_line "$TRASH/err" "no-such-scanner"
'

test_expect_success 'engine sarif with Semgrep --sarif (replayed): findings and fixes' '
	cd "$TRASH/work" &&
	mkdir -p lib && cp "$AF_SRC" lib/autofix.py && git add lib/autofix.py &&
	git commit -q -m "autofix target" &&
	FAKE_SEMGREP_FIXTURE=sarif-autofix/snapshots/test_output_sarif/test_sarif_output_with_autofix/results.sarif \
	PUSHFIX_SCAN_ENGINE=sarif \
	PUSHFIX_SCAN_COMMAND="semgrep scan --sarif --metrics=off --config $FIXTURES/sarif-autofix/rules/autofix/autofix.yaml {files}" \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD --format json >"$TRASH/out.json" &&
	python3 - "$TRASH/out.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	got = sorted((f["path"], f["start_line"], f["rule_id"]) for f in fs)
	assert got == [("lib/autofix.py", 5, "rules.autofix.use-dict-get"),
	               ("lib/autofix.py", 6, "rules.autofix.use-dict-get")], got
	fx = {f["start_line"]: f["fix"] for f in fs}
	assert fx[5] and fx[5]["replacement"] == "  inputs.get(x) = 1\n", fx
	EOF
'

# A file name that is not UTF-8 (Latin-1 "café.c"): flawfinder, being
# Python, writes it as "caf\udce9.c" (a lone surrogate).  That used to
# make the whole SARIF document invalid JSON: the scan was off for the
# push.  Now the finding lands on the pushed file.
test_expect_success 'a Latin-1 file name: the finding is on that file' '
	cd "$TRASH/work" &&
	name=$(printf "lat/caf\351.c") &&
	mkdir -p lat &&
	printf "#include <string.h>\nvoid f(char *d, const char *s)\n{\n\tstrcpy(d, s);\n}\n" >"$name" &&
	git add "$name" && git commit -q -m "a Latin-1 name" &&
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}" \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD --format json >"$TRASH/out.json" &&
	python3 - "$TRASH/out.json" <<-\EOF &&
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	got = [(f["path"], f["start_line"], f["rule_id"]) for f in fs]
	assert got == [("lat/caf\ufffd.c", 4, "FF1001")], got
	EOF
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}" \
		git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	! grep -i "invalid JSON" "$TRASH/err" &&
	expect_grep "strcpy(d, s)" "$TRASH/err" &&
	grep -F "caf" "$TRASH/err" | grep -q ":4"
'

test_done
