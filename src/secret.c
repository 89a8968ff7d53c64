/*
 * Secrets as findings of pushfix itself (issue 11): the anonymiser's
 * credential detectors run on the pushed files, whatever the scanner,
 * and report what lies on pushed lines, masked.  secret.h has the
 * contract.
 */
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/err.h"
#include "pushfix/redact.h"
#include "pushfix/secret.h"
#include "pushfix/util.h"

/* What a detector's kind becomes: the rule id's tail and the words a
 * person reads. */
struct kind_name {
	const char *kind, *rule, *label;
};

static const struct kind_name kinds[] = {
	{ "aws-access-key-id", "aws-access-key", "AWS access key ID" },
	{ "github-token", "github-token", "GitHub token" },
	{ "github-fine-grained-pat", "github-token", "GitHub token" },
	{ "openai-anthropic-key", "openai-key", "OpenAI/Anthropic API key" },
	{ "private-key", "private-key", "private key" },
	{ "assignment", "assignment", "hard-coded value of a secret-ish name" },
	{ "high-entropy", "high-entropy",
	  "high-entropy string (no known credential format)" },
	{ "encoded-secret", "high-entropy",
	  "encoded string that looks like a secret" },
};

/* Kinds whose value may be a guessable password: no hash shown. */
#define UNHASHED                                                               \
	"assignment,url-credentials,curl-credentials,high-entropy,"            \
	"encoded-secret"

static const struct kind_name *kind_of(const char *kind)
{
	for (size_t i = 0; i < PF_ARRAY_SIZE(kinds); i++)
		if (!strcmp(kinds[i].kind, kind))
			return &kinds[i];
	return NULL;
}

void pf_secret_mask_value(struct pf_buf *out, const char *v, size_t len)
{
	size_t keep = len / 4 < 4 ? len / 4 : 4;

	/* Never a byte that would break a line or the terminal. */
	for (size_t i = 0; i < keep; i++)
		pf_buf_addch(out, (unsigned char)v[i] >= 0x20 &&
						  (unsigned char)v[i] < 0x7f
					  ? v[i]
					  : '?');
	pf_buf_addf(out, "\xe2\x80\xa6(%zu chars)", len);
}

/*
 * Is a hit of the anonymiser worth a finding (and masking in what is
 * shown)?  The anonymiser replaces more than is secret, which costs an
 * LLM nothing; a finding that stops a push must be more certain.  On
 * cJSON's tree the anonymiser's guesses were identifiers
 * (cJSON_AddItemToArray), commit hashes and URL paths in the ChangeLog,
 * test names given to `:to_pass =>` and HTTP requests in strings: a
 * known format always counts; a value of a secret-ish name or a
 * high-entropy string counts when it has no blank, has a digit or a
 * symbol (not a word or an identifier), no parenthesis (code), is not
 * hex alone (hashes; for a name's value: UUIDs), is not a path, and does
 * not repeat the text before it on its line; a high-entropy one is a
 * whole string literal.
 */
static int worth(const char *t, size_t len, const struct pf_secret_hit *h)
{
	const char *v = t + h->start, *line = t + h->start;
	size_t n = h->end - h->start, slashes = 0;
	int digit = 0, other = 0, hex = 1;

	const char *esc = memchr(v, '\\', n);

	/* A known format, or a run that decoded to a secret (encoded.c). */
	if ((h->known && strcmp(h->kind, "assignment")) ||
	    !strcmp(h->kind, "encoded-secret"))
		return 1;
	/* The value ends at an escape: "...\r\nAccept:" is the next line
	 * of an HTTP request in a string. */
	if (esc)
		n = (size_t)(esc - v);
	if (n < 8)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c <= ' ' || c == 0x7f)
			return 0;
		if (c >= '0' && c <= '9')
			digit = 1;
		else if (!((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && c != '_')
			other = 1;
		if (!strchr("0123456789abcdefABCDEF-", c))
			hex = 0;
		if (c == '(' || c == ')')
			return 0; /* code, a call: test(25) */
		slashes += c == '/';
	}
	/* Hex alone is a hash or a UUID as a guess from the letters; a hex
	 * value of a secret-ish name is a classic API key, unless a UUID. */
	if (hex && n >= 16 && (!h->known || memchr(v, '-', n)))
		return 0;
	/* paths and URLs as a guess; a password may hold slashes */
	if ((!digit && !other) || (slashes >= 2 && !h->known) ||
	    pf_redact_entropy(v, n) < 3.0)
		return 0;
	/* A guess from the letters alone: only a whole string literal (an
	 * identifier with digits is no secret). */
	if (!h->known &&
	    (!h->start || h->end >= len || !strchr("\"'`", t[h->start - 1]) ||
	     t[h->end] != t[h->start - 1]))
		return 0;
	/* "dataStorePassword": "dataStorePassword": the name, no value */
	while (line > t && line[-1] != '\n')
		line--;
	return !memmem(line, (size_t)(v - line), v, n);
}

