/*
 * The Semgrep JSON adapter against every recorded Semgrep output under
 * tests/fixtures/semgrep-real/ (found by walking the tree, so a new
 * fixture is tested without touching this file).  Expected values come
 * from the file itself, read with cJSON independently of the adapter,
 * and from the scanned target files next to it.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <cJSON.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/semgrep.h"
#include "pushfix/util.h"

struct fixture {
	char *path;   /* full path of the output file */
	char *rel;    /* path below semgrep-real/ */
	char *casedir; /* <semgrep-real>/<case> */
};

static struct fixture *fx;
static size_t nfx, afx;
static char *root; /* .../fixtures/semgrep-real */

static int has_component(const char *path, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = path; (p = strstr(p, name)); p++)
		if ((p == path || p[-1] == '/') && p[n] == '/')
			return 1;
	return 0;
}

static void walk(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct pf_buf p = PF_BUF_INIT;
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		pf_buf_addf(&p, "%s/%s", dir, de->d_name);
		if (stat(p.buf, &st)) {
			pf_buf_release(&p);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			walk(p.buf);
		} else if (pf_ends_with(p.buf, ".json") &&
			   !has_component(p.buf + strlen(root), "rules")) {
			/* Rule files (rules/...json) are inputs, not outputs. */
			const char *rel = p.buf + strlen(root) + 1;
			const char *slash = strchr(rel, '/');
			struct fixture *f;

			PF_ALLOC_GROW(fx, nfx + 1, afx);
			f = &fx[nfx++];
			f->path = pf_xstrdup(p.buf);
			f->rel = pf_xstrdup(rel);
			f->casedir = pf_xstrndup(p.buf, (size_t)(slash - p.buf));
		}
		pf_buf_release(&p);
	}
	closedir(d);
}

static int cmp_fx(const void *a, const void *b)
{
	return strcmp(((const struct fixture *)a)->rel,
		      ((const struct fixture *)b)->rel);
}

static int setup(void **state)
{
	(void)state;
	/* Relative to the source tree: tests/run.sh runs from there. */
	root = pf_xstrdup("tests/fixtures/semgrep-real");
	walk(root);
	if (nfx)
		qsort(fx, nfx, sizeof(*fx), cmp_fx);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nfx; i++) {
		free(fx[i].path);
		free(fx[i].rel);
		free(fx[i].casedir);
	}
	free(fx);
	free(root);
	return 0;
}

static int read_file(struct pf_buf *b, const char *path)
{
	pf_buf_reset(b);
	return pf_buf_read_file(b, path, 0);
}

static const struct fixture *find_fx(const char *suffix)
{
	for (size_t i = 0; i < nfx; i++)
		if (pf_ends_with(fx[i].rel, suffix))
			return &fx[i];
	fail_msg("fixture *%s not found under %s", suffix, root);
	return NULL;
}

/* Parse one fixture with the adapter; asserts success. */
static void parse_ok(struct pf_findings *fs, struct pf_buf *diag,
		     unsigned *nerr, const struct fixture *f,
		     struct pf_buf *content)
{
	int ret;

	assert_int_equal(read_file(content, f->path), 0);
	ret = pf_semgrep_parse(fs, diag, nerr, content->buf, content->len,
			       f->rel);
	if (ret)
		fail_msg("%s: %s", f->rel, pf_error_last());
}

/* ---- independent helpers over the target file ---------------------- */

/* Offset where 1-based `line` begins, counted here with a plain loop. */
static size_t begin_of_line(const char *s, size_t len, uint32_t line)
{
	size_t off = 0;

	for (uint32_t l = 1; l < line; l++) {
		while (off < len && s[off] != '\n')
			off++;
		assert_true(off < len);
		off++;
	}
	return off;
}

static char *source_lines(const char *s, size_t len, uint32_t from,
			  uint32_t to)
{
	size_t b = begin_of_line(s, len, from), e = b;
	uint32_t l = from;

	for (;;) {
		while (e < len && s[e] != '\n')
			e++;
		if (l == to || e >= len)
			break;
		e++;
		l++;
	}
	return pf_xstrndup(s + b, e - b);
}

static char *rstrip_dup(const char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\n' || s[n - 1] == '\t'))
		n--;
	return pf_xstrndup(s, n);
}

static enum pf_severity expected_sev(const char *label)
{
	if (!strcmp(label, "CRITICAL"))
		return PF_SEV_CRITICAL;
	if (!strcmp(label, "ERROR") || !strcmp(label, "HIGH"))
		return PF_SEV_ERROR;
	if (!strcmp(label, "WARNING") || !strcmp(label, "MEDIUM"))
		return PF_SEV_WARNING;
	if (!strcmp(label, "LOW"))
		return PF_SEV_LOW;
	if (!strcmp(label, "INFO") || !strcmp(label, "EXPERIMENT") ||
	    !strcmp(label, "INVENTORY"))
		return PF_SEV_INFO;
	return PF_SEV_UNKNOWN;
}

