/*
 * The fix stage's checks of an LLM fix against what the model was shown:
 * a fix may replace only lines of the snippet, each of them whole.  The
 * snippet is built the way triage builds it (pf_snippet_build), so the
 * tests hold whatever the context and the cap are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/fix.h"
#include "pushfix/llm.h"
#include "pushfix/redact.h"
#include "pushfix/snippet.h"
#include "pushfix/util.h"

#define LONG_LINE 11 /* longer than any cap cuts a line to */

/* 20 numbered lines; line LONG_LINE is 600 bytes long. */
static char *file_text(void)
{
	struct pf_buf b = PF_BUF_INIT;

	for (int i = 1; i <= 20; i++) {
		if (i == LONG_LINE) {
			pf_buf_addstr(&b, "s = \"");
			for (int k = 0; k < 600; k++)
				pf_buf_addch(&b, 'a' + k % 26);
			pf_buf_addstr(&b, "\"\n");
		} else {
			pf_buf_addf(&b, "x%d = f(%d)\n", i, i);
		}
	}
	return pf_buf_detach(&b, NULL);
}

struct fixture {
	char *content;
	struct pf_finding f;
	struct pf_snippet snip;
	struct pf_vault vault;
};

/* The finding on line `line`, its snippet with `context` lines around
 * and `cap` bytes at most. */
static void setup(struct fixture *x, uint32_t line, unsigned context,
		  size_t cap)
{
	struct pf_snippet init = PF_SNIPPET_INIT;

	memset(x, 0, sizeof(*x));
	x->content = file_text();
	x->f.path = pf_xstrdup("app.py");
	x->f.rule_id = pf_xstrdup("python.rule");
	x->f.start.line = x->f.end.line = line;
	x->f.start.col = 1;
	x->f.start.offset = x->f.end.offset = -1;
	x->snip = init;
	assert_int_equal(pf_snippet_build(&x->snip, &x->f, x->content,
					  strlen(x->content), context, cap),
			 0);
	pf_vault_init(&x->vault, NULL);
}

static void teardown(struct fixture *x)
{
	pf_finding_release(&x->f);
	pf_snippet_release(&x->snip);
	pf_vault_release(&x->vault);
	free(x->content);
}

/* What the model answers, besides the lines. */
static enum pf_verdict verdict = PF_VERDICT_TRUE_POSITIVE;
static double confidence = 0.9, min_confidence;

/* Offer a fix of lines a..b; returns the fix state, and its note. */
static enum pf_fix_state offer(struct fixture *x, uint32_t a, uint32_t b,
			       const char **note)
{
	struct pf_llm_answer ans;
	struct pf_fix_source src;
	struct pf_fix_stats st;

	memset(&st, 0, sizeof(st));
	memset(&src, 0, sizeof(src));
	pf_llm_answer_init(&ans);
	ans.verdict = verdict;
	ans.confidence = confidence;
	ans.reason = pf_xstrdup("r");
	ans.has_fix = 1;
	ans.start_line = a;
	ans.end_line = b;
	ans.replacement = pf_xstrdup("fixed = 1\n");
	src.pushed = src.sent = x->content;
	src.pushed_len = src.sent_len = strlen(x->content);
	src.snip = &x->snip;
	src.vault = &x->vault;
	src.min_confidence = min_confidence;
	/* A fresh fix each time. */
	free(x->f.fix.replacement);
	free(x->f.fix.note);
	memset(&x->f.fix, 0, sizeof(x->f.fix));
	pf_fix_from_llm(&x->f, &ans, &src, &st);
	pf_llm_answer_release(&ans);
	*note = "";
	if (x->f.fix.origin == PF_FIX_NONE)
		return PF_FIX_UNCHECKED; /* none taken: see not_taken() */
	assert_int_equal(x->f.fix.origin, PF_FIX_LLM);
	assert_int_equal(st.refused, x->f.fix.state == PF_FIX_REFUSED);
	if (x->f.fix.note)
		*note = x->f.fix.note;
	return x->f.fix.state;
}

static void expect_taken(struct fixture *x, uint32_t a, uint32_t b)
{
	const char *note;

	if (offer(x, a, b, &note) != PF_FIX_UNCHECKED ||
	    x->f.fix.origin != PF_FIX_LLM)
		fail_msg("a fix of lines %u-%u (shown %u-%u) refused: %s",
			 (unsigned)a, (unsigned)b, (unsigned)x->snip.first_line,
			 (unsigned)x->snip.last_line, note);
	assert_int_equal(x->f.fix.start_line, a);
	assert_int_equal(x->f.fix.end_line, b);
	assert_string_equal(x->f.fix.replacement, "fixed = 1\n");
}

