/*
 * SARIF 2.1.0 in and out.
 *
 * In: every run's results become findings.  What real emitters do that a
 * plain reading of the spec would get wrong:
 *  - Columns.  SARIF counts characters (run.columnKind, utf16CodeUnits by
 *    default), but Semgrep writes its byte columns, and flawfinder says
 *    utf16CodeUnits while counting code points (it is Python).  The unit
 *    goes on the finding; pf_finding_locate() turns it into bytes.
 *  - Fixes.  Semgrep's insertedContent holds the whole fixed lines
 *    (fixed_lines joined) although its deletedRegion is the match, so for
 *    Semgrep it becomes a whole-line fix, not rule_fix.
 * A JSON null counts as an absent optional field; every field we use is
 * type-checked and a bad one is named in the error.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cJSON.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/json.h"
#include "pushfix/sarif.h"
#include "pushfix/util.h"
#include "adapter.h"

#define DIAG_MSG_MAX 400

struct ctx {
	struct pf_json_at at; /* origin; "runs[0].results[3]" and deeper */
	const char *tool;     /* driver name, for diagnostics */
	const cJSON *rules;   /* tool.driver.rules, or NULL */
	const cJSON *artifacts;
	enum pf_col_unit unit;
	int semgrep; /* fixes carry whole fixed lines */
	int raw_uri; /* "uri" is a plain path (flawfinder) */
};

/* Extend c->at.path by ".name" (or "[i]" forms via fmt); returns the old
 * length for pop(). */
static size_t push(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static size_t push(struct ctx *c, const char *fmt, ...)
{
	size_t n = strlen(c->at.path);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->at.path + n, sizeof(c->at.path) - n, fmt, ap);
	va_end(ap);
	return n;
}

static void pop(struct ctx *c, size_t n)
{
	c->at.path[n] = '\0';
}

/* The member `key`, or NULL when absent or null. */
static const cJSON *member(const cJSON *obj, const char *key)
{
	return pf_json_member(obj, key);
}

static int get_str(const char **out, const struct ctx *c, const cJSON *obj,
		   const char *key)
{
	return pf_json_get_str(out, &c->at, obj, key, 0);
}

static int get_obj(const cJSON **out, const struct ctx *c, const cJSON *obj,
		   const char *key)
{
	const cJSON *v = member(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsObject(v))
		return pf_json_bad(&c->at, key, "expected an object");
	*out = v;
	return 0;
}

