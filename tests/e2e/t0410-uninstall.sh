#!/bin/sh
# `pushfix uninstall [--purge | --keep]` (issue 13): the hook goes, a
# previous hook comes back byte for byte exactly as with
# `install.sh --uninstall`, and .git/pushfix/ goes only when asked.
. "$(dirname "$0")/lib.sh"

INSTALL=$SRC/install.sh

test_cmp_files() { # expected actual
	cmp -s "$1" "$2" || { echo "files differ:"; diff -u "$1" "$2"; return 1; }
}

mode_of() { stat -c %a "$1"; }

# The user's own pre-push hook: says it ran.
write_old_hook() { # path
	mkdir -p "$(dirname "$1")" &&
	cat >"$1" <<\EOF2 &&
#!/bin/sh
# the user's own pre-push hook
echo "old hook ran" >&2
EOF2
	chmod 755 "$1"
}

# A bare remote $1.git and a clone $1 with one pushed commit; cd into it.
fresh_clone() {
	rm -rf "$TRASH/$1.git" "$TRASH/$1"
	git init -q --bare "$TRASH/$1.git" &&
	git clone -q "$TRASH/$1.git" "$TRASH/$1" 2>/dev/null &&
	cd "$TRASH/$1" &&
	git commit -q --allow-empty -m initial &&
	git push -q origin main 2>/dev/null
}

# What pushfix leaves in .git/pushfix/ (names as the stages write them).
fake_state() {
	mkdir -p .git/pushfix/cache .git/pushfix/outbox &&
	echo "{}" >.git/pushfix/sent.jsonl &&
	echo "{}" >.git/pushfix/cache/llm-1.json
}

test_expect_success 'uninstall puts a chained hook back byte for byte; --purge removes the state' '
	fresh_clone chain &&
	write_old_hook .git/hooks/pre-push &&
	cp -p .git/hooks/pre-push "$TRASH/chain.old" &&
	sh "$INSTALL" --bin "$PUSHFIX_BIN" --no-deps >/dev/null &&
	test -e .git/hooks/pre-push.pushfix-orig &&
	fake_state &&
	"$PUSHFIX_BIN" uninstall --purge </dev/null >out 2>err &&
	expect_grep "^pushfix: hook removed; your previous pre-push hook is back: $TRASH/chain/.git/hooks/pre-push$" out &&
	expect_grep "^pushfix: removed $TRASH/chain/.git/pushfix (cache/, outbox/, sent.jsonl)$" out &&
	! test -s err &&
	cmp .git/hooks/pre-push "$TRASH/chain.old" &&
	test "$(mode_of .git/hooks/pre-push)" = 755 &&
	test "$(ls -A .git/hooks | grep -c pushfix)" = 0 &&
	! test -e .git/pushfix &&
	git commit -q --allow-empty -m after &&
	git push origin main 2>err &&
	expect_grep "old hook ran" err &&
	expect_no_grep "^pushfix" err
'

test_expect_success 'without --purge and no terminal: the state stays, with the way to purge' '
	fresh_clone keep &&
	sh "$INSTALL" --bin "$PUSHFIX_BIN" --no-deps >/dev/null &&
	fake_state &&
	"$PUSHFIX_BIN" uninstall </dev/null >out 2>err &&
	expect_grep "^pushfix: hook removed: $TRASH/keep/.git/hooks/pre-push$" out &&
	expect_grep "^pushfix: kept $TRASH/keep/.git/pushfix (sent log, caches, decisions, outbox); remove it with .pushfix uninstall --purge.$" out &&
	! test -e .git/hooks/pre-push &&
	test -e .git/pushfix/sent.jsonl &&
	"$PUSHFIX_BIN" uninstall --purge </dev/null >out &&
	expect_grep "^pushfix: no pushfix hook in $TRASH/keep/.git/hooks: nothing to remove$" out &&
	expect_grep "^pushfix: removed $TRASH/keep/.git/pushfix" out &&
	! test -e .git/pushfix &&
	"$PUSHFIX_BIN" uninstall --purge </dev/null >out &&
	expect_grep "^pushfix: no $TRASH/keep/.git/pushfix: nothing to purge$" out
'

test_expect_success 'on a terminal it asks: y removes, Enter keeps' '
	fresh_clone ask &&
	sh "$INSTALL" --bin "$PUSHFIX_BIN" --no-deps >/dev/null &&
	fake_state &&
	cat >"$TRASH/s" <<-\EOF &&
	expect remove .*/ask/.git/pushfix too \(sent log, caches, decisions, outbox\)\? \[y/N\] 
	line
	EOF
	python3 "$STANDINS/pty_drive.py" --script "$TRASH/s" --log "$TRASH/log" \
		-- "$PUSHFIX_BIN" uninstall &&
	expect_grep "kept $TRASH/ask/.git/pushfix" "$TRASH/log" &&
	test -e .git/pushfix/sent.jsonl &&
	cat >"$TRASH/s" <<-\EOF &&
	expect \[y/N\] 
	line y
	EOF
	python3 "$STANDINS/pty_drive.py" --script "$TRASH/s" --log "$TRASH/log" \
		-- "$PUSHFIX_BIN" uninstall &&
	expect_grep "removed $TRASH/ask/.git/pushfix (cache/, outbox/, sent.jsonl)" "$TRASH/log" &&
	! test -e .git/pushfix &&
	# --keep never asks
	fake_state &&
	printf "expect kept\n" >"$TRASH/s" &&
	python3 "$STANDINS/pty_drive.py" --script "$TRASH/s" --log "$TRASH/log" \
		-- "$PUSHFIX_BIN" uninstall --keep &&
	expect_no_grep "y/N" "$TRASH/log" &&
	test -e .git/pushfix/sent.jsonl
