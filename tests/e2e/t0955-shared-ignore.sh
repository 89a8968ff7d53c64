#!/bin/sh
# Team memory: `pushfix ignore --shared N` writes .pushfix/ignore (sorted,
# one line an entry, merge=union); the hook honours the pushed file, also
# in another clone and after the code moved (fingerprints ignore
# position); two branches that each add an entry merge without a
# conflict; malformed lines are reported with their number and skipped.
# The REAL flawfinder as the scanner.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-ui.sh"

export PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}"

c_file() { # the body lines of f(), from stdin
	printf "#include <stdlib.h>\n#include <string.h>\n\n"
	printf "void f(char *d, const char *s)\n{\n"
	cat
	printf "}\n"
}

test_expect_success 'setup: a push with a strcpy and a system(); i on both' '
	command -v flawfinder &&
	setup_repo &&
	mkdir -p src &&
	c_file </dev/null >src/a.c && git add src && git commit -q -m base &&
	git push -q --no-verify origin main &&
	printf "\tstrcpy(d, s);\n\tsystem(s);\n" | c_file >src/a.c &&
	git commit -q -am "copy, run" &&
	cat >"$TRASH/s" <<-EOF &&
	expect \(1/2\)
	line i
	expect \(2/2\)
	line i
	EOF
	push_tty "$TRASH/s" "$TRASH/log" || true
	plain "$TRASH/log" >"$TRASH/out" &&
	test "$(grep -vc "^#" .git/pushfix/decisions)" = 2
'

test_expect_success 'ignore --shared 1: the entry in .pushfix/ignore, listed' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" ignore --shared 1 --reason "d is always big enough" >"$TRASH/out" &&
	expect_grep "^shared in .pushfix/ignore: FF1001 in src/a.c$" "$TRASH/out" &&
	expect_grep "^hint: commit it: git add .pushfix" "$TRASH/out" &&
	test "$(wc -l <.pushfix/ignore)" = 1 &&
	grep -q "^[0-9a-f]\{64\}	FF1001	src/a.c	d is always big enough$" .pushfix/ignore &&
	test "$(cat .pushfix/.gitattributes)" = "ignore merge=union" &&
	"$PUSHFIX_BIN" ignore --shared 1 >"$TRASH/out" &&
	expect_grep "^already in .pushfix/ignore: FF1001 in src/a.c$" "$TRASH/out" &&
	"$PUSHFIX_BIN" ignored >"$TRASH/list" &&
	expect_grep "^shared with the team (.pushfix/ignore, 1):$" "$TRASH/list" &&
	expect_grep "^     src/a.c: d is always big enough$" "$TRASH/list" &&
	git add .pushfix && git commit -q -m "pushfix: ignore FF1001" &&
	git push -q --no-verify origin main
'

test_expect_success 'usage errors: no --shared, a bad number' '
	cd "$TRASH/work" &&
	{ "$PUSHFIX_BIN" ignore 1 2>"$TRASH/err"; test $? -eq 2; } &&
	expect_grep "only --shared is supported" "$TRASH/err" &&
	! "$PUSHFIX_BIN" ignore --shared 9 2>"$TRASH/err" &&
	expect_grep "no ignored finding number 9" "$TRASH/err"
'

test_expect_success 'a teammate (no personal ignores) does not see it; moved code too' '
	git clone -q "$TRASH/origin.git" "$TRASH/mate" &&
	cd "$TRASH/mate" &&
	sh "$SRC/install.sh" --bin "$PUSHFIX_BIN" --no-deps --no-build --repo . >/dev/null &&
	! test -e .git/pushfix/decisions &&
	mkdir -p lib &&
	printf "\n\n\tif (s)\n\t\t  strcpy(d,   s);\n" | c_file >lib/moved.c &&
	git add lib && git commit -q -m "the same copy, elsewhere" &&
	git push origin main 2>"$TRASH/err" &&
	expect_no_grep "FF1001" "$TRASH/err" &&
	"$PUSHFIX_BIN" scan HEAD~1..HEAD --format json >"$TRASH/out.json" &&
	python3 -c "import json,sys; assert json.load(open(sys.argv[1]))[\"findings\"] == []" "$TRASH/out.json"
