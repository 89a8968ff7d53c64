#!/bin/sh
# Contract: pushfix's real OpenAI and Anthropic requests (the bodies
# `pushfix preview` prints, with the headers pushfix sends) are validated by
# Prism against the official OpenAPI descriptions in
# tests/fixtures/openapi/; any `sl-violations` entry about the request
# fails.  One deliberately wrong request per endpoint must be refused,
# which proves the check is live (docs/CONTRACT-TEST-NOTES.md, gotcha G3).
# Needs Prism 5.14.2, pinned (sh tests/deps.sh; skipped without).
. "$(dirname "$0")/lib.sh"
skip_unless_prism
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

export PUSHFIX_LLM_API_KEY_ENV=PF_TEST_LLM_KEY
PRISM=$SRC/tests/contract/node_modules/@stoplight/prism-cli/dist/index.js
CHECK=$SRC/tests/contract/check_requests.py
OPENAPI=$SRC/tests/fixtures/openapi

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_prism NAME SPEC: a Prism mock on a free loopback port -> $PRISM_PORT
start_prism() {
	PRISM_PORT=$(free_port)
	node "$PRISM" mock -h 127.0.0.1 -p "$PRISM_PORT" "$2" \
		>"$TRASH/$1.prism.log" 2>&1 &
	echo $! >>"$LLM_PIDS"
	_i=0
	while ! grep -q "Prism is listening" "$TRASH/$1.prism.log"; do
		_i=$((_i + 1))
		if [ $_i -gt 600 ]; then
			cat "$TRASH/$1.prism.log"
			return 1
		fi
		sleep 0.1
	done
}

# Three findings: the strcpy and a strcat near it share one request (a
# group: the per-finding answer schema), a strcat far below has its own
# (the single-finding shape): both shapes are checked.
test_expect_success 'setup: Prism installed, a repository with three findings' '
	{ test -f "$PRISM" ||
	  { echo "Prism missing: cd tests/contract && npm ci"; false; }; } &&
	command -v flawfinder &&
	setup_llm_repo &&
	printf "void more(char *d, const char *s) { strcat(d, s); }\n" \
		>>src/copy.c &&
	i=0 && while [ $i -lt 30 ]; do echo "/* - */" >>src/copy.c; i=$((i + 1)); done &&
	printf "void far(char *d, const char *s) { strcat(d, s); }\n" \
		>>src/copy.c &&
	git commit -q -am more &&
	start_prism openai "$OPENAPI/openai-chat-completions-subset.openapi.json" &&
	OPENAI_PORT=$PRISM_PORT &&
	start_prism anthropic "$OPENAPI/anthropic-messages-subset.openapi.json" &&
	ANTHROPIC_PORT=$PRISM_PORT &&
	echo "$OPENAI_PORT $ANTHROPIC_PORT" >"$TRASH/ports"
'

read OPENAI_PORT ANTHROPIC_PORT <"$TRASH/ports" 2>/dev/null

test_expect_success 'OpenAI: every request pushfix would send is valid' '
	cd "$TRASH/work" &&
	PUSHFIX_LLM_PROVIDER=openai PUSHFIX_LLM_MODEL=gpt-4o-mini \
	PUSHFIX_LLM_BASE_URL=http://127.0.0.1:$OPENAI_PORT \
		"$PUSHFIX_BIN" preview origin/main..HEAD >"$TRASH/openai.json" &&
	python3 - "$TRASH/openai.json" <<-\EOF &&
	import json, sys
	rs = json.load(open(sys.argv[1]))
	assert [r["findings"] for r in rs] == [[1, 2], [3]], rs
	schema = rs[0]["body"]["response_format"]["json_schema"]["schema"]
	assert schema["required"] == ["findings"], schema
	EOF
	python3 "$CHECK" "http://127.0.0.1:$OPENAI_PORT/chat/completions" \
		"$TRASH/openai.json" \
		--header "Content-Type: application/json" \
		--header "Accept: application/json" \
		--header "Authorization: Bearer $LLM_KEY"
'

test_expect_success 'OpenAI: a wrong request is refused (the check is live)' '
	cd "$TRASH/work" &&
	python3 - "$TRASH/openai.json" "$TRASH/openai-bad.json" <<-\EOF &&
	import json, sys
	b = json.load(open(sys.argv[1]))[0]["body"]
	b["messages"][0]["role"] = "robot"
	b["temperature"] = 5
	json.dump(b, open(sys.argv[2], "w"))
	EOF
	python3 "$CHECK" "http://127.0.0.1:$OPENAI_PORT/chat/completions" \
		--expect-refused "$TRASH/openai-bad.json" \
		--header "Content-Type: application/json" \
		--header "Authorization: Bearer $LLM_KEY"
'

test_expect_success 'Anthropic: every request pushfix would send is valid' '
	cd "$TRASH/work" &&
	PUSHFIX_LLM_PROVIDER=anthropic PUSHFIX_LLM_MODEL=claude-test \
	PUSHFIX_LLM_BASE_URL=http://127.0.0.1:$ANTHROPIC_PORT/v1 \
		"$PUSHFIX_BIN" preview origin/main..HEAD >"$TRASH/anthropic.json" &&
	python3 "$CHECK" "http://127.0.0.1:$ANTHROPIC_PORT/v1/messages" \
		"$TRASH/anthropic.json" \
		--header "Content-Type: application/json" \
		--header "Accept: application/json" \
		--header "anthropic-version: 2023-06-01" \
		--header "x-api-key: $LLM_KEY"
'

test_expect_success 'Anthropic: a wrong request is refused (the check is live)' '
	cd "$TRASH/work" &&
	python3 - "$TRASH/anthropic.json" "$TRASH/anthropic-bad.json" <<-\EOF &&
	import json, sys
	b = json.load(open(sys.argv[1]))[0]["body"]
	del b["max_tokens"]
	json.dump(b, open(sys.argv[2], "w"))
	EOF
	python3 "$CHECK" "http://127.0.0.1:$ANTHROPIC_PORT/v1/messages" \
		--expect-refused "$TRASH/anthropic-bad.json" \
		--header "Content-Type: application/json" \
		--header "anthropic-version: 2023-06-01" \
		--header "x-api-key: $LLM_KEY"
'

test_expect_success 'through pushfix itself: Prism accepts what it sends (200 in the log)' '
	cd "$TRASH/work" &&
	PUSHFIX_LLM_PROVIDER=openai PUSHFIX_LLM_MODEL=gpt-4o-mini \
	PUSHFIX_LLM_BASE_URL=http://127.0.0.1:$OPENAI_PORT \
		scan_json --no-cache &&
	PUSHFIX_LLM_PROVIDER=anthropic PUSHFIX_LLM_MODEL=claude-test \
	PUSHFIX_LLM_BASE_URL=http://127.0.0.1:$ANTHROPIC_PORT/v1 \
		scan_json --no-cache &&
	python3 - .git/pushfix/sent.log <<-\EOF
	import json, sys
	rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
	rs = [r for r in rs if r.get("type", "request") == "request"]
	assert len(rs) == 4, len(rs)  # 2 requests (a group, a single) x 2
	for r in rs:
	    assert r["status"] == 200, r["status"]
	EOF
'

test_done