/* The "; "-joined form of a string or an array of strings. */
static char *expected_join(const cJSON *v)
{
	struct pf_buf b = PF_BUF_INIT;
	const cJSON *e;

	if (!v || cJSON_IsNull(v))
		return NULL;
	if (cJSON_IsString(v))
		return pf_xstrdup(v->valuestring);
	assert_true(cJSON_IsArray(v));
	cJSON_ArrayForEach(e, v) {
		assert_true(cJSON_IsString(e));
		if (b.len)
			pf_buf_addstr(&b, "; ");
		pf_buf_addstr(&b, e->valuestring);
	}
	return b.len ? pf_buf_detach(&b, NULL) : (pf_buf_release(&b), NULL);
}

static void assert_str_or_null(const char *got, const char *want,
			       const char *what, const char *file, size_t i)
{
	if (!want && !got)
		return;
	if (!want || !got || strcmp(want, got))
		fail_msg("%s results[%zu] %s: got '%s', want '%s'", file, i,
			 what, got ? got : "(null)", want ? want : "(null)");
}

static int64_t num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	assert_true(cJSON_IsNumber(v));
	return (int64_t)v->valuedouble;
}

/* ---- every fixture ---------------------------------------------------- */

static void test_walk_found_every_output(void **state)
{
	int saw_dojo = 0, saw_real = 0, saw_error = 0, saw_autofix = 0;

	(void)state;
	/* 22 outputs as of PROVENANCE.md; more may be added later. */
	if (nfx < 22)
		fail_msg("only %zu Semgrep outputs under %s", nfx, root);
	for (size_t i = 0; i < nfx; i++) {
		saw_dojo |= pf_ends_with(fx[i].rel,
					 "high-medium-low-severities.json");
		saw_real |= pf_ends_with(fx[i].rel, "1.177/semgrep.json");
		saw_error |= pf_ends_with(fx[i].rel, "/error.json");
		saw_autofix |= !!strstr(fx[i].rel, "utf-8.py-json-not-dryrun");
	}
	assert_true(saw_dojo && saw_real && saw_error && saw_autofix);
}

static void check_result(const struct fixture *fxt, size_t i,
			 const struct pf_finding *f, const cJSON *r,
			 size_t *located)
{
	const cJSON *extra = cJSON_GetObjectItem(r, "extra");
	const cJSON *start = cJSON_GetObjectItem(r, "start");
	const cJSON *end = cJSON_GetObjectItem(r, "end");
	const cJSON *md = cJSON_GetObjectItem(extra, "metadata");
	const cJSON *fix = cJSON_GetObjectItem(extra, "fix");
	const cJSON *sev = cJSON_GetObjectItem(extra, "severity");
	const cJSON *lines = cJSON_GetObjectItem(extra, "lines");
	const cJSON *fixed = cJSON_GetObjectItem(extra, "fixed_lines");
	const char *path = cJSON_GetObjectItem(r, "path")->valuestring;
	struct pf_buf target = PF_BUF_INIT, tp = PF_BUF_INIT;
	char *want;

	assert_str_or_null(f->rule_id,
			   cJSON_GetObjectItem(r, "check_id")->valuestring,
			   "check_id", fxt->rel, i);
	assert_str_or_null(f->path, path, "path", fxt->rel, i);
	assert_str_or_null(f->message,
			   cJSON_GetObjectItem(extra, "message")->valuestring,
			   "message", fxt->rel, i);
	assert_str_or_null(f->severity_label, sev->valuestring, "severity",
			   fxt->rel, i);
	assert_int_equal(f->severity, expected_sev(sev->valuestring));
	assert_str_or_null(f->rule_fix,
			   cJSON_IsString(fix) ? fix->valuestring : NULL,
			   "fix", fxt->rel, i);
	assert_int_equal(f->ignored,
			 cJSON_IsTrue(cJSON_GetObjectItem(extra, "is_ignored")));
	assert_int_equal(f->start.line, num(start, "line"));
	assert_int_equal(f->start.col, num(start, "col"));
	assert_int_equal(f->start.offset, num(start, "offset"));
	assert_int_equal(f->end.line, num(end, "line"));
	assert_int_equal(f->end.col, num(end, "col"));
	assert_int_equal(f->end.offset, num(end, "offset"));
	assert_int_equal(f->col_unit, PF_COL_BYTES);
	/* `lines` is never taken from the scanner. */
	assert_null(f->lines);
	want = expected_join(cJSON_GetObjectItem(md, "cwe"));
	assert_str_or_null(f->cwe, want, "cwe", fxt->rel, i);
	free(want);
	want = expected_join(cJSON_GetObjectItem(md, "owasp"));
	assert_str_or_null(f->owasp, want, "owasp", fxt->rel, i);
	free(want);
	if (md) {
		cJSON *back = cJSON_Parse(f->metadata_json);

		assert_non_null(back);
		assert_true(cJSON_Compare(back, md, 1));
		cJSON_Delete(back);
	}

	/* With the scanned file at hand: cut the lines, check offsets. */
	pf_buf_addf(&tp, "%s/%s", fxt->casedir, path);
	if (path[0] != '/' && !pf_buf_read_file(&target, tp.buf, 0)) {
		struct pf_finding a, b, c;
		char *src = source_lines(target.buf, target.len,
					 (uint32_t)num(start, "line"),
					 (uint32_t)num(end, "line"));

		(*located)++;
		/* a: offsets and line/col as recorded */
		pf_finding_copy(&a, f);
		assert_int_equal(pf_finding_locate(&a, target.buf, target.len),
				 0);
		assert_string_equal(a.lines, src);
		assert_int_equal(a.start.line, f->start.line);
		assert_int_equal(a.start.col, f->start.col);
		assert_int_equal(a.end.line, f->end.line);
		assert_int_equal(a.end.col, f->end.col);
		assert_int_equal(a.start.offset, f->start.offset);
		assert_int_equal(a.end.offset, f->end.offset);
		assert_int_equal(strlen(a.fingerprint), 64);
		if (cJSON_IsString(lines) &&
		    strcmp(lines->valuestring, "requires login")) {
			char *x = rstrip_dup(lines->valuestring);
			char *y = rstrip_dup(a.lines);

			assert_string_equal(x, y);
			free(x);
			free(y);
		}
		/* b: line/col only → the same offsets */
		pf_finding_copy(&b, f);
		b.start.offset = b.end.offset = -1;
		assert_int_equal(pf_finding_locate(&b, target.buf, target.len),
				 0);
		assert_int_equal(b.start.offset, f->start.offset);
		assert_int_equal(b.end.offset, f->end.offset);
		assert_string_equal(b.lines, src);
		assert_string_equal(b.fingerprint, a.fingerprint);
		/* c: offsets only → the same line/col */
		pf_finding_copy(&c, f);
		c.start.line = c.start.col = c.end.line = c.end.col = 0;
		assert_int_equal(pf_finding_locate(&c, target.buf, target.len),
				 0);
		assert_int_equal(c.start.line, f->start.line);
		assert_int_equal(c.start.col, f->start.col);
		assert_int_equal(c.end.line, f->end.line);
		assert_int_equal(c.end.col, f->end.col);
		/* The rule's fix as whole lines: Semgrep's own fixed_lines. */
		if (f->rule_fix) {
			assert_int_equal(pf_finding_rule_fix_to_lines(
						 &a, target.buf, target.len),
					 0);
			assert_int_equal(a.fix.origin, PF_FIX_RULE);
			assert_int_equal(a.fix.start_line, f->start.line);
			assert_int_equal(a.fix.end_line, f->end.line);
			assert_non_null(strstr(a.fix.replacement, f->rule_fix));
			if (cJSON_IsArray(fixed)) {
				struct pf_buf j = PF_BUF_INIT;
				const cJSON *e;
				char *rep = rstrip_dup(a.fix.replacement);

				cJSON_ArrayForEach(e, fixed) {
					if (j.len)
						pf_buf_addch(&j, '\n');
					pf_buf_addstr(&j, e->valuestring);
				}
				assert_string_equal(rep, j.buf);
				free(rep);
				pf_buf_release(&j);
			}
		}
		pf_finding_release(&a);
		pf_finding_release(&b);
		pf_finding_release(&c);
		free(src);
	}
	pf_buf_release(&target);
	pf_buf_release(&tp);
}

