#!/bin/sh
# Installs what building and testing pushfix needs on Debian/Ubuntu:
# the -dev libraries, cmocka, the real SARIF scanner (flawfinder) used by
# end-to-end tests (and clang, whose analyzer t0170 runs), tmux for the terminal tests, and the contract-test
# tools from npm (Prism).  Safe to run again.
set -e
cd "$(dirname "$0")/.."
PKGS="build-essential pkg-config git python3 libgit2-dev libcurl4-openssl-dev
libcjson-dev libinih-dev libssl-dev libpcre2-dev libcmocka-dev flawfinder tmux
shellcheck ca-certificates clang-format clang"
missing=""
# gitlab-ci-local (t0960 runs the GitLab CI template) copies with rsync.
PKGS="$PKGS rsync"
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			SUDO=sudo
		else
			echo "error: need root to install:$missing" >&2
			exit 1
		fi
	fi
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	# shellcheck disable=SC2086
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
fi
if [ -f tests/contract/package.json ] && command -v npm >/dev/null 2>&1; then
	if [ ! -d tests/contract/node_modules ]; then
		(cd tests/contract && npm ci --no-audit --no-fund --loglevel=error) ||
			echo "warning: npm could not install the contract-test tools; those tests will be skipped" >&2
	fi
fi
echo "test dependencies installed"
