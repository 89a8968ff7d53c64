#!/bin/sh
# Mirror to GitHub through the real hook: push to a bare remote, an open PR
# on the GitHub stand-in (its diff computed from that remote), the detached
# worker posts ONE review; a second push posts only the new finding; a
# worker killed mid-way leaves the outbox whole and the next run posts each
# comment exactly once; no PR yet loses nothing; the token appears nowhere.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"

export GITHUB_TOKEN=$TOKEN

test_expect_success 'setup: a repository, a PR for feature on the stand-in' '
	setup_repo &&
	start_github --pr feature &&
	mirror_config github "$GH" octo/repo &&
	git checkout -q -b feature
'

test_expect_success 'the push lands, the worker posts one review' '
	cd "$TRASH/work" &&
	mi_text one | commit_file app/pattern_either_basic.py "one" &&
	git push origin feature 2>"$TRASH/err" &&
	expect_remote_at refs/heads/feature HEAD &&
	expect_grep "method one detected" "$TRASH/err" &&
	wait_workers 1 &&
	expect_grep "posted 1 finding on https://github.example/octo/repo/pull/1" "$MLOG" &&
	test "$(outbox_count)" -eq 0 &&
	standin_state "$(gh_base)" >"$TRASH/state" &&
	python3 - "$TRASH/state" "$(git rev-parse HEAD)" <<-\EOF
	import json, sys
	s = json.load(open(sys.argv[1]))
	assert len(s["reviews"]) == 1, s["reviews"]
	r = s["reviews"][0]
	assert r["state"] == "COMMENTED", r
	assert r["commit_id"] == sys.argv[2], r
	assert len(s["comments"]) == 1, s["comments"]
	c = s["comments"][0]
	assert c["pull_request_review_id"] == r["id"]
	assert c["path"] == "app/pattern_either_basic.py", c
	assert (c["start_line"], c["line"], c["side"]) == (1, 2, "RIGHT"), c
	assert c["start_side"] == "RIGHT", c
	for w in ("**INFO**", "method one detected", "<!-- pushfix:fingerprint="):
	    assert w in c["body"], (w, c["body"])
	EOF
'

test_expect_success 'every listing was read through its Link pages' '
	stand_log github GET "/pulls/1/files\$" >"$TRASH/files" &&
	test -s "$TRASH/files" &&
	stand_log github GET "/pulls\$" | grep -q "head=octo%3Afeature\\|head=octo:feature" &&
	! grep "\"auth\": \"bad\"\\|\"auth\": \"missing\"" "$TRASH/github.log"
'

test_expect_success 'a second push posts only the new finding' '
	cd "$TRASH/work" &&
	mi_text one two | commit_file app/pattern_either_basic.py "two" &&
	git push origin feature 2>"$TRASH/err" &&
	wait_workers 2 &&
	test "$(outbox_count)" -eq 0 &&
	gh_markers >"$TRASH/m" &&
	test "$(wc -l <"$TRASH/m")" -eq 2 &&
	expect_no_repeat "$TRASH/m" &&
	standin_state "$(gh_base)" >"$TRASH/state" &&
	python3 - "$TRASH/state" <<-\EOF
	import json, sys
	s = json.load(open(sys.argv[1]))
	assert len(s["reviews"]) == 2, s["reviews"]
	second = [c for c in s["comments"]
	          if c["pull_request_review_id"] == s["reviews"][1]["id"]]
	assert len(second) == 1, second
	assert "method two detected" in second[0]["body"], second
	assert (second[0]["start_line"], second[0]["line"]) == (4, 5), second
	EOF
'

test_expect_success 'mirror twice posts nothing new (markers read back)' '
	cd "$TRASH/work" &&
	make_entry 0001-again feature "$(git rev-parse HEAD)" \
		$(sed "s/\$/,app\/pattern_either_basic.py,1,2/" "$TRASH/m") &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "every finding of $(git rev-parse --short=7 HEAD) is already there" "$TRASH/err" &&
	test "$(outbox_count)" -eq 0 &&
	standin_state "$(gh_base)" | python3 -c "import json,sys; assert len(json.load(sys.stdin)[\"reviews\"]) == 2"
'

test_expect_success 'a worker killed mid-way: outbox whole, then each comment once' '
	cd "$TRASH/work" &&
	mi_text one two three | commit_file app/pattern_either_basic.py "three" &&
	cp "$EQ_DIR/stupid.py" app/stupid.py &&
	git add app/stupid.py &&
	git commit -q -m stupid &&
	PUSHFIX_TEST_MIRROR_BATCH=1 PUSHFIX_TEST_MIRROR_DIE_AFTER=1 \
		git push origin feature 2>"$TRASH/err" &&
	wait_log "dying after 1 posts" &&
	sleep 0.3 &&
	test "$(outbox_count)" -eq 1 &&
	python3 -c "import json,glob,sys; e=json.load(open(glob.glob(sys.argv[1]+\"/*.json\")[0])); assert len(e[\"findings\"]) == 2, e" "$OUTBOX" &&
	gh_markers >"$TRASH/m" &&
	test "$(wc -l <"$TRASH/m")" -eq 3 &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err2" &&
	expect_grep "posted 1 finding on .*pull/1 (1 already there" "$TRASH/err2" &&
	test "$(outbox_count)" -eq 0 &&
	gh_markers >"$TRASH/m" &&
	test "$(wc -l <"$TRASH/m")" -eq 4 &&
	expect_no_repeat "$TRASH/m" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err3" &&
	expect_grep "nothing to mirror" "$TRASH/err3" &&
	test "$(gh_markers | wc -l)" -eq 4
