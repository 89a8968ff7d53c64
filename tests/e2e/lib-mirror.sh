# Helpers for the mirror tests (t08NN), sourced after lib.sh and
# lib-scan.sh: forge stand-ins on 127.0.0.1 whose pull/merge requests live
# in the test's bare remote, the [mirror] config, and waits for the
# detached worker.

# A pyenv shim costs seconds per start on a loaded machine: the system
# interpreter when there is one (stdlib only either way).  On PATH, not a
# shell function: `python3 ... &` must be the server itself, so that its
# pid is the one the exit trap kills.
if [ -x /usr/bin/python3 ]; then
	mkdir -p "$TRASH/.pybin" &&
	ln -sf /usr/bin/python3 "$TRASH/.pybin/python3" &&
	PATH=$TRASH/.pybin:$PATH
	export PATH
fi

# A token no other text contains, so that a grep for it is meaningful.
TOKEN="ghp_pushfixTEST$(date +%s)x$$SECRET"
export STANDIN_TOKEN=$TOKEN
# The worker waits for the remote and the PR head at most this long.
export PUSHFIX_TEST_MIRROR_WAIT_S=20
unset PUSHFIX_TEST_MIRROR_DIE_AFTER PUSHFIX_TEST_MIRROR_BATCH \
	PUSHFIX_TEST_MIRROR_MAX_SLEEP_S PUSHFIX_MIRROR_ENABLED \
	PUSHFIX_MIRROR_FORGE PUSHFIX_MIRROR_API_URL PUSHFIX_MIRROR_REPOSITORY \
	PUSHFIX_MIRROR_TOKEN_ENV PUSHFIX_MIRROR_TOKEN_CMD \
	PUSHFIX_MIRROR_SLACK_WEBHOOK_ENV PUSHFIX_MIRROR_HOST_MAP

# Loopback only, whatever the machine's proxy settings.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# Stand-ins started inside a test body (a subshell) are remembered in a
# file, so that the exit trap stops them too.
MIRROR_PIDS=$TRASH/mirror.pids
kill_mirror_pids() {
	[ -f "$MIRROR_PIDS" ] || return 0
	while read -r _p; do kill "$_p" 2>/dev/null; done <"$MIRROR_PIDS"
}
trap 'kill_mirror_pids; cleanup_trash' EXIT

OUTBOX=$TRASH/work/.git/pushfix/outbox
MLOG=$TRASH/work/.git/pushfix/mirror.log

# start_github [stand-in options]: GitHub stand-in for octo/repo, one
# result per page so that every listing needs its Link headers.
start_github() {
	start_standin github "$STANDINS/github_api.py" \
		--git-dir "$TRASH/origin.git" --repository octo/repo \
		--max-per-page 1 --max-seconds 300 "$@" &&
	echo "${STANDIN_PIDS##* }" >>"$MIRROR_PIDS" &&
	GH=$(gh_base)
}

start_gitlab() {
	start_standin gitlab "$STANDINS/gitlab_api.py" \
		--git-dir "$TRASH/origin.git" --project grp/sub/proj \
		--max-per-page 1 --max-seconds 300 "$@" &&
	echo "${STANDIN_PIDS##* }" >>"$MIRROR_PIDS" &&
	GL=$(gl_base)/api/v4
}

# Base URLs of the stand-ins (from their port files: test bodies run in
# subshells, so variables set in one are gone in the next).
gh_base() { echo "http://127.0.0.1:$(cat "$TRASH/github.port")"; }
gl_base() { echo "http://127.0.0.1:$(cat "$TRASH/gitlab.port")"; }

# mirror_config FORGE API_URL REPOSITORY [extra lines]: the repository's
# local (trusted) config, as a user would write it.
mirror_config() {
	mkdir -p "$TRASH/work/.git/pushfix" &&
	{
		printf '[mirror]\nenabled = true\nforge = %s\napi_url = %s\n' \
			"$1" "$2"
		printf 'repository = %s\n' "$3"
		shift 3
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$TRASH/work/.git/pushfix/config.ini"
}

# Number of outbox entries waiting.
outbox_count() {
	ls "$OUTBOX" 2>/dev/null | grep -c '\.json$'
}

# Wait (at most $2 s, default 30) until the log has pattern $1.
wait_log() {
	_i=0
	_max=$(( ${2:-30} * 10 ))
	until grep -q -- "$1" "$MLOG" 2>/dev/null; do
		_i=$((_i + 1))
		if [ $_i -gt $_max ]; then
			echo "timed out waiting for '$1' in $MLOG:"
			cat "$MLOG" 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
}

# Wait until the detached worker(s) are done (log "worker done" count
# reaches $1).
wait_workers() {
	_i=0
	until [ "$(grep -c 'mirror worker done' "$MLOG" 2>/dev/null)" -ge "$1" ]
	do
		_i=$((_i + 1))
		if [ $_i -gt 300 ]; then
			echo "timed out waiting for $1 finished workers:"
			cat "$MLOG" 2>/dev/null
			return 1
		fi
		sleep 0.1
	done
}

# The stand-in's state (JSON) on stdout.  $1: base URL (no /api/v4).
standin_state() {
	python3 - "$1" <<'EOF'
import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1] + "/_standin/state").read().decode())
EOF
}

