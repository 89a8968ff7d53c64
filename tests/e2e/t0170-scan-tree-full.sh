#!/bin/sh
# [scan] tree = full (issue 11 item 2) with the REAL clang analyzer
# (Debian's clang): a pushed .c file includes an UNCHANGED header whose
# macro dereferences NULL.  With tree = changed the header is not there
# and clang fails on that file (named, with its words); with tree = full
# the whole pushed commit is laid out and the bug is found.  clang writes
# SARIF only to a file, one input per run: {sarif} and {file}.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

NOSG_PATH=$(echo "$PATH" | tr : '\n' | grep -v "^$STANDINS/bin\$" | paste -sd: -)
export PUSHFIX_SCAN_ENGINE=sarif
export PUSHFIX_SCAN_COMMAND="clang --analyze -Xclang -analyzer-output=sarif -o {sarif} {file}"
export PUSHFIX_SCAN_COMMAND_FILES="*.c"

test_expect_success 'setup: the header is on the remote; the push adds a .c using it' '
	command -v clang && test -x /usr/bin/clang &&
	setup_repo &&
	mkdir -p include src &&
	printf "#define STORE(p, v) (*(p) = (v))\n#define RESET(v) STORE((int *)0, (v))\n" >include/bad.h &&
	printf "int unused;\n" >src/other.c &&
	git add . && git commit -q -m "the header" &&
	git push -q --no-verify origin main &&
	printf "#include \"../include/bad.h\"\n\nvoid reset(int v)\n{\n\tRESET(v);\n}\n" >src/use.c &&
	printf "int ok(void)\n{\n\treturn 1;\n}\n" >src/ok.c &&
	git add . && git commit -q -m "use the header"
'

test_expect_success 'tree = changed: clang cannot find the header, says so for that file' '
	cd "$TRASH/work" &&
	PATH=$NOSG_PATH "$PUSHFIX_BIN" scan origin/main..HEAD >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "warning: clang failed on src/use.c (exit 1), which was not scanned: src/use.c:1:10: fatal error: .../include/bad.h. file not found" "$TRASH/err" &&
	expect_not_at "$TRASH/out" src/use.c 5
'

test_expect_success 'git push with tree = full: the NULL dereference through the unchanged header is found' '
	cd "$TRASH/work" &&
	PATH=$NOSG_PATH PUSHFIX_SCAN_TREE=full git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_at "$TRASH/err" src/use.c 5 &&
	expect_grep "core.NullDereference" "$TRASH/err" &&
	expect_grep "RESET(v);" "$TRASH/err" &&
	expect_no_grep "failed on" "$TRASH/err" &&
	expect_no_grep "include/bad.h:" "$TRASH/err" &&
	expect_grep "scanned by clang)" "$TRASH/err"
'

test_expect_success 'tree = full: only the changed files are targets (one clang run each)' '
	cd "$TRASH/work" &&
	mkdir -p "$TRASH/bin" &&
	printf "#!/bin/sh\nfor a; do last=\$a; done\necho \"\$last\" >>\"%s/clang.args\"\nexec /usr/bin/clang \"\$@\"\n" "$TRASH" >"$TRASH/bin/clang" &&
	chmod +x "$TRASH/bin/clang" &&
	rm -f "$TRASH/clang.args" &&
	PATH=$TRASH/bin:$NOSG_PATH PUSHFIX_SCAN_TREE=full \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD --format json >"$TRASH/out.json" &&
	printf "src/ok.c\nsrc/use.c\n" >"$TRASH/want" &&
	sort "$TRASH/clang.args" >"$TRASH/got" &&
	cmp "$TRASH/want" "$TRASH/got" &&
	python3 - "$TRASH/out.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	got = [(f["path"], f["start_line"], f["rule_id"]) for f in fs]
	assert got == [("src/use.c", 5, "core.NullDereference")], got
	EOF
'

test_expect_success 'tree = full: the working tree is not what is scanned (the pushed blob is)' '
	cd "$TRASH/work" &&
	printf "#define STORE(p, v) ((void)(p), (void)(v))\n#define RESET(v) STORE((int *)0, (v))\n" >include/bad.h &&
	PATH=$NOSG_PATH PUSHFIX_SCAN_TREE=full \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD >"$TRASH/out" 2>"$TRASH/err" &&
	git checkout -q -- include/bad.h &&
	expect_at "$TRASH/out" src/use.c 5
'

test_done
