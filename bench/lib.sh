# Sourced by the C benchmarks' scripts: bench_c NAME builds bench/NAME.c
# against the library (optimised, no sanitizers) and prints the binary's
# path.
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BUILD=${BUILD:-build/default}
PKGS="libgit2 libcurl libcjson inih openssl libpcre2-8"

bench_c() {
	make -s -C "$root" "$BUILD/libpushfix.a" >&2
	mkdir -p "$root/$BUILD/bench"
	# shellcheck disable=SC2046
	cc -std=c11 -D_GNU_SOURCE -O2 -g -I"$root/include" \
		$(pkg-config --cflags $PKGS) \
		-o "$root/$BUILD/bench/$1" "$here/$1.c" \
		"$root/$BUILD/libpushfix.a" $(pkg-config --libs $PKGS) \
		-lpthread -lm >&2
	echo "$root/$BUILD/bench/$1"
}
