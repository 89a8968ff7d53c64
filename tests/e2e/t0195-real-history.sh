#!/bin/sh
# Issue 11 on real history: the first 150 commits of cJSON (a real C
# project, MIT; tests/fixtures/repos/cjson-150.bundle, see PROVENANCE.md)
# pushed in one go through the hook, with the real flawfinder and the LLM
# stand-in.  What a newcomer saw before: findings in README prose, every
# finding of a big push sent to the LLM.  Now: flawfinder is given only the
# C files, the summary says what no scanner read, at most [llm]
# max_findings findings go out, overlapping ones share a request, and the
# requests hold cJSON's code as written minus its authors' names.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

BUNDLE=$SRC/tests/fixtures/repos/cjson-150.bundle
# The first commit of cJSON's first-parent history, "here it is, cJSON 1.0"
# is the other root; this one is on the remote before the push.
ROOT=fc0df31a18b6acdcd01a4507060287097a50b4f4
TIP=7f9a2691bf25e8e33e8b3b0d79365dfb93408f4a
export PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}"

test_expect_success 'setup: cJSON cloned, its root on the remote, the hook installed' '
	command -v flawfinder &&
	rm -rf "$TRASH/origin.git" "$TRASH/work" &&
	git init -q --bare "$TRASH/origin.git" &&
	git clone -q "$BUNDLE" "$TRASH/work" 2>/dev/null &&
	cd "$TRASH/work" &&
	git checkout -q -b main "$TIP" &&
	git remote set-url origin "$TRASH/origin.git" &&
	git push -q --no-verify origin "$ROOT:refs/heads/main" &&
	test "$(git rev-list --count "$ROOT..main")" = 149 &&
	sh "$SRC/install.sh" --bin "$PUSHFIX_BIN" --no-deps --no-build --repo . >/dev/null
'

test_expect_success 'git push of 149 commits: the coverage line, findings in C files only' '
	cd "$TRASH/work" &&
	PUSHFIX_LLM_PROVIDER=none git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "^pushfix: [0-9]* findings on the pushed lines (149 commits, [0-9]* added lines in 18 files, 6 scanned by flawfinder, 12 read by no scanner: .* README" "$TRASH/err" &&
	# every finding shown is in a file flawfinder reads
	sed -n "s/^  \([^ ]*\):[0-9]*$/\1/p" "$TRASH/err" | sort -u >"$TRASH/paths" &&
	test -s "$TRASH/paths" &&
	! grep -v "\.[ch]$" "$TRASH/paths"
'

start_llm llm

test_expect_success 'with an LLM: max_findings go out, in fewer requests, without the authors' '
	cd "$TRASH/work" &&
	SCAN_RANGE=$ROOT..main scan_json --no-cache &&
	python3 - "$TRASH/scan.json" <<-\EOF &&
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	assert len(fs) > 40, len(fs)
	sent = [f for f in fs if f["triage"] and f["triage"]["verdict"] != "none"]
	capped = [f for f in fs if f["triage"] and "max_findings" in (f["triage"]["error"] or "")]
	assert len(sent) == 20, len(sent)
	assert len(capped) == len(fs) - 20, (len(capped), len(fs))
	order = ["CRITICAL", "ERROR", "WARNING", "LOW", "INFO", "UNKNOWN"]
	worst_capped = min(order.index(f["severity"]) for f in capped)
	assert all(order.index(f["severity"]) <= worst_capped for f in sent)
	EOF
	n=$(llm_requests) &&
	test "$n" -ge 1 && test "$n" -lt 20 &&
	expect_no_grep "Gamble" "$LLM_LOG" &&
	expect_no_grep "Bruckner" "$LLM_LOG" &&
	grep -q "static void\|void \*\|(void)" "$LLM_LOG" &&
	grep -q "sprintf(\|strcpy(" "$LLM_LOG"
'

test_done
