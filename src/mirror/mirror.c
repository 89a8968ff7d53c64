/*
 * The mirror stage: markers, the forge's diff, comment text, the request
 * helper shared by github.c/gitlab.c/slack.c, the outbox worker and the
 * `pushfix mirror` command, and the hook's enqueue/spawn.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <git2.h>

#include "pushfix/err.h"
#include "pushfix/mirror.h"
#include "pushfix/pipeline.h"
#include "pushfix/proc.h"
#include "pushfix/store.h"
#include "pushfix/util.h"

#define PAGE_CAP 200	      /* pages of one listing */
#define LOG_ROTATE (1u << 20) /* mirror.log beyond this -> mirror.log.1 */
#define DEFAULT_WAIT_S 120
#define FRESH_S 600 /* entries younger than this: wait for the remote */
#define USER_AGENT "User-Agent: pushfix"

/* ---- markers ---- */

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

/* ---- diff map ---- */

void pf_mirror_diff_release(struct pf_mirror_diff *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nr; i++) {
		free(d->v[i].path);
		free(d->v[i].old_path);
		free(d->v[i].v);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static struct pf_mirror_diff_file *
diff_file_new(struct pf_mirror_diff *d, const char *path, const char *old_path)
{
	struct pf_mirror_diff_file *f;

	/* a path twice (two patches of one file): one line map */
	for (size_t i = 0; i < d->nr; i++)
		if (!strcmp(d->v[i].path, path))
			return &d->v[i];
	PF_ALLOC_GROW(d->v, d->nr + 1, d->alloc);
	f = &d->v[d->nr++];
	memset(f, 0, sizeof(*f));
	f->path = pf_xstrdup(path);
	f->old_path = pf_xstrdup(old_path && *old_path ? old_path : path);
	return f;
}

static int cmp_line(const void *a, const void *b)
{
	const struct pf_mirror_diff_line *x = a, *y = b;

	return x->new_line < y->new_line ? -1 : x->new_line > y->new_line;
}

static void diff_file_finish(struct pf_mirror_diff_file *f)
{
	size_t w = 0;

	if (f->nr > 1)
		qsort(f->v, f->nr, sizeof(*f->v), cmp_line);
	for (size_t i = 0; i < f->nr; i++)
		if (!w || f->v[w - 1].new_line != f->v[i].new_line)
			f->v[w++] = f->v[i];
	f->nr = w;
}

static int parse_range(const char **pp, const char *end, char sign,
		       uint32_t *start, uint32_t *count)
{
	const char *p = *pp;
	unsigned long v = 0;

	if (p >= end || *p != sign)
		return -1;
	p++;
	if (p >= end || !isdigit((unsigned char)*p))
		return -1;
	while (p < end && isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long)(*p++ - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*start = (uint32_t)v;
	*count = 1;
	if (p < end && *p == ',') {
		p++;
		v = 0;
		if (p >= end || !isdigit((unsigned char)*p))
			return -1;
		while (p < end && isdigit((unsigned char)*p)) {
			v = v * 10 + (unsigned long)(*p++ - '0');
			if (v > UINT32_MAX)
				return -1;
		}
		*count = (uint32_t)v;
	}
	*pp = p;
	return 0;
}

/* "@@ -a[,b] +c[,d] @@..." */
static int parse_hunk_header(const char *p, const char *end, uint32_t *os,
			     uint32_t *oc, uint32_t *ns, uint32_t *nc)
{
	if (end - p < 4 || strncmp(p, "@@ ", 3))
		return -1;
	p += 3;
	if (parse_range(&p, end, '-', os, oc))
		return -1;
	if (p >= end || *p++ != ' ')
		return -1;
	if (parse_range(&p, end, '+', ns, nc))
		return -1;
	if (end - p < 3 || strncmp(p, " @@", 3))
		return -1;
	return 0;
}

static const char *line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl ? nl : end;
}

static const char *next_line(const char *p, const char *end)
{
	const char *e = line_end(p, end);

	return e < end ? e + 1 : end;
}

static void add_line(struct pf_mirror_diff_file *f, uint32_t new_line,
		     uint32_t old_line, char kind)
{
	PF_ALLOC_GROW(f->v, f->nr + 1, f->alloc);
	f->v[f->nr].new_line = new_line;
	f->v[f->nr].old_line = old_line;
	f->v[f->nr].hunk = f->hunks;
	f->v[f->nr].kind = kind;
	f->nr++;
}

/*
 * Consume one hunk whose header is at *pp; f may be NULL (a deleted
 * file: nothing is commentable on the new side).
 */
static int take_hunk(struct pf_mirror_diff_file *f, const char **pp,
		     const char *end, unsigned lineno)
{
	const char *p = *pp, *e = line_end(p, end);
	uint32_t os, oc, ns, nc, o, n;

	if (parse_hunk_header(p, e, &os, &oc, &ns, &nc))
		return pf_error_setc(
		    PF_EINVALID, "diff line %u: bad hunk header '%.*s'", lineno,
		    (int)((e - p) > 80 ? 80 : e - p), p);
	o = os;
	n = ns;
	p = next_line(p, end);
	while (p < end && (oc || nc)) {
		e = line_end(p, end);
		if (*p == '\\') {
			/* "\ No newline at end of file" */
		} else if (*p == '+' && nc) {
			if (f)
				add_line(f, n, o, '+');
			n++;
			nc--;
		} else if (*p == '-' && oc) {
			o++;
			oc--;
		} else if ((*p == ' ' || p == e) && oc && nc) {
			/* an empty line: a context line whose space a
			 * tool trimmed */
			if (f)
				add_line(f, n, o, ' ');
			n++;
			o++;
			oc--;
			nc--;
		} else {
			break; /* a short hunk: leave the line to the caller */
		}
		p = next_line(p, end);
	}
	if (f)
		f->hunks++;
	*pp = p;
	return 0;
}

/* Unquote a C-quoted git path ("a/x\tb") into out; plain ones copied. */
static void unquote_path(struct pf_buf *out, const char *p, const char *e)
{
	pf_buf_reset(out);
	if (p >= e || *p != '"') {
		pf_buf_add(out, p, (size_t)(e - p));
		return;
	}
	for (p++; p < e && *p != '"'; p++) {
		if (*p != '\\' || p + 1 >= e) {
			pf_buf_addch(out, *p);
			continue;
		}
		p++;
		switch (*p) {
		case 'n':
			pf_buf_addch(out, '\n');
			break;
		case 't':
			pf_buf_addch(out, '\t');
			break;
		case 'r':
			pf_buf_addch(out, '\r');
			break;
		case 'a':
			pf_buf_addch(out, '\a');
			break;
		case 'b':
			pf_buf_addch(out, '\b');
			break;
		case 'f':
			pf_buf_addch(out, '\f');
			break;
		case 'v':
			pf_buf_addch(out, '\v');
			break;
		default:
			if (*p >= '0' && *p <= '7' && p + 2 < e) {
				int v = (p[0] - '0') * 64 + (p[1] - '0') * 8 +
					(p[2] - '0');

				pf_buf_addch(out, v);
				p += 2;
			} else {
				pf_buf_addch(out, *p);
			}
		}
	}
}

/* A ---/+++ path: "a/x" -> "x", "/dev/null" -> "" (trailing tab and
 * timestamp, as diff -u prints, dropped). */
static void header_path(struct pf_buf *out, const char *p, const char *e)
{
	const char *tab = memchr(p, '\t', (size_t)(e - p));

	if (tab && *p != '"')
		e = tab;
	unquote_path(out, p, e);
	if (!strcmp(out->buf, "/dev/null")) {
		pf_buf_reset(out);
		return;
	}
	if ((out->buf[0] == 'a' || out->buf[0] == 'b') && out->buf[1] == '/') {
		memmove(out->buf, out->buf + 2, out->len - 1);
		out->len -= 2;
	}
}

int pf_mirror_diff_parse(struct pf_mirror_diff *d, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	struct pf_buf oldp = PF_BUF_INIT, newp = PF_BUF_INIT;
	struct pf_mirror_diff_file *f = NULL;
	int have_new = 0, ret = 0;
	unsigned lineno = 1;

	while (p < end) {
		const char *e = line_end(p, end);

		if (pf_starts_with(p, "diff --git ")) {
			/* fallback names, replaced by ---/+++ or rename */
			const char *a = p + 11, *b;

			f = NULL;
			have_new = 0;
			b = strstr(a, " b/");
			if (b && b < e && *a != '"') {
				header_path(&oldp, a, b);
				header_path(&newp, b + 1, e);
			} else {
				pf_buf_reset(&oldp);
				pf_buf_reset(&newp);
			}
		} else if (!f && pf_starts_with(p, "rename from ")) {
			unquote_path(&oldp, p + 12, e);
		} else if (!f && pf_starts_with(p, "rename to ")) {
			unquote_path(&newp, p + 10, e);
		} else if (!f && pf_starts_with(p, "--- ")) {
			header_path(&oldp, p + 4, e);
		} else if (!f && pf_starts_with(p, "+++ ")) {
			header_path(&newp, p + 4, e);
			have_new = 1;
		} else if (pf_starts_with(p, "@@ ")) {
			const char *q = p;

			if (!f && newp.len)
				f = diff_file_new(d, newp.buf, oldp.buf);
			else if (!f && !have_new) {
				ret = pf_error_setc(PF_EINVALID,
						    "diff line %u: a hunk "
						    "before any file header",
						    lineno);
				goto out;
			}
			ret = take_hunk(f, &q, end, lineno);
			if (ret)
				goto out;
			for (const char *r = p; r < q; r++)
				if (*r == '\n')
					lineno++;
			p = q;
			continue;
		}
		p = next_line(p, end);
		lineno++;
	}
out:
	for (size_t i = 0; i < d->nr; i++)
		diff_file_finish(&d->v[i]);
	pf_buf_release(&oldp);
	pf_buf_release(&newp);
	return ret;
}

int pf_mirror_diff_add_patch(struct pf_mirror_diff *d, const char *path,
			     const char *old_path, const char *patch,
			     size_t len)
{
	const char *p = patch, *end = patch + len;
	struct pf_mirror_diff_file *f = diff_file_new(d, path, old_path);
	unsigned lineno = 1;
	int ret = 0;

	while (p < end) {
		if (pf_starts_with(p, "@@ ")) {
			const char *q = p;

			ret = take_hunk(f, &q, end, lineno);
			if (ret)
				break;
			for (const char *r = p; r < q; r++)
				if (*r == '\n')
					lineno++;
			p = q;
			continue;
		}
		p = next_line(p, end);
		lineno++;
	}
	diff_file_finish(f);
	if (ret)
		pf_error_prefix(ret, "patch of '%s'", path);
	return ret;
}

const struct pf_mirror_diff_file *
pf_mirror_diff_file(const struct pf_mirror_diff *d, const char *path)
{
	for (size_t i = 0; d && i < d->nr; i++)
		if (!strcmp(d->v[i].path, path))
			return &d->v[i];
	return NULL;
}

static const struct pf_mirror_diff_line *
file_find(const struct pf_mirror_diff_file *f, uint32_t line, size_t *idx)
{
	size_t lo = 0, hi = f ? f->nr : 0;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (f->v[mid].new_line == line) {
			if (idx)
				*idx = mid;
			return &f->v[mid];
		}
		if (f->v[mid].new_line < line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct pf_mirror_diff_line *
pf_mirror_diff_find(const struct pf_mirror_diff *d, const char *path,
		    uint32_t line)
{
	return file_find(pf_mirror_diff_file(d, path), line, NULL);
}

static int file_range(const struct pf_mirror_diff_file *f, uint32_t start,
		      uint32_t end)
{
	size_t i;

	if (!f || end < start || !file_find(f, start, &i))
		return 0;
	for (uint32_t k = 0; k <= end - start; k++) {
		if (i + k >= f->nr || f->v[i + k].new_line != start + k ||
		    f->v[i + k].hunk != f->v[i].hunk)
			return 0;
	}
	return 1;
}

int pf_mirror_diff_range(const struct pf_mirror_diff *d, const char *path,
			 uint32_t start, uint32_t end)
{
	return file_range(pf_mirror_diff_file(d, path), start, end);
}

/* ---- placement and text ---- */

void pf_mirror_place(struct pf_mirror_anchor *out,
		     const struct pf_mirror_diff *d,
		     const struct pf_outbox_finding *f)
{
	const struct pf_mirror_diff_file *df =
	    d ? pf_mirror_diff_file(d, f->path) : NULL;

	memset(out, 0, sizeof(*out));
	if (!d) {
		out->in_diff = 1;
		if (f->has_fix) {
			out->start = f->fix.start_line;
			out->end = f->fix.end_line;
			out->suggestion = 1;
		} else {
			out->start = f->start_line;
			out->end = f->end_line;
		}
		return;
	}
	if (!df)
		return;
	out->file = df;
	if (f->has_fix && file_range(df, f->fix.start_line, f->fix.end_line)) {
		out->start = f->fix.start_line;
		out->end = f->fix.end_line;
		out->suggestion = 1;
	} else if (file_range(df, f->start_line, f->end_line)) {
		out->start = f->start_line;
		out->end = f->end_line;
	} else {
		for (uint32_t l = f->start_line; l <= f->end_line; l++) {
			if (file_find(df, l, NULL)) {
				out->start = out->end = l;
				break;
			}
			if (l == UINT32_MAX)
				break;
		}
		if (!out->start) {
			out->file = NULL;
			return;
		}
	}
	out->in_diff = 1;
	out->first = file_find(df, out->start, NULL);
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

int pf_mirror_link_next(struct pf_buf *out, const char *link)
{
	const char *p = link;

	while (p && *p) {
		const char *lt = strchr(p, '<'), *gt, *next_lt, *rel;

		if (!lt)
			return 0;
		gt = strchr(lt, '>');
		if (!gt)
			return 0;
		next_lt = strchr(gt, '<');
		rel = strstr(gt, "rel=");
		if (rel && (!next_lt || rel < next_lt)) {
			const char *v = rel + 4;
			size_t n;

			if (*v == '"')
				v++;
			n = strcspn(v, "\";,");
			/* rel="next" or a list such as rel="next last" */
			for (const char *w = v; w < v + n;) {
				size_t wl = strcspn(w, " \";,");

				if (wl == 4 && !strncasecmp(w, "next", 4)) {
					pf_buf_reset(out);
					pf_buf_add(out, lt + 1,
						   (size_t)(gt - lt - 1));
					return 1;
				}
				w += wl;
				while (*w == ' ')
					w++;
				if (!wl)
					break;
			}
		}
		p = next_lt;
	}
	return 0;
}

/* ---- requests ---- */

void pf_mirror_ctx_release(struct pf_mirror_ctx *c)
{
	if (!c)
		return;
	free(c->pr_url);
	c->pr_url = NULL;
}

static void sleep_s(double s)
{
	struct timespec ts;

	if (s <= 0)
		return;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void pf_mirror_count_post(struct pf_mirror_ctx *c)
{
	static unsigned done;
	const char *v = getenv("PUSHFIX_TEST_MIRROR_DIE_AFTER");
	unsigned long n;

	(void)c;
	done++;
	if (v && !pf_parse_ulong(&n, v) && n && done >= n) {
		fprintf(stderr,
			"pushfix: PUSHFIX_TEST_MIRROR_DIE_AFTER=%lu: "
			"dying after %u posts\n",
			n, done);
		fflush(NULL);
		_exit(3);
	}
}

static const char *forge_of(const struct pf_mirror_ctx *c)
{
	return pf_forge_name(c->repo->forge);
}

static int is_rate_limited(const struct pf_http_response *r)
{
	struct pf_buf v = PF_BUF_INIT;
	int yes = 0;

	if (r->status == 429)
		yes = 1;
	else if (r->status == 403) {
		if ((!pf_http_header(r, "x-ratelimit-remaining", &v) &&
		     !strcmp(v.buf, "0")) ||
		    !pf_http_header(r, "retry-after", &v) ||
		    strcasestr(r->body.buf, "rate limit") ||
		    strcasestr(r->body.buf, "abuse detection"))
			yes = 1;
	}
	pf_buf_release(&v);
	return yes;
}

/* The forge's own words, from {"message": ...} (or GitLab's
 * {"error": ...}), cut to one short line. */
static void api_message(struct pf_buf *out, const struct pf_http_response *r)
{
	cJSON *j = cJSON_ParseWithLength(r->body.buf, r->body.len);
	const cJSON *m =
	    j ? cJSON_GetObjectItemCaseSensitive(j, "message") : NULL;
	const cJSON *errs =
	    j ? cJSON_GetObjectItemCaseSensitive(j, "errors") : NULL;

	if (!m && j)
		m = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(m)) {
		pf_buf_addstr(out, m->valuestring);
	} else if (m) {
		char *t = cJSON_PrintUnformatted(m);

		pf_buf_addstr(out, t);
		cJSON_free(t);
	} else {
		pf_buf_add(out, r->body.buf,
			   r->body.len > 200 ? 200 : r->body.len);
	}
	if (cJSON_IsArray(errs)) {
		const cJSON *e;

		cJSON_ArrayForEach(e, errs)
		{
			const cJSON *em =
			    cJSON_IsObject(e)
				? cJSON_GetObjectItemCaseSensitive(e, "message")
				: e;

			if (cJSON_IsString(em)) {
				pf_buf_addstr(out, "; ");
				pf_buf_addstr(out, em->valuestring);
			}
		}
	}
	cJSON_Delete(j);
	for (size_t i = 0; i < out->len; i++)
		if (out->buf[i] == '\n' || out->buf[i] == '\r')
			out->buf[i] = ' ';
	if (out->len > 300)
		pf_buf_setlen(out, 300);
}

/* Path of an API URL, for messages: "POST /repos/o/r/pulls/1/reviews". */
static const char *url_path(const struct pf_mirror_ctx *c, const char *url)
{
	size_t n = strlen(c->repo->api_url);

	return !strncmp(url, c->repo->api_url, n) ? url + n : url;
}

int pf_mirror_status_error(struct pf_mirror_ctx *c,
			   const struct pf_http_response *r, const char *method,
			   const char *url)
{
	const char *forge = forge_of(c);
	int gh = c->repo->forge == PF_FORGE_GITHUB;
	struct pf_buf m = PF_BUF_INIT;
	int ret;

	switch (r->status) {
	case 401:
		ret = pf_error_setc(PF_EAUTH,
				    "%s rejected the token (401): check %s",
				    forge, c->token_source);
		break;
	case 403:
		ret = pf_error_setc(
		    PF_EAUTH,
		    "%s refused access to %s (403): the token from %s %s",
		    forge, c->repo->path, c->token_source,
		    gh ? "needs write access to pull requests (classic "
			 "token: repo scope)"
		       : "needs the api scope and at least Reporter access "
			 "to the project");
		break;
	case 404:
		/* PF_ERROR: PF_ENOTFOUND means "no PR/MR yet" to callers */
		ret = pf_error_setc(PF_ERROR,
				    "%s has no %s %s at %s, or the token from "
				    "%s cannot see it (404)",
				    forge, gh ? "repository" : "project",
				    c->repo->path, c->repo->api_url,
				    c->token_source);
		break;
	default:
		api_message(&m, r);
		ret = pf_error_setc(r->status >= 500 ? PF_ERETRY : PF_ERROR,
				    "%s answered %ld to %s %s: %s", forge,
				    r->status, method, url_path(c, url), m.buf);
	}
	pf_buf_release(&m);
	return ret;
}

int pf_mirror_request(struct pf_mirror_ctx *c, struct pf_http_response *r,
		      const char *method, const char *url,
		      const char *json_body)
{
	struct pf_buf auth = PF_BUF_INIT;
	const char *headers[8];
	struct pf_http_request req = {0};
	unsigned transport_tries = 0, server_tries = 0, limit_tries = 0;
	size_t h = 0;
	int ret;

	if (c->repo->forge == PF_FORGE_GITHUB) {
		pf_buf_addf(&auth, "Authorization: Bearer %s",
			    c->token ? c->token : "");
		headers[h++] = "Accept: application/vnd.github+json";
		headers[h++] = "X-GitHub-Api-Version: 2022-11-28";
	} else {
		pf_buf_addf(&auth, "PRIVATE-TOKEN: %s",
			    c->token ? c->token : "");
		headers[h++] = "Accept: application/json";
	}
	headers[h++] = auth.buf;
	headers[h++] = USER_AGENT;
	if (json_body)
		headers[h++] = "Content-Type: application/json";
	headers[h] = NULL;
	req.method = method;
	req.url = url;
	req.headers = headers;
	req.body = json_body;
	req.body_len = json_body ? strlen(json_body) : 0;
	req.timeout_ms = 60000;
	req.max_response = 32u << 20;

	for (;;) {
		double t0 = pf_now_ms();

		ret = pf_http_perform(r, &req);
		c->last_status = r->status;
		if (c->verbose)
			fprintf(c->out, "pushfix: %s %s -> %ld (%.0f ms)\n",
				method, url, r->status, pf_now_ms() - t0);
		if (ret) {
			if (++transport_tries < 3) {
				sleep_s(transport_tries);
				continue;
			}
			goto out;
		}
		if (is_rate_limited(r)) {
			double wait = pf_http_retry_after(r);

			if (wait < 0)
				wait = 60; /* secondary limit, no hint */
			if (wait <= c->max_sleep_s && ++limit_tries < 4) {
				fprintf(c->out,
					"pushfix: %s rate limit (%ld): waiting "
					"%.0f s\n",
					forge_of(c), r->status, wait);
				sleep_s(wait + 0.2);
				continue;
			}
			c->retry_after = wait;
			ret =
			    pf_error_setc(PF_ERETRY,
					  "%s rate limit reached (%ld): "
					  "retry in %.0f s; the findings stay "
					  "in the outbox",
					  forge_of(c), r->status, wait);
			goto out;
		}
		if (r->status >= 500 && pf_http_status_retryable(r->status) &&
		    ++server_tries < 3) {
			sleep_s(server_tries);
			continue;
		}
		break;
	}
	if (r->status == 401 || r->status == 403) {
		ret = pf_mirror_status_error(c, r, method, url);
		goto out;
	}
	ret = 0;
out:
	/* the token must not linger in freed memory longer than needed */
	memset(auth.buf, 0, auth.len);
	pf_buf_release(&auth);
	return ret;
}

/* Same API origin: a Link header must not send our token elsewhere. */
static int same_api(const struct pf_mirror_ctx *c, const char *url)
{
	size_t n = strlen(c->repo->api_url);

	return !strncmp(url, c->repo->api_url, n) &&
	       (url[n] == '/' || url[n] == '?' || !url[n]);
}

int pf_mirror_get_all(struct pf_mirror_ctx *c, struct cJSON **out,
		      const char *url)
{
	struct pf_http_response r;
	struct pf_buf next = PF_BUF_INIT, cur = PF_BUF_INIT, link = PF_BUF_INIT;
	cJSON *all = cJSON_CreateArray();
	int ret = 0;

	pf_http_response_init(&r);
	pf_buf_addstr(&cur, url);
	for (unsigned page = 0;; page++) {
		cJSON *arr, *it;

		if (page >= PAGE_CAP) {
			ret = pf_error_set("%s: more than %d pages at %s",
					   forge_of(c), PAGE_CAP,
					   url_path(c, url));
			goto out;
		}
		ret = pf_mirror_request(c, &r, "GET", cur.buf, NULL);
		if (ret)
			goto out;
		if (r.status != 200) {
			ret = pf_mirror_status_error(c, &r, "GET", cur.buf);
			goto out;
		}
		arr = cJSON_ParseWithLength(r.body.buf, r.body.len);
		if (!cJSON_IsArray(arr)) {
			cJSON_Delete(arr);
			ret = pf_error_setc(PF_EINVALID,
					    "%s answered GET %s with something "
					    "that is not a JSON array",
					    forge_of(c), url_path(c, cur.buf));
			goto out;
		}
		while ((it = cJSON_DetachItemFromArray(arr, 0)))
			cJSON_AddItemToArray(all, it);
		cJSON_Delete(arr);
		pf_buf_reset(&next);
		if (!pf_http_header(&r, "link", &link) &&
		    pf_mirror_link_next(&next, link.buf)) {
			if (!same_api(c, next.buf)) {
				ret =
				    pf_error_set("%s: the next page of %s "
						 "points outside %s",
						 forge_of(c), url_path(c, url),
						 c->repo->api_url);
				goto out;
			}
		} else if (!pf_http_header(&r, "x-next-page", &link) &&
			   link.len) {
			/* GitLab without Link: rebuild the page URL */
			pf_buf_addf(&next, "%s%spage=%s", url,
				    strchr(url, '?') ? "&" : "?", link.buf);
		}
		if (!next.len)
			break;
		pf_buf_reset(&cur);
		pf_buf_addstr(&cur, next.buf);
	}
out:
	if (ret)
		cJSON_Delete(all);
	else
		*out = all;
	pf_http_response_release(&r);
	pf_buf_release(&next);
	pf_buf_release(&cur);
	pf_buf_release(&link);
	return ret;
}

/* ---- the worker ---- */

struct worker {
	struct pf_run *run;
	int dry_run, worker, verbose;
	unsigned wait_s, max_sleep_s;
	unsigned failed, kept, posted_entries;
};

static unsigned env_uint(const char *name, unsigned dflt)
{
	const char *v = getenv(name);
	unsigned long n;

	if (v && !pf_parse_ulong(&n, v) && n <= 86400)
		return (unsigned)n;
	return dflt;
}

static void vsay(const struct worker *w, const char *prefix, const char *fmt,
		 va_list ap) __attribute__((format(printf, 3, 0)));
static void vsay(const struct worker *w, const char *prefix, const char *fmt,
		 va_list ap)
{
	if (w->worker) {
		char ts[32];
		time_t now = time(NULL);
		struct tm tm;

		gmtime_r(&now, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		fprintf(stderr, "%s [%d] ", ts, (int)getpid());
	}
	fputs(prefix, stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	fflush(stderr);
}

/* A note ("pushfix: ..."); in the worker's log with time and pid. */
static void say(const struct worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(const struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(w, "pushfix: ", fmt, ap);
	va_end(ap);
}

static void say_error(const struct worker *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say_error(const struct worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsay(w, "error: ", fmt, ap);
	va_end(ap);
}

/*
 * The token, never printed: [mirror] token_env, then token_cmd, then the
 * forge's usual variables.
 */
static int get_token(struct pf_buf *tok, struct pf_buf *source,
		     const struct pf_config *cfg, enum pf_forge forge)
{
	const char *env = cfg->mirror.token_env;
	const char *cmd = cfg->mirror.token_cmd;
	const char *v;

	if (env && *env) {
		pf_buf_addstr(source, env);
		v = getenv(env);
		if (!v || !*v)
			return pf_error_setc(PF_EAUTH,
					     "[mirror] token_env names %s, "
					     "which is not set",
					     env);
		pf_buf_addstr(tok, v);
		return 0;
	}
	if (cmd && *cmd) {
		struct pf_proc_opts o = {0};
		struct pf_proc_result r;
		char **argv = NULL;
		int ret;

		pf_buf_addstr(source, "[mirror] token_cmd");
		ret = pf_proc_split(&argv, cmd);
		if (ret)
			return pf_error_prefix(ret, "[mirror] token_cmd");
		o.argv = (const char *const *)argv;
		o.timeout_ms = 30000;
		o.out_cap = 64 << 10;
		o.err_cap = 64 << 10;
		pf_proc_result_init(&r);
		ret = pf_proc_run(&r, &o);
		if (!ret && (r.signaled || r.exit_code))
			/* its stderr may hold a secret: not repeated */
			ret = pf_error_setc(
			    PF_EAUTH,
			    "[mirror] token_cmd '%s' failed "
			    "(exit %d)",
			    argv[0], r.signaled ? 128 + r.signo : r.exit_code);
		else if (ret)
			pf_error_prefix(ret, "[mirror] token_cmd");
		if (!ret) {
			pf_buf_add(tok, r.out.buf, r.out.len);
			pf_buf_rtrim(tok);
			while (tok->len && (tok->buf[tok->len - 1] == '\n' ||
					    tok->buf[tok->len - 1] == '\r'))
				pf_buf_setlen(tok, tok->len - 1);
			if (!tok->len)
				ret = pf_error_setc(PF_EAUTH,
						    "[mirror] token_cmd '%s' "
						    "printed no token",
						    argv[0]);
		}
		if (r.out.len)
			memset(r.out.buf, 0, r.out.len);
		pf_proc_result_release(&r);
		pf_proc_argv_free(argv);
		return ret;
	}
	if (forge == PF_FORGE_GITHUB) {
		const char *names[] = {"GITHUB_TOKEN", "GH_TOKEN"};

		for (size_t i = 0; i < 2; i++) {
			v = getenv(names[i]);
			if (v && *v) {
				pf_buf_addstr(source, names[i]);
				pf_buf_addstr(tok, v);
				return 0;
			}
		}
		pf_buf_addstr(source, "GITHUB_TOKEN");
		return pf_error_setc(PF_EAUTH,
				     "no GitHub token: set GITHUB_TOKEN or "
				     "GH_TOKEN (or [mirror] token_env or "
				     "token_cmd)");
	}
	pf_buf_addstr(source, "GITLAB_TOKEN");
	v = getenv("GITLAB_TOKEN");
	if (v && *v) {
		pf_buf_addstr(tok, v);
		return 0;
	}
	return pf_error_setc(PF_EAUTH, "no GitLab token: set GITLAB_TOKEN "
				       "(or [mirror] token_env or token_cmd)");
}

/*
 * Does the remote have `sha` on `branch` (the tip, or an ancestor of the
 * tip)?  1 yes, 0 not yet, <0 cannot tell (ls-remote failed).
 */
static int remote_has(struct pf_run *run, const struct pf_outbox_entry *e)
{
	struct pf_buf ref = PF_BUF_INIT;
	const char *where = e->remote_url;
	const char *env[] = {"GIT_TERMINAL_PROMPT=0", NULL};
	const char *argv[6];
	struct pf_proc_opts o = {0};
	struct pf_proc_result r;
	git_config *cfg = NULL;
	git_buf url = GIT_BUF_INIT;
	int ret;

	/* A named remote keeps its credentials; the stored URL lost them.
	 * Read from the config: git_remote_lookup leaks PCRE2 match data in
	 * libgit2 1.5. */
	if (e->remote_name && *e->remote_name &&
	    !git_repository_config_snapshot(&cfg, run->repo)) {
		struct pf_buf key = PF_BUF_INIT;

		pf_buf_addf(&key, "remote.%s.url", e->remote_name);
		if (!git_config_get_string_buf(&url, cfg, key.buf))
			where = e->remote_name;
		pf_buf_release(&key);
	}
	git_error_clear();
	git_buf_dispose(&url);
	git_config_free(cfg);
	pf_buf_addf(&ref, "refs/heads/%s", e->branch);
	argv[0] = "git";
	argv[1] = "ls-remote";
	argv[2] = "--";
	argv[3] = where;
	argv[4] = ref.buf;
	argv[5] = NULL;
	o.argv = argv;
	o.env = env;
	o.timeout_ms = 20000;
	o.out_cap = 1 << 20;
	if (run->worktree)
		o.cwd = run->worktree;
	pf_proc_result_init(&r);
	ret = pf_proc_run(&r, &o);
	if (ret || r.exit_code || r.signaled) {
		ret = -1;
		goto out;
	}
	ret = 0;
	for (const char *p = r.out.buf; *p;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);

		if (n > 41 && p[40] == '\t' && (size_t)(n - 41) == ref.len &&
		    !memcmp(p + 41, ref.buf, ref.len)) {
			git_oid have, want;

			if (!memcmp(p, e->sha, 40)) {
				ret = 1;
			} else if (!git_oid_fromstrn(&have, p, 40) &&
				   !git_oid_fromstr(&want, e->sha) &&
				   git_graph_descendant_of(run->repo, &have,
							   &want) == 1) {
				ret = 1;
			}
		}
		p += n + (nl ? 1 : 0);
	}
out:
	pf_proc_result_release(&r);
	pf_buf_release(&ref);
	return ret;
}

/*
 * Bounded polling with backoff until the push has landed.  Only a fresh
 * entry is worth waiting for: an old one whose commit the remote still
 * lacks (a rejected push, a rewritten branch) gets one look, so that it
 * never delays the entries behind it.
 */
static int wait_for_remote(struct worker *w, const struct pf_outbox_entry *e)
{
	long long age = (long long)time(NULL) - e->created;
	unsigned wait_s = age >= 0 && age < FRESH_S ? w->wait_s : 0;
	double deadline = pf_now_ms() + wait_s * 1000.0;
	double delay = 0.1;
	unsigned fails = 0;

	for (;;) {
		int has = remote_has(w->run, e);

		if (has == 1)
			return 0;
		if (has < 0 && ++fails >= 3) {
			/* cannot ask the remote (no credentials without a
			 * terminal?): the forge's own check decides */
			say(w, "cannot list the remote's branches; going on "
			       "to the forge");
			return 0;
		}
		if (pf_now_ms() + delay * 1000 > deadline)
			return pf_error_setc(PF_ETIMEOUT,
					     "the remote does not have %.7s on "
					     "'%s' (after %u s; was the push "
					     "rejected?)",
					     e->sha, e->branch, wait_s);
		sleep_s(delay);
		delay = delay * 2 > 3 ? 3 : delay * 2;
	}
}

static void resolve_opts(struct pf_forge_opts *o, const struct pf_config *cfg)
{
	o->forge = cfg->mirror.forge;
	o->api_url = cfg->mirror.api_url;
	o->repository = cfg->mirror.repository;
	o->host_map = cfg->mirror.host_map;
}

static const char *slack_env(const struct pf_config *cfg)
{
	const char *n = cfg->mirror.slack_webhook_env;

	return n && *n ? n : NULL;
}

static void keep(struct pf_outbox_entry *e, int code, double retry_after)
{
	e->attempts++;
	free(e->last_error);
	e->last_error = pf_xstrdup(pf_error_last());
	if (code == PF_ERETRY && retry_after > 0)
		e->not_before = (long long)time(NULL) + (long long)retry_after;
	pf_outbox_save(e);
}

static int post_entry(struct worker *w, struct pf_outbox_entry *e)
{
	struct pf_config *cfg = &w->run->cfg;
	struct pf_forge_opts fo;
	struct pf_forge_repo repo = {0}, url_repo = {0};
	struct pf_buf tok = PF_BUF_INIT, src = PF_BUF_INIT;
	struct pf_mirror_ctx c;
	const char *hook_env = slack_env(cfg);
	int ret;

	memset(&c, 0, sizeof(c));
	resolve_opts(&fo, cfg);
	ret = pf_forge_resolve(&repo, e->remote_url, &fo);
	if (ret)
		goto fail;
	/* A fork: the URL names the fork, [mirror] repository the upstream
	 * where the PR lives; GitHub wants head=fork-owner:branch. */
	if (repo.forge == PF_FORGE_GITHUB && fo.repository && *fo.repository) {
		struct pf_forge_opts uo = fo;

		uo.repository = NULL;
		uo.api_url = NULL;
		if (!pf_forge_resolve(&url_repo, e->remote_url, &uo) &&
		    url_repo.forge == PF_FORGE_GITHUB &&
		    strcasecmp(url_repo.owner, repo.owner))
			c.head_owner = url_repo.owner;
		pf_error_clear();
	}
	c.entry = e;
	c.repo = &repo;
	c.dry_run = w->dry_run;
	c.worker = w->worker;
	c.verbose = w->verbose;
	c.out = w->dry_run ? stdout : stderr;
	c.max_sleep_s = w->max_sleep_s;
	c.wait_s = w->wait_s;
	if (!w->dry_run) {
		ret = get_token(&tok, &src, cfg, repo.forge);
		if (ret)
			goto fail;
		c.token = tok.buf;
	} else {
		pf_buf_addstr(&src, "(dry run)");
	}
	c.token_source = src.buf;

	if (w->dry_run) {
		fprintf(stdout,
			"# entry %s: %zu finding%s on '%s' at %.7s, "
			"%s %s\n",
			e->id, e->nr, e->nr == 1 ? "" : "s", e->branch, e->sha,
			pf_forge_name(repo.forge), repo.path);
		ret = repo.forge == PF_FORGE_GITHUB ? pf_github_mirror(&c)
						    : pf_gitlab_mirror(&c);
		if (!ret && hook_env)
			ret = pf_slack_post(&c, NULL, hook_env);
		goto out;
	}
	if (w->worker && !e->forge_done) {
		ret = wait_for_remote(w, e);
		if (ret)
			goto fail;
	}
	if (!e->forge_done) {
		ret = repo.forge == PF_FORGE_GITHUB ? pf_github_mirror(&c)
						    : pf_gitlab_mirror(&c);
		if (ret)
			goto fail;
		e->forge_done = 1;
		free(e->pr_url);
		e->pr_url = pf_xstrdup_or_null(c.pr_url);
		pf_outbox_save(e);
		if (c.posted)
			say(w,
			    "posted %zu finding%s on %s (%zu already there%s)",
			    c.posted, c.posted == 1 ? "" : "s",
			    c.pr_url ? c.pr_url : repo.path, c.already,
			    c.outside ? ", some outside the diff in the summary"
				      : "");
		else
			say(w, "%s: every finding of %.7s is already there",
			    c.pr_url ? c.pr_url : repo.path, e->sha);
	}
	if (hook_env && !e->slack_done) {
		const char *url = getenv(hook_env);

		if (!url || !*url) {
			ret = pf_error_setc(PF_EINVALID,
					    "[mirror] slack_webhook_env names "
					    "%s, which is not set",
					    hook_env);
			goto fail;
		}
		free(c.pr_url);
		c.pr_url = pf_xstrdup_or_null(e->pr_url);
		ret = pf_slack_post(&c, url, hook_env);
		if (ret)
			goto fail;
		e->slack_done = 1;
		pf_outbox_save(e);
		say(w, "sent the summary to Slack");
	}
	ret = pf_outbox_done(e);
	if (!ret)
		w->posted_entries++;
	goto out;
fail:
	if (ret == PF_ENOTFOUND) {
		/* no PR/MR yet: not a failure, the entry waits */
		say(w, "%s; the findings stay in the outbox for the next run",
		    pf_error_last());
		keep(e, ret, 0);
		w->kept++;
		ret = 0;
	} else if (ret == PF_ERETRY || ret == PF_ETIMEOUT) {
		say(w, "%s", pf_error_last());
		keep(e, ret, c.retry_after);
		w->kept++;
		ret = 0;
	} else {
		say_error(w, "%s (entry %s kept)", pf_error_last(), e->id);
		keep(e, ret, 0);
		w->failed++;
	}
out:
	if (tok.len)
		memset(tok.buf, 0, tok.len);
	pf_buf_release(&tok);
	pf_buf_release(&src);
	pf_mirror_ctx_release(&c);
	pf_forge_repo_release(&repo);
	pf_forge_repo_release(&url_repo);
	return ret;
}

static void process_entry(struct worker *w, const char *id)
{
	struct pf_outbox_entry e;
	int ret;

	pf_outbox_entry_init(&e);
	ret = pf_outbox_claim(&e, w->run->state_dir, id);
	if (ret == PF_ENOTFOUND)
		goto out; /* another worker posted it meanwhile */
	if (ret == PF_ETIMEOUT) {
		if (w->verbose || !w->worker)
			say(w, "%s", pf_error_last());
		goto out;
	}
	if (ret) {
		say_error(w, "%s", pf_error_last());
		w->failed++;
		goto out;
	}
	if (w->worker && e.not_before > (long long)time(NULL)) {
		say(w, "entry %s waits for the rate limit (%lld s more)", e.id,
		    e.not_before - (long long)time(NULL));
		w->kept++;
		goto out;
	}
	post_entry(w, &e);
out:
	pf_outbox_entry_release(&e);
}

int pf_mirror_run(const struct pf_mirror_opts *o)
{
	struct worker w;
	struct pf_run run;
	char **ids = NULL;
	size_t nr = 0;
	int ret, opened = 0;

	memset(&w, 0, sizeof(w));
	w.dry_run = o->dry_run;
	w.worker = o->worker;
	w.verbose = o->verbose;
	if (w.dry_run)
		w.worker = 0;
	w.wait_s = env_uint("PUSHFIX_TEST_MIRROR_WAIT_S", DEFAULT_WAIT_S);
	w.max_sleep_s =
	    env_uint("PUSHFIX_TEST_MIRROR_MAX_SLEEP_S", w.worker ? 60 : 10);
	ret = pf_run_open(&run, NULL);
	opened = 1;
	if (ret) {
		say_error(&w, "%s", pf_error_last());
		ret = 1;
		goto out;
	}
	w.run = &run;
	w.verbose |= run.verbose;
	if (w.worker)
		say(&w, "mirror worker started");
	ret = pf_outbox_list(&ids, &nr, run.state_dir);
	if (ret) {
		say_error(&w, "%s", pf_error_last());
		ret = 1;
		goto out;
	}
	if (!nr && !w.worker)
		say(&w, "nothing to mirror: the outbox is empty");
	for (size_t i = 0; i < nr; i++)
		process_entry(&w, ids[i]);
	if (w.worker)
		say(&w, "mirror worker done: %u posted, %u kept, %u failed",
		    w.posted_entries, w.kept, w.failed);
	ret = w.failed ? 1 : 0;
out:
	pf_outbox_ids_free(ids, nr);
	if (opened)
		pf_run_release(&run);
	return ret;
}

/* ---- the hook side ---- */

static const char *verdict_key(enum pf_verdict v)
{
	switch (v) {
	case PF_VERDICT_TRUE_POSITIVE:
		return "true_positive";
	case PF_VERDICT_FALSE_POSITIVE:
		return "false_positive";
	case PF_VERDICT_UNCERTAIN:
		return "uncertain";
	default:
		return NULL;
	}
}

static const char *severity_key(const struct pf_finding *f)
{
	switch (f->severity) {
	case PF_SEV_INFO:
		return "INFO";
	case PF_SEV_LOW:
		return "LOW";
	case PF_SEV_WARNING:
		return "WARNING";
	case PF_SEV_ERROR:
		return "ERROR";
	case PF_SEV_CRITICAL:
		return "CRITICAL";
	default:
		return f->severity_label && *f->severity_label
			   ? f->severity_label
			   : "UNKNOWN";
	}
}

static void copy_finding(struct pf_outbox_finding *o,
			 const struct pf_finding *f)
{
	const char *fp = f->fingerprint[0] ? f->fingerprint : NULL;
	char tmp[65];

	if (!fp) {
		/* never happens after pf_finding_locate; stay unique */
		struct pf_buf k = PF_BUF_INIT;

		pf_buf_addf(&k, "%s\n%s\n%u", f->rule_id ? f->rule_id : "",
			    f->path ? f->path : "", f->start.line);
		pf_sha256_hex(tmp, k.buf, k.len);
		pf_buf_release(&k);
		fp = tmp;
	}
	o->fingerprint = pf_xstrdup(fp);
	o->rule_id = pf_xstrdup(f->rule_id ? f->rule_id : "unknown");
	o->path = pf_xstrdup(f->path ? f->path : "");
	o->start_line = f->start.line ? f->start.line : 1;
	o->end_line =
	    f->end.line >= o->start_line ? f->end.line : o->start_line;
	o->severity = pf_xstrdup(severity_key(f));
	o->message = pf_xstrdup(f->message ? f->message : "");
	o->cwe = pf_xstrdup_or_null(f->cwe);
	o->verdict = pf_xstrdup_or_null(verdict_key(f->triage.verdict));
	o->confidence = f->triage.confidence < 0   ? 0
			: f->triage.confidence > 1 ? 1
						   : f->triage.confidence;
	o->reason = pf_xstrdup_or_null(f->triage.reason);
	o->triage_error = pf_xstrdup_or_null(f->triage.error);
	o->feedback = f->triage.feedback > 0   ? 1
		      : f->triage.feedback < 0 ? -1
					       : 0;
	if (f->fix.origin != PF_FIX_NONE && f->fix.state != PF_FIX_REFUSED &&
	    f->fix.replacement && f->fix.start_line &&
	    f->fix.end_line >= f->fix.start_line) {
		o->has_fix = 1;
		o->fix.start_line = f->fix.start_line;
		o->fix.end_line = f->fix.end_line;
		o->fix.replacement = pf_xstrdup(f->fix.replacement);
		o->fix.origin =
		    pf_xstrdup(f->fix.origin == PF_FIX_RULE ? "rule" : "llm");
		o->fix.state = pf_xstrdup(
		    f->fix.state == PF_FIX_VERIFIED	? "verified"
		    : f->fix.state == PF_FIX_UNVERIFIED ? "unverified"
							: "unchecked");
	}
}

/*
 * Was this finding pushed by update u?  With one update, yes; with
 * several, when u's tip holds the very blob the changeset scanned.
 */
static int finding_in_update(struct pf_run *run, const struct pf_push_update *u,
			     const struct pf_finding *f)
{
	git_oid tip;
	git_commit *commit = NULL;
	git_tree *tree = NULL;
	git_tree_entry *te = NULL;
	int yes = 0;

	if (run->push.nr <= 1)
		return 1;
	if (!f->path ||
	    git_oid_fromstr(&tip, u->tip_oid[0] ? u->tip_oid : u->local_oid) ||
	    git_commit_lookup(&commit, run->repo, &tip) ||
	    git_commit_tree(&tree, commit) ||
	    git_tree_entry_bypath(&te, tree, f->path))
		goto out;
	for (size_t i = 0; i < run->cs.nr && !yes; i++) {
		git_oid b;

		if (!strcmp(run->cs.files[i].path, f->path) &&
		    !git_oid_fromstr(&b, run->cs.files[i].blob_oid) &&
		    git_oid_equal(&b, git_tree_entry_id(te)))
			yes = 1;
	}
out:
	git_tree_entry_free(te);
	git_tree_free(tree);
	git_commit_free(commit);
	return yes;
}

int pf_mirror_enqueue(struct pf_run *run)
{
	struct pf_buf url = PF_BUF_INIT;
	int ret = 0;

	if (!run->cfg.mirror.enabled || !run->findings.nr)
		return 0;
	if (run->remote_url)
		pf_forge_redact_url(&url, run->remote_url);
	for (size_t i = 0; i < run->push.nr && !ret; i++) {
		const struct pf_push_update *u = &run->push.v[i];
		struct pf_outbox_entry e;

		if (u->kind == PF_PUSH_DELETE || u->is_tag || !u->remote_ref ||
		    !pf_starts_with(u->remote_ref, "refs/heads/"))
			continue;
		pf_outbox_entry_init(&e);
		e.remote_name = pf_xstrdup_or_null(run->remote_name);
		e.remote_url = pf_xstrdup(url.buf);
		e.branch = pf_xstrdup(u->remote_ref + 11);
		memcpy(e.sha, u->tip_oid[0] ? u->tip_oid : u->local_oid, 40);
		e.sha[40] = '\0';
		for (size_t j = 0; j < run->findings.nr; j++) {
			const struct pf_finding *f = &run->findings.v[j];

			if (f->ignored || !finding_in_update(run, u, f))
				continue;
			copy_finding(pf_outbox_entry_add(&e), f);
		}
		if (e.nr)
			ret = pf_outbox_add(run->state_dir, &e);
		pf_outbox_entry_release(&e);
	}
	pf_buf_release(&url);
	if (ret)
		pf_error_prefix(ret, "cannot queue the findings for the PR");
	return ret;
}

static void rotate_log(const char *log)
{
	struct stat st;

	if (!stat(log, &st) && st.st_size > (off_t)LOG_ROTATE) {
		struct pf_buf old = PF_BUF_INIT;

		pf_buf_addf(&old, "%s.1", log);
		rename(log, old.buf);
		pf_buf_release(&old);
	}
}

int pf_mirror_spawn_worker(struct pf_run *run)
{
	struct pf_buf log = PF_BUF_INIT;
	char exe[PATH_MAX];
	char **ids = NULL;
	size_t nr = 0;
	ssize_t n;
	pid_t pid;
	int ret;

	if (!run->cfg.mirror.enabled)
		return 0;
	ret = pf_outbox_list(&ids, &nr, run->state_dir);
	pf_outbox_ids_free(ids, nr);
	if (ret || !nr)
		return ret;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0)
		return pf_error_set("cannot find the pushfix binary "
				    "(/proc/self/exe): %s",
				    strerror(errno));
	exe[n] = '\0';
	/* replaced by a rebuild or an upgrade since we started: the new
	 * binary is at the same path */
	if (pf_ends_with(exe, " (deleted)"))
		exe[n - 10] = '\0';
	ret = pf_store_path(&log, run->state_dir, "mirror.log");
	if (ret)
		goto out;
	rotate_log(log.buf);
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		ret = pf_error_set("cannot start the mirror worker: %s",
				   strerror(errno));
		goto out;
	}
	if (pid == 0) {
		/* first child: a new session, then the worker is its
		 * child, so it can never get a terminal back */
		int fd;

		if (setsid() < 0)
			_exit(1);
		signal(SIGHUP, SIG_IGN);
		pid = fork();
		if (pid != 0)
			_exit(pid < 0 ? 1 : 0);
		fd = open("/dev/null", O_RDONLY);
		if (fd < 0 || dup2(fd, 0) < 0)
			_exit(1);
		fd = open(log.buf, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(1);
		/* nothing of git's (its pipe to us) may stay open */
		for (int i = 3; i < 1024; i++)
			close(i);
		if (chdir(run->worktree ? run->worktree : run->gitdir))
			_exit(1);
		umask(077);
		signal(SIGHUP, SIG_DFL);
		execl(exe, "pushfix", "mirror", "--worker", (char *)NULL);
		fprintf(stderr, "pushfix: cannot run %s: %s\n", exe,
			strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
out:
	pf_buf_release(&log);
	return ret;
}
