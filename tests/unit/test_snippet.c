/*
 * snippet: lines +- context, numbered, marked, capped, merged.
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
#include "pushfix/snippet.h"
#include "pushfix/util.h"

/* "line 1\nline 2\n...line n\n" */
static char *numbered_file(unsigned n)
{
	struct pf_buf b = PF_BUF_INIT;

	for (unsigned i = 1; i <= n; i++)
		pf_buf_addf(&b, "line %u\n", i);
	return pf_buf_detach(&b, NULL);
}

static void finding_at(struct pf_finding *f, const char *path,
		       const char *rule, uint32_t a, uint32_t b)
{
	memset(f, 0, sizeof(*f));
	f->path = (char *)path;
	f->rule_id = (char *)rule;
	f->start.line = a;
	f->end.line = b;
}

static void test_context_and_marks(void **state)
{
	char *c = numbered_file(30);
	struct pf_finding f;
	struct pf_snippet s = PF_SNIPPET_INIT;

	(void)state;
	finding_at(&f, "app/views.py", NULL, 12, 13);
	assert_int_equal(pf_snippet_build(&s, &f, c, strlen(c), 3, 0), 0);
	assert_int_equal(s.first_line, 9);
	assert_int_equal(s.last_line, 16);
	assert_string_equal(s.language, "python");
	assert_string_equal(s.path, "app/views.py");
	assert_string_equal(s.text, "   9 | line 9\n"
				    "  10 | line 10\n"
				    "  11 | line 11\n"
				    "> 12 | line 12\n"
				    "> 13 | line 13\n"
				    "  14 | line 14\n"
				    "  15 | line 15\n"
				    "  16 | line 16\n");
	assert_string_equal(s.raw, "line 9\nline 10\nline 11\nline 12\n"
				   "line 13\nline 14\nline 15\nline 16\n");
	assert_int_equal(s.truncated, 0);
	assert_int_equal(s.finding_nr, 1);
	pf_snippet_release(&s);
	free(c);
}

static void test_clamped_at_edges(void **state)
{
	char *c = numbered_file(5);
	struct pf_finding f;
	struct pf_snippet s = PF_SNIPPET_INIT;

	(void)state;
	finding_at(&f, "x.go", NULL, 1, 9); /* end past the file */
	assert_int_equal(pf_snippet_build(&s, &f, c, strlen(c), 10, 0), 0);
	assert_int_equal(s.first_line, 1);
	assert_int_equal(s.last_line, 5);
	assert_string_equal(s.language, "go");
	assert_non_null(strstr(s.text, "> 5 | line 5\n"));
	/* start beyond the last line: an error naming the finding */
	finding_at(&f, "x.go", "go.lang.bad", 7, 7);
	assert_int_equal(pf_snippet_build(&s, &f, c, strlen(c), 10, 0),
			 PF_EINVALID);
	assert_non_null(strstr(pf_error_last(), "x.go:7"));
	pf_snippet_release(&s);
	free(c);
}

/* The last line without '\n' keeps that in raw. */
static void test_no_final_newline(void **state)
{
	const char *c = "a\nb\nc";
	struct pf_finding f;
	struct pf_snippet s = PF_SNIPPET_INIT;

	(void)state;
	finding_at(&f, "Makefile", NULL, 3, 3);
	assert_int_equal(pf_snippet_build(&s, &f, c, strlen(c), 1, 0), 0);
	assert_string_equal(s.raw, "b\nc");
	assert_string_equal(s.text, "  2 | b\n> 3 | c\n");
	assert_string_equal(s.language, "make");
	pf_snippet_release(&s);
}

static void test_long_line_cut(void **state)
{
	struct pf_buf c = PF_BUF_INIT;
	struct pf_finding f;
	struct pf_snippet s = PF_SNIPPET_INIT;

	(void)state;
	pf_buf_addstr(&c, "short\n");
	for (int i = 0; i < 300; i++)
		pf_buf_addstr(&c, "ab");
	/* a placeholder right at the cut: it must not be split */
	pf_buf_addstr(&c, "PF_SECRET_12 tail\n");
	pf_buf_addstr(&c, "end\n");
	finding_at(&f, "min.js", NULL, 2, 2);
	/* cap 1024: lines cut at 128 bytes */
	assert_int_equal(pf_snippet_build(&s, &f, c.buf, c.len, 1, 1024), 0);
	assert_int_equal(s.truncated, 1);
	assert_int_equal(s.cut_nr, 1);
	assert_true(pf_snippet_line_cut(&s, 2));
	assert_false(pf_snippet_line_cut(&s, 1));
	assert_non_null(strstr(s.text, " [... "));
	assert_non_null(strstr(s.text, " bytes cut]\n"));
	assert_true(s.text_len <= 1024);
	/* raw is never cut */
	assert_non_null(strstr(s.raw, "PF_SECRET_12 tail"));
	pf_snippet_release(&s);

	/* cut exactly inside the placeholder: backs off to its start */
	pf_buf_reset(&c);
	for (int i = 0; i < 60; i++)
		pf_buf_addstr(&c, "x ");
	pf_buf_addstr(&c, "PF_SECRET_12");
	for (int i = 0; i < 100; i++)
		pf_buf_addstr(&c, " y");
	pf_buf_addch(&c, '\n');
	finding_at(&f, "a.py", NULL, 1, 1);
	assert_int_equal(pf_snippet_build(&s, &f, c.buf, c.len, 0, 1024), 0);
	assert_null(strstr(s.text, "PF_SEC"));
	assert_null(strstr(s.text, "PF_"));
	pf_snippet_release(&s);

	/* a UTF-8 character at the cut is kept whole or dropped whole */
	pf_buf_reset(&c);
	for (int i = 0; i < 127; i++)
		pf_buf_addch(&c, 'a');
	pf_buf_addstr(&c, "\xc3\xa9\xc3\xa9 and more text after it\n");
	assert_int_equal(pf_snippet_build(&s, &f, c.buf, c.len, 0, 1024), 0);
	{
		const char *cut = strstr(s.text, " [... ");

		assert_non_null(cut);
		/* the byte before the marker is not a lead byte */
		assert_true(((unsigned char)cut[-1] & 0xC0) != 0xC0);
	}
	pf_snippet_release(&s);
	pf_buf_release(&c);
}

