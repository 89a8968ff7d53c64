#!/bin/sh
# Hostile input around the LLM (issue 10, items 4, 6 and 8), each through
# a real push with the LLM stand-in:
#  - a base64-encoded secret and a password given as a plain argument of a
#    credential-named call (login("admin", "...")) never reach the LLM;
#  - an answer whose fix holds \u0000 is refused, never cut short and
#    offered (cJSON ends its strings at a NUL);
#  - with .git/pushfix read-only, nothing can be recorded in sent.log, so
#    nothing is sent: zero requests, one line saying why.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-llm.sh"

# As root, permissions bind only without CAP_DAC_OVERRIDE.
as_user() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --bounding-set -dac_override,-dac_read_search "$@"
	else
		"$@"
	fi
}

# Encoded secrets and a password given to login(): a SARIF scanner flags
# line 1 and every 5th line of every file, so every line is in a snippet.
B64_40=cGFzc3dvcmQ9YWFhYWFhYWFhYWFhYWFhYWFhYWFh
B64_16=YWRtaW46aHVudGVy
HEX_PW=61646d696e3a68756e74657232
LOGIN_PW=hunter2-Cobalt-Lantern
cat >"$TRASH/every5.py" <<\EOF
import json, sys
results = []
for path in sys.argv[1:]:
    n = open(path, "rb").read().count(b"\n") + 1
    for line in range(1, n + 1, 5):
        results.append({
            "ruleId": "pf-test.every5", "level": "error",
            "message": {"text": "test finding"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": path},
                "region": {"startLine": line, "endLine": line}}}]})
print(json.dumps({"version": "2.1.0", "runs": [{
    "tool": {"driver": {"name": "every5", "rules": []}},
    "results": results}]}))
EOF

test_expect_success 'setup: a pushed strcpy that flawfinder flags' '
	command -v flawfinder &&
	setup_llm_repo
'

start_llm llm

test_expect_success 'a fix holding \u0000 is refused, never offered cut short' '
	cd "$TRASH/work" &&
	python3 - "$TRASH/nul.json" "$GOOD_FIX" <<-\EOF &&
	import json, sys
	json.dump({"replacement": sys.argv[2] + "\u0000 system(src);\n"},
	          open(sys.argv[1], "w"))
	EOF
	grep -q "u0000" "$TRASH/nul.json" &&
	llm_set --script "$TRASH/nul.json" &&
	PUSHFIX_NO_CACHE=1 git push origin main >"$TRASH/push.out" \
		2>"$TRASH/push.err" &&
	test "$(llm_requests)" = 1 &&
	expect_grep "holds a NUL character" "$TRASH/push.err" &&
	expect_no_grep "verified" "$TRASH/push.err" &&
	expect_no_grep "size_t i" "$TRASH/push.err" &&
	git reset -q --hard HEAD &&
	SCAN_RANGE=HEAD~1..HEAD scan_json --no-cache &&
	check_finding "f.get(\"fix\") is None and
		\"NUL\" in f[\"triage\"][\"error\"]"
'

test_expect_success 'encoded secrets and a login() password never reach the LLM' '
	setup_repo enc &&
	cat >client.py <<-EOF &&
	import base64
	CONF = base64.b64decode("$B64_40")
	BLOB = "$B64_16"
	RAW = bytes.fromhex(HEX)  # $HEX_PW

	def main(api):
	    api.login("admin", "$LOGIN_PW")
	    return api.fetch(CONF, BLOB, RAW)
	EOF
	git add client.py && git commit -q -m client &&
	llm_set &&
	# They are secret findings too (t0530): the push stops, and the
	# scanner findings of the other lines still went to the LLM.
	! PUSHFIX_SCAN_COMMAND="python3 $TRASH/every5.py {files}" \
		PUSHFIX_NO_CACHE=1 git push origin main >"$TRASH/enc.out" \
		2>"$TRASH/enc.err" &&
	expect_grep "^error: push stopped: .* credential" "$TRASH/enc.err" &&
	# findings of one file share one request since issue 11
	test "$(llm_requests)" -ge 1 &&
	grep -q "api.login(" "$LLM_LOG" &&
	grep -q "b64decode(" "$LLM_LOG" &&
	for v in "$B64_40" "$B64_16" "$HEX_PW" "$LOGIN_PW"; do
		! grep -q -- "$v" "$LLM_LOG" ||
			{ echo "sent: $v"; return 1; }
		! grep -q -- "$v" .git/pushfix/sent.log ||
			{ echo "logged: $v"; return 1; }
		! grep -q -- "$v" "$TRASH/enc.err" ||
			{ echo "shown: $v"; return 1; }
	done
'

test_expect_success 'read-only .git/pushfix: nothing sent, one line says why' '
	setup_llm_repo ro &&
	mkdir -p .git/pushfix &&
	test ! -e .git/pushfix/sent.log &&
	llm_set --replacement "$GOOD_FIX" &&
	chmod 555 .git/pushfix &&
	PUSHFIX_NO_CACHE=1 as_user git push origin main >"$TRASH/ro.out" \
		2>"$TRASH/ro.err"
	rc=$?
	chmod 755 .git/pushfix &&
	test $rc = 0 &&
	test "$(llm_requests)" = 0 &&
	expect_grep "^pushfix: cannot record what would be sent (.*/\.git/pushfix/sent\.log: Permission denied); nothing sent to the LLM$" \
		"$TRASH/ro.err" &&
	test "$(grep -c "^pushfix: .*sent\.log" "$TRASH/ro.err")" = 1 &&
	test ! -e .git/pushfix/sent.log
'

test_expect_success 'writable again: the request is recorded before the answer' '
	cd "$TRASH/ro" &&
	git commit -q --allow-empty -m again &&
	PUSHFIX_NO_CACHE=1 "$PUSHFIX_BIN" scan HEAD~2..HEAD >/dev/null 2>&1;
	test "$(llm_requests)" = 1 &&
	python3 - .git/pushfix/sent.log <<-\EOF
	import json, sys
	rs = [json.loads(l) for l in open(sys.argv[1])]
	assert [r["type"] for r in rs] == ["sending", "request"], rs
	assert rs[0]["id"] == rs[1]["id"], rs
	assert rs[0]["request"] == rs[1]["request"]
	EOF
'

test_done
