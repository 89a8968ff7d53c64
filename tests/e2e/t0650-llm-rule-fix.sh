#!/bin/sh
# A rule's own fix (Semgrep extra.fix) is offered as is, marked as the
# rule's, and an LLM fix never replaces it; the LLM still triages.  With
# provider none nothing is sent and the rule's fix is still there.  The
# scanner is the replaying semgrep stand-in with a recorded autofix run.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"
export PUSHFIX_SCAN_ENGINE=semgrep
unset PUSHFIX_SCAN_COMMAND

test_expect_success 'setup: a pushed file with two findings that carry a rule fix' '
	setup_repo &&
	mkdir -p lib && cp "$AF_SRC" lib/autofix.py && git add lib/autofix.py &&
	git commit -q -m autofix
'

start_llm llm

test_expect_success 'the rule fix stays, the LLM triages' '
	cd "$TRASH/work" &&
	llm_set --replacement "    pass" --verdict true_positive &&
	scan_json &&
	# lines 5 and 6 of one file: one request for both (issue 11)
	test "$(llm_requests)" = 1 &&
	python3 - "$TRASH/scan.json" <<-\EOF
	import json, sys
	fs = [f for f in json.load(open(sys.argv[1]))["findings"]
	      if f["path"] == "lib/autofix.py"]
	assert sorted(f["start_line"] for f in fs) == [5, 6], fs
	for f in fs:
	    assert f["fix"]["origin"] == "rule", f["fix"]
	    assert f["fix"]["state"] == "unchecked", f["fix"]
	    assert "pass" not in f["fix"]["replacement"], f["fix"]
	    assert f["triage"]["verdict"] == "true_positive", f["triage"]
	EOF
'

test_expect_success 'provider none: nothing sent, the rule fix still offered' '
	cd "$TRASH/work" &&
	llm_set &&
	PUSHFIX_LLM_PROVIDER=none scan_json &&
	test "$(llm_requests)" = 0 &&
	python3 - "$TRASH/scan.json" <<-\EOF
	import json, sys
	fs = [f for f in json.load(open(sys.argv[1]))["findings"]
	      if f["path"] == "lib/autofix.py"]
	assert len(fs) == 2, fs
	for f in fs:
	    assert f["fix"]["origin"] == "rule", f["fix"]
	    assert f["triage"] is None, f["triage"]
	EOF
'

test_done
