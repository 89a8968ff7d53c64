#!/bin/sh
# Per-rule modes (issue 15 item 2): [rules] block, comment, monitor, by
# rule-id glob, the most specific entry winning.  monitor: recorded and
# counted, never shown, never sent to the LLM, never blocks; comment: shown,
# never blocks whatever [policy] block says; block: stops the push whatever
# the triage says.  A committed .pushfix.ini may not monitor anything nor
# unblock credentials.  Real flawfinder finds the pushed strcpy (FF1001);
# the stand-in plays the LLM.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

unset PUSHFIX_POLICY_BLOCK PUSHFIX_RULES_BLOCK PUSHFIX_RULES_COMMENT \
	PUSHFIX_RULES_MONITOR
export CI=true

test_expect_success 'setup: flawfinder installed' '
	command -v flawfinder
'

start_llm llm

test_expect_success 'monitor: counted in the summary line, not shown, not sent, pushed' '
	setup_llm_repo &&
	llm_set --verdict true_positive --confidence 0.9 --reason "argv." &&
	PUSHFIX_RULES_MONITOR="FF10*" PUSHFIX_POLICY_BLOCK=error \
		git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "^pushfix: no findings on the pushed lines, 1 monitored (" \
		"$TRASH/err" &&
	expect_no_grep "FF1001" "$TRASH/err" &&
	expect_no_grep "strcpy" "$TRASH/err" &&
	test "$(llm_requests)" = 0
'

test_expect_success 'monitor: pushfix findings shows it, mode monitor' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" findings >"$TRASH/out" &&
	expect_grep " push not triaged mode monitor  src/copy.c:6  FF1001" \
		"$TRASH/out" &&
	"$PUSHFIX_BIN" findings --mode monitor >"$TRASH/out" &&
	expect_grep "mode monitor  src/copy.c:6  FF1001" "$TRASH/out" &&
	"$PUSHFIX_BIN" findings --mode block >"$TRASH/out" &&
	expect_grep "^no findings recorded that match$" "$TRASH/out" &&
	{ "$PUSHFIX_BIN" findings --mode silent 2>"$TRASH/err"; test $? = 2; } &&
	expect_grep "^error: --mode .silent.: expected block, comment, monitor or default$" \
		"$TRASH/err"
'

test_expect_success 'block: stops the push even when the LLM says false positive' '
	setup_llm_repo &&
	llm_set --verdict false_positive --confidence 0.9 --reason "constant." &&
	! PUSHFIX_RULES_BLOCK=FF1001 git push origin main 2>"$TRASH/err" &&
	! expect_remote_at refs/heads/main HEAD >/dev/null &&
	expect_grep "^  mode: block (\[rules\] block: stops the push unless fixed or ignored)$" \
		"$TRASH/err" &&
	expect_grep "^error: push stopped: 1 open finding of rules in block mode (\[rules\] block)$" \
		"$TRASH/err" &&
	expect_grep "^hint: fix or ignore them (key i)" "$TRASH/err"
'

test_expect_success 'comment: shown, never blocks, whatever [policy] block says' '
	setup_llm_repo &&
	llm_set --verdict true_positive --confidence 0.9 --reason "argv." &&
	PUSHFIX_RULES_COMMENT="FF*" PUSHFIX_POLICY_BLOCK=error \
		git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "^pushfix: 1 finding on the pushed lines (" "$TRASH/err" &&
	expect_grep "FF1001" "$TRASH/err" &&
	expect_grep "^  mode: comment (\[rules\] comment: never stops the push)$" \
		"$TRASH/err" &&
	expect_no_grep "push stopped" "$TRASH/err"
'

test_expect_success 'most specific wins: the exact id over a glob, a longer glob over a shorter' '
	setup_llm_repo &&
	PUSHFIX_RULES_BLOCK="FF*" PUSHFIX_RULES_COMMENT=FF1001 \
		git push origin main 2>"$TRASH/err" &&
	expect_grep "^  mode: comment" "$TRASH/err" &&
	setup_llm_repo &&
	! PUSHFIX_RULES_BLOCK="FF100*" PUSHFIX_RULES_MONITOR="FF*" \
		git push origin main 2>"$TRASH/err" &&
	expect_grep "^  mode: block" "$TRASH/err"
