#!/bin/sh
# The answer cache: a second run over the same findings sends nothing (the
# stand-in counts), --no-cache sends again, another model or a damaged
# entry misses; every request sent is in the local log with the prompt
# version.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

test_expect_success 'setup: a pushed strcpy' '
	command -v flawfinder &&
	setup_llm_repo
'

start_llm llm --confidence 0.75

test_expect_success 'first run: one request, answer not cached' '
	cd "$TRASH/work" &&
	scan_json &&
	test "$(llm_requests)" = 1 &&
	check_finding "f[\"triage\"][\"verdict\"] == \"true_positive\" and
		not f[\"triage\"][\"cached\"]" &&
	test "$(ls .git/pushfix/cache/*.json | wc -l)" = 1
'

test_expect_success 'second run: no request, the same answer from the cache' '
	cd "$TRASH/work" &&
	scan_json &&
	test "$(llm_requests)" = 1 &&
	check_finding "f[\"triage\"][\"verdict\"] == \"true_positive\" and
		f[\"triage\"][\"cached\"] and
		abs(f[\"triage\"][\"confidence\"] - 0.75) < 1e-9"
'

test_expect_success 'the push hits the cache too' '
	cd "$TRASH/work" &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	test "$(llm_requests)" = 1
'

test_expect_success '--no-cache sends again' '
	cd "$TRASH/work" &&
	SCAN_RANGE=HEAD~1..HEAD scan_json --no-cache &&
	test "$(llm_requests)" = 2 &&
	check_finding "not f[\"triage\"][\"cached\"]"
'

test_expect_success 'another model is another cache key' '
	cd "$TRASH/work" &&
	PUSHFIX_LLM_MODEL=other-model SCAN_RANGE=HEAD~1..HEAD scan_json &&
	test "$(llm_requests)" = 3
'

test_expect_success 'a damaged entry is a miss, rewritten' '
	cd "$TRASH/work" &&
	for f in .git/pushfix/cache/*.json; do printf "{\"verdict\":" >"$f"; done &&
	SCAN_RANGE=HEAD~1..HEAD scan_json &&
	test "$(llm_requests)" = 4 &&
	check_finding "f[\"triage\"][\"verdict\"] == \"true_positive\"" &&
	SCAN_RANGE=HEAD~1..HEAD scan_json &&
	test "$(llm_requests)" = 4 &&
	check_finding "f[\"triage\"][\"cached\"]"
'

test_expect_success 'every request sent is logged with the prompt version' '
	cd "$TRASH/work" &&
	python3 - .git/pushfix/sent.log <<-\EOF
	import json, sys
	reqs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
	reqs = [r for r in reqs if r.get("type", "request") == "request"]
	assert len(reqs) == 4, len(reqs)
	for r in reqs:
	    assert r["prompt_version"].startswith("pushfix-triage-"), r
	    assert r["status"] == 200, r
	EOF
	expect_key_nowhere "$TRASH/scan.json"
'

test_expect_success 'a run that sends prunes log records past the retention' '
	cd "$TRASH/work" &&
	{ printf "%s\n" "{\"type\":\"request\",\"id\":\"00000000000000aa\",\"time\":\"2001-09-09T01:46:40Z\",\"ts\":1000000000,\"host\":\"old.example\"}" &&
	  cat .git/pushfix/sent.log; } >"$TRASH/log" &&
	cp "$TRASH/log" .git/pushfix/sent.log &&
	test "$(grep -c 00000000000000aa .git/pushfix/sent.log)" = 1 &&
	SCAN_RANGE=HEAD~1..HEAD scan_json --no-cache &&
	test "$(llm_requests)" = 5 &&
	test "$(grep -c 00000000000000aa .git/pushfix/sent.log)" = 0 &&
	test "$(grep -c "\"prompt_version\"" .git/pushfix/sent.log)" = 5
'

test_done
