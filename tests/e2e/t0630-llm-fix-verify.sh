#!/bin/sh
# LLM fixes end to end with the SARIF engine re-scanning (real flawfinder):
# a bounded copy flawfinder no longer flags is verified, a "fix" that keeps
# the strcpy is not, a fix that adds a new finding is not, a fix outside
# the lines the model saw is refused, a low-confidence fix is hidden.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

test_expect_success 'setup: a pushed strcpy that flawfinder flags' '
	command -v flawfinder &&
	setup_llm_repo
'

start_llm llm

test_expect_success 'a bounded copy: verified' '
	cd "$TRASH/work" &&
	llm_set --replacement "$GOOD_FIX" &&
	scan_json --no-cache &&
	check_finding "f[\"fix\"][\"origin\"] == \"llm\" and
		f[\"fix\"][\"state\"] == \"verified\" and
		f[\"fix\"][\"start_line\"] == 6 and f[\"fix\"][\"end_line\"] == 6
		and \"src[i]\" in f[\"fix\"][\"replacement\"] and
		f[\"fix\"][\"replacement\"].endswith(\"}\\n\")" &&
	test "$(llm_requests)" = 1
'

test_expect_success 'flawfinder itself finds nothing on the fixed line' '
	cd "$TRASH/work" &&
	python3 - "$TRASH/scan.json" src/copy.c "$TRASH/fixed.c" <<-\EOF &&
	import json, sys
	f = [f for f in json.load(open(sys.argv[1]))["findings"]
	     if f["start_line"] == 6][0]["fix"]
	lines = open(sys.argv[2]).read().split("\n")
	lines[5] = f["replacement"].rstrip("\n")
	open(sys.argv[3], "w").write("\n".join(lines))
	EOF
	flawfinder --sarif "$TRASH/fixed.c" >"$TRASH/ff.json" &&
	python3 - "$TRASH/ff.json" <<-\EOF &&
	import json, sys
	rs = json.load(open(sys.argv[1]))["runs"][0]["results"]
	at6 = [r["ruleId"] for r in rs
	       if r["locations"][0]["physicalLocation"]["region"]["startLine"] == 6]
	assert not at6, at6
	assert "FF1001" not in [r["ruleId"] for r in rs], rs
	EOF
	git diff --quiet
'

test_expect_success 'a fix that keeps the strcpy: unverified, saying why' '
	cd "$TRASH/work" &&
	llm_set --replacement "$BAD_FIX" &&
	scan_json --no-cache &&
	check_finding "f[\"fix\"][\"state\"] == \"unverified\" and
		\"still reports FF1001\" in f[\"fix\"][\"note\"]"
'

test_expect_success 'a fix that brings a new finding: unverified' '
	cd "$TRASH/work" &&
	llm_set --replacement "$(printf "\tsnprintf(dst, 64, \"%%s\", src);")" &&
	scan_json --no-cache &&
	check_finding "f[\"fix\"][\"state\"] == \"unverified\" and
		\"new finding FF1019\" in f[\"fix\"][\"note\"]"
'

test_expect_success 'a fix outside the lines the model saw: refused' '
	cd "$TRASH/work" &&
	llm_set --replacement "int evil;" --fix-lines 1 1 &&
	PUSHFIX_LLM_CONTEXT_LINES=2 scan_json --no-cache &&
	check_finding "f[\"fix\"][\"state\"] == \"refused\" and
		\"outside the lines the model was shown (4-8)\" in f[\"fix\"][\"note\"]
		and f[\"triage\"][\"verdict\"] == \"true_positive\""
'

test_expect_success 'a fix with a placeholder the vault never issued: refused' '
	cd "$TRASH/work" &&
	llm_set --replacement "$(printf "\tstrcpy(dst, PF_SECRET_9);")" &&
	scan_json --no-cache &&
	check_finding "f[\"fix\"][\"state\"] == \"refused\" and
		\"PF_SECRET_9\" in f[\"fix\"][\"note\"]"
'

test_expect_success 'low confidence: the fix is hidden, the verdict kept' '
	cd "$TRASH/work" &&
	llm_set --replacement "$GOOD_FIX" --confidence 0.3 &&
	PUSHFIX_LLM_AUTOFIX_MIN_CONFIDENCE=medium scan_json --no-cache &&
	check_finding "f[\"triage\"][\"verdict\"] == \"true_positive\" and
		f[\"fix\"] is None"
'

test_expect_success 'false positive: no fix offered' '
	cd "$TRASH/work" &&
	llm_set --replacement "$GOOD_FIX" --verdict false_positive &&
	scan_json --no-cache &&
	check_finding "f[\"triage\"][\"verdict\"] == \"false_positive\" and
		f[\"fix\"] is None"
'

test_expect_success 'git push shows the verified fix' '
	cd "$TRASH/work" &&
	llm_set --replacement "$GOOD_FIX" &&
	rm -rf .git/pushfix/cache &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "verified" "$TRASH/err" &&
	expect_grep "src\[i\]" "$TRASH/err"
'

test_done
