/*
 * Shared cJSON helpers.  The scanners' outputs arrive from child
 * processes, so a parse error says where the document broke, by line and
 * column, and whether it simply stopped early.
 */
#include <stddef.h>

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
		return pf_error_setc(
		    PF_EINVALID, "%s: empty output, expected %s", origin, what);
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
	    PF_EINVALID, "%s: invalid JSON at line %zu, column %zu%s", origin,
	    line, col, pos + 1 >= len ? " (end of input: truncated?)" : "");
}
