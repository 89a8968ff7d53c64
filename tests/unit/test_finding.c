/* The finding model: lifecycle, severities, positions, fingerprint,
 * ordering, and whole-line rule fixes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/util.h"

static void set(struct pf_finding *f, const char *rule, uint32_t sl,
		uint32_t sc, uint32_t el, uint32_t ec)
{
	memset(f, 0, sizeof(*f));
	f->rule_id = pf_xstrdup(rule);
	f->path = pf_xstrdup("a.c");
	f->start.line = sl;
	f->start.col = sc;
	f->end.line = el;
	f->end.col = ec;
	f->start.offset = f->end.offset = -1;
}

static void set_off(struct pf_finding *f, const char *rule, int64_t so,
		    int64_t eo)
{
	set(f, rule, 0, 0, 0, 0);
	f->start.offset = so;
	f->end.offset = eo;
}

#define LOCATE(f, s) pf_finding_locate((f), (s), strlen(s))

static void test_severity(void **state)
{
	static const struct {
		const char *label;
		enum pf_severity sev;
	} t[] = {
		{ "CRITICAL", PF_SEV_CRITICAL }, { "ERROR", PF_SEV_ERROR },
		{ "error", PF_SEV_ERROR },       { "HIGH", PF_SEV_ERROR },
		{ "WARNING", PF_SEV_WARNING },   { "warning", PF_SEV_WARNING },
		{ "MEDIUM", PF_SEV_WARNING },    { "LOW", PF_SEV_LOW },
		{ "INFO", PF_SEV_INFO },         { "note", PF_SEV_INFO },
		{ "none", PF_SEV_INFO },         { "EXPERIMENT", PF_SEV_INFO },
		{ "INVENTORY", PF_SEV_INFO },    { "", PF_SEV_UNKNOWN },
		{ "ERRORS", PF_SEV_UNKNOWN },    { NULL, PF_SEV_UNKNOWN },
	};

	(void)state;
	for (size_t i = 0; i < PF_ARRAY_SIZE(t); i++)
		assert_int_equal(pf_severity_parse(t[i].label), t[i].sev);
	for (int s = PF_SEV_INFO; s <= PF_SEV_CRITICAL; s++)
		assert_int_equal(
			pf_severity_parse(pf_severity_name((enum pf_severity)s)),
			s);
	assert_string_equal(pf_severity_name(PF_SEV_UNKNOWN), "UNKNOWN");
	assert_string_equal(pf_severity_name(PF_SEV_WARNING), "WARNING");
	assert_string_equal(pf_verdict_name(PF_VERDICT_NONE), "none");
	assert_string_equal(pf_verdict_name(PF_VERDICT_TRUE_POSITIVE),
			    "true_positive");
	assert_string_equal(pf_verdict_name(PF_VERDICT_FALSE_POSITIVE),
			    "false_positive");
	assert_string_equal(pf_verdict_name(PF_VERDICT_UNCERTAIN),
			    "uncertain");
}

static void test_list_lifecycle(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_finding copy;

	(void)state;
	for (int i = 0; i < 40; i++) {
		struct pf_finding *f = pf_findings_push(&fs);

		assert_null(f->rule_id);
		assert_int_equal(f->severity, PF_SEV_UNKNOWN);
		f->rule_id = pf_xstrdup(i % 2 ? "odd" : "even");
		f->start.line = (uint32_t)i;
	}
	assert_int_equal(fs.nr, 40);
	fs.v[3].triage.reason = pf_xstrdup("because");
	fs.v[3].fix.replacement = pf_xstrdup("x\n");
	fs.v[3].lines = pf_xstrdup("y");
	pf_finding_copy(&copy, &fs.v[3]);
	/* Deep: the copy survives the original. */
	pf_findings_remove(&fs, 3);
	assert_string_equal(copy.triage.reason, "because");
	assert_string_equal(copy.fix.replacement, "x\n");
	assert_string_equal(copy.lines, "y");
	assert_string_equal(copy.rule_id, "odd");
	assert_int_equal(copy.start.line, 3);
	assert_int_equal(fs.nr, 39);
	/* Order kept. */
	for (size_t i = 0; i < fs.nr; i++)
		assert_int_equal(fs.v[i].start.line, i < 3 ? i : i + 1);
	pf_findings_remove(&fs, 100); /* out of range: nothing */
	assert_int_equal(fs.nr, 39);
	pf_finding_release(&copy);
	pf_finding_release(&copy); /* released twice is harmless */
	pf_finding_release(NULL);
	pf_findings_release(&fs);
	pf_findings_release(&fs);
	pf_findings_release(NULL);
}

