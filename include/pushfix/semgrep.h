#ifndef PUSHFIX_SEMGREP_H
#define PUSHFIX_SEMGREP_H

#include <stddef.h>

#include "pushfix/buf.h"
#include "pushfix/finding.h"

/*
 * Adapter for `semgrep scan --json` output (semgrep_output_v1 cli_output).
 * See docs/SEMGREP-NOTES.md for the contract:
 * unknown keys ignored, `errors[].type` a string or [tag, ...], positions
 * in bytes, `extra.lines` untrusted, `extra.fix` kept as rule_fix.
 *
 * Findings are appended to `out` with `path` exactly as Semgrep printed it
 * (the scan stage maps them back).  Every scanner error is described on
 * one line in `diag` ("semgrep: warn: Timeout: path: message"); the number
 * of level "error" entries goes to *nerrors (may be NULL).
 *
 * Malformed input gives PF_EINVALID with a message naming `origin` and the
 * field: "semgrep output: results[2].start.line: expected a number".
 * On error `out` (and `diag`, *nerrors) are left as they were.
 */
int pf_semgrep_parse(struct pf_findings *out, struct pf_buf *diag,
		     unsigned *nerrors, const char *json, size_t len,
		     const char *origin);

#endif
