/*
 * What the mirror writes on a pull/merge request: the hidden fingerprint
 * markers that make posting idempotent, and each finding's comment text.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/util.h"

#include "mirror_int.h"

void pf_mirror_marker(struct pf_buf *out, const char *fingerprint)
{
	pf_buf_addf(out, "%s%s -->", PF_MIRROR_MARKER, fingerprint);
}

void pf_mirror_fps_release(struct pf_mirror_fps *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nr; i++)
		free(s->v[i]);
	free(s->v);
	memset(s, 0, sizeof(*s));
}

int pf_mirror_fps_has(const struct pf_mirror_fps *s, const char *fp)
{
	for (size_t i = 0; i < s->nr; i++)
		if (!strcmp(s->v[i], fp))
			return 1;
	return 0;
}

void pf_mirror_fps_add(struct pf_mirror_fps *s, const char *fp)
{
	if (pf_mirror_fps_has(s, fp))
		return;
	PF_ALLOC_GROW(s->v, s->nr + 1, s->alloc);
	s->v[s->nr++] = pf_xstrdup(fp);
}

static void scan_line(struct pf_mirror_fps *s, const char *p, const char *e)
{
	const size_t ml = strlen(PF_MIRROR_MARKER);

	while (p < e &&
	       (p = memmem(p, (size_t)(e - p), PF_MIRROR_MARKER, ml))) {
		const char *h = p + ml;
		size_t n = 0;

		while (h + n < e && n < 64 &&
		       ((h[n] >= '0' && h[n] <= '9') ||
			(h[n] >= 'a' && h[n] <= 'f')))
			n++;
		if (n >= 8 && e - (h + n) >= 4 && !strncmp(h + n, " -->", 4)) {
			char fp[65];

			memcpy(fp, h, n);
			fp[n] = '\0';
			pf_mirror_fps_add(s, fp);
		}
		p = h;
	}
}

/*
 * Markers count outside fenced code only: a fix's code may contain any
 * text, and must not make a finding look posted.
 */
void pf_mirror_fps_scan(struct pf_mirror_fps *s, const char *text)
{
	const char *p = text;
	size_t fence = 0; /* backticks of the open fence, 0: none */

	while (p && *p) {
		const char *e = p + strcspn(p, "\n");
		size_t ticks = strspn(p, "`");

		if (fence) {
			const char *q = p + ticks;

			while (q < e && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (ticks >= fence && q == e)
				fence = 0;
		} else if (ticks >= 3) {
			fence = ticks;
		} else {
			scan_line(s, p, e);
		}
		p = *e ? e + 1 : e;
	}
}

/* Text from the scanner or the LLM: no raw HTML (so no forged marker),
 * no @mention that would notify someone, no code fence. */
static void add_text(struct pf_buf *out, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '<')
			pf_buf_addstr(out, "&lt;");
		else if (*s == '>')
			pf_buf_addstr(out, "&gt;");
		else if (*s == '@' && (isalnum((unsigned char)s[1]) ||
				       s[1] == '-' || s[1] == '_'))
			pf_buf_addstr(out, "&#64;");
		else if ((*s == '`' || *s == '~') && s[1] == *s && s[2] == *s) {
			/* no code fence: it would swallow what follows */
			for (; s[1] == s[0]; s++) {
				pf_buf_addch(out, '\\');
				pf_buf_addch(out, *s);
			}
			pf_buf_addch(out, '\\');
			pf_buf_addch(out, *s);
		} else {
			pf_buf_addch(out, *s);
		}
	}
}

/* Inside `code`: backticks would end it. */
static void add_code(struct pf_buf *out, const char *s)
{
	pf_buf_addch(out, '`');
	for (; s && *s; s++)
		pf_buf_addch(out, *s == '`' || *s == '\n' ? '\'' : *s);
	pf_buf_addch(out, '`');
}

