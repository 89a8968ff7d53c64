#!/bin/sh
# LLM triage end to end: what the stand-in answers (right, malformed, schema
# violation, huge, 401) and what the user gets; the key travels only in its
# header.  Real flawfinder finds the strcpy; the stand-in plays the LLM.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

test_expect_success 'setup: a pushed strcpy that flawfinder flags' '
	command -v flawfinder &&
	setup_llm_repo
'

start_llm llm

test_expect_success 'openai: a right answer triages the finding' '
	cd "$TRASH/work" &&
	llm_set --expect-key "$LLM_KEY" --verdict true_positive \
		--confidence 0.87 --reason "argv reaches strcpy." &&
	scan_json &&
	check_finding "f[\"triage\"][\"verdict\"] == \"true_positive\" and
		abs(f[\"triage\"][\"confidence\"] - 0.87) < 1e-9 and
		f[\"triage\"][\"reason\"] == \"argv reaches strcpy.\" and
		not f[\"triage\"][\"cached\"]" &&
	test "$(llm_requests)" = 1 &&
	expect_key_header openai &&
	python3 - "$LLM_LOG" <<-\EOF
	import json, sys
	r = json.loads(open(sys.argv[1]).readline())
	assert r["path"] == "/v1/chat/completions", r["path"]
	b = r["body"]
	assert b["model"] == "model-under-test"
	assert b["response_format"]["type"] == "json_schema"
	assert b["response_format"]["json_schema"]["strict"] is True
	user = b["messages"][1]["content"]
	assert "Rule: FF1001" in user, user
	assert "strcpy(dst, src);" in user
	assert "> 6 | " in user or ">  6 | " in user, user
	assert "copy.c" not in user and "src/" not in user, user
	EOF
'

test_expect_success 'the key is in no output, no log, no cache' '
	cd "$TRASH/work" &&
	expect_key_nowhere "$TRASH/scan.json" "$TRASH/scan.err"
'

test_expect_success 'anthropic: a right answer through a forced tool call' '
	cd "$TRASH/work" &&
	use_provider anthropic &&
	llm_set --expect-key "$LLM_KEY" \
		--verdict false_positive --confidence 0.4 \
		--reason "The caller checks the length." &&
	scan_json --no-cache &&
	check_finding "f[\"triage\"][\"verdict\"] == \"false_positive\"" &&
	expect_key_header anthropic &&
	python3 - "$LLM_LOG" <<-\EOF
	import json, sys
	r = json.loads(open(sys.argv[1]).readline())
	assert r["path"] == "/v1/messages", r["path"]
	h = {k.lower(): v for k, v in r["headers"].items()}
	assert h["anthropic-version"] == "2023-06-01"
	b = r["body"]
	assert b["tool_choice"] == {"type": "tool", "name": "report_triage"}
	assert b["messages"][0]["role"] == "user"
	assert "Rule: FF1001" in b["messages"][0]["content"]
	EOF
'

test_expect_success 'azure: deployment URL, api-version, api-key header' '
	cd "$TRASH/work" &&
	use_provider azure &&
	llm_set --expect-key "$LLM_KEY" &&
	PUSHFIX_LLM_API_VERSION=2024-10-21 scan_json --no-cache &&
	check_finding "f[\"triage\"][\"verdict\"] == \"true_positive\"" &&
	expect_key_header azure &&
	python3 - "$LLM_LOG" <<-\EOF
	import json, sys
	r = json.loads(open(sys.argv[1]).readline())
	want = ("/openai/deployments/model-under-test/chat/completions"
	        "?api-version=2024-10-21")
	assert r["path"] == want, r["path"]
	EOF
'

test_expect_success 'malformed JSON: untriaged, the reason recorded' '
	cd "$TRASH/work" &&
	llm_set --behaviour malformed &&
	scan_json --no-cache &&
	check_finding "f[\"triage\"][\"verdict\"] == \"none\" and
		\"not valid JSON\" in f[\"triage\"][\"error\"]" &&
	expect_grep "not valid JSON" "$TRASH/scan.err" &&
	test "$(llm_requests)" = 1
'

test_expect_success 'schema violation: untriaged, the violation named' '
	cd "$TRASH/work" &&
	llm_set --behaviour schema &&
	scan_json --no-cache &&
	check_finding "\"violates the schema\" in f[\"triage\"][\"error\"]" &&
	test "$(llm_requests)" = 1
'

test_expect_success 'anthropic malformed body: untriaged' '
	cd "$TRASH/work" &&
	use_provider anthropic &&
	llm_set --behaviour malformed &&
	scan_json --no-cache &&
	check_finding "\"not valid JSON\" in f[\"triage\"][\"error\"]"
'

test_expect_success 'huge answer: refused by the cap, no crash' '
	cd "$TRASH/work" &&
	llm_set --behaviour huge --huge-mb 20 &&
	scan_json --no-cache &&
	check_finding "\"larger than\" in f[\"triage\"][\"error\"]"
'

test_expect_success '401: one exact line, not retried, push goes on' '
	cd "$TRASH/work" &&
	llm_set --expect-key not-the-key &&
	rm -rf .git/pushfix/cache &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "the LLM endpoint rejected the API key (401)" "$TRASH/err" &&
	test "$(grep -c "pushfix: LLM: the LLM endpoint rejected the API key (401)" \
		"$TRASH/err")" = 1 &&
	test "$(llm_requests)" = 1 &&
	expect_no_grep "sk-abc" "$TRASH/err" &&
	expect_key_nowhere "$TRASH/err"
'

test_expect_success 'no key at all: one clear line naming the variable' '
	cd "$TRASH/work" &&
	llm_set &&
	PF_TEST_LLM_KEY= SCAN_RANGE=HEAD~1..HEAD scan_json --no-cache &&
	check_finding "\"no API key for provider openai: set PF_TEST_LLM_KEY\"
		in f[\"triage\"][\"error\"]" &&
	test "$(grep -c "no API key" "$TRASH/scan.err")" = 1 &&
	test "$(llm_requests)" = 0
'

test_done
