#!/bin/sh
# [core] max_seconds bounds pushfix's own work, not the developer: the time
# spent answering at the prompt does not count, so a slow answer is never
# cut off; the limit still holds before the prompt.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-ui.sh"

P1='\(1/3\) Apply this fix'
P2='\(2/3\) Apply this fix'
P3='\(3/3\) Apply this fix'

test_expect_success 'a 4 s think at the prompt with max_seconds = 2: nothing cut off' '
	setup_af3 &&
	cat >"$TRASH/s" <<-EOF &&
	expect $P1
	sleep 4
	line n
	expect $P2
	line n
	expect $P3
	line n
	expect summary:
	EOF
	PUSHFIX_CORE_MAX_SECONDS=2 push_tty "$TRASH/s" "$TRASH/log" &&
	plain "$TRASH/log" >"$TRASH/out" &&
	expect_no_grep "max_seconds" "$TRASH/out" &&
	expect_grep "^summary: 0 applied, 3 skipped, 0 ignored; 3 still open$" "$TRASH/out" &&
	pushed
'

test_done
