/* Reports: text (layout, colour, width, hostile bytes), JSON (schema, read
 * back with cJSON), SARIF (read back with our parser). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cJSON.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/report.h"
#include "pushfix/sarif.h"
#include "pushfix/semgrep.h"
#include "pushfix/util.h"

#define REAL "real-ai-sast-triage-demo-1.177"

static char *shared_path(const char *rel)
{
	struct pf_buf b = PF_BUF_INIT;

	pf_buf_addf(&b, "tests/fixtures/semgrep-real/%s", rel);
	return pf_buf_detach(&b, NULL);
}

/* The four real 1.177 findings, located in their files. */
static void load_real(struct pf_findings *fs)
{
	char *p = shared_path(REAL "/semgrep.json");
	struct pf_buf b = PF_BUF_INIT;

	assert_int_equal(pf_buf_read_file(&b, p, 0), 0);
	assert_int_equal(pf_semgrep_parse(fs, NULL, NULL, b.buf, b.len, p), 0);
	for (size_t i = 0; i < fs->nr; i++) {
		char *t;
		struct pf_buf rel = PF_BUF_INIT;

		pf_buf_addf(&rel, REAL "/%s", fs->v[i].path);
		t = shared_path(rel.buf);
		pf_buf_reset(&b);
		assert_int_equal(pf_buf_read_file(&b, t, 0), 0);
		assert_int_equal(pf_finding_locate(&fs->v[i], b.buf, b.len), 0);
		free(t);
		pf_buf_release(&rel);
	}
	assert_int_equal(fs->nr, 4);
	pf_buf_release(&b);
	free(p);
}

static struct pf_finding *synthetic(struct pf_findings *fs, const char *rule,
				    enum pf_severity sev, const char *lines,
				    uint32_t line)
{
	struct pf_finding *f = pf_findings_push(fs);
	uint32_t n = 0;

	f->rule_id = pf_xstrdup(rule);
	f->path = pf_xstrdup("src/x.c");
	f->message = pf_xstrdup("short message");
	f->severity = sev;
	f->lines = pf_xstrdup(lines);
	for (const char *p = lines; *p; p++)
		n += *p == '\n';
	f->start.line = line;
	f->start.col = 1;
	f->end.line = line + n;
	f->end.col = 2;
	f->start.offset = f->end.offset = -1;
	pf_finding_fingerprint(f);
	return f;
}

/* Display columns of one line, counting a UTF-8 sequence as one. */
static size_t columns(const char *s, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xc0) != 0x80;
	return c;
}

static int valid_utf8(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n;) {
		size_t l = p[i] < 0x80                     ? 1
			   : (p[i] >= 0xc2 && p[i] <= 0xdf) ? 2
			   : (p[i] >= 0xe0 && p[i] <= 0xef) ? 3
			   : (p[i] >= 0xf0 && p[i] <= 0xf4) ? 4
							    : 0;

		if (!l || i + l > n)
			return 0;
		for (size_t k = 1; k < l; k++)
			if ((p[i + k] & 0xc0) != 0x80)
				return 0;
		i += l;
	}
	return 1;
}

static void test_format_parse(void **state)
{
	enum pf_format f = PF_FORMAT_TEXT;

	(void)state;
	assert_int_equal(pf_format_parse(&f, "json"), 0);
	assert_int_equal(f, PF_FORMAT_JSON);
	assert_int_equal(pf_format_parse(&f, "sarif"), 0);
	assert_int_equal(f, PF_FORMAT_SARIF);
	assert_int_equal(pf_format_parse(&f, "text"), 0);
	assert_int_equal(f, PF_FORMAT_TEXT);
	assert_int_equal(pf_format_parse(&f, "gitlab-sast"), 0);
	assert_int_equal(f, PF_FORMAT_GITLAB_SAST);
	assert_int_equal(pf_format_parse(&f, "xml"), PF_EINVALID);
	assert_string_equal(pf_error_last(), "unknown format 'xml' (expected "
					     "text, json, sarif or "
					     "gitlab-sast)");
	assert_int_equal(pf_format_parse(&f, NULL), PF_EINVALID);
}

