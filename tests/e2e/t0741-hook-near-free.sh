#!/bin/sh
# Issue 14 item 4: a near-free hook when there is nothing to do.  A push
# that only deletes refs is answered by hooks/pre-push itself, in sh:
# pushfix is never started.  A push whose commits only delete files or
# add binary ones is answered by pushfix from one `git log`, without the
# scanner (nor the configuration: a broken one is the probe, as in
# t0095).  Anything else reaches pushfix with git's ref list byte for
# byte, and is scanned.  The binary the hook runs is a wrapper that
# counts its starts and keeps the stdin it got.
. "$(dirname "$0")/lib.sh"

export PUSHFIX_SCAN_ENGINE=sarif
export PUSHFIX_SCAN_COMMAND="sh -c 'echo ran >>\"$TRASH/scanned\"; printf \"{\\\"version\\\":\\\"2.1.0\\\",\\\"runs\\\":[]}\"' {files}"
export PUSHFIX_LLM_PROVIDER=none CI=1

# A file git and libgit2 both take for binary: a NUL in its first bytes.
binary_file() {
	printf '\211PNG\r\n\032\n\000\000\000\rIHDR%s' "$2" >"$1"
}

reset_marks() {
	rm -f "$TRASH/started" "$TRASH/scanned" "$TRASH/stdin"
}

test_expect_success 'setup: the hook runs a wrapper of pushfix' '
	cat >"$TRASH/wrap" <<-EOF &&
	#!/bin/sh
	echo started >>"$TRASH/started"
	cat >"$TRASH/stdin" || exit 1
	exec "$PUSHFIX_BIN" "\$@" <"$TRASH/stdin"
	EOF
	chmod +x "$TRASH/wrap" &&
	setup_repo &&
	sh "$SRC/install.sh" --bin "$TRASH/wrap" --no-deps --no-build \
		--repo . >/dev/null &&
	grep -q "^pushfix_bin=.*/wrap.$" .git/hooks/pre-push &&
	printf "int a;\n" >a.c && git add a.c && git commit -q -m a &&
	git push -q --no-verify origin main main:refs/heads/old \
		main:refs/heads/old2 main:refs/heads/old3 &&
	mkdir -p .git/pushfix &&
	printf "[scan\nthis is = not ini\n" >.git/pushfix/config.ini &&
	reset_marks
'

test_expect_success 'a deletion-only push: answered by the hook script, pushfix never starts' '
	cd "$TRASH/work" &&
	git push origin :old 2>"$TRASH/err" &&
	test_must_fail_ref() { ! git --git-dir="$TRASH/origin.git" \
		rev-parse -q --verify "$1" >/dev/null; } &&
	test_must_fail_ref refs/heads/old &&
	test ! -e "$TRASH/started" && test ! -e "$TRASH/scanned" &&
	expect_no_grep "^pushfix:\|config\.ini" "$TRASH/err"
'

test_expect_success 'several refs deleted in one push: the same' '
	cd "$TRASH/work" &&
	git push origin :old2 :old3 2>"$TRASH/err" &&
	! git --git-dir="$TRASH/origin.git" rev-parse -q --verify \
		refs/heads/old2 >/dev/null &&
	test ! -e "$TRASH/started" &&
	expect_no_grep "^pushfix:" "$TRASH/err"
'

test_expect_success 'a kept previous hook still runs on a deletion-only push; pushfix does not' '
	cd "$TRASH/work" &&
	sh "$SRC/install.sh" --uninstall --repo . >/dev/null &&
	printf "#!/bin/sh\ncat >\"%s/orig.stdin\"\n" "$TRASH" \
		>.git/hooks/pre-push &&
	chmod +x .git/hooks/pre-push &&
	sh "$SRC/install.sh" --bin "$TRASH/wrap" --no-deps --no-build \
		--repo . >/dev/null &&
	test -x .git/hooks/pre-push.pushfix-orig &&
	git push -q --no-verify origin main:refs/heads/old &&
	git push origin :old 2>"$TRASH/err" &&
	expect_grep "^(delete) 0\{40\} refs/heads/old [0-9a-f]\{40\}$" \
		"$TRASH/orig.stdin" &&
	test ! -e "$TRASH/started" &&
	sh "$SRC/install.sh" --uninstall --repo . >/dev/null &&
	rm .git/hooks/pre-push &&
	sh "$SRC/install.sh" --bin "$TRASH/wrap" --no-deps --no-build \
		--repo . >/dev/null
'

