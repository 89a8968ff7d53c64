/*
 * Shared cJSON helpers.  The scanners' outputs arrive from child
 * processes, so a parse error says where the document broke, by line and
 * column, and whether it simply stopped early.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cJSON.h>

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

int pf_json_parse_document(cJSON **out, const char *json, size_t len,
			   const char *origin, const char *what)
{
	const char *end = NULL;
	size_t pos, line = 1, col = 1;

	*out = NULL;
	if (!json || !len)
		return pf_error_setc(PF_EINVALID,
				     "%s: empty output, expected %s", origin,
				     what);
	*out = cJSON_ParseWithLengthOpts(json, len, &end, 0);
	if (*out) {
		/* Nothing but white space may follow the document. */
		pos = end ? (size_t)(end - json) : len;
		while (pos < len && is_json_space(json[pos]))
			pos++;
		if (pos == len)
			return 0;
		cJSON_Delete(*out);
		*out = NULL;
	} else {
		pos = end && end >= json && (size_t)(end - json) <= len
			      ? (size_t)(end - json)
			      : len;
	}
	for (size_t i = 0; i < pos && i < len; i++) {
		if (json[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	return pf_error_setc(
		PF_EINVALID, "%s: invalid JSON at line %zu, column %zu%s",
		origin, line, col,
		pos + 1 >= len ? " (end of input: truncated?)" : "");
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