static void test_every_fixture_matches_its_json(void **state)
{
	struct pf_buf content = PF_BUF_INIT, diag = PF_BUF_INIT;
	size_t located = 0, total = 0;

	(void)state;
	for (size_t k = 0; k < nfx; k++) {
		struct pf_findings fs = PF_FINDINGS_INIT;
		const cJSON *results, *errors, *e;
		unsigned nerr = 12345, want_err = 0, nlines = 0;
		cJSON *doc;
		size_t i = 0;

		pf_buf_reset(&diag);
		parse_ok(&fs, &diag, &nerr, &fx[k], &content);
		doc = cJSON_ParseWithLength(content.buf, content.len);
		assert_non_null(doc);
		results = cJSON_GetObjectItem(doc, "results");
		errors = cJSON_GetObjectItem(doc, "errors");
		if ((size_t)cJSON_GetArraySize(results) != fs.nr)
			fail_msg("%s: %zu findings, the file has %d results",
				 fx[k].rel, fs.nr, cJSON_GetArraySize(results));
		cJSON_ArrayForEach(e, results) {
			check_result(&fx[k], i, &fs.v[i], e, &located);
			i++;
		}
		total += fs.nr;
		/* One diagnostic line per errors[] entry; count "error". */
		cJSON_ArrayForEach(e, errors) {
			want_err += !strcmp(cJSON_GetObjectItem(e, "level")
						    ->valuestring,
					    "error");
		}
		for (size_t p = 0; p < diag.len; p++)
			nlines += diag.buf[p] == '\n';
		assert_int_equal(nlines, cJSON_GetArraySize(errors));
		assert_int_equal(nerr, want_err);
		cJSON_Delete(doc);
		pf_findings_release(&fs);
	}
	/* PROVENANCE.md: 81 findings have their target file. */
	assert_int_equal(located, 81);
	assert_true(total > located);
	pf_buf_release(&content);
	pf_buf_release(&diag);
}

/* ---- autofix: reproduce the recorded *-fixed files ----------------- */

static int by_offset_desc(const void *a, const void *b)
{
	const struct pf_finding *x = a, *y = b;

	return x->start.offset < y->start.offset   ? 1
	       : x->start.offset > y->start.offset ? -1
						   : 0;
}

