#!/bin/sh
# Each scanner sees only the files it reads (issue 11 item 1): a push of
# C, Python, Markdown, YAML and shell through a real `git push`, with the
# REAL flawfinder.  flawfinder gets the C files alone (its own extension
# list): a README's `system(` and `strcpy` prose is no finding; Semgrep
# (the replay stand-in) gets the directory of every pushed file.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

NOSG_PATH=$(echo "$PATH" | tr : '\n' | grep -v "^$STANDINS/bin\$" | paste -sd: -)

# flawfinder as a SARIF command that logs what it was given.
mkdir -p "$TRASH/bin"
cat >"$TRASH/bin/flawfinder" <<EOF
#!/bin/sh
printf '%s\n' "\$@" >>"$TRASH/flawfinder.args"
exec /usr/bin/flawfinder "\$@"
EOF
chmod +x "$TRASH/bin/flawfinder"
FF_PATH=$TRASH/bin:$NOSG_PATH

test_expect_success 'setup: a push of five languages' '
	command -v /usr/bin/flawfinder &&
	setup_repo &&
	mkdir -p src tools .github &&
	printf "#include <string.h>\nvoid cp(char *d, const char *s)\n{\n\tstrcpy(d, s);\n}\n" >src/app.c &&
	printf "import os\nos.system(input())\n" >tools/run.py &&
	printf "# Tool\n\nDo not call system( on input, and never strcpy the name.\n" >README.md &&
	printf "steps:\n  - run: system(\$INPUT)\n" >.github/ci.yml &&
	printf "#!/bin/sh\nsystem(\$1)\nstrcpy\n" >tools/run.sh &&
	git add . && git commit -q -m "five languages"
'

test_expect_success 'git push, flawfinder: the C file is scanned, the others are not given to it' '
	cd "$TRASH/work" &&
	rm -f "$TRASH/flawfinder.args" &&
	PATH=$FF_PATH PUSHFIX_SCAN_ENGINE=sarif git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_at "$TRASH/err" src/app.c 4 &&
	expect_grep "strcpy(d, s)" "$TRASH/err" &&
	expect_no_grep "README.md" "$TRASH/err" &&
	expect_no_grep "run.sh:" "$TRASH/err" &&
	expect_no_grep "ci.yml:" "$TRASH/err" &&
	expect_no_grep "run.py:" "$TRASH/err" &&
	grep -x "src/app.c" "$TRASH/flawfinder.args" &&
	! grep -E "README|\.py|\.yml|\.sh" "$TRASH/flawfinder.args"
'

test_expect_success 'scan --format json: findings only in the C file' '
	cd "$TRASH/work" &&
	PATH=$FF_PATH PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_FILTER=all \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD --format json >"$TRASH/out.json" &&
	python3 - "$TRASH/out.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	assert fs and {f["path"] for f in fs} == {"src/app.c"}, fs
	EOF
'

test_expect_success '[scan] command_files names what a command reads' '
	cd "$TRASH/work" &&
	rm -f "$TRASH/flawfinder.args" &&
	PATH=$FF_PATH PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_FILTER=all \
	PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}" \
	PUSHFIX_SCAN_COMMAND_FILES="*.sh, README.md" \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD --format json >"$TRASH/out.json" &&
	grep -v -- "--sarif" "$TRASH/flawfinder.args" | sort >"$TRASH/given" &&
	printf "README.md\ntools/run.sh\n" >"$TRASH/want" &&
	cmp "$TRASH/want" "$TRASH/given"
'

test_expect_success 'engine = semgrep, sarif: Semgrep gets the directory of every file, flawfinder the C file' '
	cd "$TRASH/work" &&
	rm -f "$TRASH/flawfinder.args" "$FAKE_SEMGREP_LOG" &&
	PATH=$TRASH/bin:$PATH PUSHFIX_SCAN_ENGINE="semgrep, sarif" \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD -v >"$TRASH/out" 2>"$TRASH/err" &&
	grep -x "src/app.c" "$TRASH/flawfinder.args" &&
	! grep -E "README|\.py|\.yml|\.sh" "$TRASH/flawfinder.args" &&
	python3 - "$FAKE_SEMGREP_LOG" <<-\EOF &&
	import json, sys
	e = [json.loads(l) for l in open(sys.argv[1])][-1]
	a = e["argv"][1:]
	assert a[a.index("--") + 1:] == ["."], a
	got = sorted(t["path"] for t in e["targets"])
	assert got == [".github/ci.yml", "README.md", "src/app.c",
	               "tools/run.py", "tools/run.sh"], got
	EOF
	expect_at "$TRASH/out" src/app.c 4 &&
	printf "refs/heads/main %s refs/heads/main %s\n" \
		"$(git rev-parse HEAD)" "$(git rev-parse HEAD~1)" |
	PATH=$TRASH/bin:$PATH PUSHFIX_SCAN_ENGINE="semgrep, sarif" \
		"$PUSHFIX_BIN" hook pre-push origin "$TRASH/origin.git" \
		2>"$TRASH/err" &&
	expect_grep "1 finding on the pushed lines (1 commit, 15 added lines in 5 files, 5 scanned by semgrep, 1 scanned by flawfinder)" "$TRASH/err"
'

test_expect_success 'doctor names each scanner and what it reads' '
	cd "$TRASH/work" &&
	PATH=$TRASH/bin:$PATH PUSHFIX_SCAN_ENGINE="semgrep,sarif" \
		"$PUSHFIX_BIN" doctor >"$TRASH/doc" 2>&1;
	expect_grep "scanner: semgrep .*reads every file it can parse, minus the pushed .semgrepignore" "$TRASH/doc" &&
	expect_grep "scanner: flawfinder (SARIF: flawfinder --sarif {files}) reads \*\.c \*\.h" "$TRASH/doc" &&
	PATH=$TRASH/bin:$PATH PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND_FILES="*.sh" \
		"$PUSHFIX_BIN" doctor >"$TRASH/doc" 2>&1;
	expect_grep "ok *scanner: flawfinder (SARIF: flawfinder --sarif {files}) reads \*\.sh" "$TRASH/doc"
'

test_done
