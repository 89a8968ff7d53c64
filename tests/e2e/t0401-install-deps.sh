#!/bin/sh
# install.sh's default flow (packages, Semgrep, build, make install) on a
# simulated fresh Debian machine: apt-get, dpkg-query, sudo, id, pipx,
# python3, make and pkg-config are stand-ins that record what they were
# asked, on a PATH holding nothing else but the basic tools.  Nothing is
# installed on this machine, nothing reaches the network.
. "$(dirname "$0")/lib.sh"

# A private copy of the source tree: install.sh finds the hook template
# and build/default/ next to itself.
TREE=$TRASH/src
mkdir -p "$TREE/hooks" &&
cp "$SRC/install.sh" "$SRC/config.ini.example" "$TREE/" &&
cp "$SRC/hooks/pre-push" "$SRC/hooks/post-commit" "$TREE/hooks/"

# Real tools, one symlink each, so that the sandbox PATH decides alone
# which of sudo, pipx, semgrep, flawfinder... exist.
SYS=$TRASH/sysbin
mkdir -p "$SYS"
for t in sh git sed grep cat mktemp tail cut dirname basename tr sort \
	install mkdir chmod mv rm ls env timeout readlink stat cmp diff wc \
	head cp ln true false touch printf; do
	p=$(command -v "$t") && case $p in /*) ln -s "$p" "$SYS/$t" ;; esac
done

FAKE=$TRASH/fakebin
REC=$TRASH/rec
mkdir -p "$FAKE" "$REC" "$TRASH/aptbin"

fake() { # name, body (sh)
	{
		echo '#!/bin/sh'
		echo "echo \"\$(basename \"\$0\") \$*\" >>\"$REC/calls\""
		cat
	} >"$FAKE/$1" && chmod 755 "$FAKE/$1"
}

# Installed Debian packages: one name a line in $REC/installed.
fake dpkg-query <<EOF
for p; do :; done
grep -qx "\$p" "$REC/installed" 2>/dev/null && echo 'install ok installed' && exit 0
exit 1
EOF
fake apt-get <<EOF
[ "\$1" = update ] && exit 0
if [ -n "\${FAKE_APT_FAIL_ONCE:-}" ] && [ ! -e "$REC/apt-failed" ]; then
	touch "$REC/apt-failed"
	echo "E: Unable to locate package libinih-dev"
	exit 100
fi
[ "\${FAKE_APT_EXIT:-0}" = 0 ] || { echo "E: simulated failure"; exit "\$FAKE_APT_EXIT"; }
for p; do
	case \$p in -*|install) continue ;; esac
	echo "\$p" >>"$REC/installed"
	[ "\$p" = flawfinder ] && printf '#!/bin/sh\n' >"$TRASH/aptbin/flawfinder" &&
		chmod 755 "$TRASH/aptbin/flawfinder"
done
exit 0
EOF
fake id <<'EOF'
echo "${FAKE_UID:-1000}"
EOF
fake pipx <<'EOF'
echo "Fatal error from pip prevented installation."
echo "ERROR: No matching distribution found for semgrep"
exit 1
EOF
fake python3 <<EOF
if [ -n "\${FAKE_PIP_OK:-}" ]; then
	mkdir -p "\$HOME/.local/bin" && printf '#!/bin/sh\n' >"\$HOME/.local/bin/semgrep" &&
	chmod 755 "\$HOME/.local/bin/semgrep"
	exit 0
fi
echo "error: externally-managed-environment"
exit 1
EOF
fake pkg-config <<'EOF'
for m; do case " ${FAKE_PC_MISSING:-} " in *" $m "*) exit 1 ;; esac; done
exit 0
EOF
fake cc <<'EOF'
exit 0
EOF
# make: "make -C DIR" builds DIR/build/default/pushfix; "make -C DIR
# install PREFIX=P" copies it to P/bin when P is inside the trash.
fake make <<EOF
[ "\${FAKE_MAKE_EXIT:-0}" = 0 ] || { echo "src/x.c:1: error: simulated"; exit "\$FAKE_MAKE_EXIT"; }
dir=. prefix=
while [ \$# -gt 0 ]; do
	case \$1 in -C) dir=\$2; shift ;; PREFIX=*) prefix=\${1#PREFIX=} ;; esac
	shift
done
if [ -n "\$prefix" ]; then
	case \$prefix in "$TRASH"/*)
		mkdir -p "\$prefix/bin" && cp "\$dir/build/default/pushfix" "\$prefix/bin/pushfix" ;;
	esac
else
	mkdir -p "\$dir/build/default" &&
	printf '#!/bin/sh\necho "built pushfix \$*" >>"$REC/ran"\ncat >/dev/null\n' >"\$dir/build/default/pushfix" &&
	chmod 755 "\$dir/build/default/pushfix"
fi
EOF
fake sudo <<'EOF'
[ -n "${FAKE_SUDO_FAIL:-}" ] && { echo "sudo: a password is required" >&2; exit 1; }
exec "$@"
EOF
mv "$FAKE/sudo" "$TRASH/sudo.off"

BASE_PATH=$FAKE:$TRASH/aptbin:$SYS
DEBS="build-essential pkg-config libgit2-dev libcurl4-openssl-dev libcjson-dev libinih-dev libssl-dev libpcre2-dev"

reset_machine() {
	rm -rf "$REC" "$TREE/build" "$TRASH/aptbin" "$HOME/.local" "$TRASH/prefix"
	mkdir -p "$REC" "$TRASH/aptbin"
	rm -f "$FAKE/sudo"
}

fresh_clone() {
	rm -rf "$TRASH/$1.git" "$TRASH/$1"
	git init -q --bare "$TRASH/$1.git" &&
	git clone -q "$TRASH/$1.git" "$TRASH/$1" 2>/dev/null &&
	cd "$TRASH/$1" &&
	git commit -q --allow-empty -m initial
}

run_install() { PATH=$BASE_PATH sh "$TREE/install.sh" "$@"; }

test_expect_success 'fresh machine as root: packages, Semgrep attempt, build, install, hook' '
	reset_machine &&
	fresh_clone root &&
	FAKE_UID=0 run_install --prefix "$TRASH/prefix" >out 2>err &&
	grep -qx "apt-get install -y -q --no-install-recommends $DEBS flawfinder pipx" "$REC/calls" &&
	expect_grep "^pipx install semgrep" "$REC/calls" &&
	expect_grep "^make -C $TREE\$" "$REC/calls" &&
	expect_grep "^make -C $TREE install PREFIX=$TRASH/prefix\$" "$REC/calls" &&
	grep -qx "pushfix_bin=.$TRASH/prefix/bin/pushfix." .git/hooks/pre-push &&
	expect_grep "Semgrep could not be installed (no pipx or pip, or no network to PyPI)" err &&
	expect_grep "No matching distribution found for semgrep" err &&
	expect_grep "^pushfix: binary   $TRASH/prefix/bin/pushfix (built from $TREE)" out &&
	expect_grep "^pushfix: scanner  flawfinder $TRASH/aptbin/flawfinder: Semgrep is not installed, so pushfix scans C/C++ with flawfinder --sarif" out &&
	git commit -q --allow-empty -m second &&
	PATH=$BASE_PATH git push -q origin main 2>/dev/null &&
	expect_grep "built pushfix hook pre-push origin" "$REC/ran"
'

test_expect_success 'root: the default prefix is /usr/local' '
	cd "$TRASH/root" &&
	FAKE_UID=0 run_install >out 2>err &&
	expect_grep "^make -C $TREE install PREFIX=/usr/local\$" "$REC/calls" &&
	grep -qx "pushfix_bin=./usr/local/bin/pushfix." .git/hooks/pre-push
'

test_expect_success 'a second run installs no package and says the same' '
	cd "$TRASH/root" &&
	: >"$REC/calls" &&
	FAKE_UID=0 run_install --prefix "$TRASH/prefix" >out 2>err &&
	! grep -q "^apt-get" "$REC/calls" &&
	expect_grep "(updated)" out &&
	! test -e .git/hooks/pre-push.pushfix-orig
'

test_expect_success 'not root, no sudo: the exact apt-get line to run, then a clear stop' '
	reset_machine &&
	fresh_clone nosudo &&
	! FAKE_PC_MISSING="libgit2 inih" run_install >out 2>err &&
	! grep -q "^apt-get" "$REC/calls" &&
	expect_grep "warning: cannot install packages: not root and no sudo. As root, run: apt-get install -y $DEBS flawfinder pipx" err &&
	expect_grep "error: cannot build: missing libgit2 (pkg-config) inih (pkg-config); install the build dependencies with: sudo apt-get install -y $DEBS" err &&
	! test -e .git/hooks/pre-push &&
	! grep -q "^make" "$REC/calls"
'

test_expect_success 'not root, with sudo: apt-get through sudo; default prefix ~/.local' '
	reset_machine &&
	cp "$TRASH/sudo.off" "$FAKE/sudo" &&
	fresh_clone withsudo &&
	run_install >out 2>err &&
	expect_grep "^sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $DEBS flawfinder pipx" "$REC/calls" &&
	expect_grep "^make -C $TREE install PREFIX=$HOME/.local\$" "$REC/calls" &&
	test -x "$HOME/.local/bin/pushfix" &&
	grep -qx "pushfix_bin=.$HOME/.local/bin/pushfix." .git/hooks/pre-push &&
	expect_grep "note: $HOME/.local/bin is not on your PATH" out
'

test_expect_success 'sudo refusing: say what to install, build anyway when the libraries are there' '
	reset_machine &&
	cp "$TRASH/sudo.off" "$FAKE/sudo" &&
	fresh_clone sudofail &&
	FAKE_SUDO_FAIL=1 run_install >out 2>err &&
	expect_grep "warning: apt-get failed:" err &&
	expect_grep "sudo: a password is required" err &&
	expect_grep "install them yourself: apt-get install -y $DEBS flawfinder pipx" err &&
	test -x .git/hooks/pre-push
'

test_expect_success 'stale package lists: apt-get update, then the install again' '
	reset_machine &&
	fresh_clone stale &&
	FAKE_UID=0 FAKE_APT_FAIL_ONCE=1 run_install --prefix "$TRASH/prefix" >out 2>err &&
	grep "^apt-get" "$REC/calls" | cut -d" " -f1-2 >got &&
	printf "apt-get install\napt-get update\napt-get install\n" >want &&
	cmp got want &&
	! grep -q "apt-get failed" err
'

test_expect_success 'pip --user installs Semgrep where pipx cannot; the GUI PATH note' '
	reset_machine &&
	fresh_clone pip &&
	FAKE_UID=0 FAKE_PIP_OK=1 run_install --prefix "$TRASH/prefix" >out 2>err &&
	expect_grep "^python3 -m pip install --user --retries 1 --timeout 15 semgrep" "$REC/calls" &&
	expect_grep "^pushfix: scanner  semgrep $HOME/.local/bin/semgrep (just installed)" out &&
	expect_grep "set \[scan\] semgrep_bin = $HOME/.local/bin/semgrep in ~/.config/pushfix/config.ini" out
'

test_expect_success '--no-deps: no package manager is asked anything' '
	reset_machine &&
	fresh_clone nodeps &&
	run_install --no-deps --prefix "$TRASH/prefix" >out 2>err &&
	! grep -q -e "^apt-get" -e "^pipx" -e "^python3" -e "^sudo" "$REC/calls" &&
	expect_grep "^make -C $TREE\$" "$REC/calls" &&
	expect_grep "^pushfix: scanner  none: install Semgrep (pipx install semgrep) or flawfinder" out
'

test_expect_success 'a failed build stops with the compiler'"'"'s last lines and no hook' '
	reset_machine &&
	fresh_clone buildfail &&
	! FAKE_MAKE_EXIT=2 run_install --no-deps >out 2>err &&
	expect_grep "src/x.c:1: error: simulated" err &&
	expect_grep "install.sh: error: the build failed (above); see README.md" err &&
	! test -e .git/hooks/pre-push
'

test_expect_success '--no-build installs the binary already built in the tree' '
	reset_machine &&
	fresh_clone nobuild &&
	! run_install --no-deps --no-build >out 2>err &&
	expect_grep "no binary in $TREE/build/default/pushfix nor $HOME/.local/bin/pushfix; run make there, or pass --bin PATH" err &&
	mkdir -p "$TREE/build/default" &&
	printf "#!/bin/sh\n" >"$TREE/build/default/pushfix" &&
	chmod 755 "$TREE/build/default/pushfix" &&
	run_install --no-deps --no-build >out 2>err &&
	! grep -q "^make" "$REC/calls" &&
	cmp "$TREE/build/default/pushfix" "$HOME/.local/bin/pushfix" &&
	cmp "$TREE/hooks/pre-push" "$HOME/.local/share/pushfix/hooks/pre-push" &&
	cmp "$TREE/config.ini.example" "$HOME/.local/share/pushfix/config.ini.example" &&
	expect_grep "binary   $HOME/.local/bin/pushfix (installed from $TREE/build/default)" out &&
	rm -rf "$TREE/build" &&
	run_install --no-deps --no-build >out 2>err &&
	expect_grep "binary   $HOME/.local/bin/pushfix (already installed)" out
'

test_expect_success '--uninstall needs no package, build or binary' '
	cd "$TRASH/nobuild" &&
	: >"$REC/calls" &&
	run_install --uninstall >out 2>err &&
	expect_grep "hook removed" out &&
	! test -e .git/hooks/pre-push &&
	! grep -q -e "^apt-get" -e "^dpkg-query" -e "^make" -e "^pipx" \
		-e "^python3" -e "^pkg-config" "$REC/calls"
'

test_done
