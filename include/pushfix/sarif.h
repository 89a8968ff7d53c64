#ifndef PUSHFIX_SARIF_H
#define PUSHFIX_SARIF_H

#include <stddef.h>

#include "pushfix/buf.h"
#include "pushfix/finding.h"

/*
 * Adapter for SARIF 2.1.0 (Semgrep --sarif, flawfinder --sarif, CodeQL,
 * gitleaks...): every run's results become findings.  Severity comes from
 * result.level, else the rule's defaultConfiguration.level, else
 * "warning" (SARIF's default).  The path is the artifactLocation.uri with
 * a file:// scheme or %-escapes undone, relative as given (scan maps it).
 * Offsets are -1 unless region.byteOffset is present: pf_finding_locate()
 * fills them from the content.  A fix (fixes[0].artifactChanges[0]
 * .replacements[0]) whose deleted region is the finding's is kept as
 * rule_fix.  Errors as in semgrep.h.
 */
int pf_sarif_parse(struct pf_findings *out, struct pf_buf *diag,
		   unsigned *nerrors, const char *json, size_t len,
		   const char *origin);

/* Write findings as one SARIF 2.1.0 log (for `--format sarif`). */
void pf_sarif_write(struct pf_buf *out, const struct pf_findings *fs,
		    const char *tool_name);
/* The same, with `run_props` (a JSON object's members, "\"k\":v,...", or
 * NULL) as the run's property bag. */
void pf_sarif_write_props(struct pf_buf *out, const struct pf_findings *fs,
			  const char *tool_name, const char *run_props);

#endif
