#!/bin/sh
# `/pushfix agree` on a false-positive verdict ignores the finding for the
# team (issue 15 items 3, 4) with [mirror] feedback_ignores = true: pushfix
# mirror writes the entry (fingerprint, rule, path, who agreed and why)
# into the clone's .pushfix/ignore, the developer commits it, and from
# then on the finding is not shown to anyone, the local store aside.
# Without feedback_ignores nothing is written.  GitHub stand-in, real
# flawfinder, stand-in LLM.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"
. "$SRC/tests/e2e/lib-llm.sh"
trap 'kill_llm_pids; kill_mirror_pids; cleanup_trash' EXIT

export GITHUB_TOKEN=$TOKEN

start_llm llm

test_expect_success 'setup: a false positive posted on the PR, component shown' '
	command -v flawfinder &&
	setup_llm_repo &&
	start_github --pr feature &&
	mirror_config github "$GH" octo/repo "feedback_ignores = false" &&
	git checkout -q -b feature &&
	llm_set --verdict false_positive --confidence 0.7 \
		--reason "Only test code calls it." --component tests &&
	git push origin feature 2>"$TRASH/err" &&
	expect_grep "^  triage: false positive \[tests\], confidence 0.70" \
		"$TRASH/err" &&
	wait_workers 1 &&
	expect_grep "posted 1 finding" "$MLOG" &&
	standin_state "$(gh_base)" >"$TRASH/state" &&
	grep -q "Component:\*\* \`tests\`" "$TRASH/state" &&
	standin_post "$(gh_base)/_standin/collaborator" \
		"{\"login\": \"alice\", \"permission\": \"write\"}"
'

test_expect_success 'the text report shows the component beside the verdict' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" scan origin/main..HEAD >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^  triage: false_positive \[tests\] (70%): Only test code calls it.$" \
		"$TRASH/out"
'

test_expect_success 'without feedback_ignores: agree is recorded, nothing written' '
	cd "$TRASH/work" &&
	gh_reply "$(gh_first_comment)" alice "/pushfix agree" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "feedback: alice agrees with FF1001 on src/copy.c (false_positive)$" \
		"$TRASH/err" &&
	test ! -e .pushfix/ignore
'

test_expect_success 'feedback_ignores: agree writes .pushfix/ignore for the team' '
	cd "$TRASH/work" &&
	sed -i "s/^feedback_ignores = false/feedback_ignores = true/" .git/pushfix/config.ini &&
	gh_reply "$(gh_first_comment)" alice "/pushfix agree: only the tests call this" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "feedback: alice agrees with FF1001 on src/copy.c (false_positive); ignored from now on, and for the team in .pushfix/ignore (commit it)" \
		"$TRASH/err" &&
	fp=$(python3 -c "import json,sys; print([json.loads(l) for l in open(sys.argv[1]) if json.loads(l)[\"type\"] == \"feedback\"][-1][\"fingerprint\"])" .git/pushfix/findings.log) &&
	grep -q "^$fp" .pushfix/ignore &&
	grep "^$fp" .pushfix/ignore | grep -q "FF1001" &&
	grep "^$fp" .pushfix/ignore | grep -q "src/copy.c" &&
	grep "^$fp" .pushfix/ignore | grep -q "agreed on the PR by alice: only the tests call this" &&
	"$PUSHFIX_BIN" ignored >"$TRASH/out" &&
	expect_grep "agreed on the PR by alice" "$TRASH/out"
'

test_expect_success 'committed, it holds without the local store' '
	cd "$TRASH/work" &&
	git add .pushfix && git commit -q -m "ignore FF1001 for the team" &&
	rm -f .git/pushfix/decisions &&
	SCAN_RANGE=origin/main..HEAD scan_json --no-triage &&
	python3 - "$TRASH/scan.json" <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["findings"] == [], d["findings"]
	EOF
'

test_expect_success 'disagree takes it out of .pushfix/ignore again' '
	cd "$TRASH/work" &&
	gh_reply "$(gh_first_comment)" alice "/pushfix disagree: reachable after all" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "feedback: alice disagrees with FF1001 on src/copy.c (false_positive); re-opened (no longer ignored), and taken out of .pushfix/ignore (commit it)" \
		"$TRASH/err" &&
	! grep -q FF1001 .pushfix/ignore
'

test_expect_success 'a team ignore that cannot be written is said, the local one holds' '
	cd "$TRASH/work" &&
	printf "private\n" >"$TRASH/outside" &&
	rm -f .pushfix/ignore && ln -s "$TRASH/outside" .pushfix/ignore &&
	gh_reply "$(gh_first_comment)" alice "/pushfix agree: tests only, again" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "feedback: not ignored for the team: .*symbolic link" \
		"$TRASH/err" &&
	expect_grep "feedback: alice agrees with FF1001 on src/copy.c (false_positive); ignored from now on$" \
		"$TRASH/err" &&
	test "$(cat "$TRASH/outside")" = private &&
	rm .pushfix/ignore
'

test_expect_success 'a monitored finding is never posted on the PR' '
	cd "$TRASH/work" &&
	sed -i "6p" src/copy.c && sed -i "6s/dst, src/name2, src/" src/copy.c &&
	git commit -q -am "another copy" &&
	PUSHFIX_RULES_MONITOR=FF1001 git push origin feature 2>"$TRASH/err" &&
	expect_grep "^pushfix: no findings on the pushed lines, 1 monitored (" \
		"$TRASH/err" &&
	sleep 1 &&
	standin_state "$(gh_base)" >"$TRASH/state" &&
	python3 - "$TRASH/state" <<-\EOF
	import json, sys
	c = json.load(open(sys.argv[1]))["comments"]
	assert not any("name2" in x["body"] for x in c), c
	EOF
'

test_done
