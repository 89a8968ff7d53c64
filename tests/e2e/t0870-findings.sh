#!/bin/sh
# `pushfix findings` (issue 15 item 5): what earlier scans and pushes found,
# with their triage and the LLM's component tag, filtered by verdict,
# component, rule and age; the local record stays bounded.  Real flawfinder
# finds the strcpy; the stand-in plays the LLM.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

FLOG=$TRASH/work/.git/pushfix/findings.log

test_expect_success 'setup: a pushed strcpy that flawfinder flags' '
	command -v flawfinder &&
	setup_llm_repo
'

start_llm llm

test_expect_success 'nothing recorded yet: says so' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" findings >"$TRASH/out" &&
	expect_grep "^no findings recorded (pushes and scans record theirs)" \
		"$TRASH/out"
'

test_expect_success 'the LLM tags the component: asked for, in the JSON' '
	cd "$TRASH/work" &&
	llm_set --verdict false_positive --confidence 0.8 \
		--reason "The source is a constant." --component "Auth" &&
	scan_json &&
	check_finding "f[\"triage\"][\"component\"] == \"auth\"" &&
	python3 - "$LLM_LOG" <<-\EOF
	import json, sys
	b = json.loads(open(sys.argv[1]).readline())["body"]
	s = b["response_format"]["json_schema"]["schema"]
	assert "component" in s["properties"], s
	assert sorted(s["required"]) == sorted(s["properties"]), s
	assert "\"component\"" in b["messages"][0]["content"]
	EOF
'

test_expect_success 'the scan is recorded with its triage: pushfix findings' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" findings >"$TRASH/out" &&
	expect_grep " scan false_positive (80%) \[auth\]  src/copy.c:6  FF1001" \
		"$TRASH/out" &&
	expect_grep "^    The source is a constant.$" "$TRASH/out" &&
	test "$(stat -c %a "$FLOG")" = 600
'

test_expect_success 'a push records its findings too (the newest wins)' '
	cd "$TRASH/work" &&
	llm_set --verdict true_positive --confidence 0.9 \
		--reason "argv reaches strcpy." --component payments &&
	rm -rf .git/pushfix/cache &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	"$PUSHFIX_BIN" findings >"$TRASH/out" &&
	expect_grep " push true_positive (90%) \[payments\]  src/copy.c:6  FF1001" \
		"$TRASH/out" &&
	expect_no_grep "false_positive" "$TRASH/out" &&
	test "$(grep -c "\"source\":\"push\"" "$FLOG")" -ge 1
'

test_expect_success 'filters: --verdict, --component, --rule, --since' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" findings --verdict true_positive >"$TRASH/out" &&
	expect_grep "src/copy.c:6" "$TRASH/out" &&
	"$PUSHFIX_BIN" findings --verdict false_positive >"$TRASH/out" &&
	expect_grep "^no findings recorded that match" "$TRASH/out" &&
	"$PUSHFIX_BIN" findings --component payments >"$TRASH/out" &&
	expect_grep "src/copy.c:6" "$TRASH/out" &&
	"$PUSHFIX_BIN" findings --component auth >"$TRASH/out" &&
	expect_grep "^no findings recorded that match" "$TRASH/out" &&
	"$PUSHFIX_BIN" findings --rule "FF10*" --since 1 >"$TRASH/out" &&
	expect_grep "src/copy.c:6" "$TRASH/out" &&
	"$PUSHFIX_BIN" findings --rule "semgrep.*" >"$TRASH/out" &&
	expect_grep "^no findings recorded that match" "$TRASH/out"
'

test_expect_success '--json: one record per finding, machine-readable' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" findings --json >"$TRASH/out" &&
	python3 - "$TRASH/out" <<-\EOF
	import json, sys
	rs = [json.loads(l) for l in open(sys.argv[1])]
	f = [r for r in rs if r["line"] == 6]
	assert len(f) == 1, rs
	f = f[0]
	assert f["verdict"] == "true_positive" and f["component"] == "payments", f
	assert f["rule"] == "FF1001" and f["path"] == "src/copy.c", f
	assert len(f["fingerprint"]) == 64 and f["source"] == "push", f
	EOF
'

test_expect_success 'a bad --verdict is a usage error' '
	cd "$TRASH/work" &&
	{ "$PUSHFIX_BIN" findings --verdict maybe 2>"$TRASH/err"; test $? = 2; } &&
	expect_grep "expected true_positive, false_positive, uncertain or none" \
		"$TRASH/err"
'

test_expect_success 'the record is bounded: past 4 MiB the oldest go' '
	cd "$TRASH/work" &&
	python3 - "$FLOG" <<-\EOF &&
	import json, sys
	line = json.dumps({"type": "finding", "ts": 1, "time": "1970-01-01T00:00:01Z",
	                   "source": "scan", "rule": "old.rule", "path": "old.c",
	                   "line": 1, "fingerprint": "0" * 64, "verdict": None,
	                   "confidence": None, "component": None,
	                   "reason": "x" * 400}) + "\n"
	with open(sys.argv[1], "a") as f:
	    f.write(line * (5 * 1024 * 1024 // len(line)))
	EOF
	test "$(stat -c %s "$FLOG")" -gt 4194304 &&
	SCAN_RANGE=HEAD~1..HEAD scan_json &&
	test "$(stat -c %s "$FLOG")" -le 2097152 &&
	tail -n 1 "$FLOG" | grep -q "\"path\":\"src/copy.c\"" &&
	"$PUSHFIX_BIN" findings --rule "FF*" >"$TRASH/out" &&
	expect_grep "src/copy.c:6" "$TRASH/out"
'

test_expect_success 'unparseable lines are skipped, never fatal' '
	cd "$TRASH/work" &&
	printf "{not json\n" >>"$FLOG" &&
	"$PUSHFIX_BIN" findings --rule "FF*" >"$TRASH/out" &&
	expect_grep "src/copy.c:6" "$TRASH/out"
'

test_done
