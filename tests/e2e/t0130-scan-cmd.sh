#!/bin/sh
# `pushfix scan` (RANGE, --staged, --all; --format text|json|sarif) and
# `pushfix changes RANGE`, exact.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

test_expect_success 'setup' '
	setup_repo &&
	mi_text one | commit_file app/pattern_either_basic.py "one" &&
	cp "$EQ_DIR/stupid.py" . && git add stupid.py && git commit -q -m py &&
	mi_text one two | commit_file app/pattern_either_basic.py "two" &&
	mkdir -p lib && cp "$AF_SRC" lib/autofix.py && git add lib/autofix.py &&
	git commit -q -m autofix
'

test_expect_success 'scan RANGE --format json: valid JSON, documented fields' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" scan HEAD~2..HEAD --format json >"$TRASH/out.json" 2>"$TRASH/err" &&
	python3 -m json.tool "$TRASH/out.json" >/dev/null &&
	python3 - "$TRASH/out.json" <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	fs = d["findings"]
	for f in fs:
	    for k in ("rule_id", "path", "start_line", "end_line", "severity",
	              "message", "fix"):
	        assert k in f, (k, f)
	got = sorted((f["path"], f["start_line"], f["end_line"], f["rule_id"],
	              f["severity"], f["message"]) for f in fs)
	want = sorted([
	    ("app/pattern_either_basic.py", 4, 5, "rules.message_interpolation.test_rule_id",
	     "INFO", "method two detected"),
	    ("lib/autofix.py", 5, 5, "rules.autofix.use-dict-get", "ERROR",
	     "Use `.get()` method to avoid a KeyNotFound error"),
	    ("lib/autofix.py", 6, 6, "rules.autofix.use-dict-get", "ERROR",
	     "Use `.get()` method to avoid a KeyNotFound error"),
	])
	assert got == want, got
	# The rule fix (extra.fix), as whole lines of the file.
	fixes = {f["start_line"]: f["fix"] for f in fs if f["path"] == "lib/autofix.py"}
	for line, text in ((5, "  inputs.get(x) = 1\n"),
	                   (6, "  if inputs.get((x + 1)) == True:\n")):
	    fx = fixes[line]
	    assert fx is not None, fixes
	    assert fx["origin"] == "rule", fx
	    assert (fx["start_line"], fx["end_line"]) == (line, line), fx
	    assert fx["replacement"] == text, fx
	two = [f for f in fs if f["path"] == "app/pattern_either_basic.py"][0]
	assert two["fix"] is None, two
	EOF
'

test_expect_success 'scan RANGE --format sarif: valid SARIF 2.1.0' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" scan HEAD~2..HEAD --format sarif >"$TRASH/out.sarif" 2>"$TRASH/err" &&
	python3 -m json.tool "$TRASH/out.sarif" >/dev/null &&
	python3 - "$TRASH/out.sarif" <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["version"] == "2.1.0", d.get("version")
	rs = d["runs"][0]["results"]
	got = sorted((r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
	              r["locations"][0]["physicalLocation"]["region"]["startLine"],
	              r["ruleId"]) for r in rs)
	assert got == [("app/pattern_either_basic.py", 4, "rules.message_interpolation.test_rule_id"),
	               ("lib/autofix.py", 5, "rules.autofix.use-dict-get"),
	               ("lib/autofix.py", 6, "rules.autofix.use-dict-get")], got
	for r in rs:
	    assert r["message"]["text"], r
	    assert r.get("level") in ("error", "warning", "note", "none", None), r
	EOF
'

test_expect_success 'scan RANGE (text): file:line, severity, rule, message, lines' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" scan HEAD~2..HEAD >"$TRASH/out" 2>&1 &&
	expect_at "$TRASH/out" app/pattern_either_basic.py 4 &&
	expect_at "$TRASH/out" lib/autofix.py 5 &&
	expect_at "$TRASH/out" lib/autofix.py 6 &&
	expect_grep "method two detected" "$TRASH/out" &&
	expect_grep "rules.autofix.use-dict-get" "$TRASH/out" &&
	expect_grep "INFO" "$TRASH/out" &&
	expect_grep "ERROR" "$TRASH/out" &&
	expect_grep "def two(y):" "$TRASH/out" &&
	expect_grep "inputs\[x\] = 1" "$TRASH/out" &&
	expect_no_grep "method one detected" "$TRASH/out" &&
	expect_no_grep "eqeq-is-bad" "$TRASH/out" &&
	! grep -q "$(printf "\033")" "$TRASH/out"
'