static void apply_all(struct pf_buf *text, struct pf_findings *fs)
{
	/* Last match first: earlier offsets stay valid while we splice. */
	qsort(fs->v, fs->nr, sizeof(*fs->v), by_offset_desc);
	for (size_t i = 0; i < fs->nr; i++) {
		struct pf_finding f;
		struct pf_buf next = PF_BUF_INIT;
		size_t b, e;

		pf_finding_copy(&f, &fs->v[i]);
		assert_int_equal(pf_finding_rule_fix_to_lines(&f, text->buf,
							      text->len),
				 0);
		assert_non_null(f.fix.replacement);
		b = begin_of_line(text->buf, text->len, f.fix.start_line);
		e = begin_of_line(text->buf, text->len, f.fix.end_line);
		while (e < text->len && text->buf[e] != '\n')
			e++;
		if (e < text->len)
			e++;
		pf_buf_add(&next, text->buf, b);
		pf_buf_addstr(&next, f.fix.replacement);
		pf_buf_add(&next, text->buf + e, text->len - e);
		pf_buf_release(text);
		*text = next;
		pf_finding_release(&f);
	}
}

static void test_autofix_reproduces_fixed_files(void **state)
{
	int checked = 0;

	(void)state;
	for (size_t k = 0; k < nfx; k++) {
		struct pf_buf dir = PF_BUF_INIT, content = PF_BUF_INIT;
		const char *slash = strrchr(fx[k].path, '/');
		DIR *d;
		struct dirent *de;

		pf_buf_add(&dir, fx[k].path, (size_t)(slash - fx[k].path));
		pf_buf_addstr(&dir, "/autofix");
		d = opendir(dir.buf);
		while (d && (de = readdir(d))) {
			struct pf_findings fs = PF_FINDINGS_INIT, mine =
							PF_FINDINGS_INIT;
			struct pf_buf want = PF_BUF_INIT, text = PF_BUF_INIT,
				      p = PF_BUF_INIT;
			char *name;

			if (!pf_ends_with(de->d_name, "-fixed"))
				continue;
			name = pf_xstrndup(de->d_name,
					   strlen(de->d_name) - strlen("-fixed"));
			parse_ok(&fs, NULL, NULL, &fx[k], &content);
			for (size_t i = 0; i < fs.nr; i++) {
				const char *base = strrchr(fs.v[i].path, '/');

				if (strcmp(base ? base + 1 : fs.v[i].path, name))
					continue;
				assert_non_null(fs.v[i].rule_fix);
				pf_finding_copy(pf_findings_push(&mine),
						&fs.v[i]);
				pf_buf_reset(&p);
				pf_buf_addf(&p, "%s/%s", fx[k].casedir,
					    fs.v[i].path);
			}
			assert_true(mine.nr > 0);
			assert_int_equal(read_file(&text, p.buf), 0);
			pf_buf_reset(&p);
			pf_buf_addf(&p, "%s/%s", dir.buf, de->d_name);
			assert_int_equal(read_file(&want, p.buf), 0);
			assert_true(text.len != want.len ||
				    memcmp(text.buf, want.buf, text.len));
			apply_all(&text, &mine);
			if (text.len != want.len ||
			    memcmp(text.buf, want.buf, text.len))
				fail_msg("%s: fixes applied give\n%s\n---\n"
					 "want\n%s", fx[k].rel, text.buf,
					 want.buf);
			checked++;
			free(name);
			pf_findings_release(&fs);
			pf_findings_release(&mine);
			pf_buf_release(&want);
			pf_buf_release(&text);
			pf_buf_release(&p);
		}
		if (d)
			closedir(d);
		pf_buf_release(&dir);
		pf_buf_release(&content);
	}
	/* three-autofixes and utf-8 */
	assert_int_equal(checked, 2);
}

/* ---- exact known values ------------------------------------------------ */

static void test_critical_severity(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf c = PF_BUF_INIT;

	(void)state;
	parse_ok(&fs, NULL, NULL,
		 find_fx("test_critical_severity/results.json"), &c);
	assert_int_equal(fs.nr, 1);
	assert_string_equal(fs.v[0].rule_id, "rules.critical");
	assert_string_equal(fs.v[0].path, "targets/basic.py");
	assert_int_equal(fs.v[0].severity, PF_SEV_CRITICAL);
	assert_string_equal(fs.v[0].severity_label, "CRITICAL");
	assert_int_equal(fs.v[0].start.line, 2);
	assert_int_equal(fs.v[0].start.offset, 22);
	assert_int_equal(fs.v[0].end.offset, 35);
	pf_findings_release(&fs);
	pf_buf_release(&c);
}

static void test_incompatible_rule_array_type(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf c = PF_BUF_INIT, diag = PF_BUF_INIT;
	unsigned nerr = 99;

	(void)state;
	parse_ok(&fs, &diag, &nerr,
		 find_fx("test_version_constraints/results.json"), &c);
	assert_int_equal(fs.nr, 2);
	assert_int_equal(nerr, 0); /* level info */
	assert_true(pf_starts_with(
		diag.buf,
		"semgrep: info: IncompatibleRule: <MASKED>: Incompatible rule "
		"rules.unsupported-yaml-from-the-future: This rule requires "
		"upgrading Semgrep from version <MASKED> to at least "
		"1000.0.0\n"));
	assert_string_equal(fs.v[0].rule_id, "rules.any-version");
	assert_string_equal(fs.v[1].rule_id, "rules.compatible-version-range");
	pf_findings_release(&fs);
	pf_buf_release(&c);
	pf_buf_release(&diag);
}