test_expect_success 'more refs than the script reads: pushfix gets every byte, scans nothing' '
	cd "$TRASH/work" &&
	i=0 && specs= && dels= &&
	while [ $i -lt 40 ]; do
		specs="$specs main:refs/heads/many$i" && dels="$dels :many$i" &&
		i=$((i + 1))
	done &&
	git push -q --no-verify origin $specs &&
	reset_marks &&
	git push origin $dels 2>"$TRASH/err" &&
	test "$(git --git-dir="$TRASH/origin.git" for-each-ref \
		refs/heads/many* | wc -l)" = 0 &&
	test "$(cat "$TRASH/started")" = started &&
	test "$(grep -c "^(delete) 0\{40\} refs/heads/many[0-9]* [0-9a-f]\{40\}$" \
		"$TRASH/stdin")" = 40 &&
	test "$(wc -l <"$TRASH/stdin")" = 40 &&
	test ! -e "$TRASH/scanned" &&
	expect_no_grep "^pushfix:" "$TRASH/err"
'

test_expect_success 'PUSHFIX_CORE_VERBOSE: a deletion-only push goes to pushfix, which says so' '
	cd "$TRASH/work" &&
	git push -q --no-verify origin main:refs/heads/old &&
	reset_marks &&
	PUSHFIX_CORE_VERBOSE=1 git push origin :old 2>"$TRASH/err" &&
	test -e "$TRASH/started" &&
	expect_grep "^pushfix: (delete) -> refs/heads/old: deleting" "$TRASH/err"
'

test_expect_success 'a commit that only adds binary files: no scanner, no config read' '
	cd "$TRASH/work" &&
	reset_marks &&
	binary_file logo.png one && binary_file gen.c two &&
	git add logo.png gen.c && git commit -q -m "a logo, a generated file" &&
	git push origin main 2>"$TRASH/err" &&
	test "$(git --git-dir="$TRASH/origin.git" rev-parse main)" = \
		"$(git rev-parse main)" &&
	test -e "$TRASH/started" && test ! -e "$TRASH/scanned" &&
	expect_no_grep "^pushfix:\|config\.ini" "$TRASH/err"
'

test_expect_success 'a binary added, a file deleted: still nothing to scan' '
	cd "$TRASH/work" &&
	reset_marks &&
	binary_file icon.png three && git rm -q a.c && git add icon.png &&
	git commit -q -m "an icon, no a.c" &&
	git push origin main 2>"$TRASH/err" &&
	test ! -e "$TRASH/scanned" &&
	expect_no_grep "^pushfix:\|config\.ini" "$TRASH/err"
'

test_expect_success 'a binary file replaced by text: the full path, which scans it' '
	cd "$TRASH/work" &&
	reset_marks &&
	printf "int g;\n" >gen.c && git commit -q -am "gen.c is text now" &&
	git push origin main 2>"$TRASH/err" &&
	expect_grep "config\.ini. line 1" "$TRASH/err" &&
	test -e "$TRASH/scanned"
'

test_expect_success 'a binary file changed: the full path (it could have become text)' '
	cd "$TRASH/work" &&
	reset_marks &&
	binary_file logo.png four && git commit -q -am "new logo" &&
	git push origin main 2>"$TRASH/err" &&
	expect_grep "config\.ini. line 1" "$TRASH/err" &&
	test ! -e "$TRASH/scanned"
'

test_expect_success 'a binary file and a text file: the full path, which scans' '
	cd "$TRASH/work" &&
	rm .git/pushfix/config.ini &&
	reset_marks &&
	binary_file icon2.png five && printf "int b;\n" >b.c &&
	git add icon2.png b.c && git commit -q -m "icon and b" &&
	git push origin main 2>"$TRASH/err" &&
	test -e "$TRASH/scanned" &&
	expect_grep "^pushfix: no findings on the pushed lines" "$TRASH/err"
'

test_expect_success 'a deletion and an update in one push: pushfix gets both lines, and scans' '
	cd "$TRASH/work" &&
	git push -q --no-verify origin main:refs/heads/old &&
	printf "int c;\n" >c.c && git add c.c && git commit -q -m c &&
	reset_marks &&
	git push origin :old main 2>"$TRASH/err" &&
	expect_grep "^(delete) 0\{40\} refs/heads/old [0-9a-f]\{40\}$" \
		"$TRASH/stdin" &&
	expect_grep "^refs/heads/main $(git rev-parse main) refs/heads/main " \
		"$TRASH/stdin" &&
	test "$(wc -l <"$TRASH/stdin")" = 2 &&
	test -e "$TRASH/scanned"
'

test_done
