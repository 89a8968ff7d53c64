#!/bin/sh
# The scan cache with Semgrep (the replay stand-in) and with [scan] tree =
# full: Semgrep's rules are part of the key, a pushed .semgrepignore is
# obeyed even for content cached before it, and tree = full caches per
# tree (the same file over another unchanged header misses).
. "$(dirname "$0")/lib.sh"
. "$SRC/tests/e2e/lib-scan.sh"

unset PUSHFIX_NO_SCAN_CACHE
export FAKE_SEMGREP_FIXTURE=$AF_FIX
cp "$FIXTURES/sarif-autofix/rules/autofix/autofix.yaml" "$TRASH/rules.yaml"
export PUSHFIX_SCAN_SEMGREP_CONFIG=$TRASH/rules.yaml
export PUSHFIX_SCAN_FILTER=all

scan_json() { # out [range]
	"$PUSHFIX_BIN" scan ${2:+"$2"} --no-triage --format json >"$1"
}

test_expect_success 'setup: two copies of one file' '
	setup_repo &&
	mkdir -p app generated &&
	cp "$AF_SRC" app/autofix.py && cp "$AF_SRC" generated/autofix.py &&
	git add . && git commit -q -m "app, generated"
'

test_expect_success 'semgrep: the second scan runs no semgrep; the rules are in the key' '
	cd "$TRASH/work" &&
	rm -f "$FAKE_SEMGREP_LOG" &&
	scan_json "$TRASH/1.json" HEAD~1..HEAD && test "$(log_count)" = 1 &&
	scan_json "$TRASH/2.json" HEAD~1..HEAD && test "$(log_count)" = 1 &&
	cmp "$TRASH/1.json" "$TRASH/2.json" &&
	expect_grep "generated/autofix.py" "$TRASH/2.json" &&
	printf "# a comment\n" >>"$TRASH/rules.yaml" &&
	scan_json "$TRASH/3.json" HEAD~1..HEAD && test "$(log_count)" = 2 &&
	cmp "$TRASH/1.json" "$TRASH/3.json"
'

test_expect_success 'a pushed .semgrepignore applies to content scanned before it' '
	cd "$TRASH/work" &&
	printf "/generated/\n" >.semgrepignore && git add .semgrepignore &&
	git commit -q -m ignore &&
	scan_json "$TRASH/4.json" HEAD~2..HEAD &&
	expect_grep "app/autofix.py" "$TRASH/4.json" &&
	expect_no_grep "generated/autofix.py" "$TRASH/4.json" &&
	scan_json "$TRASH/5.json" HEAD~2..HEAD &&
	cmp "$TRASH/4.json" "$TRASH/5.json"
'

# A SARIF scanner that reports line 1 of each file with the rule named by
# the first line of include/inc.h, an unchanged file of the pushed tree.
mkdir -p "$TRASH/bin"
cat >"$TRASH/bin/treescan" <<EOF
#!/bin/sh
echo run >>"$TRASH/tree.log"
rule=\$(head -n1 include/inc.h 2>/dev/null || echo none)
printf '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"treescan"}},"results":['
sep=
for f in "\$@"; do
	printf '%s{"ruleId":"%s","level":"error","message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"%s"},"region":{"startLine":1}}}]}' "\$sep" "\$rule" "\$f"
	sep=,
done
printf ']}]}\n'
EOF
chmod +x "$TRASH/bin/treescan"

test_expect_success 'tree = full: the same file over another header misses' '
	cd "$TRASH/work" &&
	export PUSHFIX_SCAN_ENGINE=sarif PUSHFIX_SCAN_TREE=full \
		PUSHFIX_SCAN_COMMAND="$TRASH/bin/treescan {files}" &&
	mkdir -p include src &&
	echo H1 >include/inc.h && git add include && git commit -q -m h1 &&
	git checkout -q -b other && echo H2 >include/inc.h &&
	git commit -q -am h2 && git checkout -q main && mkdir -p src &&
	printf "int a;\n" >src/a.c && git add src && git commit -q -m a1 &&
	git checkout -q other && mkdir -p src &&
	printf "int a;\n" >src/a.c && git add src && git commit -q -m a2 &&
	scan_json "$TRASH/t1.json" main~1..main &&
	expect_grep "\"H1\"" "$TRASH/t1.json" &&
	scan_json "$TRASH/t2.json" other~1..other &&
	expect_grep "\"H2\"" "$TRASH/t2.json" &&
	test "$(wc -l <"$TRASH/tree.log")" = 2 &&
	scan_json "$TRASH/t3.json" main~1..main &&
	cmp "$TRASH/t1.json" "$TRASH/t3.json" &&
	test "$(wc -l <"$TRASH/tree.log")" = 2
'

test_done
