#ifndef PUSHFIX_JSON_H
#define PUSHFIX_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

/*
 * The cJSON helpers every reader of JSON shares: the scanners' output
 * parsers, the sent log, the forge drivers.
 */

/* The string member `key` of object `o`, or NULL when `o` is not an
 * object, `key` is missing or its value is not a string. */
const char *pf_json_str(const cJSON *o, const char *key);

/*
 * Parse `json` (len bytes) as exactly one JSON document, only white space
 * after it.  On failure *out is NULL, the result PF_EINVALID and the
 * message "<origin>: empty output, expected <what>" or "<origin>: invalid
 * JSON at line L, column C", plus " (end of input: truncated?)" when it
 * broke at the last byte.  `what` names the expected document ("JSON",
 * "SARIF").  A lone "\udc80".."\udcff" escape (how Python's json writes
 * a byte of a file name that is not UTF-8) becomes that byte 0x80..0xff
 * in the string, so the name is the file's own bytes; other lone
 * surrogates are invalid JSON.  The caller frees *out with cJSON_Delete().
 */
int pf_json_parse_document(cJSON **out, const char *json, size_t len,
			   const char *origin, const char *what);

/*
 * Reading a document field by field, with messages that say where:
 * "<origin>: runs[0].results[3].ruleId: expected a string".
 */
struct pf_json_at {
	const char *origin; /* "semgrep output" */
	char path[256];	    /* "runs[0].results[3]"; "" at the top */
};

/* PF_EINVALID, message "<origin>: <path>.<field>: <fmt...>". */
int pf_json_bad(const struct pf_json_at *at, const char *field, const char *fmt,
		...) __attribute__((format(printf, 3, 4)));

/* The member `key`, or NULL when absent or null. */
const cJSON *pf_json_member(const cJSON *obj, const char *key);

/* The string member `key` into *out (NULL when absent); an error when it
 * is not a string, or absent and `required`. */
int pf_json_get_str(const char **out, const struct pf_json_at *at,
		    const cJSON *obj, const char *key, int required);

/* The integer member `key`, in [min, max], into *out (untouched when
 * absent); *present (may be NULL) says whether it was there. */
int pf_json_get_int(int64_t *out, int *present, const struct pf_json_at *at,
		    const cJSON *obj, const char *key, int64_t min,
		    int64_t max);

#endif