/* Only the hits worth it (above), in place; returns how many are left. */
static size_t keep_worth(const char *t, size_t len, struct pf_secret_hit *h,
			 size_t nr)
{
	size_t k = 0;

	for (size_t i = 0; i < nr; i++)
		if (worth(t, len, &h[i]))
			h[k++] = h[i];
	return k;
}

/* text[a, b) with the hits (sorted) masked; the hits clipped to it. */
static void mask_range(struct pf_buf *out, const char *text, size_t a, size_t b,
		       const struct pf_secret_hit *h, size_t nr)
{
	size_t last = a;

	for (size_t i = 0; i < nr; i++) {
		size_t s = h[i].start < last ? last : h[i].start;
		size_t e = h[i].end > b ? b : h[i].end;

		if (e <= s)
			continue;
		pf_buf_add(out, text + last, s - last);
		pf_secret_mask_value(out, text + h[i].start,
				     h[i].end - h[i].start);
		last = e;
	}
	if (b > last)
		pf_buf_add(out, text + last, b - last);
}

void pf_secret_mask_text(struct pf_buf *out, const char *text, size_t len)
{
	struct pf_secret_hit *h = NULL;
	size_t nr = 0;

	if (pf_redact_find_secrets(&h, &nr, text, len)) {
		/* Fail closed: a line we cannot check is not printed. */
		pf_buf_addf(out, "[hidden: %s]", pf_error_last());
		return;
	}
	nr = keep_worth(text, len, h, nr);
	mask_range(out, text, 0, len, h, nr);
	free(h);
}

void pf_secret_value_hash(char out[PF_SECRET_HASH_SZ], const char *v,
			  size_t len)
{
	char hex[65];

	pf_sha256_hex(hex, v, len);
	memcpy(out, "sha256:", 7);
	memcpy(out + 7, hex, 16);
	out[PF_SECRET_HASH_SZ - 1] = '\0';
}

/* Is `item` (n bytes) one of the comma separated list? */
static int in_list(const char *list, const char *item, size_t n)
{
	while (list && *list) {
		const char *e = strchr(list, ',');
		size_t m = e ? (size_t)(e - list) : strlen(list);

		while (m && (*list == ' ' || *list == '\t')) {
			list++;
			m--;
		}
		while (m && (list[m - 1] == ' ' || list[m - 1] == '\t'))
			m--;
		if (m == n && !strncasecmp(list, item, n))
			return 1;
		list = e ? e + 1 : NULL;
	}
	return 0;
}

/* Does a glob of [secrets] allow_paths match the path (or, for a glob
 * without '/', its base name)? */
static int path_allowed(const char *globs, const char *path)
{
	const char *base = strrchr(path, '/');
	int ok = 0;

	base = base ? base + 1 : path;
	while (globs && *globs && !ok) {
		const char *e = strchr(globs, ',');
		size_t m = e ? (size_t)(e - globs) : strlen(globs);
		char *g = pf_xstrndup(globs, m);
		char *s = g;

		while (*s == ' ' || *s == '\t')
			s++;
		for (size_t k = strlen(s);
		     k && (s[k - 1] == ' ' || s[k - 1] == '\t');)
			s[--k] = '\0';
		if (*s)
			ok = !fnmatch(s, path, 0) ||
			     (!strchr(s, '/') && !fnmatch(s, base, 0));
		free(g);
		globs = e ? e + 1 : NULL;
	}
	return ok;
}

