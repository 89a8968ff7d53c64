#!/bin/sh
# Mirror to GitLab: push to a bare remote with an open MR on the GitLab
# stand-in (nested group grp/sub/proj, its diff from that remote); the
# worker posts a diff discussion per finding with a text position against
# the MR's diff_refs, rule fixes as ```suggestion:-0+N; findings outside
# the diff go into one note; a killed worker, a second run, the pre-15.7
# /changes endpoint, 401 and 429.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"

unset GITHUB_TOKEN GH_TOKEN
export GITLAB_TOKEN=$TOKEN

test_expect_success 'setup: an MR for feature on the stand-in' '
	setup_repo &&
	start_gitlab --mr feature &&
	mirror_config gitlab "$GL" grp/sub/proj &&
	git checkout -q -b feature
'

test_expect_success 'the worker posts one diff discussion per finding' '
	cd "$TRASH/work" &&
	mi_text one | commit_file app/pattern_either_basic.py "one" &&
	cp "$AF_SRC" app/autofix.py &&
	git add app && git commit -q -m autofix &&
	git push origin feature 2>"$TRASH/err" &&
	wait_workers 1 &&
	test "$(outbox_count)" -eq 0 &&
	expect_grep "posted 3 findings on https://gitlab.example/grp/sub/proj/-/merge_requests/1" "$MLOG" &&
	standin_state "$(gl_base)" >"$TRASH/state" &&
	python3 - "$TRASH/state" "$(git rev-parse HEAD)" "$(git rev-parse main)" <<-\EOF
	import json, sys
	s, head, main = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
	ds = s["discussions"]
	assert len(ds) == 3, ds
	lines = {}
	for d in ds:
	    (n,) = d["notes"]
	    assert n["type"] == "DiffNote", n
	    p = n["position"]
	    assert p["position_type"] == "text", p
	    assert (p["head_sha"], p["start_sha"], p["base_sha"]) == (head, main, main), p
	    assert p["old_line"] is None, p  # added lines: new_line only
	    lines.setdefault(p["new_path"], []).append(p["new_line"])
	    assert "<!-- pushfix:fingerprint=" in n["body"]
	    if p["new_path"] == "app/autofix.py":
	        assert "```suggestion:-0+" in n["body"], n["body"]
	assert lines["app/pattern_either_basic.py"] == [1], lines
	assert sorted(lines["app/autofix.py"]) == [5, 6], lines
	EOF
'

test_expect_success 'the project id is the encoded full path; pages followed' '
	grep -q "\"path\": \"/api/v4/projects/grp%2Fsub%2Fproj/merge_requests\"" "$TRASH/gitlab.log" &&
	grep "/discussions\"" "$TRASH/gitlab.log" | grep -q "page=" &&
	grep "/diffs\"" "$TRASH/gitlab.log" | grep -q "page=2" &&
	! grep -q "\"auth\": \"bad\"" "$TRASH/gitlab.log"
'

test_expect_success 'a killed worker, then each discussion exactly once' '
	cd "$TRASH/work" &&
	mi_text one two three | commit_file app/pattern_either_basic.py "two three" &&
	PUSHFIX_TEST_MIRROR_DIE_AFTER=1 git push origin feature 2>"$TRASH/err" &&
	wait_log "dying after 1 posts" &&
	sleep 0.3 &&
	test "$(outbox_count)" -eq 1 &&
	test "$(gl_markers | wc -l)" -eq 4 &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "posted 1 finding .*(1 already there)" "$TRASH/err" &&
	test "$(outbox_count)" -eq 0 &&
	gl_markers >"$TRASH/m" &&
	test "$(wc -l <"$TRASH/m")" -eq 5 &&
	expect_no_repeat "$TRASH/m"
'

