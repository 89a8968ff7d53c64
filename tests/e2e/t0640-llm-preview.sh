#!/bin/sh
# pushfix preview: the exact request bodies, as JSON, and nothing sent,
# cached or logged; no key needed.  What preview prints is byte for byte
# what a real run then sends.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

test_expect_success 'setup: a pushed strcpy beside a planted secret and address' '
	command -v flawfinder &&
	setup_llm_repo &&
	# a test value, so marked: not a secret finding of its own (t0530)
	sed -i "5a\\	/* key AKIAZ7QW3ERT5YUI8OPL, ask ops.lead@northwind-logistics.com pushfix:allow-secret */" \
		src/copy.c &&
	git commit -q -am "a comment" &&
	test "$(sed -n 7p src/copy.c)" = "$(printf "\tstrcpy(dst, src);")"
'

start_llm llm

test_expect_success 'preview prints one request and sends nothing' '
	cd "$TRASH/work" &&
	PF_TEST_LLM_KEY= "$PUSHFIX_BIN" preview origin/main..HEAD \
		>"$TRASH/preview.json" 2>"$TRASH/preview.err" &&
	test "$(llm_requests)" = 0 &&
	test ! -e .git/pushfix/sent.log &&
	test ! -d .git/pushfix/cache &&
	python3 - "$TRASH/preview.json" <<-\EOF
	import json, sys
	reqs = json.load(open(sys.argv[1]))
	assert len(reqs) == 1, reqs
	r = reqs[0]
	assert r["n"] == 1 and r["findings"] == [1], r
	assert r["provider"] == "openai" and r["model"] == "model-under-test"
	assert r["endpoint"].endswith("/v1/chat/completions"), r["endpoint"]
	assert r["prompt_version"].startswith("pushfix-triage-")
	assert r["cached"] is False
	user = r["body"]["messages"][1]["content"]
	assert "strcpy(dst, src);" in user, user
	EOF
'

test_expect_success 'the planted secret, address and organisation are not in it' '
	cd "$TRASH/work" &&
	expect_no_grep "AKIAZ7QW3ERT5YUI8OPL" "$TRASH/preview.json" &&
	expect_no_grep "ops.lead" "$TRASH/preview.json" &&
	! grep -qi "northwind" "$TRASH/preview.json" &&
	expect_no_grep "copy.c" "$TRASH/preview.json"
'

test_expect_success 'what preview showed is exactly what a push then sends' '
	cd "$TRASH/work" &&
	git push origin main 2>"$TRASH/push.err" &&
	expect_remote_at refs/heads/main HEAD &&
	test "$(llm_requests)" = 1 &&
	python3 - "$TRASH/preview.json" "$LLM_LOG" <<-\EOF
	import json, sys
	shown = json.load(open(sys.argv[1]))[0]["body"]
	sent = json.loads(open(sys.argv[2]).readline())["body"]
	assert shown == sent, "preview and request differ"
	EOF
'

test_expect_success 'after a real run, preview says the answer is cached' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" preview HEAD~2..HEAD >"$TRASH/preview2.json" &&
	python3 -c "import json,sys; r = json.load(open(sys.argv[1])); assert r[0][\"cached\"] is True, r" "$TRASH/preview2.json" &&
	"$PUSHFIX_BIN" preview --no-cache HEAD~2..HEAD >"$TRASH/preview3.json" &&
	python3 -c "import json,sys; r = json.load(open(sys.argv[1])); assert r[0][\"cached\"] is False, r" "$TRASH/preview3.json" &&
	test "$(llm_requests)" = 1
'

test_expect_success 'anthropic preview: the forced tool call' '
	cd "$TRASH/work" &&
	PUSHFIX_LLM_PROVIDER=anthropic "$PUSHFIX_BIN" preview HEAD~2..HEAD \
		>"$TRASH/preview.json" &&
	python3 - "$TRASH/preview.json" <<-\EOF
	import json, sys
	r = json.load(open(sys.argv[1]))[0]
	assert r["endpoint"].endswith("/v1/messages"), r
	assert r["body"]["tools"][0]["name"] == "report_triage"
	EOF
'

test_expect_success 'provider none: nothing would be sent, said on stderr' '
	cd "$TRASH/work" &&
	PUSHFIX_LLM_PROVIDER=none "$PUSHFIX_BIN" preview HEAD~2..HEAD \
		>"$TRASH/preview.json" 2>"$TRASH/preview.err" &&
	test "$(cat "$TRASH/preview.json")" = "[]" &&
	expect_grep "provider = none" "$TRASH/preview.err"
'

test_expect_success 'a bad [llm] setting: an error naming it' '
	cd "$TRASH/work" &&
	! PUSHFIX_LLM_PROVIDER=openai-compatible PUSHFIX_LLM_BASE_URL= \
		"$PUSHFIX_BIN" preview HEAD~2..HEAD >/dev/null \
		2>"$TRASH/preview.err" &&
	expect_grep "\[llm\] base_url is required" "$TRASH/preview.err"
'

test_expect_success 'the key appears nowhere' '
	cd "$TRASH/work" &&
	expect_key_nowhere "$TRASH/preview.json" "$TRASH/preview.err" \
		"$TRASH/push.err"
'

test_done