static void test_rule_errors(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf c = PF_BUF_INIT, diag = PF_BUF_INIT;
	unsigned nerr = 0;

	(void)state;
	parse_ok(&fs, &diag, &nerr, find_fx("bad1/error.json"), &c);
	assert_int_equal(fs.nr, 0);
	assert_int_equal(nerr, 2);
	/* No `message`: short_msg and long_msg, on one line. */
	assert_true(pf_starts_with(diag.buf,
				   "semgrep: error: InvalidRuleSchemaError: "
				   "Invalid rule schema: [{'pattern': "));
	assert_non_null(strstr(diag.buf,
			       "\nsemgrep: error: SemgrepError: invalid "
			       "configuration file found (1 configs were "
			       "invalid)\n"));
	pf_findings_release(&fs);
	pf_buf_release(&c);
	pf_buf_release(&diag);
}

static void test_finding_with_internal_error(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf c = PF_BUF_INIT, diag = PF_BUF_INIT;
	unsigned nerr = 7;

	(void)state;
	parse_ok(&fs, &diag, &nerr, find_fx("test1/results.json"), &c);
	assert_int_equal(fs.nr, 1);
	assert_int_equal(nerr, 0);
	assert_true(pf_starts_with(diag.buf, "semgrep: warn: Internal "
					     "matching error: "));
	assert_string_equal(fs.v[0].cwe,
			    "CWE-78: Improper Neutralization of Special "
			    "Elements used in an OS Command ('OS Command "
			    "Injection')");
	assert_string_equal(fs.v[0].owasp,
			    "A01:2017 - Injection; A03:2021 - Injection");
	assert_int_equal(fs.v[0].end.line - fs.v[0].start.line + 1, 9);
	pf_findings_release(&fs);
	pf_buf_release(&c);
	pf_buf_release(&diag);
}

static void test_requires_login_located_by_offsets(void **state)
{
	const struct fixture *f = find_fx("1.177/semgrep.json");
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf c = PF_BUF_INIT, src = PF_BUF_INIT, p = PF_BUF_INIT;
	struct pf_finding *x = NULL;

	(void)state;
	parse_ok(&fs, NULL, NULL, f, &c);
	assert_int_equal(fs.nr, 4);
	for (size_t i = 0; i < fs.nr; i++) {
		assert_string_equal(fs.v[i].scanner_fingerprint,
				    "requires login");
		assert_int_equal(fs.v[i].severity, PF_SEV_WARNING);
		if (!strcmp(fs.v[i].path, "src/views/comments.ejs"))
			x = &fs.v[i];
	}
	assert_non_null(x);
	assert_string_equal(x->cwe,
			    "CWE-79: Improper Neutralization of Input During "
			    "Web Page Generation ('Cross-site Scripting')");
	assert_string_equal(x->owasp,
			    "A07:2017 - Cross-Site Scripting (XSS); A03:2021 - "
			    "Injection; A05:2025 - Injection");
	pf_buf_addf(&p, "%s/src/views/comments.ejs", f->casedir);
	assert_int_equal(pf_buf_read_file(&src, p.buf, 0), 0);
	/* Line 17 holds a 2-byte '·': offset 530 is byte-counted. */
	assert_non_null(strstr(src.buf, "\xc2\xb7"));
	x->start.offset = x->end.offset = -1;
	assert_int_equal(pf_finding_locate(x, src.buf, src.len), 0);
	assert_int_equal(x->start.offset, 530);
	assert_int_equal(x->end.offset, 549);
	assert_string_equal(x->lines, "      <div><%- comment.html %></div>");
	assert_memory_equal(src.buf + 530, "<%- comment.html %>", 19);
	pf_findings_release(&fs);
	pf_buf_release(&c);
	pf_buf_release(&src);
	pf_buf_release(&p);
}

static void test_utf8_fix_decoded(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf c = PF_BUF_INIT;

	(void)state;
	parse_ok(&fs, NULL, NULL,
		 find_fx("utf-8.py-json-not-dryrun/results.json"), &c);
	assert_int_equal(fs.nr, 3);
	/* "\ud83d\ude0a" in the file: one 4-byte UTF-8 sequence. */
	assert_non_null(strstr(c.buf, "\\ud83d\\ude0a"));
	for (size_t i = 0; i < fs.nr; i++)
		assert_string_equal(fs.v[i].rule_fix,
				    "print('\xf0\x9f\x98\x8a')");
	assert_int_equal(fs.v[1].start.col, 13);
	assert_int_equal(fs.v[1].start.offset, 585);
	pf_findings_release(&fs);
	pf_buf_release(&c);
}