'

test_expect_success 'no PR yet: nothing lost, posted when the PR appears' '
	cd "$TRASH/work" &&
	git checkout -q -b nopr main &&
	mi_text two | commit_file lib/pattern_either_basic.py "nopr" &&
	git push origin nopr 2>"$TRASH/err" &&
	wait_workers 3 &&
	expect_grep "no open pull request for branch .nopr. in octo/repo yet; the findings stay in the outbox" "$MLOG" &&
	test "$(outbox_count)" -eq 1 &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "no open pull request for branch .nopr." "$TRASH/err" &&
	test "$(outbox_count)" -eq 1 &&
	standin_post "$(gh_base)/_standin/pulls" "{\"head\": \"nopr\"}" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "posted 1 finding on https://github.example/octo/repo/pull/2" "$TRASH/err" &&
	test "$(outbox_count)" -eq 0 &&
	standin_state "$(gh_base)" | python3 -c "
import json, sys
s = json.load(sys.stdin)
c = [c for c in s[\"comments\"] if c[\"pull_number\"] == 2]
assert len(c) == 1 and \"method two detected\" in c[0][\"body\"], c
assert c[0][\"path\"] == \"lib/pattern_either_basic.py\", c
"
'

# The proof of detachment is not a stopwatch: `$(git push 2>&1)` returns
# only when every holder of its pipe is gone, so a worker that is still
# alive (sleeping out a rate limit) once it has returned cannot hold it.
test_expect_success 'the hook returns at once; the worker runs detached' '
	cd "$TRASH/work" &&
	git checkout -q feature &&
	standin_post "$(gh_base)/_standin/ratelimit" \
		"{\"kind\": \"429\", \"after\": 0, \"count\": 1, \"seconds\": 8}" &&
	mi_text one two three | sed "s/print(z)/print(z) # again/" >app/pattern_either_basic.py &&
	cp "$AF_SRC" app/autofix.py &&
	git add app &&
	git commit -q -m detached &&
	out=$(git push origin feature 2>&1) &&
	wait_log "rate limit (429): waiting 8 s" &&
	pid=$(grep "mirror worker started" "$MLOG" | tail -1 | sed "s/.*\[\([0-9]*\)\].*/\1/") &&
	test -n "$pid" &&
	proc_alive "$pid" &&
	ps -o sid=,tty= -p "$pid" >"$TRASH/ps" &&
	read wsid wtty <"$TRASH/ps" &&
	test "$wtty" = "?" &&
	test "$wsid" != "$(ps -o sid= -p $$ | tr -d " ")" &&
	ls -l /proc/$pid/fd >"$TRASH/fds" &&
	! grep -q "pipe:\|socket:" "$TRASH/fds" &&
	grep -q " 0 -> /dev/null" "$TRASH/fds" &&
	grep -q " 2 -> .*mirror.log" "$TRASH/fds" &&
	wait_workers 4 &&
	test "$(outbox_count)" -eq 0
'

test_expect_success 'a rule fix becomes a one-click suggestion' '
	standin_state "$(gh_base)" >"$TRASH/state" &&
	python3 - "$TRASH/state" <<-\EOF
	import json, sys
	s = json.load(open(sys.argv[1]))
	sug = [c for c in s["comments"] if c["path"] == "app/autofix.py"]
	assert sug, s["comments"]
	for c in sug:
	    assert "```suggestion\n" in c["body"], c["body"]
	    assert "from the rule" in c["body"], c["body"]
	EOF
'

test_expect_success 'a push the remote rejects: kept, and it never holds up others' '
	cd "$TRASH/work" &&
	printf "#!/bin/sh\nwhile read o n r; do [ \"\$r\" = refs/heads/rejected ] && exit 1; done; exit 0\n" \
		>"$TRASH/origin.git/hooks/pre-receive" &&
	chmod +x "$TRASH/origin.git/hooks/pre-receive" &&
	git checkout -q -b rejected main &&
	mi_text three | commit_file rej/pattern_either_basic.py "rejected" &&
	! PUSHFIX_TEST_MIRROR_WAIT_S=2 git push origin rejected 2>"$TRASH/err" &&
	wait_workers 5 &&
	expect_grep "the remote does not have $(git rev-parse --short=7 HEAD) on .rejected. (after 2 s; was the push rejected?)" "$MLOG" &&
	test "$(outbox_count)" -eq 1 &&
	python3 - "$OUTBOX" <<-\EOF &&
	import glob, json, sys
	(p,) = glob.glob(sys.argv[1] + "/*.json")
	e = json.load(open(p))
	e["created"] -= 3600
	json.dump(e, open(p, "w"))
	EOF
	"$PUSHFIX_BIN" mirror --worker 2>"$TRASH/err" &&
	expect_grep "on .rejected. (after 0 s; was the push rejected?)" "$TRASH/err" &&
	test "$(outbox_count)" -eq 1
'

test_expect_success 'the token never appears in any log or output' '
	test -s "$MLOG" &&
	test -s "$TRASH/github.log" &&
	expect_token_nowhere
'

test_done
