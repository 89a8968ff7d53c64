/* The shared ignores, .pushfix/ignore (decision.h): parse, share, mark. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/decision.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/fs.h"
#include "pushfix/util.h"

#define FP_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FP_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static int setup(void **state)
{
	char *dir = pf_xstrdup("/tmp/pf-shared-XXXXXX");

	assert_non_null(mkdtemp(dir));
	*state = dir;
	return 0;
}

static int teardown(void **state)
{
	pf_remove_tree(*state);
	free(*state);
	return 0;
}

static char *read_rel(const char *dir, const char *rel)
{
	struct pf_buf p = PF_BUF_INIT, d = PF_BUF_INIT;

	pf_buf_addf(&p, "%s/%s", dir, rel);
	assert_int_equal(pf_buf_read_file(&d, p.buf, 0), 0);
	pf_buf_release(&p);
	return pf_buf_detach(&d, NULL);
}

static void test_parse_skips_bad_lines(void **state)
{
	struct pf_shared_ignores si = PF_SHARED_IGNORES_INIT;
	struct pf_buf warn = PF_BUF_INIT;
	const char *text =
		"# team ignores\n"
		"\n" FP_A "\tr.eval\ta.py\ttest code only\r\n"
		"not-a-fingerprint\tr\tp\twhy\n" FP_B "\tonly two\n" FP_B
		"\tr.x\tdir/b\\tc.py\ttab\\there";

	(void)state;
	pf_decision_shared_parse(&si, text, strlen(text), &warn);
	assert_int_equal(si.nr, 2);
	assert_string_equal(si.v[0].fingerprint, FP_A);
	assert_string_equal(si.v[0].rule_id, "r.eval");
	assert_string_equal(si.v[0].reason, "test code only");
	assert_string_equal(si.v[1].path, "dir/b\tc.py");
	assert_string_equal(si.v[1].reason, "tab\there");
	assert_string_equal(
		warn.buf,
		"warning: .pushfix/ignore line 4: the first field is not a "
		"fingerprint (64 lower-case hex digits); line skipped\n"
		"warning: .pushfix/ignore line 5: expected 4 tab-separated "
		"fields (fingerprint, rule, path, reason); line skipped\n");
	pf_shared_ignores_release(&si);
	pf_buf_release(&warn);
}

static void test_share_sorted_unique_union(void **state)
{
	const char *dir = *state;
	char *got;

	assert_int_equal(pf_decision_share(dir, FP_B, "r.b", "b.py", "why b"),
			 1);
	assert_int_equal(pf_decision_share(dir, FP_A, "r.a", "a.py", ""), 1);
	/* Again: nothing written. */
	assert_int_equal(pf_decision_share(dir, FP_B, "r.b", "moved.py", "x"),
			 0);
	got = read_rel(dir, ".pushfix/ignore");
	assert_string_equal(got,
			    FP_A "\tr.a\ta.py\t\n" FP_B "\tr.b\tb.py\twhy b\n");
	free(got);
	got = read_rel(dir, ".pushfix/.gitattributes");
	assert_string_equal(got, "ignore merge=union\n");
	free(got);
	assert_int_equal(pf_decision_share(dir, "abc", "r", "p", ""),
			 PF_EINVALID);
}

static void test_share_keeps_unparsed_lines(void **state)
{
	const char *dir = *state;
	struct pf_buf p = PF_BUF_INIT;
	char *got;

	pf_buf_addf(&p, "%s/.pushfix", dir);
	assert_int_equal(pf_mkdir_p(p.buf, 0755), 0);
	pf_buf_addstr(&p, "/ignore");
	/* A teammate's line this version cannot read stays. */
	assert_int_equal(
		pf_write_file_atomic(p.buf, "zzz future\n" FP_B "\tr.b\tb\t\n",
				     strlen("zzz future\n" FP_B "\tr.b\tb\t\n"),
				     0644),
		0);
	assert_int_equal(pf_decision_share(dir, FP_A, "r.a", "a", ""), 1);
	got = read_rel(dir, ".pushfix/ignore");
	assert_string_equal(got, FP_A "\tr.a\ta\t\n" FP_B "\tr.b\tb\t\nzzz "
				      "future\n");
	free(got);
	pf_buf_release(&p);
}