'

test_expect_success 'two branches each add one: the merge does not conflict' '
	cd "$TRASH/work" &&
	git checkout -q -b one main &&
	"$PUSHFIX_BIN" ignore --shared 2 >"$TRASH/out" &&
	expect_grep "^shared in .pushfix/ignore: FF1044 in src/a.c$" "$TRASH/out" &&
	git commit -q -am "ignore FF1044" &&
	git checkout -q -b two main &&
	# a teammate whose entry sorts first, written as pushfix writes it
	printf "%064d\tR.two\ttwo.c\tfrom two\n" 2 >>.pushfix/ignore &&
	sort -o .pushfix/ignore .pushfix/ignore &&
	git commit -q -am "ignore R.two" &&
	git merge -q --no-edit one &&
	! grep -q "^[<=>]\{7\}" .pushfix/ignore &&
	test "$(wc -l <.pushfix/ignore)" = 3 &&
	grep -q "	FF1044	" .pushfix/ignore &&
	grep -q "	R.two	" .pushfix/ignore
'

test_expect_success 'a malformed line: warned with its number, skipped, not fatal' '
	git clone -q "$TRASH/origin.git" "$TRASH/third" &&
	cd "$TRASH/third" &&
	printf "not a fingerprint\tR\tp\twhy\n" >>.pushfix/ignore &&
	git commit -q -am "a bad line" &&
	"$PUSHFIX_BIN" scan "$(git rev-list --max-parents=0 HEAD)..HEAD" --no-triage --format json >"$TRASH/out.json" 2>"$TRASH/err" &&
	expect_grep "^pushfix: warning: .pushfix/ignore line 2: the first field is not a fingerprint" "$TRASH/err" &&
	python3 -c "import json,sys; assert [f[\"rule_id\"] for f in json.load(open(sys.argv[1]))[\"findings\"]] == [\"FF1044\"]" "$TRASH/out.json"
'

test_expect_success 'the pushed version applies, not the working tree' '
	cd "$TRASH/mate" &&
	git rm -q .pushfix/ignore && git commit -q -m "ignore nothing" &&
	printf "\tstrcpy(d, s);\n" | c_file >lib/again.c &&
	git add lib && git commit -q -m again &&
	# the working tree still has the entry; the pushed commit does not
	git show HEAD~2:.pushfix/ignore >.pushfix/ignore &&
	git push origin main 2>"$TRASH/err" &&
	expect_grep "FF1001" "$TRASH/err"
'

test_expect_success 'I at the prompt: the finding goes to .pushfix/ignore for the team' '
	setup_repo ikey &&
	mkdir -p src &&
	c_file </dev/null >src/b.c && git add src && git commit -q -m base &&
	git push -q --no-verify origin main &&
	printf "\tstrcpy(d, s);\n" | c_file >src/b.c &&
	git commit -q -am copy &&
	cat >"$TRASH/s" <<-EOF &&
	expect \(1/1\)
	line I
	expect summary:
	EOF
	push_tty "$TRASH/s" "$TRASH/log" || true
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "ignored for the team: added to .pushfix/ignore" "$TRASH/out" &&
	test "$(wc -l <.pushfix/ignore)" = 1 &&
	expect_grep "	FF1001	src/b.c	ignored for the team at the prompt$" .pushfix/ignore &&
	# not in the personal store: the team file is the record
	! grep -q FF1001 .git/pushfix/decisions 2>/dev/null &&
	git add .pushfix && git commit -q -m "pushfix: ignore FF1001" &&
	# the commit that holds the entry is the one whose file applies
	"$PUSHFIX_BIN" scan HEAD~2..HEAD >"$TRASH/scan.out" 2>&1 &&
	expect_grep "^no findings (" "$TRASH/scan.out" &&
	"$PUSHFIX_BIN" scan HEAD~2..HEAD~1 >"$TRASH/scan.out" 2>&1 &&
	expect_grep "FF1001" "$TRASH/scan.out"
'

test_done