test_expect_success 'lines outside the diff go into one note' '
	cd "$TRASH/work" &&
	make_entry g1 feature "$(git rev-parse HEAD)" \
		"abcd0001,app/autofix.py,3,3" \
		"abcd0002,app/autofix.py,400,400" \
		"abcd0003,nothere.py,1,1" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "posted 3 findings" "$TRASH/err" &&
	standin_state "$(gl_base)" >"$TRASH/state" &&
	python3 - "$TRASH/state" <<-\EOF
	import json, sys
	s = json.load(open(sys.argv[1]))
	notes = [n for d in s["discussions"] for n in d["notes"]]
	ctx = [n for n in notes if "abcd0001" in n["body"]]
	assert len(ctx) == 1 and ctx[0]["type"] == "DiffNote", ctx
	# autofix.py is a new file: line 3 is an added line
	assert ctx[0]["position"]["new_line"] == 3, ctx
	out = [n for n in notes if "abcd0002" in n["body"]]
	assert len(out) == 1 and out[0]["type"] is None, out
	assert "abcd0003" in out[0]["body"], out
	assert "outside this merge request" in out[0]["body"], out
	EOF
'

test_expect_success 'GitLab before 15.7: the diff from /changes' '
	cd "$TRASH/work" &&
	standin_post "$(gl_base)/_standin/config" "{\"no_diffs\": true}" &&
	make_entry g2 feature "$(git rev-parse HEAD)" "abcd0004,app/autofix.py,5,5,5,5,x = 1\n" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "posted 1 finding" "$TRASH/err" &&
	grep -q "/merge_requests/1/changes\"" "$TRASH/gitlab.log" &&
	gl_markers | grep -q abcd0004 &&
	standin_state "$(gl_base)" | python3 -c "
import json, sys
s = json.load(sys.stdin)
n = [n for d in s[\"discussions\"] for n in d[\"notes\"] if \"abcd0004\" in n[\"body\"]]
assert n[0][\"type\"] == \"DiffNote\" and \"suggestion:-0+0\" in n[0][\"body\"], n
"
'

test_expect_success 'a context line on a modified file: old_line and new_line' '
	cd "$TRASH/work" &&
	git checkout -q main &&
	mkdir -p app && cp "$AF_SRC" app/ctx.py &&
	git add app/ctx.py && git commit -q -m ctx && git push -q --no-verify origin main &&
	git checkout -q feature && git merge -q main -m merge &&
	sed "2s/\$/ # edited/" app/ctx.py >"$TRASH/ctx" && cp "$TRASH/ctx" app/ctx.py &&
	git commit -q -am "edit line 2" && git push -q --no-verify origin feature &&
	make_entry g3 feature "$(git rev-parse HEAD)" "abcd0005,app/ctx.py,4,4" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "posted 1 finding" "$TRASH/err" &&
	standin_state "$(gl_base)" | python3 -c "
import json, sys
s = json.load(sys.stdin)
(n,) = [n for d in s[\"discussions\"] for n in d[\"notes\"] if \"abcd0005\" in n[\"body\"]]
p = n[\"position\"]
assert n[\"type\"] == \"DiffNote\" and (p[\"old_line\"], p[\"new_line\"]) == (4, 4), n
"
'

test_expect_success '401 and 429' '
	cd "$TRASH/work" &&
	make_entry g4 feature "$(git rev-parse HEAD)" "abcd0006,app/ctx.py,2,2" &&
	! GITLAB_TOKEN=wrong "$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_one_line "$TRASH/err" "^error: GitLab rejected the token \(401\): check GITLAB_TOKEN \(entry g4 kept\)\$" &&
	standin_post "$(gl_base)/_standin/ratelimit" "{\"after\": 1, \"count\": 1, \"seconds\": 1}" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "^pushfix: GitLab rate limit (429): waiting 1 s\$" "$TRASH/err" &&
	expect_grep "posted 1 finding" "$TRASH/err" &&
	test "$(outbox_count)" -eq 0 &&
	gl_markers >"$TRASH/m" && expect_no_repeat "$TRASH/m"
'

test_expect_success 'the token never appears in any log or output' '
	expect_token_nowhere
'

test_done
