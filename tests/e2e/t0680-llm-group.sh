#!/bin/sh
# Issue 11 item 5: findings of one file whose snippets overlap go in one
# request with a per-finding answer array.  Real flawfinder finds three
# findings in three lines (strcpy, strcat, strcpy); the stand-in answers
# each id with its own verdict.  Fewer requests, each finding its own
# verdict and fix; an entry left out leaves that finding alone untriaged;
# the cache answers the group the second time; preview shows the group.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

near_c() {
	cat <<\EOF
#include <string.h>

void join(char *d, const char *a, const char *b, const char *c)
{
	strcpy(d, a);
	strcat(d, b);
	strcpy(d, c);
}
EOF
}

test_expect_success 'setup: three findings within three lines' '
	command -v flawfinder &&
	setup_repo &&
	echo "/* empty */" >near.c && git add near.c && git commit -q -m base &&
	git push -q --no-verify origin main &&
	near_c >near.c && git commit -q -am "join"
'

start_llm llm

test_expect_success 'one request, each finding its own verdict' '
	cd "$TRASH/work" &&
	llm_set --verdicts true_positive,false_positive,uncertain &&
	scan_json &&
	test "$(llm_requests)" = 1 &&
	python3 - "$TRASH/scan.json" "$LLM_LOG" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	got = sorted((f["start_line"], f["triage"]["verdict"]) for f in fs)
	assert got == [(5, "true_positive"), (6, "false_positive"),
	               (7, "uncertain")], got
	b = json.loads(open(sys.argv[2]).readline())["body"]
	user = b["messages"][-1]["content"]
	assert "3 findings in this file, ids 1 to 3" in user, user
	for k in (1, 2, 3):
	    assert "Finding id %d:" % k in user, user
	s = b["response_format"]["json_schema"]["schema"]
	item = s["properties"]["findings"]["items"]
	assert item["additionalProperties"] is False
	assert sorted(item["required"]) == sorted(item["properties"]), item
	EOF
'

test_expect_success 'the terminal report shows each verdict' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" scan origin/main..HEAD >"$TRASH/out" 2>&1 &&
	grep -i "true.positive" "$TRASH/out" &&
	grep -i "false.positive" "$TRASH/out" &&
	grep -i "uncertain" "$TRASH/out"
'

test_expect_success 'the second time the cache answers the group' '
	cd "$TRASH/work" &&
	llm_set &&
	scan_json &&
	test "$(llm_requests)" = 0 &&
	python3 - "$TRASH/scan.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	assert all(f["triage"]["cached"] for f in fs), fs
	assert sorted(f["triage"]["verdict"] for f in fs) == [
	    "false_positive", "true_positive", "uncertain"], fs
	EOF
'

test_expect_success 'an entry left out: that finding alone untriaged, and why' '
	cd "$TRASH/work" &&
	llm_set --omit-id 2 &&
	scan_json --no-cache &&
	test "$(llm_requests)" = 1 &&
	python3 - "$TRASH/scan.json" <<-\EOF
	import json, sys
	fs = {f["start_line"]: f["triage"]
	      for f in json.load(open(sys.argv[1]))["findings"]}
	assert fs[5]["verdict"] == "true_positive", fs
	assert fs[7]["verdict"] == "true_positive", fs
	assert fs[6]["verdict"] == "none", fs
	assert "no entry for this finding" in fs[6]["error"], fs
	EOF
'

test_expect_success 'a fix per finding, each on its own line' '
	cd "$TRASH/work" &&
	llm_set --sub "strc" "strnc" &&
	scan_json --no-cache &&
	python3 - "$TRASH/scan.json" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	assert len(fs) == 3, fs
	for f in fs:
	    assert f["fix"] and f["fix"]["origin"] == "llm", f
	    assert f["fix"]["start_line"] == f["start_line"], f
	EOF
'

test_expect_success 'fixes of the same lines: the first applied, the second refused' '
	cd "$TRASH/work" &&
	llm_set --fix-lines 5 7 --replacement "$(printf "\tstrcpy(d, a);\n\tstrcat(d, b);\n\tstrcat(d, c);")" &&
	cat >"$TRASH/s" <<-\EOF &&
	expect \(1/3\) Apply this fix
	line y
	expect \(2/3\) Apply this fix
	line y
	expect \(3/3\) Apply this fix
	line n
	expect summary:
	EOF
	(
		unset PUSHFIX_TTY PUSHFIX_UI_INTERACTIVE CI
		PUSHFIX_NO_CACHE=1 python3 "$STANDINS/pty_drive.py" \
			--script "$TRASH/s" --log "$TRASH/log" --timeout 60 \
			-- git push origin main
	) ;
	sed -e "s/\x1b\[[0-9;]*m//g" -e "s/\r$//" "$TRASH/log" >"$TRASH/out" &&
	expect_grep "near.c. lines 5-7 overlap a change applied earlier in this" "$TRASH/out" &&
	expect_grep "summary: 1 applied" "$TRASH/out" &&
	expect_grep "strcat(d, c);" near.c &&
	git checkout near.c
'

test_expect_success 'preview shows the grouped request' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" preview origin/main..HEAD >"$TRASH/preview.json" &&
	python3 - "$TRASH/preview.json" <<-\EOF
	import json, sys
	rs = json.load(open(sys.argv[1]))
	assert [r["findings"] for r in rs] == [[1, 2, 3]], rs
	EOF
'

test_done
