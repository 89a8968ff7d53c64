#!/bin/sh
# Privacy end to end (issue 3): the privacy corpus (tests/fixtures/privacy,
# files in Python, JS, Go, Java, C, YAML, .env and shell with planted
# credentials of every class, names, e-mails, hosts, IPs, organisation and
# repository names) is pushed through the real hook; a scanner stand-in
# reports a finding every 15 lines of every file, so that with 10 lines of
# context every line of the corpus is in some snippet; the LLM stand-in
# records every request body.  No planted value may appear in any body,
# in the local log, or in `pushfix preview` -- compared case-insensitively,
# byte for byte.  The repository provides what it knows: the author of the
# history, a remote URL naming the organisation, a redact_words entry
# (MANIFEST's ctx-* lines).
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-llm.sh"

CORPUS=$SRC/tests/fixtures/privacy
MANIFEST=$CORPUS/MANIFEST

# A SARIF scanner that flags line 1, 16, 31, ... and the last line of every
# file it is given: every line lies within 10 lines of a finding.
cat >"$TRASH/everywhere.py" <<\EOF
import json, sys
results = []
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        n = f.read().count(b"\n") + 1
    lines = sorted(set(list(range(1, n + 1, 15)) + [max(1, n - 1)]))
    for line in lines:
        results.append({
            "ruleId": "pf-test.everywhere", "level": "error",
            "message": {"text": "test finding"},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": path},
                "region": {"startLine": line, "endLine": line}}}]})
print(json.dumps({"version": "2.1.0", "runs": [{
    "tool": {"driver": {"name": "everywhere", "rules": []}},
    "results": results}]}))
EOF
export PUSHFIX_SCAN_ENGINE=sarif
export PUSHFIX_SCAN_COMMAND="python3 $TRASH/everywhere.py {files}"
# Every finding is sent: no [llm] max_findings cap (issue 11), so that
# every line of the corpus is in some request.
export PUSHFIX_LLM_MAX_FINDINGS=0

# Every planted value of the manifest (not the ctx-* lines) into one file.
grep -v '^#' "$MANIFEST" | grep -v '^ctx-' | cut -f2- >"$TRASH/planted"

# check_clean FILE...: no planted value in the files (case-insensitive,
# byte for byte); prints each leak.
check_clean() {
	python3 - "$TRASH/planted" "$@" <<-\EOF
	import sys
	planted = [l.rstrip("\n") for l in open(sys.argv[1], encoding="utf-8")
	           if l.strip()]
	assert len(planted) > 100, len(planted)
	bad = 0
	for path in sys.argv[2:]:
	    text = open(path, "rb").read().decode("utf-8", "replace").lower()
	    for p in planted:
	        if p.lower() in text:
	            i = text.index(p.lower())
	            print("LEAK in %s: %r near %r" % (path, p, text[max(0, i - 40):i + 40]))
	            bad += 1
	sys.exit(1 if bad else 0)
	EOF
}

# decoded_bodies LOG OUT: every string inside every logged request body,
# JSON-decoded (so a value escaped in JSON is compared as sent, decoded),
# one after the other, plus the raw body as received.
decoded_bodies() {
	python3 - "$1" "$2" <<-\EOF
	import json, sys
	out = open(sys.argv[2], "w", encoding="utf-8")
	def walk(o):
	    if isinstance(o, str):
	        out.write(o + "\n")
	    elif isinstance(o, dict):
	        for k, v in o.items():
	            walk(k)
	            walk(v)
	    elif isinstance(o, list):
	        for v in o:
	            walk(v)
	n = 0
	for line in open(sys.argv[1], encoding="utf-8"):
	    r = json.loads(line)
	    walk(r["body"])
	    out.write(json.dumps(r["body"], ensure_ascii=False) + "\n")
	    n += 1
	print(n)
	EOF
}

