#!/bin/sh
# Faults on the way to the LLM: rate limits and server errors are retried
# (honouring Retry-After), a dead or silent endpoint costs at most the
# budget, and the push always goes on with the findings shown untriaged.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

# Seconds (with decimals) since the epoch.
now() { python3 -c 'import time; print(time.time())'; }
# elapsed START: seconds since START
elapsed() { python3 -c "import time, sys; print(time.time() - $1)"; }
# lt A B: A < B, decimals allowed
lt() { python3 -c "import sys; sys.exit(0 if $1 < $2 else 1)"; }

test_expect_success 'setup: a pushed strcpy that flawfinder flags' '
	command -v flawfinder &&
	setup_llm_repo
'

start_llm llm

test_expect_success '429 with Retry-After: waited for, then answered' '
	cd "$TRASH/work" &&
	llm_set --behaviour 429 --retry-after 2 --then answer &&
	t0=$(now) &&
	scan_json --no-cache &&
	el=$(elapsed $t0) &&
	check_finding "f[\"triage\"][\"verdict\"] == \"true_positive\"" &&
	test "$(llm_requests)" = 2 &&
	python3 - "$LLM_LOG" <<-\EOF
	import json, sys
	rs = [json.loads(l) for l in open(sys.argv[1])]
	assert [r["behaviour"] for r in rs] == ["429", "answer"], rs
	gap = rs[1]["time"] - rs[0]["time"]
	assert gap >= 1.9, "retried after %.2f s, Retry-After said 2" % gap
	assert rs[0]["body"] == rs[1]["body"]
	EOF
'

test_expect_success '500 then success: retried once' '
	cd "$TRASH/work" &&
	llm_set --behaviour 500 --then answer &&
	scan_json --no-cache &&
	check_finding "f[\"triage\"][\"verdict\"] == \"true_positive\"" &&
	test "$(llm_requests)" = 2
'

test_expect_success '529 overloaded (anthropic) then success' '
	cd "$TRASH/work" &&
	use_provider anthropic &&
	llm_set --behaviour 529 --then answer &&
	scan_json --no-cache &&
	check_finding "f[\"triage\"][\"verdict\"] == \"true_positive\"" &&
	test "$(llm_requests)" = 2
'

test_expect_success '429 for good: gives up within the budget, untriaged' '
	cd "$TRASH/work" &&
	llm_set --behaviour 429 --retry-after 1 &&
	PUSHFIX_LLM_BUDGET=6 scan_json --no-cache &&
	check_finding "\"rate limiting (429)\" in f[\"triage\"][\"error\"]" &&
	n=$(llm_requests) && test "$n" -ge 2 && test "$n" -le 4
'

test_expect_success 'a connection reset, then an answer: retried' '
	cd "$TRASH/work" &&
	llm_set --behaviour reset --then answer &&
	scan_json --no-cache &&
	check_finding "f[\"triage\"][\"verdict\"] == \"true_positive\"" &&
	test "$(llm_requests)" = 2
'

test_expect_success '400 is not retried' '
	cd "$TRASH/work" &&
	llm_set --behaviour 400 &&
	scan_json --no-cache &&
	check_finding "\"refused the request (400)\" in f[\"triage\"][\"error\"]" &&
	test "$(llm_requests)" = 1
'

test_expect_success 'never answers: the budget is respected, the push goes on' '
	cd "$TRASH/work" &&
	llm_set --behaviour never &&
	t0=$(now) &&
	PUSHFIX_LLM_TIMEOUT=30 PUSHFIX_LLM_BUDGET=3 git push origin main 2>"$TRASH/err" &&
	el=$(elapsed $t0) &&
	expect_remote_at refs/heads/main HEAD &&
	lt "$el" 15 &&
	expect_grep "within the budget of 3.0 s" "$TRASH/err" &&
	expect_grep "left untriaged" "$TRASH/err" &&
	expect_grep "strcpy" "$TRASH/err" &&
	test "$(llm_requests)" = 1
'

test_expect_success 'never answers: scan shows the finding untriaged' '
	cd "$TRASH/work" &&
	llm_set --behaviour never &&
	t0=$(now) &&
	PUSHFIX_LLM_TIMEOUT=30 PUSHFIX_LLM_BUDGET=2 SCAN_RANGE=HEAD~1..HEAD scan_json --no-cache &&
	lt "$(elapsed $t0)" 12 &&
	check_finding "\"within the budget of 2.0 s\" in f[\"triage\"][\"error\"]
		and f[\"triage\"][\"verdict\"] == \"none\""
'

test_expect_success 'connection refused: one line, push goes on, quickly' '
	cd "$TRASH/work" &&
	port=$(python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); print(s.getsockname()[1])") &&
	export PUSHFIX_LLM_PROVIDER=openai \
		PUSHFIX_LLM_BASE_URL=http://127.0.0.1:$port/v1 &&
	printf "void again(char *d, const char *s) { strcpy(d, s); }\n" \
		>>src/copy.c &&
	git commit -q -am "one more copy" &&
	t0=$(now) &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	lt "$(elapsed $t0)" 10 &&
	expect_grep "pushfix: LLM: cannot reach 127.0.0.1" "$TRASH/err" &&
	test "$(grep -c "pushfix: LLM: cannot reach" "$TRASH/err")" = 1
'

test_done
