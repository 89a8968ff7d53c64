/*
 * eval's datasets and figures: CASTLE headers and markers read and blanked
 * out (line numbers kept), JSONL records, bad files listed and skipped,
 * and the shares of the table each naming what they rest on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/err.h"
#include "pushfix/eval.h"

#define FIX "tests/fixtures/eval"

static const struct pf_eval_program *prog(const struct pf_eval *ev,
					  const char *path)
{
	for (size_t i = 0; i < ev->progs_nr; i++)
		if (!strcmp(ev->progs[i].path, path))
			return &ev->progs[i];
	return NULL;
}

/* Line n (1-based) of s, into buf. */
static const char *line_of(const char *s, unsigned n, char *buf, size_t sz)
{
	while (--n && s)
		s = strchr(s, '\n') ? strchr(s, '\n') + 1 : NULL;
	if (!s)
		return NULL;
	snprintf(buf, sz, "%.*s", (int)strcspn(s, "\n"), s);
	return buf;
}

static size_t lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void test_castle(void **state)
{
	struct pf_eval ev;
	const struct pf_eval_program *p;
	char buf[256], digest[65];

	(void)state;
	pf_eval_init(&ev);
	assert_int_equal(pf_eval_load(&ev, FIX "/castle", NULL, 0), 0);
	assert_int_equal(ev.progs_nr, 12);
	assert_int_equal(ev.skipped_nr, 0);
	p = prog(&ev, "cwe120-copy-1.c");
	assert_non_null(p);
	assert_true(p->castle && p->vulnerable);
	assert_int_equal(p->cwe, 120);
	/* what the scanner and the model see: a name that tells nothing */
	assert_string_equal(p->name, "p000001.c");
	assert_int_equal(p->marks_nr, 1);
	assert_int_equal(p->marks[0].line, 21);
	assert_true(p->marks[0].tp);
	/* the marker is gone, the line kept */
	assert_string_equal(line_of(p->content, 21, buf, sizeof(buf)),
			    "\tstrcpy(name, argv[1]);");
	/* no label left for a model to read, and no line moved */
	assert_null(strstr(p->content, "vulnerable"));
	assert_null(strstr(p->content, "cwe:"));
	assert_null(strstr(p->content, "{!LINE}"));
	assert_int_equal(lines(p->content), 24);
	p = prog(&ev, "cwe78-shell-2.c");
	assert_non_null(p);
	assert_false(p->vulnerable);
	assert_int_equal(p->cwe, 78);
	assert_int_equal(p->marks_nr, 0);
	memcpy(digest, ev.digest, sizeof(digest));
	pf_eval_release(&ev);

	/* --limit: the first programs in path order; the digest is of what
	 * was read, so it differs */
	pf_eval_init(&ev);
	assert_int_equal(pf_eval_load(&ev, FIX "/castle", NULL, 2), 0);
	assert_int_equal(ev.progs_nr, 2);
	assert_string_equal(ev.progs[0].path, "cwe120-copy-1.c");
	assert_string_equal(ev.progs[1].path, "cwe120-copy-2.c");
	assert_string_not_equal(ev.digest, digest);
	pf_eval_release(&ev);

	/* the same set, the same digest */
	pf_eval_init(&ev);
	assert_int_equal(pf_eval_load(&ev, FIX "/castle", NULL, 0), 0);
	assert_string_equal(ev.digest, digest);
	pf_eval_release(&ev);
}

static void test_bad_files(void **state)
{
	struct pf_eval ev;

	(void)state;
	pf_eval_init(&ev);
	assert_int_equal(pf_eval_load(&ev, FIX "/bad", NULL, 0), 0);
	assert_int_equal(ev.progs_nr, 1);
	assert_int_equal(ev.skipped_nr, 3);
	assert_non_null(strstr(ev.skipped.buf,
			       "unlabelled.c: no label (a header comment "
			       "with vulnerable: true|false)\n"));
	assert_non_null(strstr(ev.skipped.buf,
			       "nomark.c: vulnerable: true but no line "
			       "marked {!LINE}\n"));
	assert_non_null(
		strstr(ev.skipped.buf, "nocwe.c: no cwe: N in the header\n"));
	pf_eval_release(&ev);

	pf_eval_init(&ev);
	assert_int_equal(pf_eval_load(&ev, FIX "/nothing-here", NULL, 0),
			 PF_ENOTFOUND);
	pf_eval_release(&ev);
	pf_eval_init(&ev);
	assert_true(pf_eval_load(&ev, FIX "/PROVENANCE.md", NULL, 0) < 0);
	pf_eval_release(&ev);
}

/* A marker in a block comment goes with its comment. */
static void test_block_marker(void **state)
{
	char dir[] = "/tmp/pf-eval-XXXXXX", path[64], buf[128];
	struct pf_eval ev;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.c", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("/* vulnerable: true\n * cwe: CWE-787 */ int x;\n"
	      "void f(char *p) { p[9] = 0; /* {!LINE} */ }\n",
	      f);
	fclose(f);
	pf_eval_init(&ev);
	assert_int_equal(pf_eval_load(&ev, dir, NULL, 0), 0);
	assert_int_equal(ev.progs_nr, 1);
	assert_int_equal(ev.progs[0].cwe, 787);
	assert_int_equal(ev.progs[0].marks[0].line, 3);
	/* the header's lines are emptied; code after it stays */
	assert_string_equal(line_of(ev.progs[0].content, 1, buf, sizeof(buf)),
			    "");
	assert_string_equal(line_of(ev.progs[0].content, 2, buf, sizeof(buf)),
			    " int x;");
	assert_string_equal(line_of(ev.progs[0].content, 3, buf, sizeof(buf)),
			    "void f(char *p) { p[9] = 0; }");
	pf_eval_release(&ev);
	unlink(path);
	rmdir(dir);
}

