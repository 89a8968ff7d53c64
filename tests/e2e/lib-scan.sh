# Helpers for the scan-pipeline tests (t01NN), sourced after lib.sh.
# The recorded Semgrep outputs replayed by tests/standins/bin/semgrep, and
# the fixture's own target files the tests commit (identical bytes, so the
# recorded lines and offsets are right).

FIXTURES=$SRC/tests/fixtures/semgrep-real
# 3 INFO findings, lines 1-2 "method one detected", 4-5 "method two
# detected", 7-8 "method three detected".
MI_FIX=message-interpolation-info/snapshots/test_message_interpolation/test_message_interpolation/rulesmessage_interpolationpattern-either.yaml-message_interpolationpattern_either_basic.py/results.json
MI_SRC=$FIXTURES/message-interpolation-info/targets/message_interpolation/pattern_either_basic.py
MI_RULES=$FIXTURES/message-interpolation-info/rules/message_interpolation/pattern-either.yaml
# rules.eqeq-is-bad on stupid.py line 3, rules.javascript-basic-eqeq-bad
# on stupid.js line 3 (both ERROR).
EQ_FIX=misc-basic-eqeq/snapshots/test_misc/test_basic_rule__local/results.json
EQ_DIR=$FIXTURES/misc-basic-eqeq/targets/basic
# rules.autofix.use-dict-get on autofix.py lines 5 and 6, with extra.fix.
AF_FIX=sarif-autofix/snapshots/test_autofix/test/autofix.yaml-autofix.py-json-dryrun/results.json
AF_SRC=$FIXTURES/sarif-autofix/targets/autofix/autofix.py

export FAKE_SEMGREP_LOG=$TRASH/semgrep.log
export FAKE_SEMGREP_FIXTURE="$MI_FIX:$EQ_FIX:$AF_FIX"
export PUSHFIX_SCAN_SEMGREP_CONFIG=$MI_RULES
unset FAKE_SEMGREP_MODE FAKE_SEMGREP_EXIT PUSHFIX_SCAN_ENGINE \
	PUSHFIX_SCAN_FILTER PUSHFIX_SCAN_CONTEXT PUSHFIX_SCAN_TIMEOUT \
	PUSHFIX_SCAN_COMMAND PUSHFIX_SCAN_SEMGREP_BIN PUSHFIX_POLICY_ON_ERROR \
	PUSHFIX_SKIP

# The message-interpolation target with only the named functions' bodies
# as recorded ("one", "two", "three"); the others get `print(q)` (same
# length, so offsets do not move, and the recorded match is gone).
# mi_text one three >file
mi_text() {
	_e=""
	case " $* " in *" one "*) ;; *) _e="$_e -e s/print(x)/print(q)/" ;; esac
	case " $* " in *" two "*) ;; *) _e="$_e -e s/print(y)/print(q)/" ;; esac
	case " $* " in *" three "*) ;; *) _e="$_e -e s/print(z)/print(q)/" ;; esac
	if [ -n "$_e" ]; then
		# shellcheck disable=SC2086
		sed $_e "$MI_SRC"
	else
		cat "$MI_SRC"
	fi
}

# Number of semgrep invocations logged so far.
log_count() {
	if [ -f "$FAKE_SEMGREP_LOG" ]; then
		wc -l <"$FAKE_SEMGREP_LOG" | tr -d ' '
	else
		echo 0
	fi
}

# The remote's value of a ref (empty when absent).
remote_oid() {
	git --git-dir="$TRASH/origin.git" rev-parse -q --verify "$1" 2>/dev/null
}

# Does the remote's ref equal our rev?
expect_remote_at() { # ref rev
	_r=$(remote_oid "$1")
	_l=$(git rev-parse "$2")
	[ "$_r" = "$_l" ] || {
		echo "remote $1 is '$_r', expected $2 = $_l"
		return 1
	}
}

# A finding shown at path:line (not path:line0...).
expect_at() { # file path line
	grep -Eq -- "$2:$3([^0-9]|\$)" "$1" || {
		echo "expected a finding at $2:$3 in $1:"
		cat "$1"
		return 1
	}
}
expect_not_at() { # file path line
	! grep -Eq -- "$2:$3([^0-9]|\$)" "$1" || {
		echo "did not expect a finding at $2:$3 in $1:"
		cat "$1"
		return 1
	}
}

# Exactly one line that is not a hint:, and it matches the pattern.
expect_one_line() { # file pattern
	_n=$(grep -v '^hint:' "$1" | grep -c .)
	if [ "$_n" -ne 1 ]; then
		echo "expected ONE line (besides hint:) in $1, got $_n:"
		cat "$1"
		return 1
	fi
	grep -v '^hint:' "$1" | grep -Eqi -- "$2" || {
		echo "expected /$2/ in:"
		cat "$1"
		return 1
	}
}

# Is a process alive (a zombie is dead: nobody may reap it here)?
proc_alive() {
	[ -r "/proc/$1/stat" ] || return 1
	_st=$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f1)
	[ "$_st" != Z ] && [ "$_st" != X ]
}

# sha256 of a blob of the repository.
blob_sha256() { # rev:path
	git cat-file blob "$1" | sha256sum | cut -d' ' -f1
}

# Print field $2 of the last logged invocation's target named $1 (python).
logged_target() { # path field
	python3 - "$FAKE_SEMGREP_LOG" "$1" "$2" <<'EOF'
import json, sys
log, path, field = sys.argv[1:]
entries = [json.loads(l) for l in open(log)]
for t in entries[-1]["targets"]:
    if t["path"] == path:
        print(t.get(field, ""))
        break
else:
    sys.exit("no target %s in the last invocation: %s"
             % (path, [t["path"] for t in entries[-1]["targets"]]))
EOF
}
