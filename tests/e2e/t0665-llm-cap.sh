#!/bin/sh
# Issue 11 item 5: a big push stays usable.  115 findings of the REAL
# flawfinder (110 strlen notes, then 5 strcpy errors at the end of the
# file): at most [llm] max_findings (20) go to the LLM, the most severe
# first; the rest are shown untriaged, counted in one line, and each says
# why in the JSON report.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

# many_c: 110 functions returning strlen (FF1022, note), then 5 copying
# with strcpy (FF1001, error).
many_c() {
	printf '#include <string.h>\n\n'
	i=0
	while [ $i -lt 110 ]; do
		printf 'size_t len%s(const char *s)\n{\n\treturn strlen(s);\n}\n\n' $i
		i=$((i + 1))
	done
	i=0
	while [ $i -lt 5 ]; do
		printf 'void copy%s(char *d, const char *s)\n{\n\tstrcpy(d, s);\n}\n\n' $i
		i=$((i + 1))
	done
}

# The findings of $LLM_LOG's requests: "<rule> <line>" per finding asked
# about, one line each, whatever the request shape.
asked() {
	python3 - "$LLM_LOG" <<-\EOF
	import json, re, sys
	for line in open(sys.argv[1]):
	    b = json.loads(line)["body"]
	    user = b["messages"][-1]["content"]
	    rules = re.findall(r"^Rule: (\S+)", user, re.M)
	    lines = re.findall(r"^(?:Finding: lines?|Lines?:) (\d+)", user,
	                       re.M)
	    for r, l in zip(rules, lines):
	        print(r, l)
	EOF
}

test_expect_success 'setup: a push with 115 flawfinder findings' '
	command -v flawfinder &&
	setup_llm_repo &&
	many_c >src/many.c &&
	git add src/many.c && git commit -q -m "many findings"
'

start_llm llm

test_expect_success 'default cap: 20 findings asked about, the 5 errors first' '
	cd "$TRASH/work" &&
	llm_set &&
	scan_json --no-cache &&
	asked >"$TRASH/asked" &&
	test "$(wc -l <"$TRASH/asked")" = 20 &&
	# merged: findings of one file whose snippets overlap share requests
	test "$(llm_requests)" -lt 10 &&
	test "$(grep -c "^FF1001 " "$TRASH/asked")" = 6 &&
	expect_grep "pushfix: 96 more findings not triaged (\[llm\] max_findings = 20; 0 sends all)" "$TRASH/scan.err" &&
	python3 - "$TRASH/scan.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	assert len(fs) == 116, len(fs)
	done = [f for f in fs if not f["triage"]["error"]]
	left = [f for f in fs if f["triage"]["error"]]
	assert len(done) == 20 and len(left) == 96, (len(done), len(left))
	assert all(f["rule_id"] != "FF1001" for f in left), left[:1]
	assert all("over [llm] max_findings = 20" in f["triage"]["error"]
	           for f in left), left[:1]
	EOF
'

test_expect_success 'max_findings = 0 sends them all' '
	cd "$TRASH/work" &&
	llm_set &&
	PUSHFIX_LLM_MAX_FINDINGS=0 PUSHFIX_LLM_BUDGET=60 scan_json --no-cache &&
	test "$(asked | wc -l)" = 116 &&
	expect_no_grep "not triaged" "$TRASH/scan.err"
'

test_expect_success 'the push shows the count line and goes on' '
	cd "$TRASH/work" &&
	llm_set &&
	PUSHFIX_NO_CACHE=1 timeout 120 git push origin main 2>"$TRASH/err" </dev/null &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "96 more findings not triaged" "$TRASH/err"
'

test_done