'

test_expect_success 'a rule in two lists alike: the stricter, with a warning' '
	setup_llm_repo &&
	! PUSHFIX_RULES_BLOCK=FF1001 PUSHFIX_RULES_COMMENT=FF1001 \
		git push origin main 2>"$TRASH/err" &&
	expect_grep "^pushfix: warning: \[rules\]: FF1001 is named in comment and in block alike; block wins$" \
		"$TRASH/err" &&
	expect_grep "^  mode: block" "$TRASH/err"
'

test_expect_success 'a committed .pushfix.ini may not monitor: warned, the finding shown' '
	setup_llm_repo &&
	printf "[rules]\nmonitor = FF*\n" >.pushfix.ini &&
	PUSHFIX_POLICY_BLOCK=never git push origin main 2>"$TRASH/err" &&
	expect_grep "^warning: .\.pushfix\.ini. line 2: ignoring \[rules\] monitor: a file in the repository may not hide findings from its developers" \
		"$TRASH/err" &&
	expect_grep "^pushfix: 1 finding on the pushed lines (" "$TRASH/err" &&
	expect_no_grep "monitored" "$TRASH/err"
'

test_expect_success 'malformed globs warn naming file, line and key' '
	setup_llm_repo &&
	printf "[rules]\nblock = FF9999,,FF9998\ncomment = FF 1001\n" >.pushfix.ini &&
	git push origin main 2>"$TRASH/err" &&
	expect_grep "warning: .\.pushfix\.ini. line 2: \[rules\] block: empty element in the list" \
		"$TRASH/err" &&
	expect_grep "warning: .\.pushfix\.ini. line 3: \[rules\] comment: .FF 1001. has white space inside; it matches no rule id" \
		"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD
'

test_expect_success 'scan: JSON carries the mode, --exit-code spares comment, monitor counted' '
	setup_llm_repo &&
	PUSHFIX_RULES_COMMENT=FF1001 scan_json --no-triage --exit-code &&
	check_finding "f[\"mode\"] == \"comment\"" &&
	! PUSHFIX_RULES_BLOCK=FF1001 scan_json --no-triage --exit-code &&
	check_finding "f[\"mode\"] == \"block\"" &&
	PUSHFIX_RULES_MONITOR=FF1001 scan_json --no-triage --exit-code &&
	python3 - "$TRASH/scan.json" <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["findings"] == [] and d["summary"]["monitored"] == 1, d
	EOF
	PUSHFIX_RULES_MONITOR=FF1001 "$PUSHFIX_BIN" scan origin/main..HEAD \
		--no-triage --format sarif >"$TRASH/out.sarif" &&
	python3 - "$TRASH/out.sarif" <<-\EOF &&
	import json, sys
	run = json.load(open(sys.argv[1]))["runs"][0]
	assert run["results"] == [], run["results"]
	assert run["properties"]["pushfix/monitored"] == 1, run["properties"]
	EOF
	PUSHFIX_RULES_MONITOR=FF1001 "$PUSHFIX_BIN" scan origin/main..HEAD \
		--no-triage >"$TRASH/out" &&
	expect_grep "^no findings (.*); 1 monitored$" "$TRASH/out" &&
	expect_no_grep "FF1001" "$TRASH/out"
'

AWS=AKIA$(printf IOSFODNN7EXAMPLE)

test_expect_success 'a committed .pushfix.ini cannot unblock credentials; the user can' '
	setup_repo &&
	printf "import os\n\nAWS_KEY = \"%s\"\n" "$AWS" >app.py &&
	git add app.py && git commit -q -m "add the key" &&
	printf "[rules]\ncomment = pushfix.secret.*\n" >.pushfix.ini &&
	! git push origin main 2>"$TRASH/err" &&
	expect_grep "warning: \[rules\] comment of the repository.s .pushfix.ini does not apply to pushfix.secret.aws-access-key" \
		"$TRASH/err" &&
	expect_grep "^error: push stopped: 1 credential on the pushed lines" \
		"$TRASH/err" &&
	rm .pushfix.ini &&
	PUSHFIX_RULES_COMMENT="pushfix.secret.*" git push origin main \
		2>"$TRASH/err" &&
	expect_grep "^  mode: comment" "$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD
'

test_done
