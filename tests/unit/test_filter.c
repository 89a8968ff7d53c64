/*
 * The filter stage: which findings touch the changeset, in every mode,
 * at the edges (line 1, the context window, whole files, the end of the
 * line numbers), and with two versions of one path in one push.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pushfix/diff.h"
#include "pushfix/filter.h"
#include "pushfix/finding.h"
#include "pushfix/interval.h"
#include "pushfix/util.h"

/* A changed file with line ranges "a-b" pairs, terminated by 0. */
static struct pf_changed_file *add_file(struct pf_changeset *cs,
					const char *path, const char *content,
					...)
{
	struct pf_changed_file *f;
	va_list ap;
	uint32_t a;

	PF_ALLOC_GROW(cs->files, cs->nr + 1, cs->alloc);
	f = &cs->files[cs->nr++];
	memset(f, 0, sizeof(*f));
	f->path = pf_xstrdup(path);
	if (content) {
		f->content = pf_xstrdup(content);
		f->content_len = strlen(content);
	}
	va_start(ap, content);
	while ((a = va_arg(ap, uint32_t)) != 0) {
		uint32_t b = va_arg(ap, uint32_t);

		pf_intervals_add(&f->lines, a, b);
	}
	va_end(ap);
	pf_intervals_normalize(&f->lines);
	return f;
}

static struct pf_finding *add_finding(struct pf_findings *fs,
				      const char *path, const char *rule,
				      uint32_t start, uint32_t end)
{
	struct pf_finding *f = pf_findings_push(fs);

	f->path = pf_xstrdup(path);
	f->rule_id = pf_xstrdup(rule);
	f->start.line = start;
	f->end.line = end;
	f->start.offset = f->end.offset = -1;
	return f;
}

/* The rule ids left, space separated. */
static char *left(const struct pf_findings *fs)
{
	struct pf_buf b = PF_BUF_INIT;

	for (size_t i = 0; i < fs->nr; i++)
		pf_buf_addf(&b, "%s%s", i ? " " : "", fs->v[i].rule_id);
	return pf_buf_detach(&b, NULL);
}

/* Run one mode over a fresh copy of the same findings. */
static void check(const struct pf_changeset *cs,
		  void (*fill)(struct pf_findings *), enum pf_filter_mode mode,
		  unsigned context, const char *want, size_t want_dropped)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	size_t dropped;
	char *got;

	fill(&fs);
	dropped = pf_filter_apply(&fs, cs, mode, context);
	got = left(&fs);
	assert_string_equal(got, want);
	assert_int_equal(dropped, want_dropped);
	free(got);
	pf_findings_release(&fs);
}

/*
 * a.py changed lines 1 and 10-12; b.py is in the changeset, changed line
 * 50; c.py is not in the changeset at all.
 */
static void fill_basic(struct pf_findings *fs)
{
	add_finding(fs, "a.py", "on1", 1, 1);
	add_finding(fs, "a.py", "near1", 3, 3);    /* 2 below line 1 */
	add_finding(fs, "a.py", "span", 5, 10);    /* ends on 10 */
	add_finding(fs, "a.py", "inside", 11, 11);
	add_finding(fs, "a.py", "after", 15, 15);  /* 3 after 12 */
	add_finding(fs, "a.py", "far", 30, 31);
	add_finding(fs, "a.py", "noend", 12, 0);   /* end < start */
	add_finding(fs, "b.py", "b-far", 1, 1);
	add_finding(fs, "c.py", "other-file", 1, 1);
}

static void basic_changeset(struct pf_changeset *cs)
{
	add_file(cs, "a.py", NULL, 1u, 1u, 10u, 12u, 0u);
	add_file(cs, "b.py", NULL, 50u, 50u, 0u);
}

static void test_added(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;

	(void)state;
	basic_changeset(&cs);
	check(&cs, fill_basic, PF_FILTER_ADDED, 3,
	      "on1 span inside noend", 5);
	pf_changeset_release(&cs);
}

static void test_context(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;

	(void)state;
	basic_changeset(&cs);
	/* ±3: line 3 reaches 1 (no wrap below line 1), 15 reaches 12. */
	check(&cs, fill_basic, PF_FILTER_CONTEXT, 3,
	      "on1 near1 span inside after noend", 3);
	/* ±2: line 15 is 3 away from 12, out; line 3 is 2 from 1, in. */
	check(&cs, fill_basic, PF_FILTER_CONTEXT, 2,
	      "on1 near1 span inside noend", 4);
	/* ±0 is ADDED. */
	check(&cs, fill_basic, PF_FILTER_CONTEXT, 0,
	      "on1 span inside noend", 5);
	/* A huge window: everything in a changed file, nothing else. */
	check(&cs, fill_basic, PF_FILTER_CONTEXT, 1000,
	      "on1 near1 span inside after far noend b-far", 1);
	pf_changeset_release(&cs);
}

