#ifndef PUSHFIX_SCAN_ADAPTER_H
#define PUSHFIX_SCAN_ADAPTER_H

/*
 * What the scanner adapters (semgrep.c, sarif.c) share, internal to
 * src/scan/.  An adapter parses a whole document into its own findings,
 * diagnostics and error count first, and hands them over only when the
 * document parsed: a document that breaks half-way adds nothing.
 */
#include "pushfix/buf.h"
#include "pushfix/finding.h"

/*
 * Move every finding of `parsed` to the end of `out` (parsed is left
 * empty), append `parsed_diag` to `diag` and store `nerr` in *nerrors;
 * `diag` and `nerrors` may be NULL.
 */
void pf_adapter_hand_over(struct pf_findings *out, struct pf_findings *parsed,
			  struct pf_buf *diag, const struct pf_buf *parsed_diag,
			  unsigned *nerrors, unsigned nerr);

#endif
