#!/bin/sh
# `pushfix log ID`: the whole exchange of one request (the metadata, the
# anonymised body as sent and the answer as received), not only the
# summary line `pushfix log` lists.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

test_expect_success 'setup: a pushed strcpy beside a planted secret' '
	command -v flawfinder &&
	setup_llm_repo &&
	# a test value, so marked: not a secret finding of its own (t0530)
	sed -i "5a\\	/* key AKIAZ7QW3ERT5YUI8OPL pushfix:allow-secret */" src/copy.c &&
	git commit -q -am "a comment"
'

start_llm llm --reason "The copy is unbounded: log-e2e-reason."

test_expect_success 'a push sends one request; log lists it on one line' '
	cd "$TRASH/work" &&
	git push origin main 2>"$TRASH/push.err" &&
	test "$(llm_requests)" = 1 &&
	"$PUSHFIX_BIN" log >"$TRASH/list" &&
	test "$(wc -l <"$TRASH/list")" = 1 &&
	expect_no_grep "request:" "$TRASH/list"
'

test_expect_success 'log ID: metadata, the request body sent and the answer' '
	cd "$TRASH/work" &&
	id=$(awk "{ print \$2 }" "$TRASH/list") &&
	test ${#id} = 16 &&
	"$PUSHFIX_BIN" log "$(echo "$id" | cut -c1-6)" >"$TRASH/one" &&
	expect_grep "$id  127.0.0.1  openai/model-under-test  200" "$TRASH/one" &&
	expect_grep "^  prompt version: pushfix-triage-" "$TRASH/one" &&
	expect_grep "^  finding: [0-9a-f]" "$TRASH/one" &&
	expect_grep "^  duration: [0-9]* ms$" "$TRASH/one" &&
	expect_grep "^  request:$" "$TRASH/one" &&
	expect_grep "strcpy(dst, src);" "$TRASH/one" &&
	expect_grep "\"model\":	\"model-under-test\"" "$TRASH/one" &&
	expect_grep "^  answer:$" "$TRASH/one" &&
	expect_grep "log-e2e-reason" "$TRASH/one" &&
	expect_no_grep "AKIAZ7QW3ERT5YUI8OPL" "$TRASH/one" &&
	expect_key_nowhere "$TRASH/one"
'

test_expect_success 'what log ID shows is the body the stand-in received' '
	cd "$TRASH/work" &&
	id=$(awk "{ print \$2 }" "$TRASH/list") &&
	"$PUSHFIX_BIN" log --json "$id" >"$TRASH/one.json" &&
	python3 - "$TRASH/one.json" "$LLM_LOG" <<-\EOF
	import json, sys
	rec = json.loads(open(sys.argv[1]).readline())
	sent = json.loads(open(sys.argv[2]).readline())["body"]
	assert rec["request"] == sent, "logged body differs from the sent one"
	EOF
'

test_expect_success 'log of an unknown id: an error, exit 1' '
	cd "$TRASH/work" &&
	{ "$PUSHFIX_BIN" log ffffffffffffffff >"$TRASH/out" 2>"$TRASH/err"; test $? = 1; } &&
	expect_grep "no request in the sent log has an id starting with .ffffffffffffffff." "$TRASH/err" &&
	test ! -s "$TRASH/out"
'

test_done