static void test_text_real_findings(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_report_opts o = { .engine = "semgrep" };
	struct pf_buf out = PF_BUF_INIT;
	const char *s, *e;

	(void)state;
	load_real(&fs);
	pf_report_text(&out, &fs, &o);
	assert_null(strchr(out.buf, '\033'));
	assert_true(pf_starts_with(
		out.buf, "src/repositories/orderRepository.js:8: WARNING "
			 "javascript.lang.security.audit.sqli."
			 "node-postgres-sqli.node-postgres-sqli\n"
			 "  Detected string concatenation with a non-literal "
			 "variable in a node-postgres\n  JS SQL statement."));
	/* The lines come from the file (Semgrep said "requires login"). */
	assert_null(strstr(out.buf, "requires login"));
	assert_non_null(strstr(out.buf, "\n     18 | "
					"      <div><%- comment.html %></div>\n"));
	assert_true(pf_ends_with(out.buf, "\n4 findings (4 WARNING)\n"));
	/* Message and code lines fit 80 columns; headers may not. */
	for (s = out.buf; *s; s = e + 1) {
		e = strchr(s, '\n');
		assert_non_null(e);
		if (*s == ' ' && columns(s, (size_t)(e - s)) > 80)
			fail_msg("line too wide: %.*s", (int)(e - s), s);
	}
	pf_findings_release(&fs);
	pf_buf_release(&out);
}

static void test_text_colour_and_details(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_report_opts o = { .color = 1 };
	struct pf_buf out = PF_BUF_INIT, many = PF_BUF_INIT, longl = PF_BUF_INIT;
	struct pf_finding *f;

	(void)state;
	f = synthetic(&fs, "r.crit", PF_SEV_CRITICAL,
		      "int a;\tx\033]0;pwned\007 = 1;", 3);
	f->triage.verdict = PF_VERDICT_TRUE_POSITIVE;
	f->triage.confidence = 0.92;
	f->triage.reason = pf_xstrdup("user input reaches it");
	f->fix.origin = PF_FIX_LLM;
	f->fix.state = PF_FIX_VERIFIED;
	f->fix.start_line = 3;
	f->fix.end_line = 4;
	f->fix.replacement = pf_xstrdup("int a = 0;\nx = 1;\n");
	for (int i = 0; i < 20; i++)
		pf_buf_addf(&many, "line %d\n", i);
	pf_buf_addstr(&many, "last");
	synthetic(&fs, "r.many", PF_SEV_INFO, many.buf, 100);
	for (int i = 0; i < 30; i++)
		pf_buf_addstr(&longl, "abcdefgh");
	synthetic(&fs, "r.long", PF_SEV_WARNING, longl.buf, 7);
	synthetic(&fs, "r.hidden", PF_SEV_ERROR, "hidden()", 1)->ignored = 1;

	pf_report_text(&out, &fs, &o);
	assert_non_null(strstr(out.buf, "\033[1msrc/x.c:3:\033[m "
					"\033[1;35mCRITICAL\033[m r.crit\n"));
	assert_non_null(strstr(out.buf, "\033[36mINFO\033[m"));
	/* Escape and bell bytes from the file are not sent to the terminal. */
	assert_null(strstr(out.buf, "\033]0"));
	assert_null(strchr(out.buf, '\007'));
	assert_non_null(strstr(out.buf, "int a;  x?]0;pwned? = 1;"));
	assert_non_null(strstr(out.buf, "  triage: true_positive (92%): user "
					"input reaches it\n"));
	assert_non_null(strstr(out.buf, "  suggested fix (verified), lines "
					"3-4:\n"));
	assert_non_null(strstr(out.buf, "  \033[2m    3 +\033[m \033[32mint "
					"a = 0;\033[m\n"));
	/* 12 of 21 lines, then a count. */
	assert_non_null(strstr(out.buf, "  111 |\033[m line 11\n"));
	assert_null(strstr(out.buf, "  112 |"));
	assert_non_null(strstr(out.buf, "... (9 more lines)"));
	assert_non_null(strstr(out.buf, "abcdefghabc...\n")); /* 67 + 3 */
	/* The ignored one is counted, not shown. */
	assert_null(strstr(out.buf, "r.hidden"));
	assert_true(pf_ends_with(out.buf, "3 findings (1 CRITICAL, 1 WARNING, "
					  "1 INFO); 1 ignored\n"));

	/* Verbose: everything, uncut. */
	pf_buf_reset(&out);
	o.verbose = 1;
	o.color = 0;
	pf_report_text(&out, &fs, &o);
	assert_non_null(strstr(out.buf, "    120 | last\n"));
	assert_non_null(strstr(out.buf, longl.buf));
	assert_null(strchr(out.buf, '\033'));

	pf_findings_release(&fs);
	pf_buf_reset(&out);
	pf_report_text(&out, &fs, NULL);
	assert_string_equal(out.buf, "no findings\n");
	pf_buf_release(&out);
	pf_buf_release(&many);
	pf_buf_release(&longl);
}

