#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/util.h"

static void triage_release(struct pf_triage *t)
{
	free(t->reason);
	free(t->error);
	free(t->component);
	memset(t, 0, sizeof(*t));
}

static void fix_release(struct pf_fix *x)
{
	free(x->replacement);
	free(x->note);
	memset(x, 0, sizeof(*x));
}

void pf_finding_release(struct pf_finding *f)
{
	if (!f)
		return;
	free(f->rule_id);
	free(f->path);
	free(f->message);
	free(f->severity_label);
	free(f->rule_fix);
	free(f->scanner_fingerprint);
	free(f->cwe);
	free(f->owasp);
	free(f->metadata_json);
	free(f->lines);
	triage_release(&f->triage);
	fix_release(&f->fix);
	memset(f, 0, sizeof(*f));
}

void pf_findings_release(struct pf_findings *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->nr; i++)
		pf_finding_release(&fs->v[i]);
	free(fs->v);
	fs->v = NULL;
	fs->nr = fs->alloc = 0;
}

struct pf_finding *pf_findings_push(struct pf_findings *fs)
{
	struct pf_finding *f;

	PF_ALLOC_GROW(fs->v, fs->nr + 1, fs->alloc);
	f = &fs->v[fs->nr++];
	memset(f, 0, sizeof(*f));
	return f;
}

void pf_findings_remove(struct pf_findings *fs, size_t i)
{
	if (i >= fs->nr)
		return;
	pf_finding_release(&fs->v[i]);
	memmove(&fs->v[i], &fs->v[i + 1], (fs->nr - i - 1) * sizeof(*fs->v));
	fs->nr--;
}

void pf_finding_copy(struct pf_finding *dst, const struct pf_finding *src)
{
	/* Plain fields first, then replace every pointer with a copy. */
	*dst = *src;
	dst->rule_id = pf_xstrdup_or_null(src->rule_id);
	dst->path = pf_xstrdup_or_null(src->path);
	dst->message = pf_xstrdup_or_null(src->message);
	dst->severity_label = pf_xstrdup_or_null(src->severity_label);
	dst->rule_fix = pf_xstrdup_or_null(src->rule_fix);
	dst->scanner_fingerprint = pf_xstrdup_or_null(src->scanner_fingerprint);
	dst->cwe = pf_xstrdup_or_null(src->cwe);
	dst->owasp = pf_xstrdup_or_null(src->owasp);
	dst->metadata_json = pf_xstrdup_or_null(src->metadata_json);
	dst->lines = pf_xstrdup_or_null(src->lines);
	dst->triage.reason = pf_xstrdup_or_null(src->triage.reason);
	dst->triage.error = pf_xstrdup_or_null(src->triage.error);
	dst->triage.component = pf_xstrdup_or_null(src->triage.component);
	dst->fix.replacement = pf_xstrdup_or_null(src->fix.replacement);
	dst->fix.note = pf_xstrdup_or_null(src->fix.note);
}

enum pf_severity pf_severity_parse(const char *label)
{
	static const struct {
		const char *name;
		enum pf_severity sev;
	} map[] = {
		{ "CRITICAL", PF_SEV_CRITICAL }, { "ERROR", PF_SEV_ERROR },
		{ "HIGH", PF_SEV_ERROR },	 { "WARNING", PF_SEV_WARNING },
		{ "WARN", PF_SEV_WARNING },	 { "MEDIUM", PF_SEV_WARNING },
		{ "LOW", PF_SEV_LOW },		 { "INFO", PF_SEV_INFO },
		{ "NOTE", PF_SEV_INFO }, /* SARIF level */
		{ "NONE", PF_SEV_INFO }, /* SARIF level of non-failures */
		{ "EXPERIMENT", PF_SEV_INFO },	 { "INVENTORY", PF_SEV_INFO },
	};

	if (!label)
		return PF_SEV_UNKNOWN;
	for (size_t i = 0; i < PF_ARRAY_SIZE(map); i++)
		if (!strcasecmp(label, map[i].name))
			return map[i].sev;
	return PF_SEV_UNKNOWN;
}

const char *pf_severity_name(enum pf_severity s)
{
	switch (s) {
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
	case PF_SEV_UNKNOWN:
		break;
	}
	return "UNKNOWN";
}

