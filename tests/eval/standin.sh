#!/bin/sh
# `make eval`: pushfix eval on the project's own labelled programs
# (tests/fixtures/eval/castle) with the real flawfinder and the stand-in
# LLM (tests/standins/llm_server.py), which calls everything a true
# positive and offers a fix that keeps the flagged call: the figures check
# the mechanics, not any model's quality.  Nothing leaves the machine.
set -e
cd "$(dirname "$0")/../.."
BIN=${PUSHFIX_BIN:-./pushfix}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pf-eval-XXXXXX")
trap 'kill "$PID" 2>/dev/null; rm -rf "$TMP"' EXIT
python3 tests/standins/llm_server.py --port-file "$TMP/port" \
	--log "$TMP/llm.log" --max-seconds 300 \
	--sub ";" "; /* checked */" >/dev/null 2>&1 &
PID=$!
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
export HOME="$TMP" XDG_CACHE_HOME="$TMP/cache" XDG_CONFIG_HOME="$TMP/config"
export PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_COMMAND="flawfinder --sarif {files}"
export PUSHFIX_LLM_PROVIDER=openai PUSHFIX_LLM_MODEL=stand-in
export PUSHFIX_LLM_BASE_URL="http://127.0.0.1:$(cat "$TMP/port")/v1"
export PUSHFIX_LLM_API_KEY_ENV=PF_EVAL_KEY PF_EVAL_KEY=sk-stand-in
"$BIN" eval tests/fixtures/eval/castle "$@"
