#!/bin/sh
# Issue 14 item 4: libcurl is loaded when the first request is made, not
# linked.  A libcurl that cannot be loaded is one clear line and an HTTP
# failure like any other: the push goes on with its findings untriaged,
# and `pushfix doctor` says so.  With it, the same push is triaged.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

test_expect_success 'setup: a pushed strcpy that flawfinder flags' '
	command -v flawfinder &&
	setup_llm_repo
'

start_llm llm
export CI=1

test_expect_success 'the binary does not link libcurl' '
	ldd "$PUSHFIX_BIN" >"$TRASH/ldd" &&
	expect_grep "libgit2" "$TRASH/ldd" &&
	expect_no_grep "libcurl" "$TRASH/ldd"
'

test_expect_success 'no libcurl: one line, the push goes on untriaged, no request' '
	cd "$TRASH/work" &&
	PUSHFIX_LIBCURL=/nonexistent/libcurl.so.4 git push origin main \
		2>"$TRASH/err" &&
	expect_grep "^pushfix: LLM: /nonexistent/libcurl\.so\.4 could not be loaded: .*; install libcurl4 (1 finding left untriaged)$" \
		"$TRASH/err" &&
	expect_grep "strcpy" "$TRASH/err" &&
	test "$(git --git-dir="$TRASH/origin.git" rev-parse main)" = \
		"$(git rev-parse main)" &&
	test "$(llm_requests)" = 0
'

test_expect_success 'doctor: an error with an LLM configured, ok when it loads' '
	cd "$TRASH/work" &&
	test_must_fail() { ! "$@"; } &&
	test_must_fail env PUSHFIX_LIBCURL=/nonexistent/libcurl.so.4 \
		"$PUSHFIX_BIN" doctor >"$TRASH/doc" &&
	expect_grep "^error   http: /nonexistent/libcurl\.so\.4 could not be loaded: .*; install libcurl4$" \
		"$TRASH/doc" &&
	PUSHFIX_LLM_PROVIDER=none "$PUSHFIX_BIN" doctor >"$TRASH/doc2" ;
	expect_grep "^ok      http: libcurl/[0-9.]* .*(loaded on first use)$" \
		"$TRASH/doc2"
'

test_expect_success 'with libcurl: the same push is triaged' '
	cd "$TRASH/work" &&
	llm_set --behaviour answer &&
	printf "void again(char *d, const char *s)\n{\n\tstrcpy(d, s);\n}\n" \
		>>src/copy.c && git commit -q -am again &&
	git push origin main 2>"$TRASH/err" &&
	expect_grep "^pushfix: 1 finding on the pushed lines" "$TRASH/err" &&
	expect_no_grep "libcurl" "$TRASH/err" &&
	test "$(llm_requests)" -ge 1
'

test_done