const char *pf_verdict_name(enum pf_verdict v)
{
	switch (v) {
	case PF_VERDICT_TRUE_POSITIVE:
		return "true_positive";
	case PF_VERDICT_FALSE_POSITIVE:
		return "false_positive";
	case PF_VERDICT_UNCERTAIN:
		return "uncertain";
	case PF_VERDICT_NONE:
		break;
	}
	return "none";
}

const char *pf_mode_name(enum pf_mode m)
{
	switch (m) {
	case PF_MODE_BLOCK:
		return "block";
	case PF_MODE_COMMENT:
		return "comment";
	case PF_MODE_MONITOR:
		return "monitor";
	case PF_MODE_DEFAULT:
		break;
	}
	return "";
}

const char *pf_fix_state_name(enum pf_fix_state s)
{
	switch (s) {
	case PF_FIX_VERIFIED:
		return "verified";
	case PF_FIX_UNVERIFIED:
		return "unverified";
	case PF_FIX_REFUSED:
		return "refused";
	case PF_FIX_UNCHECKED:
		break;
	}
	return "unchecked";
}

/* ---- positions ------------------------------------------------------ */

/*
 * Offset of the first byte of `line` (1-based), or -1 when the content
 * has fewer lines.  After a final '\n' there is one more, empty line that
 * starts at `len`, so that an end position at EOF has a line.
 */
static int64_t line_begin(const char *c, size_t len, uint32_t line,
			  const struct pf_lines *ix)
{
	size_t off = 0;

	if (!line)
		return -1;
	if (ix)
		return line <= ix->nr ? (int64_t)ix->begin[line - 1] : -1;
	for (uint32_t l = 1; l < line; l++) {
		const char *nl =
			off < len ? memchr(c + off, '\n', len - off) : NULL;

		if (!nl)
			return -1;
		off = (size_t)(nl - c) + 1;
	}
	return (int64_t)off;
}

/* Offset of the '\n' ending the line that starts at `begin`, or len. */
static size_t line_eol(const char *c, size_t len, size_t begin)
{
	const char *nl =
		begin < len ? memchr(c + begin, '\n', len - begin) : NULL;

	return nl ? (size_t)(nl - c) : len;
}

/* Line (1-based) of byte `off`, and the offset where that line begins. */
static uint32_t line_of(const char *c, size_t off, size_t *begin,
			const struct pf_lines *ix)
{
	uint32_t line = 1;
	size_t b = 0, p = 0;

	if (ix && ix->nr) {
		size_t lo = 0, hi = ix->nr;

		/* The last line that begins at or before off. */
		while (hi - lo > 1) {
			size_t mid = lo + (hi - lo) / 2;

			if (ix->begin[mid] <= off)
				lo = mid;
			else
				hi = mid;
		}
		*begin = ix->begin[lo];
		return lo < UINT32_MAX ? (uint32_t)lo + 1 : UINT32_MAX;
	}
	while (p < off) {
		const char *nl = memchr(c + p, '\n', off - p);

		if (!nl)
			break;
		p = (size_t)(nl - c) + 1;
		b = p;
		if (line < UINT32_MAX)
			line++;
	}
	*begin = b;
	return line;
}

void pf_lines_index(struct pf_lines *ix, const char *c, size_t len)
{
	size_t alloc = 0, off = 0;

	ix->begin = NULL;
	ix->nr = 0;
	for (;;) {
		const char *nl =
			off < len ? memchr(c + off, '\n', len - off) : NULL;

		PF_ALLOC_GROW(ix->begin, ix->nr + 1, alloc);
		ix->begin[ix->nr++] = off;
		if (!nl)
			break;
		off = (size_t)(nl - c) + 1;
	}
}

void pf_lines_release(struct pf_lines *ix)
{
	free(ix->begin);
	ix->begin = NULL;
	ix->nr = 0;
}

/* Length of the UTF-8 sequence at s (1 for an invalid byte), within n. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t want;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		want = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		want = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		want = 4;
	else
		return 1;
	if (want > n)
		return 1;
	for (size_t i = 1; i < want; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	return want;
}

/*
 * Byte offset of column `col` in the line [begin, eol), counting columns
 * in `unit`.  col 0 means the end of the line.  A column past the end is
 * clamped to the end of the line; in bytes to `limit` (eol, or eol + 1 to
 * let an end position take the newline, as Semgrep's may).
 */
