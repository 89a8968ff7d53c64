#!/bin/sh
# Secret findings in PR review comments (issue 11 item 4): with the user's
# own `[policy] block_secrets = false` the push goes on and the worker
# posts the credential finding to the PR on the GitHub stand-in, masked
# (AKIA…(20 chars)); no comment body holds the key, nor does the outbox.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"

export GITHUB_TOKEN=$TOKEN
AWS=AKIA$(printf IOSFODNN7EXAMPLE)

test_expect_success 'setup: a repository, a PR for feature on the stand-in' '
	setup_repo &&
	start_github --pr feature &&
	mirror_config github "$GH" octo/repo "[policy]" "block_secrets = false" &&
	git checkout -q -b feature
'

test_expect_success 'the push lands; the review holds the key masked only' '
	cd "$TRASH/work" &&
	{ mi_text one && printf "KEY = \"%s\"\n" "$AWS"; } |
		commit_file app/pattern_either_basic.py "one and a key" &&
	git push origin feature 2>"$TRASH/err" &&
	expect_remote_at refs/heads/feature HEAD &&
	expect_grep "pushfix.secret.aws-access-key" "$TRASH/err" &&
	expect_no_grep "$AWS" "$TRASH/err" &&
	wait_workers 1 &&
	expect_grep "posted 2 findings on https://github.example/octo/repo/pull/1" "$MLOG" &&
	standin_state "$(gh_base)" >"$TRASH/state" &&
	expect_no_grep "$AWS" "$TRASH/state" &&
	! grep -r -q "$AWS" .git/pushfix &&
	python3 - "$TRASH/state" <<-\EOF
	import json, sys
	s = json.load(open(sys.argv[1]))
	bodies = [c["body"] for c in s["comments"]]
	assert len(bodies) == 2, bodies
	key = [b for b in bodies if "pushfix.secret.aws-access-key" in b]
	assert len(key) == 1, bodies
	assert "AKIA\u2026(20 chars)" in key[0], key[0]
	EOF
'

test_done
