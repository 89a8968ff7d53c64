/*
 * The forge's diff: which new-side lines of a pull/merge request can carry
 * a comment, parsed from a whole unified diff or one file's patch, and
 * where on it a finding goes.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/util.h"

#include "mirror_int.h"

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

/* A decimal number that fits in 32 bits, at least one digit. */
static int parse_u32(const char **pp, const char *end, uint32_t *out)
{
	const char *p = *pp;
	unsigned long v = 0;

	if (p >= end || !isdigit((unsigned char)*p))
		return -1;
	while (p < end && isdigit((unsigned char)*p)) {
		v = v * 10 + (unsigned long)(*p++ - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*out = (uint32_t)v;
	*pp = p;
	return 0;
}

/* "-a[,b]" or "+c[,d]" of a hunk header; a missing count is 1. */
static int parse_range(const char **pp, const char *end, char sign,
		       uint32_t *start, uint32_t *count)
{
	const char *p = *pp;

	if (p >= end || *p != sign)
		return -1;
	p++;
	if (parse_u32(&p, end, start))
		return -1;
	*count = 1;
	if (p < end && *p == ',') {
		p++;
		if (parse_u32(&p, end, count))
			return -1;
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
 * Consume one hunk whose header is at *pp, line *lineno of the diff (both
 * advanced past it); f may be NULL (a deleted file: nothing is
 * commentable on the new side).
 */
static int take_hunk(struct pf_mirror_diff_file *f, const char **pp,
		     const char *end, unsigned *lineno)
{
	const char *p = *pp, *e = line_end(p, end);
	uint32_t os, oc, ns, nc, o, n;

	if (parse_hunk_header(p, e, &os, &oc, &ns, &nc))
		return pf_error_setc(
			PF_EINVALID, "diff line %u: bad hunk header '%.*s'",
			*lineno, (int)((e - p) > 80 ? 80 : e - p), p);
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
	for (const char *r = *pp; r < p; r++)
		if (*r == '\n')
			(*lineno)++;
	*pp = p;
	return 0;
}

/* Unquote a C-quoted git path ("a/x\tb") into out; plain ones copied. */
static void unquote_path(struct pf_buf *out, const char *p, const char *e)
{
	/* git's one-letter C escapes; \\ and \" stand for themselves */
	static const char from[] = "ntrabfv", to[] = "\n\t\r\a\b\f\v";
	const char *k;

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
		if (*p && (k = strchr(from, *p))) {
			pf_buf_addch(out, to[k - from]);
		} else if (*p >= '0' && *p <= '7' && p + 2 < e) {
			int v = (p[0] - '0') * 64 + (p[1] - '0') * 8 +
				(p[2] - '0');

			pf_buf_addch(out, v);
			p += 2;
		} else {
			pf_buf_addch(out, *p);
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
			if (!f && newp.len)
				f = diff_file_new(d, newp.buf, oldp.buf);
			else if (!f && !have_new) {
				ret = pf_error_setc(PF_EINVALID,
						    "diff line %u: a hunk "
						    "before any file header",
						    lineno);
				goto out;
			}
			ret = take_hunk(f, &p, end, &lineno);
			if (ret)
				goto out;
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
			ret = take_hunk(f, &p, end, &lineno);
			if (ret)
				break;
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