static int get_arr(const cJSON **out, const struct ctx *c, const cJSON *obj,
		   const char *key)
{
	const cJSON *v = member(obj, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return pf_json_bad(&c->at, key, "expected an array");
	*out = v;
	return 0;
}

/* An optional integer in [min, max]; *out = -1 when absent. */
static int get_int(int64_t *out, const struct ctx *c, const cJSON *obj,
		   const char *key, int64_t min, int64_t max)
{
	*out = -1;
	return pf_json_get_int(out, NULL, &c->at, obj, key, min, max);
}

/* obj.key.text, a SARIF message-like object. */
static int get_text(const char **out, struct ctx *c, const cJSON *obj,
		    const char *key)
{
	const cJSON *m;
	size_t n;
	int ret;

	*out = NULL;
	if ((ret = get_obj(&m, c, obj, key)) || !m)
		return ret;
	n = push(c, "%s%s", *c->at.path ? "." : "", key);
	ret = get_str(out, c, m, "text");
	pop(c, n);
	return ret;
}

/* ---- small helpers ------------------------------------------------------ */

static int hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* artifactLocation.uri → a path: file:// dropped, %-escapes undone. */
static int uri_to_path(char **out, const struct ctx *c, const char *field,
		       const char *uri)
{
	struct pf_buf b = PF_BUF_INIT;
	const char *s = uri;

	*out = NULL;
	if (!strncasecmp(s, "file://", 7)) {
		s += 7;
		/* file://host/path: the host (often localhost) goes. */
		if (*s != '/') {
			const char *slash = strchr(s, '/');

			s = slash ? slash : s + strlen(s);
		}
	} else if (!strncasecmp(s, "file:", 5)) {
		s += 5;
	}
	for (; *s; s++) {
		int hi, lo;

		if (c->raw_uri) {
			pf_buf_addch(&b, *s);
			continue;
		}
		if (*s == '%' && (hi = hexval((unsigned char)s[1])) >= 0 &&
		    (lo = hexval((unsigned char)s[2])) >= 0) {
			if (!hi && !lo) {
				pf_buf_release(&b);
				return pf_json_bad(&c->at, field,
						   "NUL byte in '%s'", uri);
			}
			pf_buf_addch(&b, hi * 16 + lo);
			s += 2;
			continue;
		}
		pf_buf_addch(&b, *s);
	}
	if (!b.len) {
		pf_buf_release(&b);
		return pf_json_bad(&c->at, field, "empty path in '%s'", uri);
	}
	*out = pf_buf_detach(&b, NULL);
	return 0;
}

/* Append `tag` to a "; "-joined list, once. */
static void add_unique(struct pf_buf *b, const char *tag, size_t n)
{
	const char *p = b->buf;

	while (p && *p) {
		const char *e = strstr(p, "; ");
		size_t l = e ? (size_t)(e - p) : strlen(p);

		if (l == n && !memcmp(p, tag, n))
			return;
		p = e ? e + 2 : NULL;
	}
	if (b->len)
		pf_buf_addstr(b, "; ");
	pf_buf_add(b, tag, n);
}

/* CWE and OWASP ids from a rule: properties.tags ("CWE-89: ...",
 * CodeQL's "external/cwe/cwe-079", Semgrep's "OWASP-A03:2021 - ...") and
 * relationships to a CWE taxonomy (flawfinder). */
static void rule_taxa(struct pf_finding *f, const cJSON *rule)
{
	struct pf_buf cwe = PF_BUF_INIT, owasp = PF_BUF_INIT;
	const cJSON *props = member(rule, "properties");
	const cJSON *tags = member(props, "tags");
	const cJSON *rel = member(rule, "relationships");
	const cJSON *e;

	if (cJSON_IsArray(tags)) {
		cJSON_ArrayForEach (e, tags) {
			const char *t = cJSON_GetStringValue(e);

			if (!t)
				continue;
			if (!strncasecmp(t, "CWE-", 4)) {
				add_unique(&cwe, t, strlen(t));
			} else if (!strncasecmp(t, "external/cwe/cwe-", 17)) {
				char id[32];
				unsigned long n = strtoul(t + 17, NULL, 10);

				snprintf(id, sizeof(id), "CWE-%lu", n);
				add_unique(&cwe, id, strlen(id));
			} else if (!strncmp(t, "OWASP-", 6)) {
				add_unique(&owasp, t + 6, strlen(t + 6));
			}
		}
	}
	if (cJSON_IsArray(rel)) {
		cJSON_ArrayForEach (e, rel) {
			const char *id = cJSON_GetStringValue(
				member(member(e, "target"), "id"));

			if (id && !strncasecmp(id, "CWE-", 4))
				add_unique(&cwe, id, strlen(id));
		}
	}
	f->cwe = cwe.len ? pf_buf_detach(&cwe, NULL) : NULL;
	f->owasp = owasp.len ? pf_buf_detach(&owasp, NULL) : NULL;
	pf_buf_release(&cwe);
	pf_buf_release(&owasp);
	if (cJSON_IsObject(props)) {
		char *s = cJSON_PrintUnformatted(props);

		if (s) {
			f->metadata_json = pf_xstrdup(s);
			cJSON_free(s);
		}
	}
}

/* Fill "{0}"-style placeholders from message.arguments. */
static char *format_message(const char *text, const cJSON *args)
{
	struct pf_buf b = PF_BUF_INIT;

	for (const char *s = text; *s; s++) {
		if (*s == '{' && s[1] >= '0' && s[1] <= '9' && args) {
			char *end;
			unsigned long i = strtoul(s + 1, &end, 10);
			const char *a = *end == '}' && i < 1000
						? cJSON_GetStringValue(
							  cJSON_GetArrayItem(
								  args, (int)i))
						: NULL;

			if (a) {
				pf_buf_addstr(&b, a);
				s = end;
				continue;
			}
		}
		pf_buf_addch(&b, *s);
	}
	return pf_buf_detach(&b, NULL);
}

static void one_line(struct pf_buf *b, const char *s)
{
	size_t n = 0, start = b->len;
	int blank = 0;

	for (; *s && n < DIAG_MSG_MAX; s++, n++) {
		if ((unsigned char)*s <= ' ') {
			blank = 1;
			continue;
		}
		if (blank && b->len > start)
			pf_buf_addch(b, ' ');
		blank = 0;
		pf_buf_addch(b, *s);
	}
	if (*s)
		pf_buf_addstr(b, "...");
}

static void diag_line(struct pf_buf *d, const struct ctx *c, const char *level,
		      const char *msg)
{
	pf_buf_addf(d, "%s: ", c->tool);
	one_line(d, level);
	pf_buf_addstr(d, ": ");
	one_line(d, msg);
	pf_buf_addch(d, '\n');
}

/* ---- regions and fixes -------------------------------------------------- */

struct region {
	int64_t sl, sc, el, ec, off, blen;
};

static int parse_region(struct region *rg, struct ctx *c, const cJSON *o)
{
	int ret;

	if ((ret = get_int(&rg->sl, c, o, "startLine", 1, UINT32_MAX)) ||
	    (ret = get_int(&rg->sc, c, o, "startColumn", 1, UINT32_MAX)) ||
	    (ret = get_int(&rg->el, c, o, "endLine", 1, UINT32_MAX)) ||
	    (ret = get_int(&rg->ec, c, o, "endColumn", 1, UINT32_MAX)) ||
	    (ret = get_int(&rg->off, c, o, "byteOffset", 0,
			   (int64_t)1 << 52)) ||
	    (ret = get_int(&rg->blen, c, o, "byteLength", 0, (int64_t)1 << 52)))
		return ret;
	if (rg->el >= 0 && rg->sl >= 0 && rg->el < rg->sl)
		return pf_json_bad(&c->at, "endLine", "before startLine");
	if (rg->sl >= 0 && rg->el == rg->sl && rg->sc >= 0 && rg->ec >= 0 &&
	    rg->ec < rg->sc)
		return pf_json_bad(&c->at, "endColumn", "before startColumn");
	return 0;
}

/* The finding's region with SARIF's defaults applied. */
static int same_region(const struct pf_finding *f, const struct region *d)
{
	if (d->off >= 0)
		return f->start.offset == d->off &&
		       f->end.offset - f->start.offset ==
			       (d->blen >= 0 ? d->blen : 0);
	if (d->sl < 0 || (uint32_t)d->sl != f->start.line)
		return 0;
	return (uint32_t)(d->sc >= 0 ? d->sc : 1) == f->start.col &&
	       (uint32_t)(d->el >= 0 ? d->el : d->sl) == f->end.line &&
	       (uint32_t)(d->ec >= 0 ? d->ec : 0) == f->end.col;
}

static void whole_line_fix(struct pf_finding *f, uint32_t sl, uint32_t el,
			   const char *text)
{
	size_t n = strlen(text);

	f->fix.origin = PF_FIX_RULE;
	f->fix.state = PF_FIX_UNCHECKED;
	f->fix.start_line = sl;
	f->fix.end_line = el;
	/* The region stops before the last newline; the replacement of
	 * whole lines has one (rule_fix_to_lines matches the file's end). */
	f->fix.replacement = pf_xmalloc(n + 2);
	memcpy(f->fix.replacement, text, n);
	if (!n || text[n - 1] != '\n')
		f->fix.replacement[n++] = '\n';
	f->fix.replacement[n] = '\0';
}

static int parse_fix(struct pf_finding *f, struct ctx *c, const cJSON *r)
{
	const cJSON *fixes, *fx, *changes, *ch, *reps, *rep, *del, *al;
	const char *uri = NULL, *text = NULL;
	struct region d;
	size_t n0 = strlen(c->at.path);
	int ret;

	if ((ret = get_arr(&fixes, c, r, "fixes")) || !fixes ||
	    !(fx = cJSON_GetArrayItem(fixes, 0)))
		return ret;
	push(c, ".fixes[0]");
	if (!cJSON_IsObject(fx)) {
		ret = pf_json_bad(&c->at, "", "expected an object");
		goto out;
	}
	if ((ret = get_arr(&changes, c, fx, "artifactChanges")) || !changes ||
	    !(ch = cJSON_GetArrayItem(changes, 0)))
		goto out;
	push(c, ".artifactChanges[0]");
	if (!cJSON_IsObject(ch)) {
		ret = pf_json_bad(&c->at, "", "expected an object");
		goto out;
	}
	if ((ret = get_obj(&al, c, ch, "artifactLocation")))
		goto out;
	if (al) {
		size_t n = push(c, ".artifactLocation");

		ret = get_str(&uri, c, al, "uri");
		pop(c, n);
		if (ret)
			goto out;
	}
	if ((ret = get_arr(&reps, c, ch, "replacements")) || !reps ||
	    !(rep = cJSON_GetArrayItem(reps, 0)))
		goto out;
	push(c, ".replacements[0]");
	if (!cJSON_IsObject(rep)) {
		ret = pf_json_bad(&c->at, "", "expected an object");
		goto out;
	}
	if ((ret = get_obj(&del, c, rep, "deletedRegion")))
		goto out;
	if (!del) {
		ret = pf_json_bad(&c->at, "deletedRegion", "missing");
		goto out;
	}
	if ((ret = get_text(&text, c, rep, "insertedContent")))
		goto out;
	push(c, ".deletedRegion");
	if ((ret = parse_region(&d, c, del)))
		goto out;
	if (!text)
		text = ""; /* no insertedContent: a deletion */
	if (uri) {
		char *p = NULL;
		int same;

		if ((ret = uri_to_path(&p, c, "uri", uri)))
			goto out;
		same = !strcmp(p, f->path);
		free(p);
		if (!same)
			goto out; /* a fix elsewhere: not this finding's */
	}
	if (c->semgrep) {
		if (d.sl >= 0 && (uint32_t)d.sl == f->start.line &&
		    (uint32_t)(d.el >= 0 ? d.el : d.sl) == f->end.line)
			whole_line_fix(f, f->start.line, f->end.line, text);
	} else if (same_region(f, &d)) {
		f->rule_fix = pf_xstrdup(text);
	} else if (d.sl >= 0 && d.sc < 0 && d.ec < 0 && d.off < 0) {
		/* Whole lines (as pf_sarif_write writes them) that hold
		 * the finding. */
		uint32_t el = (uint32_t)(d.el >= 0 ? d.el : d.sl);

		if ((uint32_t)d.sl <= f->start.line && el >= f->end.line)
			whole_line_fix(f, (uint32_t)d.sl, el, text);
	}
out:
	pop(c, n0);
	return ret;
}

/* ---- results --------------------------------------------------------------
 */

static const cJSON *rule_by_id(const struct ctx *c, const char *id)
{
	const cJSON *r;

	cJSON_ArrayForEach (r, c->rules) {
		const char *rid = cJSON_GetStringValue(member(r, "id"));

		if (rid && !strcmp(rid, id))
			return r;
	}
	return NULL;
}

static int parse_location(struct pf_finding *f, struct ctx *c, const cJSON *r,
			  int *skip)
{
	const cJSON *locs, *loc, *phys, *al, *reg;
	const char *uri = NULL;
	struct region rg;
	int64_t idx;
	size_t n0 = strlen(c->at.path);
	int ret;

	*skip = 1;
	if ((ret = get_arr(&locs, c, r, "locations")) || !locs ||
	    !(loc = cJSON_GetArrayItem(locs, 0)))
		return ret;
	push(c, ".locations[0]");
	if (!cJSON_IsObject(loc)) {
		ret = pf_json_bad(&c->at, "", "expected an object");
		goto out;
	}
	if ((ret = get_obj(&phys, c, loc, "physicalLocation")) || !phys)
		goto out;
	push(c, ".physicalLocation");
	if ((ret = get_obj(&al, c, phys, "artifactLocation")) || !al)
		goto out;
	push(c, ".artifactLocation");
	if ((ret = get_str(&uri, c, al, "uri")) ||
	    (ret = get_int(&idx, c, al, "index", -1, INT32_MAX)))
		goto out;
	if (!uri && idx >= 0) {
		const cJSON *a = cJSON_GetArrayItem(c->artifacts, (int)idx);

		uri = cJSON_GetStringValue(
			member(member(a, "location"), "uri"));
		if (!uri) {
			ret = pf_json_bad(&c->at, "index",
					  "no artifact %lld with a uri in "
					  "run.artifacts",
					  (long long)idx);
			goto out;
		}
	}
	if (!uri)
		goto out;
	if ((ret = uri_to_path(&f->path, c, "uri", uri)))
		goto out;
	pop(c, n0);
	push(c, ".locations[0].physicalLocation");
	if ((ret = get_obj(&reg, c, phys, "region")) || !reg)
		goto out;
	push(c, ".region");
	if ((ret = parse_region(&rg, c, reg)))
		goto out;
	if (rg.sl < 0 && rg.off < 0)
		goto out;
	f->col_unit = c->unit;
	/* flawfinder (Python, text mode) counts a lone CR as a line end. */
	f->line_unit = c->raw_uri ? PF_LINES_UNIVERSAL : PF_LINES_LF;
	f->start.offset = f->end.offset = -1;
	if (rg.sl >= 0) {
		f->start.line = (uint32_t)rg.sl;
		f->start.col = (uint32_t)(rg.sc >= 0 ? rg.sc : 1);
		f->end.line = (uint32_t)(rg.el >= 0 ? rg.el : rg.sl);
		/* SARIF's endColumn is exclusive, like ours; absent means
		 * the end of the line (0). */
		f->end.col = (uint32_t)(rg.ec >= 0 ? rg.ec : 0);
	}
	if (rg.off >= 0) {
		f->start.offset = rg.off;
		f->end.offset = rg.off + (rg.blen >= 0 ? rg.blen : 0);
	}
	*skip = 0;
out:
	pop(c, n0);
	return ret;
}

/*
 * The CWEs a result's own message ends with, "... (CWE-120, CWE-20).",
 * replace its rule's.  Flawfinder gives one rule per function, whose
 * CWEs (in its SARIF) are those of the rule's first hit in the run (FF1021
 * sscanf is "CWE-120; CWE-20" or "CWE-120" after which hit came first): the
 * same line would get another CWE in another batch, or from the scan cache.
 */
static void message_taxa(struct pf_finding *f)
{
	const char *m = f->message, *open, *p;
	struct pf_buf cwe = PF_BUF_INIT;
	size_t n;

	if (!m || !(open = strrchr(m, '(')))
		return;
	p = open + 1;
	for (;;) {
		if (strncmp(p, "CWE-", 4) || !(n = strspn(p + 4, "0123456789")))
			goto out;
		add_unique(&cwe, p, 4 + n);
		p += 4 + n;
		if (*p == ')')
			break;
		if (strncmp(p, ", ", 2))
			goto out;
		p += 2;
	}
	if (strspn(p + 1, ". \t\r\n") != strlen(p + 1))
		goto out;
	free(f->cwe);
	f->cwe = pf_buf_detach(&cwe, NULL);
out:
	pf_buf_release(&cwe);
}

static int parse_result(struct pf_findings *fs, struct pf_buf *diag,
			struct ctx *c, const cJSON *r)
{
	const cJSON *rule = NULL, *ref, *msg, *fps, *sup;
	const char *kind, *rule_id, *ref_id = NULL, *level, *text = NULL;
	const char *mid = NULL;
	struct pf_finding f;
	int64_t ridx, ref_idx = -1;
	int skip, ret;

	memset(&f, 0, sizeof(f));
	if (!cJSON_IsObject(r))
		return pf_json_bad(&c->at, "", "expected an object");
	if ((ret = get_str(&kind, c, r, "kind")))
		return ret;
	/* Only failures are findings. */
	if (kind && (!strcmp(kind, "pass") || !strcmp(kind, "notApplicable")))
		return 0;
	if ((ret = get_str(&rule_id, c, r, "ruleId")) ||
	    (ret = get_int(&ridx, c, r, "ruleIndex", -1, INT32_MAX)) ||
	    (ret = get_obj(&ref, c, r, "rule")) ||
	    (ret = get_str(&level, c, r, "level")) ||
	    (ret = get_obj(&msg, c, r, "message")))
		return ret;
	if (ref) {
		size_t n = push(c, ".rule");

		ret = get_str(&ref_id, c, ref, "id");
		if (!ret)
			ret = get_int(&ref_idx, c, ref, "index", -1, INT32_MAX);
		pop(c, n);
		if (ret)
			return ret;
	}
	if (ridx < 0)
		ridx = ref_idx;
	if (ridx >= 0) {
		rule = cJSON_GetArrayItem(c->rules, (int)ridx);
		if (!cJSON_IsObject(rule))
			return pf_json_bad(&c->at, "ruleIndex",
					   "no rule %lld in tool.driver.rules",
					   (long long)ridx);
	}
	if (!rule_id)
		rule_id = ref_id;
	if (!rule_id)
		rule_id = cJSON_GetStringValue(member(rule, "id"));
	if (!rule_id)
		return pf_json_bad(&c->at, "ruleId",
				   "missing (and no rule reference)");
	if (!rule && c->rules)
		rule = rule_by_id(c, rule_id);

	if ((ret = parse_location(&f, c, r, &skip)))
		goto out;
	if (skip) {
		struct pf_buf m = PF_BUF_INIT;

		pf_buf_addf(&m,
			    "%s: result of %s has no file region; "
			    "skipped",
			    c->at.path, rule_id);
		diag_line(diag, c, "note", m.buf);
		pf_buf_release(&m);
		goto out;
	}
	if (msg) {
		size_t n = push(c, ".message");

		ret = get_str(&text, c, msg, "text");
		if (!ret)
			ret = get_str(&mid, c, msg, "id");
		pop(c, n);
		if (ret)
			goto out;
	}
	if (!text && mid)
		text = cJSON_GetStringValue(member(
			member(member(rule, "messageStrings"), mid), "text"));
	if (!text)
		text = cJSON_GetStringValue(
			member(member(rule, "shortDescription"), "text"));
	if (!text)
		text = rule_id;
	f.message = format_message(text, member(msg, "arguments"));
	if (!level)
		level = cJSON_GetStringValue(
			member(member(rule, "defaultConfiguration"), "level"));
	if (!level)
		level = "warning"; /* SARIF's default */
	f.severity_label = pf_xstrdup(level);
	f.severity = pf_severity_parse(level);
	f.rule_id = pf_xstrdup(rule_id);
	if (rule)
		rule_taxa(&f, rule);
	if (c->raw_uri)
		message_taxa(&f);

	fps = member(r, "fingerprints");
	if (!cJSON_IsObject(fps) || !fps->child)
		fps = member(r, "partialFingerprints");
	if (cJSON_IsObject(fps) && cJSON_IsString(fps->child))
		f.scanner_fingerprint = pf_xstrdup(fps->child->valuestring);

	/* Suppressed in source or by a baseline, unless rejected. */
	sup = member(r, "suppressions");
	if (cJSON_IsArray(sup)) {
		const cJSON *s;

		cJSON_ArrayForEach (s, sup) {
			const char *st =
				cJSON_GetStringValue(member(s, "status"));

			if (!st || strcmp(st, "rejected"))
				f.ignored = 1;
		}
	}
	if ((ret = parse_fix(&f, c, r)))
		goto out;
	*pf_findings_push(fs) = f;
	return 0;
out:
	pf_finding_release(&f);
	return ret;
}

static int parse_notifications(struct pf_buf *diag, unsigned *nerr,
			       struct ctx *c, const cJSON *inv, const char *key)
{
	const cJSON *arr, *e;
	int ret;

	if ((ret = get_arr(&arr, c, inv, key)) || !arr)
		return ret;
	cJSON_ArrayForEach (e, arr) {
		const char *level = cJSON_GetStringValue(member(e, "level"));
		const char *text = cJSON_GetStringValue(
			member(member(e, "message"), "text"));

		if (!level)
			level = "warning";
		if (!strcmp(level, "error"))
			(*nerr)++;
		diag_line(diag, c, level, text ? text : "(no message)");
	}
	return 0;
}

static int parse_run(struct pf_findings *fs, struct pf_buf *diag,
		     unsigned *nerr, struct ctx *c, const cJSON *run)
{
	const cJSON *tool, *driver, *results, *invs, *e;
	const char *name = NULL, *kind;
	size_t i, n;
	int ret;

	if (!cJSON_IsObject(run))
		return pf_json_bad(&c->at, "", "expected an object");
	if ((ret = get_obj(&tool, c, run, "tool")))
		return ret;
	driver = NULL;
	if (tool) {
		n = push(c, ".tool");
		ret = get_obj(&driver, c, tool, "driver");
		if (!ret && driver) {
			push(c, ".driver");
			ret = get_str(&name, c, driver, "name");
			if (!ret)
				ret = get_arr(&c->rules, c, driver, "rules");
		}
		pop(c, n);
		if (ret)
			return ret;
	}
	if ((ret = get_arr(&c->artifacts, c, run, "artifacts")) ||
	    (ret = get_str(&kind, c, run, "columnKind")) ||
	    (ret = get_arr(&results, c, run, "results")) ||
	    (ret = get_arr(&invs, c, run, "invocations")))
		return ret;
	c->tool = name && *name ? name : "sarif";
	c->semgrep = name && !strncasecmp(name, "semgrep", 7);
	if (c->semgrep)
		c->unit = PF_COL_BYTES;
	else if (name && !strcasecmp(name, "flawfinder"))
		c->unit = PF_COL_CODEPOINTS;
	else if (kind && !strcmp(kind, "unicodeCodePoints"))
		c->unit = PF_COL_CODEPOINTS;
	else
		c->unit = PF_COL_UTF16;
	/* flawfinder writes the path it was given, unescaped. */
	c->raw_uri = name && !strcasecmp(name, "flawfinder");

	i = 0;
	cJSON_ArrayForEach (e, results) {
		n = push(c, ".results[%zu]", i++);
		ret = parse_result(fs, diag, c, e);
		pop(c, n);
		if (ret)
			return ret;
	}
	i = 0;
	cJSON_ArrayForEach (e, invs) {
		n = push(c, ".invocations[%zu]", i++);
		if (!cJSON_IsObject(e)) {
			ret = pf_json_bad(&c->at, "", "expected an object");
		} else {
			ret = parse_notifications(diag, nerr, c, e,
						  "toolExecutionNotifications");
			if (!ret)
				ret = parse_notifications(
					diag, nerr, c, e,
					"toolConfigurationNotifications");
			if (!ret &&
			    cJSON_IsFalse(member(e, "executionSuccessful"))) {
				(*nerr)++;
				diag_line(diag, c, "error",
					  "the scanner says its run failed");
			}
		}
		pop(c, n);
		if (ret)
			return ret;
	}
	return 0;
}

int pf_sarif_parse(struct pf_findings *out, struct pf_buf *diag,
		   unsigned *nerrors, const char *json, size_t len,
		   const char *origin)
{
	struct pf_findings tmp = PF_FINDINGS_INIT;
	struct pf_buf d = PF_BUF_INIT;
	struct ctx c;
	const cJSON *runs, *run;
	cJSON *root = NULL;
	unsigned nerr = 0;
	size_t i = 0;
	int ret;

	memset(&c, 0, sizeof(c));
	c.at.origin = origin ? origin : "sarif output";
	if ((ret = pf_json_parse_document(&root, json, len, c.at.origin,
					  "SARIF")))
		goto out;
	if (!cJSON_IsObject(root)) {
		ret = pf_error_setc(PF_EINVALID,
				    "%s: expected a JSON object "
				    "(a SARIF log) at the top level",
				    c.at.origin);
		goto out;
	}
	runs = member(root, "runs");
	if (!runs) {
		ret = pf_json_bad(&c.at, "runs", "missing (not a SARIF log?)");
		goto out;
	}
	if (!cJSON_IsArray(runs)) {
		ret = pf_json_bad(&c.at, "runs", "expected an array");
		goto out;
	}
	cJSON_ArrayForEach (run, runs) {
		snprintf(c.at.path, sizeof(c.at.path), "runs[%zu]", i++);
		c.rules = c.artifacts = NULL;
		if ((ret = parse_run(&tmp, &d, &nerr, &c, run)))
			goto out;
	}
	pf_adapter_hand_over(out, &tmp, diag, &d, nerrors, nerr);
out:
	cJSON_Delete(root);
	pf_findings_release(&tmp);
	pf_buf_release(&d);
	return ret;
}

/* ---- writing ---------------------------------------------------------- */

static void json_str(struct pf_buf *b, const char *s)
{
	pf_buf_add_json_text(b, s);
}

static const char *sarif_level(enum pf_severity s)
{
	switch (s) {
	case PF_SEV_CRITICAL:
	case PF_SEV_ERROR:
		return "error";
	case PF_SEV_LOW:
	case PF_SEV_INFO:
		return "note";
	case PF_SEV_WARNING:
	case PF_SEV_UNKNOWN:
		break;
	}
	return "warning";
}

static void uri_encode(struct pf_buf *b, const char *path)
{
	static const char hex[] = "0123456789ABCDEF";
	struct pf_buf u = PF_BUF_INIT;

	if (path[0] == '/')
		pf_buf_addstr(&u, "file://");
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~/", *p)) {
			pf_buf_addch(&u, *p);
		} else {
			pf_buf_addch(&u, '%');
			pf_buf_addch(&u, hex[*p >> 4]);
			pf_buf_addch(&u, hex[*p & 15]);
		}
	}
	json_str(b, u.buf);
	pf_buf_release(&u);
}

