#!/bin/sh
# Review of the near-free hook (issue 14 item 4): the fast path must never
# take a push with something to scan for one without.  The hook runs a
# wrapper that keeps a mark when the scanner ran.
. "$(dirname "$0")/lib.sh"

export PUSHFIX_SCAN_ENGINE=sarif
export PUSHFIX_SCAN_COMMAND="sh -c 'echo ran >>\"$TRASH/scanned\"; printf \"{\\\"version\\\":\\\"2.1.0\\\",\\\"runs\\\":[]}\"' {files}"
export PUSHFIX_LLM_PROVIDER=none CI=true

test_expect_success 'setup: a pushed branch' '
	setup_repo &&
	printf "int a;\n" >a.c && git add a.c && git commit -q -m a &&
	git push -q --no-verify origin main
'

# `git log` shows no diff for a root commit under log.showRoot=false:
# a history started afresh (an orphan branch, squashed) and forced over
# an existing branch must still be scanned.
test_expect_success 'an unrelated history forced over a branch, log.showRoot=false: scanned' '
	cd "$TRASH/work" &&
	git config log.showRoot false &&
	git checkout -q --orphan fresh &&
	printf "int fresh;\n" >a.c && git add a.c &&
	git commit -q -m "history squashed" &&
	rm -f "$TRASH/scanned" &&
	git push -f origin fresh:main 2>"$TRASH/err" &&
	test -e "$TRASH/scanned" &&
	expect_grep "^pushfix: no findings on the pushed lines" "$TRASH/err"
'

# git takes a blob above core.bigFileThreshold for binary ("-<TAB>-" in
# --numstat); libgit2's diff, the full path's, does not read that key.
# A repository that lowers it (for big assets) must still have its text
# files scanned.
test_expect_success 'a text file above core.bigFileThreshold: scanned' '
	cd "$TRASH/work" &&
	git checkout -q -B main origin/main &&
	git config core.bigFileThreshold 100 &&
	seq 1 100 | sed "s/.*/int v&;/" >big.c && git add big.c &&
	git commit -q -m "a long text file" &&
	rm -f "$TRASH/scanned" &&
	git push origin main 2>"$TRASH/err" &&
	test -e "$TRASH/scanned" &&
	expect_grep "^pushfix: no findings on the pushed lines" "$TRASH/err"
'

# A replace ref makes `git log` show another commit's changes; libgit2
# (the full path) reads the objects as they are.  A commit that adds text,
# replaced by one that only deletes, must still be scanned.
test_expect_success 'a commit hidden behind a replace ref: scanned' '
	cd "$TRASH/work" &&
	git config --unset core.bigFileThreshold &&
	git push -q --no-verify origin main &&
	git rm -q big.c && git commit -q -m "only deletes" &&
	decoy=$(git rev-parse HEAD) &&
	git reset -q --hard HEAD~1 &&
	printf "int added;\n" >added.c && git add added.c &&
	git commit -q -m "adds text" &&
	git replace HEAD "$decoy" &&
	rm -f "$TRASH/scanned" &&
	git push origin main 2>"$TRASH/err" &&
	test -e "$TRASH/scanned" &&
	expect_grep "^pushfix: no findings on the pushed lines" "$TRASH/err"
'

test_done
