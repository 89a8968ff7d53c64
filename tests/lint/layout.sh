#!/bin/sh
# The include rule of docs/ARCHITECTURE.md, checked: a file includes only
# from its own folder, folders below it, and public headers.
#   - src/util/ (the bottom) includes only util's public headers;
#   - nothing outside src/cli/ includes the commands' headers;
#   - a folder's internal header is included only from that folder
#     (unit tests, built with -Isrc, may reach internals on purpose).
# Prints each breach as file:line and exits 1 if there is any.
cd "$(dirname "$0")/../.." || exit 2
UTIL_HEADERS="banned buf err fs interval json proc util"
bad=0

breach() { # file:line:text, why
	echo "layout: $1: $2"
	bad=1
}

for f in src/util/*.c src/util/*.h; do
	[ -f "$f" ] || continue
	grep -n '#include "' "$f" | while IFS= read -r l; do
		h=$(echo "$l" | sed -n 's/.*#include "pushfix\/\([a-z_]*\)\.h".*/\1/p')
		case " $UTIL_HEADERS " in
		*" $h "*) ;;
		*) echo "$f:$l" ;;
		esac
	done
done >"${TMPDIR:-/tmp}/pf-layout.$$"
for h in $UTIL_HEADERS; do
	f=include/pushfix/$h.h
	grep -n '#include "pushfix/' "$f" | while IFS= read -r l; do
		n=$(echo "$l" | sed -n 's/.*#include "pushfix\/\([a-z_]*\)\.h".*/\1/p')
		case " $UTIL_HEADERS " in
		*" $n "*) ;;
		*) echo "$f:$l" ;;
		esac
	done
done >>"${TMPDIR:-/tmp}/pf-layout.$$"
while IFS= read -r l; do
	breach "$l" "util includes a header above util"
done <"${TMPDIR:-/tmp}/pf-layout.$$"
rm -f "${TMPDIR:-/tmp}/pf-layout.$$"

# Internal headers: src/<folder>/<name>.h, included as "<name>.h" from
# that folder only.
for ih in src/*/*.h; do
	[ -f "$ih" ] || continue
	dir=$(dirname "$ih")
	name=$(basename "$ih")
	for l in $(grep -rln "#include \"\(${dir#src/}/\)\?$name\"" src include 2>/dev/null); do
		[ "$(dirname "$l")" = "$dir" ] && continue
		breach "$l" "includes $ih, internal to $dir/"
	done
done

# Public headers never include internal ones.
for l in $(grep -n '#include "[a-z_]*/' include/pushfix/*.h |
	grep -v '#include "pushfix/' | cut -d: -f1,2); do
	breach "$l" "a public header includes an internal one"
done

if [ $bad -ne 0 ]; then
	echo "layout: see docs/ARCHITECTURE.md, the include rule"
	exit 1
fi
echo "layout: include rule holds"
