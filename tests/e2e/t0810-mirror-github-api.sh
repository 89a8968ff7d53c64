#!/bin/sh
# `pushfix mirror` by hand against the GitHub stand-in, on outbox entries
# written as the hook writes them: multi-line suggestions, findings outside
# the PR diff in the review body, the 422 fallback, dry run, tokens from
# every source, the one exact message for 401/403/404, rate limits waited
# out in place or left for a later run.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"

unset GITHUB_TOKEN GH_TOKEN

# main: app.py lines L1..L12; feature: line 6 changed, a line added after
# it.  PR diff: one hunk, new lines 3..10 (6 and 7 added).
test_expect_success 'setup: a PR whose diff is new lines 3-10 of app.py' '
	setup_repo &&
	seq 1 12 | sed "s/^/L/" | commit_file app.py "twelve lines" &&
	git push -q --no-verify origin main &&
	git checkout -q -b feature &&
	seq 1 12 | sed "s/^/L/" | sed "s/^L6\$/X6\nX6b/" >app.py &&
	git commit -q -am change &&
	git push -q --no-verify origin feature &&
	start_github --pr feature &&
	mirror_config github "$GH" octo/repo &&
	make_entry e1 feature "$(git rev-parse HEAD)" \
		"aaaa0001,app.py,6,7,6,7,Y6\nY7\n" "aaaa0002,app.py,12,12"
'

test_expect_success 'dry run: prints the requests, sends nothing, needs no token' '
	cd "$TRASH/work" &&
	before=$(wc -l <"$TRASH/github.log" 2>/dev/null || echo 0) &&
	"$PUSHFIX_BIN" mirror --dry-run >"$TRASH/out" 2>"$TRASH/err" &&
	after=$(wc -l <"$TRASH/github.log" 2>/dev/null || echo 0) &&
	test "$before" -eq "$after" &&
	expect_grep "^GET $(gh_base)/repos/octo/repo/pulls?head=octo:feature&state=open&per_page=100\$" "$TRASH/out" &&
	expect_grep "^POST $(gh_base)/repos/octo/repo/pulls/{pull_number}/reviews\$" "$TRASH/out" &&
	expect_grep "\"event\":	\"COMMENT\"" "$TRASH/out" &&
	expect_grep "\"start_line\":	6" "$TRASH/out" &&
	expect_grep "suggestion" "$TRASH/out" &&
	test "$(outbox_count)" -eq 1
'

test_expect_success 'no token: one message, the entry stays' '
	cd "$TRASH/work" &&
	! "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_one_line "$TRASH/err" "^error: no GitHub token: set GITHUB_TOKEN or GH_TOKEN \(or \[mirror\] token_env or token_cmd\) \(entry e1 kept\)\$" &&
	test "$(outbox_count)" -eq 1
'

test_expect_success '401: GitHub rejected the token, naming the variable' '
	cd "$TRASH/work" &&
	! GITHUB_TOKEN=wrong "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_one_line "$TRASH/err" "^error: GitHub rejected the token \(401\): check GITHUB_TOKEN \(entry e1 kept\)\$" &&
	! GH_TOKEN=wrong "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_one_line "$TRASH/err" "^error: GitHub rejected the token \(401\): check GH_TOKEN" &&
	test "$(outbox_count)" -eq 1 &&
	python3 -c "import json,sys; e=json.load(open(sys.argv[1])); assert e[\"attempts\"] == 3 and \"401\" in e[\"last_error\"], e" "$OUTBOX/e1.json"
'

