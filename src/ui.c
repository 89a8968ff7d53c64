/*
 * The ui stage: show each finding with its triage and fix, ask like
 * `git add -p`, apply what the developer accepts, then ask the push policy
 * (policy.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "pushfix/apply.h"
#include "pushfix/decision.h"
#include "pushfix/err.h"
#include "pushfix/fix.h"
#include "pushfix/fs.h"
#include "pushfix/pipeline.h"
#include "pushfix/policy.h"
#include "pushfix/proc.h"
#include "pushfix/secret.h"
#include "pushfix/sentlog.h"
#include "pushfix/ui.h"
#include "pushfix/util.h"

#define C_RESET "\033[m"
#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_CYAN "\033[36m"
#define C_BOLD_RED "\033[1;31m"
#define C_BOLD_YELLOW "\033[1;33m"
#define C_BOLD_BLUE "\033[1;34m"

#define DIFF_CONTEXT 3
#define ANSWER_MAX 1024
/* Larger blocks get a plain "all old lines, then all new lines" diff. */
#define LCS_MAX_CELLS ((size_t)1 << 20)

/* ---- text for the terminal ------------------------------------------ */

/* Decode one UTF-8 sequence; 0 when invalid. */
static size_t utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t n, i;

	if (!len)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		n = 2;
		c = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		n = 3;
		c = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		n = 4;
		c = s[0] & 0x07;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) ||
	    (n == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

/* Characters that must not reach a terminal as they are: controls (they
 * could move the cursor or recolour the screen), C1 controls, and the
 * bidirectional overrides that make code read differently than it runs. */
static int is_unsafe(uint32_t c)
{
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	       (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static unsigned cp_width(uint32_t c)
{
	if ((c >= 0x300 && c <= 0x36f) || (c >= 0x200b && c <= 0x200f) ||
	    (c >= 0xfe00 && c <= 0xfe0f))
		return 0;
	if ((c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) ||
	    (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) ||
	    (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) ||
	    (c >= 0xffe0 && c <= 0xffe6) || (c >= 0x1f300 && c <= 0x1f64f) ||
	    (c >= 0x1f900 && c <= 0x1f9ff) || (c >= 0x20000 && c <= 0x3fffd))
		return 2;
	return 1;
}

unsigned pf_ui_columns(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned cols = 0;
	size_t i = 0;

	while (i < len) {
		uint32_t c;
		size_t n;

		if (s[i] == 0x1b && i + 1 < len && s[i + 1] == '[') {
			i += 2;
			while (i < len && !(s[i] >= 0x40 && s[i] <= 0x7e))
				i++;
			i++;
			continue;
		}
		n = utf8_decode(s + i, len - i, &c);
		if (!n) {
			cols++;
			i++;
			continue;
		}
		cols += cp_width(c);
		i += n;
	}
	return cols;
}

/*
 * One display cell sequence of a text: the bytes to print and their width.
 * Text from outside is made safe here: an unsafe or invalid character
 * becomes '?'; with `tabs` a TAB expands to the next multiple of 8 from
 * column `*col` (code), without it any white space is a blank (prose).
 */
struct cell {
	char b[8];
	unsigned char n, w;
};

struct cells {
	struct cell *v;
	size_t nr, alloc;
};

static void cells_add(struct cells *cs, const char *b, size_t n, unsigned w)
{
	struct cell *c;

	PF_ALLOC_GROW(cs->v, cs->nr + 1, cs->alloc);
	c = &cs->v[cs->nr++];
	memcpy(c->b, b, n);
	c->n = (unsigned char)n;
	c->w = (unsigned char)w;
}

static void cells_from(struct cells *cs, const char *str, size_t len, int tabs)
{
	const unsigned char *s = (const unsigned char *)str;
	/* Code follows a one-column diff sign: tab stops count from the
	 * terminal's column 0, as they do in git's output. */
	unsigned col = tabs ? 1 : 0;
	size_t i = 0;

	while (i < len) {
		uint32_t c;
		size_t n = utf8_decode(s + i, len - i, &c);

		if (!n) {
			cells_add(cs, "?", 1, 1);
			col++;
			i++;
			continue;
		}
		i += n;
		if (c == '\t' && tabs) {
			do {
				cells_add(cs, " ", 1, 1);
			} while (++col % 8);
		} else if (c == '\t' || c == '\n' || c == '\r') {
			cells_add(cs, " ", 1, 1);
			col++;
		} else if (is_unsafe(c)) {
			cells_add(cs, "?", 1, 1);
			col++;
		} else {
			cells_add(cs, (const char *)s + i - n, n, cp_width(c));
			col += cp_width(c);
		}
	}
}

/* Append a safe copy of s (for messages that are printed whole). */
static void add_safe(struct pf_buf *out, const char *s, size_t len)
{
	struct cells cs = { NULL, 0, 0 };

	cells_from(&cs, s, len, 0);
	for (size_t i = 0; i < cs.nr; i++)
		pf_buf_add(out, cs.v[i].b, cs.v[i].n);
	free(cs.v);
}

static void add_color(struct pf_buf *out, int color, const char *code)
{
	if (color)
		pf_buf_addstr(out, code);
}

/*
 * Word-wrap prose to `width` columns: the first line starts with `first`
 * (already in `out`, `first_cols` wide), the others with `indent` blanks.
 * White space runs fold to one blank; a word longer than a line is cut.
 */
static void add_wrapped(struct pf_buf *out, const char *text,
			unsigned first_cols, unsigned indent, unsigned width)
{
	struct cells cs = { NULL, 0, 0 };
	unsigned col = first_cols;
	size_t i = 0;
	int any = 0;

	cells_from(&cs, text ? text : "", text ? strlen(text) : 0, 0);
	while (i < cs.nr) {
		size_t j;
		unsigned ww = 0;

		while (i < cs.nr && cs.v[i].b[0] == ' ' && cs.v[i].n == 1)
			i++;
		if (i == cs.nr)
			break;
		for (j = i;
		     j < cs.nr && !(cs.v[j].b[0] == ' ' && cs.v[j].n == 1); j++)
			ww += cs.v[j].w;
		if (any && col + 1 + ww > width) {
			pf_buf_addf(out, "\n%*s", (int)indent, "");
			col = indent;
		} else if (any) {
			pf_buf_addch(out, ' ');
			col++;
		}
		for (; i < j; i++) {
			if (col + cs.v[i].w > width && col > indent) {
				pf_buf_addf(out, "\n%*s", (int)indent, "");
				col = indent;
			}
			pf_buf_add(out, cs.v[i].b, cs.v[i].n);
			col += cs.v[i].w;
		}
		any = 1;
	}
	pf_buf_addch(out, '\n');
	free(cs.v);
}

/* Append s cut to `max` columns, "..." at the cut; returns the columns. */
static unsigned add_cut(struct pf_buf *out, const char *s, unsigned max)
{
	struct cells cs = { NULL, 0, 0 };
	unsigned total = 0, col = 0;

	cells_from(&cs, s ? s : "", s ? strlen(s) : 0, 0);
	for (size_t i = 0; i < cs.nr; i++)
		total += cs.v[i].w;
	for (size_t i = 0; i < cs.nr; i++) {
		if (total > max && col + cs.v[i].w + 3 > max) {
			pf_buf_addstr(out, "...");
			col += 3;
			break;
		}
		pf_buf_add(out, cs.v[i].b, cs.v[i].n);
		col += cs.v[i].w;
	}
	free(cs.v);
	return col;
}

/* Like add_cut, but keeps the end (paths: "...dir/file.py"). */
static unsigned add_cut_left(struct pf_buf *out, const char *s, unsigned max)
{
	struct cells cs = { NULL, 0, 0 };
	unsigned total = 0;
	size_t i = 0;

	cells_from(&cs, s ? s : "", s ? strlen(s) : 0, 0);
	for (size_t k = 0; k < cs.nr; k++)
		total += cs.v[k].w;
	if (total > max) {
		pf_buf_addstr(out, "...");
		while (i < cs.nr && total + 3 > max)
			total -= cs.v[i++].w;
		total += 3;
	}
	for (; i < cs.nr; i++)
		pf_buf_add(out, cs.v[i].b, cs.v[i].n);
	free(cs.v);
	return total;
}

/* ---- diff ----------------------------------------------------------- */

struct lineset {
	const char **s;
	size_t *len;
	uint32_t nr;
};

/* Split into lines without their terminators. */
static void lineset_split(struct lineset *ls, const char *data, size_t len)
{
	size_t alloc_s = 0, alloc_l = 0, i = 0;

	memset(ls, 0, sizeof(*ls));
	while (i < len) {
		const char *nl = memchr(data + i, '\n', len - i);
		size_t e = nl ? (size_t)(nl - data) : len, n = e - i;

		if (n && data[i + n - 1] == '\r')
			n--;
		PF_ALLOC_GROW(ls->s, ls->nr + 1, alloc_s);
		PF_ALLOC_GROW(ls->len, ls->nr + 1, alloc_l);
		ls->s[ls->nr] = data + i;
		ls->len[ls->nr++] = n;
		i = e + 1;
	}
}

static void lineset_release(struct lineset *ls)
{
	free(ls->s);
	free(ls->len);
}

static int line_eq(const struct lineset *a, uint32_t i, const struct lineset *b,
		   uint32_t j)
{
	return a->len[i] == b->len[j] && !memcmp(a->s[i], b->s[j], a->len[i]);
}

struct diff_op {
	char op; /* ' ', '-', '+' */
	const char *s;
	size_t len;
	uint32_t old_no, new_no; /* line numbers (the side it exists on) */
};

struct diff_ops {
	struct diff_op *v;
	size_t nr, alloc;
};

static void op_add(struct diff_ops *ops, char op, const char *s, size_t len,
		   uint32_t old_no, uint32_t new_no)
{
	PF_ALLOC_GROW(ops->v, ops->nr + 1, ops->alloc);
	ops->v[ops->nr++] = (struct diff_op){ op, s, len, old_no, new_no };
}

/* The edit script turning old[a..a+m) into new[b..b+k) (LCS). */
static void diff_block(struct diff_ops *ops, const struct lineset *o,
		       uint32_t a, uint32_t m, const struct lineset *n,
		       uint32_t b, uint32_t k, uint32_t old_no, uint32_t new_no)
{
	uint32_t *t = NULL, i = 0, j = 0;
	size_t w = (size_t)k + 1;

	if ((size_t)(m + 1) * w <= LCS_MAX_CELLS) {
		t = pf_xcalloc(((size_t)m + 1) * w, sizeof(*t));
		for (uint32_t x = m; x-- > 0;)
			for (uint32_t y = k; y-- > 0;)
				t[x * w + y] =
					line_eq(o, a + x, n, b + y)
						? t[(x + 1) * w + y + 1] + 1
					: t[(x + 1) * w + y] > t[x * w + y + 1]
						? t[(x + 1) * w + y]
						: t[x * w + y + 1];
	}
	while (t && i < m && j < k) {
		if (line_eq(o, a + i, n, b + j)) {
			op_add(ops, ' ', o->s[a + i], o->len[a + i], old_no + i,
			       new_no + j);
			i++;
			j++;
		} else if (t[(i + 1) * w + j] >= t[i * w + j + 1]) {
			op_add(ops, '-', o->s[a + i], o->len[a + i], old_no + i,
			       0);
			i++;
		} else {
			op_add(ops, '+', n->s[b + j], n->len[b + j], 0,
			       new_no + j);
			j++;
		}
	}
	for (; i < m; i++)
		op_add(ops, '-', o->s[a + i], o->len[a + i], old_no + i, 0);
	for (; j < k; j++)
		op_add(ops, '+', n->s[b + j], n->len[b + j], 0, new_no + j);
	free(t);
}

/* One diff line, wrapped at `width` with a '\' at each cut. */
static void add_diff_line(struct pf_buf *out, char sign, const char *s,
			  size_t len, int color, unsigned width)
{
	struct cells cs = { NULL, 0, 0 };
	const char *code = sign == '-' ? C_RED : sign == '+' ? C_GREEN : NULL;
	unsigned total = 1, col;
	size_t i = 0;

	cells_from(&cs, s, len, 1);
	for (size_t k = 0; k < cs.nr; k++)
		total += cs.v[k].w;
	do {
		if (code)
			add_color(out, color, code);
		pf_buf_addch(out, sign);
		col = 1;
		for (; i < cs.nr; i++) {
			unsigned room =
				total - 1 > width - 1 ? width - 1 : width;

			if (col + cs.v[i].w > room && col > 1)
				break;
			pf_buf_add(out, cs.v[i].b, cs.v[i].n);
			col += cs.v[i].w;
		}
		if (i < cs.nr)
			pf_buf_addch(out, '\\');
		if (code)
			add_color(out, color, C_RESET);
		pf_buf_addch(out, '\n');
	} while (i < cs.nr);
	free(cs.v);
}

void pf_ui_render_diff(struct pf_buf *out, const char *path, const char *pushed,
		       size_t pushed_len, uint32_t start, uint32_t end,
		       const char *replacement, int color, unsigned width)
{
	struct lineset o, n;
	struct diff_ops ops = { NULL, 0, 0 };
	uint32_t m, k, pre = 0, suf = 0, ctx_from, ctx_to, delta;
	size_t h;
	int changed = 0;

	if (!width)
		width = 80;
	lineset_split(&o, pushed ? pushed : "", pushed ? pushed_len : 0);
	lineset_split(&n, replacement ? replacement : "",
		      replacement ? strlen(replacement) : 0);
	if (!start || end < start || end > o.nr) {
		/* No pushed lines to compare with: the new text alone. */
		for (uint32_t j = 0; j < n.nr; j++)
			add_diff_line(out, '+', n.s[j], n.len[j], color, width);
		goto out;
	}
	m = end - start + 1;
	k = n.nr;
	while (pre < m && pre < k && line_eq(&o, start - 1 + pre, &n, pre))
		pre++;
	while (suf < m - pre && suf < k - pre &&
	       line_eq(&o, end - 1 - suf, &n, k - 1 - suf))
		suf++;
	ctx_from = start > DIFF_CONTEXT ? start - DIFF_CONTEXT : 1;
	ctx_to = end + DIFF_CONTEXT < o.nr ? end + DIFF_CONTEXT : o.nr;
	delta = 0;
	for (uint32_t x = ctx_from; x < start + pre; x++)
		op_add(&ops, ' ', o.s[x - 1], o.len[x - 1], x, x);
	diff_block(&ops, &o, start - 1 + pre, m - pre - suf, &n, pre,
		   k - pre - suf, start + pre, start + pre);
	delta = k - m; /* unsigned wrap is fine: added back modulo 2^32 */
	for (uint32_t x = end - suf + 1; x <= ctx_to; x++)
		op_add(&ops, ' ', o.s[x - 1], o.len[x - 1], x, x + delta);
	for (h = 0; h < ops.nr; h++)
		changed |= ops.v[h].op != ' ';
	if (!changed) {
		pf_buf_addstr(out, "  (the fix changes nothing)\n");
		goto out;
	}

	add_color(out, color, C_BOLD);
	pf_buf_addstr(out, "--- a/");
	add_cut_left(out, path, width - 6);
	add_color(out, color, C_RESET);
	pf_buf_addch(out, '\n');
	add_color(out, color, C_BOLD);
	pf_buf_addstr(out, "+++ b/");
	add_cut_left(out, path, width - 6);
	add_color(out, color, C_RESET);
	pf_buf_addch(out, '\n');

	/* Hunks: changes closer than 2 * context share one. */
	h = 0;
	while (h < ops.nr) {
		size_t first, last, from, to, x;
		uint32_t os = 0, ns = 0, oc = 0, nc = 0;

		while (h < ops.nr && ops.v[h].op == ' ')
			h++;
		if (h == ops.nr)
			break;
		first = last = h;
		for (x = h + 1; x < ops.nr; x++) {
			if (ops.v[x].op == ' ')
				continue;
			if (x - last - 1 > 2 * DIFF_CONTEXT)
				break;
			last = x;
		}
		from = first > DIFF_CONTEXT ? first - DIFF_CONTEXT : 0;
		to = last + DIFF_CONTEXT + 1 < ops.nr ? last + DIFF_CONTEXT + 1
						      : ops.nr;
		for (x = from; x < to; x++) {
			if (ops.v[x].op != '+') {
				if (!oc++)
					os = ops.v[x].old_no;
			}
			if (ops.v[x].op != '-') {
				if (!nc++)
					ns = ops.v[x].new_no;
			}
		}
		/* An empty side is numbered by the line before it, as
		 * git does ("@@ -1 +0,0 @@"). */
		if (!nc)
			ns = os ? os - 1 : 0;
		add_color(out, color, C_CYAN);
		pf_buf_addf(out, "@@ -%u", os);
		if (oc != 1)
			pf_buf_addf(out, ",%u", oc);
		pf_buf_addf(out, " +%u", ns);
		if (nc != 1)
			pf_buf_addf(out, ",%u", nc);
		pf_buf_addstr(out, " @@");
		add_color(out, color, C_RESET);
		pf_buf_addch(out, '\n');
		for (x = from; x < to; x++)
			add_diff_line(out, ops.v[x].op, ops.v[x].s,
				      ops.v[x].len, color, width);
		h = to;
	}
out:
	free(ops.v);
	lineset_release(&o);
	lineset_release(&n);
}

/* ---- one finding ---------------------------------------------------- */

static const char *sev_color(enum pf_severity s)
{
	switch (s) {
	case PF_SEV_CRITICAL:
	case PF_SEV_ERROR:
		return C_BOLD_RED;
	case PF_SEV_WARNING:
		return C_BOLD_YELLOW;
	default:
		return C_CYAN;
	}
}

static const char *verdict_words(enum pf_verdict v)
{
	switch (v) {
	case PF_VERDICT_TRUE_POSITIVE:
		return "true positive";
	case PF_VERDICT_FALSE_POSITIVE:
		return "false positive";
	case PF_VERDICT_UNCERTAIN:
		return "uncertain";
	case PF_VERDICT_NONE:
		break;
	}
	return "none";
}

static const char *verdict_color(enum pf_verdict v)
{
	switch (v) {
	case PF_VERDICT_TRUE_POSITIVE:
		return C_RED;
	case PF_VERDICT_FALSE_POSITIVE:
		return C_GREEN;
	default:
		return C_YELLOW;
	}
}

/* A fix the developer can accept (shown as a diff). */
static int has_fix(const struct pf_finding *f, int show_unverified)
{
	const struct pf_fix *x = &f->fix;

	if (x->origin == PF_FIX_NONE || !x->replacement || !x->start_line ||
	    x->end_line < x->start_line || x->state == PF_FIX_REFUSED)
		return 0;
	if (x->origin == PF_FIX_LLM && x->state != PF_FIX_VERIFIED &&
	    !show_unverified)
		return 0;
	return 1;
}

/* A fix `a` applies without asking. */
static int trusted_fix(const struct pf_finding *f, int show_unverified)
{
	return has_fix(f, show_unverified) &&
	       (f->fix.state == PF_FIX_VERIFIED ||
		(f->fix.origin == PF_FIX_RULE &&
		 f->fix.state == PF_FIX_UNCHECKED));
}

static const char *fix_mark(const struct pf_fix *x)
{
	if (x->origin == PF_FIX_RULE)
		return "from the rule";
	return x->state == PF_FIX_VERIFIED ? "verified" : "unverified";
}

/* "[1/3] ERROR rule.id" */
static void render_title(struct pf_buf *out, const struct pf_finding *f,
			 const struct pf_ui_render_opts *o, unsigned width)
{
	size_t start = out->len;
	unsigned col;

	if (o->total)
		pf_buf_addf(out, "[%u/%u] ", o->index, o->total);
	col = pf_ui_columns(out->buf + start, out->len - start);
	add_color(out, o->color, sev_color(f->severity));
	pf_buf_addstr(out, pf_severity_name(f->severity));
	add_color(out, o->color, C_RESET);
	col += (unsigned)strlen(pf_severity_name(f->severity)) + 1;
	pf_buf_addch(out, ' ');
	add_color(out, o->color, C_BOLD);
	add_cut(out, f->rule_id ? f->rule_id : "(no rule id)",
		width > col ? width - col : 1);
	add_color(out, o->color, C_RESET);
	pf_buf_addch(out, '\n');
}

/* "  mode: block", for a rule [rules] names (issue 15): the developer
 * sees why this one stops the push, or why it never does. */
static void render_mode(struct pf_buf *out, const struct pf_finding *f,
			int color)
{
	if (f->mode != PF_MODE_BLOCK && f->mode != PF_MODE_COMMENT)
		return;
	pf_buf_addstr(out, "  mode: ");
	add_color(out, color, f->mode == PF_MODE_BLOCK ? C_RED : C_CYAN);
	pf_buf_addstr(out, pf_mode_name(f->mode));
	add_color(out, color, C_RESET);
	pf_buf_addstr(out, f->mode == PF_MODE_BLOCK
				   ? " ([rules] block: stops the push unless "
				     "fixed or ignored)\n"
				   : " ([rules] comment: never stops the "
				     "push)\n");
}

/* "  path:line", the path cut on the left to fit */
static void render_location(struct pf_buf *out, const struct pf_finding *f,
			    unsigned width)
{
	struct pf_buf loc = PF_BUF_INIT;

	if (f->end.line > f->start.line)
		pf_buf_addf(&loc, ":%u-%u", f->start.line, f->end.line);
	else
		pf_buf_addf(&loc, ":%u", f->start.line);
	/* Identical reports merged into this one (pf_findings_merge). */
	if (pf_finding_count(f) > 1)
		pf_buf_addf(&loc, " (reported %zu times)", pf_finding_count(f));
	pf_buf_addstr(out, "  ");
	add_cut_left(out, f->path ? f->path : "?",
		     width > loc.len + 12 ? width - 2 - (unsigned)loc.len : 10);
	pf_buf_add(out, loc.buf, loc.len);
	pf_buf_addch(out, '\n');
	pf_buf_release(&loc);
}

static void render_message(struct pf_buf *out, const struct pf_finding *f,
			   unsigned width)
{
	if (f->message && *f->message) {
		pf_buf_addstr(out, "  ");
		add_wrapped(out, f->message, 2, 2, width);
	}
}

/* The matched lines as pushed (never the scanner's copy), a few at most:
 * the diff below shows more around a fix. */
static void render_lines(struct pf_buf *out, const struct pf_finding *f,
			 unsigned width)
{
	const char *p = f->lines;
	uint32_t ln = f->start.line;
	unsigned shown = 0;

	if (!p || !*p)
		return;
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *one;

		if (shown == 6) {
			pf_buf_addstr(out, "        ...\n");
			break;
		}
		one = pf_xstrndup(p, n);
		pf_buf_addf(out, "  %5u | ", ln);
		add_cut(out, one, width > 20 ? width - 10 : 10);
		pf_buf_addch(out, '\n');
		free(one);
		ln++;
		shown++;
		if (!e)
			break;
		p = e + 1;
	}
}

/* "  triage: none (why)": there is no verdict. */
static void render_no_verdict(struct pf_buf *out, const struct pf_triage *t,
			      unsigned width)
{
	struct pf_buf why = PF_BUF_INIT;

	pf_buf_addstr(&why, "none");
	if (t->error && *t->error)
		pf_buf_addf(&why, " (%s)", t->error);
	else
		pf_buf_addstr(&why, " (not triaged)");
	add_wrapped(out, why.buf, 10, 4, width);
	pf_buf_release(&why);
}

/* "  triage: <verdict>, confidence 0.90 (cached): <first line of the
 * reason>", then the developer's feedback. */
static void render_verdict(struct pf_buf *out, const struct pf_triage *t,
			   int color, unsigned width)
{
	struct pf_buf v = PF_BUF_INIT;
	const char *nl;

	size_t col = 10 + strlen(verdict_words(t->verdict));

	add_color(out, color, verdict_color(t->verdict));
	pf_buf_addstr(out, verdict_words(t->verdict));
	add_color(out, color, C_RESET);
	/* The LLM's tag of what the code does (issue 15): "[auth]"; the
	 * wrapped text would lose a leading blank, so it goes here. */
	if (t->component && *t->component) {
		pf_buf_addch(out, ' ');
		pf_buf_addf(&v, "[%s]", t->component);
		col++;
	}
	pf_buf_addf(&v, ", confidence %.2f", t->confidence);
	if (t->cached)
		pf_buf_addstr(&v, " (cached)");
	if (t->reason && *t->reason) {
		/* One line: the first of the reason. */
		nl = strchr(t->reason, '\n');
		pf_buf_addstr(&v, ": ");
		pf_buf_add(&v, t->reason,
			   nl ? (size_t)(nl - t->reason) : strlen(t->reason));
	}
	add_wrapped(out, v.buf, (unsigned)col, 4, width);
	pf_buf_release(&v);
	if (t->feedback)
		pf_buf_addf(out, "  your feedback: %s\n",
			    t->feedback > 0 ? "agree" : "disagree");
}

static void render_triage(struct pf_buf *out, const struct pf_triage *t,
			  const struct pf_ui_render_opts *o, unsigned width)
{
	int color = o->color;

	/* Nothing was asked, and the hook said why once: a line per
	 * finding would only repeat it. */
	if (o->no_llm && t->verdict == PF_VERDICT_NONE &&
	    (!t->error || !*t->error))
		return;
	pf_buf_addstr(out, "  triage: ");
	if (t->verdict == PF_VERDICT_NONE)
		render_no_verdict(out, t, width);
	else
		render_verdict(out, t, color, width);
}

/* "  fix (verified):" and the fix as a diff. */
static void render_fix_diff(struct pf_buf *out, const struct pf_finding *f,
			    const char *pushed, size_t pushed_len, int color,
			    unsigned width)
{
	const struct pf_fix *x = &f->fix;
	const char *mark = fix_mark(x);
	struct pf_buf mp = PF_BUF_INIT, mr = PF_BUF_INIT;

	pf_buf_addstr(out, "  fix (");
	add_color(out, color,
		  x->origin == PF_FIX_RULE	? C_CYAN
		  : x->state == PF_FIX_VERIFIED ? C_GREEN
						: C_YELLOW);
	pf_buf_addstr(out, mark);
	add_color(out, color, C_RESET);
	if (x->origin == PF_FIX_LLM && x->state != PF_FIX_VERIFIED && x->note &&
	    *x->note) {
		pf_buf_addstr(out, "): ");
		add_wrapped(out, x->note, 10 + (unsigned)strlen(mark), 4,
			    width);
	} else {
		pf_buf_addstr(out, "):\n");
	}
	/* The diff's lines, as every code line shown, never a credential
	 * whole (issue 11): masking keeps the lines where they were. */
	pf_secret_mask_text(&mp, pushed ? pushed : "", pushed ? pushed_len : 0);
	pf_secret_mask_text(&mr, x->replacement ? x->replacement : "",
			    x->replacement ? strlen(x->replacement) : 0);
	pf_ui_render_diff(out, f->path ? f->path : "?", pushed ? mp.buf : NULL,
			  pushed ? mp.len : 0, x->start_line, x->end_line,
			  x->replacement ? mr.buf : NULL, color, width);
	pf_buf_release(&mp);
	pf_buf_release(&mr);
}

/* The fix: refused (why), hidden (unverified), none, or its diff. */
static void render_fix(struct pf_buf *out, const struct pf_finding *f,
		       const char *pushed, size_t pushed_len,
		       const struct pf_ui_render_opts *o, unsigned width)
{
	const struct pf_fix *x = &f->fix;

	if (x->origin != PF_FIX_NONE && x->state == PF_FIX_REFUSED) {
		pf_buf_addstr(out, "  fix: ");
		add_color(out, o->color, C_YELLOW);
		pf_buf_addstr(out, "refused");
		add_color(out, o->color, C_RESET);
		pf_buf_addstr(out, ": ");
		add_wrapped(out, x->note ? x->note : "no reason given", 16, 4,
			    width);
	} else if (x->origin == PF_FIX_LLM && x->replacement &&
		   !has_fix(f, o->show_unverified)) {
		pf_buf_addstr(out, "  fix: ");
		add_wrapped(out,
			    "hidden: the re-scan could not verify it "
			    "([llm] show_unverified = false)",
			    7, 4, width);
	} else if (x->origin == PF_FIX_NONE && !x->replacement && x->note &&
		   *x->note) {
		/* Dropped: "the suggested fix changes nothing". */
		pf_buf_addstr(out, "  fix: none: ");
		add_wrapped(out, x->note, 13, 4, width);
	} else if (!has_fix(f, o->show_unverified)) {
		pf_buf_addstr(out, "  fix: none\n");
	} else {
		render_fix_diff(out, f, pushed, pushed_len, o->color, width);
	}
}

void pf_ui_render_finding(struct pf_buf *out, const struct pf_finding *f,
			  const char *pushed, size_t pushed_len,
			  const struct pf_ui_render_opts *o)
{
	unsigned width = o->width ? o->width : 80;

	render_title(out, f, o, width);
	render_location(out, f, width);
	render_mode(out, f, o->color);
	render_message(out, f, width);
	render_lines(out, f, width);
	if (f->secret && !o->no_llm)
		pf_buf_addstr(out,
			      "  triage: not sent (a credential never goes "
			      "to an LLM)\n");
	else if (!f->secret)
		render_triage(out, &f->triage, o, width);
	render_fix(out, f, pushed, pushed_len, o, width);
}

/* ---- keys and colour ------------------------------------------------ */

int pf_ui_parse_key(const char *line)
{
	const char *p = line ? line : "";
	int c;

	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (!*p)
		return 'n';
	c = (unsigned char)*p;
	/* I (capital) shares the ignore with the team; every other key
	 * reads the same in either case. */
	if (c == 'I')
		return 'I';
	if (c >= 'A' && c <= 'Z')
		c = c - 'A' + 'a';
	return strchr("ynadiep+-qx?", c) ? c : 0;
}

int pf_ui_want_color(int flag, enum pf_tristate cfg, git_repository *repo,
		     int is_tty)
{
	const char *e, *term;

	if (flag >= 0)
		return !!flag;
	if (cfg == PF_ALWAYS)
		return 1;
	if (cfg == PF_NEVER)
		return 0;
	e = getenv("NO_COLOR");
	if (e && *e)
		return 0;
	e = getenv("CLICOLOR_FORCE");
	if (e && *e && strcmp(e, "0"))
		return 1;
	if (repo) {
		git_config *gc = NULL;
		git_buf v = { 0 };
		int r = -1;

		if (!git_repository_config_snapshot(&gc, repo) &&
		    !git_config_get_string_buf(&v, gc, "color.ui")) {
			if (!strcasecmp(v.ptr, "always"))
				r = 1;
			else if (!strcasecmp(v.ptr, "never") ||
				 !strcasecmp(v.ptr, "false") ||
				 !strcasecmp(v.ptr, "no") ||
				 !strcasecmp(v.ptr, "off") ||
				 !strcmp(v.ptr, "0"))
				r = 0;
		}
		git_buf_dispose(&v);
		git_config_free(gc);
		git_error_clear();
		if (r >= 0)
			return r;
	}
	term = getenv("TERM");
	return is_tty && term && *term && strcmp(term, "dumb");
}

/* ---- the session ---------------------------------------------------- */

enum outcome { O_OPEN = 0, O_APPLIED, O_SKIPPED, O_IGNORED, O_REFUSED };

struct edit {
	const char *path;
	uint32_t start, old_n, new_n; /* in the pushed file's numbering */
};

struct session {
	struct pf_run *run;
	struct pf_ui_result *res;
	FILE *out;
	int own_out;
	int in_fd; /* -1: nothing is asked */
	int in_is_tty;
	const char *why_not; /* why nothing is asked */
	int color;
	unsigned width;
	time_t now;
	struct edit *edits;
	size_t edits_nr, edits_alloc;
	const char **ignored; /* fingerprints ignored in this session */
	size_t ignored_nr, ignored_alloc;
	int auto_apply, skip_rest, stop;
};

static void say(struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void say(struct session *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(s->out, fmt, ap);
	va_end(ap);
}

static void put(struct session *s, const struct pf_buf *b)
{
	fwrite(b->buf, 1, b->len, s->out);
}

/* A line of our own about a finding: "  <msg>", safe and wrapped. */
static void note(struct session *s, const char *color, const char *msg)
{
	struct pf_buf b = PF_BUF_INIT;

	pf_buf_addstr(&b, "  ");
	add_color(&b, s->color && color, color ? color : "");
	add_wrapped(&b, msg, 2, 4, s->width);
	if (s->color && color) {
		/* Close the colour before the line end. */
		pf_buf_setlen(&b, b.len - 1);
		pf_buf_addstr(&b, C_RESET "\n");
	}
	put(s, &b);
	pf_buf_release(&b);
}

/* The file as pushed that holds this finding.  Two refs may push two
 * versions of one path: take the one whose lines are the finding's. */
static const struct pf_changed_file *content_of(const struct pf_run *run,
						const struct pf_finding *f)
{
	const struct pf_changed_file *first = NULL;

	if (!f->path)
		return NULL;
	for (size_t i = 0; i < run->cs.nr; i++) {
		const struct pf_changed_file *cf = &run->cs.files[i];
		struct pf_buf cut = PF_BUF_INIT;
		int match;

		if (!cf->content || strcmp(cf->path, f->path))
			continue;
		if (!first)
			first = cf;
		if (!f->lines)
			break;
		match = !pf_apply_cut_lines(
			&cut, cf->content, cf->content_len, f->start.line,
			f->end.line ? f->end.line : f->start.line);
		pf_buf_rtrim(&cut);
		match = match && !strncmp(cut.buf, f->lines, cut.len);
		pf_buf_release(&cut);
		if (match)
			return cf;
	}
	return first;
}

/* Where pushed lines start..end are now, after the session's own edits;
 * 0 when an earlier edit overlaps them. */
static uint32_t map_line(const struct session *s, const char *path,
			 uint32_t start, uint32_t end)
{
	int64_t at = start;

	for (size_t i = 0; i < s->edits_nr; i++) {
		const struct edit *e = &s->edits[i];

		if (strcmp(e->path, path))
			continue;
		if (e->start + e->old_n - 1 < start)
			at += (int64_t)e->new_n - e->old_n;
		else if (end >= e->start)
			return 0;
	}
	return at > 0 ? (uint32_t)at : 0;
}

/* Apply `text` over pushed lines start..end of f's file; says what
 * happened.  0 when written. */
static int apply_text(struct session *s, struct pf_finding *f, uint32_t start,
		      uint32_t end, const char *text, const char *what)
{
	const struct pf_changed_file *cf = content_of(s->run, f);
	struct pf_apply_req req;
	struct pf_apply_result r;
	struct pf_buf msg = PF_BUF_INIT;
	uint32_t expect;
	int ret;

	if (!cf) {
		ret = pf_error_setc(PF_ENOTFOUND,
				    "the pushed content of '%s' is not "
				    "available",
				    f->path ? f->path : "?");
		goto fail;
	}
	expect = map_line(s, f->path, start, end);
	if (!expect) {
		ret = pf_error_setc(PF_EINVALID,
				    "'%s' lines %u-%u overlap a change "
				    "applied earlier in this session",
				    f->path, start, end);
		goto fail;
	}
	memset(&req, 0, sizeof(req));
	req.worktree = s->run->worktree;
	req.path = f->path;
	req.pushed = cf->content;
	req.pushed_len = cf->content_len;
	req.start_line = start;
	req.end_line = end;
	req.replacement = text;
	req.replacement_len = strlen(text);
	req.expect_line = expect;
	ret = pf_apply_fix(&r, &req);
	if (ret)
		goto fail;
	PF_ALLOC_GROW(s->edits, s->edits_nr + 1, s->edits_alloc);
	s->edits[s->edits_nr++] =
		(struct edit){ f->path, start, r.old_lines, r.new_lines };
	pf_buf_addf(&msg, "%s %s:%u", what, f->path, r.at_line);
	if (r.moved)
		pf_buf_addf(&msg, " (line %u as pushed)", start);
	note(s, C_GREEN, msg.buf);
	pf_buf_release(&msg);
	return 0;
fail:
	pf_buf_addf(&msg, "not applied: %s", pf_error_last());
	note(s, C_BOLD_RED, msg.buf);
	pf_buf_release(&msg);
	return ret;
}

static int apply_fix(struct session *s, struct pf_finding *f)
{
	return apply_text(s, f, f->fix.start_line, f->fix.end_line,
			  f->fix.replacement, "applied the fix to");
}

static int session_ignored(const struct session *s, const char *fp)
{
	for (size_t i = 0; i < s->ignored_nr; i++)
		if (*fp && !strcmp(s->ignored[i], fp))
			return 1;
	return 0;
}

/* `i`: a nosemgrep comment when configured (and possible), else the
 * decision store.  0 when the finding is ignored. */
static int ignore_finding(struct session *s, struct pf_finding *f)
{
	struct pf_buf c = PF_BUF_INIT, text = PF_BUF_INIT, line = PF_BUF_INIT;
	const struct pf_changed_file *cf;
	int ret;

	if (s->run->cfg.ui.ignore_writes_nosemgrep) {
		cf = content_of(s->run, f);
		ret = pf_decision_nosemgrep_comment(&c, f->path ? f->path : "",
						    f->rule_id ? f->rule_id
							       : "");
		if (!ret && !cf)
			ret = pf_error_setc(PF_ENOTFOUND,
					    "the pushed content is not "
					    "available");
		if (!ret)
			ret = pf_apply_cut_lines(&line, cf->content,
						 cf->content_len, f->start.line,
						 f->start.line);
		if (!ret) {
			size_t ind = strspn(line.buf, " \t");

			pf_buf_add(&text, line.buf, ind);
			pf_buf_addf(&text, "%s\n", c.buf);
			pf_buf_add(&text, line.buf, line.len);
			ret = apply_text(s, f, f->start.line, f->start.line,
					 text.buf,
					 "wrote a nosemgrep comment "
					 "above");
			if (!ret) {
				s->res->comments++;
				goto out;
			}
			note(s, NULL, "remembering the decision instead");
		} else {
			struct pf_buf m = PF_BUF_INIT;

			pf_buf_addf(&m,
				    "no nosemgrep comment: %s; remembering "
				    "the decision instead",
				    pf_error_last());
			note(s, C_YELLOW, m.buf);
			pf_buf_release(&m);
		}
	}
	if (!s->run->state_dir) {
		ret = pf_error_set("no state directory to remember it in");
	} else {
		ret = pf_decision_ignore(s->run->state_dir, f, s->now);
	}
	if (ret) {
		struct pf_buf m = PF_BUF_INIT;

		pf_buf_addf(&m, "cannot ignore it: %s", pf_error_last());
		note(s, C_BOLD_RED, m.buf);
		pf_buf_release(&m);
		goto out;
	}
	note(s, NULL,
	     "ignored: it will not be shown again "
	     "(`pushfix ignored` lists it)");
out:
	if (!ret) {
		PF_ALLOC_GROW(s->ignored, s->ignored_nr + 1, s->ignored_alloc);
		s->ignored[s->ignored_nr++] = f->fingerprint;
	}
	pf_buf_release(&c);
	pf_buf_release(&text);
	pf_buf_release(&line);
	return ret;
}

/* `I`: the decision goes to the repository's .pushfix/ignore, for the
 * team (the developer commits it), and the finding is left for this
 * session.  0 when it is shared. */
static int share_finding(struct session *s, struct pf_finding *f)
{
	struct pf_buf m = PF_BUF_INIT;
	int ret;

	if (!s->run->worktree)
		ret = pf_error_setc(PF_EINVALID, "no working tree to hold "
						 ".pushfix/ignore");
	else
		ret = pf_decision_share(s->run->worktree, f->fingerprint,
					f->rule_id ? f->rule_id : "",
					f->path ? f->path : "",
					"ignored for the team at the prompt");
	if (ret < 0) {
		pf_buf_addf(&m, "cannot share it: %s", pf_error_last());
		note(s, C_BOLD_RED, m.buf);
		pf_buf_release(&m);
		return ret;
	}
	note(s, NULL,
	     ret ? "ignored for the team: added to .pushfix/ignore; commit "
		   "it (git add .pushfix && git commit)"
		 : "already in .pushfix/ignore");
	PF_ALLOC_GROW(s->ignored, s->ignored_nr + 1, s->ignored_alloc);
	s->ignored[s->ignored_nr++] = f->fingerprint;
	return 0;
}

/* The editor, as git chooses it. */
static char *editor_cmdline(const struct session *s)
{
	const char *e = getenv("GIT_EDITOR"), *term = getenv("TERM");
	char *ret = NULL;

	if (e && *e)
		return pf_xstrdup(e);
	if (s->run->repo) {
		git_config *gc = NULL;
		git_buf v = { 0 };

		if (!git_repository_config_snapshot(&gc, s->run->repo) &&
		    !git_config_get_string_buf(&v, gc, "core.editor") &&
		    v.ptr && *v.ptr)
			ret = pf_xstrdup(v.ptr);
		git_buf_dispose(&v);
		git_config_free(gc);
		git_error_clear();
		if (ret)
			return ret;
	}
	e = getenv("VISUAL");
	if (e && *e && term && strcmp(term, "dumb"))
		return pf_xstrdup(e);
	e = getenv("EDITOR");
	if (e && *e)
		return pf_xstrdup(e);
	return pf_xstrdup("vi");
}

static int only_blanks(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (!strchr(" \t\r\n\f\v", s[i]))
			return 0;
	return 1;
}

/*
 * The developer's edit, re-scanned like any other fix and said to be
 * verified or not before it is applied.  0 when it changes nothing (then
 * there is nothing to apply).
 */
static int check_edit(struct session *s, const struct pf_finding *f,
		      uint32_t start, uint32_t end, const char *text)
{
	struct pf_buf why = PF_BUF_INIT, msg = PF_BUF_INIT;
	enum pf_fix_state st;

	if (pf_fix_check_text(s->run, f, start, end, text, &st, &why)) {
		note(s, NULL, "your edit changes nothing: skipped");
		pf_buf_release(&why);
		return 0;
	}
	if (st == PF_FIX_VERIFIED) {
		note(s, C_GREEN, "your edited fix: verified");
	} else {
		pf_buf_addf(&msg, "your edited fix: unverified: %s",
			    why.len ? why.buf : "not checked");
		note(s, C_YELLOW, msg.buf);
	}
	pf_buf_release(&why);
	pf_buf_release(&msg);
	return 1;
}

/*
 * `e`: the fix (or, without one, the finding's lines) in the editor, then
 * applied the same safe way.  Returns the outcome, or O_OPEN to ask again
 * (the editor failed).
 */
static enum outcome edit_fix(struct session *s, struct pf_finding *f,
			     int fix_ok)
{
	const struct pf_changed_file *cf = content_of(s->run, f);
	struct pf_buf tmpl = PF_BUF_INIT, text = PF_BUF_INIT, msg = PF_BUF_INIT,
		      edited = PF_BUF_INIT;
	struct pf_proc_opts po;
	struct pf_proc_result pr;
	char **argv = NULL, *cmd = NULL;
	const char **full = NULL;
	uint32_t start, end;
	const char *base, *dot;
	enum outcome oc = O_OPEN;
	size_t nargs = 0, sfx = 0;
	int fd = -1, created = 0, ret;

	pf_proc_result_init(&pr);
	if (fix_ok) {
		start = f->fix.start_line;
		end = f->fix.end_line;
		pf_buf_addstr(&text, f->fix.replacement);
	} else {
		start = f->start.line;
		end = f->end.line >= start ? f->end.line : start;
		if (!cf || pf_apply_cut_lines(&text, cf->content,
					      cf->content_len, start, end)) {
			note(s, C_BOLD_RED,
			     "nothing to edit: the pushed lines "
			     "are not available");
			goto out;
		}
	}
	/* The temporary file keeps the extension, for the editor's syntax
	 * colouring, and lives in our private state directory. */
	if (s->run->state_dir && !pf_mkdir_p(s->run->state_dir, 0700))
		pf_buf_addf(&tmpl, "%s/edit-XXXXXX", s->run->state_dir);
	else
		pf_buf_addf(&tmpl, "%s/pushfix-edit-XXXXXX",
			    getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	base = f->path ? strrchr(f->path, '/') : NULL;
	base = base ? base + 1 : f->path ? f->path : "";
	dot = strrchr(base, '.');
	if (dot && strlen(dot) <= 12 &&
	    strspn(dot + 1, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRS"
			    "TUVWXYZ0123456789_") == strlen(dot + 1)) {
		pf_buf_addstr(&tmpl, dot);
		sfx = strlen(dot);
	}
	fd = mkstemps(tmpl.buf, (int)sfx);
	created = fd >= 0;
	if (fd < 0 || write(fd, text.buf, text.len) != (ssize_t)text.len) {
		pf_buf_addf(&msg, "cannot write '%s': %s", tmpl.buf,
			    strerror(errno));
		note(s, C_BOLD_RED, msg.buf);
		goto out;
	}
	close(fd);
	fd = -1;

	cmd = editor_cmdline(s);
	if (pf_proc_split(&argv, cmd)) {
		pf_buf_addf(&msg, "cannot run the editor '%s': %s", cmd,
			    pf_error_last());
		note(s, C_BOLD_RED, msg.buf);
		goto out;
	}
	while (argv[nargs])
		nargs++;
	full = pf_xcalloc(nargs + 2, sizeof(*full));
	for (size_t i = 0; i < nargs; i++)
		full[i] = argv[i];
	full[nargs] = tmpl.buf;
	pf_buf_addf(&msg,
		    "editing %s lines %u-%u in '%s'; save an empty file "
		    "to skip",
		    f->path ? f->path : "?", start, end, cmd);
	note(s, NULL, msg.buf);
	pf_buf_reset(&msg);
	fflush(s->out);
	memset(&po, 0, sizeof(po));
	po.argv = full;
	po.tty_stdio = s->in_is_tty;
	po.inherit_stdio = !s->in_is_tty;
	ret = pf_proc_run(&pr, &po);
	if (ret || pr.signaled || pr.exit_code) {
		if (ret)
			pf_buf_addf(&msg, "the editor failed: %s",
				    pf_error_last());
		else if (pr.signaled)
			pf_buf_addf(&msg,
				    "the editor was killed by signal "
				    "%d",
				    pr.signo);
		else
			pf_buf_addf(&msg, "the editor exited with status %d",
				    pr.exit_code);
		pf_buf_addstr(&msg, "; nothing applied");
		note(s, C_BOLD_RED, msg.buf);
		goto out;
	}
	if (pf_buf_read_file(&edited, tmpl.buf, (size_t)64 << 20)) {
		pf_buf_addf(&msg, "cannot read the edited fix: %s",
			    pf_error_last());
		note(s, C_BOLD_RED, msg.buf);
		goto out;
	}
	if (only_blanks(edited.buf, edited.len)) {
		note(s, NULL, "the edited fix is empty: skipped");
		oc = O_SKIPPED;
		goto out;
	}
	if (!check_edit(s, f, start, end, edited.buf)) {
		oc = O_SKIPPED;
		goto out;
	}
	oc = apply_text(s, f, start, end, edited.buf,
			"applied your edited fix to")
		     ? O_REFUSED
		     : O_APPLIED;
out:
	if (fd >= 0)
		close(fd);
	if (created)
		unlink(tmpl.buf);
	free(full);
	pf_proc_argv_free(argv);
	free(cmd);
	pf_proc_result_release(&pr);
	pf_buf_release(&tmpl);
	pf_buf_release(&text);
	pf_buf_release(&msg);
	pf_buf_release(&edited);
	return oc;
}

/* A terminal echoes what was typed; a scripted answer file does not:
 * echo it, so that the transcript reads the same. */
static void echo_answer(struct session *s, const struct pf_buf *line)
{
	struct pf_buf b = PF_BUF_INIT;

	if (s->in_is_tty)
		return;
	add_safe(&b, line->buf, line->len);
	pf_buf_addch(&b, '\n');
	put(s, &b);
	pf_buf_release(&b);
}

/* One answer line; 0 at the end of input. */
static int read_answer(struct session *s, struct pf_buf *line)
{
	pf_buf_reset(line);
	fflush(s->out);
	for (;;) {
		char c;
		ssize_t n = read(s->in_fd, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (line->len)
				echo_answer(s, line);
			return line->len > 0;
		}
		if (c == '\n') {
			echo_answer(s, line);
			return 1;
		}
		if (line->len < ANSWER_MAX)
			pf_buf_addch(line, c);
	}
}

/* One help line, "k - text", wrapped to the width. */
static void help_line(struct session *s, char key, const char *text)
{
	struct pf_buf b = PF_BUF_INIT;

	pf_buf_addf(&b, "%c - ", key);
	add_wrapped(&b, text, 4, 4, s->width);
	put(s, &b);
	pf_buf_release(&b);
}

static void print_help(struct session *s, int fix_ok, int triaged)
{
	if (fix_ok)
		help_line(s, 'y', "apply this fix");
	help_line(s, 'n', "skip this finding (the default)");
	if (fix_ok)
		help_line(s, 'a',
			  "apply this fix and every later verified "
			  "fix (and fix from the rule)");
	help_line(s, 'd', "skip this finding and every later one");
	help_line(s, 'i', "ignore this finding from now on");
	help_line(s, 'e',
		  fix_ok ? "edit the fix in your editor, then apply it"
			 : "edit the lines in your editor, then apply "
			   "them");
	if (triaged) {
		help_line(s, '+', "agree with the triage");
		help_line(s, '-', "disagree with the triage");
	}
	help_line(s, 'p', "show this finding again");
	help_line(s, 'q', "quit; skip the rest");
	help_line(s, '?', "print help");
	/* After `?`: the lines above are what scripts and habits know.  q
	 * lets the push go on (unless [policy] block stops it); x is the
	 * way to stop it from here. */
	help_line(s, 'x',
		  "stop the push here, apply nothing more (q lets it go "
		  "on)");
	help_line(s, 'I',
		  "ignore it for the team (.pushfix/ignore, to commit)");
}

static void show(struct session *s, const struct pf_finding *f, unsigned idx,
		 unsigned total)
{
	const struct pf_changed_file *cf = content_of(s->run, f);
	struct pf_ui_render_opts ro;
	struct pf_buf b = PF_BUF_INIT;

	memset(&ro, 0, sizeof(ro));
	ro.color = s->color;
	ro.width = s->width;
	ro.index = idx;
	ro.total = total;
	ro.show_unverified = s->run->cfg.llm.show_unverified;
	ro.no_llm = !s->run->cfg.llm.provider ||
		    !strcmp(s->run->cfg.llm.provider, "none");
	pf_buf_addch(&b, '\n');
	pf_ui_render_finding(&b, f, cf ? cf->content : NULL,
			     cf ? cf->content_len : 0, &ro);
	put(s, &b);
	pf_buf_release(&b);
}

/* A finding that is not asked about (after `d`, or ignored with the same
 * code): its header and place, no more. */
static void show_brief(struct session *s, const struct pf_finding *f,
		       unsigned idx, unsigned total, const char *what)
{
	struct pf_buf b = PF_BUF_INIT, loc = PF_BUF_INIT;
	unsigned col;

	pf_buf_addf(&b, "[%u/%u] %s %s ", idx, total, what,
		    pf_severity_name(f->severity));
	col = pf_ui_columns(b.buf, b.len);
	add_cut(&b, f->rule_id ? f->rule_id : "?",
		s->width > col + 10 ? s->width - col : 10);
	pf_buf_addf(&loc, ":%u", f->start.line);
	pf_buf_addstr(&b, "\n  ");
	add_cut_left(&b, f->path ? f->path : "?",
		     s->width > loc.len + 12 ? s->width - 2 - (unsigned)loc.len
					     : 10);
	pf_buf_add(&b, loc.buf, loc.len);
	pf_buf_addch(&b, '\n');
	put(s, &b);
	pf_buf_release(&b);
	pf_buf_release(&loc);
}

/* Ask about one finding until it is decided. */
static enum outcome ask(struct session *s, struct pf_finding *f, unsigned idx,
			unsigned total)
{
	int fix_ok = has_fix(f, s->run->cfg.llm.show_unverified);
	int triaged = f->triage.verdict != PF_VERDICT_NONE;
	struct pf_buf line = PF_BUF_INIT, keys = PF_BUF_INIT;
	enum outcome oc = O_OPEN;

	pf_buf_addstr(&keys, fix_ok ? "y,n,a,d,i,e" : "n,d,i,e");
	if (triaged)
		pf_buf_addstr(&keys, ",+,-");
	pf_buf_addstr(&keys, ",p,q,?");
	while (oc == O_OPEN) {
		int key;

		if (s->color)
			say(s, C_BOLD_BLUE);
		say(s, "(%u/%u) %s [%s]? ", idx, total,
		    fix_ok ? "Apply this fix" : "No fix; next", keys.buf);
		if (s->color)
			say(s, C_RESET);
		if (!read_answer(s, &line)) {
			say(s, "\n");
			s->stop = 1;
			s->res->quit = 1;
			oc = O_SKIPPED;
			break;
		}
		key = pf_ui_parse_key(line.buf);
		switch (key) {
		case 'y':
			if (!fix_ok) {
				note(s, C_YELLOW,
				     "there is no fix to apply "
				     "(e lets you write one)");
				break;
			}
			oc = apply_fix(s, f) ? O_REFUSED : O_APPLIED;
			break;
		case 'n':
			oc = O_SKIPPED;
			break;
		case 'a':
			s->auto_apply = 1;
			if (fix_ok)
				oc = apply_fix(s, f) ? O_REFUSED : O_APPLIED;
			else
				oc = O_SKIPPED;
			break;
		case 'd':
			s->skip_rest = 1;
			oc = O_SKIPPED;
			break;
		case 'i':
			if (!ignore_finding(s, f))
				oc = O_IGNORED;
			break;
		case 'I':
			if (!share_finding(s, f))
				oc = O_IGNORED;
			break;
		case 'e':
			oc = edit_fix(s, f, fix_ok);
			break;
		case '+':
		case '-':
			if (!triaged) {
				note(s, C_YELLOW,
				     "there is no triage to agree "
				     "or disagree with");
				break;
			}
			f->triage.feedback = key == '+' ? 1 : -1;
			note(s, NULL,
			     key == '+' ? "noted: you agree with the "
					  "triage"
					: "noted: you disagree with the "
					  "triage");
			break;
		case 'p':
			show(s, f, idx, total);
			break;
		case 'q':
			s->stop = 1;
			s->res->quit = 1;
			oc = O_SKIPPED;
			break;
		case 'x':
			s->stop = 1;
			s->res->stopped = 1;
			oc = O_SKIPPED;
			break;
		case '?':
			print_help(s, fix_ok, triaged);
			break;
		default: {
			struct pf_buf m = PF_BUF_INIT;

			pf_buf_addstr(&m, "unknown answer '");
			add_safe(&m, line.buf, line.len > 20 ? 20 : line.len);
			pf_buf_addstr(&m, "'");
			note(s, C_BOLD_RED, m.buf);
			pf_buf_release(&m);
			print_help(s, fix_ok, triaged);
		}
		}
	}
	pf_buf_release(&line);
	pf_buf_release(&keys);
	return oc;
}

static const struct pf_finding *const *sort_base;

static int cmp_order(const void *pa, const void *pb)
{
	const struct pf_finding *a = sort_base[*(const size_t *)pa];
	const struct pf_finding *b = sort_base[*(const size_t *)pb];
	int c;

	if (a->severity != b->severity)
		return a->severity > b->severity ? -1 : 1;
	c = strcmp(a->path ? a->path : "", b->path ? b->path : "");
	if (c)
		return c;
	if (a->start.line != b->start.line)
		return a->start.line < b->start.line ? -1 : 1;
	c = strcmp(a->rule_id ? a->rule_id : "", b->rule_id ? b->rule_id : "");
	if (c)
		return c;
	return *(const size_t *)pa < *(const size_t *)pb ? -1 : 1;
}

/* Decide whether to ask, and where to read and write. */
static void open_terminal(struct session *s, const struct pf_ui_opts *o)
{
	const struct pf_config *cfg = &s->run->cfg;
	const char *path =
		o && o->tty_path ? o->tty_path : getenv("PUSHFIX_TTY");
	const char *ci = getenv("CI");
	int fd;

	s->in_fd = -1;
	s->out = s->run->msg ? s->run->msg : stderr;
	if (!path || !*path)
		path = "/dev/tty";
	if (cfg->ui.interactive == PF_NEVER) {
		s->why_not = "[ui] interactive = never";
		return;
	}
	if (cfg->ui.interactive == PF_AUTO && ci && *ci &&
	    strcmp(ci, "false") && strcmp(ci, "0")) {
		s->why_not = "CI is set";
		return;
	}
	fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		s->why_not = "no terminal";
		return;
	}
	s->in_fd = fd;
	s->in_is_tty = isatty(fd);
	if (s->in_is_tty) {
		int dupfd = dup(fd);
		FILE *f = dupfd >= 0 ? fdopen(dupfd, "w") : NULL;

		if (f) {
			s->out = f;
			s->own_out = 1;
		} else if (dupfd >= 0) {
			close(dupfd);
		}
	}
}

unsigned pf_ui_width(int fd)
{
	const char *cols = getenv("COLUMNS");
	struct winsize ws;

	/* COLUMNS first, as less(1) and git's term_columns(): the user (or
	 * a test) can always say; text narrower than 20 columns or wider
	 * than 1000 is not worth wrapping, so such a value is ignored. */
	if (cols && *cols) {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(cols, &end, 10);
		if (!errno && !*end && *cols >= '0' && *cols <= '9' &&
		    v >= PF_UI_MIN_WIDTH && v <= PF_UI_MAX_WIDTH)
			return (unsigned)v;
	}
	if (fd >= 0 && !ioctl(fd, TIOCGWINSZ, &ws) &&
	    ws.ws_col >= PF_UI_MIN_WIDTH && ws.ws_col <= PF_UI_MAX_WIDTH)
		return ws.ws_col;
	return 80;
}

static void summary(struct session *s)
{
	const struct pf_ui_result *r = s->res;
	struct pf_buf b = PF_BUF_INIT;

	pf_buf_addch(&b, '\n');
	if (r->interactive) {
		pf_buf_addf(&b,
			    "summary: %u applied, %u skipped, %u ignored; "
			    "%u still open",
			    r->applied, r->skipped, r->ignored, r->open);
		if (r->refused)
			pf_buf_addf(&b, "\n  (%u fix%s could not be applied)",
				    r->refused, r->refused == 1 ? "" : "es");
		pf_buf_addch(&b, '\n');
	} else {
		pf_buf_addf(&b,
			    "summary: %u finding%s still open "
			    "(nothing asked: %s)\n",
			    r->open, r->open == 1 ? "" : "s", s->why_not);
	}
	put(s, &b);
	pf_buf_release(&b);
}

/* The id of the newest request record the sent log holds for this
 * finding (sentlog.h: request records carry the finding's fingerprint). */
static int sentlog_request_id(char id[17], const char *state_dir,
			      const char *fp)
{
	struct pf_buf path = PF_BUF_INIT, data = PF_BUF_INIT;
	const char *p, *end;
	int found = 0;

	pf_sentlog_path(&path, state_dir);
	if (pf_buf_read_file(&data, path.buf, (size_t)256 << 20)) {
		pf_error_clear();
		goto out;
	}
	for (p = data.buf, end = data.buf + data.len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		cJSON *o = cJSON_ParseWithLength(p, len);
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");
		const cJSON *f =
			cJSON_GetObjectItemCaseSensitive(o, "fingerprint");
		const cJSON *i = cJSON_GetObjectItemCaseSensitive(o, "id");

		if (cJSON_IsString(type) &&
		    !strcmp(type->valuestring, "request") &&
		    cJSON_IsString(f) && !strcmp(f->valuestring, fp) &&
		    cJSON_IsString(i) && strlen(i->valuestring) == 16) {
			memcpy(id, i->valuestring, 17);
			found = 1;
		}
		cJSON_Delete(o);
		p += len + 1;
	}
out:
	pf_buf_release(&path);
	pf_buf_release(&data);
	return found;
}

/* `+` / `-` go to the sent log, next to the request whose verdict they
 * judge (`pushfix log` shows them); the last answer counts. */
static void log_feedback(struct session *s)
{
	struct pf_findings *fs = &s->run->findings;

	if (!s->run->state_dir)
		return;
	for (size_t i = 0; i < fs->nr; i++) {
		const struct pf_finding *f = &fs->v[i];
		char id[17];

		if (!f->triage.feedback || f->ignored ||
		    !sentlog_request_id(id, s->run->state_dir, f->fingerprint))
			continue;
		if (pf_sentlog_feedback(s->run->state_dir, id,
					f->triage.feedback > 0 ? "agree"
							       : "disagree")) {
			struct pf_buf m = PF_BUF_INIT;

			pf_buf_addf(&m, "warning: feedback not logged: %s",
				    pf_error_last());
			note(s, C_YELLOW, m.buf);
			pf_buf_release(&m);
		}
	}
}

/* "push anyway? [y/N]" when the policy would stop the push. */
static void ask_push_anyway(struct session *s)
{
	struct pf_buf line = PF_BUF_INIT;
	const char *what;
	unsigned nb = pf_policy_blocking(s->res, &s->run->cfg, &what);

	/* x said it already: the push stops. */
	if (s->in_fd < 0 || !nb || s->res->stopped ||
	    pf_policy_decide(NULL, s->res, &s->run->cfg) != PF_POLICY_BLOCK)
		goto out;
	pf_policy_block_source(&line, s->res, &s->run->cfg);
	say(s, "%s: %u open finding%s %s\n", line.buf, nb, nb == 1 ? "" : "s",
	    what);
	pf_buf_reset(&line);
	if (s->color)
		say(s, C_BOLD_BLUE);
	say(s, "push anyway? [y/N] ");
	if (s->color)
		say(s, C_RESET);
	if (!read_answer(s, &line)) {
		say(s, "\n");
		goto out;
	}
	s->res->push_anyway = pf_ui_parse_key(line.buf) == 'y';
out:
	pf_buf_release(&line);
}

/*
 * The findings after [ui] max_prompts questions: one block, a line each
 * (place, severity, rule), so that a first push of a big history ends in
 * minutes and still shows everything it found.  They count as skipped.
 */
static void list_unasked(struct session *s, const size_t *rest, size_t n)
{
	struct pf_findings *fs = &s->run->findings;
	struct pf_buf b = PF_BUF_INIT, loc = PF_BUF_INIT;

	if (!n)
		return;
	pf_buf_addf(&b,
		    "\n%zu more finding%s, not asked ([ui] max_prompts = %u; "
		    "skipped):\n",
		    n, n == 1 ? "" : "s", s->run->cfg.ui.max_prompts);
	for (size_t k = 0; k < n; k++) {
		const struct pf_finding *f = &fs->v[rest[k]];
		unsigned col, half = s->width > 24 ? s->width / 2 : 12;

		pf_buf_reset(&loc);
		pf_buf_addf(&loc, ":%u", f->start.line);
		pf_buf_addstr(&b, "  ");
		col = 2 + add_cut_left(&b, f->path ? f->path : "?", half);
		pf_buf_add(&b, loc.buf, loc.len);
		col += (unsigned)loc.len;
		pf_buf_addf(&b, " %s ", pf_severity_name(f->severity));
		col += 2 + (unsigned)strlen(pf_severity_name(f->severity));
		add_cut(&b, f->rule_id ? f->rule_id : "?",
			s->width > col + 10 ? s->width - col : 10);
		pf_buf_addch(&b, '\n');
	}
	put(s, &b);
	pf_buf_release(&b);
	pf_buf_release(&loc);
}

/* A scanner's own fix, when nothing better came (after the triage). */
static void rule_fix_fallback(const struct pf_run *run, struct pf_finding *f)
{
	const struct pf_changed_file *cf = content_of(run, f);

	if (f->fix.origin == PF_FIX_NONE && f->rule_fix && cf &&
	    !pf_finding_rule_fix_to_lines(f, cf->content, cf->content_len))
		pf_fix_drop_noop(f, cf->content, cf->content_len);
}

int pf_ui_session(struct pf_ui_result *out, struct pf_run *run,
		  const struct pf_ui_opts *opts)
{
	void (*wait)(void *, size_t) = opts ? opts->wait : NULL;
	struct session s;
	struct pf_findings *fs = &run->findings;
	const struct pf_finding **base = NULL;
	size_t *order = NULL;
	enum outcome *oc = NULL;
	size_t *rest = NULL, rest_nr = 0;
	unsigned total = 0, idx = 0, asked = 0;
	unsigned max_prompts = run->cfg.ui.max_prompts;
	int ret = 0;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.run = run;
	s.res = out;
	s.now = opts && opts->now ? opts->now : time(NULL);
	open_terminal(&s, opts);
	out->interactive = s.in_fd >= 0;
	s.color = pf_ui_want_color(opts ? opts->color : -1, run->cfg.ui.color,
				   run->repo, isatty(fileno(s.out)));
	s.width = pf_ui_width(fileno(s.out));

	base = pf_xcalloc(fs->nr ? fs->nr : 1, sizeof(*base));
	order = pf_xcalloc(fs->nr ? fs->nr : 1, sizeof(*order));
	oc = pf_xcalloc(fs->nr ? fs->nr : 1, sizeof(*oc));
	rest = pf_xcalloc(fs->nr ? fs->nr : 1, sizeof(*rest));
	for (size_t i = 0; i < fs->nr; i++) {
		struct pf_finding *f = &fs->v[i];

		base[i] = f;
		order[i] = i;
		if (f->ignored)
			continue;
		total++;
		if (!wait)
			rule_fix_fallback(run, f);
	}
	sort_base = base;
	qsort(order, fs->nr, sizeof(*order), cmp_order);
	sort_base = NULL;

	for (size_t k = 0; k < fs->nr; k++) {
		struct pf_finding *f = &fs->v[order[k]];
		enum outcome *o = &oc[order[k]];

		if (f->ignored)
			continue;
		idx++;
		/* Its answer, if still in flight: the first question comes
		 * with the first answer, not the last. */
		if (wait && !s.stop) {
			wait(opts->wait_arg, order[k]);
			rule_fix_fallback(run, f);
		}
		if (s.stop) {
			*o = O_SKIPPED;
			if (out->quit)
				out->unanswered++;
			continue;
		}
		if (session_ignored(&s, f->fingerprint)) {
			show_brief(&s, f, idx, total, "ignored, same code:");
			*o = O_IGNORED;
			/* The store holds it already; a comment is per
			 * place, so this one needs its own. */
			if (run->cfg.ui.ignore_writes_nosemgrep &&
			    ignore_finding(&s, f))
				*o = O_OPEN;
			continue;
		}
		if (s.skip_rest) {
			show_brief(&s, f, idx, total, "skipped");
			*o = O_SKIPPED;
			continue;
		}
		/* Enough questions: the rest in one block after the loop
		 * (`a` still applies their trusted fixes, asking nothing). */
		if (s.in_fd >= 0 && max_prompts && asked >= max_prompts &&
		    !(s.auto_apply &&
		      trusted_fix(f, run->cfg.llm.show_unverified))) {
			rest[rest_nr++] = order[k];
			*o = O_SKIPPED;
			continue;
		}
		show(&s, f, idx, total);
		if (s.in_fd < 0)
			continue;
		if (s.auto_apply &&
		    trusted_fix(f, run->cfg.llm.show_unverified)) {
			*o = apply_fix(&s, f) ? O_REFUSED : O_APPLIED;
			continue;
		}
		*o = ask(&s, f, idx, total);
		asked++;
		/* The finding q (or end of input) left is unanswered too. */
		if (out->quit)
			out->unanswered++;
	}

	list_unasked(&s, rest, rest_nr);
	/* The counts below need every answer, unless none can matter. */
	if (wait) {
		if (s.stop && opts->stop &&
		    (out->stopped ||
		     run->cfg.policy.block != PF_BLOCK_TRUE_POSITIVE))
			opts->stop(opts->wait_arg);
		for (size_t i = 0; i < fs->nr; i++)
			if (!fs->v[i].ignored)
				wait(opts->wait_arg, i);
	}
	out->total = total;
	for (size_t i = 0; i < fs->nr; i++) {
		const struct pf_finding *f = &fs->v[i];
		static const enum pf_answer answer[] = {
			[O_OPEN] = PF_ANSWER_NONE,
			[O_APPLIED] = PF_ANSWER_APPLIED,
			[O_SKIPPED] = PF_ANSWER_SKIPPED,
			[O_IGNORED] = PF_ANSWER_IGNORED,
			[O_REFUSED] = PF_ANSWER_ACCEPTED,
		};

		if (f->ignored)
			continue;
		/* The findings record keeps it (findlog.h). */
		fs->v[i].answer = answer[oc[i]];
		switch (oc[i]) {
		case O_APPLIED:
			out->applied++;
			continue;
		case O_IGNORED:
			out->ignored++;
			continue;
		case O_SKIPPED:
			out->skipped++;
			break;
		case O_REFUSED:
			out->refused++;
			break;
		case O_OPEN:
			break;
		}
		pf_policy_count_open(out, f);
	}
	if (total)
		summary(&s);
	log_feedback(&s);
	ask_push_anyway(&s);
	if (fflush(s.out) || ferror(s.out))
		ret = pf_error_set("cannot write the report: %s",
				   strerror(errno));

	free(base);
	free(order);
	free(oc);
	free(rest);
	free(s.edits);
	free(s.ignored);
	if (s.own_out)
		fclose(s.out);
	if (s.in_fd >= 0)
		close(s.in_fd);
	return ret;
}

int pf_ui_run(struct pf_run *run, const struct pf_ui_opts *opts)
{
	struct pf_ui_result r;
	struct pf_buf why = PF_BUF_INIT;
	FILE *msg = run->msg ? run->msg : stderr;
	int status;

	if (pf_ui_session(&r, run, opts)) {
		int block = run->cfg.policy.on_error_block;

		fprintf(msg, "pushfix: %s; %s\n", pf_error_last(),
			block ? "push stopped ([policy] on_error = block)"
			      : "the push goes on");
		return block ? 1 : 0;
	}
	status =
		pf_policy_decide(&why, &r, &run->cfg) == PF_POLICY_PUSH ? 0 : 1;
	fputs(why.buf, msg);
	fflush(msg);
	pf_buf_release(&why);
	return status;
}