static void test_json_schema(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_report_opts o = { .color = 1, .engine = "semgrep" };
	struct pf_buf out = PF_BUF_INIT;
	cJSON *doc, *arr, *e, *sum, *by;
	struct pf_finding *f;
	size_t i = 0;

	(void)state;
	load_real(&fs);
	fs.v[0].fix.origin = PF_FIX_RULE;
	fs.v[0].fix.state = PF_FIX_REFUSED;
	fs.v[0].fix.start_line = 8;
	fs.v[0].fix.end_line = 10;
	fs.v[0].fix.replacement = pf_xstrdup("q(\"$1\", [x]);\n");
	fs.v[0].fix.note = pf_xstrdup("placeholder left");
	fs.v[1].triage.verdict = PF_VERDICT_FALSE_POSITIVE;
	fs.v[1].triage.confidence = 0.25;
	fs.v[1].triage.reason = pf_xstrdup("constant \"id\"");
	fs.v[1].triage.cached = 1;
	fs.v[2].triage.error = pf_xstrdup("LLM timed out");
	f = synthetic(&fs, "r.bytes", PF_SEV_CRITICAL,
		      "bad \xff\xfe utf8 \xc3( and \x01", 2);
	synthetic(&fs, "r.ign", PF_SEV_LOW, "x", 1)->ignored = 1;

	pf_report_json(&out, &fs, &o);
	/* Colour never reaches JSON; the bytes are valid UTF-8. */
	assert_null(strchr(out.buf, '\033'));
	assert_true(valid_utf8(out.buf, out.len));
	doc = cJSON_ParseWithLength(out.buf, out.len);
	assert_non_null(doc);
	assert_int_equal(cJSON_GetObjectItem(doc, "version")->valueint, 1);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(doc,
								    "tool"),
						"engine")
				    ->valuestring,
			    "semgrep");
	arr = cJSON_GetObjectItem(doc, "findings");
	assert_int_equal(cJSON_GetArraySize(arr), 5);
	cJSON_ArrayForEach(e, arr) {
		const struct pf_finding *x = &fs.v[i++];
		const cJSON *fix = cJSON_GetObjectItem(e, "fix");
		const cJSON *tri = cJSON_GetObjectItem(e, "triage");

		assert_string_equal(cJSON_GetObjectItem(e, "rule_id")
					    ->valuestring,
				    x->rule_id);
		assert_string_equal(cJSON_GetObjectItem(e, "path")->valuestring,
				    x->path);
		assert_int_equal(cJSON_GetObjectItem(e, "start_line")->valueint,
				 x->start.line);
		assert_int_equal(cJSON_GetObjectItem(e, "end_line")->valueint,
				 x->end.line);
		assert_int_equal(cJSON_GetObjectItem(e, "start_col")->valueint,
				 x->start.col);
		assert_int_equal(cJSON_GetObjectItem(e, "end_col")->valueint,
				 x->end.col);
		assert_string_equal(cJSON_GetObjectItem(e, "severity")
					    ->valuestring,
				    pf_severity_name(x->severity));
		assert_string_equal(cJSON_GetObjectItem(e, "message")
					    ->valuestring,
				    x->message);
		assert_string_equal(cJSON_GetObjectItem(e, "fingerprint")
					    ->valuestring,
				    x->fingerprint);
		if (x->cwe)
			assert_string_equal(cJSON_GetObjectItem(e, "cwe")
						    ->valuestring,
					    x->cwe);
		else
			assert_true(cJSON_IsNull(cJSON_GetObjectItem(e, "cwe")));
		assert_true(cJSON_IsString(cJSON_GetObjectItem(e, "owasp")) ||
			    cJSON_IsNull(cJSON_GetObjectItem(e, "owasp")));
		if (x != f)
			assert_string_equal(cJSON_GetObjectItem(e, "lines")
						    ->valuestring,
					    x->lines);
		assert_true(x->fix.replacement ? cJSON_IsObject(fix)
					       : cJSON_IsNull(fix));
		assert_true(x->triage.verdict || x->triage.error
				    ? cJSON_IsObject(tri)
				    : cJSON_IsNull(tri));
	}
	e = cJSON_GetArrayItem(arr, 0);
	{
		const cJSON *fix = cJSON_GetObjectItem(e, "fix");

		assert_string_equal(cJSON_GetObjectItem(fix, "origin")
					    ->valuestring,
				    "rule");
		assert_string_equal(cJSON_GetObjectItem(fix, "state")
					    ->valuestring,
				    "refused");
		assert_int_equal(cJSON_GetObjectItem(fix, "start_line")
					 ->valueint,
				 8);
		assert_int_equal(cJSON_GetObjectItem(fix, "end_line")->valueint,
				 10);
		assert_string_equal(cJSON_GetObjectItem(fix, "replacement")
					    ->valuestring,
				    "q(\"$1\", [x]);\n");
		assert_string_equal(cJSON_GetObjectItem(fix, "note")
					    ->valuestring,
				    "placeholder left");
	}
	{
		const cJSON *t = cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 1),
						     "triage");

		assert_string_equal(cJSON_GetObjectItem(t, "verdict")
					    ->valuestring,
				    "false_positive");
		assert_true(cJSON_GetObjectItem(t, "confidence")->valuedouble ==
			    0.25);
		assert_string_equal(cJSON_GetObjectItem(t, "reason")
					    ->valuestring,
				    "constant \"id\"");
		assert_true(cJSON_IsTrue(cJSON_GetObjectItem(t, "cached")));
		t = cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 2), "triage");
		assert_string_equal(cJSON_GetObjectItem(t, "verdict")
					    ->valuestring,
				    "none");
		assert_string_equal(cJSON_GetObjectItem(t, "error")->valuestring,
				    "LLM timed out");
	}
	/* Invalid bytes: U+FFFD each, control bytes escaped. */
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetArrayItem(arr, 4),
						"lines")
				    ->valuestring,
			    "bad \xef\xbf\xbd\xef\xbf\xbd utf8 \xef\xbf\xbd( "
			    "and \x01");
	sum = cJSON_GetObjectItem(doc, "summary");
	assert_int_equal(cJSON_GetObjectItem(sum, "total")->valueint, 5);
	assert_int_equal(cJSON_GetObjectItem(sum, "ignored")->valueint, 1);
	by = cJSON_GetObjectItem(sum, "by_severity");
	assert_int_equal(cJSON_GetArraySize(by), 6);
	assert_int_equal(cJSON_GetObjectItem(by, "WARNING")->valueint, 4);
	assert_int_equal(cJSON_GetObjectItem(by, "CRITICAL")->valueint, 1);
	assert_int_equal(cJSON_GetObjectItem(by, "LOW")->valueint, 0);
	cJSON_Delete(doc);

	/* No findings: still the whole schema. */
	pf_findings_release(&fs);
	pf_buf_reset(&out);
	pf_report_json(&out, &fs, NULL);
	doc = cJSON_ParseWithLength(out.buf, out.len);
	assert_non_null(doc);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(doc,
								"findings")),
			 0);
	assert_true(cJSON_IsNull(cJSON_GetObjectItem(
		cJSON_GetObjectItem(doc, "tool"), "engine")));
	cJSON_Delete(doc);
	pf_buf_release(&out);
}

