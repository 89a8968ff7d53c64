#!/bin/sh
# Honest fixes (issue 13): a "fix" that changes nothing (the flagged line
# again, perhaps with trailing white space) is no fix: not offered, not
# applied, not counted, the push not stopped as after_fix, JSON fix null
# with a note; an edited fix (`e`, $EDITOR) is re-scanned and said to be
# verified or unverified.  Real flawfinder, the LLM stand-in, a real pty.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-llm.sh"
. "$SRC/tests/e2e/lib-ui.sh"

# lib-ui.sh set up Semgrep; these tests use flawfinder, like lib-llm.sh.
export PUSHFIX_SCAN_ENGINE=sarif
export PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}"
unset FAKE_SEMGREP_FIXTURE PUSHFIX_SCAN_SEMGREP_CONFIG

P='\(1/1\) Apply this fix \[y,n,a,d,i,e,\+,-,p,q,\?\]\? '
NOFIX='\(1/1\) No fix; next \[n,d,i,e,\+,-,p,q,\?\]\? '
SAME=$(printf '\tstrcpy(dst, src);')

test_expect_success 'setup' '
	command -v flawfinder
'

start_llm llm

fresh() {
	setup_llm_repo &&
	cp src/copy.c "$TRASH/copy.orig"
}

test_expect_success 'JSON: a fix equal to the line is null, with a note' '
	fresh &&
	for repl in "$SAME" "$SAME   " "$(printf "%s\t" "$SAME")"; do
		llm_set --replacement "$repl" &&
		scan_json --no-cache &&
		check_finding "f[\"fix\"] is None and
			f[\"triage\"][\"verdict\"] == \"true_positive\" and
			f[\"triage\"][\"reason\"] and
			f[\"triage\"][\"note\"] ==
			\"the suggested fix changes nothing\"" || return 1
	done &&
	# the text report says so too
	"$PUSHFIX_BIN" scan origin/main..HEAD --no-cache >"$TRASH/text" 2>&1 &&
	expect_grep "no fix: the suggested fix changes nothing" "$TRASH/text" &&
	# SARIF: no fixes, the note in the properties
	"$PUSHFIX_BIN" scan origin/main..HEAD --no-cache --format sarif \
		>"$TRASH/out.sarif" 2>/dev/null &&
	python3 - "$TRASH/out.sarif" <<-\EOF
	import json, sys
	rs = json.load(open(sys.argv[1]))["runs"][0]["results"]
	r = [r for r in rs if r["locations"][0]["physicalLocation"]
	     ["region"]["startLine"] == 6][0]
	assert "fixes" not in r, r
	assert r["properties"]["fixNote"] == \
	    "the suggested fix changes nothing", r
	EOF
'

test_expect_success 'push: nothing offered, y applies nothing, the push goes on' '
	fresh &&
	llm_set --replacement "$SAME  " &&
	cat >"$TRASH/s" <<-EOF &&
	expect $NOFIX
	line y
	expect $NOFIX
	line a
	expect summary:
	EOF
	PUSHFIX_NO_CACHE=1 push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  triage: true positive, confidence 0.90" "$TRASH/out" &&
	expect_grep "^  fix: none: the suggested fix changes nothing$" "$TRASH/out" &&
	expect_no_grep "Apply this fix" "$TRASH/out" &&
	expect_no_grep "applied the fix" "$TRASH/out" &&
	expect_grep "there is no fix to apply" "$TRASH/out" &&
	expect_grep "^summary: 0 applied, 1 skipped, 0 ignored; 1 still open$" "$TRASH/out" &&
	expect_no_grep "after_fix" "$TRASH/out" &&
	cmp "$TRASH/copy.orig" src/copy.c &&
	pushed
'

test_expect_success 'answers from PUSHFIX_TTY: a applies nothing, after_fix = stop does not stop' '
	fresh &&
	llm_set --replacement "$SAME" &&
	printf "a\n" >"$TRASH/answers" &&
	PUSHFIX_NO_CACHE=1 PUSHFIX_POLICY_AFTER_FIX=stop \
		PUSHFIX_TTY="$TRASH/answers" git push origin main 2>"$TRASH/err" &&
	expect_grep "fix: none: the suggested fix changes nothing" "$TRASH/err" &&
	expect_no_grep "applied the fix" "$TRASH/err" &&
	expect_grep "^summary: 0 applied, 1 skipped" "$TRASH/err" &&
	cmp "$TRASH/copy.orig" src/copy.c &&
	pushed
'

# An editor that puts the bounded copy over what it is given.
write_editor() {
	cat >"$TRASH/ed-good.sh" <<-EOF &&
	#!/bin/sh
	printf "%s\n" "$GOOD_FIX" >"\$1"
	EOF
	cat >"$TRASH/ed-bad.sh" <<-EOF &&
	#!/bin/sh
	printf "%s\n" "$BAD_FIX" >"\$1"
	EOF
	cat >"$TRASH/ed-same.sh" <<-EOF &&
	#!/bin/sh
	printf "%s  \n" "$SAME" >"\$1"
	EOF
	chmod +x "$TRASH/ed-good.sh" "$TRASH/ed-bad.sh" "$TRASH/ed-same.sh"
}

test_expect_success 'e: an edit the re-scan clears is verified, then applied' '
	fresh &&
	write_editor &&
	llm_set --replacement "$BAD_FIX" &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P
	line e
	expect summary:
	EOF
	! PUSHFIX_NO_CACHE=1 EDITOR="$TRASH/ed-good.sh" push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  your edited fix: verified$" "$TRASH/out" &&
	expect_grep "^  applied your edited fix to src/copy.c:6$" "$TRASH/out" &&
	test "$(sed -n 6p src/copy.c)" = "$GOOD_FIX"
'

test_expect_success 'e: an edit that keeps the strcpy is unverified, saying why' '
	fresh &&
	write_editor &&
	llm_set --replacement "$GOOD_FIX" &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P
	line e
	expect summary:
	EOF
	! PUSHFIX_NO_CACHE=1 EDITOR="$TRASH/ed-bad.sh" push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  your edited fix: unverified: the re-scan still reports FF1001" "$TRASH/out" &&
	expect_grep "^  applied your edited fix to src/copy.c:6$" "$TRASH/out" &&
	test "$(sed -n 6p src/copy.c)" = "$BAD_FIX"
'

test_expect_success 'e: an edit that changes nothing is skipped, the push goes on' '
	fresh &&
	write_editor &&
	llm_set --replacement "$GOOD_FIX" &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P
	line e
	expect summary:
	EOF
	PUSHFIX_NO_CACHE=1 EDITOR="$TRASH/ed-same.sh" push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_grep "^  your edit changes nothing: skipped$" "$TRASH/out" &&
	expect_no_grep "applied your edited fix" "$TRASH/out" &&
	expect_grep "^summary: 0 applied, 1 skipped" "$TRASH/out" &&
	cmp "$TRASH/copy.orig" src/copy.c &&
	pushed
'

test_done