static void test_locate_line_col(void **state)
{
	static const char s[] = "ab\ncd\nef"; /* no final newline */
	struct pf_finding f;

	(void)state;
	set(&f, "r", 2, 1, 2, 3);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.offset, 3);
	assert_int_equal(f.end.offset, 5);
	assert_string_equal(f.lines, "cd");
	pf_finding_release(&f);

	/* Last line, to its end. */
	set(&f, "r", 3, 2, 3, 3);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.offset, 7);
	assert_int_equal(f.end.offset, 8);
	assert_string_equal(f.lines, "ef");
	pf_finding_release(&f);

	/* Two lines. */
	set(&f, "r", 1, 2, 2, 2);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.offset, 1);
	assert_int_equal(f.end.offset, 4);
	assert_string_equal(f.lines, "ab\ncd");
	pf_finding_release(&f);

	/* end col 0 (no SARIF endColumn): to the end of the line */
	set(&f, "r", 1, 1, 2, 0);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.end.offset, 5);
	assert_int_equal(f.end.line, 2);
	assert_int_equal(f.end.col, 3);
	pf_finding_release(&f);

	/* No end at all: the rest of the start line. */
	set(&f, "r", 2, 2, 0, 0);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.end.offset, 5);
	pf_finding_release(&f);

	/* A column past the end of the line is clamped to it. */
	set(&f, "r", 1, 50, 1, 60);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.offset, 2);
	assert_int_equal(f.start.col, 3);
	assert_string_equal(f.lines, "ab");
	pf_finding_release(&f);

	/* A start line past the content is an error. */
	set(&f, "r", 4, 1, 4, 2);
	assert_int_equal(LOCATE(&f, s), PF_EINVALID);
	assert_non_null(strstr(pf_error_last(), "a.c:4: finding of r lies "
						"outside the file"));
	assert_null(f.lines);
	pf_finding_release(&f);

	/* An end past the content is clamped. */
	set(&f, "r", 3, 1, 9, 9);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.end.offset, 8);
	assert_int_equal(f.end.line, 3);
	pf_finding_release(&f);

	/* No position at all. */
	set(&f, "r", 0, 0, 0, 0);
	assert_int_equal(LOCATE(&f, s), PF_EINVALID);
	pf_finding_release(&f);
}

/* flawfinder's lines count a lone CR as a line end (Python's universal
 * newlines): mapped to git's lines, never dropped as "outside". */