static void test_sarif_report(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT, back = PF_FINDINGS_INIT;
	struct pf_report_opts o = { .color = 1, .engine = "semgrep" };
	struct pf_buf out = PF_BUF_INIT;

	(void)state;
	load_real(&fs);
	fs.v[3].ignored = 1;
	pf_report_sarif(&out, &fs, &o);
	assert_null(strchr(out.buf, '\033'));
	assert_non_null(strstr(out.buf, "\"name\":\"pushfix (semgrep)\""));
	assert_int_equal(pf_sarif_parse(&back, NULL, NULL, out.buf, out.len,
					"report"),
			 0);
	/* Ignored ones are kept, as suppressed. */
	assert_int_equal(back.nr, 4);
	for (size_t i = 0; i < back.nr; i++) {
		assert_string_equal(back.v[i].rule_id, fs.v[i].rule_id);
		assert_string_equal(back.v[i].path, fs.v[i].path);
		assert_int_equal(back.v[i].start.line, fs.v[i].start.line);
		assert_int_equal(back.v[i].end.line, fs.v[i].end.line);
		assert_int_equal(back.v[i].start.offset, fs.v[i].start.offset);
		assert_int_equal(back.v[i].ignored, i == 3);
		/* Not mistaken for Semgrep's own SARIF. */
		assert_int_equal(back.v[i].col_unit, PF_COL_UTF16);
	}
	assert_string_equal(back.v[3].cwe, fs.v[3].cwe);
	pf_findings_release(&fs);
	pf_findings_release(&back);
	pf_buf_release(&out);
}