/* The UTF-16 column of byte column `col` in `line` (up to '\n'). */
static uint32_t utf16_col(const char *line, uint32_t col)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t len = strcspn(line, "\n"), i = 0;
	uint32_t units = 1;

	while (i + 1 < col && i < len) {
		size_t l = pf_utf8_valid(p + i, len - i);

		if (!l)
			l = 1;
		if (i + l > (size_t)col - 1)
			break;
		units += l == 4 ? 2 : 1;
		i += l;
	}
	/* Past the text (the newline, or beyond): one per byte. */
	return units + (uint32_t)((size_t)col - 1 - i);
}

static const char *nth_line(const char *s, uint32_t n)
{
	while (n-- && s) {
		s = strchr(s, '\n');
		if (s)
			s++;
	}
	return s;
}

static void write_region(struct pf_buf *b, const struct pf_finding *f)
{
	uint32_t sc = f->start.col, ec = f->end.col;

	/* With the lines at hand, byte columns become UTF-16 columns. */
	if (f->lines && f->col_unit == PF_COL_BYTES && f->start.line &&
	    f->end.line >= f->start.line) {
		const char *el =
			nth_line(f->lines, f->end.line - f->start.line);

		if (sc)
			sc = utf16_col(f->lines, sc);
		if (ec && el)
			ec = utf16_col(el, ec);
	}
	pf_buf_addstr(b, "\"region\":{");
	/* Lines only when known (a log may give byte offsets alone). */
	if (f->start.line) {
		pf_buf_addf(b, "\"startLine\":%u", (unsigned)f->start.line);
		if (sc)
			pf_buf_addf(b, ",\"startColumn\":%u", (unsigned)sc);
		if (f->end.line >= f->start.line) {
			pf_buf_addf(b, ",\"endLine\":%u",
				    (unsigned)f->end.line);
			if (ec && (f->end.line > f->start.line || ec >= sc))
				pf_buf_addf(b, ",\"endColumn\":%u",
					    (unsigned)ec);
		}
	}
	if (f->start.offset >= 0 && f->end.offset >= f->start.offset)
		pf_buf_addf(b, "%s\"byteOffset\":%lld,\"byteLength\":%lld",
			    f->start.line ? "," : "",
			    (long long)f->start.offset,
			    (long long)(f->end.offset - f->start.offset));
	if (f->lines && (f->start.line || f->start.offset >= 0)) {
		pf_buf_addstr(b, ",\"snippet\":{\"text\":");
		json_str(b, f->lines);
		pf_buf_addch(b, '}');
	}
	pf_buf_addch(b, '}');
}

