#!/bin/sh
# Review of per-rule modes (issue 15 item 2): a repository's .pushfix.ini
# may name rules in [rules] block (stricter).  Naming pushfix's credential
# rules there (or `*`) must not make a pushed credential an ordinary
# block, which "push anyway? y" lets through: it stays [policy]
# block_secrets' stop.  The key is AWS's documented example, built at run
# time (as t0530).
. "$(dirname "$0")/lib.sh"

export PUSHFIX_SCAN_ENGINE=sarif
export PUSHFIX_SCAN_COMMAND="sh -c 'printf \"{\\\"version\\\":\\\"2.1.0\\\",\\\"runs\\\":[]}\"' {files}"
export PUSHFIX_LLM_PROVIDER=none
unset PUSHFIX_SKIP PUSHFIX_POLICY_BLOCK PUSHFIX_POLICY_BLOCK_SECRETS \
	PUSHFIX_RULES_BLOCK PUSHFIX_RULES_COMMENT PUSHFIX_RULES_MONITOR

AWS=AKIA$(printf IOSFODNN7EXAMPLE)

test_expect_success 'setup: the repository puts every rule in block mode' '
	setup_repo &&
	printf "[rules]\nblock = *\n" >.pushfix.ini &&
	git add .pushfix.ini && git commit -q -m "every rule blocks" &&
	git push -q --no-verify origin main &&
	printf "AWS_KEY = \"%s\"\n" "$AWS" >app.py &&
	git add app.py && git commit -q -m "add a key"
'

test_expect_success 'a credential in block mode: stopped as a credential, no "push anyway"' '
	cd "$TRASH/work" &&
	printf "n\ny\n" >"$TRASH/answers" &&
	! PUSHFIX_UI_INTERACTIVE=always PUSHFIX_TTY="$TRASH/answers" \
		git push origin main 2>"$TRASH/err" &&
	! git --git-dir="$TRASH/origin.git" rev-parse -q --verify \
		"$(git rev-parse HEAD)^{commit}" >/dev/null &&
	expect_grep "pushfix.secret.aws-access-key" "$TRASH/err" &&
	expect_no_grep "push anyway" "$TRASH/err" &&
	expect_grep "^error: push stopped: 1 credential on the pushed lines (\[policy\] block_secrets = true)$" \
		"$TRASH/err" &&
	expect_no_grep "$AWS" "$TRASH/err"
'

test_done
