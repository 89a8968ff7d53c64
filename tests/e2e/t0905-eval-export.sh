#!/bin/sh
# `pushfix eval --export DIR` (issue 16): the developer's own decisions at
# the prompt become a labelled JSONL dataset with the files as they were
# scanned, and `pushfix eval` measures the triage on it.  Real flawfinder,
# the LLM stand-in, answers from PUSHFIX_TTY through real pushes.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-llm.sh"
. "$SRC/tests/e2e/lib-ui.sh"

# lib-ui.sh set up Semgrep; these tests use flawfinder, like lib-llm.sh.
export PUSHFIX_SCAN_ENGINE=sarif
export PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}"
unset FAKE_SEMGREP_FIXTURE PUSHFIX_SCAN_SEMGREP_CONFIG
export XDG_CACHE_HOME=$TRASH/cache
# A fix applied at the prompt lets the push go on.
export PUSHFIX_POLICY_AFTER_FIX=continue

FLOG=$TRASH/work/.git/pushfix/findings.log

# Two more files flawfinder flags, each on line 5: a format string
# (CWE-134) and a shell command (CWE-78).
fmt_c() {
	printf '#include <stdio.h>\n\nvoid say(const char *msg)\n{\n\tprintf(msg);\n}\n'
}
run_c() {
	printf '#include <stdlib.h>\n\nint run(const char *cmd)\n{\n\treturn system(cmd);\n}\n'
}

# check_jsonl FILE 'python expression over rs, the records'
check_jsonl() {
	python3 - "$1" "$2" <<-\PY
	import json, sys
	rs = [json.loads(l) for l in open(sys.argv[1])]
	if not eval("(" + sys.argv[2] + ")"):
	    print(json.dumps(rs, indent=1))
	    sys.exit(1)
	PY
}

test_expect_success 'setup: a push of three flagged calls' '
	command -v flawfinder &&
	setup_llm_repo &&
	fmt_c >src/fmt.c && run_c >src/run.c &&
	git add src && git commit -q -m "say and run" &&
	cp src/copy.c "$TRASH/copy.pushed"
'

start_llm llm

test_expect_success 'nothing decided yet: nothing to export, nothing made' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" eval --export "$TRASH/none" >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^nothing to export: no finding of this repository was fixed, ignored, or agreed or disagreed with (0 finding records read)$" \
		"$TRASH/out" &&
	test ! -e "$TRASH/none"
'

test_expect_success 'the push: y applies a fix, + agrees, i ignores' '
	cd "$TRASH/work" &&
	llm_set --replacement "$GOOD_FIX" &&
	printf "y\n+\nn\ni\n" >"$TRASH/answers" &&
	PUSHFIX_TTY="$TRASH/answers" git push origin main 2>"$TRASH/err" &&
	expect_grep "^summary: 1 applied, 1 skipped, 1 ignored" "$TRASH/err" &&
	pushed &&
	! cmp -s "$TRASH/copy.pushed" src/copy.c &&
	expect_grep "\"answer\":\"applied\"" "$FLOG" &&
	expect_grep "\"answer\":\"ignored\"" "$FLOG" &&
	expect_grep "\"feedback\":\"agree\"" "$FLOG"
'

