#!/bin/sh
# The prescan (issue 14 item 2): install.sh --prescan adds a post-commit
# hook whose detached, niced `pushfix prescan --background` fills the scan
# cache, so that the push runs no scanner; with [llm] pretriage the LLM
# cache too, so that the push sends nothing (the requests are the same,
# byte for byte).  A newer prescan stops the older; the hook returns at
# once; with [scan] prescan = false it does nothing.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"
. "$SRC/tests/e2e/lib-llm.sh"

unset PUSHFIX_NO_SCAN_CACHE PUSHFIX_LLM_PRETRIAGE PUSHFIX_SCAN_PRESCAN
mkdir -p "$TRASH/bin" "$TRASH/tmp"
export TMPDIR=$TRASH/tmp
# flawfinder, each run logged; slow while $TRASH/slow exists.
cat >"$TRASH/bin/ff" <<EOF
#!/bin/sh
echo "run \$\$" >>"$TRASH/ff.log"
[ -f "$TRASH/slow" ] && sleep 5
exec flawfinder "\$@"
EOF
chmod +x "$TRASH/bin/ff"
export PUSHFIX_SCAN_COMMAND="$TRASH/bin/ff --sarif {files}"

runs() { [ -f "$TRASH/ff.log" ] && wc -l <"$TRASH/ff.log" | tr -d ' ' || echo 0; }

# Wait (at most 20 s) until no prescan runs and its log says it is done
# (each test removes the log before its commit: the prescan writes anew).
wait_prescan() {
	_i=0
	while [ $_i -lt 200 ]; do
		if [ ! -f .git/pushfix/prescan.pid ] &&
			grep -q "^pushfix prescan:" .git/pushfix/prescan.log 2>/dev/null; then
			return 0
		fi
		sleep 0.1
		_i=$((_i + 1))
	done
	echo "the prescan did not finish:"
	cat .git/pushfix/prescan.log
	return 1
}

test_expect_success 'setup: install.sh --prescan adds the post-commit hook' '
	command -v flawfinder &&
	setup_llm_repo &&
	sh "$SRC/install.sh" --bin "$PUSHFIX_BIN" --no-deps --no-build --repo . \
		--prescan >"$TRASH/install.out" &&
	expect_grep "prescan  .*post-commit" "$TRASH/install.out" &&
	test -x .git/hooks/post-commit &&
	expect_grep "pushfix-managed-hook" .git/hooks/post-commit &&
	expect_grep "^prescan = true" .git/pushfix/config.ini &&
	"$PUSHFIX_BIN" config | grep -q "^prescan = true"
'

start_llm llm --confidence 0.75

test_expect_success 'a commit is scanned in the background; the push runs no scanner' '
	cd "$TRASH/work" &&
	rm -f .git/pushfix/prescan.log &&
	printf "/* more */\n" >>src/copy.c && git commit -q -am "a comment" &&
	wait_prescan &&
	test "$(runs)" = 1 &&
	expect_grep "pushfix prescan: 1 file, 1 finding" .git/pushfix/prescan.log &&
	test "$(llm_requests)" = 0 &&
	git push origin main 2>"$TRASH/err" &&
	test "$(runs)" = 1 &&
	expect_grep "src/copy.c:6" "$TRASH/err" &&
	expect_grep "strcpy(dst, src)" "$TRASH/err" &&
	test "$(llm_requests)" = 1
'

test_expect_success '[llm] pretriage: the push sends no request either' '
	cd "$TRASH/work" &&
	printf "void g(char *d, const char *s) { strcpy(d, s); }\n" >>src/copy.c &&
	before=$(runs) && sent0=$(llm_requests) && rm -f .git/pushfix/prescan.log &&
	PUSHFIX_LLM_PRETRIAGE=true git commit -q -am "another copy" &&
	wait_prescan &&
	test "$(runs)" = $((before + 1)) &&
	sent=$(llm_requests) && test "$sent" -gt "$sent0" &&
	git push origin main 2>"$TRASH/err" &&
	test "$(runs)" = $((before + 1)) &&
	test "$(llm_requests)" = "$sent" &&
	expect_grep "src/copy.c:18" "$TRASH/err" &&
	expect_grep "triage: true positive, confidence 0.75 (cached)" "$TRASH/err"
'

test_expect_success 'the hook returns at once; a newer prescan stops the older' '
	cd "$TRASH/work" &&
	touch "$TRASH/slow" && before=$(runs) &&
	printf "int a1;\n" >>src/copy.c && git commit -q -am one &&
	# the first prescan is in its (slow) scanner
	_i=0 && while [ $_i -lt 50 ] && [ "$(runs)" = "$before" ]; do
		sleep 0.1; _i=$((_i + 1)); done &&
	first=$(cat .git/pushfix/prescan.pid) &&
	kill -0 "$first" && rm -f .git/pushfix/prescan.log &&
	start=$(date +%s) &&
	.git/hooks/post-commit &&
	test $(( $(date +%s) - start )) -lt 3 &&
	rm -f "$TRASH/slow" &&
	_i=0 && while [ $_i -lt 50 ] && kill -0 "$first" 2>/dev/null; do
		sleep 0.1; _i=$((_i + 1)); done &&
	! kill -0 "$first" 2>/dev/null &&
	wait_prescan &&
	test -z "$(ls "$TRASH/tmp" | grep pushfix-scan)"
'

test_expect_success '[scan] prescan = false: the hook starts nothing' '
	cd "$TRASH/work" &&
	rm -f .git/pushfix/prescan.log &&
	before=$(runs) &&
	printf "int a3;\n" >>src/copy.c &&
	PUSHFIX_SCAN_PRESCAN=false git commit -q -am three &&
	sleep 1 &&
	test "$(runs)" = "$before" &&
	test ! -f .git/pushfix/prescan.log
'

test_expect_success 'uninstall removes the post-commit hook' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" uninstall </dev/null >"$TRASH/un.out" 2>&1 &&
	expect_grep "post-commit hook removed" "$TRASH/un.out" &&
	test ! -f .git/hooks/post-commit
'

test_expect_success 'install.sh --prescan keeps a previous post-commit hook; --uninstall puts it back' '
	cd "$TRASH/work" &&
	printf "#!/bin/sh\necho mine >>\"$TRASH/mine.log\"\n" >.git/hooks/post-commit &&
	chmod +x .git/hooks/post-commit && cp .git/hooks/post-commit "$TRASH/mine" &&
	sh "$SRC/install.sh" --bin "$PUSHFIX_BIN" --no-deps --no-build --repo . \
		--prescan >/dev/null &&
	cmp "$TRASH/mine" .git/hooks/post-commit.pushfix-orig &&
	test "$(grep -c "^prescan = true" .git/pushfix/config.ini)" = 1 &&
	rm -f .git/pushfix/prescan.log &&
	printf "int a4;\n" >>src/copy.c && git commit -q -am four &&
	expect_grep mine "$TRASH/mine.log" &&
	wait_prescan &&
	sh "$SRC/install.sh" --uninstall --repo . >"$TRASH/un.out" &&
	expect_grep "post-commit hook removed" "$TRASH/un.out" &&
	cmp "$TRASH/mine" .git/hooks/post-commit &&
	test ! -e .git/hooks/post-commit.pushfix-orig
'

test_done