/* GitLab's SAST report: its schema's required fields, exact; ignored
 * findings left out; CWEs as identifiers; the verdict in the text. */
static void test_gitlab_sast(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_report_opts o = { .engine = "flawfinder", .version = "9.9" };
	struct pf_buf out = PF_BUF_INIT, want = PF_BUF_INIT;
	struct pf_finding *f;

	(void)state;
	f = synthetic(&fs, "FF1001", PF_SEV_ERROR, "strcpy(a, b);\n", 7);
	f->cwe = pf_xstrdup("CWE-120: Buffer Copy; CWE-20: Input");
	f->triage.verdict = PF_VERDICT_TRUE_POSITIVE;
	f->triage.confidence = 0.9;
	f->triage.reason = pf_xstrdup("b is user input");
	synthetic(&fs, "gone", PF_SEV_INFO, "x\n", 1)->ignored = 1;
	pf_report_gitlab_sast(&out, &fs, &o, (time_t)1717243200);
	pf_buf_addf(&want,
		    "{\"version\":\"15.0.7\",\"vulnerabilities\":[\n"
		    "  {\"id\":\"%s\",\"category\":\"sast\",\"name\":"
		    "\"FF1001\",\"description\":\"short message\\n\\npushfix "
		    "triage: true_positive (90%%): b is user input\","
		    "\"severity\":\"High\",\"location\":{\"file\":\"src/x.c\","
		    "\"start_line\":7,\"end_line\":8},\"identifiers\":["
		    "{\"type\":\"pushfix_rule\",\"name\":\"FF1001\",\"value\":"
		    "\"FF1001\"},{\"type\":\"cwe\",\"name\":\"CWE-120\","
		    "\"value\":\"120\",\"url\":\"https://cwe.mitre.org/data/"
		    "definitions/120.html\"},{\"type\":\"cwe\",\"name\":"
		    "\"CWE-20\",\"value\":\"20\",\"url\":\"https://cwe.mitre."
		    "org/data/definitions/20.html\"}]}\n"
		    "],\"scan\":{\"analyzer\":{\"id\":\"pushfix\",\"name\":"
		    "\"pushfix\",\"version\":\"9.9\",\"vendor\":{\"name\":"
		    "\"pushfix\"}},\"scanner\":{\"id\":\"pushfix\",\"name\":"
		    "\"flawfinder\",\"version\":\"9.9\",\"vendor\":{\"name\":"
		    "\"pushfix\"}},\"type\":\"sast\",\"start_time\":"
		    "\"2024-06-01T12:00:00\",\"end_time\":"
		    "\"2024-06-01T12:00:00\",\"status\":\"success\"}}\n",
		    fs.v[0].fingerprint);
	assert_string_equal(out.buf, want.buf);
	pf_findings_release(&fs);
	pf_buf_release(&out);
	pf_buf_release(&want);
}

/* A changeset of `n` files with `lines` added lines each. */
static void fake_changes(struct pf_changeset *cs, const char *const *paths,
			 size_t n, uint32_t lines, size_t commits)
{
	for (size_t i = 0; i < n; i++) {
		struct pf_changed_file *f;

		PF_ALLOC_GROW(cs->files, cs->nr + 1, cs->alloc);
		f = &cs->files[cs->nr++];
		memset(f, 0, sizeof(*f));
		f->path = pf_xstrdup(paths[i]);
		pf_intervals_add(&f->lines, 1, lines);
	}
	cs->commits = pf_xcalloc(commits ? commits : 1, sizeof(git_oid));
	cs->commits_nr = commits;
}