test_expect_success 'export: labels from the answers, files as pushed' '
	cd "$TRASH/work" &&
	git commit -q -am "the fix" &&
	sent=$(llm_requests) &&
	"$PUSHFIX_BIN" eval --export "$TRASH/ex" >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^exported 3 labelled findings (2 true positives, 1 false positive) to $TRASH/ex/findings.jsonl$" \
		"$TRASH/out" &&
	expect_grep "^$TRASH/ex/files holds 3 files of your code as they were when scanned: it stays on this machine; share it as you would the code$" \
		"$TRASH/out" &&
	expect_grep "^hint: measure on it: pushfix eval $TRASH/ex/findings.jsonl --root $TRASH/ex/files$" \
		"$TRASH/out" &&
	test ! -s "$TRASH/err" &&
	check_jsonl "$TRASH/ex/findings.jsonl" "
		[(r[\"path\"], r[\"line\"], r[\"label\"], r[\"decision\"], r[\"cwe\"])
		 for r in rs] == [
		 (\"src/copy.c\", 6, \"true_positive\", \"applied\", 120),
		 (\"src/fmt.c\", 5, \"true_positive\", \"agree\", 134),
		 (\"src/run.c\", 5, \"false_positive\", \"ignored\", 78)]
		and all(r[\"rule_id\"].startswith(\"FF\") for r in rs)" &&
	# the file as pushed, not as fixed in the working tree since
	cmp "$TRASH/copy.pushed" "$TRASH/ex/files/src/copy.c" &&
	fmt_c | cmp - "$TRASH/ex/files/src/fmt.c" &&
	test "$(stat -c %a "$TRASH/ex/files/src/copy.c")" = 600 &&
	# an export sends nothing
	test "$(llm_requests)" = "$sent"
'

test_expect_success 'eval on the export: the labels reproduce, figures on 3' '
	cd "$TRASH" &&
	llm_set --verdict true_positive &&
	"$PUSHFIX_BIN" eval "$TRASH/ex/findings.jsonl" --root "$TRASH/ex/files" \
		--json >"$TRASH/eval.json" 2>"$TRASH/eval.err" &&
	python3 - "$TRASH/eval.json" <<-\PY &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	s, t = d["scanner_figures"], d["triage"]
	# copy.c line 11 (char name[64]) was never pushed, never decided
	assert s["unlabelled"] == 1 and s["true_positives"] == 2, s
	assert s["false_positives"] == 1, s
	assert t["confusion"]["labelled_tp"]["said_tp"] == 2, t
	assert t["confusion"]["labelled_fp"]["said_tp"] == 1, t
	assert t["triaged"] == 3, t
	PY
	"$PUSHFIX_BIN" eval "$TRASH/ex/findings.jsonl" --root "$TRASH/ex/files" \
		>"$TRASH/table" 2>"$TRASH/eval.err" &&
	expect_grep "^triage: 3 labelled findings, 3 triaged" "$TRASH/table" &&
	expect_grep "^  labelled TP  *2  *0  *0  *0$" "$TRASH/table" &&
	expect_grep "^  labelled FP  *1  *0  *0  *0$" "$TRASH/table"
'

test_expect_success 'a non-empty DIR, a dataset or --json: refused' '
	cd "$TRASH/work" &&
	test_must_fail_2() { "$@"; test $? = 2; } &&
	test_must_fail_2 "$PUSHFIX_BIN" eval --export "$TRASH/ex" 2>"$TRASH/err" &&
	expect_grep "^error: .$TRASH/ex. is not empty: export into a new directory$" \
		"$TRASH/err" &&
	test_must_fail_2 "$PUSHFIX_BIN" eval --export "$TRASH/new" --json 2>"$TRASH/err" &&
	expect_grep "^error: --export takes no dataset and no option but --since$" \
		"$TRASH/err" &&
	test_must_fail_2 "$PUSHFIX_BIN" eval x.jsonl --since 3 2>"$TRASH/err" &&
	expect_grep "^error: --since goes with --export$" "$TRASH/err" &&
	test ! -e "$TRASH/new" &&
	# outside a repository
	(cd "$TRASH" && test_must_fail_2 "$PUSHFIX_BIN" eval --export "$TRASH/new") \
		2>"$TRASH/err" &&
	expect_grep "^error: not a git repository" "$TRASH/err"
'

test_expect_success 'a later disagree wins, counted; a bad line is named' '
	cd "$TRASH/work" &&
	set -- $(python3 -c "import json,sys
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r.get(\"answer\") == \"applied\": print(r[\"fingerprint\"], r[\"ts\"])" "$FLOG") &&
	fp=$1 ts=$(($2 + 1)) &&
	test -n "$fp" &&
	n=$(wc -l <"$FLOG") &&
	echo "{not json" >>"$FLOG" &&
	printf "{\"type\":\"feedback\",\"ts\":%s,\"fingerprint\":\"%s\",\"feedback\":\"disagree\",\"forge\":\"github\",\"reply\":\"1\"}\n" \
		"$ts" "$fp" >>"$FLOG" &&
	"$PUSHFIX_BIN" eval --export "$TRASH/ex2" >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^pushfix: eval: skipped .*/findings.log line $((n + 1)): not a JSON object$" \
		"$TRASH/err" &&
	expect_grep "^exported 3 labelled findings (1 true positive, 2 false positives)" \
		"$TRASH/out" &&
	expect_grep "^1 finding had conflicting labels: the latest decision kept$" \
		"$TRASH/out" &&
	expect_grep "^1 unreadable record line skipped$" "$TRASH/out" &&
	check_jsonl "$TRASH/ex2/findings.jsonl" "
		rs[0][\"path\"] == \"src/copy.c\" and
		rs[0][\"label\"] == \"false_positive\" and
		rs[0][\"decision\"] == \"disagree\""
'

# The disagree above is stamped a second after the push: two seconds
# pass, so that "since now" leaves it out however fast this runs.
test_expect_success '--since leaves older decisions out' '
	cd "$TRASH/work" &&
	sleep 2 &&
	"$PUSHFIX_BIN" eval --export "$TRASH/ex3" --since 0 >"$TRASH/out" &&
	expect_grep "^nothing to export: .* in the time asked" "$TRASH/out" &&
	"$PUSHFIX_BIN" eval --export "$TRASH/ex3" --since 1 >"$TRASH/out" &&
	expect_grep "^exported 3 labelled findings" "$TRASH/out"
'

test_expect_success 'a file gone from the repository: skipped, said, counted' '
	cd "$TRASH/work" &&
	git checkout -q -b gone &&
	printf "#include <string.h>\nvoid g(char *d, const char *s)\n{\n\tstrcat(d, s);\n}\n" >src/gone.c &&
	git add src/gone.c && git commit -q -m gone &&
	printf "i\n" >"$TRASH/answers" &&
	PUSHFIX_TTY="$TRASH/answers" git push -q origin gone 2>"$TRASH/err" &&
	expect_grep "^summary: 0 applied, 0 skipped, 1 ignored" "$TRASH/err" &&
	git checkout -q main &&
	git push -q --no-verify origin :gone &&
	git branch -q -D gone &&
	git reflog expire --expire=now --all &&
	git gc -q --prune=now &&
	rm -rf "$TRASH/ex4" &&
	"$PUSHFIX_BIN" eval --export "$TRASH/ex4" >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^pushfix: eval: skipped src/gone.c:4 (FF[0-9]*): its file as scanned (blob [0-9a-f]\{12\}) is not in this repository (gc.ed, or found in another clone)$" \
		"$TRASH/err" &&
	expect_grep "^1 finding not exported: 1 whose file is no longer in this repository, 0 with no record of its file$" \
		"$TRASH/out" &&
	expect_grep "^exported 3 labelled findings" "$TRASH/out"
'

test_done