static void test_locate_universal_lines(void **state)
{
	/* Universal lines: "a", "b", "cd", "ef", "x" (CRLF counts once);
	 * git's: "a\rb\rcd", "ef\r", "x". */
	static const char s[] = "a\rb\rcd\nef\r\nx";
	static const char plain[] = "a\nb\ncd\n";
	struct pf_finding f;

	(void)state;
	set(&f, "r", 3, 2, 3, 3);
	f.line_unit = PF_LINES_UNIVERSAL;
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.offset, 5);
	assert_int_equal(f.end.offset, 6);
	assert_int_equal(f.start.line, 1);
	assert_int_equal(f.start.col, 6);
	assert_int_equal(f.line_unit, PF_LINES_LF);
	assert_string_equal(f.lines, "a\rb\rcd");
	pf_finding_release(&f);

	/* Universal line 5 is git's line 3; no end: to the line's end. */
	set(&f, "r", 5, 1, 0, 0);
	f.line_unit = PF_LINES_UNIVERSAL;
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.line, 3);
	assert_int_equal(f.start.offset, 11);
	assert_int_equal(f.end.offset, 12);
	pf_finding_release(&f);

	/* Line 4, from its start to the end of line 5. */
	set(&f, "r", 4, 1, 5, 2);
	f.line_unit = PF_LINES_UNIVERSAL;
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.line, 2);
	assert_int_equal(f.end.line, 3);
	assert_int_equal(f.start.offset, 7);
	assert_int_equal(f.end.offset, 12);
	pf_finding_release(&f);

	/* Past the last line: an error (scan.c notes it), not line 1. */
	set(&f, "r", 7, 1, 7, 1);
	f.line_unit = PF_LINES_UNIVERSAL;
	assert_int_not_equal(LOCATE(&f, s), 0);
	pf_finding_release(&f);

	/* With no lone CR both counts agree: the ordinary path. */
	set(&f, "r", 2, 1, 2, 2);
	f.line_unit = PF_LINES_UNIVERSAL;
	assert_int_equal(LOCATE(&f, plain), 0);
	assert_int_equal(f.start.offset, 2);
	assert_string_equal(f.lines, "b");
	pf_finding_release(&f);

	/* The same position read as git lines lands elsewhere. */
	set(&f, "r", 2, 1, 2, 2);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.offset, 7);
	assert_string_equal(f.lines, "ef");
	pf_finding_release(&f);
}

static void test_locate_offsets(void **state)
{
	static const char s[] = "a\nbc\r\nd\n";
	struct pf_finding f;

	(void)state;
	/* Offsets only: line/col from them. */
	set_off(&f, "r", 2, 4);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.line, 2);
	assert_int_equal(f.start.col, 1);
	assert_int_equal(f.end.line, 2);
	assert_int_equal(f.end.col, 3);
	assert_string_equal(f.lines, "bc"); /* CR dropped */
	pf_finding_release(&f);

	/* A match that takes the newline ends on that line. */
	set_off(&f, "r", 0, 2);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.end.line, 1);
	assert_int_equal(f.end.col, 3);
	assert_string_equal(f.lines, "a");
	pf_finding_release(&f);

	/* Empty match at EOF. */
	set_off(&f, "r", 8, 8);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.line, 4);
	assert_string_equal(f.lines, "");
	pf_finding_release(&f);

	/* Offsets win over contradicting line/col. */
	set(&f, "r", 1, 1, 1, 2);
	f.start.offset = 7;
	f.end.offset = 8;
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.line, 3);
	assert_string_equal(f.lines, "d");
	pf_finding_release(&f);

	set_off(&f, "r", 9, 10);
	assert_int_equal(LOCATE(&f, s), PF_EINVALID);
	pf_finding_release(&f);

	/* End before start: clamped to an empty match. */
	set_off(&f, "r", 3, 1);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.end.offset, 3);
	pf_finding_release(&f);

	/* Empty content. */
	set(&f, "r", 1, 1, 1, 1);
	assert_int_equal(pf_finding_locate(&f, "", 0), 0);
	assert_string_equal(f.lines, "");
	pf_finding_release(&f);
}

static void test_locate_character_columns(void **state)
{
	/* A tab, a comment holding é and an emoji, then strcpy: it starts
	 * at code point 11, UTF-16 unit 12, byte 15. */
	static const char s[] = "x\n\t/* \xc3\xa9\xf0\x9f\x98\x8a */ "
				"strcpy(d, s);\nz\n";
	struct pf_finding f;

	(void)state;
	set(&f, "r", 2, 11, 2, 17);
	f.col_unit = PF_COL_CODEPOINTS;
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.col_unit, PF_COL_BYTES);
	assert_int_equal(f.start.col, 15);
	assert_memory_equal(s + f.start.offset, "strcpy", 6);
	assert_int_equal(f.end.offset - f.start.offset, 6);
	pf_finding_release(&f);

	set(&f, "r", 2, 12, 2, 0);
	f.col_unit = PF_COL_UTF16;
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.col, 15);
	assert_memory_equal(s + f.start.offset, "strcpy(d, s);\n", 14);
	assert_int_equal(s[f.end.offset], '\n');
	pf_finding_release(&f);

	/* Bytes: the same column means something else. */
	set(&f, "r", 2, 11, 2, 12);
	assert_int_equal(LOCATE(&f, s), 0);
	assert_int_equal(f.start.col, 11);
	assert_int_equal(f.start.offset, 12);
	pf_finding_release(&f);

	/* Invalid UTF-8 counts one column per byte, never overruns. */
	set(&f, "r", 1, 3, 1, 9);
	f.col_unit = PF_COL_CODEPOINTS;
	assert_int_equal(pf_finding_locate(&f, "\xff\xf0\x9f\nb", 5), 0);
	assert_int_equal(f.start.offset, 2);
	assert_int_equal(f.end.offset, 3);
	pf_finding_release(&f);
}

