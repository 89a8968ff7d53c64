#!/bin/sh
# Issue 14 item 4: a push with nothing to scan is answered from git's ref
# list and one `git log`, before the configuration, libgit2 or the guard
# child: a push of commits that only delete files, as a deletion-only
# push.  The probe: a configuration file that cannot be parsed, which the
# full path reports in one line; the quick path never reads it.  Anything
# that adds (a new file, a rename, a new branch) takes the full path.
. "$(dirname "$0")/lib.sh"

export PUSHFIX_SCAN_ENGINE=sarif
export PUSHFIX_SCAN_COMMAND="sh -c 'echo ran >>\"$TRASH/scanned\"; printf \"{\\\"version\\\":\\\"2.1.0\\\",\\\"runs\\\":[]}\"' {files}"
export PUSHFIX_LLM_PROVIDER=none CI=1

break_config() {
	mkdir -p .git/pushfix &&
	printf '[scan\nthis is = not ini\n' >.git/pushfix/config.ini
}

test_expect_success 'setup: two files on the remote, a broken config' '
	setup_repo &&
	printf "int a;\n" >a.c && printf "int b;\n" >b.c &&
	git add a.c b.c && git commit -q -m two &&
	git push -q --no-verify origin main &&
	git push -q --no-verify origin main:refs/heads/old &&
	break_config
'

test_expect_success 'a commit that only deletes a file: nothing read, nothing said' '
	cd "$TRASH/work" &&
	git rm -q a.c && git commit -q -m "drop a" &&
	git push origin main 2>"$TRASH/err" &&
	expect_no_grep "^pushfix:\|config\.ini" "$TRASH/err" &&
	test ! -e "$TRASH/scanned"
'

test_expect_success 'a deletion-only push: nothing read, nothing said' '
	cd "$TRASH/work" &&
	git push origin :old 2>"$TRASH/err" &&
	expect_no_grep "^pushfix:\|config\.ini" "$TRASH/err"
'

test_expect_success 'a rename is an addition: the full path (which reads the config)' '
	cd "$TRASH/work" &&
	git mv b.c c.c && git commit -q -m "rename b" &&
	git push origin main 2>"$TRASH/err" ;
	expect_grep "^warning: .\.git/pushfix/config\.ini. line 1" "$TRASH/err"
'

test_expect_success 'a delete after an add in one push: the full path' '
	cd "$TRASH/work" &&
	printf "int d;\n" >d.c && git add d.c && git commit -q -m "add d" &&
	git rm -q d.c && git commit -q -m "drop d" &&
	git push origin main 2>"$TRASH/err" ;
	expect_grep "^warning: .\.git/pushfix/config\.ini. line 1" "$TRASH/err"
'

test_expect_success 'a new branch of deletions only: the full path' '
	cd "$TRASH/work" &&
	git checkout -q -b gone && git rm -q c.c && git commit -q -m "drop c" &&
	git push origin gone 2>"$TRASH/err" ;
	expect_grep "^warning: .\.git/pushfix/config\.ini. line 1" "$TRASH/err"
'

test_expect_success 'PUSHFIX_CORE_VERBOSE: the full path says why nothing was scanned' '
	cd "$TRASH/work" &&
	git checkout -q main && rm -f .git/pushfix/config.ini &&
	git rm -q c.c && git commit -q -m "drop c" &&
	PUSHFIX_CORE_VERBOSE=1 git push origin main 2>"$TRASH/err" &&
	expect_grep "^pushfix: nothing to scan$" "$TRASH/err"
'

test_done