static void write_fix(struct pf_buf *b, const struct pf_finding *f)
{
	const struct pf_fix *x = &f->fix;
	char *text = pf_xstrdup(x->replacement);
	size_t n = strlen(text);

	/* Whole lines: the region stops before the last newline. */
	if (n && text[n - 1] == '\n')
		text[n - 1] = '\0';
	pf_buf_addf(b,
		    ",\"fixes\":[{\"description\":{\"text\":\"%s fix "
		    "(%s)\"},\"artifactChanges\":[{\"artifactLocation\":"
		    "{\"uri\":",
		    x->origin == PF_FIX_LLM ? "LLM" : "rule",
		    pf_fix_state_name(x->state));
	uri_encode(b, f->path ? f->path : "");
	pf_buf_addf(b,
		    "},\"replacements\":[{\"deletedRegion\":{"
		    "\"startLine\":%u,\"endLine\":%u},\"insertedContent\":"
		    "{\"text\":",
		    (unsigned)x->start_line, (unsigned)x->end_line);
	json_str(b, text);
	pf_buf_addstr(b, "}}]}]}]");
	free(text);
}

static void write_tags(struct pf_buf *b, const char *list, const char *pre,
		       int *first)
{
	const char *p = list;

	while (p && *p) {
		const char *e = strstr(p, "; ");
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char *t = pf_xstrndup(p, l);
		struct pf_buf tag = PF_BUF_INIT;

		pf_buf_addf(&tag, "%s%s", pre, t);
		if (!*first)
			pf_buf_addch(b, ',');
		*first = 0;
		json_str(b, tag.buf);
		pf_buf_release(&tag);
		free(t);
		p = e ? e + 2 : NULL;
	}
}