static size_t line_of(const struct pf_lines *ix, size_t off)
{
	size_t lo = 0, hi = ix->nr;

	/* the last line that begins at or before off */
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;

		if (ix->begin[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo + 1;
}

/* Does line `ln` (1-based) hold the allow mark? */
static int line_allows(const struct pf_lines *ix, const char *t, size_t len,
		       size_t ln)
{
	size_t a = ix->begin[ln - 1];
	size_t b = ln < ix->nr ? ix->begin[ln] : len;

	return b - a >= strlen(PF_SECRET_ALLOW_MARK) &&
	       memmem(t + a, b - a, PF_SECRET_ALLOW_MARK,
		      strlen(PF_SECRET_ALLOW_MARK));
}

/* One finding for hits [h, h + n) of one kind in cf. */
static void add_finding(struct pf_findings *out,
			const struct pf_changed_file *cf,
			const struct pf_lines *ix,
			const struct pf_secret_hit *all, size_t all_nr,
			const struct pf_secret_hit *h, size_t n)
{
	const struct kind_name *kn = kind_of(h->kind);
	struct pf_finding *f = pf_findings_push(out);
	struct pf_buf b = PF_BUF_INIT;
	size_t len = 0, sl = line_of(ix, h->start), begin;

	for (size_t i = 0; i < n; i++)
		len += h[i].end - h[i].start;
	f->secret = 1;
	pf_buf_addf(&b, PF_SECRET_RULE_PREFIX "%s", kn ? kn->rule : h->kind);
	f->rule_id = pf_buf_detach(&b, NULL);
	f->path = pf_xstrdup(cf->path);
	f->severity = h->known ? PF_SEV_ERROR : PF_SEV_WARNING;
	f->severity_label = pf_xstrdup(pf_severity_name(f->severity));
	pf_buf_addf(&b, "%s on a pushed line: ", kn ? kn->label : h->kind);
	if (n > 1)
		pf_buf_addf(&b, "%zu pieces, %zu chars", n, len);
	else
		pf_secret_mask_value(&b, cf->content + h->start, len);
	if (h->known)
		pf_buf_addstr(&b, "; a pushed credential cannot be taken "
				  "back: remove it from the commits and "
				  "revoke it");
	/* The hash that allows a known test value, only for token formats:
	 * the hash of a weak password assigned in code could be reversed by
	 * guessing, a token's cannot. */
	if (!in_list(UNHASHED, h->kind, strlen(h->kind))) {
		char hash[PF_SECRET_HASH_SZ];

		pf_secret_value_hash(hash, cf->content + h->start,
				     h->end - h->start);
		pf_buf_addf(&b, " (a known test value? [secrets] allow = %s)",
			    hash);
	}
	f->message = pf_buf_detach(&b, NULL);
	f->start.line = (uint32_t)sl;
	f->start.col = (uint32_t)(h->start - ix->begin[sl - 1] + 1);
	f->start.offset = (int64_t)h->start;
	f->end.offset = (int64_t)h[n - 1].end;
	f->end.line = 0;
	f->end.col = 0;
	{
		size_t el = line_of(ix, h[n - 1].end - 1);

		f->end.line = (uint32_t)el;
		f->end.col = (uint32_t)(h[n - 1].end - ix->begin[el - 1] + 1);
	}
	f->col_unit = PF_COL_BYTES;
	if (pf_finding_locate_indexed(f, cf->content, cf->content_len, ix)) {
		/* cannot happen: the offsets came from this content */
		pf_error_clear();
		free(f->lines);
		f->lines = NULL;
	}
	/* The lines, never the value: every secret on them masked. */
	if (f->lines) {
		begin = ix->begin[f->start.line - 1];
		mask_range(&b, cf->content, begin, begin + strlen(f->lines),
			   all, all_nr);
		free(f->lines);
		f->lines = pf_buf_detach(&b, NULL);
	}
	pf_finding_fingerprint(f);
	/* Masked lines alike ("AKIA…(20 chars)") must not share a decision:
	 * ignoring one test key would ignore the next real one.  The value's
	 * hash tells them apart, for token formats (see UNHASHED). */
	if (!in_list(UNHASHED, h->kind, strlen(h->kind))) {
		char hash[PF_SECRET_HASH_SZ];

		pf_secret_value_hash(hash, cf->content + h->start,
				     h->end - h->start);
		pf_buf_addf(&b, "%s\n%s", f->fingerprint, hash);
		pf_sha256_hex(f->fingerprint, b.buf, b.len);
	}
	pf_buf_release(&b);
}

/* Hits of one private key body are one finding: same kind, only blanks,
 * quotes, "\n" escapes and newlines between them. */
static size_t run_of(const char *t, const struct pf_secret_hit *h, size_t nr)
{
	size_t n = 1;

	if (strcmp(h->kind, "private-key"))
		return 1;
	while (n < nr && !strcmp(h[n].kind, h->kind)) {
		size_t k;

		for (k = h[n - 1].end; k < h[n].start; k++)
			if (!strchr(" \t\r\n\"'\\+,;n", t[k]))
				break;
		if (k < h[n].start)
			break;
		n++;
	}
	return n;
}

static int allowed_value(const struct pf_config *cfg, const char *v, size_t len)
{
	char hash[PF_SECRET_HASH_SZ];

	if (!cfg || !cfg->secrets.allow || !*cfg->secrets.allow)
		return 0;
	pf_secret_value_hash(hash, v, len);
	return in_list(cfg->secrets.allow, hash, strlen(hash));
}

/* What was found in one file of the changeset. */
struct file_hits {
	struct pf_secret_hit *h;
	size_t nr;
	struct pf_lines ix;
};

/*
 * A scanner's finding on the line of a credential (or whose message
 * quotes it) must not show it either: its lines and message, masked.
 * Only when its lines are still this file's bytes at its place (else it
 * came from another version of the path: masked as text alone).
 */
static void mask_other(struct pf_finding *f, const struct pf_changed_file *cf,
		       const struct file_hits *fh)
{
	struct pf_buf b = PF_BUF_INIT;

	if (f->lines && f->start.line && f->start.line <= fh->ix.nr) {
		size_t begin = fh->ix.begin[f->start.line - 1];
		size_t n = strlen(f->lines);

		if (begin + n <= cf->content_len &&
		    !memcmp(cf->content + begin, f->lines, n))
			mask_range(&b, cf->content, begin, begin + n, fh->h,
				   fh->nr);
		else
			pf_secret_mask_text(&b, f->lines, n);
		free(f->lines);
		f->lines = pf_buf_detach(&b, NULL);
	}
	if (f->message) {
		pf_secret_mask_text(&b, f->message, strlen(f->message));
		free(f->message);
		f->message = pf_buf_detach(&b, NULL);
	}
	pf_buf_release(&b);
}

int pf_secret_scan(struct pf_findings *out, const struct pf_changeset *cs,
		   const struct pf_config *cfg)
{
	struct file_hits *fh = pf_xcalloc(cs->nr ? cs->nr : 1, sizeof(*fh));
	size_t others = out->nr;
	int added = 0;

	for (size_t i = 0; i < cs->nr; i++) {
		const struct pf_changed_file *cf = &cs->files[i];
		struct pf_secret_hit *h;
		struct pf_lines *ix = &fh[i].ix;
		size_t nr;

		if (!cf->content || !cf->content_len)
			continue;
		if (pf_redact_find_secrets(&fh[i].h, &fh[i].nr, cf->content,
					   cf->content_len)) {
			added = pf_error_prefix(PF_EINVALID, "%s", cf->path);
			goto out;
		}
		h = fh[i].h;
		nr = fh[i].nr = keep_worth(cf->content, cf->content_len,
					   fh[i].h, fh[i].nr);
		if (!nr)
			continue;
		pf_lines_index(ix, cf->content, cf->content_len);
		if (cfg && cfg->secrets.allow_paths &&
		    path_allowed(cfg->secrets.allow_paths, cf->path))
			continue;
		for (size_t k = 0; k < nr;) {
			size_t n = run_of(cf->content, h + k, nr - k);
			size_t sl = line_of(ix, h[k].start);
			size_t el = line_of(ix, h[k + n - 1].end - 1);

			if ((cf->whole_file ||
			     pf_intervals_overlaps(&cf->lines, (uint32_t)sl,
						   (uint32_t)el)) &&
			    !line_allows(ix, cf->content, cf->content_len,
					 sl) &&
			    !line_allows(ix, cf->content, cf->content_len,
					 el) &&
			    !allowed_value(cfg, cf->content + h[k].start,
					   h[k].end - h[k].start)) {
				add_finding(out, cf, ix, h, nr, h + k, n);
				added++;
			}
			k += n;
		}
	}
	for (size_t i = 0; i < others; i++) {
		struct pf_finding *f = &out->v[i];
		const struct pf_changed_file *cf =
			f->path ? pf_changeset_find(cs, f->path) : NULL;

		if (cf && fh[cf - cs->files].nr)
			mask_other(f, cf, &fh[cf - cs->files]);
	}
out:
	for (size_t i = 0; i < cs->nr; i++) {
		free(fh[i].h);
		pf_lines_release(&fh[i].ix);
	}
	free(fh);
	return added;
}
