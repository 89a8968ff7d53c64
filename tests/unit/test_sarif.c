/*
 * The SARIF adapter: Semgrep's recorded SARIF against its JSON twin, a
 * real flawfinder --sarif output (tests/fixtures/sarif/), the writer read
 * back by the parser, and malformed logs.
 */
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
#include "pushfix/sarif.h"
#include "pushfix/semgrep.h"
#include "pushfix/util.h"

#define FF_DIR "tests/fixtures/sarif"
#define TWIN_CASE "sarif-autofix"

static char *semgrep_real(const char *rel)
{
	struct pf_buf b = PF_BUF_INIT;

	pf_buf_addf(&b, "tests/fixtures/semgrep-real/%s", rel);
	return pf_buf_detach(&b, NULL);
}

static void read_or_fail(struct pf_buf *b, const char *path)
{
	pf_buf_reset(b);
	if (pf_buf_read_file(b, path, 0))
		fail_msg("cannot read %s: %s", path, pf_error_last());
}

static void sarif_ok(struct pf_findings *fs, struct pf_buf *diag,
		     unsigned *nerr, const char *text, size_t len,
		     const char *origin)
{
	if (pf_sarif_parse(fs, diag, nerr, text, len, origin))
		fail_msg("%s: %s", origin, pf_error_last());
}

/* ---- Semgrep SARIF vs Semgrep JSON, same scan -------------------------- */

static void test_semgrep_sarif_matches_json_twin(void **state)
{
	char *sarif = semgrep_real(TWIN_CASE "/snapshots/test_output_sarif/"
				   "test_sarif_output_with_autofix/"
				   "results.sarif");
	char *json = semgrep_real(TWIN_CASE "/snapshots/test_autofix/test/"
				  "autofix.yaml-autofix.py-json-dryrun/"
				  "results.json");
	char *target = semgrep_real(TWIN_CASE "/targets/autofix/autofix.py");
	struct pf_findings s = PF_FINDINGS_INIT, j = PF_FINDINGS_INIT;
	struct pf_buf b = PF_BUF_INIT, src = PF_BUF_INIT;
	unsigned nerr = 9;

	(void)state;
	read_or_fail(&b, sarif);
	sarif_ok(&s, NULL, &nerr, b.buf, b.len, "results.sarif");
	assert_int_equal(nerr, 0);
	read_or_fail(&b, json);
	assert_int_equal(pf_semgrep_parse(&j, NULL, NULL, b.buf, b.len,
					  "results.json"),
			 0);
	read_or_fail(&src, target);
	assert_int_equal(s.nr, 2);
	assert_int_equal(s.nr, j.nr);
	for (size_t i = 0; i < s.nr; i++) {
		struct pf_finding *x = &s.v[i], *y = &j.v[i];

		assert_string_equal(x->rule_id, y->rule_id);
		assert_string_equal(x->path, y->path);
		assert_string_equal(x->message, y->message);
		/* Semgrep's SARIF columns are its byte columns. */
		assert_int_equal(x->col_unit, PF_COL_BYTES);
		assert_int_equal(x->start.line, y->start.line);
		assert_int_equal(x->start.col, y->start.col);
		assert_int_equal(x->end.line, y->end.line);
		assert_int_equal(x->end.col, y->end.col);
		assert_int_equal(x->severity, PF_SEV_ERROR);
		assert_int_equal(y->severity, PF_SEV_ERROR);
		assert_string_equal(x->severity_label, "error");
		assert_int_equal(strlen(x->scanner_fingerprint), 130);
		/* Its insertedContent is the fixed lines, not a rule_fix. */
		assert_null(x->rule_fix);
		assert_int_equal(x->fix.origin, PF_FIX_RULE);
		assert_int_equal(pf_finding_locate(x, src.buf, src.len), 0);
		assert_int_equal(pf_finding_locate(y, src.buf, src.len), 0);
		assert_int_equal(x->start.offset, y->start.offset);
		assert_int_equal(x->end.offset, y->end.offset);
		assert_string_equal(x->lines, y->lines);
		assert_string_equal(x->fingerprint, y->fingerprint);
		assert_int_equal(pf_finding_rule_fix_to_lines(x, src.buf,
							      src.len),
				 0);
		assert_int_equal(pf_finding_rule_fix_to_lines(y, src.buf,
							      src.len),
				 0);
		assert_string_equal(x->fix.replacement, y->fix.replacement);
		assert_int_equal(x->fix.start_line, y->fix.start_line);
		assert_int_equal(x->fix.end_line, y->fix.end_line);
	}
	assert_string_equal(s.v[0].fix.replacement, "  inputs.get(x) = 1\n");
	pf_findings_release(&s);
	pf_findings_release(&j);
	pf_buf_release(&b);
	pf_buf_release(&src);
	free(sarif);
	free(json);
	free(target);
}

/* ---- the recorded flawfinder output ------------------------------------ */

/* The function flawfinder flags, from its rule name ("buffer/strcpy"). */
static const char *flagged_name(const cJSON *rules, const char *id)
{
	const cJSON *r;

	cJSON_ArrayForEach(r, rules) {
		if (!strcmp(cJSON_GetObjectItem(r, "id")->valuestring, id)) {
			const char *n = cJSON_GetObjectItem(r, "name")
						->valuestring;

			return strchr(n, '/') + 1;
		}
	}
	fail_msg("rule %s not in the log", id);
	return NULL;
}

static void load_flawfinder(struct pf_findings *fs, struct pf_buf *log)
{
	read_or_fail(log, FF_DIR "/flawfinder.sarif");
	sarif_ok(fs, NULL, NULL, log->buf, log->len, "flawfinder.sarif");
}

