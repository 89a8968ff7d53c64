#!/bin/sh
# Feedback from the MR comes home (issue 15 item 4), GitLab: later notes
# `/pushfix agree|disagree` in a discussion pushfix started are read by
# `pushfix mirror` and recorded once, with the finding's fingerprint;
# notes by non-members or members below Developer (the members API says)
# are ignored.  Without a verdict nothing is ignored or re-opened.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"

unset GITHUB_TOKEN GH_TOKEN
export GITLAB_TOKEN=$TOKEN

test_expect_success 'setup: an MR for feature, one finding discussed on it' '
	setup_repo &&
	start_gitlab --mr feature &&
	mirror_config gitlab "$GL" grp/sub/proj &&
	git checkout -q -b feature &&
	mi_text one | commit_file app/pattern_either_basic.py "one" &&
	git push origin feature 2>"$TRASH/err" &&
	wait_workers 1 &&
	expect_grep "posted 1 finding" "$MLOG"
'

# note USERID USERNAME BODY: a reply in the first discussion
note() {
	python3 -c "
import json, sys, urllib.request
base = sys.argv[1]
s = json.load(urllib.request.urlopen(base + \"/_standin/state\"))
to = s[\"discussions\"][0][\"notes\"][0][\"id\"]
b = json.dumps({\"to\": to, \"id\": int(sys.argv[2]), \"username\": sys.argv[3],
                \"body\": sys.argv[4]}).encode()
urllib.request.urlopen(urllib.request.Request(base + \"/_standin/reply\", data=b,
    headers={\"Content-Type\": \"application/json\"})).read()
" "$(gl_base)" "$1" "$2" "$3"
}

test_expect_success 'a developer is heard, a reporter and a stranger are not' '
	cd "$TRASH/work" &&
	standin_post "$(gl_base)/_standin/member" \
		"{\"id\": 30, \"username\": \"dev\", \"access_level\": 30}" &&
	standin_post "$(gl_base)/_standin/member" \
		"{\"id\": 20, \"username\": \"rep\", \"access_level\": 20}" &&
	note 30 dev "/pushfix disagree this is a real bug" &&
	note 20 rep "/pushfix agree" &&
	note 99 stranger "/pushfix agree" &&
	note 30 dev "/pushfixagree is not a command" &&
	make_entry 0001-again feature "$(git rev-parse HEAD)" &&
	"$PUSHFIX_BIN" mirror --verbose 2>"$TRASH/err" &&
	expect_grep "feedback: dev disagrees with .* on app/pattern_either_basic.py (not triaged)$" "$TRASH/err" &&
	expect_grep "ignored /pushfix agree by rep: no write access" "$TRASH/err" &&
	expect_grep "ignored /pushfix agree by stranger: no write access" "$TRASH/err" &&
	grep -q "/members/all/99\"" "$TRASH/gitlab.log" &&
	python3 - "$TRASH/work/.git/pushfix/findings.log" <<-\EOF
	import json, sys
	fb = [json.loads(l) for l in open(sys.argv[1])]
	fb = [r for r in fb if r["type"] == "feedback"]
	assert len(fb) == 1, fb
	r = fb[0]
	assert (r["feedback"], r["author"], r["forge"]) == ("disagree", "dev", "gitlab"), r
	assert r["reason"] == "this is a real bug", r
	assert r["path"] == "app/pattern_either_basic.py", r
	EOF
'

test_expect_success 'log --feedback counts it; a second read adds nothing' '
	cd "$TRASH/work" &&
	make_entry 0002-again feature "$(git rev-parse HEAD)" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_no_grep "feedback:" "$TRASH/err" &&
	"$PUSHFIX_BIN" log --feedback >"$TRASH/out" &&
	grep -E " 0 +1 +0%$" "$TRASH/out"
'

test_done