test_expect_success 'setup: the corpus committed by its author, remotes naming the organisation' '
	setup_repo &&
	mkdir corpus &&
	for f in "$CORPUS"/* "$CORPUS"/.env; do
		case $f in */MANIFEST) continue ;; esac
		cp "$f" corpus/ || return 1
	done &&
	test -f corpus/.env && test -f corpus/ledger.go &&
	git add corpus &&
	GIT_AUTHOR_NAME="Maria Gonzalez" \
	GIT_AUTHOR_EMAIL=maria.gonzalez@northwind-logistics.com \
		git commit -q -m "billing: first version" &&
	git remote add upstream git@github.com:northwind-logistics/route-planner.git &&
	mkdir -p .git/pushfix &&
	printf "[privacy]\nredact_words = nwl\n" >.git/pushfix/config.ini
'

start_llm llm

test_expect_success 'preview: every file in some request, nothing planted' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" preview origin/main..HEAD >"$TRASH/preview.json" \
		2>"$TRASH/preview.err" &&
	test "$(llm_requests)" = 0 &&
	python3 - "$TRASH/preview.json" <<-\EOF &&
	import json, sys
	reqs = json.load(open(sys.argv[1]))
	assert len(reqs) >= 8, len(reqs)
	EOF
	check_clean "$TRASH/preview.json" "$TRASH/preview.err"
'

test_expect_success 'push: the hook sends every snippet, the push goes on' '
	cd "$TRASH/work" &&
	# The planted credentials are findings of pushfix itself (t0530),
	# never sent; the user lets this push of fake ones go.
	PUSHFIX_POLICY_BLOCK_SECRETS=false \
		git push origin main >"$TRASH/push.out" 2>"$TRASH/push.err" &&
	expect_grep "pushfix.secret.aws-access-key" "$TRASH/push.err" &&
	test "$(git --git-dir="$TRASH/origin.git" rev-parse main)" = \
		"$(git rev-parse HEAD)" &&
	test "$(llm_requests)" -ge 8
'

test_expect_success 'the requests carry the code of every corpus file' '
	cd "$TRASH/work" &&
	decoded_bodies "$LLM_LOG" "$TRASH/bodies.txt" >"$TRASH/nbodies" &&
	test "$(cat "$TRASH/nbodies")" -ge 8 &&
	for code in "cur.execute(" "res.send(" "exec.Command(" \
		"executeQuery(" "strcpy(buf, route);" "replicas: 3" \
		"SESSION_SECRET=" "set -eu"; do
		grep -qF -- "$code" "$TRASH/bodies.txt" ||
			{ echo "not sent: $code"; return 1; }
	done
'

test_expect_success 'no planted value in any request body' '
	cd "$TRASH/work" &&
	test -s "$TRASH/bodies.txt" &&
	check_clean "$TRASH/bodies.txt" "$LLM_LOG"
'

test_expect_success 'no file name either: the File: lines are placeholders' '
	cd "$TRASH/work" &&
	grep "^File: " "$TRASH/bodies.txt" | sort -u >"$TRASH/files.txt" &&
	test -s "$TRASH/files.txt" &&
	for name in billing_service server ledger InvoiceExporter \
		tls_client deploy corpus; do
		! grep -qF -- "$name" "$TRASH/files.txt" ||
			{ echo "sent: $name"; cat "$TRASH/files.txt"; return 1; }
	done &&
	grep -q "^File: PF_PATH_[0-9]*/PF_PATH_[0-9]*\.java " "$TRASH/files.txt" &&
	grep -q "^File: PF_PATH_[0-9]*/\.env " "$TRASH/files.txt"
'

test_expect_success 'the local log holds the anonymised bodies, no vault' '
	cd "$TRASH/work" &&
	test -f .git/pushfix/sent.log &&
	test "$(stat -c %a .git/pushfix/sent.log)" = 600 &&
	test "$(wc -l <.git/pushfix/sent.log)" -ge 8 &&
	check_clean .git/pushfix/sent.log &&
	! grep -q "\"vault\"" .git/pushfix/sent.log &&
	"$PUSHFIX_BIN" log >"$TRASH/log.out" &&
	test "$(wc -l <"$TRASH/log.out")" -ge 8 &&
	expect_grep "127.0.0.1" "$TRASH/log.out" &&
	"$PUSHFIX_BIN" log --full --limit 1 >"$TRASH/log.full" &&
	expect_grep "  request:" "$TRASH/log.full" &&
	check_clean "$TRASH/log.out" "$TRASH/log.full"
'

test_done