static void test_flawfinder_recorded(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf log = PF_BUF_INIT, src = PF_BUF_INIT, p = PF_BUF_INIT;
	const cJSON *run, *results, *rules, *r;
	cJSON *doc;
	size_t i = 0, n_u8 = 0;

	(void)state;
	load_flawfinder(&fs, &log);
	doc = cJSON_ParseWithLength(log.buf, log.len);
	run = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "runs"), 0);
	results = cJSON_GetObjectItem(run, "results");
	rules = cJSON_GetObjectItem(
		cJSON_GetObjectItem(cJSON_GetObjectItem(run, "tool"), "driver"),
		"rules");
	assert_int_equal(fs.nr, cJSON_GetArraySize(results));
	assert_true(fs.nr >= 9);
	cJSON_ArrayForEach(r, results) {
		struct pf_finding *f = &fs.v[i++];
		const cJSON *pl = cJSON_GetObjectItem(
			cJSON_GetArrayItem(cJSON_GetObjectItem(r, "locations"),
					   0),
			"physicalLocation");
		const char *uri = cJSON_GetObjectItem(
			cJSON_GetObjectItem(pl, "artifactLocation"), "uri")
					  ->valuestring;
		const cJSON *reg = cJSON_GetObjectItem(pl, "region");
		const char *level = cJSON_GetObjectItem(r, "level")->valuestring;
		const char *name = flagged_name(
			rules, cJSON_GetObjectItem(r, "ruleId")->valuestring);
		size_t b;

		assert_string_equal(f->rule_id,
				    cJSON_GetObjectItem(r, "ruleId")->valuestring);
		assert_string_equal(f->path, uri);
		assert_string_equal(f->severity_label, level);
		assert_int_equal(f->severity, !strcmp(level, "error")
						      ? PF_SEV_ERROR
						      : PF_SEV_INFO);
		assert_int_equal(f->start.line,
				 cJSON_GetObjectItem(reg, "startLine")->valueint);
		assert_int_equal(f->end.line, f->start.line); /* no endLine */
		assert_int_equal(f->col_unit, PF_COL_CODEPOINTS);
		assert_true(pf_starts_with(f->message, name - 0) ||
			    strstr(f->message, name));
		assert_non_null(f->cwe);
		assert_true(pf_starts_with(f->cwe, "CWE-"));

		pf_buf_reset(&p);
		pf_buf_addf(&p, FF_DIR "/%s", uri);
		read_or_fail(&src, p.buf);
		assert_int_equal(pf_finding_locate(f, src.buf, src.len), 0);
		/* The start is the flagged name, whatever precedes it. */
		if (strncmp(src.buf + f->start.offset, name, strlen(name)))
			fail_msg("%s:%u: '%.12s' is not %s", uri,
				 (unsigned)f->start.line,
				 src.buf + f->start.offset, name);
		/* endColumn = line length + 1: the end of the line. */
		assert_true((size_t)f->end.offset == src.len ||
			    src.buf[f->end.offset] == '\n');
		b = (size_t)f->start.offset - (f->start.col - 1);
		assert_true(b == 0 || src.buf[b - 1] == '\n');
		assert_memory_equal(f->lines, src.buf + b, strlen(f->lines));
		if (!strcmp(uri, "u8.c")) {
			n_u8++;
			assert_int_equal(f->start.col, 15); /* bytes now */
		}
	}
	assert_int_equal(n_u8, 1);
	/* Exact values from the log. */
	assert_string_equal(fs.v[1].rule_id, "FF1001");
	assert_string_equal(fs.v[1].cwe, "CWE-120");
	assert_string_equal(fs.v[0].cwe, "CWE-119; CWE-120");
	assert_true(pf_starts_with(fs.v[1].message, "buffer/strcpy:Does not "
						    "check for buffer"));
	assert_int_equal(strlen(fs.v[1].scanner_fingerprint), 64);
	cJSON_Delete(doc);
	pf_findings_release(&fs);
	pf_buf_release(&log);
	pf_buf_release(&src);
	pf_buf_release(&p);
}

/* flawfinder says utf16CodeUnits, but counts code points: taken at its
 * word, the u8.c finding lands one byte off. */
static void test_flawfinder_column_claim_is_wrong(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf log = PF_BUF_INIT, src = PF_BUF_INIT;
	struct pf_finding *f = NULL;

	(void)state;
	load_flawfinder(&fs, &log);
	assert_non_null(strstr(log.buf, "\"columnKind\": \"utf16CodeUnits\""));
	for (size_t i = 0; i < fs.nr; i++)
		if (!strcmp(fs.v[i].path, "u8.c"))
			f = &fs.v[i];
	assert_non_null(f);
	read_or_fail(&src, FF_DIR "/u8.c");
	f->col_unit = PF_COL_UTF16;
	assert_int_equal(pf_finding_locate(f, src.buf, src.len), 0);
	/* The emoji counts twice: one character too early. */
	assert_memory_equal(src.buf + f->start.offset, " strcpy", 7);
	pf_findings_release(&fs);
	pf_buf_release(&log);
	pf_buf_release(&src);
}

/* ---- write, then read back ---------------------------------------------- */

static void assert_same(const struct pf_finding *a, const struct pf_finding *b)
{
	static const enum pf_severity cls[] = {
		[PF_SEV_UNKNOWN] = PF_SEV_WARNING, [PF_SEV_INFO] = PF_SEV_INFO,
		[PF_SEV_LOW] = PF_SEV_INFO,        [PF_SEV_WARNING] = PF_SEV_WARNING,
		[PF_SEV_ERROR] = PF_SEV_ERROR,     [PF_SEV_CRITICAL] = PF_SEV_ERROR,
	};

	assert_string_equal(a->rule_id, b->rule_id);
	assert_string_equal(a->path, b->path);
	assert_string_equal(a->message, b->message);
	/* SARIF has three levels. */
	assert_int_equal(cls[a->severity], b->severity);
	assert_int_equal(a->start.line, b->start.line);
	assert_int_equal(a->start.col, b->start.col);
	assert_int_equal(a->end.line, b->end.line);
	assert_int_equal(a->end.col, b->end.col);
	assert_int_equal(a->start.offset, b->start.offset);
	assert_int_equal(a->end.offset, b->end.offset);
	assert_string_equal(a->lines, b->lines);
	assert_string_equal(a->fingerprint, b->fingerprint);
	assert_string_equal(a->fingerprint, b->scanner_fingerprint);
	assert_int_equal(a->ignored, b->ignored);
	if (a->cwe)
		assert_string_equal(a->cwe, b->cwe);
	if (a->owasp)
		assert_string_equal(a->owasp, b->owasp);
	if (a->fix.replacement) {
		assert_non_null(b->fix.replacement);
		assert_string_equal(a->fix.replacement, b->fix.replacement);
		assert_int_equal(a->fix.start_line, b->fix.start_line);
		assert_int_equal(a->fix.end_line, b->fix.end_line);
	} else {
		assert_null(b->fix.replacement);
	}
}