static void test_file_and_all(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;

	(void)state;
	basic_changeset(&cs);
	check(&cs, fill_basic, PF_FILTER_FILE, 0,
	      "on1 near1 span inside after far noend b-far", 1);
	check(&cs, fill_basic, PF_FILTER_ALL, 0,
	      "on1 near1 span inside after far noend b-far other-file", 0);
	pf_changeset_release(&cs);
}

/* --all: every line of the file counts. */
static void test_whole_file(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;

	(void)state;
	add_file(&cs, "a.py", NULL, 0u)->whole_file = 1;
	add_file(&cs, "b.py", NULL, 50u, 50u, 0u);
	check(&cs, fill_basic, PF_FILTER_ADDED, 0,
	      "on1 near1 span inside after far noend", 2);
	pf_changeset_release(&cs);
}

/* Line 1 with a context: the window must not wrap around 0. */
static void fill_line1(struct pf_findings *fs)
{
	add_finding(fs, "a.py", "l1", 1, 1);
	add_finding(fs, "a.py", "l2", 2, 2);
	add_finding(fs, "a.py", "l4", 4, 4);
}

static void test_context_at_line_1(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;

	(void)state;
	add_file(&cs, "a.py", NULL, 1u, 1u, 0u);
	check(&cs, fill_line1, PF_FILTER_CONTEXT, 1, "l1 l2", 1);
	check(&cs, fill_line1, PF_FILTER_CONTEXT, 3, "l1 l2 l4", 0);
	pf_changeset_release(&cs);
	/* Changed line 5: a finding on line 1 is 4 away. */
	add_file(&cs, "a.py", NULL, 5u, 5u, 0u);
	check(&cs, fill_line1, PF_FILTER_CONTEXT, 3, "l2 l4", 1);
	check(&cs, fill_line1, PF_FILTER_CONTEXT, 4, "l1 l2 l4", 0);
	pf_changeset_release(&cs);
}

/* A window past the last line number must not wrap to a small one. */
static void fill_high(struct pf_findings *fs)
{
	add_finding(fs, "a.py", "top", UINT32_MAX - 1, UINT32_MAX - 1);
}

static void test_context_overflow(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;

	(void)state;
	add_file(&cs, "a.py", NULL, 1u, 1u, 0u);
	check(&cs, fill_high, PF_FILTER_CONTEXT, 10, "", 1);
	pf_changeset_release(&cs);
	add_file(&cs, "a.py", NULL, UINT32_MAX, UINT32_MAX, 0u);
	check(&cs, fill_high, PF_FILTER_CONTEXT, 10, "top", 0);
	pf_changeset_release(&cs);
}

/*
 * Two refs push two versions of a.py.  v1 changed line 2, v2 changed
 * line 5.  A finding is located in the version it was found in (its
 * `lines` are that version's bytes): one of v1 on line 5, which v1 did
 * not change, must go even though v2 changed its line 5.
 */
#define V1 "a\nb\nc\nd\nold = 1\n"
#define V2 "a\nb\nc\nd\nnew = 2\n"

static struct pf_finding *located(struct pf_findings *fs, const char *rule,
				  const char *content, uint32_t line)
{
	struct pf_finding *f = add_finding(fs, "a.py", rule, line, line);

	f->start.offset = -1;
	f->start.col = 1;
	f->end.offset = -1;
	f->end.col = 0;
	assert_int_equal(pf_finding_locate(f, content, strlen(content)), 0);
	return f;
}

static void fill_versions(struct pf_findings *fs)
{
	located(fs, "v1-line5", V1, 5);
	located(fs, "v2-line5", V2, 5);
	located(fs, "v1-line2", V1, 2);
	/* Not located: no way to tell the version, any entry decides. */
	add_finding(fs, "a.py", "unlocated5", 5, 5);
}

static void test_two_versions_of_one_path(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_findings fs = PF_FINDINGS_INIT;

	(void)state;
	add_file(&cs, "a.py", V1, 2u, 2u, 0u);
	add_file(&cs, "a.py", V2, 5u, 5u, 0u);
	check(&cs, fill_versions, PF_FILTER_ADDED, 0,
	      "v2-line5 v1-line2 unlocated5", 1);
	/* FILE mode: both versions are changed files. */
	check(&cs, fill_versions, PF_FILTER_FILE, 0,
	      "v1-line5 v2-line5 v1-line2 unlocated5", 0);
	/* The version a finding came from. */
	fill_versions(&fs);
	assert_ptr_equal(pf_filter_file_of(&cs, &fs.v[0]), &cs.files[0]);
	assert_ptr_equal(pf_filter_file_of(&cs, &fs.v[1]), &cs.files[1]);
	assert_ptr_equal(pf_filter_file_of(&cs, &fs.v[2]), &cs.files[0]);
	assert_ptr_equal(pf_filter_file_of(&cs, &fs.v[3]), &cs.files[0]);
	free(fs.v[3].path);
	fs.v[3].path = pf_xstrdup("z.py");
	assert_null(pf_filter_file_of(&cs, &fs.v[3]));
	pf_findings_release(&fs);
	pf_changeset_release(&cs);
}

