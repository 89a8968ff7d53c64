#!/bin/sh
# `pushfix demo` and the LLM: without one it says in one line what to set
# (no "triage: none" promise of triage in the intro); with a local
# openai-compatible server in the user's config it triages and offers
# fixes for real; whatever the scanner, it shows the planted credentials
# masked as a request would carry them.
. "$(dirname "$0")/lib.sh"

NOSG_PATH=$(echo "$PATH" | tr : '\n' | grep -v "^$STANDINS/bin\$" | paste -sd: -)
export TMPDIR=$TRASH/tmp
mkdir -p "$TMPDIR"
unset PUSHFIX_LLM_PROVIDER PUSHFIX_LLM_MODEL PUSHFIX_LLM_BASE_URL \
	PUSHFIX_LLM_API_KEY_ENV PUSHFIX_LLM_API_KEY_CMD PUSHFIX_SCAN_ENGINE \
	PUSHFIX_SCAN_COMMAND
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
NO_LLM_LINE="pushfix: no LLM configured, so findings are not triaged; set OPENAI_API_KEY, or [llm] provider = openai-compatible with base_url and model in $XDG_CONFIG_HOME/pushfix/config.ini, to see triage and fixes"

test_expect_success 'no LLM: one line says what to set; the intro names no LLM' '
	command -v flawfinder &&
	PATH=$NOSG_PATH "$PUSHFIX_BIN" demo >"$TRASH/out" 2>"$TRASH/err" &&
	test "$(grep -c -F "$NO_LLM_LINE" "$TRASH/out")" = 1 &&
	expect_no_grep "^  LLM " "$TRASH/out" &&
	expect_grep "the push went through" "$TRASH/out"
'

test_expect_success 'whatever the scanner: the planted secrets shown masked' '
	expect_grep "^Secrets: the anonymiser masked 3 in app/settings.py" "$TRASH/out" &&
	expect_grep "^      3 | DB_PASSWORD = \"PF_SECRET_1\"$" "$TRASH/out" &&
	expect_grep "^      4 | AWS_ACCESS_KEY_ID = \"PF_SECRET_2\"$" "$TRASH/out" &&
	expect_grep "^      5 | AWS_SECRET_ACCESS_KEY = \"PF_SECRET_3\"$" "$TRASH/out" &&
	expect_no_grep "AKIAIOSFODNN7EXAMPLE" "$TRASH/out" &&
	expect_no_grep "hunter2" "$TRASH/out"
'

start_standin llm "$STANDINS/llm_server.py" --max-seconds 300 \
	--sub "strcpy(path, user_dir);" "snprintf(path, sizeof(path), \"%s\", user_dir);" \
	--reason "demo-standin: user_dir is copied unbounded."
LLM_LOG=$TRASH/llm.log
mkdir -p "$XDG_CONFIG_HOME/pushfix"
cat >"$XDG_CONFIG_HOME/pushfix/config.ini" <<EOF
[llm]
provider = openai-compatible
base_url = http://127.0.0.1:$STANDIN_PORT/v1
model = demo-model
timeout = 10
budget = 30
EOF

test_expect_success 'a local openai-compatible server configured: real triage and a fix' '
	PATH=$NOSG_PATH "$PUSHFIX_BIN" demo >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^  LLM      openai-compatible, model demo-model at 127.0.0.1" "$TRASH/out" &&
	expect_no_grep "no LLM configured" "$TRASH/out" &&
	expect_no_grep "triage: none" "$TRASH/err" &&
	expect_grep "triage: true positive.*demo-standin" "$TRASH/err" &&
	expect_grep "^  fix (" "$TRASH/err" &&
	expect_grep "snprintf(path, sizeof(path)" "$TRASH/err" &&
	test -s "$LLM_LOG" &&
	python3 - "$LLM_LOG" <<-\EOF
	import json, sys
	rs = [json.loads(l) for l in open(sys.argv[1])]
	assert rs, "no request"
	for r in rs:
	    assert r["body"]["model"] == "demo-model", r["body"]["model"]
	    b = json.dumps(r["body"])
	    assert "AKIAIOSFODNN7EXAMPLE" not in b and "hunter2" not in b
	EOF
'

test_expect_success 'configured but unusable: said up front, not promised' '
	sed -i "/^model/d" "$XDG_CONFIG_HOME/pushfix/config.ini" &&
	PATH=$NOSG_PATH "$PUSHFIX_BIN" demo >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^  LLM      NOT USABLE: \[llm\] model is required for provider openai-compatible" "$TRASH/out"
'

test_expect_success 'no LLM configured but OPENAI_API_KEY set: the demo uses it' '
	rm "$XDG_CONFIG_HOME/pushfix/config.ini" &&
	: >"$LLM_LOG" &&
	key=sk-demo-e2e-$$ &&
	OPENAI_API_KEY=$key PUSHFIX_LLM_BASE_URL=http://127.0.0.1:$STANDIN_PORT/v1 \
		PATH=$NOSG_PATH "$PUSHFIX_BIN" demo >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^  LLM      openai, model gpt-4o-mini at 127.0.0.1 (OPENAI_API_KEY is set)" "$TRASH/out" &&
	expect_no_grep "no LLM configured" "$TRASH/out" &&
	expect_grep "triage: true positive" "$TRASH/err" &&
	expect_no_grep "$key" "$TRASH/out" && expect_no_grep "$key" "$TRASH/err" &&
	python3 - "$LLM_LOG" "$key" <<-\EOF
	import json, sys
	rs = [json.loads(l) for l in open(sys.argv[1])]
	assert rs, "no request"
	for r in rs:
	    h = {k.lower(): v for k, v in r["headers"].items()}
	    assert h["authorization"] == "Bearer " + sys.argv[2], h
	EOF
'

test_done
