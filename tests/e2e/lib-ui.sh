# Helpers for the interactive tests (t07NN), sourced after lib.sh.
#
# The findings come from Semgrep's recorded autofix case (three 5-line
# matches of one rule in one file, each with a rule fix: no LLM needed),
# replayed by tests/standins/bin/semgrep.  The developer is driven through a
# real pseudo-terminal by tests/standins/pty_drive.py: `git push` runs with
# the pty as its controlling terminal, so the hook's /dev/tty is the pty.

FIXTURES=$SRC/tests/fixtures/semgrep-real
AF3_CASE=$FIXTURES/autofix-three-multiline
AF3_FIX=autofix-three-multiline/snapshots/test_autofix/test/three-autofixes.yaml-three-autofixes.py-json-not-dryrun/results.json
AF3_SRC=$AF3_CASE/targets/autofix/three-autofixes.py
AF3_RULES=$AF3_CASE/rules/autofix/three-autofixes.yaml
# Where the tests commit it (the stand-in maps results by file name).
AF3=app/three-autofixes.py

export FAKE_SEMGREP_LOG=$TRASH/semgrep.log
export FAKE_SEMGREP_FIXTURE=$AF3_FIX
export PUSHFIX_SCAN_SEMGREP_CONFIG=$AF3_RULES
export PUSHFIX_LLM_PROVIDER=none
unset FAKE_SEMGREP_MODE FAKE_SEMGREP_EXIT PUSHFIX_SCAN_ENGINE \
	PUSHFIX_SCAN_FILTER PUSHFIX_SCAN_CONTEXT PUSHFIX_SCAN_TIMEOUT \
	PUSHFIX_SCAN_COMMAND PUSHFIX_SCAN_SEMGREP_BIN PUSHFIX_POLICY_ON_ERROR \
	PUSHFIX_POLICY_BLOCK PUSHFIX_POLICY_AFTER_FIX PUSHFIX_UI_INTERACTIVE \
	PUSHFIX_UI_COLOR PUSHFIX_UI_IGNORE_WRITES_NOSEMGREP PUSHFIX_SKIP \
	PUSHFIX_TEST_APPLY_PAUSE_MS GIT_EDITOR VISUAL EDITOR CI \
	CLICOLOR_FORCE
export TERM=xterm

# The fixed text of each block, as the rule's fix makes it.
AF3_FIXED='    return requests.post(headers=auth_headers, url=self.url, endpoints="endpoint", _injected=True)'

# A fresh remote and clone with the hook, the target pushed unchanged
# except its first line, then the three blocks pushed: every block is on
# pushed lines.  Leaves the clone as the current directory.
setup_af3() {
	setup_repo "${1:-work}" &&
	mkdir -p app &&
	echo "# placeholder" >"$AF3" &&
	git add "$AF3" && git commit -q -m base &&
	git push -q --no-verify origin main &&
	cp "$AF3_SRC" "$AF3" &&
	git commit -q -am "three requests" &&
	cp "$AF3" "$TRASH/af3.orig"
}

# The target with blocks 1..3 fixed where $1 says ("yyn": 1 and 2).
af3_expect() {
	python3 - "$AF3_SRC" "$1" "$AF3_FIXED" <<\EOF
import sys
src, which, fixed = open(sys.argv[1]).read(), sys.argv[2], sys.argv[3]
lines = src.split("\n")
# 1-based (start, end) of the three blocks, as Semgrep recorded them.
blocks = [(4, 8), (12, 16), (20, 24)]
for (s, e), w in reversed(list(zip(blocks, which))):
    if w == "y":
        lines[s - 1:e] = [fixed]
sys.stdout.write("\n".join(lines))
EOF
}

# push_tty SCRIPT LOG [git push args]: push on a pseudo-terminal (of
# $PTY_COLS columns, default 80), answering from the pty_drive script; the
# push's exit status is returned.
push_tty() {
	_s=$1
	_l=$2
	shift 2
	(
		unset PUSHFIX_TTY
		python3 "$STANDINS/pty_drive.py" --script "$_s" --log "$_l" \
			--timeout 60 --cols "${PTY_COLS:-80}" -- \
			git push origin main "$@"
	)
}

# What pushfix printed about the findings in LOG, from the first finding
# to the summary (git's own lines around it left out).
findings_part() {
	awk '/^\[[0-9]+\/[0-9]+\]/ { on = 1 } on { print } /summary:/ { on = 0 }' \
		"$1" | sed 's/\r$//'
}

# Does FILE hold an ANSI colour sequence?
has_color() {
	grep -q "$(printf '\033')\[" "$1"
}

# The pty log without colour sequences and carriage returns.
plain() {
	sed -e 's/\x1b\[[0-9;]*m//g' -e 's/\r$//' "$1"
}

# Every line pushfix printed in LOG (from the first finding to the
# summary) fits $2 columns (default 80).  Characters, not bytes: the
# output is UTF-8.
fits_80() {
	plain "$1" | LC_ALL=C.UTF-8 awk -v w="${2:-80}" '
		/^\[[0-9]+\/[0-9]+\]/ { on = 1 }
		on && length($0) > w { print "too wide: " $0; bad = 1 }
		/^summary:/ { on = 0 }
		END { exit bad }'
}

# The remote's main, and whether it moved to our HEAD.
remote_main() {
	git --git-dir="$TRASH/origin.git" rev-parse -q --verify refs/heads/main
}
pushed() {
	[ "$(remote_main)" = "$(git rev-parse HEAD)" ]
}
