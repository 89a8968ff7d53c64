#!/bin/sh
# Tokens go only where they belong (issue 10, item 9): a committed
# .pushfix.ini with `[mirror] enabled = true` and `forge = github` on a
# remote that is not github.com must not send GITHUB_TOKEN to that host,
# and `pushfix doctor` must not claim it would.  [mirror] api_url in the
# user's own config is how the user says "trust this host".
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-mirror.sh"

export GITHUB_TOKEN=$TOKEN

# A remote whose URL names the stand-in's host and port, while git pushes
# to the bare repository: a remote helper `pfx::URL` whose `connect`
# runs git's own receive-pack/upload-pack on $PFX_REPO.  pushfix sees the
# URL, takes the helper prefix off and derives http://HOST:PORT/api/v3.
mkdir -p "$TRASH/helper"
cat >"$TRASH/helper/git-remote-pfx" <<'SH'
#!/bin/sh
while read -r cmd arg; do
	case $cmd in
	capabilities) printf 'connect\n\n' ;;
	connect) printf '\n'; exec git "${arg#git-}" "$PFX_REPO" ;;
	*) exit 0 ;;
	esac
done
SH
chmod +x "$TRASH/helper/git-remote-pfx"
export PATH=$TRASH/helper:$PATH
export PFX_REPO=$TRASH/origin.git

# Requests that reached the stand-in with an Authorization header.
authed() {
	if [ -f "$TRASH/github.log" ]; then
		grep -c '"auth": "\(ok\|bad\)"' "$TRASH/github.log" || true
	else
		echo 0
	fi
}

test_expect_success 'setup: the remote URL names the stand-in; a committed mirror config' '
	setup_repo &&
	start_github --pr feature &&
	git remote set-url origin "pfx::$(gh_base)/octo/repo.git" &&
	git ls-remote origin >/dev/null &&
	git checkout -q -b feature &&
	printf "[mirror]\nenabled = true\nforge = github\n" |
		commit_file .pushfix.ini "team config"
'

test_expect_success 'doctor says the token is not sent to that host' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1 || true &&
	port=$(cat "$TRASH/github.port") &&
	expect_grep "^warning *mirror: GitHub octo/repo at http://127.0.0.1:$port/api/v3: GITHUB_TOKEN is not sent to 127.0.0.1:$port: set \[mirror\] api_url in your own config to trust it$" "$TRASH/out" &&
	expect_no_grep "token configured" "$TRASH/out"
'

test_expect_success 'a push: the stand-in never sees the token; the log says why' '
	cd "$TRASH/work" &&
	mi_text one | commit_file app/pattern_either_basic.py "one" &&
	git push -q origin feature 2>"$TRASH/err" &&
	expect_remote_at refs/heads/feature HEAD &&
	expect_grep "method one detected" "$TRASH/err" &&
	wait_workers 1 &&
	expect_grep "GITHUB_TOKEN is not sent to 127.0.0.1:" "$MLOG" &&
	test "$(authed)" -eq 0 &&
	! grep -r "$TOKEN" "$MLOG" "$TRASH/err" &&
	test "$(outbox_count)" -eq 1
'

test_expect_success 'api_url in the user own config trusts the host: the token goes' '
	cd "$TRASH/work" &&
	mkdir -p .git/pushfix &&
	printf "[mirror]\napi_url = %s\n" "$(gh_base)" >.git/pushfix/config.ini &&
	"$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1 || true &&
	expect_grep "mirror: GitHub octo/repo at .*, token configured" "$TRASH/out" &&
	"$PUSHFIX_BIN" mirror >"$TRASH/out" 2>&1 &&
	test "$(authed)" -gt 0 &&
	test "$(outbox_count)" -eq 0
'

test_expect_success 'api_url from the committed file is ignored: still not sent' '
	cd "$TRASH/work" &&
	rm .git/pushfix/config.ini &&
	printf "[mirror]\nenabled = true\nforge = github\napi_url = %s\n" "$(gh_base)" >.pushfix.ini &&
	git commit -q -am "team config with api_url" &&
	before=$(authed) &&
	mi_text one two | commit_file app/pattern_either_basic.py "two" &&
	git push -q origin feature 2>"$TRASH/err" &&
	expect_grep "ignoring \[mirror\] api_url" "$TRASH/err" &&
	wait_workers 2 &&
	test "$(authed)" -eq "$before" &&
	test "$(grep -c "GITHUB_TOKEN is not sent to" "$MLOG")" -ge 2
'

test_done
