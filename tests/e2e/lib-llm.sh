# Helpers for the LLM triage tests (t06NN), sourced after lib.sh.
#
# The scanner is the REAL flawfinder through the SARIF engine; the LLM is
# tests/standins/llm_server.py on 127.0.0.1.  The API key is a random value
# that must reach the stand-in in the right header and appear nowhere else.

export PUSHFIX_SCAN_ENGINE=sarif
export PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}"
unset PUSHFIX_SCAN_FILTER PUSHFIX_SCAN_CONTEXT PUSHFIX_POLICY_ON_ERROR \
	PUSHFIX_SKIP PUSHFIX_LLM_API_KEY_CMD PUSHFIX_LLM_JSON_MODE \
	PUSHFIX_LLM_API_VERSION PUSHFIX_LLM_AUTOFIX_MIN_CONFIDENCE \
	PUSHFIX_LLM_SHOW_UNVERIFIED OPENAI_API_KEY ANTHROPIC_API_KEY \
	AZURE_OPENAI_API_KEY PUSHFIX_NO_CACHE
# Loopback only, whatever the machine's proxy settings.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# Stand-ins started inside a test body (a subshell) are remembered in a
# file, so that the exit trap stops them too.
LLM_PIDS=$TRASH/llm.pids
kill_llm_pids() {
	[ -f "$LLM_PIDS" ] || return 0
	while read -r _p; do kill "$_p" 2>/dev/null; done <"$LLM_PIDS"
}
trap 'kill_llm_pids; cleanup_trash' EXIT

LLM_KEY=sk-e2e-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
export PF_TEST_LLM_KEY=$LLM_KEY

# The C file on the remote before the push, and the pushed version whose
# line 6 is a strcpy flawfinder flags (FF1001, level error).
base_c() {
	cat <<\EOF
#include <stdio.h>
#include <string.h>

void copy_name(char *dst, const char *src)
{
	dst[0] = '\0';
}

int main(int argc, char **argv)
{
	char name[64];
	if (argc > 1)
		copy_name(name, argv[1]);
	puts(name);
	return 0;
}
EOF
}

pushed_c() {
	base_c | sed 's/^\tdst\[0\] = .\\0.;$/\tstrcpy(dst, src);/'
}

# A bounded copy flawfinder does not flag, and a "fix" that keeps strcpy.
GOOD_FIX=$(printf '\t{ size_t i; for (i = 0; i < 63 && src[i]; i++) dst[i] = src[i]; dst[i] = %s; }' "'\\0'")
BAD_FIX=$(printf '\tstrcpy(dst, src); /* checked by the caller */')

# setup_llm_repo [name]: a hooked clone whose unpushed commit adds the
# strcpy; HEAD~1 is on the remote.
setup_llm_repo() {
	setup_repo "${1:-work}" &&
	mkdir -p src &&
	base_c >src/copy.c && git add src/copy.c && git commit -q -m base &&
	git push -q --no-verify origin main &&
	pushed_c >src/copy.c && git commit -q -am "copy the name" &&
	test "$(sed -n 6p src/copy.c)" = "$(printf "\tstrcpy(dst, src);")"
}

# start_llm NAME [llm_server.py options...]: start a stand-in and point
# pushfix at it.  Call it at the top level of a script (not in a test
# body, which is a subshell): the exported settings must outlive it.  Test
# bodies then change its behaviour with llm_set and the provider with
# use_provider.
start_llm() {
	_name=$1
	shift
	start_standin "$_name" "$STANDINS/llm_server.py" --max-seconds 300 \
		"$@" || return 1
	echo "${STANDIN_PIDS##* }" >>"$LLM_PIDS"
	LLM_LOG=$TRASH/$_name.log
	LLM_PORT=$STANDIN_PORT
	export PUSHFIX_LLM_MODEL=model-under-test
	export PUSHFIX_LLM_API_KEY_ENV=PF_TEST_LLM_KEY
	export PUSHFIX_LLM_TIMEOUT=10 PUSHFIX_LLM_BUDGET=20
	use_provider openai
}

# use_provider openai|anthropic|azure: pushfix's [llm] for the stand-in.
use_provider() {
	export PUSHFIX_LLM_PROVIDER=$1
	case $1 in
	azure) export PUSHFIX_LLM_BASE_URL=http://127.0.0.1:$LLM_PORT/openai ;;
	*) export PUSHFIX_LLM_BASE_URL=http://127.0.0.1:$LLM_PORT/v1 ;;
	esac
}

# llm_set [llm_server.py behaviour options...]: the stand-in's behaviour
# from now on (defaults for what is not given); its log and request count
# start again from zero.
llm_set() {
	printf '%s\0' "$@" | curl -sf --noproxy '*' --data-binary @- \
		"http://127.0.0.1:$LLM_PORT/_standin/args" >/dev/null
}

# Requests the stand-in received so far.
llm_requests() {
	if [ -f "$LLM_LOG" ]; then wc -l <"$LLM_LOG" | tr -d ' '; else echo 0; fi
}

# pushfix scan of the unpushed commit as JSON into $TRASH/scan.json.
scan_json() {
	"$PUSHFIX_BIN" scan "${SCAN_RANGE:-origin/main..HEAD}" --format json "$@" \
		>"$TRASH/scan.json" 2>"$TRASH/scan.err"
}

# Assert on the findings of $TRASH/scan.json with a Python expression over
# `f` (the finding on line 6).  check_finding 'f["triage"]["verdict"] == ...'
check_finding() {
	python3 - "$TRASH/scan.json" "$1" <<-\EOF
	import json, sys
	fs = [f for f in json.load(open(sys.argv[1]))["findings"]
	      if f["start_line"] == 6]
	assert len(fs) == 1, fs
	f = fs[0]
	ok = eval("(" + sys.argv[2] + ")")
	if not ok:
	    print(json.dumps(f, indent=1))
	    sys.exit(1)
	EOF
}

# The key went out only in its header, and nowhere else: not in pushfix's
# output files given, not in the sent log, not in the cache.
expect_key_nowhere() {
	for _f in "$@"; do
		expect_no_grep "$LLM_KEY" "$_f" || return 1
	done
	if [ -d .git/pushfix ]; then
		! grep -r -q -- "$LLM_KEY" .git/pushfix ||
			{ echo "key found under .git/pushfix"; return 1; }
	fi
}

# Every logged request carried the key in the provider's header.
expect_key_header() {
	python3 - "$LLM_LOG" "$LLM_KEY" "${1:-openai}" <<-\EOF
	import json, sys
	log, key, prov = sys.argv[1:4]
	n = 0
	for line in open(log):
	    r = json.loads(line)
	    h = {k.lower(): v for k, v in r["headers"].items()}
	    want = {"openai": ("authorization", "Bearer " + key),
	            "anthropic": ("x-api-key", key),
	            "azure": ("api-key", key)}[prov]
	    assert h.get(want[0]) == want[1], (want[0], h)
	    others = [k for k, v in h.items() if key in v and k != want[0]]
	    assert not others, others
	    assert key not in json.dumps(r["body"]), "key in the body"
	    n += 1
	assert n > 0, "no request"
	EOF
}
