/*
 * `semgrep scan --json` output → findings.  The contract is
 * docs/SEMGREP-NOTES.md: unknown keys are
 * ignored, a JSON null counts as an absent optional field, every field we
 * use is type-checked and a bad one is named in the error.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/json.h"
#include "pushfix/semgrep.h"
#include "pushfix/util.h"
#include "adapter.h"

/* Longest scanner message kept in a diagnostic line. */
#define DIAG_MSG_MAX 400

static int parse_pos(struct pf_position *p, struct pf_json_at *c,
		     const cJSON *res, const char *key)
{
	const cJSON *o = pf_json_member(res, key);
	size_t n = strlen(c->path);
	int64_t v;
	int present, ret;

	if (!o)
		return pf_json_bad(c, key, "missing");
	if (!cJSON_IsObject(o))
		return pf_json_bad(c, key, "expected an object");
	snprintf(c->path + n, sizeof(c->path) - n, ".%s", key);
	if ((ret = pf_json_get_int(&v, &present, c, o, "line", 1, UINT32_MAX)))
		goto out;
	if (!present) {
		ret = pf_json_bad(c, "line", "missing");
		goto out;
	}
	p->line = (uint32_t)v;
	if ((ret = pf_json_get_int(&v, &present, c, o, "col", 1, UINT32_MAX)))
		goto out;
	if (!present) {
		ret = pf_json_bad(c, "col", "missing");
		goto out;
	}
	p->col = (uint32_t)v;
	/* Optional in the schema; -1 is pysemgrep's "unknown". */
	if ((ret = pf_json_get_int(&v, &present, c, o, "offset", -1,
				   (int64_t)1 << 52)))
		goto out;
	p->offset = present ? v : -1;
out:
	c->path[n] = '\0';
	return ret;
}

/* A metadata value that is a string or a list of them, joined by "; ".
 * Rules are free-form, so other values are kept as their JSON text. */
static char *join_values(const cJSON *v)
{
	struct pf_buf b = PF_BUF_INIT;
	const cJSON *e;

	if (!v)
		return NULL;
	if (cJSON_IsString(v))
		return *v->valuestring ? pf_xstrdup(v->valuestring) : NULL;
	if (cJSON_IsArray(v)) {
		cJSON_ArrayForEach (e, v) {
			char *s = NULL;

			if (cJSON_IsString(e)) {
				if (!*e->valuestring)
					continue;
				if (b.len)
					pf_buf_addstr(&b, "; ");
				pf_buf_addstr(&b, e->valuestring);
				continue;
			}
			s = cJSON_PrintUnformatted(e);
			if (!s)
				continue;
			if (b.len)
				pf_buf_addstr(&b, "; ");
			pf_buf_addstr(&b, s);
			cJSON_free(s);
		}
	} else {
		char *s = cJSON_PrintUnformatted(v);

		if (s) {
			pf_buf_addstr(&b, s);
			cJSON_free(s);
		}
	}
	if (!b.len) {
		pf_buf_release(&b);
		return NULL;
	}
	return pf_buf_detach(&b, NULL);
}

static int parse_result(struct pf_findings *fs, struct pf_json_at *c,
			const cJSON *r)
{
	struct pf_finding *f;
	const cJSON *extra, *md, *ign;
	struct pf_json_at ec;
	const char *check_id, *path, *msg, *sev, *fix, *fp;
	int ret;

	if (!cJSON_IsObject(r))
		return pf_json_bad(c, "", "expected an object");
	if ((ret = pf_json_get_str(&check_id, c, r, "check_id", 1)) ||
	    (ret = pf_json_get_str(&path, c, r, "path", 1)))
		return ret;
	if (!*path)
		return pf_json_bad(c, "path", "empty");
	extra = pf_json_member(r, "extra");
	if (!extra)
		return pf_json_bad(c, "extra", "missing");
	if (!cJSON_IsObject(extra))
		return pf_json_bad(c, "extra", "expected an object");
	ec = *c;
	snprintf(ec.path + strlen(ec.path), sizeof(ec.path) - strlen(ec.path),
		 ".extra");
	if ((ret = pf_json_get_str(&msg, &ec, extra, "message", 1)) ||
	    (ret = pf_json_get_str(&sev, &ec, extra, "severity", 1)) ||
	    (ret = pf_json_get_str(&fix, &ec, extra, "fix", 0)) ||
	    (ret = pf_json_get_str(&fp, &ec, extra, "fingerprint", 0)))
		return ret;
	/* extra.lines is deliberately not read: logged-out Semgrep prints
	 * "requires login"; locate() cuts the lines from the file. */
	ign = pf_json_member(extra, "is_ignored");
	if (ign && !cJSON_IsBool(ign))
		return pf_json_bad(&ec, "is_ignored", "expected true or false");

	f = pf_findings_push(fs);
	f->start.offset = f->end.offset = -1;
	if ((ret = parse_pos(&f->start, c, r, "start")) ||
	    (ret = parse_pos(&f->end, c, r, "end"))) {
		pf_finding_release(f);
		fs->nr--;
		return ret;
	}
	if (f->end.line < f->start.line ||
	    (f->start.offset >= 0 && f->end.offset >= 0 &&
	     f->end.offset < f->start.offset)) {
		pf_finding_release(f);
		fs->nr--;
		return pf_json_bad(c, "end", "before start");
	}
	f->col_unit = PF_COL_BYTES;
	f->rule_id = pf_xstrdup(check_id);
	f->path = pf_xstrdup(path);
	f->message = pf_xstrdup(msg);
	f->severity_label = pf_xstrdup(sev);
	f->severity = pf_severity_parse(sev);
	f->rule_fix = pf_xstrdup_or_null(fix);
	f->scanner_fingerprint = pf_xstrdup_or_null(fp);
	/* --disable-nosem reports nosemgrep'd matches: the user already
	 * said not to show them. */
	f->ignored = cJSON_IsTrue(ign);
	md = pf_json_member(extra, "metadata");
	if (md) {
		char *s = cJSON_PrintUnformatted(md);

		if (s) {
			f->metadata_json = pf_xstrdup(s);
			cJSON_free(s);
		}
		if (cJSON_IsObject(md)) {
			f->cwe = join_values(pf_json_member(md, "cwe"));
			f->owasp = join_values(pf_json_member(md, "owasp"));
		}
	}
	return 0;
}