static size_t col_to_offset(const char *c, size_t begin, size_t eol,
			    size_t limit, uint32_t col, enum pf_col_unit unit)
{
	size_t off = begin;
	uint32_t n = 1;

	if (!col)
		return eol;
	if (unit == PF_COL_BYTES) {
		if ((size_t)col - 1 > limit - begin)
			return limit;
		return begin + col - 1;
	}
	while (n < col && off < eol) {
		size_t l = utf8_len((const unsigned char *)c + off, eol - off);

		n += (unit == PF_COL_UTF16 && l == 4) ? 2 : 1;
		off += l;
	}
	/* Characters past the end of the line stop at its end. */
	return off;
}

/* Fill pos->offset from its line/col; -1 when the line does not exist. */
static int64_t pos_to_offset(const struct pf_position *pos, const char *c,
			     size_t len, enum pf_col_unit unit, int is_end,
			     const struct pf_lines *ix)
{
	int64_t begin = line_begin(c, len, pos->line, ix);
	size_t eol, limit;

	if (begin < 0)
		return -1;
	eol = line_eol(c, len, (size_t)begin);
	limit = (is_end && eol < len) ? eol + 1 : eol;
	return (int64_t)col_to_offset(c, (size_t)begin, eol, limit, pos->col,
				      unit);
}

/* Is there a '\r' that does not start "\r\n"?  Only then do universal
 * newlines count other lines than git. */
static int has_lone_cr(const char *c, size_t len)
{
	const char *p = c, *end = c + len;

	while (p < end && (p = memchr(p, '\r', (size_t)(end - p)))) {
		if (p + 1 == end || p[1] != '\n')
			return 1;
		p += 2;
	}
	return 0;
}

/* Offset of the line break ending the universal line at `begin` (a '\r'
 * or '\n'), or len; *next: where the next line begins. */
static size_t uline_eol(const char *c, size_t len, size_t begin, size_t *next)
{
	size_t i = begin;

	while (i < len && c[i] != '\n' && c[i] != '\r')
		i++;
	*next = i;
	if (i < len)
		*next = i + (c[i] == '\r' && i + 1 < len && c[i + 1] == '\n'
				     ? 2
				     : 1);
	return i;
}

/* pos_to_offset() for a position in universal lines. */
static int64_t upos_to_offset(const struct pf_position *pos, const char *c,
			      size_t len, enum pf_col_unit unit, int is_end)
{
	size_t begin = 0, eol, next;

	if (!pos->line)
		return -1;
	for (uint32_t l = 1; l < pos->line; l++) {
		uline_eol(c, len, begin, &next);
		/* After a final break there is one more, empty line. */
		if (next == begin || (next == len && begin == len))
			return -1;
		begin = next;
	}
	eol = uline_eol(c, len, begin, &next);
	return (int64_t)col_to_offset(c, begin, eol,
				      is_end && eol < len ? eol + 1 : eol,
				      pos->col, unit);
}

int pf_finding_locate(struct pf_finding *f, const char *content, size_t len)
{
	return pf_finding_locate_indexed(f, content, len, NULL);
}

