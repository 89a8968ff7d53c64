#!/bin/sh
# `pushfix demo`: a throwaway repository, a real push through the hook,
# findings shown; removed at the end unless --keep.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

NOSG_PATH=$(echo "$PATH" | tr : '\n' | grep -v "^$STANDINS/bin\$" | paste -sd: -)
export TMPDIR=$TRASH/tmp
mkdir -p "$TMPDIR"

# The directory the demo announced on its first line.
demo_dir() {
	sed -n 's/^pushfix demo, in a throwaway directory: //p' "$1" | head -1
}

test_expect_success 'demo --keep with flawfinder: a real push, findings on the new lines' '
	command -v flawfinder &&
	PATH=$NOSG_PATH "$PUSHFIX_BIN" demo --keep >"$TRASH/out" 2>"$TRASH/err" &&
	d=$(demo_dir "$TRASH/out") &&
	test -n "$d" && test -d "$d/work" &&
	case "$d" in "$TMPDIR"/pushfix-demo.*) ;; *) false ;; esac &&
	expect_grep "flawfinder" "$TRASH/out" &&
	expect_grep "the push went through" "$TRASH/out" &&
	expect_grep "rm -rf $d" "$TRASH/out" &&
	test "$(git --git-dir="$d/origin.git" rev-parse main)" = \
		"$(git -C "$d/work" rev-parse HEAD)" &&
	test "$(git -C "$d/work" rev-list --count HEAD)" -eq 2 &&
	grep -F "$PUSHFIX_BIN" "$d/work/.git/hooks/pre-push" &&
	test -x "$d/work/.git/hooks/pre-push" &&
	cat "$TRASH/out" "$TRASH/err" >"$TRASH/all" &&
	expect_at "$TRASH/all" src/server.c 24 &&
	expect_at "$TRASH/all" src/server.c 25 &&
	expect_at "$TRASH/all" src/server.c 26 &&
	expect_not_at "$TRASH/all" src/server.c 8 &&
	expect_grep "strcpy(path, user_dir)" "$TRASH/all" &&
	expect_grep "system(cmd)" "$TRASH/all"
'

test_expect_success 'the kept demo repository works with pushfix scan/changes' '
	d=$(demo_dir "$TRASH/out") &&
	cd "$d/work" &&
	"$PUSHFIX_BIN" changes HEAD~1..HEAD >"$TRASH/changes" &&
	printf "app/settings.py\t3-5\napp/views.py\t1-12\nsrc/server.c\t19-27\n" \
		>"$TRASH/expect" &&
	diff -u "$TRASH/expect" "$TRASH/changes" &&
	echo "# more" >>app/views.py && git commit -q -am more &&
	PUSHFIX_SKIP=1 PATH=$NOSG_PATH git push -q origin main 2>"$TRASH/err" &&
	# The skip says so in one line (issue 13), and pushfix says no more.
	test "$(cat "$TRASH/err")" = "pushfix: skipped (PUSHFIX_SKIP=1)" &&
	test "$(git --git-dir="$d/origin.git" rev-parse main)" = "$(git rev-parse HEAD)" &&
	rm -rf "$d"
'

test_expect_success 'demo without --keep removes its directory' '
	PATH=$NOSG_PATH "$PUSHFIX_BIN" demo >"$TRASH/out" 2>"$TRASH/err" &&
	d=$(demo_dir "$TRASH/out") &&
	test -n "$d" &&
	expect_grep "Removed $d" "$TRASH/out" &&
	test ! -e "$d" &&
	test -z "$(ls "$TMPDIR")"
'

test_expect_success 'demo with semgrep: local rules, the pushed files scanned' '
	before=$(log_count) &&
	unset PUSHFIX_SCAN_SEMGREP_CONFIG &&
	"$PUSHFIX_BIN" demo >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "semgrep" "$TRASH/out" &&
	test "$(log_count)" -eq $((before + 1)) &&
	python3 - "$FAKE_SEMGREP_LOG" <<-\EOF
	import json, sys
	e = [json.loads(l) for l in open(sys.argv[1])][-1]
	a = e["argv"]
	cfg = a[a.index("--config") + 1]
	assert cfg.endswith("/rules/demo.yml"), cfg
	paths = sorted(t["path"] for t in e["targets"])
	assert paths == ["app/settings.py", "app/views.py", "src/server.c"], paths
	EOF
'

test_expect_success 'demo with no scanner at all: says so plainly, push still goes' '
	PATH=$NOSG_PATH PUSHFIX_SCAN_COMMAND="no-such-scanner --sarif {files}" \
		"$PUSHFIX_BIN" demo >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "scanner  NONE" "$TRASH/out" &&
	expect_grep "no-such-scanner" "$TRASH/out" &&
	expect_grep "the push went through" "$TRASH/out" &&
	# Without a scanner, the secret check of pushfix still reports the
	# planted credentials (issue 11): one line says which ran.
	expect_grep "only pushfix.s secret check ran" "$TRASH/err" &&
	expect_grep "pushfix.secret.aws-access-key" "$TRASH/err" &&
	grep "^pushfix" "$TRASH/err" |
		grep -v -e "findings on the pushed lines (.*pushfix secret check" \
			-e "^pushfix: not triaged: no LLM configured" \
		>"$TRASH/err.pf" &&
	expect_one_line "$TRASH/err.pf" "no-such-scanner"
'

test_expect_success 'demo --help, and an unknown option is refused' '
	"$PUSHFIX_BIN" demo --help >"$TRASH/out" &&
	expect_grep "usage: pushfix demo" "$TRASH/out" &&
	{ "$PUSHFIX_BIN" demo --frobnicate >"$TRASH/out" 2>"$TRASH/err"; test $? -eq 2; } &&
	expect_grep "frobnicate" "$TRASH/err"
'

test_done
