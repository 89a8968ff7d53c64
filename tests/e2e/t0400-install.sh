#!/bin/sh
# install.sh and hooks/pre-push, isolated from the pipeline: pushfix is
# replaced by a stand-in given with --bin that records its argv and stdin,
# so these tests check exactly what the hook hands over, real `git push`
# by real `git push`.
. "$(dirname "$0")/lib.sh"

INSTALL=$SRC/install.sh
SQ="'"

test_cmp_files() { # expected actual
	cmp -s "$1" "$2" || { echo "files differ:"; diff -u "$1" "$2"; return 1; }
}

# A stand-in pushfix: records how it was called, its argv and its stdin,
# exits with $FAKE_EXIT.
make_fake() { # path
	mkdir -p "$(dirname "$1")" &&
	cat >"$1" <<EOF &&
#!/bin/sh
printf '%s\n' "\$0" >>"$TRASH/calls"
echo pushfix >>"$TRASH/order"
printf '%s\n' "\$@" >"$TRASH/fake.argv"
cat >"$TRASH/fake.stdin"
echo "fake pushfix ran" >&2
exit \${FAKE_EXIT:-0}
EOF
	chmod 755 "$1"
}

# A pre-push hook the user had before: records argv and stdin, exits with
# $OLD_EXIT.
write_old_hook() { # path
	mkdir -p "$(dirname "$1")" &&
	cat >"$1" <<EOF &&
#!/bin/sh
# the user's own pre-push hook
echo old >>"$TRASH/order"
printf '%s\n' "\$@" >"$TRASH/old.argv"
cat >"$TRASH/old.stdin"
echo "old hook ran" >&2
exit \${OLD_EXIT:-0}
EOF
	chmod 755 "$1"
}

FAKE=$TRASH/bin/pushfix
make_fake "$FAKE"

# A bare remote $1.git and a clone $1 (no hook yet); cd into the clone.
fresh_clone() {
	rm -rf "$TRASH/$1.git" "$TRASH/$1"
	git init -q --bare "$TRASH/$1.git" &&
	git clone -q "$TRASH/$1.git" "$TRASH/$1" 2>/dev/null &&
	cd "$TRASH/$1" &&
	git commit -q --allow-empty -m initial &&
	git push -q origin main 2>/dev/null
}

forget_calls() {
	rm -f "$TRASH/calls" "$TRASH/order" "$TRASH"/old.* "$TRASH"/fake.*
}

# What git gives a pre-push hook for `git push origin main` after one new
# commit: argv and stdin, into expect.argv / expect.stdin.
expect_push_of_main() { # remote's old oid
	printf '%s\n' origin "$(git config remote.origin.url)" \
		>"$TRASH/expect.argv" &&
	printf 'refs/heads/main %s refs/heads/main %s\n' \
		"$(git rev-parse HEAD)" "$1" >"$TRASH/expect.stdin"
}

mode_of() { stat -c %a "$1"; }

test_expect_success 'install writes the absolute path of the binary' '
	fresh_clone abs &&
	sh "$INSTALL" --bin "$FAKE" --no-deps --repo . >out &&
	test -x .git/hooks/pre-push &&
	grep -qx "pushfix_bin=$SQ$FAKE$SQ" .git/hooks/pre-push &&
	! test -e .git/hooks/pre-push.pushfix-orig &&
	expect_grep "hook     $TRASH/abs/.git/hooks/pre-push (installed)" out &&
	expect_grep "binary   $FAKE (--bin)" out
'

test_expect_success 'a relative --bin becomes absolute' '
	fresh_clone rel &&
	(cd .. && sh "$INSTALL" --bin bin/pushfix --no-deps --repo rel) \
		>/dev/null &&
	grep -qx "pushfix_bin=$SQ$FAKE$SQ" .git/hooks/pre-push
'

test_expect_success 'push runs the binary with git'"'"'s argv and stdin, no PATH needed' '
	cd "$TRASH/abs" &&
	forget_calls &&
	old=$(git rev-parse HEAD) &&
	git commit -q --allow-empty -m second &&
	expect_push_of_main "$old" &&
	# A GUI client: nearly empty environment, no PATH to the binary.
	env -i HOME="$HOME" PATH=/usr/bin:/bin GIT_CONFIG_NOSYSTEM=1 \
		git push origin main 2>err &&
	expect_grep "fake pushfix ran" err &&
	printf "%s\n" hook pre-push >want &&
	cat "$TRASH/expect.argv" >>want &&
	test_cmp_files want "$TRASH/fake.argv" &&
	test_cmp_files "$TRASH/expect.stdin" "$TRASH/fake.stdin" &&
	test "$(git -C "$TRASH/abs.git" rev-parse main)" = "$(git rev-parse HEAD)"
