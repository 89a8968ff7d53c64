/*
 * Reports of a finding list: text for people, JSON for programs (the
 * format documented in README.md, version 1), SARIF for code-scanning
 * tools.  Findings marked `ignored` (the user already decided) are left
 * out of text and JSON and written as suppressed in SARIF.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/policy.h"
#include "pushfix/report.h"
#include "pushfix/sarif.h"
#include "pushfix/secret.h"
#include "pushfix/util.h"

#define WIDTH 80     /* when the caller gives none */
#define MAX_LINES 12 /* of code per finding, unless verbose */

int pf_format_parse(enum pf_format *out, const char *name)
{
	if (name && !strcmp(name, "text"))
		*out = PF_FORMAT_TEXT;
	else if (name && !strcmp(name, "json"))
		*out = PF_FORMAT_JSON;
	else if (name && !strcmp(name, "sarif"))
		*out = PF_FORMAT_SARIF;
	else if (name && !strcmp(name, "gitlab-sast"))
		*out = PF_FORMAT_GITLAB_SAST;
	else
		return pf_error_setc(PF_EINVALID,
				     "unknown format '%s' "
				     "(expected text, json, sarif or "
				     "gitlab-sast)",
				     name ? name : "");
	return 0;
}

/* ---- coverage ------------------------------------------------------------ */

/* Kinds of unread files named on the line; more are counted. */
#define KINDS_NAMED 6

/* What a file is, for the line: its extension (".py"), else its name
 * ("Makefile"); a pointer into `path`. */
static const char *file_kind(const char *path)
{
	const char *base = strrchr(path, '/'), *dot;

	base = base ? base + 1 : path;
	dot = strrchr(base, '.');
	return dot && dot != base && dot[1] ? dot : base;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* " .py .yml" for the unread files, each kind once, sorted. */
static void add_kinds(struct pf_buf *out, const struct pf_scan_result *r)
{
	const char **k =
		pf_xcalloc(r->unread_nr ? r->unread_nr : 1, sizeof(*k));
	size_t n = 0, shown = 0;

	for (size_t i = 0; i < r->unread_nr; i++)
		k[i] = file_kind(r->unread[i]);
	qsort(k, r->unread_nr, sizeof(*k), cmp_str);
	for (size_t i = 0; i < r->unread_nr; i++) {
		if (i && !strcmp(k[i - 1], k[i]))
			continue;
		if (n++ < KINDS_NAMED) {
			pf_buf_addch(out, ' ');
			pf_buf_add_escaped(out, k[i], PF_ESC_CR | PF_ESC_OCTAL);
			shown++;
		}
	}
	if (n > shown)
		pf_buf_addf(out, " and %zu more", n - shown);
	free(k);
}

static size_t files_read(const struct pf_scan_result *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->runs_nr; i++)
		n += r->runs[i].files;
	return n;
}

static void add_changes(struct pf_buf *out, const struct pf_changeset *cs)
{
	size_t lines = pf_changeset_added_lines(cs);

	if (cs->commits_nr)
		pf_buf_addf(out, "%zu commit%s, ", cs->commits_nr,
			    cs->commits_nr == 1 ? "" : "s");
	pf_buf_addf(out, "%zu added line%s in %zu file%s", lines,
		    lines == 1 ? "" : "s", cs->nr, cs->nr == 1 ? "" : "s");
}

void pf_report_coverage(struct pf_buf *out, const struct pf_changeset *cs,
			const struct pf_scan_result *r)
{
	add_changes(out, cs);
	/* A scan that recorded no part (a scanner of its own): its name. */
	if (!r->runs_nr && r->engine[0])
		pf_buf_addf(out, ", %zu scanned by %s",
			    cs->nr > r->unread_nr ? cs->nr - r->unread_nr : 0,
			    r->engine);
	for (size_t i = 0; i < r->runs_nr; i++) {
		const struct pf_scan_engine_run *run = &r->runs[i];

		if (!run->files)
			continue;
		pf_buf_addf(out, ", %zu scanned by %s", run->files, run->name);
		if (run->failed)
			pf_buf_addf(out, " (%zu failed)", run->failed);
	}
	if (r->unread_nr) {
		pf_buf_addf(out, ", %zu read by no scanner:", r->unread_nr);
		add_kinds(out, r);
	}
}

