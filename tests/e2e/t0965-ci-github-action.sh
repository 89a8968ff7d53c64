#!/bin/sh
# The GitHub Action (action.yml) and the example workflow validate against
# GitHub's schemas (@action-validator, npm); a broken copy is refused, so
# the check means something.  The action's shell steps run as written:
# scan --ci on a pull_request event file, SARIF out.  Skipped when
# tests/contract/node_modules (npm) is absent.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

AV=$SRC/tests/contract/node_modules/.bin/action-validator
if [ ! -x "$AV" ]; then
	echo "skipped: action-validator not installed (sh tests/deps.sh)"
	exit 0
fi

test_expect_success 'action.yml and the example workflow are valid' '
	"$AV" "$SRC/action.yml" &&
	"$AV" "$SRC/.github/workflows/pushfix.yml"
'

test_expect_success 'a broken action is refused, saying where' '
	mkdir -p "$TRASH/bad" &&
	sed "s/using: composite/using: compost/" "$SRC/action.yml" >"$TRASH/bad/action.yml" &&
	! "$AV" "$TRASH/bad/action.yml" >"$TRASH/out" 2>&1 &&
	expect_grep "/runs/using" "$TRASH/out"
'

# The "Scan the pull request" step's script, as the runner would run it.
scan_step() {
	python3 - "$SRC/action.yml" <<-\EOF
	import re, sys
	text = open(sys.argv[1]).read()
	step = text.split("- name: Scan the pull request", 1)[1]
	run = step.split("      run: |\n", 1)[1]
	lines = []
	for l in run.split("\n"):
	    if l.strip() and not l.startswith("        "):
	        break
	    lines.append(l[8:])
	print("\n".join(lines))
	EOF
}

test_expect_success 'its scan step: SARIF of the PR range, findings counted' '
	command -v flawfinder &&
	setup_repo &&
	mkdir -p src &&
	printf "#include <string.h>\nvoid f(char *d, const char *s)\n{\n}\n" >src/a.c &&
	git add src && git commit -q -m base && git push -q --no-verify origin main &&
	git checkout -q -b feature &&
	printf "#include <string.h>\nvoid f(char *d, const char *s)\n{\n\tstrcpy(d, s);\n}\n" >src/a.c &&
	git commit -q -am copy &&
	printf "{\"pull_request\":{\"base\":{\"sha\":\"%s\"},\"head\":{\"sha\":\"%s\",\"ref\":\"feature\"}}}" \
		"$(git rev-parse main)" "$(git rev-parse feature)" >"$TRASH/event.json" &&
	scan_step >"$TRASH/step.sh" &&
	mkdir -p "$TRASH/bin" && ln -sf "$PUSHFIX_BIN" "$TRASH/bin/pushfix" &&
	: >"$TRASH/gh_output" &&
	PATH=$TRASH/bin:$PATH GITHUB_EVENT_PATH=$TRASH/event.json \
	GITHUB_BASE_REF=main GITHUB_SHA=$(git rev-parse feature) \
	GITHUB_OUTPUT=$TRASH/gh_output REVIEW=false \
	PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}" \
	OPENAI_API_KEY= bash -e "$TRASH/step.sh" &&
	expect_grep "^findings=1$" "$TRASH/gh_output" &&
	expect_grep "^sarif=pushfix.sarif$" "$TRASH/gh_output" &&
	python3 - pushfix.sarif <<-\EOF
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["version"] == "2.1.0"
	(r,) = d["runs"][0]["results"]
	assert r["ruleId"] == "FF1001", r
	loc = r["locations"][0]["physicalLocation"]
	assert loc["artifactLocation"]["uri"] == "src/a.c", loc
	assert loc["region"]["startLine"] == 4, loc
	EOF
'

test_done