'

test_expect_success 'the binary'"'"'s exit status decides the push' '
	cd "$TRASH/abs" &&
	git commit -q --allow-empty -m refused &&
	! FAKE_EXIT=1 git push origin main 2>err &&
	expect_grep "fake pushfix ran" err &&
	test "$(git -C "$TRASH/abs.git" rev-parse main)" = "$(git rev-parse HEAD~1)"
'

test_expect_success 'installing twice refreshes the hook and never chains it to itself' '
	cd "$TRASH/abs" &&
	make_fake "$TRASH/bin2/pushfix" &&
	sh "$INSTALL" --bin "$FAKE" --no-deps >/dev/null &&
	sh "$INSTALL" --bin "$TRASH/bin2/pushfix" --no-deps >out &&
	expect_grep "(updated)" out &&
	! test -e .git/hooks/pre-push.pushfix-orig &&
	grep -qx "pushfix_bin=$SQ$TRASH/bin2/pushfix$SQ" .git/hooks/pre-push &&
	test "$(ls -A .git/hooks | grep -c pushfix)" = 0 &&
	forget_calls &&
	git push origin main 2>err &&
	printf "%s\n" "$TRASH/bin2/pushfix" >want &&
	test_cmp_files want "$TRASH/calls"
'

test_expect_success 'an existing pre-push hook is kept byte for byte' '
	fresh_clone chain &&
	write_old_hook .git/hooks/pre-push &&
	cp -p .git/hooks/pre-push "$TRASH/chain.old-hook" &&
	sh "$INSTALL" --bin "$FAKE" --no-deps >out &&
	expect_grep "your previous hook, kept as pre-push.pushfix-orig, still runs first" out &&
	cmp .git/hooks/pre-push.pushfix-orig "$TRASH/chain.old-hook" &&
	test "$(mode_of .git/hooks/pre-push.pushfix-orig)" = 755 &&
	grep -q pushfix-managed-hook .git/hooks/pre-push
'

test_expect_success 'the kept hook runs first, with the same argv and stdin as pushfix' '
	cd "$TRASH/chain" &&
	forget_calls &&
	old=$(git rev-parse HEAD) &&
	git commit -q --allow-empty -m second &&
	expect_push_of_main "$old" &&
	TMPDIR=$TRASH/tmp && export TMPDIR && mkdir -p "$TMPDIR" &&
	git push origin main 2>err &&
	printf "old\npushfix\n" >want &&
	test_cmp_files want "$TRASH/order" &&
	test_cmp_files "$TRASH/expect.argv" "$TRASH/old.argv" &&
	test_cmp_files "$TRASH/expect.stdin" "$TRASH/old.stdin" &&
	test_cmp_files "$TRASH/expect.stdin" "$TRASH/fake.stdin" &&
	printf "%s\n" hook pre-push >want &&
	cat "$TRASH/expect.argv" >>want &&
	test_cmp_files want "$TRASH/fake.argv" &&
	# the saved copy of stdin does not outlive the push
	test -z "$(ls -A "$TMPDIR")"
'

test_expect_success 'several refs in one push reach both hooks identically' '
	cd "$TRASH/chain" &&
	forget_calls &&
	git commit -q --allow-empty -m third &&
	git branch topic &&
	git tag -a -m v1 v1 &&
	git push origin main topic v1 2>err &&
	test "$(wc -l <"$TRASH/old.stdin")" = 3 &&
	grep -q "^refs/heads/topic $(git rev-parse topic) refs/heads/topic 0000" "$TRASH/old.stdin" &&
	grep -q "^refs/tags/v1 $(git rev-parse v1) refs/tags/v1 0000" "$TRASH/old.stdin" &&
	test_cmp_files "$TRASH/old.stdin" "$TRASH/fake.stdin"
'