static void expect_refused(struct fixture *x, uint32_t a, uint32_t b,
			   const char *why)
{
	const char *note;

	if (offer(x, a, b, &note) != PF_FIX_REFUSED)
		fail_msg("a fix of lines %u-%u (shown %u-%u) taken",
			 (unsigned)a, (unsigned)b, (unsigned)x->snip.first_line,
			 (unsigned)x->snip.last_line);
	if (!strstr(note, why))
		fail_msg("note '%s' lacks '%s'", note, why);
}

/* A fix may reach the first and last lines shown, not one line past. */
static void test_fix_within_the_lines_shown(void **state)
{
	struct fixture x;
	uint32_t first, last;

	(void)state;
	setup(&x, 5, 2, 0);
	first = x.snip.first_line;
	last = x.snip.last_line;
	assert_true(first > 1 && last < 20 && first <= 5 && last >= 5);
	expect_taken(&x, first, last);
	expect_taken(&x, first, first);
	expect_taken(&x, last, last);
	expect_refused(&x, last, last + 1, "outside the lines the model");
	expect_refused(&x, last + 1, last + 1, "outside the lines the model");
	expect_refused(&x, first - 1, first, "outside the lines the model");
	expect_refused(&x, first - 1, last + 1, "outside the lines the model");
	teardown(&x);
}

/* A line the model saw cut short may not be rewritten, alone or within
 * a larger block; its neighbours may. */
static void test_fix_of_a_line_seen_cut(void **state)
{
	struct fixture x;

	(void)state;
	setup(&x, LONG_LINE - 1, 3, 512);
	assert_true(pf_snippet_line_cut(&x.snip, LONG_LINE));
	assert_false(pf_snippet_line_cut(&x.snip, LONG_LINE - 1));
	assert_true(x.snip.last_line > LONG_LINE);
	expect_taken(&x, LONG_LINE - 1, LONG_LINE - 1);
	expect_taken(&x, LONG_LINE + 1, LONG_LINE + 1);
	expect_refused(&x, LONG_LINE, LONG_LINE, "cut short");
	expect_refused(&x, LONG_LINE - 1, LONG_LINE, "cut short");
	expect_refused(&x, LONG_LINE, LONG_LINE + 1, "cut short");
	expect_refused(&x, LONG_LINE - 1, LONG_LINE + 1, "cut short");
	teardown(&x);
}

static void not_taken(struct fixture *x, uint32_t a, uint32_t b)
{
	const char *note;

	offer(x, a, b, &note);
	assert_int_equal(x->f.fix.origin, PF_FIX_NONE);
	assert_null(x->f.fix.replacement);
}

/* No fix of a false alarm; none below autofix_min_confidence, one at it. */
static void test_fix_not_taken(void **state)
{
	struct fixture x;

	(void)state;
	setup(&x, 5, 2, 0);
	verdict = PF_VERDICT_FALSE_POSITIVE;
	not_taken(&x, 5, 5);
	verdict = PF_VERDICT_UNCERTAIN;
	expect_taken(&x, 5, 5);
	verdict = PF_VERDICT_TRUE_POSITIVE;
	min_confidence = 0.75;
	confidence = 0.74;
	not_taken(&x, 5, 5);
	confidence = 0.75;
	expect_taken(&x, 5, 5);
	confidence = 0.9;
	min_confidence = 0;
	teardown(&x);
}

/* The replacement takes the line end of the lines it replaces, and no
 * final newline where the file has none. */
static void test_fix_shaped_like_its_lines(void **state)
{
	struct fixture x;
	const char *note;

	(void)state;
	setup(&x, 5, 2, 0);
	free(x.content);
	x.content = pf_xstrdup("a = 1\r\nb = 2\r\nc = 3\r\nd = 4\r\n"
			       "e = 5\r\nf = 6\r\ng = 7");
	assert_int_equal(offer(&x, 4, 4, &note), PF_FIX_UNCHECKED);
	assert_string_equal(x.f.fix.replacement, "fixed = 1\r\n");
	/* Line 7 ends the file without a newline. */
	assert_int_equal(offer(&x, 6, 7, &note), PF_FIX_UNCHECKED);
	assert_string_equal(x.f.fix.replacement, "fixed = 1");
	teardown(&x);
}

#define SAME(a, b) pf_fix_changes_nothing(a, strlen(a), b, strlen(b))

/* Trailing white space of each line aside, the same text changes
 * nothing; anything else, an added or removed line included, does. */