static void test_cap_drops_context_not_finding(void **state)
{
	char *c = numbered_file(200);
	struct pf_finding f;
	struct pf_snippet s = PF_SNIPPET_INIT;

	(void)state;
	finding_at(&f, "x.c", NULL, 100, 104);
	assert_int_equal(pf_snippet_build(&s, &f, c, strlen(c), 50, 400), 0);
	assert_true(s.text_len <= 400);
	assert_int_equal(s.truncated, 1);
	assert_true(s.first_line <= 100 && s.last_line >= 104);
	/* balanced: context on both sides */
	assert_true(s.first_line < 100 && s.last_line > 104);
	for (unsigned l = 100; l <= 104; l++) {
		char want[32];

		snprintf(want, sizeof(want), "> %u | line %u\n", l, l);
		assert_non_null(strstr(s.text, want));
	}
	pf_snippet_release(&s);
	free(c);
}

static void test_group_merges_overlaps(void **state)
{
	char *c = numbered_file(100);
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_snippets ss = PF_SNIPPETS_INIT;
	struct pf_finding f[4];

	(void)state;
	finding_at(&f[0], "a.py", "python.x", 20, 20);
	finding_at(&f[1], "b.py", "python.x", 22, 22); /* other file */
	finding_at(&f[2], "a.py", "python.y", 25, 26); /* overlaps f[0] */
	finding_at(&f[3], "a.py", "python.z", 80, 80); /* far away */
	fs.v = f;
	fs.nr = fs.alloc = 4;
	assert_int_equal(pf_snippets_build(&ss, &fs, "a.py", c, strlen(c), 3,
					   0),
			 0);
	assert_int_equal(ss.nr, 2);
	assert_int_equal(ss.v[0].first_line, 17);
	assert_int_equal(ss.v[0].last_line, 29);
	assert_int_equal(ss.v[0].finding_nr, 2);
	assert_int_equal(ss.v[0].finding_idx[0], 0);
	assert_int_equal(ss.v[0].finding_idx[1], 2);
	assert_non_null(strstr(ss.v[0].text, "> 20 | line 20\n"));
	assert_non_null(strstr(ss.v[0].text, "  21 | line 21\n"));
	assert_non_null(strstr(ss.v[0].text, "> 25 | line 25\n"));
	assert_non_null(strstr(ss.v[0].text, "> 26 | line 26\n"));
	assert_int_equal(ss.v[1].finding_nr, 1);
	assert_int_equal(ss.v[1].finding_idx[0], 3);
	assert_int_equal(ss.v[1].first_line, 77);
	pf_snippets_release(&ss);

	/* a cap too small for the merge: two snippets */
	assert_int_equal(pf_snippets_build(&ss, &fs, "a.py", c, strlen(c), 3,
					   120),
			 0);
	assert_int_equal(ss.nr, 3);
	pf_snippets_release(&ss);
	free(c);
}

static void test_lines_and_language(void **state)
{
	struct pf_buf b = PF_BUF_INIT;
	const char *c = "one\ntwo\nthree\nfour";

	(void)state;
	pf_snippet_lines(&b, c, strlen(c), 2, 3);
	assert_string_equal(b.buf, "two\nthree\n");
	pf_buf_reset(&b);
	pf_snippet_lines(&b, c, strlen(c), 4, 9);
	assert_string_equal(b.buf, "four");
	pf_buf_reset(&b);
	pf_snippet_lines(&b, c, strlen(c), 7, 9);
	assert_string_equal(b.buf, "");
	pf_buf_release(&b);

	assert_string_equal(pf_snippet_language("src/A.java", NULL), "java");
	assert_string_equal(pf_snippet_language("web/x.TSX", NULL), "typescript");
	assert_string_equal(pf_snippet_language("Dockerfile", NULL),
			    "dockerfile");
	assert_string_equal(pf_snippet_language("conf/.env", NULL), "dotenv");
	assert_string_equal(pf_snippet_language("deploy/k8s.yaml", NULL),
			    "yaml");
	assert_string_equal(pf_snippet_language("bin/tool",
						"python.lang.security.x"),
			    "python");
	assert_string_equal(pf_snippet_language("bin/tool", "unknownlang.x"),
			    "text");
	assert_string_equal(pf_snippet_language("bin/tool", NULL), "text");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_context_and_marks),
		cmocka_unit_test(test_clamped_at_edges),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_long_line_cut),
		cmocka_unit_test(test_cap_drops_context_not_finding),
		cmocka_unit_test(test_group_merges_overlaps),
		cmocka_unit_test(test_lines_and_language),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
