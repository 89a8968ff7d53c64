#!/bin/sh
# Issue 10, floods: a scanner that reports one finding 600 times (and many
# distinct findings of one file) must not hold the push: identical reports
# are merged before triage (one LLM request, one fix), the fixes of one
# file are verified in one re-scan, and the user still sees how many
# reports were merged.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

# The scanner stand-in: SARIF with FLOOD_N copies of one result on every
# line holding "strcpy(dst, src);" of each file it is given; every run is
# a line in $FLOOD_LOG.
cat >"$TRASH/flood-scanner" <<\EOF
#!/usr/bin/env python3
import json, os, sys
n = int(os.environ.get("FLOOD_N", "600"))
with open(os.environ["FLOOD_LOG"], "a") as log:
    log.write(" ".join(sys.argv[1:]) + "\n")
results = []
for path in sys.argv[1:]:
    for i, line in enumerate(open(path, encoding="utf-8", errors="replace")):
        if "strcpy(dst, src);" in line:
            results += [{
                "ruleId": "FLOOD1", "level": "error",
                "message": {"text": "strcpy of an unchecked length"},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": path},
                    "region": {"startLine": i + 1, "startColumn": 2}}}],
            }] * n
json.dump({"version": "2.1.0", "runs": [{
    "tool": {"driver": {"name": "flood"}}, "results": results}]},
    sys.stdout)
EOF
chmod +x "$TRASH/flood-scanner"
export PUSHFIX_SCAN_COMMAND="$TRASH/flood-scanner {files}"
export FLOOD_LOG="$TRASH/flood.log"

scanner_runs() {
	if [ -f "$FLOOD_LOG" ]; then wc -l <"$FLOOD_LOG" | tr -d ' '; else echo 0; fi
}

test_expect_success 'setup: a pushed strcpy' '
	setup_llm_repo
'

start_llm llm

test_expect_success '600 identical findings: one request, one re-scan, the push goes on' '
	cd "$TRASH/work" &&
	llm_set --replacement "$GOOD_FIX" &&
	rm -f "$FLOOD_LOG" &&
	timeout 60 git push origin main 2>"$TRASH/err" </dev/null &&
	expect_remote_at refs/heads/main HEAD &&
	test "$(llm_requests)" = 1 &&
	test "$(scanner_runs)" = 2 &&
	expect_grep "src/copy.c:6 (reported 600 times)" "$TRASH/err" &&
	expect_grep "verified" "$TRASH/err"
'

test_expect_success 'the JSON report keeps the count' '
	cd "$TRASH/work" &&
	SCAN_RANGE=HEAD~1..HEAD scan_json --no-cache &&
	check_finding "f[\"count\"] == 600 and
		f[\"fix\"][\"state\"] == \"verified\""
'

test_expect_success 'distinct findings of one file: their fixes in one re-scan' '
	cd "$TRASH/work" &&
	for i in 1 2 3 4 5 6 7 8; do
		printf "void f%s(char *dst, const char *src)\n{\n\tstrcpy(dst, src);\n}\n\n" $i
	done >src/many.c &&
	git add src/many.c && git commit -q -m "many copies" &&
	llm_set --replacement "$(printf "\tdst[0] = 0;")" &&
	rm -f "$FLOOD_LOG" &&
	FLOOD_N=1 SCAN_RANGE=HEAD~1..HEAD scan_json --no-cache &&
	# their snippets overlap: groups of at most 6 per request (issue 11)
	test "$(llm_requests)" = 2 &&
	test "$(scanner_runs)" = 2 &&
	python3 - "$TRASH/scan.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	assert len(fs) == 8, fs
	assert all(f["fix"]["state"] == "verified" for f in fs), fs
	assert all("count" not in f for f in fs), fs
	EOF
'

test_expect_success 'a fix that fails together is checked alone' '
	cd "$TRASH/work" &&
	llm_set --replacement "$BAD_FIX" &&
	rm -f "$FLOOD_LOG" &&
	FLOOD_N=1 SCAN_RANGE=HEAD~1..HEAD scan_json --no-cache &&
	python3 - "$TRASH/scan.json" <<-\EOF &&
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	assert len(fs) == 8, fs
	assert all(f["fix"]["state"] == "unverified" and
	           "still reports FLOOD1" in f["fix"]["note"] for f in fs), fs
	EOF
	test "$(scanner_runs)" = 10
'

test_done