/* The same version pushed by two refs, each with its own lines. */
static void fill_same(struct pf_findings *fs)
{
	located(fs, "l2", V1, 2);
	located(fs, "l4", V1, 4);
	located(fs, "l5", V1, 5);
}

static void test_two_entries_same_content(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;

	(void)state;
	add_file(&cs, "a.py", V1, 2u, 2u, 0u);
	add_file(&cs, "a.py", V1, 5u, 5u, 0u);
	check(&cs, fill_same, PF_FILTER_ADDED, 0, "l2 l5", 1);
	pf_changeset_release(&cs);
}

/*
 * The line-start check of two versions: v3 holds the finding's line
 * ("old = 1") at the finding's offset too, but in the middle of its line
 * 4 ("xxold = 1"), so v3 does not hold the finding; only v1 decides, and
 * v1 did not change line 5.  Without the check, v3's change of its lines
 * 4-5 would keep a finding that no pushed change made.
 */
#define V3 "a\nb\nc\nxxold = 1\nz\n"

static void fill_mid_line(struct pf_findings *fs)
{
	located(fs, "v1-line5", V1, 5);
}

static void test_two_versions_line_start(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;

	(void)state;
	assert_int_equal(memcmp(V3 + 8, V1 + 8, strlen(V1) - 8), 0);
	assert_int_not_equal(V3[7], '\n');
	add_file(&cs, "a.py", V1, 2u, 2u, 0u);
	add_file(&cs, "a.py", V3, 4u, 5u, 0u);
	check(&cs, fill_mid_line, PF_FILTER_ADDED, 0, "", 1);
	/* v3 alone: the finding cannot be placed in it, v3 decides. */
	pf_changeset_release(&cs);
	add_file(&cs, "a.py", V3, 4u, 5u, 0u);
	check(&cs, fill_mid_line, PF_FILTER_ADDED, 0, "v1-line5", 0);
	pf_changeset_release(&cs);
}

static void test_empty(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_findings fs = PF_FINDINGS_INIT;

	(void)state;
	assert_int_equal(pf_filter_apply(&fs, &cs, PF_FILTER_ADDED, 3), 0);
	check(&cs, fill_basic, PF_FILTER_ADDED, 3, "", 9);
}

/*
 * Issue 10: the filter became O(n log n).  The filter as it was before,
 * quadratic but plainly right, as the reference: on a mixed set (several
 * files, two versions of one path, a whole file, located and unlocated
 * findings, paths outside the changeset, no path) the new one must keep
 * exactly the same findings in the same order, in every mode.
 */
static int ref_holds(const struct pf_changed_file *cf,
		     const struct pf_finding *f)
{
	size_t n, begin;

	if (!cf->content || !f->lines || f->start.offset < 0 ||
	    f->start.col < 1 ||
	    (uint64_t)f->start.col - 1 > (uint64_t)f->start.offset)
		return 0;
	begin = (size_t)f->start.offset - (f->start.col - 1);
	n = strlen(f->lines);
	return begin + n <= cf->content_len &&
	       !memcmp(cf->content + begin, f->lines, n) &&
	       (begin == 0 || cf->content[begin - 1] == '\n');
}

static int ref_touches(const struct pf_changeset *cs,
		       const struct pf_finding *f, uint32_t start, uint32_t end,
		       enum pf_filter_mode mode)
{
	int any_holds = 0;

	for (size_t i = 0; i < cs->nr && !any_holds; i++)
		any_holds = !strcmp(cs->files[i].path, f->path) &&
			    ref_holds(&cs->files[i], f);
	for (size_t i = 0; i < cs->nr; i++) {
		const struct pf_changed_file *cf = &cs->files[i];

		if (strcmp(cf->path, f->path))
			continue;
		if (any_holds && !ref_holds(cf, f))
			continue;
		if (mode == PF_FILTER_FILE || cf->whole_file)
			return 1;
		if (pf_intervals_overlaps(&cf->lines, start, end))
			return 1;
	}
	return 0;
}

static const struct pf_changed_file *ref_file_of(const struct pf_changeset *cs,
						 const struct pf_finding *f)
{
	const struct pf_changed_file *first = NULL;

	if (!f->path)
		return NULL;
	for (size_t i = 0; i < cs->nr; i++) {
		if (strcmp(cs->files[i].path, f->path))
			continue;
		if (ref_holds(&cs->files[i], f))
			return &cs->files[i];
		if (!first)
			first = &cs->files[i];
	}
	return first;
}

