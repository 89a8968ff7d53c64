#!/bin/sh
# Secret findings with an LLM and at a terminal (issue 11 item 4): the
# LLM stand-in gets the scanner's finding only, never a request for a
# credential nor a key in any body; the sent log and, with [privacy]
# log_vault, the placeholder map hold no key whole; `i` at the prompt
# ignores a credential and the push goes on.  Scanner: the REAL flawfinder.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-ui.sh"
. "$SRC/tests/e2e/lib-llm.sh"

AWS=AKIA$(printf IOSFODNN7EXAMPLE)
OPENAI=sk-proj-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')

# The keys nowhere under .git/pushfix nor in the given files.
expect_keys_nowhere() {
	for _f in "$@"; do
		expect_no_grep "$AWS" "$_f" || return 1
		expect_no_grep "$OPENAI" "$_f" || return 1
	done
	! grep -r -q -e "$AWS" -e "$OPENAI" .git/pushfix ||
		{ echo "a key under .git/pushfix:"; grep -r -e "$AWS" -e "$OPENAI" .git/pushfix; return 1; }
}

# The strcpy of lib-llm.sh on line 7 with the AWS key in a comment above
# it (in its snippet), and both keys in app.py.
test_expect_success 'setup: a strcpy beside a key, two keys in app.py' '
	command -v flawfinder &&
	setup_llm_repo &&
	sed -i "5a\\	/* deploy key $AWS */" src/copy.c &&
	printf "AWS = \"%s\"\nOPENAI = \"%s\"\n" "$AWS" "$OPENAI" >app.py &&
	git add app.py && git commit -q -am "keys" &&
	test "$(sed -n 7p src/copy.c)" = "$(printf "\tstrcpy(dst, src);")" &&
	mkdir -p .git/pushfix &&
	printf "[privacy]\nlog_vault = true\n" >.git/pushfix/config.ini
'

start_llm llm

test_expect_success 'no terminal: one request (the strcpy), the push stops for 3 keys' '
	cd "$TRASH/work" &&
	! PUSHFIX_NO_CACHE=1 git push origin main 2>"$TRASH/err" &&
	test "$(llm_requests)" = 1 &&
	expect_grep "FF1001" "$LLM_LOG" &&
	expect_no_grep "pushfix.secret" "$LLM_LOG" &&
	expect_grep "^error: push stopped: 3 credentials on the pushed lines" "$TRASH/err" &&
	expect_grep "triage: not sent (a credential never goes to an LLM)" "$TRASH/err" &&
	expect_grep "AKIA…(20 chars)" "$TRASH/err" &&
	expect_keys_nowhere "$TRASH/err" "$LLM_LOG"
'

test_expect_success 'the sent log: the anonymised body, the vault original masked' '
	cd "$TRASH/work" &&
	test -s .git/pushfix/sent.log &&
	expect_grep "PF_SECRET_1" .git/pushfix/sent.log &&
	expect_grep "AKIA…(20 chars)" .git/pushfix/sent.log &&
	"$PUSHFIX_BIN" log >"$TRASH/list" &&
	id=$(awk "NR == 1 { print \$2 }" "$TRASH/list") &&
	test ${#id} = 16 &&
	"$PUSHFIX_BIN" log "$id" >"$TRASH/one" &&
	expect_grep "PF_SECRET_1" "$TRASH/one" &&
	expect_keys_nowhere "$TRASH/list" "$TRASH/one"
'

test_expect_success 'i at the prompt ignores each key; the push goes on' '
	cd "$TRASH/work" &&
	cat >"$TRASH/s" <<-EOF &&
	expect \(1/4\) No fix; next
	line i
	expect \(2/4\) No fix; next
	line i
	expect \(3/4\) No fix; next
	line i
	expect \(4/4\)
	line n
	EOF
	push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "pushfix.secret.aws-access-key" "$TRASH/out" &&
	expect_no_grep "push stopped" "$TRASH/out" &&
	pushed &&
	expect_keys_nowhere "$TRASH/out"
'

test_done
