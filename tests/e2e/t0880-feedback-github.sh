#!/bin/sh
# Feedback from the PR comes home (issue 15 item 4), GitHub: replies
# `/pushfix agree|disagree [reason]` on pushfix's review comments are read
# by `pushfix mirror`, kept once each in the local record with the
# finding's fingerprint, and counted by `pushfix log --feedback`; replies
# by people without write access (the forge's permission API says) are
# ignored; `agree` on a false positive ignores it ([mirror]
# feedback_ignores), `disagree` re-opens it.  The PR comment shows the
# LLM's component.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"
. "$SRC/tests/e2e/lib-llm.sh"
trap 'kill_llm_pids; kill_mirror_pids; cleanup_trash' EXIT

export GITHUB_TOKEN=$TOKEN

start_llm llm

test_expect_success 'setup: a PR for feature, a false positive posted on it' '
	command -v flawfinder &&
	setup_llm_repo &&
	start_github --pr feature &&
	mirror_config github "$GH" octo/repo "feedback_ignores = true" &&
	git checkout -q -b feature &&
	llm_set --verdict false_positive --confidence 0.7 \
		--reason "Only test code calls it." --component tests &&
	git push origin feature 2>"$TRASH/err" &&
	wait_workers 1 &&
	expect_grep "posted 1 finding" "$MLOG" &&
	standin_state "$(gh_base)" >"$TRASH/state" &&
	python3 - "$TRASH/state" <<-\EOF
	import json, sys
	c = json.load(open(sys.argv[1]))["comments"]
	assert len(c) == 1, c
	b = c[0]["body"]
	assert "**Component:** `tests`" in b, b
	assert "false positive" in b, b
	EOF
'


test_expect_success 'agree by a writer is recorded and ignores the finding' '
	cd "$TRASH/work" &&
	standin_post "$(gh_base)/_standin/collaborator" \
		"{\"login\": \"alice\", \"permission\": \"write\"}" &&
	id=$(gh_first_comment) &&
	gh_reply "$id" alice "/pushfix agree: only the tests call this" &&
	gh_reply "$id" mallory "/pushfix disagree" &&
	gh_reply "$id" alice "thanks, looks fine" &&
	make_entry 0001-again feature "$(git rev-parse HEAD)" &&
	"$PUSHFIX_BIN" mirror --verbose 2>"$TRASH/err" &&
	expect_grep "feedback: alice agrees with .* on src/copy.c (false_positive); ignored from now on" "$TRASH/err" &&
	expect_grep "ignored /pushfix disagree by mallory: no write access" "$TRASH/err" &&
	expect_no_grep "feedback: mallory" "$TRASH/err" &&
	stand_log github GET "/collaborators/mallory/permission\$" | grep -q . &&
	"$PUSHFIX_BIN" ignored >"$TRASH/out" &&
	expect_grep "src/copy.c" "$TRASH/out" &&
	python3 - "$TRASH/work/.git/pushfix/findings.log" <<-\EOF
	import json, sys
	fb = [json.loads(l) for l in open(sys.argv[1])]
	fb = [r for r in fb if r["type"] == "feedback"]
	assert len(fb) == 1, fb
	r = fb[0]
	assert r["feedback"] == "agree" and r["author"] == "alice", r
	assert r["reason"] == "only the tests call this", r
	assert r["forge"] == "github" and len(r["fingerprint"]) == 64, r
	EOF
'

test_expect_success 'pushfix log --feedback: agreement per rule' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" log --feedback >"$TRASH/out" &&
	expect_grep "^rule  *agree disagree  agreement" "$TRASH/out" &&
	grep -E " 1 +0 +100%$" "$TRASH/out"
'

test_expect_success 'read twice, recorded once' '
	cd "$TRASH/work" &&
	make_entry 0002-again feature "$(git rev-parse HEAD)" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_no_grep "feedback:" "$TRASH/err" &&
	test "$(grep -c "\"type\":\"feedback\"" .git/pushfix/findings.log)" = 1
'

test_expect_success 'disagree on the false positive re-opens it' '
	cd "$TRASH/work" &&
	gh_reply "$(gh_first_comment)" alice "/pushfix disagree it is reachable from the CLI" &&
	make_entry 0003-again feature "$(git rev-parse HEAD)" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "feedback: alice disagrees with .*; re-opened (no longer ignored)" "$TRASH/err" &&
	"$PUSHFIX_BIN" ignored >"$TRASH/out" &&
	expect_no_grep "src/copy.c" "$TRASH/out" &&
	"$PUSHFIX_BIN" log --feedback --json >"$TRASH/out" &&
	python3 - "$TRASH/out" <<-\EOF
	import json, sys
	r = [json.loads(l) for l in open(sys.argv[1])]
	assert len(r) == 1, r
	assert (r[0]["agree"], r[0]["disagree"], r[0]["agreement"]) == (1, 1, 0.5), r
	EOF
'

test_expect_success 'nothing queued: pushfix mirror still reads the replies' '
	cd "$TRASH/work" &&
	test "$(outbox_count)" -eq 0 &&
	gh_reply "$(gh_first_comment)" alice "/pushfix agree after all" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "nothing to mirror: the outbox is empty" "$TRASH/err" &&
	expect_grep "feedback: alice agrees with FF1001 on src/copy.c (false_positive); ignored from now on" "$TRASH/err" &&
	expect_grep "read the replies on https://github.example/octo/repo/pull/1" "$TRASH/err" &&
	test "$(outbox_count)" -eq 0 &&
	"$PUSHFIX_BIN" log --feedback >"$TRASH/out" &&
	grep -E "^FF1001 +2 +1   67%$" "$TRASH/out"
'

test_expect_success 'no feedback yet: log --feedback says how to give it' '
	setup_repo other &&
	"$PUSHFIX_BIN" log --feedback >"$TRASH/out" &&
	expect_grep "^no feedback yet: reply .\/pushfix agree. or" "$TRASH/out"
'

test_done