struct src {
	const char *path;
	struct pf_buf text;
};

static const struct pf_buf *content_of(struct src *s, size_t n,
				       const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(s[i].path, path))
			return &s[i].text;
	fail_msg("no content for %s", path);
	return NULL;
}

static void round_trip(struct pf_findings *in, struct src *srcs, size_t n,
		       int with_offsets)
{
	struct pf_findings out = PF_FINDINGS_INIT;
	struct pf_buf log = PF_BUF_INIT;
	cJSON *doc;

	if (!with_offsets) {
		/* Columns alone must carry the position (UTF-16). */
		for (size_t i = 0; i < in->nr; i++)
			in->v[i].start.offset = in->v[i].end.offset = -1;
	}
	pf_sarif_write(&log, in, "pushfix-test");
	doc = cJSON_ParseWithLength(log.buf, log.len);
	assert_non_null(doc);
	assert_string_equal(cJSON_GetObjectItem(doc, "version")->valuestring,
			    "2.1.0");
	cJSON_Delete(doc);
	sarif_ok(&out, NULL, NULL, log.buf, log.len, "written");
	assert_int_equal(out.nr, in->nr);
	for (size_t i = 0; i < in->nr; i++) {
		const struct pf_buf *c =
			content_of(srcs, n, out.v[i].path);

		assert_int_equal(pf_finding_locate(&out.v[i], c->buf, c->len),
				 0);
		if (!with_offsets)
			assert_int_equal(pf_finding_locate(&in->v[i], c->buf,
							   c->len),
					 0);
		pf_finding_rule_fix_to_lines(&out.v[i], c->buf, c->len);
		assert_same(&in->v[i], &out.v[i]);
	}
	pf_findings_release(&out);
	pf_buf_release(&log);
}

static void test_round_trip(void **state)
{
	char *utf8 = semgrep_real("autofix-utf8/snapshots/test_autofix/test/"
				  "utf-8.yaml-utf-8.py-json-not-dryrun/"
				  "results.json");
	char *py = semgrep_real("autofix-utf8/targets/autofix/utf-8.py");
	struct src srcs[3] = { { "vuln.c", PF_BUF_INIT },
			       { "u8.c", PF_BUF_INIT },
			       { "targets/autofix/utf-8.py", PF_BUF_INIT } };
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf log = PF_BUF_INIT;

	(void)state;
	read_or_fail(&srcs[0].text, FF_DIR "/vuln.c");
	read_or_fail(&srcs[1].text, FF_DIR "/u8.c");
	read_or_fail(&srcs[2].text, py);
	load_flawfinder(&fs, &log);
	read_or_fail(&log, utf8);
	assert_int_equal(pf_semgrep_parse(&fs, NULL, NULL, log.buf, log.len,
					  "utf-8"),
			 0);
	for (size_t i = 0; i < fs.nr; i++) {
		const struct pf_buf *c = content_of(srcs, 3, fs.v[i].path);

		assert_int_equal(pf_finding_locate(&fs.v[i], c->buf, c->len),
				 0);
		assert_int_equal(pf_finding_rule_fix_to_lines(&fs.v[i], c->buf,
							      c->len),
				 0);
	}
	/* Everything the writer carries, on a few of them. */
	fs.v[0].severity = PF_SEV_CRITICAL;
	fs.v[1].severity = PF_SEV_LOW;
	/* CWE and OWASP belong to the rule: v[2] is FF1015's only one. */
	free(fs.v[2].cwe);
	fs.v[2].cwe = pf_xstrdup("CWE-89: SQL; CWE-20: input");
	fs.v[2].owasp = pf_xstrdup("A03:2021 - Injection");
	fs.v[3].ignored = 1;
	fs.v[4].triage.verdict = PF_VERDICT_TRUE_POSITIVE;
	fs.v[4].triage.confidence = 0.9;
	fs.v[4].triage.reason = pf_xstrdup("\"quoted\"\n\\");
	fs.v[5].fix.origin = PF_FIX_LLM;
	fs.v[5].fix.start_line = fs.v[5].start.line;
	fs.v[5].fix.end_line = fs.v[5].end.line;
	fs.v[5].fix.replacement = pf_xstrdup("\tsnprintf(x);\n");
	free(fs.v[6].message);
	fs.v[6].message = pf_xstrdup("tab\there, \x01 control, \"q\" \\");
	assert_non_null(fs.v[fs.nr - 1].fix.replacement); /* utf-8 fix */
	round_trip(&fs, srcs, 3, 1);
	round_trip(&fs, srcs, 3, 0);

	pf_findings_release(&fs);
	pf_buf_release(&log);
	for (size_t i = 0; i < 3; i++)
		pf_buf_release(&srcs[i].text);
	free(utf8);
	free(py);
}

