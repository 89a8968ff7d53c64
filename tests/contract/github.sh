#!/bin/sh
# Contract: the GitHub requests `pushfix mirror` really sends are checked
# by Prism 5.14.2 against GitHub's official OpenAPI description (the
# subset in tests/fixtures/openapi/github-pulls-subset.openapi.json).
# pushfix talks to tests/standins/github_api.py in --proxy mode, which
# forwards each request to Prism and logs Prism's `sl-violations` about
# it; any violation located in the request fails.  The review pushfix
# builds with line comments (multi-line, suggestion) is checked too, and
# one deliberately wrong request per kind must be refused, proving the
# check is live (docs/CONTRACT-TEST-NOTES.md, gotcha G3).
# Needs Prism (sh tests/deps.sh; skipped without).  Run: sh tests/contract/github.sh
# (tests/e2e/t0840-mirror-contract.sh runs it under `make test`).
. "$(dirname "$0")/../e2e/lib.sh"
skip_unless_prism
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"

PRISM=$SRC/tests/contract/node_modules/@stoplight/prism-cli/dist/index.js
SPEC=$SRC/tests/fixtures/openapi/github-pulls-subset.openapi.json
# The description's own example pull request (GET /pulls answers it).
EX_SHA=6dcb09b5b57875f334f61aebed695e2e4193db5e
export GITHUB_TOKEN=$TOKEN

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

prism_base() { echo "http://127.0.0.1:$(cat "$TRASH/prism.port")"; }

# POST a JSON file to Prism; prints "STATUS N" (N request violations).
prism_post() { # path file
	python3 - "$(prism_base)$1" "$2" <<'EOF'
import json, sys, urllib.error, urllib.request
url, path = sys.argv[1:]
req = urllib.request.Request(url, data=open(path, "rb").read(),
                             method="POST")
req.add_header("Content-Type", "application/json")
req.add_header("Accept", "application/vnd.github+json")
req.add_header("User-Agent", "pushfix")
try:
    r = urllib.request.urlopen(req, timeout=30)
    st, h = r.status, r.headers
except urllib.error.HTTPError as e:
    st, h = e.code, e.headers
v = [x for x in json.loads(h.get("sl-violations") or "[]")
     if str(x.get("location", [""])[0]).startswith("request")]
print(st, len(v))
for x in v:
    print(" ", x.get("message"), file=sys.stderr)
EOF
}

test_expect_success 'setup: Prism on the GitHub description, the proxy, an entry' '
	{ test -f "$PRISM" ||
	  { echo "Prism missing: cd tests/contract && npm ci"; false; }; } &&
	setup_repo &&
	port=$(free_port) &&
	echo "$port" >"$TRASH/prism.port" &&
	{ node "$PRISM" mock -h 127.0.0.1 -p "$port" "$SPEC" \
		>"$TRASH/prism.log" 2>&1 & echo $! >>"$MIRROR_PIDS"; } &&
	i=0 &&
	while ! grep -q "Prism is listening" "$TRASH/prism.log"; do
		i=$((i + 1)); test $i -lt 600 || { cat "$TRASH/prism.log"; false; }
		sleep 0.1
	done &&
	start_standin github "$STANDINS/github_api.py" \
		--proxy "$(prism_base)" --max-seconds 300 &&
	echo "${STANDIN_PIDS##* }" >>"$MIRROR_PIDS" &&
	mirror_config github "$(gh_base)" octocat/Hello-World &&
	make_entry c1 new-topic "$EX_SHA" \
		"c0de0001,file1.txt,132,133,132,133,a\nb\n" \
		"c0de0002,file1.txt,1000,1000"
'

test_expect_success 'every request of pushfix mirror is valid for GitHub' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" mirror 2>"$TRASH/err" &&
	expect_grep "posted 2 findings on https://github.com/octocat/Hello-World/pull/1347" "$TRASH/err" &&
	python3 - "$TRASH/github.log" <<-\EOF
	import json, sys
	log = [json.loads(l) for l in open(sys.argv[1])]
	seen = set()
	for r in log:
	    print(r["method"], r["path"], r["query"], r["status"],
	          len(r["request_violations"]))
	    assert 200 <= r["status"] < 300, r
	    assert not r["request_violations"], r
	    assert r["auth"] == "ok", r
	    seen.add((r["method"], r["path"].rsplit("/", 1)[-1]))
	want = {("GET", "pulls"), ("GET", "comments"), ("GET", "reviews"),
	        ("GET", "files"), ("POST", "reviews")}
	assert want <= seen, seen
	EOF
'

test_expect_success 'the review with line comments and a suggestion is valid' '
	cd "$TRASH/work" &&
	make_entry c2 new-topic "$EX_SHA" \
		"c0de0003,file1.txt,132,133,132,133,a\nb\n" \
		"c0de0004,file1.txt,140,140" &&
	"$PUSHFIX_BIN" mirror --dry-run >"$TRASH/dry" &&
	python3 - "$TRASH/dry" "$TRASH/review.json" <<-\EOF &&
	import json, sys
	text = open(sys.argv[1]).read()
	body = text[text.index("/reviews\n") + 9:]
	review = json.JSONDecoder().raw_decode(body)[0]
	cs = review["comments"]
	assert len(cs) == 2, cs
	assert cs[0]["start_line"] == 132 and cs[0]["line"] == 133, cs
	assert "```suggestion" in cs[0]["body"], cs
	json.dump(review, open(sys.argv[2], "w"))
	EOF
	test "$(prism_post /repos/octocat/Hello-World/pulls/1347/reviews "$TRASH/review.json")" = "200 0"
'

test_expect_success 'wrong requests are refused: the check is live' '
	printf "{\"event\": \"NOPE\", \"comments\": [{\"body\": \"x\"}]}" >"$TRASH/bad.json" &&
	set -- $(prism_post /repos/octocat/Hello-World/pulls/1347/reviews "$TRASH/bad.json") &&
	test "$1" -ge 400 && test "$1" -lt 500 && test "$2" -ge 1 &&
	printf "{\"commit_id\": 5, \"event\": \"COMMENT\", \"body\": \"b\", \"comments\": [{\"path\": \"a\", \"body\": \"x\", \"line\": \"two\", \"side\": \"MIDDLE\"}]}" >"$TRASH/bad2.json" &&
	set -- $(prism_post /repos/octocat/Hello-World/pulls/1347/reviews "$TRASH/bad2.json") &&
	test "$1" -ge 400 && test "$2" -ge 2 &&
	python3 - "$(prism_base)" <<-\EOF
	import json, sys, urllib.error, urllib.request
	try:
	    urllib.request.urlopen(sys.argv[1] + "/repos/o/r/pulls?state=bogus")
	    sys.exit("state=bogus accepted")
	except urllib.error.HTTPError as e:
	    v = json.loads(e.headers.get("sl-violations") or "[]")
	    assert e.code == 422 and v, (e.code, v)
	EOF
'

test_expect_success 'the token never appears in any log' '
	expect_token_nowhere
'

test_done
