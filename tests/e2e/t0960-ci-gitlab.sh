#!/bin/sh
# The GitLab CI template (ci/gitlab/pushfix.yml), run for real by
# gitlab-ci-local (shell executor) as a merge-request pipeline would run
# it: CI_MERGE_REQUEST_DIFF_BASE_SHA and CI_COMMIT_SHA set, the REAL
# flawfinder as the scanner, the GitLab stand-in as the API.  The job
# writes GitLab's SAST report, posts the MR discussions, and honours the
# pushed .pushfix/ignore.  Skipped when tests/contract/node_modules (npm)
# is absent.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"

GCL=$SRC/tests/contract/node_modules/.bin/gitlab-ci-local
if [ ! -x "$GCL" ]; then
	echo "skipped: gitlab-ci-local not installed (sh tests/deps.sh)"
	exit 0
fi
if ! command -v flawfinder >/dev/null 2>&1; then
	echo "skipped: flawfinder not installed"
	exit 0
fi

unset GITHUB_TOKEN GH_TOKEN GITLAB_TOKEN CI_MERGE_REQUEST_DIFF_BASE_SHA \
	CI_COMMIT_SHA GITHUB_EVENT_PATH GITHUB_BASE_REF GITHUB_SHA
# The job finds pushfix on PATH (so its before_script builds nothing).
mkdir -p "$TRASH/bin" && ln -s "$PUSHFIX_BIN" "$TRASH/bin/pushfix"

c_base() {
	printf '#include <stdlib.h>\n#include <string.h>\n\n'
	printf 'void f(char *d, const char *s)\n{\n}\n'
}
c_pushed() {
	printf '#include <stdlib.h>\n#include <string.h>\n\n'
	printf 'void f(char *d, const char *s)\n{\n'
	printf '\tstrcpy(d, s);\n\tsystem(s);\n}\n'
}

# run_job [--variable K=V...]: the template's job, as an MR pipeline.
run_job() {
	(cd "$TRASH/work" &&
		PATH=$TRASH/bin:$PATH HOME=$TRASH/home \
		"$GCL" --file ci/gitlab/pushfix.yml --force-shell-executor \
			--variable CI_PIPELINE_SOURCE=merge_request_event \
			--variable CI_MERGE_REQUEST_DIFF_BASE_SHA="$(git rev-parse main)" \
			--variable CI_COMMIT_SHA="$(git rev-parse HEAD)" \
			--variable CI_MERGE_REQUEST_SOURCE_BRANCH_NAME=feature \
			--variable CI_API_V4_URL="$(gl_base)/api/v4" \
			--variable CI_PROJECT_PATH=grp/sub/proj \
			--variable PUSHFIX_SCAN_ENGINE=sarif \
			--variable "PUSHFIX_SCAN_COMMAND=flawfinder --sarif {files}" \
			"$@" pushfix)
}

test_expect_success 'setup: an MR for feature with two flawfinder findings' '
	setup_repo &&
	mkdir -p src ci/gitlab &&
	c_base >src/a.c && git add src && git commit -q -m base &&
	git push -q --no-verify origin main &&
	git checkout -q -b feature &&
	c_pushed >src/a.c &&
	cp "$SRC/ci/gitlab/pushfix.yml" ci/gitlab/ &&
	git add src ci && git commit -q -m "copy, run" &&
	git push -q --no-verify origin feature &&
	start_gitlab --mr feature
'

test_expect_success 'the job: SAST report with both, a discussion each' '
	run_job --variable GITLAB_TOKEN="$TOKEN" >"$TRASH/job.out" 2>&1 ||
		{ cat "$TRASH/job.out"; false; } &&
	expect_grep "PASS  pushfix" "$TRASH/job.out" &&
	R=$TRASH/work/.gitlab-ci-local/artifacts/pushfix/gl-sast-report.json &&
	test -f "$R" || R=$TRASH/work/gl-sast-report.json &&
	python3 - "$R" >"$TRASH/fps" <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["version"].startswith("15."), d["version"]
	assert d["scan"]["type"] == "sast" and d["scan"]["status"] == "success"
	got = sorted((v["name"], v["location"]["file"], v["location"]["start_line"],
	              v["severity"]) for v in d["vulnerabilities"])
	assert got == [("FF1001", "src/a.c", 6, "High"),
	               ("FF1044", "src/a.c", 7, "High")], got
	for v in d["vulnerabilities"]:
	    assert v["identifiers"][0]["type"] == "pushfix_rule", v
	    if v["name"] == "FF1044":
	        print(v["id"])
	EOF
	test "$(gl_markers | wc -l)" -eq 2 &&
	expect_grep "posted 2 findings on https://gitlab.example/grp/sub/proj/-/merge_requests/1" "$TRASH/job.out"
'

test_expect_success 'the pushed .pushfix/ignore: the job leaves that finding out' '
	cd "$TRASH/work" &&
	printf "%s\tFF1044\tsrc/a.c\tsystem() on a constant, reviewed\n" \
		"$(cat "$TRASH/fps")" >.pushfix-ignore &&
	mkdir -p .pushfix && mv .pushfix-ignore .pushfix/ignore &&
	printf "garbage line\n" >>.pushfix/ignore &&
	git add .pushfix && git commit -q -m "ignore system()" &&
	git push -q --no-verify origin feature &&
	run_job >"$TRASH/job2.out" 2>&1 ||
		{ cat "$TRASH/job2.out"; false; } &&
	expect_grep "pushfix: warning: .pushfix/ignore line 2: expected 4 tab-separated fields" "$TRASH/job2.out" &&
	R=$TRASH/work/.gitlab-ci-local/artifacts/pushfix/gl-sast-report.json &&
	test -f "$R" || R=$TRASH/work/gl-sast-report.json &&
	python3 - "$R" <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	got = [v["name"] for v in d["vulnerabilities"]]
	assert got == ["FF1001"], got
	EOF
'

test_expect_success 'outside an MR pipeline the job does not run' '
	cd "$TRASH/work" &&
	PATH=$TRASH/bin:$PATH "$GCL" --file ci/gitlab/pushfix.yml \
		--force-shell-executor --list >"$TRASH/list" 2>&1 &&
	expect_no_grep "^pushfix " "$TRASH/list"
'

test_done
