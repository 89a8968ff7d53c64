#!/bin/sh
# Every kind of push through the installed hook: what is scanned (the
# replaying semgrep logs each invocation and the bytes it was given), what
# the user sees, and that the push lands.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

test_expect_success 'fast-forward: findings on the pushed lines only' '
	setup_repo &&
	mi_text one | commit_file app/pattern_either_basic.py "greet, one" &&
	git push -q --no-verify origin main &&
	before=$(log_count) &&
	mi_text one two | commit_file app/pattern_either_basic.py "greet, two" &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "method two detected" "$TRASH/err" &&
	expect_no_grep "method one detected" "$TRASH/err" &&
	expect_no_grep "method three detected" "$TRASH/err" &&
	expect_at "$TRASH/err" app/pattern_either_basic.py 4 &&
	test "$(log_count)" -eq $((before + 1))
'

test_expect_success 'semgrep gets the documented argv, its private dir as the target' '
	cd "$TRASH/work" &&
	python3 - "$FAKE_SEMGREP_LOG" "$MI_RULES" "$TRASH/work" <<-\EOF
	import json, os, sys
	log, rules, work = sys.argv[1:]
	e = [json.loads(l) for l in open(log)][-1]
	a = e["argv"][1:]
	assert a[0] == "scan", a
	for flag in ("--json", "--metrics=off", "--disable-version-check"):
	    assert flag in a, (flag, a)
	i = a.index("--config")
	assert a[i + 1] == rules, a
	assert "--" in a, a
	targets = a[a.index("--") + 1:]
	# The directory (which holds the pushed files alone), so that the
	# pushed .semgrepignore applies (semgrep#4978, #6933).
	assert targets == ["."], targets
	assert [t["path"] for t in e["targets"]] == ["app/pattern_either_basic.py"], e
	cwd = os.path.realpath(e["cwd"])
	assert not cwd.startswith(os.path.realpath(work)), cwd
	assert not os.path.exists(cwd), "temp dir %s left behind" % cwd
	EOF
'

test_expect_success 'the scanned bytes are the pushed blob, not the edited working tree' '
	cd "$TRASH/work" &&
	mi_text one two three | commit_file app/pattern_either_basic.py "greet, three" &&
	mi_text >app/pattern_either_basic.py &&
	printf "# edited after the commit\n" >>app/pattern_either_basic.py &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	test "$(logged_target app/pattern_either_basic.py sha256)" = "$(blob_sha256 HEAD:app/pattern_either_basic.py)" &&
	test "$(logged_target app/pattern_either_basic.py size)" = "$(git cat-file -s HEAD:app/pattern_either_basic.py)" &&
	test "$(logged_target app/pattern_either_basic.py sha256)" != "$(sha256sum <app/pattern_either_basic.py | cut -d" " -f1)" &&
	expect_grep "method three detected" "$TRASH/err" &&
	expect_no_grep "method two detected" "$TRASH/err" &&
	git checkout -q -- app/pattern_either_basic.py
'

test_expect_success 'force push: scan from the merge-base, not the discarded commits' '
	setup_repo &&
	mi_text one | commit_file app/pattern_either_basic.py "main: one" &&
	git push -q --no-verify origin main &&
	base=$(git rev-parse HEAD) &&
	mi_text two | commit_file app/pattern_either_basic.py "discarded: two, no one" &&
	git push -q --no-verify origin main &&
	git reset -q --hard "$base" &&
	mi_text one three | commit_file app/pattern_either_basic.py "new: three" &&
	before=$(log_count) &&
	git push --force origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	test "$(log_count)" -eq $((before + 1)) &&
	expect_grep "method three detected" "$TRASH/err" &&
	expect_no_grep "method two detected" "$TRASH/err" &&
	expect_no_grep "method one detected" "$TRASH/err"
'

test_expect_success 'new branch: only the commits the remote does not have' '
	setup_repo &&
	mi_text one | commit_file app/pattern_either_basic.py "main: one" &&
	cp "$EQ_DIR/stupid.js" . && git add stupid.js && git commit -q -m js &&
	git push -q --no-verify origin main &&
	git checkout -q -b feature &&
	mi_text one two | commit_file app/pattern_either_basic.py "feature: two" &&
	cp "$EQ_DIR/stupid.py" . && git add stupid.py && git commit -q -m py &&
	git push -u origin feature 2>"$TRASH/err" &&
	expect_remote_at refs/heads/feature HEAD &&
	expect_grep "method two detected" "$TRASH/err" &&
	expect_grep "eqeq-is-bad" "$TRASH/err" &&
	expect_no_grep "method one detected" "$TRASH/err" &&
	expect_no_grep "javascript-basic-eqeq-bad" "$TRASH/err"
'

test_expect_success 'deletion: nothing is scanned, the ref goes' '
	cd "$TRASH/work" &&
	before=$(log_count) &&
	git push origin --delete feature 2>"$TRASH/err" &&
	test -z "$(remote_oid refs/heads/feature)" &&
	test "$(log_count)" -eq "$before" &&
	expect_no_grep "detected" "$TRASH/err"
'

