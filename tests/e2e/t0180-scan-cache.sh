#!/bin/sh
# The per-blob scan cache (issue 14 item 1): a second scan of the same
# content runs the scanner on nothing and reports exactly what a fresh
# scan reports (checked on this project's own history with the real
# flawfinder); a changed rule file or scanner misses; a damaged entry is
# ignored and rewritten; --no-cache and PUSHFIX_NO_CACHE bypass it; a
# second push of the same blobs does not start the scanner.
. "$(dirname "$0")/lib.sh"

unset PUSHFIX_NO_SCAN_CACHE PUSHFIX_NO_CACHE PUSHFIX_SCAN_COMMAND
export PUSHFIX_SCAN_ENGINE=sarif

# The fake SARIF scanner: logs each run, reports one finding on line 1 of
# every file it is given, its rule id the first line of the rules file.
write_fakescan() { # version
	mkdir -p "$TRASH/bin"
	cat >"$TRASH/bin/fakescan" <<-EOF
	#!/bin/sh
	# fakescan version $1
	echo "run \$*" >>"$TRASH/fake.log"
	rule=\$(head -n1 "\$2")
	shift 2
	printf '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"fakescan"}},"results":['
	sep=
	for f in "\$@"; do
		printf '%s{"ruleId":"%s","level":"error","message":{"text":"found %s"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"%s"},"region":{"startLine":1}}}]}' "\$sep" "\$rule" "\$rule" "\$f"
		sep=,
	done
	printf ']}]}\n'
	EOF
	chmod +x "$TRASH/bin/fakescan"
}

runs() { [ -f "$TRASH/fake.log" ] && wc -l <"$TRASH/fake.log" | tr -d ' ' || echo 0; }

fake_scan() { # out.json [options]
	_o=$1
	shift
	PUSHFIX_SCAN_COMMAND="$TRASH/bin/fakescan --rules $TRASH/rules.txt {files}" \
		"$PUSHFIX_BIN" scan HEAD~1..HEAD --no-triage --format json "$@" >"$_o"
}