static size_t ref_apply(struct pf_findings *fs, const struct pf_changeset *cs,
			enum pf_filter_mode mode, unsigned context)
{
	size_t dropped = 0, i = 0;

	if (mode == PF_FILTER_ALL)
		return 0;
	while (i < fs->nr) {
		const struct pf_finding *f = &fs->v[i];
		uint32_t start = f->start.line, end = f->end.line;

		if (end < start)
			end = start;
		if (mode == PF_FILTER_CONTEXT) {
			start = start > context ? start - context : 1;
			end = end + context < end ? UINT32_MAX : end + context;
		}
		if (f->path && ref_touches(cs, f, start, end, mode)) {
			i++;
			continue;
		}
		pf_findings_remove(fs, i);
		dropped++;
	}
	return dropped;
}

static unsigned long long rng_state = 0x243F6A8885A308D3ULL;

static unsigned rnd(unsigned n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (unsigned)(rng_state % n);
}

#define MIX_A1 "a\nb\nc\nd\nold = 1\nf\ng\nh\n"
#define MIX_A2 "a\nb\nc\nd\nnew = 2\nf\ng\nh\nx\n"

static void fill_mixed(struct pf_findings *fs)
{
	static const char *paths[] = { "a.py",	 "b.py", "c.py",
				       "m/d.py", "z.py", NULL };
	char rule[32];

	rng_state = 0x243F6A8885A308D3ULL;
	for (unsigned i = 0; i < 3000; i++) {
		const char *path = paths[rnd(PF_ARRAY_SIZE(paths))];
		uint32_t a = 1 + rnd(40), b = rnd(3) ? a + rnd(4) : rnd(40);
		struct pf_finding *f;

		snprintf(rule, sizeof(rule), "r%u", i);
		if (path && !strcmp(path, "a.py") && rnd(2)) {
			const char *c = rnd(2) ? MIX_A1 : MIX_A2;

			f = located(fs, rule, c, 1 + rnd(8));
			continue;
		}
		f = add_finding(fs, path ? path : "x", rule, a, b);
		if (!path) {
			free(f->path);
			f->path = NULL;
		}
	}
}

static void mixed_changeset(struct pf_changeset *cs)
{
	add_file(cs, "a.py", MIX_A1, 2u, 2u, 7u, 7u, 0u);
	add_file(cs, "a.py", MIX_A2, 5u, 5u, 9u, 9u, 0u);
	add_file(cs, "b.py", NULL, 3u, 3u, 20u, 25u, 0u)->whole_file = 1;
	add_file(cs, "c.py", NULL, 1u, 1u, 10u, 12u, 30u, 30u, 0u);
	add_file(cs, "m/d.py", NULL, 40u, 40u, 0u);
}

static void test_same_as_before_on_a_mixed_set(void **state)
{
	static const enum pf_filter_mode modes[] = { PF_FILTER_ADDED,
						     PF_FILTER_CONTEXT,
						     PF_FILTER_FILE,
						     PF_FILTER_ALL };
	struct pf_changeset cs = PF_CHANGESET_INIT;

	(void)state;
	mixed_changeset(&cs);
	for (size_t m = 0; m < PF_ARRAY_SIZE(modes); m++) {
		struct pf_findings got = PF_FINDINGS_INIT,
				   want = PF_FINDINGS_INIT;
		size_t gd, wd;
		char *g, *w;

		fill_mixed(&got);
		fill_mixed(&want);
		for (size_t i = 0; i < got.nr; i++)
			assert_ptr_equal(pf_filter_file_of(&cs, &got.v[i]),
					 ref_file_of(&cs, &want.v[i]));
		gd = pf_filter_apply(&got, &cs, modes[m], 3);
		wd = ref_apply(&want, &cs, modes[m], 3);
		g = left(&got);
		w = left(&want);
		assert_string_equal(g, w);
		assert_int_equal(gd, wd);
		/* A mixed set indeed: some kept, some dropped. */
		assert_true(modes[m] == PF_FILTER_ALL ||
			    (gd > 100 && got.nr > 100));
		free(g);
		free(w);
		pf_findings_release(&got);
		pf_findings_release(&want);
	}
	pf_changeset_release(&cs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_added),
		cmocka_unit_test(test_context),
		cmocka_unit_test(test_file_and_all),
		cmocka_unit_test(test_whole_file),
		cmocka_unit_test(test_context_at_line_1),
		cmocka_unit_test(test_context_overflow),
		cmocka_unit_test(test_two_versions_of_one_path),
		cmocka_unit_test(test_two_entries_same_content),
		cmocka_unit_test(test_two_versions_line_start),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_same_as_before_on_a_mixed_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
