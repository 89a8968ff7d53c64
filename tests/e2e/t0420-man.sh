#!/bin/sh
# The man page (issue 13): it renders, it names every command and every
# option each command's --help lists, and `make install` puts it under
# share/man/man1.
. "$(dirname "$0")/lib.sh"

MAN=$SRC/docs/man/pushfix.1

test_expect_success 'pushfix.1 renders without a warning' '
	if command -v groff >/dev/null 2>&1; then
		groff -man -Tascii -ww -z "$MAN" 2>"$TRASH/err" &&
		! test -s "$TRASH/err" || { cat "$TRASH/err"; false; }
	fi &&
	if command -v man >/dev/null 2>&1; then
		# justified text: runs of spaces made one
		MANWIDTH=80 man -l "$MAN" 2>"$TRASH/err" | tr -s " " >"$TRASH/out" &&
		expect_grep "^NAME" "$TRASH/out" &&
		expect_grep "pushfix.*find the security problems a push" "$TRASH/out" &&
		expect_grep "pushfix uninstall \\[--purge | --keep\\]" "$TRASH/out"
	elif command -v groff >/dev/null 2>&1; then
		groff -man -Tascii "$MAN" >"$TRASH/out" &&
		expect_grep "NAME" "$TRASH/out"
	else
		echo "neither man nor groff: rendering skipped"
	fi
'

# The commands `pushfix --help` lists, and the options (-x, --long) in
# each one's --help.
commands() {
	"$PUSHFIX_BIN" --help | sed -n "s/^  \([a-z][a-z-]*\)  .*/\1/p"
}
options_of() {
	"$PUSHFIX_BIN" "$1" --help | grep "^  " |
		grep -o -- "--[a-z][a-z-]*\|^  -[a-z]" | sed "s/^  //" | sort -u
}

test_expect_success 'every command and every option of its --help is in it' '
	test "$(commands | wc -l)" -ge 13 &&
	missing= &&
	for c in $(commands); do
		grep -q "^\.B pushfix $c\( \|$\)" "$MAN" ||
			missing="$missing $c"
		for o in $(options_of "$c"); do
			# troff spells - as \-
			t=$(printf "%s" "$o" | sed "s/-/\\\\\\\\-/g")
			grep -q -- "$t\b" "$MAN" || missing="$missing $c:$o"
		done
	done &&
	{ test -z "$missing" || { echo "not in pushfix.1:$missing"; false; }; }
'

test_expect_success 'make install puts it under share/man/man1' '
	rm -rf "$TRASH/dest" &&
	# The binary as built: no rebuild here (-o), whatever the build.
	make -s -C "$SRC" -o "$PUSHFIX_BIN" BIN="$PUSHFIX_BIN" install \
		DESTDIR="$TRASH/dest" PREFIX=/usr >"$TRASH/out" 2>&1 &&
	cmp "$MAN" "$TRASH/dest/usr/share/man/man1/pushfix.1" &&
	test "$(stat -c %a "$TRASH/dest/usr/share/man/man1/pushfix.1")" = 644 &&
	test -x "$TRASH/dest/usr/bin/pushfix"
'

test_done