static void test_fingerprint(void **state)
{
	struct pf_finding a, b, c, d;

	(void)state;
	set(&a, "r", 2, 1, 3, 4);
	assert_int_equal(LOCATE(&a, "x\nfoo(a,\n  b);\n"), 0);
	/* Same code, reindented, lines moved down. */
	set(&b, "r", 4, 1, 5, 4);
	assert_int_equal(LOCATE(&b, "\n\nx\n    foo(a,\t\n b);  \n"), 0);
	assert_string_equal(a.fingerprint, b.fingerprint);
	assert_int_equal(strlen(a.fingerprint), 64);
	/* Another rule, or other code: another fingerprint. */
	set(&c, "q", 2, 1, 3, 4);
	assert_int_equal(LOCATE(&c, "x\nfoo(a,\n  b);\n"), 0);
	assert_string_not_equal(a.fingerprint, c.fingerprint);
	set(&d, "r", 2, 1, 3, 4);
	assert_int_equal(LOCATE(&d, "x\nfoo(ab,\n  b);\n"), 0);
	assert_string_not_equal(a.fingerprint, d.fingerprint);
	/* Folded, not removed: "a, b" is not "a,b". */
	free(d.lines);
	d.lines = pf_xstrdup("foo(a,b);");
	pf_finding_fingerprint(&d);
	assert_string_not_equal(a.fingerprint, d.fingerprint);
	free(d.lines);
	d.lines = pf_xstrdup(" foo(a,\n\n\n b); ");
	pf_finding_fingerprint(&d);
	assert_string_equal(a.fingerprint, d.fingerprint);
	free(d.lines);
	d.lines = NULL;
	pf_finding_fingerprint(&d); /* no lines yet: still defined */
	assert_int_equal(strlen(d.fingerprint), 64);
	pf_finding_release(&a);
	pf_finding_release(&b);
	pf_finding_release(&c);
	pf_finding_release(&d);
}

static void test_sort(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	static const struct {
		enum pf_severity sev;
		const char *path, *rule;
		uint32_t line;
	} in[] = {
		{ PF_SEV_INFO, "a.c", "r1", 1 },
		{ PF_SEV_ERROR, "b.c", "r1", 9 },
		{ PF_SEV_ERROR, "a.c", "r2", 9 },
		{ PF_SEV_ERROR, "a.c", "r1", 9 },
		{ PF_SEV_CRITICAL, "z.c", "r9", 99 },
		{ PF_SEV_ERROR, "a.c", "r1", 2 },
	};
	static const int order[] = { 4, 5, 3, 2, 1, 0 };

	(void)state;
	for (size_t i = 0; i < PF_ARRAY_SIZE(in); i++) {
		struct pf_finding *f = pf_findings_push(&fs);

		set(f, in[i].rule, in[i].line, 1, in[i].line, 2);
		free(f->path);
		f->path = pf_xstrdup(in[i].path);
		f->severity = in[i].sev;
		f->message = pf_xstrdup((char[]){ (char)('0' + i), 0 });
	}
	pf_findings_sort(&fs);
	for (size_t i = 0; i < PF_ARRAY_SIZE(order); i++)
		assert_int_equal(fs.v[i].message[0], '0' + order[i]);
	pf_findings_release(&fs);
}