int pf_report_nothing_read(const struct pf_changeset *cs,
			   const struct pf_scan_result *r)
{
	return cs->nr && r->unread_nr && !files_read(r);
}

void pf_report_unread(struct pf_buf *out, const struct pf_changeset *cs,
		      const struct pf_scan_result *r)
{
	int semgrep = 0;

	for (size_t i = 0; i < r->runs_nr; i++)
		semgrep |= !strcmp(r->runs[i].name, "semgrep");
	pf_buf_addstr(out, "nothing scanned: no scanner reads the pushed "
			   "files (");
	add_changes(out, cs);
	pf_buf_addstr(out, ":");
	add_kinds(out, r);
	/* Semgrep reads most languages; a scanner of its own reads what
	 * the user knows it reads. */
	pf_buf_addstr(out, semgrep ? "); set [scan] command to a scanner "
				     "that reads them"
				   : "); install Semgrep or set [scan] "
				     "command to scan them");
}

void pf_report_unread_paths(struct pf_buf *out, const struct pf_scan_result *r)
{
	for (size_t i = 0; i < r->unread_nr; i++) {
		pf_buf_addstr(out, i ? ", " : "read by no scanner: ");
		pf_buf_add_escaped(out, r->unread[i], PF_ESC_CR | PF_ESC_OCTAL);
	}
}

/* The "coverage" object's members (no braces): the line a person reads and
 * its parts, for tools. */
static void coverage_json(struct pf_buf *out, const struct pf_changeset *cs,
			  const struct pf_scan_result *r)
{
	struct pf_buf line = PF_BUF_INIT;

	pf_report_coverage(&line, cs, r);
	pf_buf_addstr(out, "\"summary\":");
	pf_buf_add_json_text(out, line.buf);
	pf_buf_addf(out,
		    ",\"commits\":%zu,\"files\":%zu,\"added_lines\":%zu,"
		    "\"scanners\":[",
		    cs->commits_nr, cs->nr, pf_changeset_added_lines(cs));
	for (size_t i = 0; i < r->runs_nr; i++) {
		const struct pf_scan_engine_run *run = &r->runs[i];

		pf_buf_addstr(out, i ? ",{\"name\":" : "{\"name\":");
		pf_buf_add_json_text(out, run->name);
		pf_buf_addf(out,
			    ",\"files\":%zu,\"findings\":%zu,"
			    "\"failed\":%zu}",
			    run->files, run->findings, run->failed);
	}
	pf_buf_addstr(out, "],\"unread\":[");
	for (size_t i = 0; i < r->unread_nr; i++) {
		if (i)
			pf_buf_addch(out, ',');
		pf_buf_add_json_text(out, r->unread[i]);
	}
	pf_buf_addch(out, ']');
	pf_buf_release(&line);
}

/* ---- UTF-8 ----------------------------------------------------------------
 */

/* ---- JSON ---------------------------------------------------------------- */

/* A JSON string; NULL is null; bytes that are not UTF-8 become U+FFFD so
 * that the report is valid JSON whatever the scanned file held. */
static void jstr(struct pf_buf *b, const char *s)
{
	if (s)
		pf_buf_add_json_text(b, s);
	else
		pf_buf_addstr(b, "null");
}

static void jkey(struct pf_buf *b, const char *key, int *first)
{
	if (!*first)
		pf_buf_addch(b, ',');
	*first = 0;
	pf_buf_addf(b, "\"%s\":", key);
}

static const char *fix_origin_name(enum pf_fix_origin o)
{
	return o == PF_FIX_LLM ? "llm" : "rule";
}