static void test_writer_output(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT, back = PF_FINDINGS_INIT;
	struct pf_buf log = PF_BUF_INIT;
	struct pf_finding *f;
	cJSON *doc, *res, *reg;

	(void)state;
	f = pf_findings_push(&fs);
	f->rule_id = pf_xstrdup("r1");
	f->path = pf_xstrdup("dir/a b%.c");
	/* A stray byte, a cut sequence, a UTF-16 surrogate in UTF-8. */
	f->message = pf_xstrdup("m \xff \xc3( \xed\xa0\x80");
	f->severity = PF_SEV_ERROR;
	f->start.offset = f->end.offset = -1;
	f->start.line = f->end.line = 2;
	f->start.col = 6; /* after "\xf0\x9f\x98\x8a =" : bytes */
	f->end.col = 8;
	f->lines = pf_xstrdup("\xf0\x9f\x98\x8a = xy");
	f = pf_findings_push(&fs);
	f->rule_id = pf_xstrdup("r1");
	f->path = pf_xstrdup("/abs/x.c");
	f->message = pf_xstrdup("second");
	f->severity = PF_SEV_INFO;
	f->start.offset = f->end.offset = -1;
	f->start.line = f->end.line = 1;
	f->start.col = 1;
	f->end.col = 2;

	pf_sarif_write(&log, &fs, NULL);
	doc = cJSON_ParseWithLength(log.buf, log.len);
	assert_non_null(doc);
	/* One rule for both results. */
	assert_int_equal(
		cJSON_GetArraySize(cJSON_GetObjectItem(
			cJSON_GetObjectItem(
				cJSON_GetObjectItem(
					cJSON_GetArrayItem(
						cJSON_GetObjectItem(doc, "runs"),
						0),
					"tool"),
				"driver"),
			"rules")),
		1);
	res = cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(doc,
									 "runs"),
						     0),
				  "results");
	reg = cJSON_GetObjectItem(
		cJSON_GetObjectItem(
			cJSON_GetArrayItem(cJSON_GetObjectItem(
						   cJSON_GetArrayItem(res, 0),
						   "locations"),
					   0),
			"physicalLocation"),
		"region");
	/* Byte column 6 after a 4-byte emoji: UTF-16 column 4. */
	assert_int_equal(cJSON_GetObjectItem(reg, "startColumn")->valueint, 4);
	assert_int_equal(cJSON_GetObjectItem(reg, "endColumn")->valueint, 6);
	assert_null(cJSON_GetObjectItem(reg, "byteOffset"));
	assert_non_null(strstr(log.buf, "\"uri\":\"dir/a%20b%25.c\""));
	assert_non_null(strstr(log.buf, "\"uri\":\"file:///abs/x.c\""));
	assert_non_null(strstr(log.buf, "\"m \\ufffd \\ufffd( "
					"\\ufffd\\ufffd\\ufffd\""));
	assert_non_null(strstr(log.buf, "\"name\":\"pushfix\""));
	cJSON_Delete(doc);
	sarif_ok(&back, NULL, NULL, log.buf, log.len, "w");
	assert_string_equal(back.v[0].path, "dir/a b%.c");
	assert_string_equal(back.v[1].path, "/abs/x.c");
	assert_int_equal(back.v[1].severity, PF_SEV_INFO);
	pf_findings_release(&back);
	pf_buf_release(&log);

	/* Byte offsets alone (never located): still a readable region. */
	pf_findings_release(&fs);
	f = pf_findings_push(&fs);
	f->rule_id = pf_xstrdup("r");
	f->path = pf_xstrdup("a.c");
	f->start.offset = 4;
	f->end.offset = 6;
	pf_sarif_write(&log, &fs, "t");
	assert_non_null(strstr(log.buf, "\"region\":{\"byteOffset\":4,"
					"\"byteLength\":2}"));
	sarif_ok(&back, NULL, NULL, log.buf, log.len, "offsets");
	assert_int_equal(back.nr, 1);
	assert_int_equal(back.v[0].start.offset, 4);
	assert_int_equal(back.v[0].end.offset, 6);
	assert_int_equal(back.v[0].start.line, 0);
	pf_findings_release(&back);
	pf_buf_release(&log);

	/* An empty list is a valid log with no results. */
	pf_findings_release(&fs);
	pf_sarif_write(&log, &fs, "t");
	sarif_ok(&back, NULL, NULL, log.buf, log.len, "empty");
	assert_int_equal(back.nr, 0);
	pf_buf_release(&log);
}

/* ---- hand-written logs for the rules of the format ---------------------- */

static void parse_str(struct pf_findings *fs, struct pf_buf *diag,
		      unsigned *nerr, const char *text)
{
	sarif_ok(fs, diag, nerr, text, strlen(text), "t");
}