static void test_fix_changes_nothing(void **state)
{
	(void)state;
	assert_true(SAME("x = f(1)\n", "x = f(1)\n"));
	assert_true(SAME("x = f(1)\ny = 2\n", "x = f(1)\ny = 2\n"));
	assert_true(SAME("x = f(1)  \t\n", "x = f(1)\n"));
	assert_true(SAME("x = f(1)\n", "x = f(1)   \n"));
	assert_true(SAME("x = f(1)\r\ny = 2\r\n", "x = f(1)\ny = 2\n"));
	assert_true(SAME("x = f(1)\n", "x = f(1)\r\n"));
	assert_true(SAME("x = f(1)\n", "x = f(1)"));
	assert_true(SAME("last", "last\n"));
	assert_true(SAME("", ""));
	assert_false(SAME("x = f(1)\n", "x = f(2)\n"));
	assert_false(SAME("x = f(1)\n", " x = f(1)\n")); /* indentation */
	assert_false(SAME("x = f(1)\n", "x =  f(1)\n"));
	assert_false(SAME("x = f(1)\n", "x = f(1)\n\n"));
	assert_false(SAME("x = f(1)\n\n", "x = f(1)\n"));
	assert_false(SAME("x = f(1)\n", ""));
	assert_false(SAME("   \n", ""));
	assert_false(SAME("a\nb\n", "a\n"));
	assert_false(SAME("a\n", "a\nb\n"));
}

/* An LLM fix equal to its lines is dropped with a note; the verdict is
 * the triage's business and stays. */
static void test_fix_that_changes_nothing_dropped(void **state)
{
	struct fixture x;
	struct pf_llm_answer ans;
	struct pf_fix_source src;
	struct pf_fix_stats st;
	static const char *const same[] = { "x5 = f(5)", "x5 = f(5)\n",
					    "x5 = f(5)  \n", "x5 = f(5)\r\n" };

	(void)state;
	setup(&x, 5, 2, 0);
	for (size_t i = 0; i < PF_ARRAY_SIZE(same); i++) {
		memset(&st, 0, sizeof(st));
		memset(&src, 0, sizeof(src));
		pf_llm_answer_init(&ans);
		ans.verdict = PF_VERDICT_TRUE_POSITIVE;
		ans.confidence = 0.9;
		ans.has_fix = 1;
		ans.start_line = ans.end_line = 5;
		ans.replacement = pf_xstrdup(same[i]);
		src.pushed = src.sent = x.content;
		src.pushed_len = src.sent_len = strlen(x.content);
		src.snip = &x.snip;
		src.vault = &x.vault;
		pf_fix_from_llm(&x.f, &ans, &src, &st);
		pf_llm_answer_release(&ans);
		assert_int_equal(x.f.fix.origin, PF_FIX_NONE);
		assert_null(x.f.fix.replacement);
		assert_string_equal(x.f.fix.note,
				    "the suggested fix changes nothing");
		assert_int_equal(st.refused + st.verified + st.unverified, 0);
	}
	/* A rule's fix likewise. */
	free(x.f.fix.note);
	memset(&x.f.fix, 0, sizeof(x.f.fix));
	x.f.fix.origin = PF_FIX_RULE;
	x.f.fix.start_line = x.f.fix.end_line = 4;
	x.f.fix.replacement = pf_xstrdup("x4 = f(4)\t\n");
	assert_int_equal(pf_fix_drop_noop(&x.f, x.content, strlen(x.content)),
			 1);
	assert_int_equal(x.f.fix.origin, PF_FIX_NONE);
	assert_null(x.f.fix.replacement);
	assert_string_equal(x.f.fix.note, "the rule's fix changes nothing");
	free(x.f.fix.note);
	memset(&x.f.fix, 0, sizeof(x.f.fix));
	x.f.fix.origin = PF_FIX_RULE;
	x.f.fix.start_line = x.f.fix.end_line = 4;
	x.f.fix.replacement = pf_xstrdup("x4 = g(4)\n");
	assert_int_equal(pf_fix_drop_noop(&x.f, x.content, strlen(x.content)),
			 0);
	assert_string_equal(x.f.fix.replacement, "x4 = g(4)\n");
	teardown(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fix_within_the_lines_shown),
		cmocka_unit_test(test_fix_of_a_line_seen_cut),
		cmocka_unit_test(test_fix_not_taken),
		cmocka_unit_test(test_fix_shaped_like_its_lines),
		cmocka_unit_test(test_fix_changes_nothing),
		cmocka_unit_test(test_fix_that_changes_nothing_dropped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