test_expect_success 'a failing kept hook stops the push with its status; pushfix does not run' '
	cd "$TRASH/chain" &&
	forget_calls &&
	git commit -q --allow-empty -m refused-by-old &&
	! OLD_EXIT=3 git push origin main 2>err &&
	expect_grep "old hook ran" err &&
	! test -e "$TRASH/calls" &&
	test "$(git -C "$TRASH/chain.git" rev-parse main)" = "$(git rev-parse HEAD~1)" &&
	# the hook itself exits with the old hook'"'"'s status
	echo "refs/heads/main 1 refs/heads/main 2" >refs &&
	{ OLD_EXIT=3 .git/hooks/pre-push origin url <refs; test $? = 3; } &&
	! test -e "$TRASH/calls"
'

test_expect_success 'installing again keeps the chain and does not chain itself' '
	cd "$TRASH/chain" &&
	sh "$INSTALL" --bin "$FAKE" --no-deps >out &&
	sh "$INSTALL" --bin "$FAKE" --no-deps >out &&
	expect_grep "(updated; your previous hook" out &&
	cmp .git/hooks/pre-push.pushfix-orig "$TRASH/chain.old-hook" &&
	forget_calls &&
	git push origin main 2>err &&
	printf "old\npushfix\n" >want &&
	test_cmp_files want "$TRASH/order"
'

test_expect_success 'PUSHFIX_SKIP=1 skips pushfix but still runs the kept hook' '
	cd "$TRASH/chain" &&
	forget_calls &&
	git commit -q --allow-empty -m skipped &&
	PUSHFIX_SKIP=1 git push origin main 2>err &&
	printf "old\n" >want &&
	test_cmp_files want "$TRASH/order" &&
	test "$(git -C "$TRASH/chain.git" rev-parse main)" = "$(git rev-parse HEAD)"
'

test_expect_success 'PUSHFIX_SKIP=1 skips the hook (no kept hook)' '
	cd "$TRASH/abs" &&
	forget_calls &&
	git commit -q --allow-empty -m skipped &&
	PUSHFIX_SKIP=1 git push origin main 2>err &&
	! test -e "$TRASH/calls" &&
	test "$(git -C "$TRASH/abs.git" rev-parse main)" = "$(git rev-parse HEAD)" &&
	git commit -q --allow-empty -m not-skipped &&
	PUSHFIX_SKIP=0 git push origin main 2>err &&
	test -e "$TRASH/calls"
'

test_expect_success 'git push --no-verify skips the hook' '
	cd "$TRASH/chain" &&
	forget_calls &&
	git commit -q --allow-empty -m no-verify &&
	git push --no-verify origin main 2>err &&
	! test -e "$TRASH/order" &&
	test "$(git -C "$TRASH/chain.git" rev-parse main)" = "$(git rev-parse HEAD)"
'

test_expect_success 'a missing binary: one clear line, and the push goes on' '
	fresh_clone missing &&
	make_fake "$TRASH/gone/pushfix" &&
	sh "$INSTALL" --bin "$TRASH/gone/pushfix" --no-deps >/dev/null &&
	rm -rf "$TRASH/gone" &&
	forget_calls &&
	git commit -q --allow-empty -m second &&
	git push origin main 2>err &&
	expect_grep "^pushfix: $TRASH/gone/pushfix not found; reinstall with install.sh or skip with PUSHFIX_SKIP=1$" err &&
	test "$(grep -c "^pushfix:" err)" = 1 &&
	test "$(git -C "$TRASH/missing.git" rev-parse main)" = "$(git rev-parse HEAD)"
'

test_expect_success 'a missing binary still runs the kept hook, whose status counts' '
	cd "$TRASH/missing" &&
	sh "$INSTALL" --uninstall >/dev/null &&
	write_old_hook .git/hooks/pre-push &&
	make_fake "$TRASH/gone/pushfix" &&
	sh "$INSTALL" --bin "$TRASH/gone/pushfix" --no-deps >/dev/null &&
	rm -rf "$TRASH/gone" &&
	forget_calls &&
	git commit -q --allow-empty -m third &&
	! OLD_EXIT=1 git push origin main 2>err &&
	expect_grep "old hook ran" err &&
	expect_grep "pushfix: $TRASH/gone/pushfix not found" err &&
	git push origin main 2>err &&
	test "$(git -C "$TRASH/missing.git" rev-parse main)" = "$(git rev-parse HEAD)"