/* Append s to b on one line: white space runs become one blank. */
static void add_one_line(struct pf_buf *b, const char *s, size_t max)
{
	size_t start = b->len, n = 0;
	int blank = 0;

	for (; *s && n < max; s++, n++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
		    ch < 0x20) {
			blank = 1;
			continue;
		}
		if (blank && b->len > start)
			pf_buf_addch(b, ' ');
		blank = 0;
		pf_buf_addch(b, (char)ch);
	}
	if (*s)
		pf_buf_addstr(b, "...");
}

static int parse_error(struct pf_buf *diag, unsigned *nerr,
		       struct pf_json_at *c, const cJSON *e)
{
	const cJSON *type;
	const char *level, *tag, *path, *rule, *msg, *smsg, *lmsg;
	int ret;

	if (!cJSON_IsObject(e))
		return pf_json_bad(c, "", "expected an object");
	if ((ret = pf_json_get_str(&level, c, e, "level", 1)))
		return ret;
	type = pf_json_member(e, "type");
	if (!type)
		return pf_json_bad(c, "type", "missing");
	/* A string, or an ATD variant ["IncompatibleRule", {...}]. */
	if (cJSON_IsString(type))
		tag = type->valuestring;
	else if (cJSON_IsArray(type) && cJSON_IsString(type->child))
		tag = type->child->valuestring;
	else
		return pf_json_bad(c, "type",
				   "expected a string or an array starting "
				   "with a string");
	if ((ret = pf_json_get_str(&path, c, e, "path", 0)) ||
	    (ret = pf_json_get_str(&rule, c, e, "rule_id", 0)) ||
	    (ret = pf_json_get_str(&msg, c, e, "message", 0)) ||
	    (ret = pf_json_get_str(&smsg, c, e, "short_msg", 0)) ||
	    (ret = pf_json_get_str(&lmsg, c, e, "long_msg", 0)))
		return ret;
	if (!strcmp(level, "error"))
		(*nerr)++;

	pf_buf_addstr(diag, "semgrep: ");
	add_one_line(diag, level, 40);
	pf_buf_addstr(diag, ": ");
	add_one_line(diag, tag, 80);
	if (path || rule) {
		pf_buf_addstr(diag, ": ");
		add_one_line(diag, path ? path : rule, 200);
	}
	pf_buf_addstr(diag, ": ");
	if (msg) {
		add_one_line(diag, msg, DIAG_MSG_MAX);
	} else if (smsg || lmsg) {
		add_one_line(diag, smsg ? smsg : lmsg, DIAG_MSG_MAX);
		if (smsg && lmsg) {
			pf_buf_addstr(diag, ": ");
			add_one_line(diag, lmsg, DIAG_MSG_MAX);
		}
	} else {
		pf_buf_addstr(diag, "(no message)");
	}
	pf_buf_addch(diag, '\n');
	return 0;
}

int pf_semgrep_parse(struct pf_findings *out, struct pf_buf *diag,
		     unsigned *nerrors, const char *json, size_t len,
		     const char *origin)
{
	struct pf_findings tmp = PF_FINDINGS_INIT;
	struct pf_buf d = PF_BUF_INIT;
	struct pf_json_at c = { origin ? origin : "semgrep output", "" };
	const cJSON *results, *errors, *e;
	cJSON *root = NULL;
	unsigned nerr = 0;
	size_t i;
	int ret;

	if ((ret = pf_json_parse_document(&root, json, len, c.origin, "JSON")))
		goto out;
	if (!cJSON_IsObject(root)) {
		ret = pf_error_setc(PF_EINVALID,
				    "%s: expected a JSON object "
				    "(semgrep --json output) at the top level",
				    c.origin);
		goto out;
	}
	results = pf_json_member(root, "results");
	if (!results) {
		ret = pf_json_bad(&c, "results",
				  "missing (not semgrep --json output?)");
		goto out;
	}
	if (!cJSON_IsArray(results)) {
		ret = pf_json_bad(&c, "results", "expected an array");
		goto out;
	}
	errors = pf_json_member(root, "errors");
	if (errors && !cJSON_IsArray(errors)) {
		ret = pf_json_bad(&c, "errors", "expected an array");
		goto out;
	}

	i = 0;
	cJSON_ArrayForEach (e, results) {
		snprintf(c.path, sizeof(c.path), "results[%zu]", i++);
		if ((ret = parse_result(&tmp, &c, e)))
			goto out;
	}
	i = 0;
	cJSON_ArrayForEach (e, errors) {
		snprintf(c.path, sizeof(c.path), "errors[%zu]", i++);
		if ((ret = parse_error(&d, &nerr, &c, e)))
			goto out;
	}

	pf_adapter_hand_over(out, &tmp, diag, &d, nerrors, nerr);
out:
	cJSON_Delete(root);
	pf_findings_release(&tmp);
	pf_buf_release(&d);
	return ret;
}