static double unit_interval(double d)
{
	return d >= 0 && d <= 1 ? d : 0; /* NaN too */
}

/* A fix's text may hold the credential of its line: never whole. */
static void jstr_masked(struct pf_buf *b, const char *s)
{
	struct pf_buf m = PF_BUF_INIT;

	pf_secret_mask_text(&m, s, strlen(s));
	jstr(b, m.buf);
	pf_buf_release(&m);
}

/* The mode a report shows: effective with the config, else as named. */
static const char *mode_name(const struct pf_finding *f,
			     const struct pf_report_opts *o)
{
	return pf_mode_name(o && o->cfg ? pf_policy_effective(o->cfg, f)
					: f->mode);
}

static void json_finding(struct pf_buf *b, const struct pf_finding *f,
			 const struct pf_report_opts *o)
{
	int first = 1;
	const char *mode = mode_name(f, o);

	pf_buf_addch(b, '{');
	jkey(b, "rule_id", &first);
	jstr(b, f->rule_id);
	jkey(b, "path", &first);
	jstr(b, f->path);
	jkey(b, "start_line", &first);
	pf_buf_addf(b, "%u", (unsigned)f->start.line);
	jkey(b, "end_line", &first);
	pf_buf_addf(b, "%u", (unsigned)f->end.line);
	jkey(b, "start_col", &first);
	pf_buf_addf(b, "%u", (unsigned)f->start.col);
	jkey(b, "end_col", &first);
	pf_buf_addf(b, "%u", (unsigned)f->end.col);
	jkey(b, "severity", &first);
	jstr(b, pf_severity_name(f->severity));
	jkey(b, "message", &first);
	jstr(b, f->message);
	jkey(b, "fingerprint", &first);
	jstr(b, f->fingerprint[0] ? f->fingerprint : NULL);
	jkey(b, "mode", &first);
	jstr(b, *mode ? mode : NULL);
	if (pf_finding_count(f) > 1) {
		jkey(b, "count", &first);
		pf_buf_addf(b, "%zu", pf_finding_count(f));
	}
	jkey(b, "cwe", &first);
	jstr(b, f->cwe);
	jkey(b, "owasp", &first);
	jstr(b, f->owasp);
	jkey(b, "lines", &first);
	jstr(b, f->lines);
	jkey(b, "fix", &first);
	if (f->fix.replacement) {
		int ff = 1;

		pf_buf_addch(b, '{');
		jkey(b, "origin", &ff);
		jstr(b, fix_origin_name(f->fix.origin));
		jkey(b, "start_line", &ff);
		pf_buf_addf(b, "%u", (unsigned)f->fix.start_line);
		jkey(b, "end_line", &ff);
		pf_buf_addf(b, "%u", (unsigned)f->fix.end_line);
		jkey(b, "replacement", &ff);
		jstr_masked(b, f->fix.replacement);
		jkey(b, "state", &ff);
		jstr(b, pf_fix_state_name(f->fix.state));
		jkey(b, "note", &ff);
		jstr(b, f->fix.note);
		pf_buf_addch(b, '}');
	} else {
		pf_buf_addstr(b, "null");
	}
	jkey(b, "triage", &first);
	if (f->triage.verdict != PF_VERDICT_NONE || f->triage.error) {
		int tf = 1;

		pf_buf_addch(b, '{');
		jkey(b, "verdict", &tf);
		jstr(b, pf_verdict_name(f->triage.verdict));
		jkey(b, "confidence", &tf);
		pf_buf_addf(b, "%.2f", unit_interval(f->triage.confidence));
		jkey(b, "reason", &tf);
		jstr(b, f->triage.reason);
		jkey(b, "error", &tf);
		jstr(b, f->triage.error);
		jkey(b, "cached", &tf);
		pf_buf_addstr(b, f->triage.cached ? "true" : "false");
		jkey(b, "component", &tf);
		jstr(b, f->triage.component);
		/* Why `fix` is null: the suggestion changed nothing. */
		if (!f->fix.replacement && f->fix.note) {
			jkey(b, "note", &tf);
			jstr(b, f->fix.note);
		}
		pf_buf_addch(b, '}');
	} else {
		pf_buf_addstr(b, "null");
	}
	pf_buf_addch(b, '}');
}