static void test_jsonl(void **state)
{
	struct pf_eval ev;
	const struct pf_eval_program *p;

	(void)state;
	pf_eval_init(&ev);
	assert_int_equal(pf_eval_load(&ev, FIX "/jsonl/labels.jsonl", NULL, 0),
			 0);
	assert_true(ev.jsonl);
	assert_int_equal(ev.progs_nr, 1);
	p = prog(&ev, "src/copy.c");
	assert_non_null(p);
	assert_false(p->castle);
	assert_string_equal(p->name, "src/copy.c");
	assert_int_equal(p->marks_nr, 2);
	assert_int_equal(p->marks[0].line, 10);
	assert_string_equal(p->marks[0].rule_id, "FF1001");
	assert_true(p->marks[0].tp);
	assert_int_equal(p->marks[0].cwe, 120);
	assert_int_equal(p->marks[1].line, 6);
	assert_null(p->marks[1].rule_id);
	assert_false(p->marks[1].tp);
	assert_int_equal(p->marks[1].cwe, 120);
	assert_int_equal(ev.skipped_nr, 3);
	assert_non_null(strstr(ev.skipped.buf,
			       "labels.jsonl:3: \"line\" is not a line number"));
	assert_non_null(strstr(ev.skipped.buf,
			       "labels.jsonl:4: \"path\" is not a relative "
			       "path inside the root"));
	assert_non_null(strstr(ev.skipped.buf, "src/gone.c: cannot open"));
	pf_eval_release(&ev);

	/* --root elsewhere: the file is not there */
	pf_eval_init(&ev);
	assert_int_equal(pf_eval_load(&ev, FIX "/jsonl/labels.jsonl",
				      FIX "/castle", 0),
			 0);
	assert_int_equal(ev.progs_nr, 0);
	pf_eval_release(&ev);
}

static void test_table(void **state)
{
	struct pf_eval ev;
	struct pf_buf out = PF_BUF_INIT;
	unsigned ids[] = { 78, 120 };
	struct pf_eval_counts per[2];

	(void)state;
	pf_eval_init(&ev);
	snprintf(ev.engine, sizeof(ev.engine), "flawfinder");
	snprintf(ev.provider, sizeof(ev.provider), "openai");
	snprintf(ev.model, sizeof(ev.model), "m");
	snprintf(ev.date, sizeof(ev.date), "2026-01-02T03:04:05Z");
	pf_eval_table(&out, &ev, "9.9");
	assert_non_null(strstr(out.buf, "no findings: the scanner reported "
					"nothing on this dataset"));
	pf_buf_reset(&out);

	ev.findings = 10;
	ev.marks_tp = 4;
	ev.marks_hit = 3;
	/* TP: 3 said TP, 1 said FP; FP: 2 said TP, 3 said FP, 1
	 * uncertain, 0 not triaged; 0 left untriaged */
	memset(&ev.all, 0, sizeof(ev.all));
	ev.all.findings = 10;
	ev.all.label_tp = 4;
	ev.all.label_fp = 6;
	ev.all.m[0][0] = 3;
	ev.all.m[0][1] = 1;
	ev.all.m[1][0] = 2;
	ev.all.m[1][1] = 3;
	ev.all.m[1][2] = 1;
	memset(per, 0, sizeof(per));
	per[0] = ev.all;
	ev.cwe = per;
	ev.cwe_ids = ids;
	ev.cwe_nr = 1;
	ev.price_in = 2;
	ev.price_out = 8;
	ev.tokens_in = 1000000;
	ev.tokens_out = 500000;
	pf_eval_table(&out, &ev, "9.9");
	assert_non_null(strstr(out.buf, "precision 4/10 (40.0%)"));
	assert_non_null(strstr(out.buf, "recall (labelled lines found) 3/4 "
					"(75.0%)"));
	assert_non_null(strstr(out.buf, "10 triaged, 0 not triaged"));
	assert_non_null(strstr(out.buf, "accuracy 6/10 (60.0%)"));
	assert_non_null(strstr(out.buf, "uncertain 1/10 (10.0%)"));
	assert_non_null(strstr(out.buf, "FP calls right 3/4 (75.0%)"));
	assert_non_null(strstr(out.buf, "FPs caught 3/6 (50.0%)"));
	assert_non_null(strstr(out.buf, "TPs kept 3/4 (75.0%)"));
	assert_non_null(strstr(out.buf, "  CWE-78          10    4    6"));
	assert_non_null(strstr(out.buf, "cost 6.0000"));
	pf_buf_reset(&out);
	pf_eval_json(&out, &ev, "9.9");
	assert_non_null(strstr(out.buf, "\"accuracy\":\t0.6"));
	assert_non_null(strstr(out.buf, "\"cost\":\t6"));
	pf_buf_release(&out);
	ev.cwe = NULL;
	ev.cwe_ids = NULL;
	ev.cwe_nr = 0;
	pf_eval_release(&ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_castle),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_block_marker),
		cmocka_unit_test(test_jsonl),
		cmocka_unit_test(test_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