static void test_defectdojo_low(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf c = PF_BUF_INIT;

	(void)state;
	parse_ok(&fs, NULL, NULL, find_fx("high-medium-low-severities.json"),
		 &c);
	assert_int_equal(fs.nr, 3);
	for (size_t i = 0; i < fs.nr; i++) {
		assert_int_equal(fs.v[i].severity, PF_SEV_LOW);
		assert_true(fs.v[i].path[0] == '/');
		assert_int_equal(strlen(fs.v[i].scanner_fingerprint), 130);
		assert_null(fs.v[i].cwe);
		assert_non_null(strstr(fs.v[i].metadata_json,
				       "\"technology\":\"cdn\""));
	}
	assert_int_equal(fs.v[0].start.line, 48);
	assert_int_equal(fs.v[0].end.col, 89);
	pf_findings_release(&fs);
	pf_buf_release(&c);
}

static void test_disable_nosem_marks_ignored(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf c = PF_BUF_INIT;
	unsigned ign = 0;

	(void)state;
	parse_ok(&fs, NULL, NULL,
		 find_fx("test_nosem_rule__with_disable_nosem/results.json"),
		 &c);
	assert_int_equal(fs.nr, 28);
	for (size_t i = 0; i < fs.nr; i++)
		ign += fs.v[i].ignored;
	/* 28 reported, 7 of them not suppressed (test_nosem_rule). */
	assert_int_equal(ign, 21);
	pf_findings_release(&fs);
	pf_buf_release(&c);
}

/* ---- malformed input -------------------------------------------------- */

/* Parse `text` and expect PF_EINVALID whose message contains `want`;
 * `out` (holding one sentinel finding) and `diag` stay as they were. */
static void expect_invalid(const char *text, size_t len, const char *origin,
			   const char *want)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf diag = PF_BUF_INIT;
	unsigned nerr = 77;
	int ret;

	pf_findings_push(&fs)->rule_id = pf_xstrdup("sentinel");
	pf_buf_addstr(&diag, "before\n");
	ret = pf_semgrep_parse(&fs, &diag, &nerr, text, len, origin);
	if (ret != PF_EINVALID)
		fail_msg("%s: expected PF_EINVALID, got %d for %.*s", origin,
			 ret, (int)(len > 200 ? 200 : len), text);
	if (want && !strstr(pf_error_last(), want))
		fail_msg("%s: message '%s' lacks '%s'", origin,
			 pf_error_last(), want);
	if (!pf_starts_with(pf_error_last(), origin))
		fail_msg("message '%s' does not start with the origin",
			 pf_error_last());
	assert_int_equal(fs.nr, 1);
	assert_string_equal(fs.v[0].rule_id, "sentinel");
	assert_string_equal(diag.buf, "before\n");
	assert_int_equal(nerr, 77);
	pf_findings_release(&fs);
	pf_buf_release(&diag);
}

static void test_truncated_copies(void **state)
{
	struct pf_buf c = PF_BUF_INIT;
	size_t n = 0;

	(void)state;
	for (size_t k = 0; k < nfx; k++) {
		size_t last;

		assert_int_equal(read_file(&c, fx[k].path), 0);
		last = c.len;
		while (last && c.buf[last - 1] != '}')
			last--;
		assert_true(last > 1);
		/* Any cut before the closing brace is incomplete JSON. */
		for (int i = 0; i <= 16; i++) {
			size_t cut = i == 16 ? last - 1 : (last - 1) * i / 16;
			char *copy = pf_xstrndup(c.buf, cut);

			expect_invalid(copy, cut, fx[k].rel,
				       cut && cut > 4 ? "invalid JSON" : NULL);
			free(copy);
			n++;
		}
	}
	assert_true(n >= 22 * 17);
	pf_buf_release(&c);
}

enum kind { K_STR, K_NUM, K_OBJ, K_BOOL };

struct field {
	const char *obj;  /* NULL, "start", "end" or "extra" */
	const char *key;
	enum kind kind;
	int required;
};

static const struct field fields[] = {
	{ NULL, "check_id", K_STR, 1 },   { NULL, "path", K_STR, 1 },
	{ NULL, "start", K_OBJ, 1 },      { NULL, "end", K_OBJ, 1 },
	{ NULL, "extra", K_OBJ, 1 },      { "start", "line", K_NUM, 1 },
	{ "start", "col", K_NUM, 1 },     { "start", "offset", K_NUM, 0 },
	{ "end", "line", K_NUM, 1 },      { "end", "col", K_NUM, 1 },
	{ "end", "offset", K_NUM, 0 },    { "extra", "message", K_STR, 1 },
	{ "extra", "severity", K_STR, 1 }, { "extra", "fix", K_STR, 0 },
	{ "extra", "fingerprint", K_STR, 0 },
	{ "extra", "is_ignored", K_BOOL, 0 },
};

static const char *kind_msg(enum kind k)
{
	switch (k) {
	case K_STR: return "expected a string";
	case K_NUM: return "expected a number";
	case K_OBJ: return "expected an object";
	case K_BOOL: return "expected true or false";
	}
	return "";
}

static cJSON *wrong_value(enum kind k)
{
	/* A string where a number belongs, a number anywhere else. */
	return k == K_NUM ? cJSON_CreateString("7") : cJSON_CreateNumber(42);
}