static const enum pf_severity sev_order[] = {
	PF_SEV_CRITICAL, PF_SEV_ERROR, PF_SEV_WARNING,
	PF_SEV_LOW,	 PF_SEV_INFO,  PF_SEV_UNKNOWN,
};

void pf_report_json(struct pf_buf *out, const struct pf_findings *fs,
		    const struct pf_report_opts *o)
{
	size_t count[PF_SEV_CRITICAL + 1] = { 0 }, total = 0, ignored = 0;
	int first = 1;

	pf_buf_addstr(out, "{\"version\":1,\"tool\":{\"name\":\"pushfix\","
			   "\"engine\":");
	jstr(out, o ? o->engine : NULL);
	pf_buf_addstr(out, "},\"findings\":[");
	for (size_t i = 0; i < fs->nr; i++) {
		const struct pf_finding *f = &fs->v[i];

		if (f->ignored) {
			ignored++;
			continue;
		}
		if (!first)
			pf_buf_addch(out, ',');
		first = 0;
		pf_buf_addstr(out, "\n  ");
		json_finding(out, f, o);
		total++;
		if ((unsigned)f->severity <= PF_SEV_CRITICAL)
			count[f->severity]++;
	}
	pf_buf_addf(out,
		    "%s],\"summary\":{\"total\":%zu,\"ignored\":%zu,"
		    "\"monitored\":%zu,\"by_severity\":{",
		    first ? "" : "\n", total, ignored, o ? o->monitored : 0);
	for (size_t i = 0; i < PF_ARRAY_SIZE(sev_order); i++)
		pf_buf_addf(out, "%s\"%s\":%zu", i ? "," : "",
			    pf_severity_name(sev_order[i]),
			    count[sev_order[i]]);
	pf_buf_addstr(out, "}}");
	if (o && o->cs && o->scan) {
		pf_buf_addstr(out, ",\"coverage\":{");
		coverage_json(out, o->cs, o->scan);
		pf_buf_addch(out, '}');
	}
	pf_buf_addstr(out, "}\n");
}

void pf_report_sarif(struct pf_buf *out, const struct pf_findings *fs,
		     const struct pf_report_opts *o)
{
	struct pf_buf name = PF_BUF_INIT, props = PF_BUF_INIT;
	struct pf_findings copy = PF_FINDINGS_INIT;

	/* Never the bare engine name: a driver called "semgrep" would be
	 * read back with Semgrep's byte columns. */
	if (o && o->engine && *o->engine)
		pf_buf_addf(&name, "pushfix (%s)", o->engine);
	else
		pf_buf_addstr(&name, "pushfix");
	/* Fixes masked as in JSON: a copy only when one holds a secret. */
	for (size_t i = 0; i < fs->nr; i++) {
		const char *r = fs->v[i].fix.replacement;
		struct pf_buf m = PF_BUF_INIT;

		if (!r)
			continue;
		pf_secret_mask_text(&m, r, strlen(r));
		if (strcmp(m.buf, r)) {
			if (!copy.nr)
				for (size_t k = 0; k < fs->nr; k++)
					pf_finding_copy(pf_findings_push(&copy),
							&fs->v[k]);
			free(copy.v[i].fix.replacement);
			copy.v[i].fix.replacement = pf_buf_detach(&m, NULL);
		}
		pf_buf_release(&m);
	}
	if (o && o->cs && o->scan) {
		pf_buf_addstr(&props, "\"pushfix/coverage\":{");
		coverage_json(&props, o->cs, o->scan);
		pf_buf_addch(&props, '}');
	}
	/* Monitored findings are left out, counted here. */
	if (o && o->monitored)
		pf_buf_addf(&props, "%s\"pushfix/monitored\":%zu",
			    props.len ? "," : "", o->monitored);
	pf_sarif_write_props(out, copy.nr ? &copy : fs, name.buf, props.buf);
	pf_buf_release(&props);
	pf_findings_release(&copy);
	pf_buf_release(&name);
}

