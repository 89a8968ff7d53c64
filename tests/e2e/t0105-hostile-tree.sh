#!/bin/sh
# A pushed tree holding a `.git` directory (or one of the names git's
# checkout refuses as an alias of it) must never become a repository in the
# scan directory: its `core.fsmonitor` would run as soon as a scanner runs
# git there.  Such paths are not written, not scanned, and named; scanners
# run with git's repository discovery fenced off.
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

export TMPDIR=$TRASH/tmp
mkdir -p "$TMPDIR"
MARK=$TRASH/fsmonitor-ran

# A SARIF scanner stand-in that runs git where it is started (as Semgrep
# does to list files), logs its targets, and reports nothing.
cat >"$TRASH/gitscan" <<\EOS
#!/bin/sh
printf '%s\n' "$@" >>"$TRASH/gitscan.args"
git status >>"$TRASH/gitscan.git" 2>&1
git ls-files >>"$TRASH/gitscan.git" 2>&1
echo '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"gitscan"}},"results":[]}]}'
EOS
sed -i "s|\$TRASH|$TRASH|g" "$TRASH/gitscan"
chmod +x "$TRASH/gitscan"

# blob id of stdin
blob() { git hash-object -w --stdin; }

# A tree (from `git mktree` lines on stdin) committed on top of HEAD; the
# index and the work tree stay as they were (git would refuse to check
# it out).
commit_tree() { # message
	_t=$(git mktree) &&
	_c=$(git commit-tree "$_t" -p HEAD -m "$1") &&
	git update-ref refs/heads/main "$_c"
}

# The hostile directory: a repository whose fsmonitor writes $MARK.
hostile_git_tree() {
	_cfg=$(printf '[core]\n\trepositoryformatversion = 0\n\tfsmonitor = "echo pwned >%s; false"\n' "$MARK" | blob) &&
	_head=$(echo "ref: refs/heads/main" | blob) &&
	_keep=$(echo x | blob) &&
	_objs=$(printf '100644 blob %s\t.keep\n' "$_keep" | git mktree) &&
	printf '100644 blob %s\tconfig\n100644 blob %s\tHEAD\n040000 tree %s\tobjects\n040000 tree %s\trefs\n' \
		"$_cfg" "$_head" "$_objs" "$_objs" | git mktree
}

test_expect_success 'setup' '
	setup_repo &&
	mkdir -p .git/pushfix &&
	printf "[scan]\nengine = sarif\ncommand = %s {files}\n" "$TRASH/gitscan" \
		>.git/pushfix/config.ini &&
	echo "x = 1" | commit_file a.py &&
	git push -q --no-verify origin main
'

test_expect_success 'a pushed .git directory: not written, not scanned, named' '
	cd "$TRASH/work" &&
	dotgit=$(hostile_git_tree) &&
	app=$(echo "y = 2" | blob) &&
	base=$(git rev-parse HEAD^{tree}) &&
	{ git ls-tree HEAD; printf "040000 tree %s\t.git\n100644 blob %s\tb.py\n" "$dotgit" "$app"; } |
		commit_tree "hostile .git" &&
	rm -f "$MARK" "$TRASH/gitscan.args" "$TRASH/gitscan.git" &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	{ test ! -e "$MARK" || { echo "core.fsmonitor ran"; false; }; } &&
	expect_grep "^b.py$" "$TRASH/gitscan.args" &&
	expect_no_grep "\.git" "$TRASH/gitscan.args" &&
	expect_grep "^pushfix: warning: not scanned, paths git refuses to check out: \.git/HEAD, \.git/config, \.git/objects/\.keep, \.git/refs/\.keep$" "$TRASH/err" &&
	"$PUSHFIX_BIN" changes -v HEAD~1..HEAD >"$TRASH/out" 2>"$TRASH/err" &&
	expect_grep "skipped \.git/config (a path git refuses to check out)" "$TRASH/err" &&
	expect_no_grep "^\.git/" "$TRASH/out"
'

test_expect_success 'a push of nothing but a .git directory: still named' '
	cd "$TRASH/work" &&
	{ git ls-tree HEAD | grep -v "	\.git$"; printf "040000 tree %s\t.GIT\n" "$(hostile_git_tree)"; } |
		commit_tree "only .GIT" &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	{ test ! -e "$MARK" || { echo "core.fsmonitor ran"; false; }; } &&
	expect_grep "^pushfix: warning: not scanned, paths git refuses to check out: \.GIT/HEAD, \.GIT/config" "$TRASH/err"
'

test_expect_success 'a scan dir inside a repository is not taken for it' '
	cd "$TRASH/work" &&
	echo "z = 3" | commit_file c.py &&
	rm -f "$TRASH/gitscan.git" &&
	TMPDIR=$TRASH/work/tmp && mkdir -p "$TMPDIR" && export TMPDIR &&
	git push -q origin main 2>"$TRASH/err" &&
	expect_grep "not a git repository" "$TRASH/gitscan.git" &&
	expect_no_grep "On branch" "$TRASH/gitscan.git" &&
	rm -rf "$TRASH/work/tmp"
'

# The aliases git refuses: NTFS and HFS+ spellings, and .gitmodules as a
# symlink.
test_expect_success 'aliases of .git are refused too' '
	cd "$TRASH/work" &&
	cfg=$(echo "[core]" | blob) &&
	ok=$(echo "w = 4" | blob) &&
	zwj=$(printf ".g\342\200\214it") &&
	bom=$(printf "\357\273\277.GIT") &&
	{
		git ls-tree HEAD
		printf "100644 blob %s\t%s\n" "$cfg" ".GIT.config"
		for d in ".Git" ".git." ".git .." "git~1" "GIT~1" "$zwj" "$bom"; do
			printf "040000 tree %s\t%s\n" \
				"$(printf "100644 blob %s\tconfig\n" "$cfg" | git mktree)" "$d"
		done
		printf "120000 blob %s\t.gitmodules\n" "$cfg"
		printf "100644 blob %s\td.py\n" "$ok"
	} | commit_tree "aliases" &&
	rm -f "$TRASH/gitscan.args" &&
	git push origin main 2>"$TRASH/err" &&
	expect_remote_at refs/heads/main HEAD &&
	test "$(sort "$TRASH/gitscan.args" | tr "\n" " ")" = ".GIT.config d.py " &&
	for p in ".Git/config" ".git./config" ".git ../config" "git~1/config" \
		"GIT~1/config" "$zwj/config" "$bom/config" ".gitmodules"; do
		grep "^pushfix: warning: not scanned" "$TRASH/err" | grep -qF -- "$p" ||
			{ echo "$p not named"; cat "$TRASH/err"; return 1; }
	done &&
	! grep "^pushfix: warning: not scanned" "$TRASH/err" | grep -qF ".GIT.config"
'

test_done
