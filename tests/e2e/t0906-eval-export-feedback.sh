#!/bin/sh
# `pushfix eval --export` (issue 16) with the PR's word: a reviewer's
# `/pushfix disagree` on pushfix's review comment of a false-positive
# verdict makes the finding a true positive in the export, and eval then
# counts the LLM's "false positive" on it as a miss.  Real flawfinder, the
# LLM and GitHub stand-ins, a real push and `pushfix mirror`.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"
. "$SRC/tests/e2e/lib-llm.sh"
trap 'kill_llm_pids; kill_mirror_pids; cleanup_trash' EXIT

export GITHUB_TOKEN=$TOKEN
export XDG_CACHE_HOME=$TRASH/cache

start_llm llm

test_expect_success 'setup: the push posts a false positive on the PR' '
	command -v flawfinder &&
	setup_llm_repo &&
	start_github --pr feature &&
	mirror_config github "$GH" octo/repo &&
	git checkout -q -b feature &&
	llm_set --verdict false_positive --confidence 0.7 \
		--reason "Only test code calls it." &&
	git push origin feature 2>"$TRASH/err" &&
	wait_workers 1 &&
	expect_grep "posted 1 finding" "$MLOG"
'

test_expect_success 'no answer yet: a verdict alone is no label' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" eval --export "$TRASH/none" >"$TRASH/out" &&
	expect_grep "^nothing to export: .* (1 finding record read)$" \
		"$TRASH/out"
'

test_expect_success 'a writer disagrees on the PR: a true positive' '
	cd "$TRASH/work" &&
	standin_post "$(gh_base)/_standin/collaborator" \
		"{\"login\": \"alice\", \"permission\": \"write\"}" &&
	gh_reply "$(gh_first_comment)" alice "/pushfix disagree: argv reaches it" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "feedback: alice disagrees with FF1001 on src/copy.c" "$TRASH/err" &&
	"$PUSHFIX_BIN" eval --export "$TRASH/ex" >"$TRASH/out" &&
	expect_grep "^exported 1 labelled finding (1 true positive, 0 false positives)" \
		"$TRASH/out" &&
	python3 - "$TRASH/ex/findings.jsonl" <<-\EOF
	import json, sys
	rs = [json.loads(l) for l in open(sys.argv[1])]
	assert len(rs) == 1, rs
	r = rs[0]
	assert (r["path"], r["line"], r["rule_id"], r["label"], r["decision"]) == \
		("src/copy.c", 6, "FF1001", "true_positive", "disagree"), r
	EOF
'

test_expect_success 'eval on it: the LLM that says false positive misses it' '
	cd "$TRASH" &&
	"$PUSHFIX_BIN" eval "$TRASH/ex/findings.jsonl" --root "$TRASH/ex/files" \
		>"$TRASH/table" 2>"$TRASH/err" &&
	expect_grep "^triage: 1 labelled finding, 1 triaged" "$TRASH/table" &&
	expect_grep "^  labelled TP  *0  *1  *0  *0$" "$TRASH/table" &&
	expect_grep "TPs kept 0/1 (0.0%)" "$TRASH/table"
'

test_done