test_expect_success 'scan (text): git color.ui = always colours it, not a tty' '
	cd "$TRASH/work" &&
	git config color.ui always &&
	(unset NO_COLOR &&
	 "$PUSHFIX_BIN" scan HEAD~2..HEAD >"$TRASH/out" 2>/dev/null &&
	 "$PUSHFIX_BIN" scan HEAD~2..HEAD --format json >"$TRASH/out.json" \
		2>/dev/null &&
	 git config color.ui never &&
	 "$PUSHFIX_BIN" scan HEAD~2..HEAD >"$TRASH/out.never" 2>/dev/null)
	ret=$?
	git config --unset color.ui &&
	test $ret -eq 0 &&
	grep -q "$(printf "\033")\[" "$TRASH/out" &&
	expect_grep "method two detected" "$TRASH/out" &&
	! grep -q "$(printf "\033")" "$TRASH/out.json" &&
	! grep -q "$(printf "\033")" "$TRASH/out.never"
'

test_expect_success 'scan HEAD~1..HEAD scans only that commit' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" scan HEAD~1..HEAD --format json >"$TRASH/out.json" &&
	python3 -c "
import json, sys
fs = json.load(open(sys.argv[1]))[\"findings\"]
assert sorted({f[\"path\"] for f in fs}) == [\"lib/autofix.py\"], fs
" "$TRASH/out.json"
'

test_expect_success 'scan --staged: the staged blob, not the working tree' '
	cd "$TRASH/work" &&
	mkdir -p web && cp "$EQ_DIR/stupid.js" web/ && git add web/stupid.js &&
	printf "// edited after staging\n" >>web/stupid.js &&
	"$PUSHFIX_BIN" scan --staged --format json >"$TRASH/out.json" &&
	test "$(logged_target web/stupid.js sha256)" = "$(blob_sha256 :web/stupid.js)" &&
	python3 -c "
import json, sys
fs = json.load(open(sys.argv[1]))[\"findings\"]
got = [(f[\"path\"], f[\"start_line\"], f[\"rule_id\"]) for f in fs]
assert got == [(\"web/stupid.js\", 3, \"rules.javascript-basic-eqeq-bad\")], got
" "$TRASH/out.json" &&
	git reset -q -- web/stupid.js && rm -r web
'

test_expect_success 'scan --all: every file of the tree, whole' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" scan --all --format json >"$TRASH/out.json" &&
	python3 -c "
import json, sys
fs = json.load(open(sys.argv[1]))[\"findings\"]
got = sorted((f[\"path\"], f[\"start_line\"]) for f in fs)
want = [(\"app/pattern_either_basic.py\", 1), (\"app/pattern_either_basic.py\", 4), (\"lib/autofix.py\", 5),
        (\"lib/autofix.py\", 6), (\"stupid.py\", 3)]
assert got == want, got
" "$TRASH/out.json"
'

test_expect_success 'scan: a bad range or format is a clear error' '
	cd "$TRASH/work" &&
	! "$PUSHFIX_BIN" scan nosuchrev..HEAD >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "nosuchrev" "$TRASH/err" &&
	! "$PUSHFIX_BIN" scan HEAD~1..HEAD --format xml >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "xml" "$TRASH/err"
'

test_expect_success 'changes RANGE: exact intervals, sorted, merged' '
	setup_repo changes &&
	seq 1 20 | sed "s/^/line /" >a.txt &&
	mkdir b && printf "1\n2\n3\n4\n5\n" >b/c.txt &&
	seq 1 10 | sed "s/^/renamed line /" >r1.txt &&
	printf "x\n" >old.txt &&
	printf "one\r\ntwo\r\nthree\r\n" >crlf.txt &&
	printf "\000\001\002binary" >img.bin &&
	git add . && git commit -q -m base &&
	base=$(git rev-parse HEAD) &&
	sed -e "3,7s/line/LINE/" -e "12s/\$/ changed/" -e "15d" a.txt >a.new &&
	mv a.new a.txt &&
	printf "6\n7\n" >>b/c.txt &&
	git rm -q old.txt &&
	git mv r1.txt r2.txt &&
	sed "2s/renamed/RENAMED/" r2.txt >r2.new && mv r2.new r2.txt &&
	printf "one\r\nTWO\r\nthree\r\n" >crlf.txt &&
	printf "\000\001\002binary2" >img.bin &&
	git add -A . && git commit -q -m "change" &&
	printf "new\nfile\nhere\n" >n.txt && git add n.txt &&
	sed "9s/\$/ again/" a.txt >a.new && mv a.new a.txt && git add a.txt &&
	git commit -q -m "more" &&
	"$PUSHFIX_BIN" changes "$base..HEAD" >"$TRASH/changes.out" &&
	printf "a.txt\t3-7,9,12\nb/c.txt\t6-7\ncrlf.txt\t2\nn.txt\t1-3\nr2.txt\t2\n" \
		>"$TRASH/expect" &&
	diff -u "$TRASH/expect" "$TRASH/changes.out"
'

test_expect_success 'changes HEAD~1..HEAD: only that commit' '
	cd "$TRASH/changes" &&
	"$PUSHFIX_BIN" changes HEAD~1..HEAD >"$TRASH/changes.out" &&
	printf "a.txt\t9\nn.txt\t1-3\n" >"$TRASH/expect" &&
	diff -u "$TRASH/expect" "$TRASH/changes.out"
'

test_done