/* ---- text ------------------------------------------------------------------
 */

#define C_RESET "\033[m"
#define C_BOLD "\033[1m"
#define C_DIM "\033[2m"
#define C_GREEN "\033[32m"

static const char *sev_color(enum pf_severity s)
{
	switch (s) {
	case PF_SEV_CRITICAL:
		return "\033[1;35m";
	case PF_SEV_ERROR:
		return "\033[1;31m";
	case PF_SEV_WARNING:
		return "\033[33m";
	case PF_SEV_LOW:
	case PF_SEV_INFO:
		return "\033[36m";
	case PF_SEV_UNKNOWN:
		break;
	}
	return "";
}

/*
 * Append at most `max` display columns of s (up to '\n' or NUL), tabs
 * expanded, control bytes shown as '?' (a scanned file must not drive the
 * terminal), invalid UTF-8 as '?'.  Returns the columns used; sets
 * *cut when something was left out.
 */
static size_t add_visible(struct pf_buf *b, const char *s, size_t max, int *cut)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t col = 0, n = strcspn(s, "\n");

	*cut = 0;
	while (n) {
		size_t l = pf_utf8_valid(p, n), w = 1;

		if (*p == '\t')
			w = 8 - col % 8;
		if (max && col + w > max) {
			*cut = 1;
			break;
		}
		if (*p == '\t')
			pf_buf_addf(b, "%*s", (int)w, "");
		else if (!l || *p < 0x20 || *p == 0x7f)
			pf_buf_addch(b, '?');
		else
			pf_buf_add(b, p, l);
		col += w;
		if (!l)
			l = 1;
		p += l;
		n -= l;
	}
	return col;
}

/* Word-wrap `text` (white space folded) at `width`, each line starting
 * with `indent` but the first, with `first`. */
