#!/bin/sh
# pushfix doctor and pushfix config: what a user runs when something is off.
. "$(dirname "$0")/lib.sh"

test_expect_success 'doctor without the hook: an error naming install.sh, exit 1' '
	git init -q bare-clone && cd bare-clone &&
	! "$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1 &&
	expect_grep "error *hook: no pre-push hook" "$TRASH/out" &&
	expect_grep "run install.sh" "$TRASH/out"
'

test_expect_success 'doctor after install.sh: the hook runs the binary' '
	setup_repo &&
	"$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1;
	expect_grep "ok *hook: .*pre-push runs $PUSHFIX_BIN" "$TRASH/out" &&
	expect_grep "ok *llm: provider none" "$TRASH/out"
'

test_expect_success 'doctor names a missing scanner' '
	cd "$TRASH/work" &&
	! PUSHFIX_SCAN_ENGINE=semgrep PUSHFIX_SCAN_SEMGREP_BIN=no-such-semgrep \
		"$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1 &&
	expect_grep "error *scanner: semgrep is not installed" "$TRASH/out"
'

test_expect_success 'doctor with an LLM key: says found, never prints it' '
	cd "$TRASH/work" &&
	OPENAI_API_KEY=sk-doctor-secret-0123456789 PUSHFIX_LLM_PROVIDER=openai \
		PUSHFIX_LLM_MODEL=gpt-4o-mini "$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1;
	expect_grep "ok *llm: openai, model gpt-4o-mini" "$TRASH/out" &&
	expect_grep "key found" "$TRASH/out" &&
	expect_no_grep "sk-doctor-secret" "$TRASH/out"
'

test_expect_success 'doctor with the LLM key missing: an error' '
	cd "$TRASH/work" &&
	! env -u OPENAI_API_KEY PUSHFIX_LLM_PROVIDER=openai \
		"$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1 &&
	expect_grep "error *llm:" "$TRASH/out"
'

test_expect_success 'config prints the effective value of every layer' '
	cd "$TRASH/work" &&
	mkdir -p .git/pushfix &&
	printf "[scan]\ntimeout = 42\n" >.git/pushfix/config.ini &&
	PUSHFIX_SCAN_FILTER=context "$PUSHFIX_BIN" config >"$TRASH/out" &&
	expect_grep "^timeout = 42" "$TRASH/out" &&
	expect_grep "^filter = context" "$TRASH/out"
'

test_expect_success 'config: a bad value is an error naming file and line' '
	cd "$TRASH/work" &&
	printf "[scan]\nfilter = ad\n" >.git/pushfix/config.ini &&
	! "$PUSHFIX_BIN" config >"$TRASH/out" 2>&1 &&
	expect_grep "config.ini.* line 2" "$TRASH/out" &&
	expect_grep "filter" "$TRASH/out"
'

test_expect_success 'doctor: its summary counts the warnings and errors it printed' '
	cd "$TRASH/work" &&
	printf "[scan]\nfilter = sometimes\nbogus = 1\n[llm]\nprovider = openai-compatible\nbase_url = http://127.0.0.1:9/v1\nmodel = m\napi_key_env = PF_DOCTOR_UNSET_KEY\n" \
		>.git/pushfix/config.ini &&
	env -u PF_DOCTOR_UNSET_KEY PUSHFIX_SCAN_ENGINE=auto PATH=/usr/bin:/bin \
		"$PUSHFIX_BIN" doctor >"$TRASH/out" 2>"$TRASH/err";
	! test -s "$TRASH/err" &&
	expect_grep "^warning *config: .*config.ini.* line 2: .*filter" "$TRASH/out" &&
	expect_grep "^warning *config: .*config.ini.* line 3: .*bogus" "$TRASH/out" &&
	w=$(grep -c "^warning " "$TRASH/out"; true) &&
	e=$(grep -c "^error " "$TRASH/out"; true) &&
	test "$w" -ge 3 &&
	if [ "$w" -eq 1 ]; then ws=warning; else ws=warnings; fi &&
	if [ "$e" -eq 1 ]; then es=error; else es=errors; fi &&
	expect_grep "^$e $es, $w $ws\$" "$TRASH/out"
'

test_expect_success 'doctor names an unset api_key_env, not "none needed"' '
	cd "$TRASH/work" &&
	printf "[llm]\nprovider = openai-compatible\nbase_url = http://127.0.0.1:9/v1\nmodel = m\napi_key_env = PF_DOCTOR_UNSET_KEY\n" \
		>.git/pushfix/config.ini &&
	env -u PF_DOCTOR_UNSET_KEY "$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1;
	expect_grep "^warning *llm: \[llm\] api_key_env PF_DOCTOR_UNSET_KEY is not set" "$TRASH/out" &&
	expect_no_grep "none needed" "$TRASH/out" &&
	printf "[llm]\nprovider = openai\nmodel = m\napi_key_env = PF_DOCTOR_UNSET_KEY\n" \
		>.git/pushfix/config.ini &&
	! env -u PF_DOCTOR_UNSET_KEY "$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1 &&
	expect_grep "^error *llm: \[llm\] api_key_env PF_DOCTOR_UNSET_KEY is not set" "$TRASH/out" &&
	PF_DOCTOR_UNSET_KEY=sk-set-now-0123456789 "$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1;
	expect_grep "^ok *llm: openai, model m, .*key found" "$TRASH/out" &&
	rm .git/pushfix/config.ini
'

test_expect_success 'doctor says which classifier redacts (PUSHFIX_REDACT_SIMD=sse2 forces SSE2)' '
	cd "$TRASH/work" &&
	"$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1;
	expect_grep "^ok *redaction: the \(AVX-512\|SSE2\|C\) classifier" "$TRASH/out" &&
	if grep -q "avx512vbmi" /proc/cpuinfo && grep -q "bmi2" /proc/cpuinfo &&
		grep -q "avx512bw" /proc/cpuinfo; then
		expect_grep "^ok *redaction: the AVX-512 classifier\$" "$TRASH/out"
	fi &&
	PUSHFIX_REDACT_SIMD=sse2 "$PUSHFIX_BIN" doctor >"$TRASH/out" 2>&1;
	expect_grep "^ok *redaction: the SSE2 classifier (AVX-512" "$TRASH/out"
'

test_done
