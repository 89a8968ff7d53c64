#!/bin/sh
# install.sh: set pushfix up for a git repository, in one command.
#
#   sh /path/to/pushfix/install.sh            (inside your repository)
#
# 1. installs the Debian packages needed to build it (apt-get, with sudo
#    when not root), flawfinder, and Semgrep where the machine can;
# 2. builds pushfix and installs it under PREFIX (make install);
# 3. installs the pre-push hook into the repository's hooks directory
#    (honouring core.hooksPath and linked worktrees), keeping an existing
#    pre-push hook, which then still runs first with the same input.
# Safe to run again; --uninstall puts back exactly what was there.
set -u

PROG=install.sh
MARKER=pushfix-managed-hook
BUILD_PKGS="build-essential pkg-config libgit2-dev libcurl4-openssl-dev \
libcjson-dev libinih-dev libssl-dev libpcre2-dev"
PC_MODULES="libgit2 libcurl libcjson inih openssl libpcre2-8"

usage() {
	cat <<EOF
usage: sh install.sh [options]

Installs pushfix and its pre-push hook into a git repository.

  --repo DIR     the repository (default: the one containing the current
                 directory); linked worktrees and core.hooksPath are honoured
  --bin PATH     use this pushfix binary as it is (no build, no copy)
  --prefix P     install under P/bin (default: ~/.local, or /usr/local as root)
  --no-deps      do not install packages (apt-get, pipx, pip)
  --no-build     do not compile: install the binary already built in this
                 tree, or use the one already under PREFIX
  --prescan      also install a post-commit hook that scans each new commit
                 in the background, and set [scan] prescan = true in
                 .git/pushfix/config.ini: the push then finds it scanned
  --uninstall    remove the hooks and put back the previous ones,
                 byte for byte (the binary stays: other repositories may
                 use it); "pushfix uninstall" does the same
  -h, --help     this text

Skip the hook once with PUSHFIX_SKIP=1 git push (or git push --no-verify).
EOF
}

say() { printf 'pushfix: %s\n' "$*"; }
note() { printf 'pushfix: note: %s\n' "$*"; }
warn() { printf '%s: warning: %s\n' "$PROG" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$PROG" "$*" >&2
	exit 1
}

exists() { [ -e "$1" ] || [ -L "$1" ]; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [ "$(id -u 2>/dev/null)" = 0 ]; }

# Absolute, physical path of an existing directory.
abs_dir() { (cd "$1" 2>/dev/null && pwd -P); }

repo=
bin=
prefix=
no_deps=
no_build=
uninstall=
prescan=
while [ $# -gt 0 ]; do
	case $1 in
	--repo | --bin | --prefix)
		[ $# -ge 2 ] || die "$1 needs a value (see $PROG --help)"
		case $1 in
		--repo) repo=$2 ;;
		--bin) bin=$2 ;;
		--prefix) prefix=$2 ;;
		esac
		shift 2
		continue
		;;
	--repo=*) repo=${1#--repo=} ;;
	--bin=*) bin=${1#--bin=} ;;
	--prefix=*) prefix=${1#--prefix=} ;;
	--no-deps) no_deps=1 ;;
	--no-build) no_build=1 ;;
	--uninstall) uninstall=1 ;;
	--prescan) prescan=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	*)
		printf '%s: error: unknown option %s (see %s --help)\n' \
			"$PROG" "$1" "$PROG" >&2
		exit 2
		;;
	esac
	shift
done

SRCDIR=$(abs_dir "$(dirname "$0")") || die "cannot find the pushfix source tree"
if [ -z "$prefix" ]; then
	if is_root; then prefix=/usr/local; else prefix=${HOME:?}/.local; fi
fi

LOG=$(mktemp "${TMPDIR:-/tmp}/pushfix-install.XXXXXX") ||
	die "cannot create a temporary file in ${TMPDIR:-/tmp}"
trap 'rm -f "$LOG"' EXIT

# The last lines of a command's output, indented, after a failure.
show_log() { tail -n "${1:-8}" "$LOG" | sed 's/^/    /' >&2; }

# ---- the repository and its hooks directory -----------------------------

repo_dir=${repo:-.}
[ -d "$repo_dir" ] || die "'$repo_dir' is not a directory (--repo DIR)"
git -C "$repo_dir" rev-parse --git-dir >/dev/null 2>&1 ||
	die "'$(abs_dir "$repo_dir")' is not in a git repository (use --repo DIR)"
# --git-path hooks is where git looks for hooks: core.hooksPath when set,
# else the common dir's hooks/ (shared by linked worktrees).  It prints a
# path relative to the directory it ran in.
hooks_path=$(cd "$repo_dir" && git rev-parse --git-path hooks) ||
	die "cannot ask git where '$repo_dir' keeps its hooks"