static void test_rule_references_and_levels(void **state)
{
	static const char log[] =
		"{\"version\":\"2.1.0\",\"runs\":[{\"tool\":{\"driver\":{"
		"\"name\":\"X\",\"rules\":["
		"{\"id\":\"A\",\"defaultConfiguration\":{\"level\":\"error\"},"
		"\"shortDescription\":{\"text\":\"short A\"},"
		"\"properties\":{\"tags\":[\"security\","
		"\"external/cwe/cwe-079\",\"CWE-89: sql\","
		"\"OWASP-A03:2021 - Injection\"]}},"
		"{\"id\":\"B\",\"messageStrings\":{\"m1\":{\"text\":"
		"\"B says {0} and {1}\"}}}]}},"
		"\"artifacts\":[{\"location\":{\"uri\":\"file:///x/y%20z.c\"}}],"
		"\"results\":["
		/* 0: ruleIndex, level from the rule, message from the rule */
		"{\"ruleIndex\":0,\"locations\":[{\"physicalLocation\":{"
		"\"artifactLocation\":{\"uri\":\"a.c\"},\"region\":{"
		"\"startLine\":3}}}]},"
		/* 1: rule.id, message id with arguments, artifact index */
		"{\"rule\":{\"id\":\"B\"},\"message\":{\"id\":\"m1\","
		"\"arguments\":[\"x\",\"y\"]},\"locations\":[{"
		"\"physicalLocation\":{\"artifactLocation\":{\"index\":0},"
		"\"region\":{\"startLine\":1,\"startColumn\":2,\"endLine\":2,"
		"\"endColumn\":3}}}]},"
		/* 2: a pass: not a finding */
		"{\"ruleId\":\"A\",\"kind\":\"pass\",\"locations\":[]},"
		/* 3: no location: skipped, said in diag */
		"{\"ruleId\":\"A\",\"message\":{\"text\":\"t\"}},"
		/* 4: result level wins; suppressed */
		"{\"ruleId\":\"A\",\"level\":\"note\",\"message\":{\"text\":"
		"\"n\"},\"suppressions\":[{\"kind\":\"inSource\"}],"
		"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":"
		"{\"uri\":\"file://localhost/srv/b.c\"},\"region\":{"
		"\"byteOffset\":5,\"byteLength\":3}}}]},"
		/* 5: unknown rule, no level: warning */
		"{\"ruleId\":\"Z\",\"message\":{\"text\":\"z\"},\"suppressions\":"
		"[{\"kind\":\"external\",\"status\":\"rejected\"}],"
		"\"locations\":[{\"physicalLocation\":{\"artifactLocation\":"
		"{\"uri\":\"c.c\"},\"region\":{\"startLine\":9}}}]}"
		"],\"invocations\":[{\"executionSuccessful\":false,"
		"\"toolExecutionNotifications\":[{\"level\":\"error\","
		"\"message\":{\"text\":\"cannot\\nread d.c\"}},{\"message\":"
		"{\"text\":\"slow\"}}]}]},"
		/* a second run */
		"{\"tool\":{\"driver\":{\"name\":\"Y\"}},\"results\":[{\"ruleId\":"
		"\"Q\",\"message\":{\"text\":\"q\"},\"locations\":[{"
		"\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"q.c\"},"
		"\"region\":{\"startLine\":1}}}]}]}]}";
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf diag = PF_BUF_INIT;
	unsigned nerr = 0;

	(void)state;
	parse_str(&fs, &diag, &nerr, log);
	assert_int_equal(fs.nr, 5);
	assert_string_equal(fs.v[0].rule_id, "A");
	assert_string_equal(fs.v[0].message, "short A");
	assert_int_equal(fs.v[0].severity, PF_SEV_ERROR);
	assert_string_equal(fs.v[0].cwe, "CWE-79; CWE-89: sql");
	assert_string_equal(fs.v[0].owasp, "A03:2021 - Injection");
	assert_int_equal(fs.v[0].start.col, 1);
	assert_int_equal(fs.v[0].end.line, 3);
	assert_int_equal(fs.v[0].end.col, 0); /* end of line */
	assert_int_equal(fs.v[0].col_unit, PF_COL_UTF16);
	assert_non_null(strstr(fs.v[0].metadata_json, "external/cwe/cwe-079"));
	assert_string_equal(fs.v[1].rule_id, "B");
	assert_string_equal(fs.v[1].message, "B says x and y");
	assert_string_equal(fs.v[1].path, "/x/y z.c");
	assert_int_equal(fs.v[1].severity, PF_SEV_WARNING);
	assert_string_equal(fs.v[1].severity_label, "warning");
	assert_int_equal(fs.v[1].end.line, 2);
	assert_int_equal(fs.v[1].end.col, 3);
	assert_string_equal(fs.v[2].path, "/srv/b.c");
	assert_int_equal(fs.v[2].severity, PF_SEV_INFO);
	assert_int_equal(fs.v[2].start.offset, 5);
	assert_int_equal(fs.v[2].end.offset, 8);
	assert_int_equal(fs.v[2].ignored, 1);
	assert_string_equal(fs.v[3].rule_id, "Z");
	assert_int_equal(fs.v[3].ignored, 0);
	assert_int_equal(fs.v[3].severity, PF_SEV_WARNING);
	assert_string_equal(fs.v[4].rule_id, "Q");
	assert_int_equal(nerr, 2);
	assert_string_equal(diag.buf,
			    "X: note: runs[0].results[3]: result of A has no "
			    "file region; skipped\n"
			    "X: error: cannot read d.c\n"
			    "X: warning: slow\n"
			    "X: error: the scanner says its run failed\n");
	pf_findings_release(&fs);
	pf_buf_release(&diag);
}

static void test_fix_region_rules(void **state)
{
#define RES(fixregion, fixuri)                                                \
	"{\"ruleId\":\"r\",\"message\":{\"text\":\"m\"},\"locations\":[{"    \
	"\"physicalLocation\":{\"artifactLocation\":{\"uri\":\"a.c\"},"      \
	"\"region\":{\"startLine\":2,\"startColumn\":3,\"endColumn\":5}}}],"  \
	"\"fixes\":[{\"artifactChanges\":[{\"artifactLocation\":{\"uri\":"    \
	"\"" fixuri "\"},\"replacements\":[{\"deletedRegion\":" fixregion     \
	",\"insertedContent\":{\"text\":\"NEW\"}}]}]}]}"
	static const char log[] =
		"{\"runs\":[{\"tool\":{\"driver\":{\"name\":\"T\"}},"
		"\"results\":["
		RES("{\"startLine\":2,\"startColumn\":3,\"endLine\":2,"
		    "\"endColumn\":5}", "a.c") ","
		RES("{\"startLine\":2,\"startColumn\":3,\"endColumn\":6}",
		    "a.c") ","
		RES("{\"startLine\":2,\"startColumn\":3,\"endColumn\":5}",
		    "other.c") ","
		RES("{\"startLine\":1,\"endLine\":3}", "a.c") "]}]}";
	struct pf_findings fs = PF_FINDINGS_INIT;
	static const char content[] = "l1\nxxabyy\nl3\n";

	(void)state;
	parse_str(&fs, NULL, NULL, log);
	assert_int_equal(fs.nr, 4);
	/* Same region: the fix is the rule's replacement of the match. */
	assert_string_equal(fs.v[0].rule_fix, "NEW");
	assert_int_equal(pf_finding_rule_fix_to_lines(&fs.v[0], content,
						      strlen(content)),
			 0);
	assert_string_equal(fs.v[0].fix.replacement, "xxNEWyy\n");
	/* Another region or another file: no fix. */
	assert_null(fs.v[1].rule_fix);
	assert_null(fs.v[1].fix.replacement);
	assert_null(fs.v[2].rule_fix);
	assert_null(fs.v[2].fix.replacement);
	/* Whole lines around it: a whole-line fix. */
	assert_null(fs.v[3].rule_fix);
	assert_int_equal(fs.v[3].fix.start_line, 1);
	assert_int_equal(fs.v[3].fix.end_line, 3);
	assert_string_equal(fs.v[3].fix.replacement, "NEW\n");
	pf_findings_release(&fs);
#undef RES
}

