/*
 * findlog: the local record of findings and PR feedback (findlog.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/findlog.h"
#include "pushfix/fs.h"
#include "pushfix/store.h"
#include "pushfix/util.h"

struct fx {
	char dir[64];
	char state[96];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	snprintf(f->dir, sizeof(f->dir), "/tmp/pf-test-findlog-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->state, sizeof(f->state), "%s/pushfix", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	pf_remove_tree(f->dir);
	free(f);
	return 0;
}

static void add(const char *sd, const char *line)
{
	assert_int_equal(pf_store_append(sd, PF_FINDLOG_NAME, line,
					 strlen(line), 0),
			 0);
}

#define FP_A "aaaa"
#define FP_B "bbbb"

static void test_show_newest_per_fingerprint(void **state)
{
	struct fx *f = *state;
	struct pf_findlog_filter flt;
	struct pf_buf out = PF_BUF_INIT;

	add(f->state, "{\"type\":\"finding\",\"ts\":100,\"time\":"
		      "\"2025-01-01T00:00:00Z\",\"source\":\"scan\","
		      "\"rule\":\"FF1001\",\"path\":\"a.c\",\"line\":3,"
		      "\"fingerprint\":\"" FP_A "\",\"verdict\":"
		      "\"uncertain\",\"confidence\":0.5,\"component\":null,"
		      "\"reason\":\"Maybe.\"}\n"
		      "not json\n"
		      "{\"type\":\"finding\",\"ts\":200,\"time\":"
		      "\"2025-01-02T00:00:00Z\",\"source\":\"push\","
		      "\"rule\":\"py.sqli\",\"path\":\"b.py\",\"line\":9,"
		      "\"fingerprint\":\"" FP_B "\",\"verdict\":null,"
		      "\"confidence\":null,\"component\":null,"
		      "\"reason\":null}\n"
		      "{\"type\":\"finding\",\"ts\":300,\"time\":"
		      "\"2025-01-03T00:00:00Z\",\"source\":\"push\","
		      "\"rule\":\"FF1001\",\"path\":\"a.c\",\"line\":4,"
		      "\"fingerprint\":\"" FP_A "\",\"verdict\":"
		      "\"true_positive\",\"confidence\":0.9,\"component\":"
		      "\"auth\",\"reason\":\"Real.\"}\n");
	memset(&flt, 0, sizeof(flt));
	assert_int_equal(pf_findlog_show(&out, f->state, &flt), 0);
	assert_string_equal(out.buf,
			    "2025-01-02 push not triaged  b.py:9  py.sqli\n"
			    "2025-01-03 push true_positive (90%) [auth]  "
			    "a.c:4  FF1001\n"
			    "    Real.\n");
	pf_buf_reset(&out);
	flt.verdict = "none";
	assert_int_equal(pf_findlog_show(&out, f->state, &flt), 0);
	assert_non_null(strstr(out.buf, "b.py"));
	assert_null(strstr(out.buf, "a.c"));
	pf_buf_reset(&out);
	flt.verdict = NULL;
	flt.rule = "FF*";
	flt.component = "auth";
	flt.since = 250;
	assert_int_equal(pf_findlog_show(&out, f->state, &flt), 0);
	assert_non_null(strstr(out.buf, "a.c:4"));
	assert_null(strstr(out.buf, "b.py"));
	pf_buf_reset(&out);
	flt.since = 301;
	assert_int_equal(pf_findlog_show(&out, f->state, &flt), 0);
	assert_int_equal(out.len, 0);
	pf_buf_release(&out);
}

static void test_verdict_lookup(void **state)
{
	struct fx *f = *state;
	char *rule = NULL, *path = NULL;

	assert_int_equal(pf_findlog_verdict(f->state, FP_A, &rule, &path),
			 PF_VERDICT_NONE);
	assert_null(rule);
	add(f->state, "{\"type\":\"finding\",\"ts\":1,\"rule\":\"r1\","
		      "\"path\":\"x.c\",\"fingerprint\":\"" FP_A "\","
		      "\"verdict\":\"false_positive\"}\n");
	assert_int_equal(pf_findlog_verdict(f->state, FP_A, &rule, &path),
			 PF_VERDICT_FALSE_POSITIVE);
	assert_string_equal(rule, "r1");
	assert_string_equal(path, "x.c");
	free(rule);
	free(path);
}

static void test_feedback_once_and_rates(void **state)
{
	struct fx *f = *state;
	struct pf_feedback fb;
	struct pf_buf out = PF_BUF_INIT;

	memset(&fb, 0, sizeof(fb));
	fb.fingerprint = FP_A;
	fb.rule = "FF1001";
	fb.agree = 1;
	fb.author = "alice";
	fb.forge = "github";
	fb.reply = "11";
	assert_int_equal(pf_findlog_feedback(f->state, &fb), 0);
	assert_int_equal(pf_findlog_feedback(f->state, &fb), 1);
	fb.forge = "gitlab"; /* same id on another forge: another reply */
	assert_int_equal(pf_findlog_feedback(f->state, &fb), 0);
	fb.reply = "12";
	fb.agree = 0;
	fb.rule = "py.sqli";
	assert_int_equal(pf_findlog_feedback(f->state, &fb), 0);
	assert_int_equal(pf_findlog_feedback_rates(&out, f->state, 0), 0);
	assert_non_null(strstr(out.buf, "rule "));
	assert_non_null(strstr(out.buf, "FF1001"));
	assert_non_null(strstr(out.buf, "    2        0  100%\n"));
	assert_non_null(strstr(out.buf, "    0        1    0%\n"));
	pf_buf_reset(&out);
	assert_int_equal(pf_findlog_feedback_rates(&out, f->state, 1), 0);
	assert_non_null(strstr(out.buf, "{\"rule\":\"FF1001\",\"agree\":2,"
					"\"disagree\":0,\"agreement\":1}\n"));
	pf_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_show_newest_per_fingerprint,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_verdict_lookup, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_feedback_once_and_rates,
					    setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