test_expect_success 'own history, flawfinder: cached scans equal fresh ones' '
	command -v flawfinder &&
	test "$(git -C "$SRC" rev-parse --is-shallow-repository)" = false &&
	git clone -q "$SRC" "$TRASH/self" && cd "$TRASH/self" &&
	n=0 &&
	for c in $(git log --format=%H -n 8 -- "*.c" "*.h"); do
		"$PUSHFIX_BIN" scan $c~1..$c --no-triage --format json >"$TRASH/a.json" &&
		"$PUSHFIX_BIN" scan $c~1..$c --no-triage --format json -v \
			>"$TRASH/b.json" 2>"$TRASH/b.err" &&
		"$PUSHFIX_BIN" scan $c~1..$c --no-triage --no-cache --format json \
			>"$TRASH/c.json" &&
		cmp "$TRASH/a.json" "$TRASH/c.json" &&
		cmp "$TRASH/b.json" "$TRASH/c.json" &&
		if grep -q "scanned by flawfinder" "$TRASH/b.err" ||
			python3 -c "import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))[\"findings\"] else 1)" "$TRASH/b.json"; then
			expect_grep "note: flawfinder: \([0-9]*\) of \1 files\? answered by the scan cache" "$TRASH/b.err" &&
			n=$((n + 1))
		fi || return 1
	done &&
	test $n -gt 0 &&
	ls .git/pushfix/scan-cache/*.json >/dev/null &&
	# Every file of HEAD, partly from the cache: the same as a fresh scan.
	"$PUSHFIX_BIN" scan --all --no-triage --format json >"$TRASH/a.json" &&
	"$PUSHFIX_BIN" scan --all --no-triage --format json >"$TRASH/b.json" &&
	"$PUSHFIX_BIN" scan --all --no-triage --no-cache --format json >"$TRASH/c.json" &&
	cmp "$TRASH/a.json" "$TRASH/c.json" && cmp "$TRASH/b.json" "$TRASH/c.json" &&
	python3 -c "import json,sys; assert len(json.load(open(sys.argv[1]))[\"findings\"]) > 10" "$TRASH/c.json"
'

test_expect_success 'setup: a repository and the fake scanner' '
	setup_repo &&
	write_fakescan 1 && echo R1 >"$TRASH/rules.txt" &&
	printf "int a;\n" | commit_file src/a.c &&
	printf "int b;\n" >src/b.c && printf "int a2;\n" >>src/a.c &&
	git add src && git commit -q -m "two files"
'

test_expect_success 'a second scan of the same content runs the scanner on nothing' '
	cd "$TRASH/work" &&
	fake_scan "$TRASH/1.json" && test "$(runs)" = 1 &&
	fake_scan "$TRASH/2.json" -v 2>"$TRASH/err" && test "$(runs)" = 1 &&
	cmp "$TRASH/1.json" "$TRASH/2.json" &&
	expect_grep "fakescan: 2 of 2 files answered by the scan cache" "$TRASH/err" &&
	expect_grep "\"rule_id\": *\"R1\"" "$TRASH/2.json" &&
	# a.c line 1 is not added: the filter drops it, after the cache.
	python3 -c "import json,sys; assert len(json.load(open(sys.argv[1]))[\"findings\"]) == 1" "$TRASH/2.json"
'

test_expect_success 'a changed rule file misses' '
	cd "$TRASH/work" &&
	echo R2 >"$TRASH/rules.txt" &&
	fake_scan "$TRASH/3.json" && test "$(runs)" = 2 &&
	expect_grep "\"rule_id\": *\"R2\"" "$TRASH/3.json" &&
	expect_no_grep "\"R1\"" "$TRASH/3.json"
'

test_expect_success 'a changed scanner (its version) misses' '
	cd "$TRASH/work" &&
	write_fakescan 2 &&
	fake_scan "$TRASH/4.json" && test "$(runs)" = 3 &&
	cmp "$TRASH/3.json" "$TRASH/4.json" &&
	fake_scan "$TRASH/4.json" && test "$(runs)" = 3
'

test_expect_success '--no-cache and PUSHFIX_NO_CACHE=1 run the scanner' '
	cd "$TRASH/work" &&
	fake_scan "$TRASH/5.json" --no-cache && test "$(runs)" = 4 &&
	PUSHFIX_NO_CACHE=1 fake_scan "$TRASH/6.json" && test "$(runs)" = 5 &&
	cmp "$TRASH/4.json" "$TRASH/5.json" && cmp "$TRASH/4.json" "$TRASH/6.json"
'

test_expect_success 'a truncated or damaged entry is ignored and rewritten' '
	cd "$TRASH/work" &&
	rm -rf .git/pushfix/scan-cache && fake_scan "$TRASH/7.json" &&
	test "$(runs)" = 6 &&
	for f in .git/pushfix/scan-cache/*.json; do
		head -c 20 "$f" >"$f.t" && mv "$f.t" "$f"
	done &&
	fake_scan "$TRASH/7.json" && test "$(runs)" = 7 &&
	cmp "$TRASH/4.json" "$TRASH/7.json" &&
	for f in .git/pushfix/scan-cache/*.json; do
		python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$f" || return 1
	done &&
	fake_scan "$TRASH/8.json" && test "$(runs)" = 7
'

test_expect_success 'concurrent scans: each reads whole entries or none' '
	cd "$TRASH/work" &&
	rm -rf .git/pushfix/scan-cache &&
	for i in 1 2 3 4 5 6; do
		fake_scan "$TRASH/p$i.json" &
	done &&
	wait &&
	for i in 1 2 3 4 5 6; do
		cmp "$TRASH/4.json" "$TRASH/p$i.json" || return 1
	done &&
	test -z "$(find .git/pushfix/scan-cache -name "*.pushfix-*")"
'

test_expect_success 'git push: a second push of the same blobs starts no scanner' '
	cd "$TRASH/work" &&
	export PUSHFIX_SCAN_COMMAND="$TRASH/bin/fakescan --rules $TRASH/rules.txt {files}" &&
	printf "int c;\n" | commit_file src/c.c &&
	before=$(runs) &&
	git push origin HEAD:refs/heads/one 2>"$TRASH/err1" &&
	test "$(runs)" = $((before + 1)) &&
	expect_grep "src/c.c:1" "$TRASH/err1" &&
	git commit -q --amend -m "the same tree, another commit" &&
	git push origin HEAD:refs/heads/two 2>"$TRASH/err2" &&
	test "$(runs)" = $((before + 1)) &&
	expect_grep "src/c.c:1" "$TRASH/err2" &&
	expect_grep "found R2" "$TRASH/err2"
'

test_done