/* ---- malformed logs ---------------------------------------------------- */

static void expect_invalid(const char *text, size_t len, const char *want)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf diag = PF_BUF_INIT;
	unsigned nerr = 5;
	int ret;

	pf_findings_push(&fs)->rule_id = pf_xstrdup("sentinel");
	ret = pf_sarif_parse(&fs, &diag, &nerr, text, len, "o");
	if (ret != PF_EINVALID)
		fail_msg("expected PF_EINVALID (%s), got %d", want ? want : "",
			 ret);
	if (want && !strstr(pf_error_last(), want))
		fail_msg("message '%s' lacks '%s'", pf_error_last(), want);
	assert_true(pf_starts_with(pf_error_last(), "o: "));
	assert_int_equal(fs.nr, 1);
	assert_int_equal(diag.len, 0);
	assert_int_equal(nerr, 5);
	pf_findings_release(&fs);
	pf_buf_release(&diag);
}

static void test_truncated_logs(void **state)
{
	char *twin = semgrep_real(TWIN_CASE "/snapshots/test_output_sarif/"
				  "test_sarif_output_with_autofix/"
				  "results.sarif");
	const char *files[] = { FF_DIR "/flawfinder.sarif", twin };
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	for (size_t k = 0; k < PF_ARRAY_SIZE(files); k++) {
		size_t last;

		read_or_fail(&b, files[k]);
		last = b.len;
		while (last && b.buf[last - 1] != '}')
			last--;
		for (size_t cut = 0; cut < last; cut += 1 + cut / 50)
			expect_invalid(b.buf, cut, cut ? "invalid JSON" : NULL);
	}
	pf_buf_release(&b);
	free(twin);
}

static void replace_and_expect(const char *file, const char *pathspec,
			       cJSON *value, const char *want)
{
	struct pf_buf b = PF_BUF_INIT;
	cJSON *doc, *o, *parent = NULL;
	const char *key = NULL;
	char *spec = pf_xstrdup(pathspec), *tok, *save = NULL, *text;

	read_or_fail(&b, file);
	doc = cJSON_ParseWithLength(b.buf, b.len);
	o = doc;
	/* "runs/0/results/0/ruleId": walk objects and arrays. */
	for (tok = strtok_r(spec, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		parent = o;
		key = tok;
		o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(tok))
				     : cJSON_GetObjectItem(o, tok);
		assert_non_null(o);
	}
	if (cJSON_IsArray(parent))
		cJSON_ReplaceItemInArray(parent, atoi(key), value);
	else if (value)
		cJSON_ReplaceItemInObject(parent, key, value);
	else
		cJSON_DeleteItemFromObject(parent, key);
	text = cJSON_PrintUnformatted(doc);
	expect_invalid(text, strlen(text), want);
	cJSON_free(text);
	cJSON_Delete(doc);
	free(spec);
	pf_buf_release(&b);
}