static void mutate_and_expect(const cJSON *doc, const struct fixture *f,
			      size_t i, const struct field *fl, int delete,
			      cJSON *value, const char *want_tail)
{
	cJSON *copy = cJSON_Duplicate(doc, 1);
	cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(copy, "results"),
				      (int)i);
	cJSON *o = fl->obj ? cJSON_GetObjectItem(r, fl->obj) : r;
	struct pf_buf want = PF_BUF_INIT;
	char *text;

	if (!cJSON_GetObjectItem(o, fl->key)) {
		/* Only mutate what the file really has. */
		cJSON_Delete(value);
		cJSON_Delete(copy);
		return;
	}
	if (delete)
		cJSON_DeleteItemFromObjectCaseSensitive(o, fl->key);
	else
		cJSON_ReplaceItemInObjectCaseSensitive(o, fl->key, value);
	text = cJSON_PrintUnformatted(copy);
	pf_buf_addf(&want, "%s: results[%zu]%s%s.%s: %s", f->rel, i,
		    fl->obj ? "." : "", fl->obj ? fl->obj : "", fl->key,
		    want_tail);
	expect_invalid(text, strlen(text), f->rel, want.buf);
	cJSON_free(text);
	cJSON_Delete(copy);
	pf_buf_release(&want);
}

static void test_wrong_types_name_the_field(void **state)
{
	struct pf_buf c = PF_BUF_INIT;
	size_t checked = 0;

	(void)state;
	for (size_t k = 0; k < nfx; k++) {
		cJSON *doc;
		int nres;

		assert_int_equal(read_file(&c, fx[k].path), 0);
		doc = cJSON_ParseWithLength(c.buf, c.len);
		nres = cJSON_GetArraySize(cJSON_GetObjectItem(doc, "results"));
		/* The first and the last result of each file. */
		for (int j = 0; j < nres && j < 2; j++) {
			size_t i = j ? (size_t)nres - 1 : 0;

			for (size_t q = 0; q < PF_ARRAY_SIZE(fields); q++) {
				const struct field *fl = &fields[q];

				mutate_and_expect(doc, &fx[k], i, fl, 0,
						  wrong_value(fl->kind),
						  kind_msg(fl->kind));
				if (fl->required)
					mutate_and_expect(doc, &fx[k], i, fl,
							  1, NULL, "missing");
				checked++;
			}
			mutate_and_expect(doc, &fx[k], i, &fields[5], 0,
					  cJSON_CreateNumber(0),
					  "expected an integer in 1..");
			mutate_and_expect(doc, &fx[k], i, &fields[9], 0,
					  cJSON_CreateNumber(2.5),
					  "expected an integer in 1..");
			mutate_and_expect(doc, &fx[k], i, &fields[7], 0,
					  cJSON_CreateNumber(-5),
					  "expected an integer in -1..");
			mutate_and_expect(doc, &fx[k], i, &fields[5], 0,
					  cJSON_CreateNumber(1e300),
					  "expected an integer in 1..");
			mutate_and_expect(doc, &fx[k], i, &fields[2], 0,
					  cJSON_CreateArray(),
					  "expected an object");
		}
		cJSON_Delete(doc);
	}
	assert_true(checked > 100);
	pf_buf_release(&c);
}

static void test_wrong_error_entries(void **state)
{
	struct pf_buf c = PF_BUF_INIT;
	size_t checked = 0;

	(void)state;
	for (size_t k = 0; k < nfx; k++) {
		cJSON *doc, *errs;
		int n;

		assert_int_equal(read_file(&c, fx[k].path), 0);
		doc = cJSON_ParseWithLength(c.buf, c.len);
		errs = cJSON_GetObjectItem(doc, "errors");
		n = cJSON_GetArraySize(errs);
		for (int i = 0; i < n; i++) {
			static const struct {
				const char *key;
				int del;
				const char *tail;
			} m[] = {
				{ "type", 0, "type: expected a string or an "
					     "array starting with a string" },
				{ "type", 1, "type: missing" },
				{ "level", 0, "level: expected a string" },
				{ "level", 1, "level: missing" },
				{ "message", 0, "message: expected a string" },
			};

			for (size_t q = 0; q < PF_ARRAY_SIZE(m); q++) {
				cJSON *copy = cJSON_Duplicate(doc, 1);
				cJSON *e = cJSON_GetArrayItem(
					cJSON_GetObjectItem(copy, "errors"), i);
				struct pf_buf want = PF_BUF_INIT;
				char *text;

				if (!cJSON_GetObjectItem(e, m[q].key)) {
					cJSON_Delete(copy);
					continue;
				}
				if (m[q].del)
					cJSON_DeleteItemFromObject(e, m[q].key);
				else
					cJSON_ReplaceItemInObject(
						e, m[q].key,
						cJSON_CreateNumber(3));
				text = cJSON_PrintUnformatted(copy);
				pf_buf_addf(&want, "%s: errors[%d].%s",
					    fx[k].rel, i, m[q].tail);
				expect_invalid(text, strlen(text), fx[k].rel,
					       want.buf);
				cJSON_free(text);
				cJSON_Delete(copy);
				pf_buf_release(&want);
				checked++;
			}
		}
		cJSON_Delete(doc);
	}
	assert_true(checked > 50);
	pf_buf_release(&c);
}