# A control request: standin_post URL JSON
standin_post() {
	python3 - "$1" "$2" <<'EOF'
import sys, urllib.request
r = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(),
                           headers={"Content-Type": "application/json"})
urllib.request.urlopen(r).read()
EOF
}

# gh_reply ID LOGIN BODY: on the GitHub stand-in, a reply by LOGIN on
# review comment ID (what pushfix mirror reads as feedback).
gh_reply() {
	python3 -c "import json,sys; print(json.dumps({\"to\": int(sys.argv[1]), \"login\": sys.argv[2], \"body\": sys.argv[3]}))" \
		"$1" "$2" "$3" >"$TRASH/reply.json" &&
	standin_post "$(gh_base)/_standin/reply" "$(cat "$TRASH/reply.json")"
}

# The id of the first review comment the GitHub stand-in holds.
gh_first_comment() {
	standin_state "$(gh_base)" | python3 -c "import json,sys; print(json.load(sys.stdin)[\"comments\"][0][\"id\"])"
}

# Fingerprints in the bodies the GitHub stand-in holds (review comments and
# review bodies), one per line with repeats, sorted.
gh_markers() {
	standin_state "$(gh_base)" | python3 -c '
import json, re, sys
s = json.load(sys.stdin)
bodies = [c["body"] for c in s["comments"]] + [r["body"] for r in s["reviews"]]
for b in bodies:
    for fp in re.findall(r"<!-- pushfix:fingerprint=([0-9a-f]+) -->", b):
        print(fp)
' | sort
}

gl_markers() {
	standin_state "$(gl_base)" | python3 -c '
import json, re, sys
s = json.load(sys.stdin)
for d in s["discussions"]:
    for n in d["notes"]:
        for fp in re.findall(r"<!-- pushfix:fingerprint=([0-9a-f]+) -->",
                             n["body"]):
            print(fp)
' | sort
}

# No fingerprint posted twice.
expect_no_repeat() { # file of markers
	_d=$(uniq -d "$1")
	[ -z "$_d" ] || { echo "posted more than once: $_d"; cat "$1"; return 1; }
}

# The token must not be in any file of the test (logs, outputs, outbox,
# repositories).
expect_token_nowhere() {
	! grep -rlF -- "$TOKEN" "$TRASH" || {
		echo "the token leaked into the files above"
		return 1
	}
}

# make_entry ID BRANCH SHA FINDING...: a hand-made outbox entry (what the
# hook writes), FINDING = fp,path,start,end[,fix_start,fix_end,text]
# ("\n" in text is a newline).  Remote: origin, at $ENTRY_URL if set.
make_entry() {
	mkdir -p "$OUTBOX" &&
	python3 - "$OUTBOX" "${ENTRY_URL:-$TRASH/origin.git}" "$@" <<'PY'
import json, os, sys
outbox, url, eid, branch, sha = sys.argv[1:6]
fs = []
for spec in sys.argv[6:]:
    p = spec.split(",", 6)
    f = {"fingerprint": p[0], "rule_id": "test.rule." + p[0][:4],
         "path": p[1], "start_line": int(p[2]), "end_line": int(p[3]),
         "severity": "ERROR", "message": "finding " + p[0]}
    if len(p) > 4:
        f["fix"] = {"start_line": int(p[4]), "end_line": int(p[5]),
                    "replacement": p[6].replace("\\n", "\n"),
                    "origin": "rule", "state": "verified"}
    fs.append(f)
e = {"version": 1, "id": eid, "created": 1, "remote_name": "origin",
     "remote_url": url, "branch": branch, "sha": sha, "findings": fs}
tmp = os.path.join(outbox, eid + ".tmp")
with open(tmp, "w") as f:
    json.dump(e, f)
os.rename(tmp, os.path.join(outbox, eid + ".json"))
PY
}

# Requests the stand-in logged: stand_log NAME METHOD PATH-REGEX
stand_log() {
	python3 - "$TRASH/$1.log" "$2" "$3" <<'PY'
import json, re, sys
log, method, rx = sys.argv[1:]
for l in open(log):
    r = json.loads(l)
    if r["method"] == method and re.search(rx, r["path"]):
        print(json.dumps(r))
PY
}