static void fix_case(const char *content, int64_t so, int64_t eo,
		     const char *fix, uint32_t sl, uint32_t el,
		     const char *want)
{
	struct pf_finding f;

	set_off(&f, "r", so, eo);
	f.rule_fix = pf_xstrdup(fix);
	assert_int_equal(pf_finding_rule_fix_to_lines(&f, content,
						      strlen(content)),
			 0);
	assert_int_equal(f.fix.origin, PF_FIX_RULE);
	assert_int_equal(f.fix.state, PF_FIX_UNCHECKED);
	assert_int_equal(f.fix.start_line, sl);
	assert_int_equal(f.fix.end_line, el);
	assert_string_equal(f.fix.replacement, want);
	pf_finding_release(&f);
}

static void test_rule_fix_to_lines(void **state)
{
	struct pf_finding f;

	(void)state;
	/* Inside one line. */
	fix_case("x = foo(1)\ny\n", 4, 10, "bar", 1, 1, "x = bar\n");
	/* Last line without a newline keeps none. */
	fix_case("a\nfoo", 2, 5, "baz", 2, 2, "baz");
	/* A match that took its newline: the fix replaces it too. */
	fix_case("a\nfoo\nb\n", 2, 6, "", 2, 2, "");
	/* Several lines into one. */
	fix_case("p(\n 1,\n 2)\nz\n", 0, 10, "p(1, 2)", 1, 3, "p(1, 2)\n");
	/* Multi-line fix text. */
	fix_case("  f(x) # c\n", 2, 6, "g(\n  x)", 1, 1, "  g(\n  x) # c\n");
	/* Empty match: pure insertion. */
	fix_case("ab\n", 1, 1, "X", 1, 1, "aXb\n");

	/* No rule fix: nothing to do. */
	set_off(&f, "r", 0, 1);
	assert_int_equal(pf_finding_rule_fix_to_lines(&f, "ab\n", 3), 0);
	assert_int_equal(f.fix.origin, PF_FIX_NONE);
	assert_null(f.fix.replacement);
	pf_finding_release(&f);

	/* A position outside the content: error, fix untouched. */
	set_off(&f, "r", 10, 12);
	f.rule_fix = pf_xstrdup("z");
	assert_int_equal(pf_finding_rule_fix_to_lines(&f, "ab\n", 3),
			 PF_EINVALID);
	assert_null(f.fix.replacement);
	pf_finding_release(&f);

	/* A whole-line fix the scanner gave (Semgrep SARIF): its final
	 * newline follows the file's. */
	set(&f, "r", 2, 1, 2, 2);
	f.fix.origin = PF_FIX_RULE;
	f.fix.start_line = f.fix.end_line = 2;
	f.fix.replacement = pf_xstrdup("new\n");
	assert_int_equal(pf_finding_rule_fix_to_lines(&f, "a\nb", 3), 0);
	assert_string_equal(f.fix.replacement, "new");
	assert_int_equal(pf_finding_rule_fix_to_lines(&f, "a\nb\n", 4), 0);
	assert_string_equal(f.fix.replacement, "new\n");
	assert_int_equal(pf_finding_rule_fix_to_lines(&f, "a\nb\n", 4), 0);
	assert_string_equal(f.fix.replacement, "new\n");
	pf_finding_release(&f);
}

/*
 * Issue 10: a flood of identical reports becomes one finding that says how
 * many it stands for; reports that differ in anything that matters stay.
 */
static void flood_one(struct pf_findings *fs, const char *rule,
		      const char *path, uint32_t line, const char *msg)
{
	static const char content[] = "a\nstrcpy(d, s);\nc\nstrcpy(d, s);\n";
	struct pf_finding *f = pf_findings_push(fs);

	set(f, rule, line, 1, line, 0);
	free(f->path);
	f->path = pf_xstrdup(path);
	f->message = pf_xstrdup(msg);
	f->severity = PF_SEV_ERROR;
	assert_int_equal(pf_finding_locate(f, content, sizeof(content) - 1), 0);
}