int pf_finding_locate_indexed(struct pf_finding *f, const char *content,
			      size_t len, const struct pf_lines *ix)
{
	int64_t so, eo;
	size_t begin, eol;
	uint32_t sl;

	/* A scanner that counts lone CRs as line ends (flawfinder): its
	 * lines into offsets its way, then into git's lines below. */
	if (f->line_unit == PF_LINES_UNIVERSAL && f->start.offset < 0 &&
	    f->start.line && has_lone_cr(content, len)) {
		so = upos_to_offset(&f->start, content, len, f->col_unit, 0);
		if (so >= 0 && f->end.offset < 0 && f->end.line) {
			f->end.offset = upos_to_offset(&f->end, content, len,
						       f->col_unit, 1);
			if (f->end.offset < 0)
				f->end.offset = (int64_t)len;
		} else if (so >= 0 && f->end.offset < 0) {
			size_t next;

			f->end.offset = (int64_t)uline_eol(content, len,
							   (size_t)so, &next);
		}
	} else if (f->start.offset >= 0) {
		so = f->start.offset;
	} else if (f->start.line) {
		so = pos_to_offset(&f->start, content, len, f->col_unit, 0, ix);
	} else {
		return pf_error_setc(PF_EINVALID,
				     "%s: finding of %s has no "
				     "position",
				     f->path ? f->path : "?",
				     f->rule_id ? f->rule_id : "?");
	}
	if (so < 0 || (uint64_t)so > len)
		return pf_error_setc(PF_EINVALID,
				     "%s:%u: finding of %s lies "
				     "outside the file",
				     f->path ? f->path : "?",
				     (unsigned)f->start.line,
				     f->rule_id ? f->rule_id : "?");

	if (f->end.offset >= 0)
		eo = f->end.offset;
	else if (f->end.line)
		eo = pos_to_offset(&f->end, content, len, f->col_unit, 1, ix);
	else
		eo = (int64_t)line_eol(content, len, (size_t)so);
	/* An end past the content is clamped; one before the start too. */
	if (eo < 0 || (uint64_t)eo > len)
		eo = (int64_t)len;
	if (eo < so)
		eo = so;

	f->start.offset = so;
	f->end.offset = eo;
	f->start.line = line_of(content, (size_t)so, &begin, ix);
	f->start.col = (uint32_t)((size_t)so - begin + 1);
	sl = f->start.line;
	/* end.line is the line of the last byte matched. */
	if (eo > so) {
		size_t eb;

		f->end.line = line_of(content, (size_t)eo - 1, &eb, ix);
		f->end.col = (uint32_t)((size_t)eo - eb + 1);
	} else {
		f->end.line = sl;
		f->end.col = f->start.col;
	}
	f->col_unit = PF_COL_BYTES;
	f->line_unit = PF_LINES_LF;

	/* The matched lines, whole, without the last line's terminator. */
	eol = line_eol(content, len,
		       (size_t)eo > begin && eo > so ? (size_t)eo - 1
						     : (size_t)so);
	if (eol > begin && content[eol - 1] == '\r')
		eol--;
	free(f->lines);
	f->lines = pf_xstrndup(content + begin, eol - begin);
	pf_finding_fingerprint(f);
	return 0;
}

static int is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

