#!/bin/sh
# Secrets are findings of pushfix itself (issue 11 item 4): the
# anonymiser's credential detectors report what a push adds, whatever the
# scanner (here the REAL flawfinder, which reads neither .py nor .yml),
# masked everywhere (AKIA…(20 chars)), never sent to an LLM, and [policy]
# block_secrets (default true) stops the push, with the ways to go on.
#
# The keys are built at run time, so that no scanner or forge push
# protection flags this repository: AKIAIOSFODNN7EXAMPLE is AWS's own
# documented example, the sk-proj- key is random.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

export PUSHFIX_SCAN_ENGINE=sarif
export PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}"
unset PUSHFIX_SKIP PUSHFIX_POLICY_BLOCK PUSHFIX_POLICY_BLOCK_SECRETS

AWS=AKIA$(printf IOSFODNN7EXAMPLE)
OPENAI=sk-proj-$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
# 48 random letters and digits: high entropy, no known format
NOISE=$(python3 -c 'import random, string; r = random.SystemRandom(); print("".join(r.choice(string.ascii_letters + string.digits) for _ in range(40)))')
OPENAI_LEN=$(printf %s "$OPENAI" | wc -c)

# The whole values appear in none of the given files.
expect_no_key() {
	for _f in "$@"; do
		expect_no_grep "$AWS" "$_f" || return 1
		expect_no_grep "$OPENAI" "$_f" || return 1
	done
}

# A hooked clone whose unpushed commit adds an AWS key in Python and an
# OpenAI key in C, on the line of a strcpy flawfinder flags.
setup_keys() {
	setup_repo "${1:-work}" &&
	printf 'import os\n\nAWS_KEY = "%s"\n' "$AWS" >app.py &&
	printf '#include <string.h>\n\nvoid f(char *b)\n{\n\tstrcpy(b, "%s");\n}\n' \
		"$OPENAI" >app.c &&
	git add app.py app.c && git commit -q -m "add the keys"
}

test_expect_success 'setup: flawfinder installed, two keys in an unpushed commit' '
	command -v flawfinder &&
	setup_keys &&
	test "$(sed -n 3p app.py)" = "AWS_KEY = \"$AWS\""
'

test_expect_success 'git push: both keys reported masked, the push stops (no terminal)' '
	cd "$TRASH/work" &&
	! git push origin main 2>"$TRASH/err" &&
	! remote_oid refs/heads/main | grep -q "$(git rev-parse HEAD)" &&
	expect_grep "pushfix.secret.aws-access-key" "$TRASH/err" &&
	expect_grep "pushfix.secret.openai-key" "$TRASH/err" &&
	expect_grep "AKIA…(20 chars)" "$TRASH/err" &&
	expect_grep "sk-p…($OPENAI_LEN chars)" "$TRASH/err" &&
	expect_grep "^error: push stopped: 2 credentials on the pushed lines (\[policy\] block_secrets = true)$" "$TRASH/err" &&
	expect_grep "answer i at the prompt" "$TRASH/err" &&
	expect_grep "pushfix:allow-secret" "$TRASH/err" &&
	expect_grep "\[secrets\] allow = sha256:" "$TRASH/err" &&
	expect_grep "git push --no-verify" "$TRASH/err" &&
	expect_no_key "$TRASH/err"
'

test_expect_success 'the strcpy on the line of the key is shown, its line masked' '
	cd "$TRASH/work" &&
	expect_grep "FF1001" "$TRASH/err" &&
	expect_grep "strcpy(b, \"sk-p…($OPENAI_LEN chars)\");" "$TRASH/err"
'

test_expect_success 'scan --format json and sarif: masked, never whole' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" scan origin/main..HEAD --format json >"$TRASH/out.json" &&
	"$PUSHFIX_BIN" scan origin/main..HEAD --format sarif >"$TRASH/out.sarif" &&
	"$PUSHFIX_BIN" scan origin/main..HEAD >"$TRASH/out.txt" &&
	expect_no_key "$TRASH/out.json" "$TRASH/out.sarif" "$TRASH/out.txt" &&
	python3 - "$TRASH/out.json" "$TRASH/out.sarif" "$OPENAI_LEN" <<-\EOF
	import json, sys
	fs = json.load(open(sys.argv[1]))["findings"]
	got = {f["rule_id"]: f for f in fs}
	aws = got["pushfix.secret.aws-access-key"]
	assert (aws["path"], aws["start_line"], aws["severity"]) == \
	    ("app.py", 3, "ERROR"), aws
	assert aws["lines"] == "AWS_KEY = \"AKIA\u2026(20 chars)\"", aws
	oa = got["pushfix.secret.openai-key"]
	assert "sk-p\u2026(%s chars)" % sys.argv[3] in oa["lines"], oa
	assert "sk-p\u2026(%s chars)" % sys.argv[3] in got["FF1001"]["lines"]
	s = json.load(open(sys.argv[2]))
	res = s["runs"][0]["results"]
	ids = sorted(r["ruleId"] for r in res)
	assert "pushfix.secret.aws-access-key" in ids, ids
	snips = [r["locations"][0]["physicalLocation"]["region"]["snippet"]["text"]
	         for r in res]
	assert any("AKIA\u2026(20 chars)" in t for t in snips), snips
	EOF