'

test_expect_success '--uninstall puts the previous hook back, byte for byte' '
	cd "$TRASH/chain" &&
	sh "$INSTALL" --uninstall >out &&
	expect_grep "hook removed; your previous pre-push hook is back" out &&
	cmp .git/hooks/pre-push "$TRASH/chain.old-hook" &&
	test "$(mode_of .git/hooks/pre-push)" = 755 &&
	! test -e .git/hooks/pre-push.pushfix-orig &&
	test "$(ls -A .git/hooks | grep -c pushfix)" = 0 &&
	forget_calls &&
	git commit -q --allow-empty -m after-uninstall &&
	git push origin main 2>err &&
	printf "old\n" >want &&
	test_cmp_files want "$TRASH/order"
'

test_expect_success '--uninstall with no previous hook leaves the hooks dir as it was' '
	fresh_clone plain &&
	ls -lA --time-style=+ .git/hooks >"$TRASH/plain.before" &&
	sh "$INSTALL" --bin "$FAKE" --no-deps >/dev/null &&
	test -e .git/hooks/pre-push &&
	sh "$INSTALL" --uninstall >out &&
	expect_grep "hook removed: " out &&
	ls -lA --time-style=+ .git/hooks >"$TRASH/plain.after" &&
	test_cmp_files "$TRASH/plain.before" "$TRASH/plain.after" &&
	sh "$INSTALL" --uninstall >out &&
	expect_grep "nothing to remove" out
'

test_expect_success 'a non-executable previous hook is kept as is and, as with git, not run' '
	fresh_clone noexec &&
	write_old_hook .git/hooks/pre-push &&
	chmod 644 .git/hooks/pre-push &&
	cp -p .git/hooks/pre-push "$TRASH/noexec.old" &&
	sh "$INSTALL" --bin "$FAKE" --no-deps >/dev/null &&
	forget_calls &&
	git commit -q --allow-empty -m second &&
	git push origin main 2>err &&
	printf "pushfix\n" >want &&
	test_cmp_files want "$TRASH/order" &&
	sh "$INSTALL" --uninstall >/dev/null &&
	cmp .git/hooks/pre-push "$TRASH/noexec.old" &&
	test "$(mode_of .git/hooks/pre-push)" = 644
'

test_expect_success 'a symlinked previous hook comes back as the same symlink' '
	fresh_clone link &&
	write_old_hook "$TRASH/shared-hooks/pre-push" &&
	ln -s "$TRASH/shared-hooks/pre-push" .git/hooks/pre-push &&
	sh "$INSTALL" --bin "$FAKE" --no-deps >/dev/null &&
	test -L .git/hooks/pre-push.pushfix-orig &&
	forget_calls &&
	git commit -q --allow-empty -m second &&
	git push origin main 2>err &&
	printf "old\npushfix\n" >want &&
	test_cmp_files want "$TRASH/order" &&
	sh "$INSTALL" --uninstall >/dev/null &&
	test "$(readlink .git/hooks/pre-push)" = "$TRASH/shared-hooks/pre-push"
'

test_expect_success 'core.hooksPath (relative) is honoured' '
	fresh_clone hp &&
	git config core.hooksPath .githooks &&
	mkdir -p sub && cd sub &&
	sh "$INSTALL" --bin "$FAKE" --no-deps >out &&
	cd .. &&
	test -x .githooks/pre-push &&
	! test -e .git/hooks/pre-push &&
	expect_grep "hook     $TRASH/hp/.githooks/pre-push (installed)" sub/out &&
	forget_calls &&
	git commit -q --allow-empty -m second &&
	git push origin main 2>err &&
	test -e "$TRASH/calls"
'

test_expect_success 'core.hooksPath (absolute, with a hook in it) is honoured and restored' '
	fresh_clone hpabs &&
	write_old_hook "$TRASH/hpabs-hooks/pre-push" &&
	cp -p "$TRASH/hpabs-hooks/pre-push" "$TRASH/hpabs.old" &&
	git config core.hooksPath "$TRASH/hpabs-hooks" &&
	sh "$INSTALL" --bin "$FAKE" --no-deps >/dev/null &&
	cmp "$TRASH/hpabs-hooks/pre-push.pushfix-orig" "$TRASH/hpabs.old" &&
	forget_calls &&
	git commit -q --allow-empty -m second &&
	git push origin main 2>err &&
	printf "old\npushfix\n" >want &&
	test_cmp_files want "$TRASH/order" &&
	sh "$INSTALL" --uninstall >/dev/null &&
	cmp "$TRASH/hpabs-hooks/pre-push" "$TRASH/hpabs.old" &&
	! test -e "$TRASH/hpabs-hooks/pre-push.pushfix-orig"
