#!/bin/sh
# Review of per-rule modes (issue 15 item 2): a rule in [rules] monitor is
# recorded and counted, never shown.  The re-scan that verifies a fix
# must not name it either, nor count it against the fix.  Real
# flawfinder; the stand-in plays the LLM.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

unset PUSHFIX_POLICY_BLOCK PUSHFIX_RULES_BLOCK PUSHFIX_RULES_COMMENT \
	PUSHFIX_RULES_MONITOR
export CI=true

test_expect_success 'setup: a pushed strcpy that flawfinder flags' '
	command -v flawfinder &&
	setup_llm_repo
'

start_llm llm

FIX=$(printf "\tsnprintf(dst, 64, \"%%s\", src);")

test_expect_success 'unmonitored, the fix brings FF1019: unverified (as t0630)' '
	cd "$TRASH/work" &&
	llm_set --replacement "$FIX" &&
	scan_json --no-cache &&
	check_finding "f[\"fix\"][\"state\"] == \"unverified\" and
		\"new finding FF1019\" in f[\"fix\"][\"note\"]"
'

test_expect_success 'FF1019 monitored: the fix is verified, the rule never named' '
	cd "$TRASH/work" &&
	llm_set --replacement "$FIX" &&
	PUSHFIX_RULES_MONITOR=FF1019 scan_json --no-cache &&
	check_finding "f[\"fix\"][\"state\"] == \"verified\" and
		not f[\"fix\"].get(\"note\")" &&
	expect_no_grep FF1019 "$TRASH/scan.json" &&
	expect_no_grep FF1019 "$TRASH/scan.err"
'

test_done