static void test_unshare_removes_one_keeps_the_rest(void **state)
{
	const char *dir = *state;
	char *got;

	/* No file yet: nothing to take back. */
	assert_int_equal(pf_decision_unshare(dir, FP_A), 0);
	assert_int_equal(pf_decision_share(dir, FP_A, "r.a", "a", ""), 1);
	assert_int_equal(pf_decision_share(dir, FP_B, "r.b", "b", "x"), 1);
	assert_int_equal(pf_decision_unshare(dir, FP_A), 1);
	got = read_rel(dir, ".pushfix/ignore");
	assert_string_equal(got, FP_B "\tr.b\tb\tx\n");
	free(got);
	/* Gone already: 0, the file as it was. */
	assert_int_equal(pf_decision_unshare(dir, FP_A), 0);
	got = read_rel(dir, ".pushfix/ignore");
	assert_string_equal(got, FP_B "\tr.b\tb\tx\n");
	free(got);
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

static void test_mark_shared_survives_moves(void **state)
{
	const char *dir = *state;
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf warn = PF_BUF_INIT;
	struct pf_finding f;
	size_t n = 99;

	make_finding(&f, "r.eval", "a.py", 3, "x = eval(s)");
	assert_int_equal(pf_decision_share(dir, f.fingerprint, f.rule_id,
					   f.path, "fine here"),
			 1);
	pf_finding_release(&f);
	/* Moved to another file and line, re-indented: still ignored. */
	make_finding(pf_findings_push(&fs), "r.eval", "lib/b.py", 40,
		     "        x  =  eval(s)");
	make_finding(pf_findings_push(&fs), "r.eval", "a.py", 3, "y = eval(t)");
	assert_int_equal(
		pf_decision_mark_shared(&n, &fs, NULL, NULL, dir, &warn), 0);
	assert_int_equal(n, 1);
	assert_int_equal(fs.v[0].ignored, 1);
	assert_int_equal(fs.v[1].ignored, 0);
	assert_int_equal(warn.len, 0);
	pf_findings_release(&fs);
	pf_buf_release(&warn);
}

static void test_mark_shared_absent(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	size_t n = 99;

	make_finding(pf_findings_push(&fs), "r", "a.py", 1, "x");
	assert_int_equal(
		pf_decision_mark_shared(&n, &fs, NULL, NULL, *state, NULL), 0);
	assert_int_equal(n, 0);
	assert_int_equal(
		pf_decision_mark_shared(&n, &fs, NULL, NULL, NULL, NULL), 0);
	assert_int_equal(fs.v[0].ignored, 0);
	pf_findings_release(&fs);
}

static void test_shared_format(void **state)
{
	struct pf_shared_ignores si = PF_SHARED_IGNORES_INIT;
	struct pf_buf out = PF_BUF_INIT;
	const char *text = FP_A "\tr.eval\tsrc/a.py\ttest fixture\n";

	(void)state;
	pf_decision_shared_parse(&si, text, strlen(text), NULL);
	pf_decision_shared_format(&out, &si);
	assert_string_equal(out.buf, "  1  r.eval\n"
				     "     src/a.py: test fixture\n");
	pf_shared_ignores_release(&si);
	pf_buf_release(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_skips_bad_lines),
		cmocka_unit_test_setup_teardown(test_share_sorted_unique_union,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_share_keeps_unparsed_lines,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_unshare_removes_one_keeps_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_shared_survives_moves,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_mark_shared_absent, setup,
						teardown),
		cmocka_unit_test(test_shared_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