/* The coverage line from the scan's parts (synthetic: several scanners
 * and unread files, as the scan stage records them). */
static void test_coverage(void **state)
{
	static const char *const paths[] = { "a.c", "b.c", "x.py",
					     "ci.yml", "Makefile", "y.py" };
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_scan_result r;
	struct pf_scan_engine_run *run;
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	fake_changes(&cs, paths, 6, 3, 3);
	pf_scan_result_init(&r);
	run = pf_scan_result_add_run(&r, "flawfinder");
	run->files = 2;
	pf_scan_result_add_unread(&r, "x.py");
	pf_scan_result_add_unread(&r, "ci.yml");
	pf_scan_result_add_unread(&r, "Makefile");
	pf_scan_result_add_unread(&r, "y.py");
	pf_report_coverage(&b, &cs, &r);
	assert_string_equal(b.buf, "3 commits, 18 added lines in 6 files, "
				   "2 scanned by flawfinder, 4 read by no "
				   "scanner: .py .yml Makefile");
	assert_false(pf_report_nothing_read(&cs, &r));
	pf_buf_reset(&b);
	pf_report_unread_paths(&b, &r);
	assert_string_equal(b.buf, "read by no scanner: x.py, ci.yml, "
				   "Makefile, y.py");

	/* Two scanners, one with a failed file; one commit, one line. */
	pf_buf_reset(&b);
	run = pf_scan_result_add_run(&r, "semgrep");
	run->files = 4;
	run->failed = 1;
	cs.commits_nr = 1;
	cs.nr = 1;
	pf_report_coverage(&b, &cs, &r);
	assert_true(pf_starts_with(b.buf, "1 commit, 3 added lines in 1 file, "
					  "2 scanned by flawfinder, 4 scanned "
					  "by semgrep (1 failed), "));
	cs.nr = 6;
	pf_scan_result_release(&r);
	pf_changeset_release(&cs);
	pf_buf_release(&b);
}

/* A push no scanner read never says "no findings" alone. */
static void test_coverage_nothing_read(void **state)
{
	static const char *const paths[] = { "a.py", "b.yml" };
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_scan_result r;
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	fake_changes(&cs, paths, 2, 2, 1);
	pf_scan_result_init(&r);
	/* flawfinder ran on nothing: it reads none of them. */
	pf_scan_result_add_run(&r, "flawfinder");
	pf_scan_result_add_unread(&r, "a.py");
	pf_scan_result_add_unread(&r, "b.yml");
	assert_true(pf_report_nothing_read(&cs, &r));
	pf_report_unread(&b, &cs, &r);
	assert_string_equal(b.buf, "nothing scanned: no scanner reads the "
				   "pushed files (1 commit, 4 added lines in "
				   "2 files: .py .yml); install Semgrep or set "
				   "[scan] command to scan them");
	pf_buf_reset(&b);
	pf_report_coverage(&b, &cs, &r);
	assert_string_equal(b.buf, "1 commit, 4 added lines in 2 files, 2 "
				   "read by no scanner: .py .yml");

	/* Semgrep ran and read none: installing it is no advice. */
	pf_buf_reset(&b);
	pf_scan_result_add_run(&r, "semgrep");
	pf_report_unread(&b, &cs, &r);
	assert_true(pf_ends_with(b.buf, "); set [scan] command to a scanner "
					"that reads them"));

	/* Nothing recorded (a scanner that tells no parts): read. */
	pf_scan_result_release(&r);
	pf_scan_result_init(&r);
	snprintf(r.engine, sizeof(r.engine), "%s", "sarif");
	assert_false(pf_report_nothing_read(&cs, &r));
	pf_buf_reset(&b);
	pf_report_coverage(&b, &cs, &r);
	assert_string_equal(b.buf, "1 commit, 4 added lines in 2 files, 2 "
				   "scanned by sarif");
	pf_scan_result_release(&r);
	pf_changeset_release(&cs);
	pf_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_coverage_nothing_read),
		cmocka_unit_test(test_format_parse),
		cmocka_unit_test(test_text_real_findings),
		cmocka_unit_test(test_text_colour_and_details),
		cmocka_unit_test(test_json_schema),
		cmocka_unit_test(test_sarif_report),
		cmocka_unit_test(test_gitlab_sast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
