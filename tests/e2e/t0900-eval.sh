#!/bin/sh
# `pushfix eval`: the real flawfinder and the stand-in LLM over the
# project's own labelled programs (tests/fixtures/eval): the figures, what
# the model is (not) shown, the cache making a rerun free, bad files
# listed and skipped, an LLM that stops answering, the JSONL format.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-llm.sh"

EVAL=$SRC/tests/fixtures/eval
export XDG_CACHE_HOME=$TRASH/cache

test_expect_success 'setup' '
	command -v flawfinder
'

start_llm llm

# eval_json ARGS...: the JSON figures into $TRASH/eval.json.
eval_json() {
	(cd "$TRASH" && "$PUSHFIX_BIN" eval "$@" --json) >"$TRASH/eval.json" \
		2>"$TRASH/eval.err"
}

# check_eval 'python expression over d, the figures'
check_eval() {
	python3 - "$TRASH/eval.json" "$1" <<-\PY
	import json, sys
	d = json.load(open(sys.argv[1]))
	t, s, fx, rq = d["triage"], d["scanner_figures"], d["fixes"], d["requests"]
	if not eval("(" + sys.argv[2] + ")"):
	    print(json.dumps(d, indent=1))
	    sys.exit(1)
	PY
}

test_expect_success 'the figures of the own set: scanner, triage, requests' '
	eval_json "$EVAL/castle" &&
	check_eval "d[\"pushfix\"] and d[\"prompt_version\"] == \"pushfix-triage-2\"
		and d[\"provider\"] == \"openai\" and d[\"model\"] == \"model-under-test\"
		and d[\"scanner\"] == \"flawfinder\" and len(d[\"dataset\"][\"sha256\"]) == 64
		and d[\"dataset\"][\"programs\"] == 12 and d[\"date\"].endswith(\"Z\")" &&
	check_eval "s == {\"findings\": 21, \"unlabelled\": 0, \"true_positives\": 6,
		\"false_positives\": 15, \"labelled_lines\": 6, \"labelled_lines_found\": 6}" &&
	check_eval "t[\"confusion\"][\"labelled_tp\"] == {\"said_tp\": 6, \"said_fp\": 0,
		\"uncertain\": 0, \"not_triaged\": 0}
		and t[\"confusion\"][\"labelled_fp\"][\"said_tp\"] == 15
		and t[\"triaged\"] == 21 and abs(t[\"accuracy\"] - 6 / 21) < 1e-9
		and t[\"fp_call_precision\"] is None and t[\"fp_caught\"] == 0
		and t[\"tp_kept\"] == 1 and t[\"uncertain_rate\"] == 0" &&
	check_eval "[c[\"cwe\"] for c in d[\"per_cwe\"]] == [78, 120, 134, 242, 362]
		and sum(c[\"findings\"] for c in d[\"per_cwe\"]) == 21" &&
	# 21 findings, 12 requests: findings of one program whose snippets
	# overlap share one request (issue 11)
	check_eval "rq[\"sent\"] == 12 and rq[\"failed\"] == 0
		and rq[\"tokens_in\"] == 120 and rq[\"tokens_out\"] == 120
		and rq[\"latency_p95_ms\"] >= rq[\"latency_median_ms\"] > 0
		and rq[\"cost\"] is None" &&
	test "$(llm_requests)" = 12
'

test_expect_success 'the model is never shown the labels' '
	! grep -q "vulnerable" "$LLM_LOG" &&
	! grep -q "cwe120\|cwe78" "$LLM_LOG" &&
	! grep -q "{!LINE}" "$LLM_LOG" &&
	! grep -q "cwe: " "$LLM_LOG" &&
	grep -q "strcpy(name, argv\[1\]);" "$LLM_LOG"
'

test_expect_success 'a rerun costs nothing: every answer from the cache' '
	eval_json "$EVAL/castle" &&
	test "$(llm_requests)" = 12 &&
	check_eval "rq[\"sent\"] == 0 and t[\"cached\"] == 21 and t[\"triaged\"] == 21"
'

test_expect_success 'the table names what each share rests on' '
	(cd "$TRASH" && "$PUSHFIX_BIN" eval "$EVAL/castle") >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^pushfix .* eval, .*: 12 programs, 0 skipped; dataset sha256 " "$TRASH/out" &&
	expect_grep "^scanner flawfinder; LLM openai model-under-test, prompt pushfix-triage-2" "$TRASH/out" &&
	expect_grep "precision 6/21 (28.6%)  recall (labelled lines found) 6/6 (100.0%)" "$TRASH/out" &&
	expect_grep "^triage: 21 labelled findings, 21 triaged, 0 not triaged, 21 from the cache" "$TRASH/out" &&
	expect_grep "accuracy 6/21 (28.6%)" "$TRASH/out" &&
	expect_grep "FPs caught 0/15 (0.0%)  TPs kept 6/6 (100.0%)" "$TRASH/out" &&
	expect_grep "^  CWE-134          2    1    1  1/2 (50.0%)" "$TRASH/out" &&
	expect_grep "^requests: 0 sent" "$TRASH/out" &&
	test ! -s "$TRASH/err"
'

test_expect_success '[llm] price_in/price_out: the cost' '
	PUSHFIX_LLM_PRICE_IN=2.5 PUSHFIX_LLM_PRICE_OUT=10 eval_json "$EVAL/castle" --no-cache &&
	check_eval "rq[\"sent\"] == 12 and abs(rq[\"cost\"] - (120 * 2.5 + 120 * 10) / 1e6) < 1e-12"
'

test_expect_success '--limit: the first programs only' '
	eval_json "$EVAL/castle" --limit 2 &&
	check_eval "d[\"dataset\"][\"programs\"] == 2 and s[\"findings\"] == 4
		and s[\"labelled_lines\"] == 1"
'

test_expect_success 'fixes: offered, verified, compiling, marked line gone' '
	llm_set --replacement "$(printf "\tputs(\"fixed\");")" &&
	eval_json "$EVAL/castle" --limit 1 --no-cache &&
	check_eval "fx[\"offered\"] == 2 and fx[\"on_true_positives\"] == 1
		and fx[\"marked_line_gone\"] == 1" &&
	if command -v cc >/dev/null; then
		check_eval "fx[\"compile_checked\"] == 2 and fx[\"compiling\"] == 1"
	fi &&
	llm_set
'

test_expect_success 'bad files are listed and skipped' '
	eval_json "$EVAL/bad" &&
	expect_grep "^pushfix: eval: skipped unlabelled.c: no label" "$TRASH/eval.err" &&
	expect_grep "^pushfix: eval: skipped nomark.c: vulnerable: true but no line marked {!LINE}" "$TRASH/eval.err" &&
	expect_grep "^pushfix: eval: skipped nocwe.c: no cwe: N in the header" "$TRASH/eval.err" &&
	check_eval "d[\"dataset\"][\"programs\"] == 1 and len(d[\"dataset\"][\"skipped\"]) == 3
		and s[\"findings\"] == 2"
'

test_expect_success 'a dataset with no findings says so' '
	mkdir -p "$TRASH/quiet" &&
	printf "/*\nvulnerable: false\ncwe: 1\n*/\nint zero(void) { return 0; }\n" \
		>"$TRASH/quiet/zero.c" &&
	(cd "$TRASH" && "$PUSHFIX_BIN" eval quiet) >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^no findings: the scanner reported nothing on this dataset" "$TRASH/out"
'

test_expect_success 'nothing labelled, no dataset, no argument: errors' '
	mkdir -p "$TRASH/empty" &&
	{ (cd "$TRASH" && "$PUSHFIX_BIN" eval empty) 2>"$TRASH/err"; test $? = 2; } &&
	expect_grep "^error: no labelled program in .empty. (0 skipped)" "$TRASH/err" &&
	{ "$PUSHFIX_BIN" eval "$TRASH/nowhere" 2>"$TRASH/err"; test $? = 2; } &&
	expect_grep "^error: no dataset at " "$TRASH/err" &&
	{ "$PUSHFIX_BIN" eval 2>"$TRASH/err"; test $? = 2; } &&
	expect_grep "^error: which dataset?" "$TRASH/err" &&
	expect_grep "^usage: pushfix eval <dataset>" "$TRASH/err"
'

test_expect_success 'an LLM that stops answering: the rest counted as not triaged' '
	llm_set --behaviour 500 &&
	eval_json "$EVAL/castle" --no-cache &&
	expect_grep "^pushfix: LLM: .*left untriaged" "$TRASH/eval.err" &&
	check_eval "t[\"not_triaged\"] == 21 and t[\"triaged\"] == 0
		and t[\"accuracy\"] is None and s[\"findings\"] == 21" &&
	(cd "$TRASH" && "$PUSHFIX_BIN" eval "$EVAL/castle" --limit 1 --no-cache) \
		>"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "^  2 not triaged: the figures above rest on the 0 triaged" "$TRASH/out" &&
	expect_grep "accuracy -  uncertain -" "$TRASH/out" &&
	llm_set
'

test_expect_success 'JSONL: labelled findings, paths under --root' '
	cp -R "$EVAL/jsonl" "$TRASH/j" && mv "$TRASH/j/labels.jsonl" "$TRASH/labels.jsonl" &&
	eval_json labels.jsonl --root j &&
	check_eval "d[\"dataset\"][\"format\"] == \"jsonl\" and d[\"dataset\"][\"programs\"] == 1
		and s[\"findings\"] == 2 and s[\"true_positives\"] == 1
		and s[\"false_positives\"] == 1 and d[\"per_cwe\"][0][\"cwe\"] == 120" &&
	expect_grep "skipped .*labels.jsonl:3: \"line\" is not a line number" "$TRASH/eval.err"
'

test_expect_success 'JSONL: a finding no record labels is counted, not sent' '
	head -n 1 "$TRASH/labels.jsonl" >"$TRASH/one.jsonl" &&
	n=$(llm_requests) &&
	eval_json one.jsonl --root j --no-cache &&
	check_eval "s[\"findings\"] == 2 and s[\"unlabelled\"] == 1
		and s[\"true_positives\"] == 1 and t[\"findings\"] == 1
		and rq[\"sent\"] == 1" &&
	test "$(llm_requests)" = "$((n + 1))"
'

test_expect_success '--compare-raw without a terminal: refused, nothing sent' '
	n=$(llm_requests) &&
	{ eval_json "$EVAL/castle" --compare-raw </dev/null; test $? = 2; } &&
	expect_grep "NOT anonymised: its code lines, file path, rule and message as they are, to http://127.0.0.1:$LLM_PORT/v1/chat/completions (openai, model model-under-test)" "$TRASH/eval.err" &&
	expect_grep "^error: --compare-raw: no terminal to ask on; add --yes" "$TRASH/eval.err" &&
	test "$(llm_requests)" = "$n"
'

test_expect_success '--compare-raw --yes: each finding asked raw too, verdicts compared' '
	n=$(llm_requests) &&
	! grep -q "p000001.c" "$LLM_LOG" &&
	eval_json "$EVAL/castle" --compare-raw --yes </dev/null &&
	check_eval "d[\"compare_raw\"] == {\"asked\": 21, \"answered\": 21,
		\"agree\": 21, \"agreement\": 1}" &&
	test "$(llm_requests)" = "$((n + 21))" &&
	grep -q "p000001.c" "$LLM_LOG" &&
	! grep -q "cwe120" "$LLM_LOG" &&
	test "$(grep -c "p000001.c" "$XDG_CACHE_HOME/pushfix/eval/sent.log")" -ge 2 &&
	eval_json "$EVAL/castle" --compare-raw --yes </dev/null &&
	test "$(llm_requests)" = "$((n + 21))"
'

test_expect_success 'make eval: the own set against a stand-in of its own' '
	PUSHFIX_BIN="$PUSHFIX_BIN" sh "$SRC/tests/eval/standin.sh" >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "12 programs, 0 skipped" "$TRASH/out" &&
	expect_grep "precision 6/21 (28.6%)  recall (labelled lines found) 6/6 (100.0%)" "$TRASH/out" &&
	expect_grep "^fixes: 19 offered, 0 verified by re-scan, 0 refused" "$TRASH/out" &&
	expect_grep "marked line gone 0/4 (0.0%)" "$TRASH/out"
'

test_expect_success 'pushfix help lists eval; eval --help' '
	"$PUSHFIX_BIN" --help >"$TRASH/out" &&
	expect_grep "^  eval " "$TRASH/out" &&
	"$PUSHFIX_BIN" eval --help >"$TRASH/out" &&
	expect_grep "^usage: pushfix eval <dataset>" "$TRASH/out" &&
	expect_grep "limit <n>" "$TRASH/out"
'

test_done