static void add_wrapped_first(struct pf_buf *b, const char *text,
			      const char *first, const char *indent,
			      size_t width)
{
	size_t ind = strlen(first), col = 0;
	const char *s = text ? text : "";

	for (;;) {
		size_t wl;
		char *word;
		int cut;

		while (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r')
			s++;
		if (!*s)
			break;
		wl = strcspn(s, " \n\t\r");
		if (col && col + 1 + wl > width) {
			pf_buf_addch(b, '\n');
			col = 0;
		}
		if (!col) {
			pf_buf_addstr(b, first);
			col = ind;
			first = indent;
			ind = strlen(indent);
		} else {
			pf_buf_addch(b, ' ');
			col++;
		}
		word = pf_xstrndup(s, wl);
		col += add_visible(b, word, 0, &cut);
		free(word);
		s += wl;
	}
	if (col)
		pf_buf_addch(b, '\n');
}

/* Every line with `indent`. */
static void add_wrapped(struct pf_buf *b, const char *text, const char *indent,
			size_t width)
{
	add_wrapped_first(b, text, indent, indent, width);
}

/* The caller's width (the terminal's, pf_ui_width()), never so narrow
 * that the margins below leave no room for code. */
static size_t report_width(const struct pf_report_opts *o)
{
	return o->width >= 20 ? o->width : WIDTH;
}

static void add_code(struct pf_buf *b, const char *lines, uint32_t first,
		     char mark, const struct pf_report_opts *o)
{
	const char *s = lines;
	uint32_t n = 0;

	while (s) {
		const char *nl = strchr(s, '\n');
		int cut;

		if (!o->verbose && n == MAX_LINES) {
			uint32_t more = *s ? 1 : 0;

			for (const char *p = s; (p = strchr(p, '\n')); p++)
				more += p[1] != '\0';
			pf_buf_addf(b, "  %s... (%u more line%s)%s\n",
				    o->color ? C_DIM : "", (unsigned)more,
				    more == 1 ? "" : "s",
				    o->color ? C_RESET : "");
			return;
		}
		if (!nl && !*s && n)
			return; /* the '\n' ending the last line */
		pf_buf_addf(b, "  %s%5u %c%s ", o->color ? C_DIM : "",
			    (unsigned)(first + n), mark,
			    o->color ? C_RESET : "");
		if (o->color && mark == '+')
			pf_buf_addstr(b, C_GREEN);
		{
			/* 10 columns of margin; a cut line ends in "...". */
			struct pf_buf t = PF_BUF_INIT;
			size_t w = add_visible(&t, s, 0, &cut);

			if (!o->verbose && w > report_width(o) - 10) {
				add_visible(b, s, report_width(o) - 13, &cut);
				pf_buf_addstr(b, "...");
			} else {
				pf_buf_add(b, t.buf, t.len);
			}
			pf_buf_release(&t);
		}
		if (o->color && mark == '+')
			pf_buf_addstr(b, C_RESET);
		pf_buf_addch(b, '\n');
		n++;
		s = nl ? nl + 1 : NULL;
	}
}

static void text_finding(struct pf_buf *b, const struct pf_finding *f,
			 const struct pf_report_opts *o)
{
	int cut;

	if (o->color)
		pf_buf_addstr(b, C_BOLD);
	add_visible(b, f->path ? f->path : "?", 0, &cut);
	pf_buf_addf(b, ":%u:%s ", (unsigned)f->start.line,
		    o->color ? C_RESET : "");
	if (o->color)
		pf_buf_addstr(b, sev_color(f->severity));
	pf_buf_addstr(b, pf_severity_name(f->severity));
	if (o->color)
		pf_buf_addstr(b, C_RESET);
	pf_buf_addch(b, ' ');
	add_visible(b, f->rule_id ? f->rule_id : "?", 0, &cut);
	/* Identical reports merged into this one (pf_findings_merge). */
	if (pf_finding_count(f) > 1)
		pf_buf_addf(b, " (reported %zu times)", pf_finding_count(f));
	pf_buf_addch(b, '\n');
	/* Only a mode [rules] names: the default says nothing new. */
	if (f->mode == PF_MODE_BLOCK || f->mode == PF_MODE_COMMENT)
		pf_buf_addf(b, "  mode: %s\n", pf_mode_name(f->mode));
	add_wrapped(b, f->message, "  ", report_width(o));
	if (o->verbose && f->cwe)
		add_wrapped(b, f->cwe, "  ", report_width(o));
	if (f->lines)
		add_code(b, f->lines, f->start.line, '|', o);
	if (f->triage.verdict != PF_VERDICT_NONE) {
		struct pf_buf t = PF_BUF_INIT;

		pf_buf_addf(&t, "triage: %s%s%s%s (%.0f%%)%s %s",
			    pf_verdict_name(f->triage.verdict),
			    f->triage.component ? " [" : "",
			    f->triage.component ? f->triage.component : "",
			    f->triage.component ? "]" : "",
			    unit_interval(f->triage.confidence) * 100,
			    f->triage.reason ? ":" : "",
			    f->triage.reason ? f->triage.reason : "");
		add_wrapped(b, t.buf, "  ", report_width(o));
		pf_buf_release(&t);
	} else if (f->triage.error && o->verbose) {
		struct pf_buf t = PF_BUF_INIT;

		pf_buf_addf(&t, "not triaged: %s", f->triage.error);
		add_wrapped(b, t.buf, "  ", report_width(o));
		pf_buf_release(&t);
	}
	if (f->fix.replacement) {
		pf_buf_addf(b, "  %s fix (%s), line%s %u",
			    f->fix.origin == PF_FIX_LLM ? "suggested" : "rule",
			    pf_fix_state_name(f->fix.state),
			    f->fix.end_line > f->fix.start_line ? "s" : "",
			    (unsigned)f->fix.start_line);
		if (f->fix.end_line > f->fix.start_line)
			pf_buf_addf(b, "-%u", (unsigned)f->fix.end_line);
		pf_buf_addstr(b, ":\n");
		if (f->fix.note)
			add_wrapped(b, f->fix.note, "    ", report_width(o));
		if (*f->fix.replacement) {
			struct pf_buf m = PF_BUF_INIT;

			pf_secret_mask_text(&m, f->fix.replacement,
					    strlen(f->fix.replacement));
			add_code(b, m.buf, f->fix.start_line, '+', o);
			pf_buf_release(&m);
		} else
			pf_buf_addstr(b, "    (the lines are removed)\n");
	} else if (f->fix.note) {
		struct pf_buf t = PF_BUF_INIT;

		pf_buf_addf(&t, "no fix: %s", f->fix.note);
		add_wrapped(b, t.buf, "  ", report_width(o));
		pf_buf_release(&t);
	}
}

void pf_report_text(struct pf_buf *out, const struct pf_findings *fs,
		    const struct pf_report_opts *o)
{
	static const struct pf_report_opts none = { 0 };
	size_t count[PF_SEV_CRITICAL + 1] = { 0 }, total = 0, ignored = 0;
	int any = 0;

	if (!o)
		o = &none;
	for (size_t i = 0; i < fs->nr; i++) {
		const struct pf_finding *f = &fs->v[i];

		if (f->ignored) {
			ignored++;
			continue;
		}
		if (total)
			pf_buf_addch(out, '\n');
		text_finding(out, f, o);
		total++;
		if ((unsigned)f->severity <= PF_SEV_CRITICAL)
			count[f->severity]++;
	}
	if (total)
		pf_buf_addch(out, '\n');
	if (!total) {
		pf_buf_addstr(out, "no findings");
	} else {
		pf_buf_addf(out, "%zu finding%s (", total,
			    total == 1 ? "" : "s");
		for (size_t i = 0; i < PF_ARRAY_SIZE(sev_order); i++) {
			size_t c = count[sev_order[i]];

			if (!c)
				continue;
			pf_buf_addf(out, "%s%zu %s", any ? ", " : "", c,
				    pf_severity_name(sev_order[i]));
			any = 1;
		}
		pf_buf_addch(out, ')');
	}
	if (ignored)
		pf_buf_addf(out, "; %zu ignored", ignored);
	if (o->monitored)
		pf_buf_addf(out, "; %zu monitored", o->monitored);
	pf_buf_addch(out, '\n');
}

void pf_report_coverage_text(struct pf_buf *out, const struct pf_changeset *cs,
			     const struct pf_scan_result *r, unsigned width)
{
	struct pf_buf line = PF_BUF_INIT;

	pf_report_coverage(&line, cs, r);
	add_wrapped_first(out, line.buf, "covered: ", "  ", width ? width : 80);
	pf_buf_release(&line);
}

/* ---- GitLab SAST --------------------------------------------------------- */

/* GitLab's severities: Critical, High, Medium, Low, Info, Unknown. */
static const char *gitlab_severity(enum pf_severity s)
{
	switch (s) {
	case PF_SEV_CRITICAL:
		return "Critical";
	case PF_SEV_ERROR:
		return "High";
	case PF_SEV_WARNING:
		return "Medium";
	case PF_SEV_LOW:
		return "Low";
	case PF_SEV_INFO:
		return "Info";
	default:
		return "Unknown";
	}
}

/* Each "CWE-89" of f->cwe ("CWE-89: SQL...; CWE-20: ...") as an
 * identifier, which GitLab links to MITRE. */
static void gitlab_cwes(struct pf_buf *out, const char *cwe)
{
	const char *p = cwe;

	while (p && (p = strstr(p, "CWE-"))) {
		size_t n = strspn(p + 4, "0123456789");

		if (n && n < 10)
			pf_buf_addf(out,
				    ",{\"type\":\"cwe\",\"name\":\"CWE-%.*s\","
				    "\"value\":\"%.*s\",\"url\":\"https://cwe."
				    "mitre.org/data/definitions/%.*s.html\"}",
				    (int)n, p + 4, (int)n, p + 4, (int)n,
				    p + 4);
		p += 4 + n;
	}
}

void pf_report_gitlab_sast(struct pf_buf *out, const struct pf_findings *fs,
			   const struct pf_report_opts *o, time_t now)
{
	const char *version = o && o->version ? o->version : "0";
	char when[32];
	struct tm tm;
	int first = 1;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	pf_buf_addstr(out, "{\"version\":\"15.0.7\",\"vulnerabilities\":[");
	for (size_t i = 0; i < fs->nr; i++) {
		const struct pf_finding *f = &fs->v[i];
		struct pf_buf d = PF_BUF_INIT;

		if (f->ignored)
			continue;
		pf_buf_addstr(out, first ? "\n  {" : ",\n  {");
		first = 0;
		/* The fingerprint ignores position: GitLab keeps one
		 * vulnerability across pipelines while the code moves. */
		pf_buf_addstr(out, "\"id\":");
		jstr(out, *f->fingerprint ? f->fingerprint : f->rule_id);
		pf_buf_addstr(out, ",\"category\":\"sast\",\"name\":");
		jstr(out, f->rule_id);
		pf_buf_addstr(out, ",\"description\":");
		pf_buf_addstr(&d, f->message ? f->message : "");
		if (f->triage.verdict != PF_VERDICT_NONE) {
			pf_buf_addf(&d, "\n\npushfix triage: %s (%.0f%%)",
				    pf_verdict_name(f->triage.verdict),
				    f->triage.confidence * 100);
			if (f->triage.reason)
				pf_buf_addf(&d, ": %s", f->triage.reason);
		}
		if (*mode_name(f, o))
			pf_buf_addf(&d, "\n\npushfix mode: %s",
				    mode_name(f, o));
		jstr_masked(out, d.buf);
		pf_buf_release(&d);
		pf_buf_addf(out, ",\"severity\":\"%s\"",
			    gitlab_severity(f->severity));
		pf_buf_addstr(out, ",\"location\":{\"file\":");
		jstr(out, f->path);
		pf_buf_addf(out, ",\"start_line\":%u,\"end_line\":%u}",
			    f->start.line ? f->start.line : 1,
			    f->end.line >= f->start.line ? f->end.line
							 : f->start.line);
		pf_buf_addstr(out, ",\"identifiers\":[{\"type\":\"pushfix_"
				   "rule\",\"name\":");
		jstr(out, f->rule_id);
		pf_buf_addstr(out, ",\"value\":");
		jstr(out, f->rule_id);
		pf_buf_addch(out, '}');
		gitlab_cwes(out, f->cwe);
		pf_buf_addstr(out, "]}");
	}
	pf_buf_addf(out,
		    "%s],\"scan\":{\"analyzer\":{\"id\":\"pushfix\","
		    "\"name\":\"pushfix\",\"version\":\"%s\",\"vendor\":"
		    "{\"name\":\"pushfix\"}},\"scanner\":{\"id\":\"pushfix\","
		    "\"name\":",
		    first ? "" : "\n", version);
	jstr(out, o && o->engine && *o->engine ? o->engine : "pushfix");
	pf_buf_addf(out,
		    ",\"version\":\"%s\",\"vendor\":{\"name\":\"pushfix\"}},"
		    "\"type\":\"sast\",\"start_time\":\"%s\",\"end_time\":"
		    "\"%s\",\"status\":\"success\"}}\n",
		    version, when, when);
}