'

test_expect_success 'a global core.hooksPath is said to be shared' '
	fresh_clone hpglobal &&
	git config --global core.hooksPath "$TRASH/global-hooks" &&
	sh "$INSTALL" --bin "$FAKE" --no-deps >out
	ret=$?
	git config --global --unset core.hooksPath
	test $ret = 0 &&
	test -x "$TRASH/global-hooks/pre-push" &&
	expect_grep "core.hooksPath is set in your global git config" out
'

test_expect_success 'a linked worktree installs into the common hooks dir' '
	fresh_clone wt &&
	git worktree add -q -b side "$TRASH/wt-side" 2>/dev/null &&
	cd "$TRASH/wt-side" &&
	sh "$INSTALL" --bin "$FAKE" --no-deps >out &&
	test -x "$TRASH/wt/.git/hooks/pre-push" &&
	! test -e "$TRASH/wt/.git/worktrees/wt-side/hooks/pre-push" &&
	forget_calls &&
	git commit -q --allow-empty -m from-worktree &&
	git push origin side 2>err &&
	grep -q "^refs/heads/side $(git rev-parse HEAD) refs/heads/side 0000" "$TRASH/fake.stdin" &&
	cd "$TRASH/wt" &&
	forget_calls &&
	git commit -q --allow-empty -m from-main &&
	git push origin main 2>err &&
	test -e "$TRASH/calls"
'

test_expect_success 'paths with spaces and quotes work' '
	fresh_clone "odd dir" &&
	make_fake "$TRASH/it'"'"'s a dir/push fix" &&
	sh "$INSTALL" --bin "$TRASH/it'"'"'s a dir/push fix" --no-deps >/dev/null &&
	forget_calls &&
	git commit -q --allow-empty -m second &&
	git push origin main 2>err &&
	printf "%s\n" "$TRASH/it'"'"'s a dir/push fix" >want &&
	test_cmp_files want "$TRASH/calls"
'

test_expect_success 'an ambiguous hooks dir is refused and left untouched' '
	fresh_clone ambiguous &&
	write_old_hook .git/hooks/pre-push &&
	echo "#!/bin/sh" >.git/hooks/pre-push.pushfix-orig &&
	cp -p .git/hooks/pre-push "$TRASH/amb.1" &&
	cp -p .git/hooks/pre-push.pushfix-orig "$TRASH/amb.2" &&
	! sh "$INSTALL" --bin "$FAKE" --no-deps >out 2>err &&
	expect_grep "is not pushfix.s hook and .*pre-push.pushfix-orig already exists" err &&
	cmp .git/hooks/pre-push "$TRASH/amb.1" &&
	cmp .git/hooks/pre-push.pushfix-orig "$TRASH/amb.2" &&
	test -z "$(ls -A .git/hooks | grep pushfix-new)"
'

test_expect_success 'clear errors: not a repository, bad --bin, bad option' '
	mkdir -p "$TRASH/norepo" && cd "$TRASH/norepo" &&
	! sh "$INSTALL" --bin "$FAKE" --no-deps 2>err &&
	expect_grep "install.sh: error: .*norepo. is not in a git repository (use --repo DIR)" err &&
	cd "$TRASH/abs" &&
	! sh "$INSTALL" --bin "$TRASH/nope" --no-deps 2>err &&
	expect_grep "install.sh: error: --bin: .*nope. is not an executable file" err &&
	! sh "$INSTALL" --frobnicate 2>err &&
	expect_grep "unknown option --frobnicate" err &&
	sh "$INSTALL" --help >out &&
	expect_grep "^usage: sh install.sh" out
'

test_expect_success 'shellcheck: install.sh and the hook are clean' '
	if command -v shellcheck >/dev/null 2>&1; then
		shellcheck -s sh "$INSTALL" "$SRC/hooks/pre-push"
	else
		echo "shellcheck not installed: skipped"
	fi
'

test_done
