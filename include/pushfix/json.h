#ifndef PUSHFIX_JSON_H
#define PUSHFIX_JSON_H

#include <stddef.h>

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
 * "SARIF").  The caller frees *out with cJSON_Delete().
 */
int pf_json_parse_document(cJSON **out, const char *json, size_t len,
			   const char *origin, const char *what);

#endif
