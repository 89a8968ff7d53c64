#!/bin/sh
# Slack: one message per push with counts and the PR link, after the
# review; a refused webhook keeps the entry (the review is not posted
# twice); the webhook URL, a secret, appears in no log and no output.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"

export GITHUB_TOKEN=$TOKEN
HOOK_SECRET="Zq$(date +%s)hookSECRET$$"
export STANDIN_WEBHOOK_PATH=/services/T0/B0/$HOOK_SECRET

start_slack() {
	start_standin slack "$STANDINS/slack_webhook.py" --max-seconds 300 "$@" &&
	echo "${STANDIN_PIDS##* }" >>"$MIRROR_PIDS"
}
slack_url() { # [path]
	echo "http://127.0.0.1:$(cat "$TRASH/slack.port")${1:-$STANDIN_WEBHOOK_PATH}"
}

test_expect_success 'setup: a PR, a webhook that first answers 429' '
	setup_repo &&
	start_github --pr feature &&
	start_slack --status 429:1 &&
	mirror_config github "$GH" octo/repo "slack_webhook_env = PF_SLACK_URL" &&
	git checkout -q -b feature
'

test_expect_success 'one Slack message per push, with counts and the PR link' '
	cd "$TRASH/work" &&
	mi_text one two | commit_file app/pattern_either_basic.py "one two" &&
	PF_SLACK_URL=$(slack_url) git push origin feature 2>"$TRASH/err" &&
	wait_workers 1 &&
	expect_grep "sent the summary to Slack" "$MLOG" &&
	test "$(outbox_count)" -eq 0 &&
	python3 - "$TRASH/slack.log" <<-\EOF
	import json, sys
	log = [json.loads(l) for l in open(sys.argv[1])]
	assert [r["status"] for r in log] == [429, 200], log
	r = log[1]
	assert r["path_ok"] and not r["authorization"], r
	assert r["content_type"] == "application/json", r
	t = r["body"]["text"]
	assert t.startswith("pushfix: 2 findings on feature ("), t
	assert "in octo/repo: 2 INFO" in t, t
	assert "<https://github.example/octo/repo/pull/1|review>" in t, t
	blocks = r["body"]["blocks"]
	assert blocks[0]["type"] == "header", blocks
	assert "method one detected" in json.dumps(blocks), blocks
	EOF
'

test_expect_success 'a refused webhook keeps the entry; the review is not repeated' '
	cd "$TRASH/work" &&
	mi_text one two three | commit_file app/pattern_either_basic.py "three" &&
	PF_SLACK_URL=$(slack_url /services/T0/B0/revoked) git push origin feature 2>"$TRASH/err" &&
	wait_workers 2 &&
	expect_grep "error: Slack refused the message (404 no_service): check the webhook URL in PF_SLACK_URL (entry .* kept)" "$MLOG" &&
	test "$(outbox_count)" -eq 1 &&
	test "$(gh_markers | wc -l)" -eq 3 &&
	! PF_SLACK_URL=$(slack_url /services/x) "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	PF_SLACK_URL=$(slack_url) "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "sent the summary to Slack" "$TRASH/err" &&
	test "$(outbox_count)" -eq 0 &&
	gh_markers >"$TRASH/m" &&
	test "$(wc -l <"$TRASH/m")" -eq 3 &&
	expect_no_repeat "$TRASH/m" &&
	test "$(standin_state "$(gh_base)" | python3 -c "import json,sys; print(len(json.load(sys.stdin)[\"reviews\"]))")" -eq 2 &&
	tail -1 "$TRASH/slack.log" | grep -q "\"status\": 200"
'

test_expect_success 'unset webhook variable: a clear message, the forge part kept done' '
	cd "$TRASH/work" &&
	make_entry s1 feature "$(git rev-parse HEAD)" "ffff0001,app/pattern_either_basic.py,1,1" &&
	! "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "^error: \[mirror\] slack_webhook_env names PF_SLACK_URL, which is not set (entry s1 kept)\$" "$TRASH/err" &&
	python3 -c "import json,sys; e=json.load(open(sys.argv[1])); assert e[\"forge_done\"] and not e[\"slack_done\"], e" "$OUTBOX/s1.json" &&
	PF_SLACK_URL=$(slack_url) "$PUSHFIX_BIN" mirror --dry-run >"$TRASH/out" &&
	expect_grep "^POST (the Slack webhook in PF_SLACK_URL)\$" "$TRASH/out"
'

test_expect_success 'the webhook URL and the token appear nowhere' '
	! grep -rlF -- "$HOOK_SECRET" "$TRASH" &&
	expect_token_nowhere
'

test_done