void pf_sarif_write(struct pf_buf *out, const struct pf_findings *fs,
		    const char *tool_name)
{
	pf_sarif_write_props(out, fs, tool_name, NULL);
}

void pf_sarif_write_props(struct pf_buf *out, const struct pf_findings *fs,
			  const char *tool_name, const char *run_props)
{
	size_t *rule_of = pf_xcalloc(fs->nr ? fs->nr : 1, sizeof(size_t));
	size_t *first = pf_xcalloc(fs->nr ? fs->nr : 1, sizeof(size_t));
	size_t nrules = 0;

	/* One rule per id, in order of first appearance. */
	for (size_t i = 0; i < fs->nr; i++) {
		const char *id = fs->v[i].rule_id ? fs->v[i].rule_id : "";
		size_t r;

		for (r = 0; r < nrules; r++) {
			const char *o = fs->v[first[r]].rule_id;

			if (!strcmp(o ? o : "", id))
				break;
		}
		if (r == nrules)
			first[nrules++] = i;
		rule_of[i] = r;
	}

	pf_buf_addstr(out, "{\"$schema\":\"https://json.schemastore.org/"
			   "sarif-2.1.0.json\",\"version\":\"2.1.0\","
			   "\"runs\":[{\"tool\":{\"driver\":{\"name\":");
	json_str(out, tool_name ? tool_name : "pushfix");
	pf_buf_addstr(out, ",\"rules\":[");
	for (size_t r = 0; r < nrules; r++) {
		const struct pf_finding *f = &fs->v[first[r]];
		int none = 1;

		if (r)
			pf_buf_addch(out, ',');
		pf_buf_addstr(out, "{\"id\":");
		json_str(out, f->rule_id ? f->rule_id : "");
		pf_buf_addstr(out, ",\"shortDescription\":{\"text\":");
		json_str(out, f->message ? f->message : "");
		pf_buf_addf(out,
			    "},\"defaultConfiguration\":{\"level\":\"%s\"},"
			    "\"properties\":{\"tags\":[",
			    sarif_level(f->severity));
		write_tags(out, f->cwe, "", &none);
		write_tags(out, f->owasp, "OWASP-", &none);
		pf_buf_addstr(out, "]}}");
	}
	pf_buf_addstr(out, "]}},\"columnKind\":\"utf16CodeUnits\","
			   "\"results\":[");
	for (size_t i = 0; i < fs->nr; i++) {
		const struct pf_finding *f = &fs->v[i];

		if (i)
			pf_buf_addch(out, ',');
		pf_buf_addstr(out, "{\"ruleId\":");
		json_str(out, f->rule_id ? f->rule_id : "");
		pf_buf_addf(out,
			    ",\"ruleIndex\":%zu,\"level\":\"%s\","
			    "\"message\":{\"text\":",
			    rule_of[i], sarif_level(f->severity));
		json_str(out, f->message ? f->message : "");
		pf_buf_addstr(out, "},\"locations\":[{\"physicalLocation\":"
				   "{\"artifactLocation\":{\"uri\":");
		uri_encode(out, f->path ? f->path : "");
		if (f->path && f->path[0] != '/')
			pf_buf_addstr(out, ",\"uriBaseId\":\"%SRCROOT%\"");
		pf_buf_addstr(out, "},");
		write_region(out, f);
		pf_buf_addstr(out, "}}]");
		if (f->fingerprint[0]) {
			pf_buf_addstr(out, ",\"partialFingerprints\":"
					   "{\"pushfix/v1\":");
			json_str(out, f->fingerprint);
			pf_buf_addch(out, '}');
		}
		if (pf_finding_count(f) > 1)
			pf_buf_addf(out, ",\"occurrenceCount\":%zu",
				    pf_finding_count(f));
		if (f->ignored)
			pf_buf_addstr(out, ",\"suppressions\":[{\"kind\":"
					   "\"external\"}]");
		pf_buf_addstr(out, ",\"properties\":{\"severity\":");
		json_str(out, pf_severity_name(f->severity));
		if (f->triage.verdict != PF_VERDICT_NONE) {
			double conf = f->triage.confidence;

			/* NaN or out of range would not be valid JSON. */
			if (!(conf >= 0 && conf <= 1))
				conf = 0;
			pf_buf_addf(out,
				    ",\"verdict\":\"%s\",\"confidence\":"
				    "%.2f,\"reason\":",
				    pf_verdict_name(f->triage.verdict), conf);
			json_str(out, f->triage.reason ? f->triage.reason : "");
		}
		/* The rule's [rules] mode (issue 15), where one is named. */
		if (f->mode == PF_MODE_BLOCK || f->mode == PF_MODE_COMMENT)
			pf_buf_addf(out, ",\"mode\":\"%s\"",
				    pf_mode_name(f->mode));
		/* No "fixes", and why: the suggestion changed nothing. */
		if (!f->fix.replacement && f->fix.note) {
			pf_buf_addstr(out, ",\"fixNote\":");
			json_str(out, f->fix.note);
		}
		pf_buf_addch(out, '}');
		if (f->fix.replacement && f->fix.start_line &&
		    f->fix.end_line >= f->fix.start_line)
			write_fix(out, f);
		pf_buf_addch(out, '}');
	}
	pf_buf_addch(out, ']');
	if (run_props && *run_props)
		pf_buf_addf(out, ",\"properties\":{%s}", run_props);
	pf_buf_addstr(out, "}]}\n");
	free(rule_of);
	free(first);
}
