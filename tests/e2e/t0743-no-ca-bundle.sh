#!/bin/sh
# Issue 14 item 4: Debian's libgit2 is built on mbedTLS and parses the
# whole CA bundle in git_libgit2_init() (6 ms, more than the rest of a
# push with nothing to scan).  pushfix never uses libgit2's network, so
# its own definitions of the two certificate loaders are bound ahead of
# libmbedx509's (src/util/err.c): no command reads the bundle, and every
# libgit2 command still works.
. "$(dirname "$0")/lib.sh"

test_expect_success 'setup: a repository with a commit to push' '
	git init -q -b main "$TRASH/work" &&
	git init -q --bare "$TRASH/origin.git" &&
	cd "$TRASH/work" &&
	git remote add origin "$TRASH/origin.git" &&
	printf "int main(void) { return 0; }\n" >a.c &&
	git add a.c && git commit -q -m a
'

if ldd "$PUSHFIX_BIN" | grep -q libmbedx509; then
	test_expect_success 'libgit2 on mbedTLS: its loaders bind to pushfix' '
		cd "$TRASH/work" &&
		LD_DEBUG=bindings LD_DEBUG_OUTPUT="$TRASH/ld" \
			"$PUSHFIX_BIN" changes >"$TRASH/out" &&
		expect_grep "^a\.c" "$TRASH/out" &&
		cat "$TRASH"/ld.* >"$TRASH/ld" &&
		expect_grep "to .*pushfix.*symbol .mbedtls_x509_crt_parse_file" \
			"$TRASH/ld" &&
		expect_no_grep "to .*libmbedx509.*symbol .mbedtls_x509_crt_parse_file" \
			"$TRASH/ld"
	'
else
	test_expect_success 'libgit2 not on mbedTLS: it never calls the loaders' '
		! objdump -T "$(ldd "$PUSHFIX_BIN" |
			awk "/libgit2/ { print \$3 }")" |
			grep -q mbedtls_x509_crt_parse_file
	'
fi

if command -v strace >/dev/null 2>&1; then
	# LeakSanitizer cannot run under ptrace: it aborts the sanitizer
	# build (CI's second pass), which is not what this test is about.
	test_expect_success 'the CA bundle is never opened' '
		cd "$TRASH/work" &&
		ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
			strace -f -e trace=open,openat -o "$TRASH/st" \
			"$PUSHFIX_BIN" changes >/dev/null &&
		expect_grep "openat" "$TRASH/st" &&
		expect_no_grep "ca-certificates\|/etc/ssl/certs" "$TRASH/st"
	'
fi

test_expect_success 'a push through libgit2 commands still works' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" changes -v >"$TRASH/out" &&
	expect_grep "a\.c" "$TRASH/out"
'

test_done