static void test_wrong_types_name_the_field(void **state)
{
	const char *ff = FF_DIR "/flawfinder.sarif";
	char *tw = semgrep_real(TWIN_CASE "/snapshots/test_output_sarif/"
				"test_sarif_output_with_autofix/"
				"results.sarif");
	const char *loc = "runs[0].results[1].locations[0].physicalLocation";

	(void)state;
	replace_and_expect(ff, "runs/0/results/1/ruleId", cJSON_CreateNumber(1),
			   "o: runs[0].results[1].ruleId: expected a string");
	replace_and_expect(ff, "runs/0/results/1/level", cJSON_CreateFalse(),
			   "o: runs[0].results[1].level: expected a string");
	replace_and_expect(ff, "runs/0/results/1/message",
			   cJSON_CreateString("x"),
			   "o: runs[0].results[1].message: expected an object");
	replace_and_expect(ff, "runs/0/results/1/message/text",
			   cJSON_CreateNumber(3),
			   "o: runs[0].results[1].message.text: expected a "
			   "string");
	{
		struct pf_buf w = PF_BUF_INIT;

		pf_buf_addf(&w, "o: %s.region.startLine: expected a number",
			    loc);
		replace_and_expect(ff, "runs/0/results/1/locations/0/"
				       "physicalLocation/region/startLine",
				   cJSON_CreateString("9"), w.buf);
		pf_buf_reset(&w);
		pf_buf_addf(&w, "o: %s.region.startColumn: expected an "
			    "integer in 1..",
			    loc);
		replace_and_expect(ff, "runs/0/results/1/locations/0/"
				       "physicalLocation/region/startColumn",
				   cJSON_CreateNumber(0), w.buf);
		replace_and_expect(tw, "runs/0/results/0/locations/0/"
				       "physicalLocation/region/startLine",
				   cJSON_CreateNumber(6),
				   "o: runs[0].results[0].locations[0]."
				   "physicalLocation.region.endLine: before "
				   "startLine");
		pf_buf_reset(&w);
		pf_buf_addf(&w, "o: %s.artifactLocation.uri: expected a string",
			    loc);
		replace_and_expect(ff, "runs/0/results/1/locations/0/"
				       "physicalLocation/artifactLocation/uri",
				   cJSON_CreateArray(), w.buf);
		/* Semgrep's uri is a URI (flawfinder's is a plain path). */
		replace_and_expect(tw, "runs/0/results/1/locations/0/"
				       "physicalLocation/artifactLocation/uri",
				   cJSON_CreateString("file:///a%00b"),
				   "o: runs[0].results[1].locations[0]."
				   "physicalLocation.artifactLocation.uri: NUL "
				   "byte");
		pf_buf_release(&w);
	}
	replace_and_expect(ff, "runs/0/results/1/locations",
			   cJSON_CreateObject(),
			   "o: runs[0].results[1].locations: expected an array");
	replace_and_expect(ff, "runs/0/results/1", cJSON_CreateNumber(5),
			   "o: runs[0].results[1]: expected an object");
	replace_and_expect(ff, "runs/0/results", cJSON_CreateString("x"),
			   "o: runs[0].results: expected an array");
	replace_and_expect(ff, "runs/0/tool/driver/rules", cJSON_CreateTrue(),
			   "o: runs[0].tool.driver.rules: expected an array");
	replace_and_expect(ff, "runs/0/tool/driver/name", cJSON_CreateNumber(2),
			   "o: runs[0].tool.driver.name: expected a string");
	replace_and_expect(ff, "runs/0", cJSON_CreateArray(),
			   "o: runs[0]: expected an object");
	replace_and_expect(ff, "runs", cJSON_CreateObject(),
			   "o: runs: expected an array");
	replace_and_expect(ff, "runs", NULL, "o: runs: missing");
	replace_and_expect(tw, "runs/0/results/0/ruleId", NULL,
			   "o: runs[0].results[0].ruleId: missing");
	replace_and_expect(tw, "runs/0/results/0/fixes/0/artifactChanges/0/"
			       "replacements/0/deletedRegion/endLine",
			   cJSON_CreateString("5"),
			   "o: runs[0].results[0].fixes[0].artifactChanges[0]."
			   "replacements[0].deletedRegion.endLine: expected a "
			   "number");
	replace_and_expect(tw, "runs/0/results/0/fixes/0/artifactChanges/0/"
			       "replacements/0/insertedContent/text",
			   cJSON_CreateNumber(5),
			   "o: runs[0].results[0].fixes[0].artifactChanges[0]."
			   "replacements[0].insertedContent.text: expected a "
			   "string");
	free(tw);
	{
		static const struct {
			const char *text, *want;
		} t[] = {
			{ "[]", "o: expected a JSON object" },
			{ "", "o: empty output" },
			{ "{\"runs\":[{\"results\":[{\"ruleIndex\":3}]}]}",
			  "o: runs[0].results[0].ruleIndex: no rule 3" },
			{ "{\"runs\":[]} x", "o: invalid JSON at line 1" },
			{ "{\"runs\":[{\"results\":[{\"message\":{}}]}]}",
			  "o: runs[0].results[0].ruleId: missing" },
			{ "{\"runs\":[{\"invocations\":[1]}]}",
			  "o: runs[0].invocations[0]: expected an object" },
		};

		for (size_t i = 0; i < PF_ARRAY_SIZE(t); i++)
			expect_invalid(t[i].text, strlen(t[i].text), t[i].want);
	}
}

/* run.columnKind unicodeCodePoints: a column counts code points, so
 * after an emoji (1 code point, 2 UTF-16 units, 4 bytes) column 3 is the
 * 'x' at byte 5; by SARIF's default (UTF-16 units) it is the space. */
static void test_column_kind(void **state)
{
	static const char *const kinds[] = { ",\"columnKind\":"
					     "\"unicodeCodePoints\"",
					     ",\"columnKind\":\"utf16CodeUnits\"",
					     "" };
	static const int64_t want[] = { 5, 4, 4 };
	const char *content = "\xf0\x9f\x98\x8a x = 1\n";

	(void)state;
	for (size_t i = 0; i < PF_ARRAY_SIZE(kinds); i++) {
		struct pf_findings fs = PF_FINDINGS_INIT;
		struct pf_buf b = PF_BUF_INIT;

		pf_buf_addf(&b,
			    "{\"runs\":[{\"tool\":{\"driver\":{\"name\":"
			    "\"CodeQL\"}}%s,\"results\":[{\"ruleId\":\"r\","
			    "\"locations\":[{\"physicalLocation\":{"
			    "\"artifactLocation\":{\"uri\":\"a.py\"},"
			    "\"region\":{\"startLine\":1,\"startColumn\":3,"
			    "\"endColumn\":4}}}]}]}]}",
			    kinds[i]);
		sarif_ok(&fs, NULL, NULL, b.buf, b.len, "kind");
		assert_int_equal(fs.nr, 1);
		assert_int_equal(fs.v[0].col_unit,
				 i ? PF_COL_UTF16 : PF_COL_CODEPOINTS);
		assert_int_equal(pf_finding_locate(&fs.v[0], content,
						   strlen(content)),
				 0);
		if (fs.v[0].start.offset != want[i])
			fail_msg("%s: offset %lld, want %lld", kinds[i],
				 (long long)fs.v[0].start.offset,
				 (long long)want[i]);
		pf_findings_release(&fs);
		pf_buf_release(&b);
	}
}

/* Only failures are findings: kind pass and notApplicable are not;
 * fail, review, open and an absent kind are. */
static void test_result_kinds(void **state)
{
	static const char *const kinds[] = { "\"pass\"", "\"notApplicable\"",
					     "\"fail\"",  "\"review\"",
					     "\"open\"",  NULL };
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	pf_buf_addstr(&b, "{\"runs\":[{\"results\":[");
	for (size_t i = 0; i < PF_ARRAY_SIZE(kinds); i++) {
		pf_buf_addf(&b,
			    "%s{%s%s%s\"ruleId\":\"r%zu\",\"locations\":[{"
			    "\"physicalLocation\":{\"artifactLocation\":{"
			    "\"uri\":\"a.c\"},\"region\":{\"startLine\":1}}}]}",
			    i ? "," : "", kinds[i] ? "\"kind\":" : "",
			    kinds[i] ? kinds[i] : "", kinds[i] ? "," : "", i);
	}
	pf_buf_addstr(&b, "]}]}");
	sarif_ok(&fs, NULL, NULL, b.buf, b.len, "kinds");
	assert_int_equal(fs.nr, 4);
	assert_string_equal(fs.v[0].rule_id, "r2");
	assert_string_equal(fs.v[3].rule_id, "r5");
	pf_findings_release(&fs);
	pf_buf_release(&b);
}