/* A fence longer than any run of backticks in the text (at least 3). */
static size_t fence_len(const char *s)
{
	size_t best = 0, run = 0;

	for (; s && *s; s++) {
		run = *s == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best + 1 < 3 ? 3 : best + 1;
}

static void add_fence(struct pf_buf *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pf_buf_addch(out, '`');
}

static void add_lines_label(struct pf_buf *out, uint32_t a, uint32_t b)
{
	if (a == b)
		pf_buf_addf(out, "line %u", a);
	else
		pf_buf_addf(out, "lines %u-%u", a, b);
}

static const char *verdict_words(const char *v)
{
	if (!v)
		return NULL;
	if (!strcmp(v, "true_positive"))
		return "true positive";
	if (!strcmp(v, "false_positive"))
		return "false positive";
	if (!strcmp(v, "uncertain"))
		return "uncertain";
	return v;
}

static void render_fix(struct pf_buf *out, const struct pf_outbox_finding *f,
		       enum pf_forge forge, const struct pf_mirror_anchor *a)
{
	const char *r = f->fix.replacement ? f->fix.replacement : "";
	size_t rl = strlen(r), fl = fence_len(r);
	const char *origin = f->fix.origin && !strcmp(f->fix.origin, "rule")
				     ? "from the rule"
				     : "by the LLM";
	const char *state = !f->fix.state ? ""
			    : !strcmp(f->fix.state, "verified")
				    ? ", verified by a re-scan"
			    : !strcmp(f->fix.state, "unverified")
				    ? ", not verified by a re-scan"
				    : "";

	if (rl && r[rl - 1] == '\n')
		rl--;
	if (a && a->suggestion) {
		pf_buf_addf(out, "**Suggested fix** (%s%s):\n", origin, state);
		add_fence(out, fl);
		if (forge == PF_FORGE_GITLAB)
			pf_buf_addf(out, "suggestion:-0+%u", a->end - a->start);
		else
			pf_buf_addstr(out, "suggestion");
	} else {
		pf_buf_addf(out, "**Suggested fix** (%s%s), to replace ",
			    origin, state);
		add_lines_label(out, f->fix.start_line, f->fix.end_line);
		pf_buf_addstr(out, a ? " (not all in this diff, so apply it "
				       "by hand):\n"
				     : ":\n");
		add_fence(out, fl);
	}
	pf_buf_addch(out, '\n');
	pf_buf_add(out, r, rl);
	if (rl)
		pf_buf_addch(out, '\n');
	add_fence(out, fl);
	pf_buf_addstr(out, "\n\n");
}

void pf_mirror_render(struct pf_buf *out, const struct pf_outbox_finding *f,
		      enum pf_forge forge, const struct pf_mirror_anchor *a)
{
	const char *sev = f->severity && *f->severity ? f->severity : "UNKNOWN";
	size_t meta;

	if (!a) {
		pf_buf_addstr(out, "**");
		add_code(out, f->path);
		pf_buf_addch(out, ' ');
		add_lines_label(out, f->start_line, f->end_line);
		pf_buf_addstr(out, "** · ");
	}
	pf_buf_addstr(out, "**pushfix** · **");
	add_text(out, sev);
	pf_buf_addstr(out, "** · ");
	add_code(out, f->rule_id);
	pf_buf_addstr(out, "\n\n");
	add_text(out, f->message);
	pf_buf_addstr(out, "\n\n");
	meta = out->len;
	if (f->verdict) {
		pf_buf_addf(out, "**Triage:** %s (%.0f%% confidence)",
			    verdict_words(f->verdict), f->confidence * 100);
		if (f->reason && *f->reason) {
			pf_buf_addstr(out, ": ");
			add_text(out, f->reason);
		}
		pf_buf_addch(out, '\n');
		if (f->component && *f->component) {
			pf_buf_addstr(out, "**Component:** ");
			add_code(out, f->component);
			pf_buf_addch(out, '\n');
		}
	} else if (f->triage_error && *f->triage_error) {
		pf_buf_addstr(out, "**Triage:** none (");
		add_text(out, f->triage_error);
		pf_buf_addstr(out, ")\n");
	}
	if (f->feedback > 0)
		pf_buf_addstr(out, "**Developer feedback:** agrees with this "
				   "triage\n");
	else if (f->feedback < 0)
		pf_buf_addstr(out, "**Developer feedback:** disagrees with "
				   "this triage\n");
	if (f->cwe && *f->cwe) {
		pf_buf_addstr(out, "**CWE:** ");
		add_text(out, f->cwe);
		pf_buf_addch(out, '\n');
	}
	if (out->len > meta)
		pf_buf_addch(out, '\n');
	if (f->has_fix)
		render_fix(out, f, forge, a);
	pf_mirror_marker(out, f->fingerprint);
	pf_buf_addch(out, '\n');
}

#define FEEDBACK_CMD "/pushfix"
#define FEEDBACK_REASON_MAX 200

int pf_mirror_feedback_parse(const char *body, int *agree, char **reason)
{
	const char *p = body, *w, *e;
	size_t n;

	if (!p)
		return 0;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (strncmp(p, FEEDBACK_CMD, strlen(FEEDBACK_CMD)))
		return 0;
	p += strlen(FEEDBACK_CMD);
	if (*p != ' ' && *p != '\t')
		return 0;
	while (*p == ' ' || *p == '\t')
		p++;
	w = p;
	while (*p && !strchr(" \t\r\n:,.", *p))
		p++;
	n = (size_t)(p - w);
	if (n == 5 && !strncasecmp(w, "agree", 5))
		*agree = 1;
	else if (n == 8 && !strncasecmp(w, "disagree", 8))
		*agree = 0;
	else
		return 0;
	if (!reason)
		return 1;
	*reason = NULL;
	while (*p && strchr(" \t:,.-", *p))
		p++;
	e = p + strcspn(p, "\r\n");
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e > p) {
		char *r;

		n = (size_t)(e - p);
		r = pf_xstrndup(p, n > FEEDBACK_REASON_MAX ? FEEDBACK_REASON_MAX
							   : n);
		/* Someone else's words, shown on a terminal later. */
		for (char *q = r; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				*q = ' ';
		*reason = r;
	}
	return 1;
}

char *pf_mirror_first_fp(const char *text)
{
	struct pf_mirror_fps s = PF_MIRROR_FPS_INIT;
	char *fp = NULL;

	pf_mirror_fps_scan(&s, text);
	if (s.nr)
		fp = pf_xstrdup(s.v[0]);
	pf_mirror_fps_release(&s);
	return fp;
}

void pf_mirror_reply_take(struct pf_mirror_ctx *c, int checked, int may_write,
			  const char *fp, const char *author, double id,
			  int agree, const char *reason)
{
	struct pf_mirror_reply *r;
	char ids[32];

	if (checked) {
		fprintf(c->out,
			"pushfix: cannot check the write access of %s (%s); "
			"their reply waits\n",
			author, pf_error_last());
		pf_error_clear();
		return;
	}
	if (!may_write) {
		if (c->verbose)
			fprintf(c->out,
				"pushfix: ignored /pushfix %s by %s: no write "
				"access to the repository\n",
				agree ? "agree" : "disagree", author);
		return;
	}
	snprintf(ids, sizeof(ids), "%.0f", id);
	PF_ALLOC_GROW(c->replies, c->replies_nr + 1, c->replies_alloc);
	r = &c->replies[c->replies_nr++];
	r->fingerprint = pf_xstrdup(fp);
	r->author = pf_xstrdup(author);
	r->id = pf_xstrdup(ids);
	r->reason = pf_xstrdup_or_null(reason);
	r->agree = agree;
}
