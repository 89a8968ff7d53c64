#!/bin/sh
# LLM triage benchmark (issue 4): 32 findings against the stand-in LLM that
# answers each request after 300 ms.  In one run it measures the triage
# stage's LLM time with requests in parallel (max_parallel 8) and the same
# requests one after another (max_parallel 1), and then a fully cached run.
# Prints figures and ratios; never fails on time.
#   PUSHFIX_BIN=path sh bench/llm.sh      (default: build/default/pushfix)
#   BENCH_FINDINGS=32 BENCH_DELAY_MS=300 BENCH_PARALLEL=8 BENCH_REPS=3
set -u
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
: "${PUSHFIX_BIN:=$src/build/default/pushfix}"
N=${BENCH_FINDINGS:-32}
DELAY=${BENCH_DELAY_MS:-300}
PAR=${BENCH_PARALLEL:-8}
REPS=${BENCH_REPS:-3}

command -v flawfinder >/dev/null || { echo "bench/llm.sh: needs flawfinder"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/pushfix-bench-llm.XXXXXX")
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
export HOME=$tmp/home GIT_CONFIG_NOSYSTEM=1 NO_COLOR=1
mkdir -p "$HOME"
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# A repository whose last commit adds N distinct strcpy calls.
git init -q "$tmp/repo" && cd "$tmp/repo" &&
git -c user.name=b -c user.email=b@example.com commit -q --allow-empty -m base
{
	echo "#include <string.h>"
	i=1
	while [ "$i" -le "$N" ]; do
		printf 'void copy_%d(char *dst_%d, const char *src_%d)\n{\n\tstrcpy(dst_%d, src_%d);\n}\n\n' \
			"$i" "$i" "$i" "$i" "$i"
		i=$((i + 1))
	done
} >bench.c
git add bench.c
git -c user.name=b -c user.email=b@example.com commit -q -m "add copies"
git init -q --bare "$tmp/origin.git"
git remote add origin "$tmp/origin.git"
git push -q origin HEAD~1:refs/heads/main

python3 "$src/tests/standins/llm_server.py" --port-file "$tmp/port" \
	--log "$tmp/llm.log" --max-seconds 900 --delay-ms "$DELAY" \
	>"$tmp/llm.out" 2>&1 &
pid=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
port=$(cat "$tmp/port")

export PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}"
export PUSHFIX_LLM_PROVIDER=openai PUSHFIX_LLM_MODEL=bench
export PUSHFIX_LLM_BASE_URL=http://127.0.0.1:$port/v1
export PUSHFIX_LLM_API_KEY_ENV=BENCH_KEY BENCH_KEY=sk-bench
export PUSHFIX_LLM_TIMEOUT=30 PUSHFIX_LLM_BUDGET=120

# triage_line: run the pre-push hook as git would for a push of the last
# commit (the refs on stdin; nothing is pushed), verbose, and print its
# triage line ("llm X ms ... total X ms").  PUSHFIX_NO_CACHE=1 is the
# hook's --no-cache.
triage_line() {
	printf "refs/heads/main %s refs/heads/main %s\n" \
		"$(git rev-parse HEAD)" "$(git rev-parse HEAD~1)" |
	PUSHFIX_CORE_VERBOSE=1 PUSHFIX_TTY=/nonexistent "$PUSHFIX_BIN" hook \
		pre-push origin "$tmp/origin.git" 2>"$tmp/err" >/dev/null
	grep "^pushfix: triage:" "$tmp/err" | tail -1
}
field() { # line, word before which the number sits ("ms" after "llm")
	echo "$1" | sed -n "s/.*$2 \([0-9.]*\).*/\1/p"
}

n_found=$(PUSHFIX_LLM_PROVIDER=none "$PUSHFIX_BIN" scan HEAD~1..HEAD \
	--format json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))')
[ "$n_found" = "$N" ] || echo "warning: $n_found findings, not $N"
echo "LLM triage benchmark: $n_found findings, stand-in answers after $DELAY ms, $REPS reps"

best_par=""; best_seq=""; best_cached=""
r=1
while [ "$r" -le "$REPS" ]; do
	rm -rf .git/pushfix/cache
	l=$(PUSHFIX_LLM_MAX_PARALLEL=$PAR triage_line)
	par=$(field "$l" "llm")
	sent_par=$(echo "$l" | sed -n 's/.*(\([0-9]*\) sent.*/\1/p')
	l=$(PUSHFIX_LLM_MAX_PARALLEL=1 PUSHFIX_NO_CACHE=1 triage_line)
	seq=$(field "$l" "llm")
	l=$(PUSHFIX_LLM_MAX_PARALLEL=$PAR triage_line)
	cached=$(field "$l" "total")
	ncached=$(echo "$l" | sed -n 's/.*sent, \([0-9]*\) cached.*/\1/p')
	sent_cached=$(echo "$l" | sed -n 's/.*(\([0-9]*\) sent.*/\1/p')
	echo "  rep $r: parallel($PAR) llm ${par} ms ($sent_par sent), sequential llm ${seq} ms, cached run triage total ${cached} ms ($sent_cached sent, $ncached cached)"
	best_par=$(python3 -c "print(min(x for x in [$par, ${best_par:-1e18}]))")
	best_seq=$(python3 -c "print(min(x for x in [$seq, ${best_seq:-1e18}]))")
	best_cached=$(python3 -c "print(min(x for x in [$cached, ${best_cached:-1e18}]))")
	r=$((r + 1))
done
python3 - "$best_par" "$best_seq" "$best_cached" "$N" "$DELAY" <<'EOF'
import sys
par, seq, cached, n, delay = map(float, sys.argv[1:6])
print("best of reps:")
print("  parallel   %8.0f ms" % par)
print("  sequential %8.0f ms   (floor: %d x %d ms = %.0f ms)" % (seq, n, delay, n * delay))
print("  ratio parallel/sequential = %.3f (aim <= 0.200)" % (par / seq))
print("  fully cached triage stage %.1f ms (aim < 20 ms)" % cached)
EOF
echo "requests the stand-in received: $(wc -l <"$tmp/llm.log")"