test_expect_success 'tag on new commits: scanned; tag on pushed commits: nothing' '
	cd "$TRASH/work" && git checkout -q main &&
	git tag -a v0 -m "old" HEAD &&
	before=$(log_count) &&
	git push origin v0 2>"$TRASH/err" &&
	test "$(remote_oid refs/tags/v0)" = "$(git rev-parse v0)" &&
	test "$(log_count)" -eq "$before" &&
	git checkout -q -b rel &&
	mi_text one three | commit_file app/pattern_either_basic.py "release: three" &&
	git tag -a v1 -m "release" &&
	git checkout -q main &&
	git push origin v1 2>"$TRASH/err" &&
	test "$(remote_oid refs/tags/v1)" = "$(git rev-parse v1)" &&
	test "$(log_count)" -eq $((before + 1)) &&
	expect_grep "method three detected" "$TRASH/err" &&
	expect_no_grep "method one detected" "$TRASH/err"
'

test_expect_success 'several refs in one push: the findings of each' '
	setup_repo &&
	mi_text | commit_file app/pattern_either_basic.py "main: none" &&
	git push -q --no-verify origin main &&
	git checkout -q -b b1 main &&
	cp "$EQ_DIR/stupid.py" . && git add stupid.py && git commit -q -m py &&
	git checkout -q -b b2 main &&
	cp "$EQ_DIR/stupid.js" . && git add stupid.js && git commit -q -m js &&
	mi_text two | commit_file app/pattern_either_basic.py "b2: two" &&
	git push origin b1 b2 2>"$TRASH/err" &&
	expect_remote_at refs/heads/b1 b1 &&
	expect_remote_at refs/heads/b2 b2 &&
	expect_grep "eqeq-is-bad" "$TRASH/err" &&
	expect_grep "javascript-basic-eqeq-bad" "$TRASH/err" &&
	expect_grep "method two detected" "$TRASH/err" &&
	expect_no_grep "method one detected" "$TRASH/err"
'

test_expect_success 'two refs pushing the same new file: each finding once' '
	setup_repo &&
	git checkout -q -b x1 &&
	cp "$EQ_DIR/stupid.py" . && git add stupid.py && git commit -q -m py &&
	git branch x2 &&
	git push origin x1 x2 2>"$TRASH/err" &&
	expect_remote_at refs/heads/x1 x1 &&
	expect_remote_at refs/heads/x2 x2 &&
	test "$(grep -c "eqeq-is-bad" "$TRASH/err")" -eq 1 &&
	python3 - "$FAKE_SEMGREP_LOG" <<-\EOF
	import json, sys
	e = [json.loads(l) for l in open(sys.argv[1])][-1]
	assert [t["path"] for t in e["targets"]] == ["stupid.py"], e["targets"]
	EOF
'

test_expect_success 'a remote oid this clone does not have (pushed from another clone)' '
	setup_repo &&
	mi_text one | commit_file app/pattern_either_basic.py "main: one" &&
	git push -q --no-verify origin main &&
	git clone -q "$TRASH/origin.git" "$TRASH/other" &&
	(
		cd "$TRASH/other" &&
		cp "$EQ_DIR/stupid.js" . && git add stupid.js &&
		git commit -q -m "other: js" &&
		git push -q --no-verify origin main
	) &&
	theirs=$(remote_oid refs/heads/main) &&
	! git cat-file -e "$theirs" 2>/dev/null &&
	cp "$EQ_DIR/stupid.py" . && git add stupid.py && git commit -q -m "ours: py" &&
	git push --force origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "eqeq-is-bad" "$TRASH/err" &&
	expect_no_grep "javascript-basic-eqeq-bad" "$TRASH/err" &&
	expect_no_grep "method one detected" "$TRASH/err"
'

test_expect_success 'empty stdin: nothing to do, exit 0, nothing scanned' '
	cd "$TRASH/work" &&
	before=$(log_count) &&
	"$PUSHFIX_BIN" hook pre-push origin "$TRASH/origin.git" </dev/null \
		>"$TRASH/out" 2>"$TRASH/err" &&
	test "$(log_count)" -eq "$before" &&
	expect_no_grep "error" "$TRASH/err"
'

test_expect_success 'malformed stdin line: one clear message, exit 0' '
	cd "$TRASH/work" &&
	before=$(log_count) &&
	printf "refs/heads/main not-an-oid\n" |
	"$PUSHFIX_BIN" hook pre-push origin "$TRASH/origin.git" \
		>"$TRASH/out" 2>"$TRASH/err" &&
	expect_one_line "$TRASH/err" "line 1" &&
	expect_grep "not-an-oid" "$TRASH/err" &&
	z=0000000000000000000000000000000000000000 &&
	printf "refs/heads/main %s refs/heads/main %s\nbogus line here\n" \
		"$(git rev-parse HEAD)" "$z" |
	"$PUSHFIX_BIN" hook pre-push origin "$TRASH/origin.git" \
		>"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "line 2" "$TRASH/err" &&
	expect_grep "bogus line here" "$TRASH/err"
'

test_expect_success 'a push through a URL (no remote name) still scans' '
	setup_repo &&
	mi_text one | commit_file app/pattern_either_basic.py "one" &&
	git push -q --no-verify origin main &&
	mi_text one two | commit_file app/pattern_either_basic.py "two" &&
	git push "$TRASH/origin.git" main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "method two detected" "$TRASH/err" &&
	expect_no_grep "method one detected" "$TRASH/err"
'

test_expect_success 'git push --no-verify and PUSHFIX_SKIP=1 skip the scan' '
	cd "$TRASH/work" &&
	before=$(log_count) &&
	mi_text one two three | commit_file app/pattern_either_basic.py "three" &&
	PUSHFIX_SKIP=1 git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	test "$(log_count)" -eq "$before" &&
	expect_no_grep "detected" "$TRASH/err"
'

test_done