test_expect_success '403: the token cannot write pull requests' '
	cd "$TRASH/work" &&
	standin_post "$(gh_base)/_standin/config" "{\"read_only\": true}" &&
	! GITHUB_TOKEN=$TOKEN "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	standin_post "$(gh_base)/_standin/config" "{\"read_only\": false}" &&
	expect_one_line "$TRASH/err" "^error: GitHub refused access to octo/repo \(403\): the token from GITHUB_TOKEN needs write access to pull requests \(classic token: repo scope\) \(entry e1 kept\)\$" &&
	test "$(outbox_count)" -eq 1
'

test_expect_success '404: no such repository (or invisible to the token)' '
	cd "$TRASH/work" &&
	! GITHUB_TOKEN=$TOKEN PUSHFIX_MIRROR_REPOSITORY=octo/nope "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_one_line "$TRASH/err" "^error: GitHub has no repository octo/nope at $(gh_base), or the token from GITHUB_TOKEN cannot see it \(404\) \(entry e1 kept\)\$"
'

test_expect_success 'a long rate limit (403, x-ratelimit-reset): the entry waits' '
	cd "$TRASH/work" &&
	standin_post "$(gh_base)/_standin/ratelimit" \
		"{\"kind\": \"403\", \"after\": 0, \"count\": 1, \"seconds\": 3600}" &&
	GITHUB_TOKEN=$TOKEN "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "^pushfix: GitHub rate limit reached (403): retry in 3[56][0-9][0-9] s; the findings stay in the outbox\$" "$TRASH/err" &&
	test "$(outbox_count)" -eq 1 &&
	python3 -c "import json,sys,time; e=json.load(open(sys.argv[1])); assert e[\"not_before\"] > time.time() + 3000, e" "$OUTBOX/e1.json" &&
	GITHUB_TOKEN=$TOKEN "$PUSHFIX_BIN" mirror --worker 2>"$TRASH/err" &&
	expect_grep "pushfix: entry e1 waits for the rate limit" "$TRASH/err" &&
	! stand_log github POST /reviews | grep -q "\"status\": 200"
'

test_expect_success 'a short rate limit (429, Retry-After) is waited out; one review' '
	cd "$TRASH/work" &&
	standin_post "$(gh_base)/_standin/ratelimit" \
		"{\"kind\": \"429\", \"after\": 2, \"count\": 1, \"seconds\": 1}" &&
	GITHUB_TOKEN=$TOKEN "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "^pushfix: GitHub rate limit (429): waiting 1 s\$" "$TRASH/err" &&
	expect_grep "posted 2 findings on https://github.example/octo/repo/pull/1" "$TRASH/err" &&
	test "$(outbox_count)" -eq 0 &&
	standin_state "$(gh_base)" >"$TRASH/state" &&
	python3 - "$TRASH/state" <<-\EOF
	import json, sys
	s = json.load(open(sys.argv[1]))
	assert len(s["reviews"]) == 1, s["reviews"]
	r = s["reviews"][0]
	assert "pushfix:fingerprint=aaaa0002" in r["body"], r["body"]
	assert "outside this pull request" in r["body"], r["body"]
	assert "**`app.py` line 12**" in r["body"], r["body"]
	(c,) = s["comments"]
	assert (c["start_line"], c["line"]) == (6, 7), c
	assert "```suggestion\nY6\nY7\n```" in c["body"], c["body"]
	assert "pushfix:fingerprint=aaaa0001" in c["body"]
	EOF
'

test_expect_success '422 (the diff moved): the comments go into the body' '
	cd "$TRASH/work" &&
	standin_post "$(gh_base)/_standin/config" "{\"fail_review_once\": true}" &&
	make_entry e2 feature "$(git rev-parse HEAD)" "bbbb0001,app.py,8,8" &&
	GITHUB_TOKEN=$TOKEN "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "GitHub refused some line comments (422); posting them in the review body" "$TRASH/err" &&
	test "$(outbox_count)" -eq 0 &&
	stand_log github POST /reviews >"$TRASH/posts" &&
	test "$(grep -c "\"status\": 422" "$TRASH/posts")" -eq 1 &&
	test "$(grep -c "\"status\": 200" "$TRASH/posts")" -eq 2 &&
	standin_state "$(gh_base)" | python3 -c "
import json, sys
s = json.load(sys.stdin)
r = s[\"reviews\"][-1]
assert \"pushfix:fingerprint=bbbb0001\" in r[\"body\"], r
assert \"refused them as line comments\" in r[\"body\"], r
assert len(s[\"comments\"]) == 1, s[\"comments\"]
"
'

test_expect_success 'token_env and token_cmd' '
	cd "$TRASH/work" &&
	make_entry e3 feature "$(git rev-parse HEAD)" "cccc0001,app.py,9,9" &&
	! GITHUB_TOKEN=wrong PUSHFIX_MIRROR_TOKEN_ENV=PF_GH_ALT "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_one_line "$TRASH/err" "^error: \[mirror\] token_env names PF_GH_ALT, which is not set" &&
	GITHUB_TOKEN=wrong PF_GH_ALT=$TOKEN PUSHFIX_MIRROR_TOKEN_ENV=PF_GH_ALT "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "posted 1 finding" "$TRASH/err" &&
	make_entry e4 feature "$(git rev-parse HEAD)" "dddd0001,app.py,10,10" &&
	mirror_config github "$(gh_base)" octo/repo "token_cmd = false" &&
	! "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_one_line "$TRASH/err" "^error: \[mirror\] token_cmd .false. failed \(exit 1\)" &&
	mirror_config github "$(gh_base)" octo/repo "token_cmd = printenv PF_SECRET" &&
	PF_SECRET=$TOKEN "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "posted 1 finding" "$TRASH/err" &&
	make_entry e5 feature "$(git rev-parse HEAD)" "eeee0001,app.py,3,3" &&
	! PF_SECRET=bad "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_one_line "$TRASH/err" "GitHub rejected the token \(401\): check \[mirror\] token_cmd" &&
	PF_SECRET=$TOKEN "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	test "$(outbox_count)" -eq 0
'

test_expect_success 'a fork: the PR in the upstream, head=fork-owner:branch' '
	cd "$TRASH/work" &&
	mirror_config github "$(gh_base)" octo/repo &&
	git push -q --no-verify origin feature:forkfeat &&
	standin_post "$(gh_base)/_standin/pulls" \
		"{\"head\": \"forkfeat\", \"head_owner\": \"forker\"}" &&
	ENTRY_URL=git@github.com:forker/repo.git make_entry f1 forkfeat \
		"$(git rev-parse HEAD)" "f0f00001,app.py,6,6" &&
	{ GITHUB_TOKEN=$TOKEN "$PUSHFIX_BIN" mirror 2>"$TRASH/err" ||
	  { cat "$TRASH/err"; false; }; } &&
	expect_grep "posted 1 finding on https://github.example/octo/repo/pull/2" "$TRASH/err" &&
	stand_log github GET "/pulls\$" | tail -1 | grep -q "head=forker%3Aforkfeat\|head=forker:forkfeat"
'

test_expect_success 'existing comments are read on every page (Link rel=next)' '
	stand_log github GET "/pulls/1/comments\$" >"$TRASH/gets" &&
	grep -q "page=2" "$TRASH/gets" &&
	grep -q "page=3" "$TRASH/gets" &&
	gh_markers >"$TRASH/m" &&
	expect_no_repeat "$TRASH/m" &&
	test "$(wc -l <"$TRASH/m")" -eq 7
'

test_expect_success 'the token never appears in any log or output' '
	expect_token_nowhere
'

test_done