/* flawfinder writes the path it was given, unescaped: a '%' in a file
 * name is a '%'.  Any other tool's uri is a URI: "%41" is 'A'. */
static void test_flawfinder_uri_is_a_path(void **state)
{
	static const char *const tools[] = { "flawfinder", "other" };
	static const char *const want[] = { "50%41.c", "50A.c" };

	(void)state;
	for (size_t i = 0; i < PF_ARRAY_SIZE(tools); i++) {
		struct pf_findings fs = PF_FINDINGS_INIT;
		struct pf_buf b = PF_BUF_INIT;

		pf_buf_addf(&b,
			    "{\"runs\":[{\"tool\":{\"driver\":{\"name\":\"%s\"}},"
			    "\"results\":[{\"ruleId\":\"r\",\"locations\":[{"
			    "\"physicalLocation\":{\"artifactLocation\":{"
			    "\"uri\":\"50%%41.c\"},\"region\":{\"startLine\":"
			    "1}}}]}]}]}",
			    tools[i]);
		sarif_ok(&fs, NULL, NULL, b.buf, b.len, tools[i]);
		assert_int_equal(fs.nr, 1);
		assert_string_equal(fs.v[0].path, want[i]);
		pf_findings_release(&fs);
		pf_buf_release(&b);
	}
}

/* ---- file names that are not UTF-8 ------------------------------------ */

/* flawfinder (Python) names the file "caf\xe9.c" as "caf\udce9.c": the
 * finding must land on the file's own bytes, and the run must count. */
static void test_flawfinder_latin1_name(void **state)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf log = PF_BUF_INIT;
	unsigned nerr = 9;

	(void)state;
	read_or_fail(&log, FF_DIR "/flawfinder-latin1-name.sarif");
	assert_non_null(strstr(log.buf, "\"caf\\udce9.c\""));
	sarif_ok(&fs, NULL, &nerr, log.buf, log.len, "flawfinder");
	assert_int_equal(nerr, 0);
	assert_int_equal(fs.nr, 1);
	assert_string_equal(fs.v[0].path, "caf\xe9.c");
	assert_string_equal(fs.v[0].rule_id, "FF1001");
	assert_int_equal(fs.v[0].start.line, 4);
	assert_int_equal(fs.v[0].start.col, 2);
	pf_findings_release(&fs);
	pf_buf_release(&log);
}

static void one_path(const char *uri_json, const char *want)
{
	struct pf_findings fs = PF_FINDINGS_INIT;
	struct pf_buf b = PF_BUF_INIT;

	pf_buf_addf(&b,
		    "{\"runs\":[{\"results\":[{\"ruleId\":\"r\","
		    "\"locations\":[{\"physicalLocation\":{"
		    "\"artifactLocation\":{\"uri\":\"%s\"},"
		    "\"region\":{\"startLine\":1}}}]}]}]}",
		    uri_json);
	sarif_ok(&fs, NULL, NULL, b.buf, b.len, uri_json);
	assert_int_equal(fs.nr, 1);
	if (strcmp(fs.v[0].path, want))
		fail_msg("%s: got '%s', want '%s'", uri_json, fs.v[0].path,
			 want);
	pf_findings_release(&fs);
	pf_buf_release(&b);
}

static void test_surrogateescape_names(void **state)
{
	/* Python's surrogateescape makes only U+DC80..U+DCFF; any other
	 * lone surrogate is still broken JSON. */
	static const char *const bad[] = {
		"{\"runs\":[{\"x\":\"\\udc7f\"}]}",
		"{\"runs\":[{\"x\":\"\\ud83d.c\"}]}",
		"{\"runs\":[{\"x\":\"\\udce9\\udc00\"}]}",
	};
	/* An error after an undone escape is placed in the scanner's own
	 * text: the stray 'x' is byte 26, column 27. */
	const char *late = "{\"runs\":[{\"x\":\"\\udce9\"}]} x";

	(void)state;
	one_path("a\\udce9b\\uDCFF\\udc80.c", "a\xe9"
					      "b\xff\x80.c");
	/* A real pair is a character, not two bytes. */
	one_path("\\ud83d\\ude00.c", "\xf0\x9f\x98\x80.c");
	/* An escaped backslash before "udce9" is text. */
	one_path("x\\\\udce9.c", "x\\udce9.c");
	one_path("%E9\\\"\\udce9.c", "\xe9\"\xe9.c");
	for (size_t i = 0; i < PF_ARRAY_SIZE(bad); i++)
		expect_invalid(bad[i], strlen(bad[i]), "invalid JSON");
	expect_invalid(late, strlen(late),
		       "o: invalid JSON at line 1, column 27");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_semgrep_sarif_matches_json_twin),
		cmocka_unit_test(test_flawfinder_recorded),
		cmocka_unit_test(test_flawfinder_column_claim_is_wrong),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_writer_output),
		cmocka_unit_test(test_rule_references_and_levels),
		cmocka_unit_test(test_fix_region_rules),
		cmocka_unit_test(test_truncated_logs),
		cmocka_unit_test(test_wrong_types_name_the_field),
		cmocka_unit_test(test_column_kind),
		cmocka_unit_test(test_result_kinds),
		cmocka_unit_test(test_flawfinder_uri_is_a_path),
		cmocka_unit_test(test_flawfinder_latin1_name),
		cmocka_unit_test(test_surrogateescape_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
