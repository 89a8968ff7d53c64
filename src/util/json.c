/*
 * Shared cJSON helpers.  The scanners' outputs arrive from child
 * processes, so a parse error says where the document broke, by line and
 * column, and whether it simply stopped early.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cJSON.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/json.h"
#include "pushfix/util.h"

const char *pf_json_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) && v->valuestring ? v->valuestring : NULL;
}

static int is_json_space(char c)
{
	return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* The value of the 4 hex digits at s, or -1. */
static long hex4(const char *s)
{
	long v = 0;

	for (int i = 0; i < 4; i++) {
		char ch = s[i];

		v <<= 4;
		if (ch >= '0' && ch <= '9')
			v |= ch - '0';
		else if (ch >= 'a' && ch <= 'f')
			v |= ch - 'a' + 10;
		else if (ch >= 'A' && ch <= 'F')
			v |= ch - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Whether `json` holds a "\udc"-like escape at all (the cheap test). */
static int may_hold_low_surrogate(const char *json, size_t len)
{
	for (size_t i = 0; i + 5 < len; i++)
		if (json[i] == '\\' && json[i + 1] == 'u' &&
		    (json[i + 2] | 0x20) == 'd' && (json[i + 3] | 0x20) == 'c')
			return 1;
	return 0;
}

/*
 * Python writes a file name that is not UTF-8 with its surrogateescape
 * error handler: byte 0xE9 becomes the lone surrogate U+DCE9, and its
 * json module prints that as "\udce9" (flawfinder, Semgrep).  cJSON
 * refuses lone surrogates, so one such name would cost the whole scan.
 * Turn each lone \udc80..\udcff inside a string back into its byte, so
 * the path is the file's own bytes again; a pair, and every other lone
 * surrogate, stays for cJSON to judge.  Returns the number of escapes
 * undone; their positions in `b` go to *at (for error positions).
 */
static size_t undo_surrogateescape(struct pf_buf *b, size_t **at,
				   const char *json, size_t len)
{
	size_t i = 0, nr = 0, alloc = 0;
	int in_str = 0;

	*at = NULL;
	while (i < len) {
		long u, lo;

		if (!in_str || json[i] != '\\') {
			if (json[i] == '"')
				in_str = !in_str;
			pf_buf_addch(b, json[i++]);
			continue;
		}
		if (i + 5 >= len || json[i + 1] != 'u' ||
		    (u = hex4(json + i + 2)) < 0) {
			/* \" and the like: two bytes, never a quote. */
			pf_buf_add(b, json + i, i + 1 < len ? 2 : 1);
			i += 2;
			continue;
		}
		if (u >= 0xd800 && u <= 0xdbff && i + 11 < len &&
		    json[i + 6] == '\\' && json[i + 7] == 'u' &&
		    (lo = hex4(json + i + 8)) >= 0xdc00 && lo <= 0xdfff) {
			pf_buf_add(b, json + i, 12); /* a pair */
			i += 12;
		} else if (u >= 0xdc80 && u <= 0xdcff) {
			PF_ALLOC_GROW(*at, nr + 1, alloc);
			(*at)[nr++] = b->len;
			pf_buf_addch(b, (int)(u - 0xdc00));
			i += 6;
		} else {
			pf_buf_add(b, json + i, 6);
			i += 6;
		}
	}
	return nr;
}

int pf_json_parse_document(cJSON **out, const char *json, size_t len,
			   const char *origin, const char *what)
{
	struct pf_buf fixed = PF_BUF_INIT;
	const char *end = NULL, *doc = json;
	size_t pos, line = 1, col = 1, nfixed = 0, *at = NULL;
	int ret;

	*out = NULL;
	if (!json || !len)
		return pf_error_setc(PF_EINVALID,
				     "%s: empty output, expected %s", origin,
				     what);
	if (may_hold_low_surrogate(json, len)) {
		nfixed = undo_surrogateescape(&fixed, &at, json, len);
		if (nfixed) {
			doc = fixed.buf;
			len = fixed.len;
		}
	}
	*out = cJSON_ParseWithLengthOpts(doc, len, &end, 0);
	if (*out) {
		/* Nothing but white space may follow the document. */
		pos = end ? (size_t)(end - doc) : len;
		while (pos < len && is_json_space(doc[pos]))
			pos++;
		if (pos == len) {
			ret = 0;
			goto out;
		}
		cJSON_Delete(*out);
		*out = NULL;
	} else {
		pos = end && end >= doc && (size_t)(end - doc) <= len
			      ? (size_t)(end - doc)
			      : len;
	}
	/* The position in the scanner's own text: each escape undone was
	 * six bytes there. */
	if (nfixed) {
		size_t k = 0;

		while (k < nfixed && at[k] < pos)
			k++;
		pos += 5 * k;
		len += 5 * nfixed;
	}
	for (size_t i = 0; i < pos && i < len; i++) {
		if (json[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	ret = pf_error_setc(
		PF_EINVALID, "%s: invalid JSON at line %zu, column %zu%s",
		origin, line, col,
		pos + 1 >= len ? " (end of input: truncated?)" : "");
out:
	pf_buf_release(&fixed);
	free(at);
	return ret;
}

int pf_json_bad(const struct pf_json_at *at, const char *field, const char *fmt,
		...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return pf_error_setc(PF_EINVALID, "%s: %s%s%s: %s", at->origin,
			     at->path, *at->path && *field ? "." : "", field,
			     what);
}

const cJSON *pf_json_member(const cJSON *obj, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return cJSON_IsNull(v) ? NULL : v;
}

int pf_json_get_str(const char **out, const struct pf_json_at *at,
		    const cJSON *obj, const char *key, int required)
{
	const cJSON *v = pf_json_member(obj, key);

	*out = NULL;
	if (!v)
		return required ? pf_json_bad(at, key, "missing") : 0;
	if (!cJSON_IsString(v))
		return pf_json_bad(at, key, "expected a string");
	*out = v->valuestring;
	return 0;
}

int pf_json_get_int(int64_t *out, int *present, const struct pf_json_at *at,
		    const cJSON *obj, const char *key, int64_t min, int64_t max)
{
	const cJSON *v = pf_json_member(obj, key);
	double d;

	if (present)
		*present = 0;
	if (!v)
		return 0;
	if (!cJSON_IsNumber(v))
		return pf_json_bad(at, key, "expected a number");
	d = v->valuedouble;
	if (!(d >= (double)min && d <= (double)max) || (double)(int64_t)d != d)
		return pf_json_bad(at, key,
				   "expected an integer in %lld..%lld, got %g",
				   (long long)min, (long long)max, d);
	*out = (int64_t)d;
	if (present)
		*present = 1;
	return 0;
}