static void test_merge(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;

	(void)state;
	flood_one(&fs, "r", "a.c", 2, "m"); /* 600 of these */
	flood_one(&fs, "r", "a.c", 4, "m"); /* same lines, other place */
	for (int i = 0; i < 599; i++)
		flood_one(&fs, "r", "a.c", 2, "m");
	flood_one(&fs, "r", "b.c", 2, "m");	/* other file */
	flood_one(&fs, "r2", "a.c", 2, "m");	/* other rule */
	flood_one(&fs, "r", "a.c", 2, "other"); /* other message */
	flood_one(&fs, "r", "a.c", 4, "m");	/* twice */
	flood_one(&fs, "r", "a.c", 2, "other"); /* twice, but WARNING */
	fs.v[fs.nr - 1].severity = PF_SEV_WARNING;

	assert_int_equal(pf_findings_merge(&fs), 600);
	assert_int_equal(fs.nr, 6);
	/* The first of each kept, in the order they came. */
	assert_int_equal(fs.v[0].start.line, 2);
	assert_int_equal(pf_finding_count(&fs.v[0]), 600);
	assert_int_equal(fs.v[1].start.line, 4);
	assert_int_equal(pf_finding_count(&fs.v[1]), 2);
	assert_string_equal(fs.v[2].path, "b.c");
	assert_int_equal(fs.v[2].count, 0);
	assert_string_equal(fs.v[3].rule_id, "r2");
	assert_string_equal(fs.v[4].message, "other");
	assert_int_equal(pf_finding_count(&fs.v[4]), 1);
	assert_int_equal(fs.v[5].severity, PF_SEV_WARNING);
	assert_int_equal(pf_finding_count(&fs.v[5]), 1);
	/* Counts add up when merged again, and nothing else merges. */
	flood_one(&fs, "r", "a.c", 2, "m");
	fs.v[fs.nr - 1].count = 5;
	assert_int_equal(pf_findings_merge(&fs), 1);
	assert_int_equal(pf_finding_count(&fs.v[0]), 605);
	assert_int_equal(pf_findings_merge(&fs), 0);
	pf_findings_release(&fs);
	assert_int_equal(pf_findings_merge(&fs), 0);
}

/* Located with a line index or without: the same, everywhere, also at
 * the ends (empty lines, no final newline, past the end). */
static void test_locate_indexed(void **state)
{
	static const char *contents[] = { "", "\n", "a", "a\n\nbc\r\nd",
					  "x\ny\n\n\nzz\n" };

	(void)state;
	for (size_t c = 0; c < PF_ARRAY_SIZE(contents); c++) {
		const char *t = contents[c];
		size_t len = strlen(t);
		struct pf_lines ix;

		pf_lines_index(&ix, t, len);
		for (uint32_t l = 1; l <= 7; l++) {
			for (int64_t off = -1; off <= (int64_t)len + 1; off++) {
				struct pf_finding a, b;
				int ra, rb;

				set(&a, "r", l, 1 + l % 3, l + l % 2, l % 4);
				if (off >= 0)
					a.start.offset = off;
				set(&b, "r", l, 1 + l % 3, l + l % 2, l % 4);
				b.start.offset = a.start.offset;
				ra = pf_finding_locate(&a, t, len);
				rb = pf_finding_locate_indexed(&b, t, len, &ix);
				assert_int_equal(ra, rb);
				if (!ra) {
					assert_int_equal(a.start.line,
							 b.start.line);
					assert_int_equal(a.start.col,
							 b.start.col);
					assert_int_equal(a.end.line,
							 b.end.line);
					assert_int_equal(a.end.col, b.end.col);
					assert_int_equal(a.start.offset,
							 b.start.offset);
					assert_int_equal(a.end.offset,
							 b.end.offset);
					assert_string_equal(a.lines, b.lines);
				}
				pf_error_clear();
				pf_finding_release(&a);
				pf_finding_release(&b);
			}
		}
		pf_lines_release(&ix);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_severity),
		cmocka_unit_test(test_list_lifecycle),
		cmocka_unit_test(test_locate_line_col),
		cmocka_unit_test(test_locate_offsets),
		cmocka_unit_test(test_locate_universal_lines),
		cmocka_unit_test(test_locate_character_columns),
		cmocka_unit_test(test_fingerprint),
		cmocka_unit_test(test_sort),
		cmocka_unit_test(test_rule_fix_to_lines),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_locate_indexed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