void pf_finding_fingerprint(struct pf_finding *f)
{
	struct pf_buf b = PF_BUF_INIT;
	const char *s = f->lines ? f->lines : "";
	int pending = 0;

	pf_buf_addstr(&b, f->rule_id ? f->rule_id : "");
	pf_buf_addch(&b, '\0');
	/* Fold every run of white space to one blank, and trim: the same
	 * code reindented or moved keeps its fingerprint. */
	while (is_space((unsigned char)*s))
		s++;
	for (; *s; s++) {
		if (is_space((unsigned char)*s)) {
			pending = 1;
			continue;
		}
		if (pending)
			pf_buf_addch(&b, ' ');
		pending = 0;
		pf_buf_addch(&b, *s);
	}
	pf_sha256_hex(f->fingerprint, b.buf, b.len);
	pf_buf_release(&b);
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

#define CMP_NUM(a, b)                                                          \
	do {                                                                   \
		if ((a) != (b))                                                \
			return (a) < (b) ? -1 : 1;                             \
	} while (0)

static int cmp_finding(const void *pa, const void *pb)
{
	const struct pf_finding *a = pa, *b = pb;
	int c;

	CMP_NUM(b->severity, a->severity); /* highest first */
	if ((c = cmp_str(a->path, b->path)))
		return c;
	CMP_NUM(a->start.line, b->start.line);
	if ((c = cmp_str(a->rule_id, b->rule_id)))
		return c;
	CMP_NUM(a->start.col, b->start.col);
	CMP_NUM(a->end.line, b->end.line);
	CMP_NUM(a->end.col, b->end.col);
	return cmp_str(a->message, b->message);
}

void pf_findings_sort(struct pf_findings *fs)
{
	if (fs->nr > 1)
		qsort(fs->v, fs->nr, sizeof(*fs->v), cmp_finding);
}

size_t pf_finding_count(const struct pf_finding *f)
{
	return f->count ? f->count : 1;
}

/* The merge key: what makes two reports the same report. */
static int cmp_key(const struct pf_finding *a, const struct pf_finding *b)
{
	int c;

	if ((c = cmp_str(a->path, b->path)) ||
	    (c = cmp_str(a->rule_id, b->rule_id)))
		return c;
	CMP_NUM(a->start.offset, b->start.offset);
	CMP_NUM(a->end.offset, b->end.offset);
	CMP_NUM(a->start.line, b->start.line);
	CMP_NUM(a->start.col, b->start.col);
	CMP_NUM(a->end.line, b->end.line);
	CMP_NUM(a->end.col, b->end.col);
	CMP_NUM(a->severity, b->severity);
	CMP_NUM(a->ignored, b->ignored);
	if ((c = strcmp(a->fingerprint, b->fingerprint)) ||
	    (c = cmp_str(a->message, b->message)))
		return c;
	return cmp_str(a->rule_fix, b->rule_fix);
}

/* The key, then the address: a total order in which the first report of
 * a group comes first (it is the one kept). */
static int cmp_identical(const void *pa, const void *pb)
{
	const struct pf_finding *a = *(const struct pf_finding *const *)pa;
	const struct pf_finding *b = *(const struct pf_finding *const *)pb;
	int c = cmp_key(a, b);

	if (c)
		return c;
	return a < b ? -1 : a > b;
}

size_t pf_findings_merge(struct pf_findings *fs)
{
	struct pf_finding **by_key;
	unsigned char *gone;
	size_t kept = 0, nr = fs->nr;

	if (nr < 2)
		return 0;
	by_key = pf_xcalloc(nr, sizeof(*by_key));
	gone = pf_xcalloc(nr, 1);
	for (size_t i = 0; i < nr; i++)
		by_key[i] = &fs->v[i];
	qsort(by_key, nr, sizeof(*by_key), cmp_identical);
	for (size_t i = 0; i < nr;) {
		struct pf_finding *first = by_key[i];
		size_t j = i + 1, n = pf_finding_count(first);

		for (; j < nr && !cmp_key(first, by_key[j]); j++) {
			n += pf_finding_count(by_key[j]);
			gone[by_key[j] - fs->v] = 1;
		}
		first->count = n > 1 ? n : 0;
		i = j;
	}
	for (size_t i = 0; i < nr; i++) {
		if (gone[i]) {
			pf_finding_release(&fs->v[i]);
			continue;
		}
		if (kept != i)
			fs->v[kept] = fs->v[i];
		kept++;
	}
	fs->nr = kept;
	free(by_key);
	free(gone);
	return nr - kept;
}

/*
 * A whole-line fix given by the scanner (Semgrep's SARIF puts the fixed
 * lines there) ends in '\n'; make the last line end as the file's does,
 * so that splicing it is exact.
 */
static void match_final_newline(struct pf_fix *x, const char *c, size_t len,
				const struct pf_lines *ix)
{
	int64_t begin = line_begin(c, len, x->end_line, ix);
	size_t n = strlen(x->replacement);
	int has_nl;

	if (begin < 0)
		return;
	has_nl = line_eol(c, len, (size_t)begin) < len;
	if (!has_nl && n && x->replacement[n - 1] == '\n')
		x->replacement[n - 1] = '\0';
	else if (has_nl && (!n || x->replacement[n - 1] != '\n')) {
		x->replacement = pf_xrealloc(x->replacement, n + 2);
		x->replacement[n] = '\n';
		x->replacement[n + 1] = '\0';
	}
}

int pf_finding_rule_fix_to_lines(struct pf_finding *f, const char *content,
				 size_t len)
{
	return pf_finding_rule_fix_to_lines_indexed(f, content, len, NULL);
}

int pf_finding_rule_fix_to_lines_indexed(struct pf_finding *f,
					 const char *content, size_t len,
					 const struct pf_lines *ix)
{
	struct pf_buf b = PF_BUF_INIT;
	size_t so, eo, begin, stop;
	int ret;

	if (!f->rule_fix) {
		if (f->fix.origin == PF_FIX_RULE && f->fix.replacement)
			match_final_newline(&f->fix, content, len, ix);
		return 0;
	}
	ret = pf_finding_locate_indexed(f, content, len, ix);
	if (ret)
		return ret;
	so = (size_t)f->start.offset;
	eo = (size_t)f->end.offset;
	begin = so;
	while (begin && content[begin - 1] != '\n')
		begin--;
	/* The suffix runs to the end of the last matched line, newline
	 * included; a match that took the newline leaves none. */
	if (eo > so && content[eo - 1] == '\n')
		stop = eo;
	else
		stop = line_eol(content, len, eo) +
		       (line_eol(content, len, eo) < len);
	pf_buf_add(&b, content + begin, so - begin);
	pf_buf_addstr(&b, f->rule_fix);
	pf_buf_add(&b, content + eo, stop - eo);

	fix_release(&f->fix);
	f->fix.origin = PF_FIX_RULE;
	f->fix.state = PF_FIX_UNCHECKED;
	f->fix.start_line = f->start.line;
	f->fix.end_line = f->end.line;
	f->fix.replacement = pf_buf_detach(&b, NULL);
	return 0;
}