case $hooks_path in
/*) ;;
*) hooks_path=$(abs_dir "$repo_dir")/$hooks_path ;;
esac
# Where core.hooksPath comes from (git 2.26+): a global one is shared.
hooks_scope=$(git -C "$repo_dir" config --show-scope --get core.hooksPath \
	2>/dev/null | cut -f1)

# ---- uninstall ----------------------------------------------------------

is_ours() { [ -f "$1" ] && [ ! -L "$1" ] && grep -q "$MARKER" "$1" 2>/dev/null; }

if [ -n "$uninstall" ]; then
	# The prescan's post-commit hook first, quietly when there is none.
	pc=$hooks_path/post-commit
	if is_ours "$pc"; then
		rm -f "$pc" || die "cannot remove $pc"
		if exists "$pc.pushfix-orig"; then
			mv "$pc.pushfix-orig" "$pc" || die "cannot move $pc.pushfix-orig back"
		fi
		say "post-commit hook removed: $pc"
	fi
	hook=$hooks_path/pre-push
	orig=$hooks_path/pre-push.pushfix-orig
	if is_ours "$hook"; then
		rm -f "$hook" || die "cannot remove $hook"
		if exists "$orig"; then
			mv "$orig" "$hook" || die "cannot move $orig back to $hook"
			say "hook removed; your previous pre-push hook is back: $hook"
		else
			say "hook removed: $hook"
		fi
	elif ! exists "$hook" && exists "$orig"; then
		# Our hook was deleted by hand: still put the user's back.
		mv "$orig" "$hook" || die "cannot move $orig back to $hook"
		say "your previous pre-push hook is back: $hook"
	elif exists "$orig"; then
		warn "$hook is not pushfix's hook: left it and $orig as they are"
	else
		say "no pushfix hook in $hooks_path: nothing to remove"
	fi
	exit 0
fi

# ---- packages -----------------------------------------------------------

# Debian packages of the list that are not installed.
missing_pkgs() {
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q 'install ok installed' || printf '%s ' "$p"
	done
}

# apt-get install, as root or through sudo; an apt-get update first only
# when the package lists are stale (a fresh container has none).
# Returns 2 when it cannot even try.
apt_install() {
	if is_root; then
		sudo=
	elif have sudo; then
		sudo=sudo
	else
		return 2
	fi
	# shellcheck disable=SC2086 # $sudo is empty or one word
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "$@" >"$LOG" 2>&1 && return 0
	# shellcheck disable=SC2086
	$sudo apt-get update -q >"$LOG" 2>&1 &&
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "$@" >"$LOG" 2>&1
}

building=
[ -z "$bin" ] && [ -z "$no_build" ] && building=1
scanner_pkgs=flawfinder
have semgrep || scanner_pkgs="$scanner_pkgs pipx"

if [ -n "$no_deps" ]; then
	:
elif ! have apt-get || ! have dpkg-query; then
	# shellcheck disable=SC2086
	[ -n "$building" ] && warn "not a Debian/Ubuntu system (no apt-get):" \
		"install the equivalents of:" $BUILD_PKGS
else
	want=
	# shellcheck disable=SC2086
	[ -n "$building" ] && want=$(missing_pkgs $BUILD_PKGS)
	# shellcheck disable=SC2086
	optional=$(missing_pkgs $scanner_pkgs)
	# shellcheck disable=SC2086,SC2116 # one line, single spaces
	pkgs=$(echo $want $optional)
	if [ -n "$pkgs" ]; then
		say "installing packages: $pkgs"
		# shellcheck disable=SC2086
		apt_install $want $optional
		rc=$?
		if [ $rc -ne 0 ] && [ -n "$optional" ] && [ -n "$want" ] &&
			[ $rc -ne 2 ]; then
			# Maybe only an optional one is unavailable here.
			# shellcheck disable=SC2086
			apt_install $want
			rc=$?
		fi
		if [ $rc -eq 2 ]; then
			warn "cannot install packages: not root and no sudo." \
				"As root, run: apt-get install -y $pkgs"
		elif [ $rc -ne 0 ]; then
			warn "apt-get failed:"
			show_log 6
			warn "install them yourself: apt-get install -y $pkgs"
		fi
	fi
fi

# Semgrep is not a Debian package: pipx (Debian's way since PEP 668), or
# pip --user where pip still allows it.  Bounded in time: a machine
# without network to PyPI must not hang here.
semgrep_path=
semgrep_how=
if have semgrep; then
	semgrep_path=$(command -v semgrep)
elif [ -x "$HOME/.local/bin/semgrep" ]; then
	semgrep_path=$HOME/.local/bin/semgrep
elif [ -z "$no_deps" ]; then
	limit=
	have timeout && limit="timeout 600"
	say "installing Semgrep (pipx install semgrep)..."
	# shellcheck disable=SC2086 # $limit is empty or two words
	: >"$LOG"
	if { have pipx && $limit pipx install semgrep >>"$LOG" 2>&1; } ||
		{ have python3 && PIP_DISABLE_PIP_VERSION_CHECK=1 \
			$limit python3 -m pip install --user --retries 1 \
			--timeout 15 semgrep >>"$LOG" 2>&1; }; then
		semgrep_how=" (just installed)"
		if have semgrep; then
			semgrep_path=$(command -v semgrep)
		else
			semgrep_path=$HOME/.local/bin/semgrep
		fi
	else
		warn "Semgrep could not be installed (no pipx or pip, or no" \
			"network to PyPI); the last lines said:"
		show_log 4
	fi
fi

# ---- the binary ---------------------------------------------------------

install_files() { # from-binary
	{
		install -d "$prefix/bin" "$prefix/share/pushfix/hooks" \
			"$prefix/share/man/man1" &&
			install -m 0755 "$1" "$prefix/bin/pushfix" &&
			install -m 0755 "$SRCDIR/hooks/pre-push" \
				"$prefix/share/pushfix/hooks/pre-push" &&
			install -m 0755 "$SRCDIR/hooks/post-commit" \
				"$prefix/share/pushfix/hooks/post-commit" &&
			install -m 0644 "$SRCDIR/config.ini.example" \
				"$prefix/share/pushfix/config.ini.example" &&
			# as make install; a tree without it still installs
			{ [ ! -f "$SRCDIR/docs/man/pushfix.1" ] ||
				install -m 0644 "$SRCDIR/docs/man/pushfix.1" \
					"$prefix/share/man/man1/pushfix.1"; }
	} >"$LOG" 2>&1
}

if [ -n "$bin" ]; then
	case $bin in
	/*) ;;
	*) bin=$(abs_dir "$(dirname "$bin")")/$(basename "$bin") ;;
	esac
	if ! { [ -f "$bin" ] && [ -x "$bin" ]; }; then
		die "--bin: '$bin' is not an executable file"
	fi
	bin_msg="$bin (--bin)"
elif [ -n "$no_build" ]; then
	if [ -x "$SRCDIR/build/default/pushfix" ]; then
		install_files "$SRCDIR/build/default/pushfix" || {
			show_log
			die "cannot install into $prefix (try --prefix ~/.local)"
		}
		bin=$prefix/bin/pushfix
		bin_msg="$bin (installed from $SRCDIR/build/default)"
	elif [ -x "$prefix/bin/pushfix" ]; then
		bin=$prefix/bin/pushfix
		bin_msg="$bin (already installed)"
	else
		die "--no-build: no binary in $SRCDIR/build/default/pushfix" \
			"nor $prefix/bin/pushfix; run make there, or pass --bin PATH"
	fi
else
	need=
	for t in make cc pkg-config; do have $t || need="$need $t"; done
	if [ -z "$need" ]; then
		for m in $PC_MODULES; do
			pkg-config --exists "$m" 2>/dev/null ||
				need="$need $m (pkg-config)"
		done
	fi
	if [ -n "$need" ]; then
		die "cannot build: missing${need}; install the build" \
			"dependencies with: sudo apt-get install -y $BUILD_PKGS" \
			"(or pass --bin PATH to use a built binary)"
	fi
	say "building pushfix in $SRCDIR (make)..."
	make -C "$SRCDIR" >"$LOG" 2>&1 || {
		show_log 15
		die "the build failed (above); see README.md"
	}
	make -C "$SRCDIR" install PREFIX="$prefix" >"$LOG" 2>&1 || {
		show_log
		die "cannot install into $prefix (try --prefix ~/.local)"
	}
	bin=$prefix/bin/pushfix
	bin_msg="$bin (built from $SRCDIR)"
fi

# ---- the hook -----------------------------------------------------------

template=$SRCDIR/hooks/pre-push
[ -f "$template" ] || die "the hook template $template is missing"
mkdir -p "$hooks_path" 2>/dev/null || die "cannot create $hooks_path"
hooks_dir=$(abs_dir "$hooks_path") || die "cannot enter $hooks_path"
hook=$hooks_dir/pre-push
orig=$hooks_dir/pre-push.pushfix-orig

# The template with the binary's absolute path written in, single-quoted.
quoted=$(printf '%s\n' "$bin" | sed "s/'/'\\\\''/g")
new=$hooks_dir/.pre-push.pushfix-new.$$
while IFS= read -r line || [ -n "$line" ]; do
	case $line in
	pushfix_bin=*) printf "pushfix_bin='%s'\n" "$quoted" ;;
	*) printf '%s\n' "$line" ;;
	esac
done <"$template" >"$new" || { rm -f "$new"; die "cannot write into $hooks_dir"; }
chmod 0755 "$new" || { rm -f "$new"; die "cannot write into $hooks_dir"; }
if ! { [ "$(grep -c "^pushfix_bin='" "$new")" = 1 ] &&
	grep -q "$MARKER" "$new"; }; then
	rm -f "$new"
	die "$template is not pushfix's hook template"
fi

kept=
if is_ours "$hook"; then
	action="updated"
	exists "$orig" && kept=1
elif exists "$hook"; then
	if exists "$orig"; then
		rm -f "$new"
		die "$hook is not pushfix's hook and $orig already exists" \
			"(from an earlier install?); move one of them away and" \
			"run $PROG again"
	fi
	mv "$hook" "$orig" || { rm -f "$new"; die "cannot rename $hook"; }
	action="installed"
	kept=1
else
	action="installed"
fi
if ! mv -f "$new" "$hook"; then
	rm -f "$new"
	[ "$action" = installed ] && [ -n "$kept" ] && mv "$orig" "$hook"
	die "cannot install $hook"
fi

# ---- the prescan's post-commit hook (--prescan) -------------------------

if [ -n "$prescan" ]; then
	pc_template=$SRCDIR/hooks/post-commit
	[ -f "$pc_template" ] || die "the hook template $pc_template is missing"
	pc=$hooks_dir/post-commit
	pc_new=$hooks_dir/.post-commit.pushfix-new.$$
	while IFS= read -r line || [ -n "$line" ]; do
		case $line in
		pushfix_bin=*) printf "pushfix_bin='%s'\n" "$quoted" ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$pc_template" >"$pc_new" || { rm -f "$pc_new"; die "cannot write into $hooks_dir"; }
	chmod 0755 "$pc_new" || { rm -f "$pc_new"; die "cannot write into $hooks_dir"; }
	if ! is_ours "$pc" && exists "$pc"; then
		if exists "$pc.pushfix-orig"; then
			rm -f "$pc_new"
			die "$pc is not pushfix's hook and $pc.pushfix-orig already" \
				"exists; move one of them away and run $PROG again"
		fi
		mv "$pc" "$pc.pushfix-orig" || { rm -f "$pc_new"; die "cannot rename $pc"; }
	fi
	mv -f "$pc_new" "$pc" || { rm -f "$pc_new"; die "cannot install $pc"; }
	# This clone's own config: a committed .pushfix.ini is the team's.
	state=$(cd "$repo_dir" && git rev-parse --git-common-dir) ||
		die "cannot ask git for the repository's directory"
	case $state in /*) ;; *) state=$(abs_dir "$repo_dir")/$state ;; esac
	mkdir -p "$state/pushfix" || die "cannot create $state/pushfix"
	if ! grep -q '^[[:space:]]*prescan[[:space:]]*=' \
		"$state/pushfix/config.ini" 2>/dev/null; then
		printf '\n[scan]\n; install.sh --prescan\nprescan = true\n' \
			>>"$state/pushfix/config.ini" ||
			die "cannot write $state/pushfix/config.ini"
	fi
fi

# ---- what was done ------------------------------------------------------

say "binary   $bin_msg"
if [ -n "$kept" ]; then
	say "hook     $hook ($action; your previous hook, kept as" \
		"pre-push.pushfix-orig, still runs first)"
else
	say "hook     $hook ($action)"
fi
if [ -n "$prescan" ]; then
	say "prescan  $pc: each commit is scanned in the background" \
		"([scan] prescan = true in $state/pushfix/config.ini)"
fi
case $hooks_scope in
'' | local | worktree) ;;
*) note "core.hooksPath is set in your $hooks_scope git config: every" \
	"repository using it now runs this hook" ;;
esac
if [ -n "$semgrep_path" ]; then
	say "scanner  semgrep $semgrep_path$semgrep_how"
elif have flawfinder; then
	say "scanner  flawfinder $(command -v flawfinder): Semgrep is not" \
		"installed, so pushfix scans C/C++ with flawfinder --sarif;" \
		"for other languages install Semgrep (pipx install semgrep)"
else
	say "scanner  none: install Semgrep (pipx install semgrep) or" \
		"flawfinder (apt-get install flawfinder); until then pushfix" \
		"says so on each push and lets it go on"
fi
case $semgrep_path in
*/.local/bin/*)
	note "git GUIs may run hooks without ~/.local/bin on PATH; if" \
		"yours does, set [scan] semgrep_bin = $semgrep_path" \
		"in ~/.config/pushfix/config.ini" ;;
esac
case :${PATH:-}: in
*:"$(dirname "$bin")":*) ;;
*) note "$(dirname "$bin") is not on your PATH: the hook does not need" \
	"it, but add it to run pushfix yourself" ;;
esac
say "done: the next git push runs pushfix; skip once with PUSHFIX_SKIP=1"