'

# Two identical clones, one uninstalled by install.sh and one by pushfix:
# the same files and the same words (but for the path), in every case.
same_as_install_sh() { # setup-function
	for who in sh bin; do
		fresh_clone "same-$who" &&
		"$1" &&
		if [ $who = sh ]; then
			sh "$INSTALL" --uninstall >"$TRASH/$who.out" 2>"$TRASH/$who.err"
		else
			"$PUSHFIX_BIN" uninstall --keep >"$TRASH/$who.out" 2>"$TRASH/$who.err"
		fi || return 1
		rm -rf .git/pushfix &&
		ls -lA --time-style=+ "$(git rev-parse --git-path hooks)" |
			sed 1d >"$TRASH/$who.ls" &&
		for f in "$(git rev-parse --git-path hooks)"/pre-push*; do
			test -e "$f" || continue
			cksum <"$f"
		done >"$TRASH/$who.sum" || return 1
	done &&
	sed "s/same-sh/same-X/g; s/^install.sh:/pushfix:/" "$TRASH/sh.out" "$TRASH/sh.err" >"$TRASH/sh.said" &&
	grep -v "^pushfix: kept" "$TRASH/bin.out" |
		cat - "$TRASH/bin.err" | sed "s/same-bin/same-X/g" >"$TRASH/bin.said" &&
	test_cmp_files "$TRASH/sh.said" "$TRASH/bin.said" &&
	test_cmp_files "$TRASH/sh.ls" "$TRASH/bin.ls" &&
	test_cmp_files "$TRASH/sh.sum" "$TRASH/bin.sum"
}

case_chained() {
	write_old_hook .git/hooks/pre-push &&
	sh "$INSTALL" --bin "$PUSHFIX_BIN" --no-deps >/dev/null
}
case_plain() {
	sh "$INSTALL" --bin "$PUSHFIX_BIN" --no-deps >/dev/null
}
case_ours_deleted() {
	case_chained && rm .git/hooks/pre-push
}
case_not_ours() {
	case_chained && write_old_hook .git/hooks/pre-push
}
case_nothing() {
	:
}
case_symlink() {
	write_old_hook "$TRASH/shared-hooks/pre-push" &&
	ln -sf "$TRASH/shared-hooks/pre-push" .git/hooks/pre-push &&
	sh "$INSTALL" --bin "$PUSHFIX_BIN" --no-deps >/dev/null
}
case_noexec() {
	write_old_hook .git/hooks/pre-push &&
	chmod 644 .git/hooks/pre-push &&
	sh "$INSTALL" --bin "$PUSHFIX_BIN" --no-deps >/dev/null
}
case_hookspath() {
	git config core.hooksPath .githooks &&
	write_old_hook .githooks/pre-push &&
	sh "$INSTALL" --bin "$PUSHFIX_BIN" --no-deps >/dev/null &&
	mkdir -p sub && cd sub
}

for c in chained plain ours_deleted not_ours nothing symlink noexec hookspath; do
	test_expect_success "the same as install.sh --uninstall: $c" "
		same_as_install_sh case_$c
	"
done

test_expect_success 'a linked worktree uninstalls from the common hooks dir' '
	fresh_clone wt &&
	write_old_hook .git/hooks/pre-push &&
	cp -p .git/hooks/pre-push "$TRASH/wt.old" &&
	sh "$INSTALL" --bin "$PUSHFIX_BIN" --no-deps >/dev/null &&
	fake_state &&
	git worktree add -q -b side "$TRASH/wt-side" 2>/dev/null &&
	cd "$TRASH/wt-side" &&
	"$PUSHFIX_BIN" uninstall --purge </dev/null >out &&
	cmp "$TRASH/wt/.git/hooks/pre-push" "$TRASH/wt.old" &&
	! test -e "$TRASH/wt/.git/pushfix"
'

test_expect_success 'its command line: --help, a bad option, --purge with --keep, no repository' '
	"$PUSHFIX_BIN" uninstall --help >out &&
	expect_grep "^usage: pushfix uninstall \[--purge | --keep\]" out &&
	"$PUSHFIX_BIN" help uninstall >out2 &&
	cmp out out2 &&
	"$PUSHFIX_BIN" --help >out &&
	expect_grep "^  uninstall " out &&
	{ "$PUSHFIX_BIN" uninstall --frobnicate 2>err; test $? = 2; } &&
	expect_grep "^error: unknown option .--frobnicate.$" err &&
	{ "$PUSHFIX_BIN" uninstall --purge --keep 2>err; test $? = 2; } &&
	expect_grep "^usage: pushfix uninstall" err &&
	mkdir -p "$TRASH/norepo" && cd "$TRASH/norepo" &&
	{ GIT_CEILING_DIRECTORIES=$TRASH "$PUSHFIX_BIN" uninstall 2>err; test $? = 1; } &&
	expect_grep "^error: not a git repository" err
'

test_done
