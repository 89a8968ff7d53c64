#!/bin/sh
# The filter: of what the scanner reports in the pushed files, only the
# findings touching the pushed lines are shown (mode added), widened by
# scan.context lines (context), the whole file (file) or everything (all).
#
# app/pattern_either_basic.py holds three recorded findings: lines 1-2 (one), 4-5 (two) and
# 7-8 (three).  The push under test changes line 5 only.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

# Run the hook for the unpushed main as git would.  $1: stderr file
run_hook() {
	printf "refs/heads/main %s refs/heads/main %s\n" \
		"$(git rev-parse HEAD)" "$(git rev-parse origin/main)" |
	"$PUSHFIX_BIN" hook pre-push origin "$TRASH/origin.git" \
		>"$TRASH/out" 2>"$1"
}

# shows FILE one|two|three...: exactly these findings are in FILE.
shows() {
	_f=$1
	shift
	for _n in one two three; do
		case " $* " in
		*" $_n "*) expect_grep "method $_n detected" "$_f" || return 1 ;;
		*) expect_no_grep "method $_n detected" "$_f" || return 1 ;;
		esac
	done
}

test_expect_success 'setup: line 5 is the only changed line' '
	setup_repo &&
	cp "$EQ_DIR/stupid.py" . && git add stupid.py &&
	mi_text one three | commit_file app/pattern_either_basic.py "one, three" &&
	git push -q --no-verify origin main &&
	mi_text one two three | commit_file app/pattern_either_basic.py "two" &&
	"$PUSHFIX_BIN" changes origin/main..HEAD >"$TRASH/changes" &&
	printf "app/pattern_either_basic.py\t5\n" >"$TRASH/expect" &&
	cmp "$TRASH/expect" "$TRASH/changes"
'

test_expect_success 'default (added): the finding whose last line was pushed' '
	cd "$TRASH/work" &&
	run_hook "$TRASH/err" &&
	shows "$TRASH/err" two &&
	expect_at "$TRASH/err" app/pattern_either_basic.py 4 &&
	expect_no_grep "eqeq-is-bad" "$TRASH/err"
'

test_expect_success 'filter = added, explicitly' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_FILTER=added run_hook "$TRASH/err" &&
	shows "$TRASH/err" two
'

test_expect_success 'filter = context: widened by scan.context lines' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_FILTER=context PUSHFIX_SCAN_CONTEXT=1 run_hook "$TRASH/err1" &&
	shows "$TRASH/err1" two &&
	PUSHFIX_SCAN_FILTER=context PUSHFIX_SCAN_CONTEXT=2 run_hook "$TRASH/err2" &&
	shows "$TRASH/err2" two three &&
	PUSHFIX_SCAN_FILTER=context PUSHFIX_SCAN_CONTEXT=3 run_hook "$TRASH/err3" &&
	shows "$TRASH/err3" one two three
'

test_expect_success 'filter = file: every finding of a pushed file, none of others' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_FILTER=file run_hook "$TRASH/err" &&
	shows "$TRASH/err" one two three &&
	expect_no_grep "eqeq-is-bad" "$TRASH/err"
'

test_expect_success 'filter = all: everything the scanner said' '
	cd "$TRASH/work" &&
	PUSHFIX_SCAN_FILTER=all run_hook "$TRASH/err" &&
	shows "$TRASH/err" one two three
'

test_expect_success 'filter modes set in .pushfix.ini too' '
	cd "$TRASH/work" &&
	printf "[scan]\nfilter = context\ncontext = 2\n" >.pushfix.ini &&
	run_hook "$TRASH/err" &&
	rm -f .pushfix.ini &&
	shows "$TRASH/err" two three
'

test_expect_success 'a finding whose first line only was pushed' '
	cd "$TRASH/work" &&
	git reset -q --hard origin/main &&
	sed "s/def two(y)/def two(Y)/" "$MI_SRC" >app/pattern_either_basic.py &&
	git commit -q -am "two renamed" &&
	git push -q --no-verify origin main &&
	mi_text one two three | commit_file app/pattern_either_basic.py "two back" &&
	"$PUSHFIX_BIN" changes origin/main..HEAD >"$TRASH/changes" &&
	printf "app/pattern_either_basic.py\t4\n" >"$TRASH/expect" &&
	cmp "$TRASH/expect" "$TRASH/changes" &&
	run_hook "$TRASH/err" &&
	shows "$TRASH/err" two
'

test_expect_success 'the real push shows the same as the hook run' '
	cd "$TRASH/work" &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	shows "$TRASH/err" two
'

test_done
