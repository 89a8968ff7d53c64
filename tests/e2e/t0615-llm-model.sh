#!/bin/sh
# [llm] model: what config.ini.example says is what happens.  Empty means
# gpt-4o-mini for openai and claude-3-5-haiku-latest for anthropic;
# openai-compatible has no default and says so, naming the key.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

test_expect_success 'setup' '
	command -v flawfinder &&
	setup_llm_repo
'

start_llm llm

# The model of the last request the stand-in received.
last_model() {
	python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])[\"body\"][\"model\"])" "$LLM_LOG"
}

test_expect_success 'openai, model empty: gpt-4o-mini is asked' '
	cd "$TRASH/work" &&
	PUSHFIX_LLM_MODEL= "$PUSHFIX_BIN" scan --no-cache >/dev/null 2>"$TRASH/err" &&
	test "$(last_model)" = gpt-4o-mini &&
	expect_no_grep "model" "$TRASH/err"
'

test_expect_success 'anthropic, model empty: claude-3-5-haiku-latest is asked' '
	cd "$TRASH/work" &&
	PUSHFIX_LLM_PROVIDER=anthropic PUSHFIX_LLM_MODEL= \
		"$PUSHFIX_BIN" scan --no-cache >/dev/null 2>"$TRASH/err" &&
	test "$(last_model)" = claude-3-5-haiku-latest
'

test_expect_success 'openai-compatible, model empty: the documented error, nothing sent' '
	cd "$TRASH/work" &&
	n=$(llm_requests) &&
	PUSHFIX_LLM_PROVIDER=openai-compatible PUSHFIX_LLM_MODEL= \
		"$PUSHFIX_BIN" scan --no-cache >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^warning: LLM triage skipped: \[llm\] model is required for provider openai-compatible" "$TRASH/err" &&
	expect_grep "strcpy" "$TRASH/out" &&
	test "$(llm_requests)" = "$n" &&
	grep -F "[llm] model is required for provider openai-compatible" \
		"$SRC/config.ini.example" &&
	{ PUSHFIX_LLM_PROVIDER=openai-compatible PUSHFIX_LLM_MODEL= \
		"$PUSHFIX_BIN" doctor >"$TRASH/doc" 2>&1; true; } &&
	expect_grep "model is required for provider openai-compatible" "$TRASH/doc"
'

test_expect_success 'openai-compatible with a model: triaged' '
	cd "$TRASH/work" &&
	PUSHFIX_LLM_PROVIDER=openai-compatible PUSHFIX_LLM_MODEL=llama3.1 \
		"$PUSHFIX_BIN" scan --no-cache >"$TRASH/out" 2>"$TRASH/err" &&
	test "$(last_model)" = llama3.1 &&
	expect_grep "triage: true_positive" "$TRASH/out"
'

test_done