static void test_wrong_shapes(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
		{ "[]", "x: expected a JSON object" },
		{ "42", "x: expected a JSON object" },
		{ "\"results\"", "x: expected a JSON object" },
		{ "null", "x: expected a JSON object" },
		{ "{}", "x: results: missing" },
		{ "{\"errors\": [], \"paths\": {}}", "x: results: missing" },
		{ "{\"results\": {}}", "x: results: expected an array" },
		{ "{\"results\": null}", "x: results: missing" },
		{ "{\"results\": [], \"errors\": 3}",
		  "x: errors: expected an array" },
		{ "{\"results\": [1]}", "x: results[0]: expected an object" },
		{ "{\"results\": [], \"errors\": [\"x\"]}",
		  "x: errors[0]: expected an object" },
		{ "{\"results\": []} trailing", "x: invalid JSON at line 1, "
					       "column 17" },
		{ "{\"results\": []}{}", "x: invalid JSON" },
		{ "{\"results\": [],\n \"errors\": [}", "x: invalid JSON at "
							"line 2" },
		{ "", "x: empty output" },
		{ "   \n", "x: invalid JSON" },
		{ "{\"results\": [{\"check_id\": \"a\\ud83d\"}]}",
		  "x: invalid JSON" }, /* lone surrogate */
		{ "{\"results\": [{\"check_id\": \"r\", \"path\": \"p\", "
		  "\"start\": {\"line\": 3, \"col\": 1}, \"end\": {\"line\": "
		  "2, \"col\": 1}, \"extra\": {\"message\": \"m\", "
		  "\"severity\": \"INFO\"}}]}",
		  "x: results[0].end: before start" },
		{ "{\"results\": [{\"check_id\": \"r\", \"path\": \"\", "
		  "\"extra\": {}}]}",
		  "x: results[0].path: empty" },
	};

	(void)state;
	for (size_t i = 0; i < PF_ARRAY_SIZE(cases); i++)
		expect_invalid(cases[i].text, strlen(cases[i].text), "x",
			       cases[i].want);
	/* A NULL buffer is an empty output, not a crash. */
	expect_invalid(NULL, 0, "x", "x: empty output");
}

static void test_minimal_and_appending(void **state)
{
	static const char doc[] =
		"{\"version\": \"9.9\", \"new_key\": [1, {\"a\": null}], "
		"\"results\": [{\"check_id\": \"r.x\", \"path\": \"a b.c\", "
		"\"start\": {\"line\": 1, \"col\": 1}, \"end\": {\"line\": 1, "
		"\"col\": 4}, \"extra\": {\"message\": \"m \\ud83d\\ude0a\", "
		"\"severity\": \"SOMETHING_NEW\", \"metadata\": {\"cwe\": "
		"\"CWE-352: x\", \"owasp\": [\"A1\", 5]}, \"fix\": null, "
		"\"lines\": 17}}]}";
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf diag = PF_BUF_INIT;
	unsigned nerr = 5;

	(void)state;
	pf_findings_push(&fs)->rule_id = pf_xstrdup("kept");
	assert_int_equal(pf_semgrep_parse(&fs, &diag, &nerr, doc,
					  sizeof(doc) - 1, "t"),
			 0);
	assert_int_equal(fs.nr, 2);
	assert_string_equal(fs.v[0].rule_id, "kept");
	assert_string_equal(fs.v[1].rule_id, "r.x");
	assert_int_equal(fs.v[1].start.offset, -1);
	assert_int_equal(fs.v[1].end.offset, -1);
	assert_int_equal(fs.v[1].severity, PF_SEV_UNKNOWN);
	assert_string_equal(fs.v[1].severity_label, "SOMETHING_NEW");
	assert_string_equal(fs.v[1].message, "m \xf0\x9f\x98\x8a");
	assert_string_equal(fs.v[1].cwe, "CWE-352: x");
	assert_string_equal(fs.v[1].owasp, "A1; 5");
	assert_null(fs.v[1].rule_fix);
	assert_int_equal(nerr, 0);
	assert_int_equal(diag.len, 0);
	pf_findings_release(&fs);
	pf_buf_release(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_found_every_output),
		cmocka_unit_test(test_every_fixture_matches_its_json),
		cmocka_unit_test(test_autofix_reproduces_fixed_files),
		cmocka_unit_test(test_critical_severity),
		cmocka_unit_test(test_incompatible_rule_array_type),
		cmocka_unit_test(test_rule_errors),
		cmocka_unit_test(test_finding_with_internal_error),
		cmocka_unit_test(test_requires_login_located_by_offsets),
		cmocka_unit_test(test_utf8_fix_decoded),
		cmocka_unit_test(test_defectdojo_low),
		cmocka_unit_test(test_disable_nosem_marks_ignored),
		cmocka_unit_test(test_truncated_copies),
		cmocka_unit_test(test_wrong_types_name_the_field),
		cmocka_unit_test(test_wrong_error_entries),
		cmocka_unit_test(test_wrong_shapes),
		cmocka_unit_test(test_minimal_and_appending),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
