# Shared by the end-to-end tests (git's t/test-lib.sh, much smaller).
# A test script:
#   . "$(dirname "$0")/lib.sh"
#   test_expect_success 'what it checks' '
#       commands; the last status decides
#   '
#   test_done
# Every script runs in its own temp dir with its own HOME, no system git
# config, and prints TAP plus a last line "N passed, N failed".
set -u
SRC=$(cd "$(dirname "$0")/../.." && pwd)
STANDINS=$SRC/tests/standins
PUSHFIX_BIN=${PUSHFIX_BIN:-$SRC/build/default/pushfix}
if [ ! -x "$PUSHFIX_BIN" ]; then
	echo "error: $PUSHFIX_BIN not built (run make)" >&2
	exit 1
fi
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/pushfix-e2e.XXXXXX")
STANDIN_PIDS=""
cleanup_trash() {
	for p in $STANDIN_PIDS; do kill "$p" 2>/dev/null; done
	rm -rf "$TRASH"
}
trap cleanup_trash EXIT
export HOME=$TRASH/home
mkdir -p "$HOME"
export XDG_CONFIG_HOME=$HOME/.config
export GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME='A U Thor' GIT_AUTHOR_EMAIL='author@example.com'
export GIT_COMMITTER_NAME='C O Mitter' GIT_COMMITTER_EMAIL='committer@example.com'
export NO_COLOR=1
# Hooks must never wait for a terminal in tests unless a test asks.
export PUSHFIX_TTY=${PUSHFIX_TTY:-/nonexistent}
# The stand-in scanners answer after environment variables (a fixture, a
# mode) that no scan cache key can see: a test that is not about the scan
# cache scans afresh each time (t018x unset this).
export PUSHFIX_NO_SCAN_CACHE=1
unset PUSHFIX_CONFIG GITHUB_TOKEN GH_TOKEN GITLAB_TOKEN
# No test may reach a real LLM with the machine's key (`pushfix demo`
# uses a key it finds in the environment).
unset OPENAI_API_KEY ANTHROPIC_API_KEY AZURE_OPENAI_API_KEY
# Text output wraps at $COLUMNS when set: the tests choose, not the
# terminal they were started from.
unset COLUMNS
git config --global init.defaultBranch main
git config --global advice.detachedHead false
# Stand-ins first on PATH: the replaying semgrep.  The system python3
# next: version-manager shims (pyenv) cost seconds per start, and the
# stand-ins use only the standard library.
if [ -x /usr/bin/python3 ]; then
	export PATH=$STANDINS/bin:/usr/bin:$PATH
else
	export PATH=$STANDINS/bin:$PATH
fi
cd "$TRASH" || exit 1

test_count=0
test_failed=0
test_expect_success() {
	test_count=$((test_count + 1))
	if (eval "$2") >"$TRASH/.out.$test_count" 2>&1; then
		echo "ok $test_count - $1"
	else
		test_failed=$((test_failed + 1))
		echo "not ok $test_count - $1"
		sed 's/^/#   /' "$TRASH/.out.$test_count" | tail -40
	fi
}
test_done() {
	echo "1..$test_count"
	echo "$((test_count - test_failed)) passed, $test_failed failed"
	[ "$test_failed" -eq 0 ]
}

# A bare remote "origin.git" and a clone "work" with the hook installed.
# $1: directory name of the clone (default work)
setup_repo() {
	name=${1:-work}
	rm -rf "$TRASH/origin.git" "$TRASH/$name"
	git init -q --bare "$TRASH/origin.git" &&
	git clone -q "$TRASH/origin.git" "$TRASH/$name" 2>/dev/null &&
	cd "$TRASH/$name" &&
	git commit -q --allow-empty -m initial &&
	git push -q origin main 2>/dev/null &&
	sh "$SRC/install.sh" --bin "$PUSHFIX_BIN" --no-deps --no-build --repo . >/dev/null
}

# Write a file with content from stdin and commit it.  $1 path, $2 message
commit_file() {
	mkdir -p "$(dirname "$1")" &&
	cat >"$1" &&
	git add "$1" &&
	git commit -q -m "${2:-add $1}"
}

# Start a Python stand-in server; its port lands in $1.port.
# start_standin NAME script.py args...  -> sets STANDIN_PORT, log in NAME.log
start_standin() {
	_n=$1
	shift
	rm -f "$TRASH/$_n.port"
	python3 "$@" --port-file "$TRASH/$_n.port" --log "$TRASH/$_n.log" \
		>"$TRASH/$_n.stdout" 2>&1 &
	STANDIN_PIDS="$STANDIN_PIDS $!"
	_i=0
	while [ ! -s "$TRASH/$_n.port" ] && [ $_i -lt 100 ]; do
		sleep 0.05
		_i=$((_i + 1))
	done
	STANDIN_PORT=$(cat "$TRASH/$_n.port" 2>/dev/null)
	[ -n "$STANDIN_PORT" ]
}

# The contract tests need Prism, which tests/deps.sh installs with npm into
# tests/contract/node_modules; a clone without it skips them (exit 0, no
# "N passed" line: tests/run.sh counts the script as skipped, not failed).
skip_unless_prism() {
	if [ ! -e "$SRC/tests/contract/node_modules" ]; then
		echo "skipped: prism not installed (sh tests/deps.sh)"
		exit 0
	fi
}

# grep helpers that say what they expected
expect_grep() { # pattern file
	grep -q -- "$1" "$2" || { echo "expected '$1' in $2:"; cat "$2"; return 1; }
}
expect_no_grep() {
	! grep -q -- "$1" "$2" || { echo "did not expect '$1' in $2:"; cat "$2"; return 1; }
}
