#!/bin/sh
# `pushfix scan --ci`: the range from the CI's environment (GitLab's
# merge-request variables, GitHub's event file or GITHUB_BASE_REF /
# GITHUB_SHA), a clear error naming them when none is set; --mirror
# queues the findings for the request's branch.  The REAL flawfinder.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

unset CI_MERGE_REQUEST_DIFF_BASE_SHA CI_COMMIT_SHA GITHUB_EVENT_PATH \
	GITHUB_BASE_REF GITHUB_SHA GITHUB_HEAD_REF \
	CI_MERGE_REQUEST_SOURCE_BRANCH_NAME
export PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}"

test_expect_success 'setup: main, and a branch adding a strcpy on line 4' '
	command -v flawfinder &&
	setup_repo &&
	mkdir -p src &&
	printf "#include <string.h>\nvoid f(char *d, const char *s)\n{\n}\n" >src/a.c &&
	git add src && git commit -q -m base && git push -q --no-verify origin main &&
	git checkout -q -b feature &&
	printf "#include <string.h>\nvoid f(char *d, const char *s)\n{\n\tstrcpy(d, s);\n}\n" >src/a.c &&
	git commit -q -am copy &&
	# main moves on: a PR range is the branch against the merge base
	git checkout -q main &&
	printf "#include <string.h>\nchar *g(char *d)\n{\n\treturn strcpy(d, \"x\");\n}\n" >src/b.c &&
	git add src && git commit -q -m "main: b.c" && git push -q --no-verify origin main &&
	git checkout -q feature
'

rules() { # report.json -> "path:line:rule" lines
	python3 -c "import json,sys; [print(\"%s:%d:%s\" % (f[\"path\"], f[\"start_line\"], f[\"rule_id\"])) for f in json.load(open(sys.argv[1]))[\"findings\"]]" "$1"
}

test_expect_success 'no CI variables: an error naming them, exit 2' '
	cd "$TRASH/work" &&
	test_must_fail_2() { "$@"; test $? -eq 2; } &&
	test_must_fail_2 "$PUSHFIX_BIN" scan --ci 2>"$TRASH/err" &&
	expect_grep "error: --ci: no pull/merge request range in the environment: set CI_MERGE_REQUEST_DIFF_BASE_SHA and CI_COMMIT_SHA (GitLab merge request pipeline), GITHUB_EVENT_PATH, or GITHUB_BASE_REF and GITHUB_SHA" "$TRASH/err"
'

test_expect_success 'GitLab: CI_MERGE_REQUEST_DIFF_BASE_SHA..CI_COMMIT_SHA' '
	cd "$TRASH/work" &&
	CI_MERGE_REQUEST_DIFF_BASE_SHA=$(git merge-base main feature) \
	CI_COMMIT_SHA=$(git rev-parse feature) \
		"$PUSHFIX_BIN" scan --ci -v --no-triage --format json >"$TRASH/out.json" 2>"$TRASH/err" &&
	expect_grep "pushfix: --ci: scanning .* (from CI_MERGE_REQUEST_DIFF_BASE_SHA, CI_COMMIT_SHA)" "$TRASH/err" &&
	test "$(rules "$TRASH/out.json")" = "src/a.c:4:FF1001"
'

test_expect_success 'GitHub pull_request: the event file names base and head' '
	cd "$TRASH/work" &&
	printf "{\"pull_request\":{\"base\":{\"sha\":\"%s\"},\"head\":{\"sha\":\"%s\",\"ref\":\"feature\"}}}" \
		"$(git rev-parse main)" "$(git rev-parse feature)" >"$TRASH/event.json" &&
	GITHUB_EVENT_PATH=$TRASH/event.json GITHUB_BASE_REF=main GITHUB_SHA=0000 \
		"$PUSHFIX_BIN" scan --ci -v --no-triage --format json >"$TRASH/out.json" 2>"$TRASH/err" &&
	expect_grep "(from GITHUB_EVENT_PATH (pull_request))" "$TRASH/err" &&
	test "$(rules "$TRASH/out.json")" = "src/a.c:4:FF1001"
'

test_expect_success 'GitHub without an event file: origin/BASE...GITHUB_SHA' '
	cd "$TRASH/work" &&
	git fetch -q origin &&
	GITHUB_BASE_REF=main GITHUB_SHA=$(git rev-parse feature) \
		"$PUSHFIX_BIN" scan --ci --no-triage --format sarif >"$TRASH/out.sarif" &&
	python3 - "$TRASH/out.sarif" <<-\EOF
	import json, sys
	rs = json.load(open(sys.argv[1]))["runs"][0]["results"]
	assert [r["ruleId"] for r in rs] == ["FF1001"], rs
	EOF
'

test_expect_success 'GitHub push event: before..after' '
	cd "$TRASH/work" &&
	printf "{\"before\":\"%s\",\"after\":\"%s\",\"ref\":\"refs/heads/main\"}" \
		"$(git rev-parse main~)" "$(git rev-parse main)" >"$TRASH/push.json" &&
	GITHUB_EVENT_PATH=$TRASH/push.json \
		"$PUSHFIX_BIN" scan --ci --no-triage --format json >"$TRASH/out.json" &&
	test "$(rules "$TRASH/out.json")" = "src/b.c:4:FF1001"
'

test_expect_success '--ci with a range, or --mirror without --ci: usage errors' '
	cd "$TRASH/work" &&
	! "$PUSHFIX_BIN" scan --ci HEAD~1..HEAD 2>"$TRASH/err" &&
	expect_grep "error: --ci takes the range from the CI" "$TRASH/err" &&
	! "$PUSHFIX_BIN" scan --mirror 2>"$TRASH/err" &&
	expect_grep "error: --mirror goes with --ci" "$TRASH/err"
'

test_expect_success '--mirror: one outbox entry for the request branch' '
	cd "$TRASH/work" &&
	CI_MERGE_REQUEST_DIFF_BASE_SHA=$(git merge-base main feature) \
	CI_COMMIT_SHA=$(git rev-parse feature) \
	CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=feature \
		"$PUSHFIX_BIN" scan --ci --mirror --no-triage >"$TRASH/out" 2>"$TRASH/err" &&
	"$PUSHFIX_BIN" mirror --status --json >"$TRASH/st.json" &&
	python3 - "$TRASH/st.json" "$(git rev-parse feature)" <<-\EOF
	import json, sys
	(e,) = json.load(open(sys.argv[1]))
	assert e["branch"] == "feature", e
	assert e["sha"] == sys.argv[2], e
	assert e["findings"] == 1, e
	EOF
'

test_done
