#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/decision.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/fs.h"
#include "pushfix/util.h"

/* 2024-06-01T12:00:00Z */
#define NOW ((time_t)1717243200)

struct env {
	char dir[64];
	char state[96];
};

static int setup(void **state)
{
	struct env *e = pf_xcalloc(1, sizeof(*e));

	strcpy(e->dir, "/tmp/pf-decision-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	/* A state dir that does not exist yet: saving creates it. */
	snprintf(e->state, sizeof(e->state), "%s/git/pushfix", e->dir);
	*state = e;
	return 0;
}

static int teardown(void **state)
{
	struct env *e = *state;

	pf_remove_tree(e->dir);
	free(e);
	return 0;
}

static void make_finding(struct pf_finding *f, const char *rule,
			 const char *path, uint32_t line, const char *lines)
{
	memset(f, 0, sizeof(*f));
	f->rule_id = pf_xstrdup(rule);
	f->path = pf_xstrdup(path);
	f->start.line = f->end.line = line;
	f->lines = pf_xstrdup(lines);
	pf_finding_fingerprint(f);
}

static char *read_store(const struct env *e)
{
	struct pf_buf p = PF_BUF_INIT, d = PF_BUF_INIT;

	pf_buf_addf(&p, "%s/decisions", e->state);
	assert_int_equal(pf_buf_read_file(&d, p.buf, 0), 0);
	pf_buf_release(&p);
	return pf_buf_detach(&d, NULL);
}

static void write_store(const struct env *e, const char *data)
{
	struct pf_buf p = PF_BUF_INIT;
	FILE *f;

	pf_mkdir_p(e->state, 0700);
	pf_buf_addf(&p, "%s/decisions", e->state);
	f = fopen(p.buf, "w");
	assert_non_null(f);
	fputs(data, f);
	fclose(f);
	pf_buf_release(&p);
}

static void test_missing_store_is_empty(void **state)
{
	struct env *e = *state;
	struct pf_decisions ds = PF_DECISIONS_INIT;

	assert_int_equal(pf_decisions_load(&ds, e->state), 0);
	assert_int_equal(ds.nr, 0);
	assert_false(pf_decision_is_ignored(&ds, "abc"));
	/* Loading does not create anything. */
	assert_int_equal(access(e->state, F_OK), -1);
	pf_decisions_release(&ds);
}

static void test_ignore_and_reload(void **state)
{
	struct env *e = *state;
	struct pf_decisions ds = PF_DECISIONS_INIT;
	struct pf_finding f;
	struct pf_buf want = PF_BUF_INIT, p = PF_BUF_INIT;
	struct stat st;
	char *data;

	make_finding(&f, "python.lang.eval", "src/app.py", 12,
		     "\n    x = eval(request.args['q'])  \n");
	assert_int_equal(pf_decision_ignore(e->state, &f, NOW), 0);
	data = read_store(e);
	pf_buf_addf(&want,
		    "# pushfix decisions v1\n%s\t2024-06-01T12:00:00Z\t"
		    "python.lang.eval\tsrc/app.py\t"
		    "x = eval(request.args['q'])\n",
		    f.fingerprint);
	assert_string_equal(data, want.buf);
	free(data);
	/* Private: it names code and paths. */
	pf_buf_addf(&p, "%s/decisions", e->state);
	assert_int_equal(stat(p.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);

	/* Twice: one entry. */
	assert_int_equal(pf_decision_ignore(e->state, &f, NOW + 60), 0);
	assert_int_equal(pf_decisions_load(&ds, e->state), 0);
	assert_int_equal(ds.nr, 1);
	assert_true(pf_decision_is_ignored(&ds, f.fingerprint));
	assert_string_equal(ds.v[0].rule_id, "python.lang.eval");
	assert_string_equal(ds.v[0].path, "src/app.py");
	assert_string_equal(ds.v[0].date, "2024-06-01T12:00:00Z");
	assert_false(pf_decision_is_ignored(&ds, ""));
	pf_decisions_release(&ds);
	pf_finding_release(&f);
	pf_buf_release(&want);
	pf_buf_release(&p);
}

static void test_escapes_round_trip(void **state)
{
	struct env *e = *state;
	struct pf_decisions ds = PF_DECISIONS_INIT;
	struct pf_finding f;

	make_finding(&f, "rule\twith\ttabs", "dir\\odd\tname.py", 1,
		     "a\\b");
	assert_int_equal(pf_decision_ignore(e->state, &f, NOW), 0);
	assert_int_equal(pf_decisions_load(&ds, e->state), 0);
	assert_int_equal(ds.nr, 1);
	assert_string_equal(ds.v[0].rule_id, "rule\twith\ttabs");
	assert_string_equal(ds.v[0].path, "dir\\odd\tname.py");
	assert_string_equal(ds.v[0].excerpt, "a\\b");
	pf_decisions_release(&ds);
	pf_finding_release(&f);
}

static void test_mark_ignored_survives_moves(void **state)
{
	struct env *e = *state;
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_finding f;
	size_t n = 99;

	make_finding(&f, "r.eval", "a.py", 3, "x = eval(s)");
	assert_int_equal(pf_decision_ignore(e->state, &f, NOW), 0);
	pf_finding_release(&f);
	/* The same code, moved and re-indented; other code; another rule. */
	make_finding(pf_findings_push(&fs), "r.eval", "a.py", 40,
		     "        x  =  eval(s)");
	make_finding(pf_findings_push(&fs), "r.eval", "a.py", 41,
		     "y = eval(t)");
	make_finding(pf_findings_push(&fs), "r.exec", "a.py", 3,
		     "x = eval(s)");
	assert_int_equal(pf_decision_mark_ignored(&n, &fs, e->state), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fs.v[0].ignored, 1);
	assert_int_equal(fs.v[1].ignored, 0);
	assert_int_equal(fs.v[2].ignored, 0);
	pf_findings_release(&fs);
}

static void test_unignore(void **state)
{
	struct env *e = *state;
	struct pf_decisions ds = PF_DECISIONS_INIT;
	struct pf_decision d;
	struct pf_finding f;
	const char *names[] = { "r.one", "r.two", "r.three" };

	for (int i = 0; i < 3; i++) {
		make_finding(&f, names[i], "a.py", 1, names[i]);
		assert_int_equal(pf_decision_ignore(e->state, &f, NOW), 0);
		pf_finding_release(&f);
	}
	assert_int_equal(pf_decision_unignore(&d, e->state, 2), 0);
	assert_string_equal(d.rule_id, "r.two");
	pf_decision_release(&d);
	assert_int_equal(pf_decisions_load(&ds, e->state), 0);
	assert_int_equal(ds.nr, 2);
	assert_string_equal(ds.v[0].rule_id, "r.one");
	assert_string_equal(ds.v[1].rule_id, "r.three");
	pf_decisions_release(&ds);

	pf_error_clear();
	assert_int_equal(pf_decision_unignore(NULL, e->state, 3),
			 PF_ENOTFOUND);
	assert_string_equal(pf_error_last(),
			    "no ignored finding number 3 (`pushfix ignored` "
			    "lists 2)");
	assert_int_equal(pf_decision_unignore(NULL, e->state, 0),
			 PF_ENOTFOUND);
	assert_int_equal(pf_decision_unignore(NULL, e->state, 1), 0);
	assert_int_equal(pf_decisions_load(&ds, e->state), 0);
	assert_int_equal(ds.nr, 1);
	assert_string_equal(ds.v[0].rule_id, "r.three");
	pf_decisions_release(&ds);
}

static void test_bad_store(void **state)
{
	struct env *e = *state;
	struct pf_decisions ds = PF_DECISIONS_INIT;
	struct pf_buf want = PF_BUF_INIT;

	write_store(e, "# pushfix decisions v1\n\nnot\tenough\n");
	pf_error_clear();
	assert_int_equal(pf_decisions_load(&ds, e->state), PF_EINVALID);
	pf_buf_addf(&want,
		    "cannot parse '%s/decisions' line 3: expected 5 "
		    "tab-separated fields",
		    e->state);
	assert_string_equal(pf_error_last(), want.buf);
	pf_decisions_release(&ds);

	write_store(e, "XYZ\t2024\tr\tp\tx\n");
	assert_int_equal(pf_decisions_load(&ds, e->state), PF_EINVALID);
	pf_buf_reset(&want);
	pf_buf_addf(&want,
		    "cannot parse '%s/decisions' line 1: 'XYZ' is not a "
		    "fingerprint",
		    e->state);
	assert_string_equal(pf_error_last(), want.buf);
	pf_decisions_release(&ds);

	/* CRLF line ends (edited on Windows) and comments are fine. */
	write_store(e, "# c\r\n"
		       "0123456789abcdef0123456789abcdef0123456789abcdef0123"
		       "456789abcdef\t2024-01-01T00:00:00Z\tr\tp\tx\r\n");
	assert_int_equal(pf_decisions_load(&ds, e->state), 0);
	assert_int_equal(ds.nr, 1);
	assert_string_equal(ds.v[0].excerpt, "x");
	pf_decisions_release(&ds);
	pf_buf_release(&want);
}

static void test_no_fingerprint(void **state)
{
	struct env *e = *state;
	struct pf_finding f;

	memset(&f, 0, sizeof(f));
	f.rule_id = pf_xstrdup("r");
	f.path = pf_xstrdup("a.py");
	f.start.line = 4;
	assert_int_equal(pf_decision_ignore(e->state, &f, NOW), PF_EINVALID);
	assert_string_equal(pf_error_last(),
			    "the finding r at a.py:4 has no fingerprint to "
			    "remember");
	pf_finding_release(&f);
}

static void test_excerpt(void **state)
{
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	pf_decision_excerpt(&b, "\n\n\t  foo(bar)  \nnext");
	assert_string_equal(b.buf, "foo(bar)");
	pf_buf_reset(&b);
	pf_decision_excerpt(&b, "x\x1b[31m = 1");
	assert_string_equal(b.buf, "x [31m = 1");
	pf_buf_reset(&b);
	pf_decision_excerpt(&b, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(b.len, 60);
	assert_true(pf_ends_with(b.buf, "..."));
	pf_buf_reset(&b);
	/* 56 ASCII then a 3-byte character at the cut: not split. */
	pf_decision_excerpt(&b, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				"aaaaaaa\xe2\x82\xac\xe2\x82\xac bbbbbbbb");
	assert_string_equal(b.buf, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				   "aaaaaaaa...");
	pf_buf_reset(&b);
	pf_decision_excerpt(&b, NULL);
	assert_string_equal(b.buf, "");
	pf_buf_release(&b);
}

static void test_format(void **state)
{
	struct env *e = *state;
	struct pf_decisions ds = PF_DECISIONS_INIT;
	struct pf_finding f;
	struct pf_buf out = PF_BUF_INIT;
	const char *p;

	make_finding(&f, "python.lang.security.audit.eval-detected", "a.py", 1,
		     "x = eval(s)");
	assert_int_equal(pf_decision_ignore(e->state, &f, NOW), 0);
	pf_finding_release(&f);
	make_finding(&f,
		     "a.very.long.rule.id.that.goes.on.and.on.and.on.and.on."
		     "until.it.is.wider.than.the.terminal",
		     "some/deeply/nested/directory/structure/with/a/file.py",
		     1, "y = something_rather_long(with, many, arguments, "
			"that, go, on)");
	assert_int_equal(pf_decision_ignore(e->state, &f, NOW), 0);
	pf_finding_release(&f);
	assert_int_equal(pf_decisions_load(&ds, e->state), 0);
	pf_decisions_format(&out, &ds);
	assert_non_null(strstr(out.buf,
			       "  1  2024-06-01  "
			       "python.lang.security.audit.eval-detected\n"
			       "     a.py: x = eval(s)\n"
			       "  2  2024-06-01  a.very.long.rule"));
	for (p = out.buf; *p;) {
		size_t n = strcspn(p, "\n");

		assert_true(n <= 80);
		p += n + (p[n] ? 1 : 0);
	}
	pf_decisions_release(&ds);
	pf_buf_release(&out);
}

static void test_nosemgrep_comment(void **state)
{
	static const struct {
		const char *path, *want;
	} cases[] = {
		{ "app.py", "# nosemgrep: r.x" },
		{ "src/deep/Main.JAVA", "// nosemgrep: r.x" },
		{ "web/index.js", "// nosemgrep: r.x" },
		{ "lib/a.go", "// nosemgrep: r.x" },
		{ "q.sql", "-- nosemgrep: r.x" },
		{ "t.html", "<!-- nosemgrep: r.x -->" },
		{ "s.css", "/* nosemgrep: r.x */" },
		{ "deploy/Dockerfile", "# nosemgrep: r.x" },
		{ "c.yml", "# nosemgrep: r.x" },
		{ "x.c", "// nosemgrep: r.x" },
	};
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	for (size_t i = 0; i < PF_ARRAY_SIZE(cases); i++) {
		pf_buf_reset(&b);
		assert_int_equal(pf_decision_nosemgrep_comment(&b,
							       cases[i].path,
							       "r.x"),
				 0);
		assert_string_equal(b.buf, cases[i].want);
	}
	pf_buf_reset(&b);
	assert_int_equal(pf_decision_nosemgrep_comment(&b, "data.bin", "r"),
			 PF_ENOTFOUND);
	assert_string_equal(pf_error_last(),
			    "no known comment syntax for 'data.bin'");
	assert_int_equal(pf_decision_nosemgrep_comment(&b, "README", "r"),
			 PF_ENOTFOUND);
	assert_int_equal(b.len, 0);
	pf_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_store_is_empty,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_ignore_and_reload, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_escapes_round_trip, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_mark_ignored_survives_moves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unignore, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_bad_store, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_fingerprint, setup,
						teardown),
		cmocka_unit_test(test_excerpt),
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test(test_nosemgrep_comment),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
