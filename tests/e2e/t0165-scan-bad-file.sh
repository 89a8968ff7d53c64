#!/bin/sh
# One bad file costs that file alone (issue 11 item 3): the REAL
# flawfinder exits 15 on a latin-1 file and says why on stdout.  The
# batch is split until that file is alone; the good files' findings are
# reported and the bad one is named with flawfinder's own words.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

NOSG_PATH=$(echo "$PATH" | tr : '\n' | grep -v "^$STANDINS/bin\$" | paste -sd: -)
export PUSHFIX_SCAN_ENGINE=sarif

test_expect_success 'setup: three good C files and a latin-1 one' '
	command -v flawfinder &&
	setup_repo &&
	mkdir -p src &&
	for n in a b c; do
		printf "#include <string.h>\nvoid %s(char *d, const char *s)\n{\n\tstrcpy(d, s);\n}\n" $n >src/$n.c || return 1
	done &&
	printf "/* caf\351 */\nvoid l(char *d, const char *s)\n{\n\tstrcpy(d, s);\n}\n" >src/latin1.c &&
	git add . && git commit -q -m "four files, one latin-1"
'

test_expect_success 'git push: the good files are reported, the latin-1 one named with flawfinder'"'"'s words' '
	cd "$TRASH/work" &&
	PATH=$NOSG_PATH git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_at "$TRASH/err" src/a.c 4 &&
	expect_at "$TRASH/err" src/b.c 4 &&
	expect_at "$TRASH/err" src/c.c 4 &&
	expect_not_at "$TRASH/err" src/latin1.c 4 &&
	expect_grep "warning: flawfinder failed on src/latin1.c (exit 15), which was not scanned: Error: encoding error in src/latin1.c: .utf-8. codec can.t decode byte 0xe9" "$TRASH/err" &&
	expect_grep "3 findings on the pushed lines" "$TRASH/err"
'

test_expect_success 'scan --format json: three findings, the failure on stderr' '
	cd "$TRASH/work" &&
	PATH=$NOSG_PATH "$PUSHFIX_BIN" scan HEAD~1..HEAD --format json \
		>"$TRASH/out.json" 2>"$TRASH/err" &&
	python3 - "$TRASH/out.json" <<-\EOF &&
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	got = sorted(f["path"] for f in fs)
	assert got == ["src/a.c", "src/b.c", "src/c.c"], got
	EOF
	expect_grep "flawfinder failed on src/latin1.c" "$TRASH/err"
'

test_expect_success 'the latin-1 file alone: the scan fails with flawfinder'"'"'s words (no longer empty)' '
	cd "$TRASH/work" &&
	printf "/* \351t\351 */\nint z;\n" >>src/latin1.c &&
	git commit -q -am "latin-1 only" &&
	PATH=$NOSG_PATH "$PUSHFIX_BIN" scan HEAD~1..HEAD >"$TRASH/out" 2>"$TRASH/err";
	test $? -ne 0 &&
	expect_grep "flawfinder exited with 15 and printed output pushfix cannot read: .*(it said: Error: encoding error in src/latin1.c)" "$TRASH/err"
'

test_expect_success 'a scanner that fails on everything is one error, not a warning per file' '
	cd "$TRASH/work" &&
	printf "int y;\n" >>src/a.c && printf "int y;\n" >>src/b.c &&
	git commit -q -am "two more" &&
	PATH=$NOSG_PATH PUSHFIX_SCAN_COMMAND="flawfinder --no-such-option {files}" \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD >"$TRASH/out" 2>"$TRASH/err";
	test $? -ne 0 &&
	expect_no_grep "failed on src/" "$TRASH/err" &&
	expect_grep "flawfinder" "$TRASH/err"
'

test_done