'

test_expect_success 'a pushfix:allow-secret comment on the line lets the push go' '
	setup_keys allow &&
	sed -i "s/^AWS_KEY = .*/& # pushfix:allow-secret/" app.py &&
	sed -i "s|strcpy(b, .*|& /* pushfix:allow-secret */|" app.c &&
	git commit -q -am "allow them" &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_no_grep "pushfix.secret" "$TRASH/err" &&
	expect_no_key "$TRASH/err"
'

test_expect_success '[secrets] allow in .pushfix.ini lets a known test value go' '
	setup_keys allowlist &&
	! git push origin main 2>"$TRASH/err" &&
	grep -o "\[secrets\] allow = sha256:[0-9a-f]\{16\}" "$TRASH/err" |
		sed "s/.*= //" | sort -u | paste -sd, - >"$TRASH/hashes" &&
	test "$(tr , "\n" <"$TRASH/hashes" | wc -l)" = 2 &&
	printf "[secrets]\nallow = %s\n" "$(cat "$TRASH/hashes")" >.pushfix.ini &&
	git add .pushfix.ini && git commit -q -m "allow the test keys" &&
	git push origin main 2>"$TRASH/err2" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_no_grep "pushfix.secret" "$TRASH/err2"
'

test_expect_success 'a committed .pushfix.ini cannot switch blocking or detection off' '
	setup_keys hostile &&
	printf "[policy]\nblock_secrets = false\n[secrets]\nallow_paths = *\n" >.pushfix.ini &&
	git add .pushfix.ini && git commit -q -m "switch it off" &&
	! git push origin main 2>"$TRASH/err" &&
	expect_grep "ignoring \[policy\] block_secrets" "$TRASH/err" &&
	expect_grep "ignoring \[secrets\] allow_paths: a file in the repository may not switch the check for pushed credentials off" "$TRASH/err" &&
	expect_grep "pushfix.secret.aws-access-key" "$TRASH/err" &&
	expect_grep "^error: push stopped: 2 credentials" "$TRASH/err"
'

test_expect_success 'the user own config may allow paths or not block' '
	cd "$TRASH/hostile" &&
	mkdir -p .git/pushfix &&
	printf "[policy]\nblock_secrets = false\n" >.git/pushfix/config.ini &&
	git push origin main 2>"$TRASH/err" &&
	expect_grep "pushfix.secret.aws-access-key" "$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	setup_keys ownpaths &&
	mkdir -p .git/pushfix &&
	printf "[secrets]\nallow_paths = app.*\n" >.git/pushfix/config.ini &&
	git push origin main 2>"$TRASH/err" &&
	expect_no_grep "pushfix.secret" "$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD
'

test_expect_success 'PUSHFIX_SKIP=1 skips the check once' '
	setup_keys skip &&
	PUSHFIX_SKIP=1 git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD
'

test_expect_success 'a high-entropy string alone warns and does not stop the push' '
	setup_repo entropy &&
	printf "BLOB = \"%s\"\n" "$NOISE" >data.py &&
	git add data.py && git commit -q -m noise &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	expect_grep "WARNING pushfix.secret.high-entropy\|pushfix.secret.high-entropy" "$TRASH/err" &&
	expect_no_grep "$NOISE" "$TRASH/err" &&
	expect_no_grep "push stopped" "$TRASH/err"
'

test_expect_success 'flawfinder does not read .yml: the key in it is still reported' '
	setup_repo yml &&
	printf "deploy:\n  aws_access_key_id: %s\n" "$AWS" >deploy.yml &&
	git add deploy.yml && git commit -q -m deploy &&
	! git push origin main 2>"$TRASH/err" &&
	expect_grep "pushfix.secret.aws-access-key" "$TRASH/err" &&
	expect_grep "deploy.yml:2" "$TRASH/err" &&
	expect_no_key "$TRASH/err"
'

test_expect_success 'a missing scanner does not hide a pushed key' '
	cd "$TRASH/yml" &&
	! PUSHFIX_SCAN_COMMAND="/nonexistent/scanner {files}" \
		git push origin main 2>"$TRASH/err" &&
	expect_grep "only pushfix.s secret check ran" "$TRASH/err" &&
	expect_grep "pushfix.secret.aws-access-key" "$TRASH/err" &&
	expect_grep "^error: push stopped: 1 credential on the pushed lines" "$TRASH/err" &&
	expect_no_key "$TRASH/err"
'

test_done
