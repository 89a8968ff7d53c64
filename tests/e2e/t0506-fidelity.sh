#!/bin/sh
# Anonymisation that keeps the code intact (issue 12): a history whose
# authors and remotes are named like the language ("IvanVoid", "Use",
# "Static Void", the organisation "voidworks", the repository "cJSON")
# replaces in what is sent exactly the identifying values: no keyword, no
# common word, no word of the scanner's message; cJSON, CJSON and cjson
# are one placeholder kept inside identifiers (cJSON_Parse ->
# PF_ORG_1_Parse); outside those values every byte of the code is the
# file's.  `pushfix preview --stats` says how much was changed.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

# The code: keywords, the repository's name in every case, a strcpy for
# flawfinder to flag (its message: "... difficult to use safely ...").
cat >"$TRASH/lib.c" <<\EOF
#include <string.h>
#include "cJSON.h"

/* voidworks: use static void, as cJSONLite does */
CJSON_PUBLIC(cJSON *) cJSON_Parse(const char *value);

static void copy(char *dst, const char *src)
{
	static int use = 0;
	char buf[16];
	cjson_hooks(use);
	strcpy(buf, src);
	sprintf(dst, "%s", buf);
}
EOF

test_expect_success 'setup: authors and remotes named like the language' '
	command -v flawfinder &&
	setup_repo &&
	mkdir -p src &&
	printf "int x;\n" >src/other.c && git add src &&
	GIT_AUTHOR_NAME=Use git commit -q -m base &&
	git push -q --no-verify origin main &&
	cp "$TRASH/lib.c" src/lib.c && git add src/lib.c &&
	GIT_AUTHOR_NAME=IvanVoid GIT_COMMITTER_NAME="Static Void" \
		git commit -q -m "copy" &&
	git remote add upstream git@github.com:voidworks/cJSON.git
'

start_llm llm

# check_fidelity JSON: every code line of every body is the file's line
# with only identifying values replaced, and no keyword went.
check_fidelity() {
	python3 - "$1" "$TRASH/lib.c" <<-\EOF
	import json, re, sys
	reqs = json.load(open(sys.argv[1]))
	src = open(sys.argv[2]).read().split("\n")
	ident = {"cjson", "voidworks", "ivanvoid", "static void"}
	ph = re.compile(r"PF_[A-Z]+_[0-9]+")
	n = 0
	for r in reqs:
	    user = [m["content"] for m in r["body"]["messages"]
	            if m["role"] == "user"][0]
	    code = False
	    for line in user.split("\n"):
	        if line.startswith("<<<CODE "):
	            code = True
	            continue
	        if line.startswith("<<<END "):
	            code = False
	            continue
	        if not code:
	            continue
	        num, text = line[1:].split(" | ", 1)
	        orig = src[int(num) - 1]
	        pat = "".join("(.+?)" if ph.fullmatch(p) else re.escape(p)
	                      for p in re.split(r"(PF_[A-Z]+_[0-9]+)", text))
	        m = re.fullmatch(pat, orig)
	        assert m, (text, orig)
	        for g in m.groups():
	            assert g.lower() in ident, (g, text, orig)
	        n += 1
	    for kw in ("static void copy", "static int use", "char *dst",
	               "PF_ORG_1_Parse", "PF_ORG_1_PUBLIC(PF_ORG_1 *)",
	               "PF_ORG_1_hooks(use)", "use static void"):
	        assert kw in user, (kw, user)
	    assert "PF_PERSON" not in user, user
	assert n >= 10, n
	print(n)
	EOF
}

test_expect_success 'preview: only the identifying values are replaced' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" preview origin/main..HEAD >"$TRASH/preview.json" &&
	test "$(llm_requests)" = 0 &&
	check_fidelity "$TRASH/preview.json"
'

test_expect_success 'preview --stats: what was changed, per request' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" preview --stats origin/main..HEAD >"$TRASH/stats" &&
	cat "$TRASH/stats" &&
	grep "^request 1: code [0-9]* lines, [0-9]* chars, [0-9]* tokens; changed [0-9]* chars ([0-9.]*%) in [0-9]* tokens ([0-9.]*%); replaced: .*ORG [0-9]" "$TRASH/stats" &&
	grep "^total ([0-9]* requests): " "$TRASH/stats" &&
	! grep "PERSON\|SECRET" "$TRASH/stats" &&
	test "$(llm_requests)" = 0
'

test_expect_success 'push: the requests sent are those of preview' '
	cd "$TRASH/work" &&
	PF_TEST_LLM_KEY=k git push -q origin main >"$TRASH/push.out" 2>&1 ||
		{ cat "$TRASH/push.out"; false; } &&
	test "$(llm_requests)" -ge 1 &&
	python3 - "$LLM_LOG" "$TRASH/sent.json" <<-\EOF &&
	import json, sys
	reqs = [{"body": json.loads(l)["body"]} for l in open(sys.argv[1])]
	json.dump(reqs, open(sys.argv[2], "w"))
	EOF
	check_fidelity "$TRASH/sent.json"
'

test_done
