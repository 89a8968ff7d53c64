#!/bin/sh
# Semgrep gets its scan directory, so the pushed .semgrepignore really
# applies (issue 11 item 10; semgrep#4978, #6933: named files escape it),
# and Semgrep plus a SARIF scanner in one push are merged, de-duplicated
# (same path, line and rule).  Semgrep is the replay stand-in, which
# walks a directory target and applies .semgrepignore as Semgrep does.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

AF_RULES=$FIXTURES/sarif-autofix/rules/autofix/autofix.yaml
AF_SARIF=sarif-autofix/snapshots/test_output_sarif/test_sarif_output_with_autofix/results.sarif
export FAKE_SEMGREP_FIXTURE=$AF_FIX
export PUSHFIX_SCAN_SEMGREP_CONFIG=$AF_RULES
export PUSHFIX_SCAN_FILTER=all

# The same Semgrep, as a SARIF command replaying its recorded SARIF log.
mkdir -p "$TRASH/bin"
cat >"$TRASH/bin/semgrep-sarif" <<EOF
#!/bin/sh
FAKE_SEMGREP_FIXTURE=$AF_SARIF exec semgrep "\$@"
EOF
chmod +x "$TRASH/bin/semgrep-sarif"

test_expect_success 'setup: a .semgrepignore and two copies of one file, one ignored' '
	setup_repo &&
	mkdir -p app generated &&
	cp "$AF_SRC" app/autofix.py &&
	cp "$AF_SRC" generated/autofix.py &&
	printf "# generated code is not ours\n/generated/\n" >.semgrepignore &&
	git add . && git commit -q -m "app, generated, ignore"
'

test_expect_success 'git push: the file the pushed .semgrepignore names is not reported, the other is' '
	cd "$TRASH/work" &&
	rm -f "$FAKE_SEMGREP_LOG" &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_at "$TRASH/err" app/autofix.py 5 &&
	expect_no_grep "generated/autofix.py" "$TRASH/err" &&
	python3 - "$FAKE_SEMGREP_LOG" <<-\EOF
	import json, sys
	e = [json.loads(l) for l in open(sys.argv[1])][-1]
	a = e["argv"][1:]
	assert a[a.index("--") + 1:] == ["."], a
	got = sorted(t["path"] for t in e["targets"])
	assert got == ["app/autofix.py"], got
	EOF
'

test_expect_success 'the stand-in is Semgrep here: a file named on the command line escapes .semgrepignore' '
	cd "$TRASH/work" &&
	rm -f "$FAKE_SEMGREP_LOG" &&
	semgrep scan --json --metrics=off --config "$AF_RULES" -- generated/autofix.py >"$TRASH/named.json" &&
	python3 - "$TRASH/named.json" <<-\EOF
	import json, sys
	rs = json.load(open(sys.argv[1]))["results"]
	assert {r["path"] for r in rs} == {"generated/autofix.py"}, rs
	EOF
'

test_expect_success 'no .semgrepignore pushed: Semgrep'"'"'s defaults (tests/) do not drop pushed files' '
	cd "$TRASH/work" &&
	git rm -q .semgrepignore && mkdir -p tests && cp "$AF_SRC" tests/autofix.py &&
	git add tests && git commit -q -m "no ignore file; a test" &&
	PUSHFIX_SCAN_FILTER=added "$PUSHFIX_BIN" scan HEAD~1..HEAD --format json >"$TRASH/out.json" &&
	python3 - "$TRASH/out.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	assert {f["path"] for f in fs} == {"tests/autofix.py"}, fs
	EOF
'

test_expect_success 'engine = semgrep, sarif: both report lines 5 and 6; each is shown once' '
	cd "$TRASH/work" &&
	PATH=$TRASH/bin:$PATH PUSHFIX_SCAN_ENGINE="semgrep, sarif" \
	PUSHFIX_SCAN_COMMAND="semgrep-sarif scan --sarif --metrics=off --config $AF_RULES {files}" \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD --format json >"$TRASH/both.json" &&
	PATH=$TRASH/bin:$PATH PUSHFIX_SCAN_ENGINE=sarif \
	PUSHFIX_SCAN_COMMAND="semgrep-sarif scan --sarif --metrics=off --config $AF_RULES {files}" \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD --format json >"$TRASH/sarif.json" &&
	python3 - "$TRASH/both.json" "$TRASH/sarif.json" <<-\EOF
	import json, sys
	both = json.load(open(sys.argv[1]))["findings"]
	sarif = json.load(open(sys.argv[2]))["findings"]
	key = lambda fs: sorted((f["path"], f["start_line"], f["rule_id"]) for f in fs)
	want = [("tests/autofix.py", 5, "rules.autofix.use-dict-get"),
	        ("tests/autofix.py", 6, "rules.autofix.use-dict-get")]
	assert key(sarif) == want, key(sarif)
	assert key(both) == want, key(both)
	EOF
'

test_expect_success 'engine = semgrep, sarif through git push: named together, reported once' '
	cd "$TRASH/work" &&
	PATH=$TRASH/bin:$PATH PUSHFIX_SCAN_ENGINE="semgrep, sarif" \
	PUSHFIX_SCAN_COMMAND="semgrep-sarif scan --sarif --metrics=off --config $AF_RULES {files}" \
		git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "2 findings on the pushed lines (1 commit, 7 added lines in 1 file, 1 scanned by semgrep, 1 scanned by semgrep-sarif)" "$TRASH/err" &&
	test "$(grep -c "tests/autofix.py:5" "$TRASH/err")" = 1
'

test_done
