#ifndef PUSHFIX_SECRET_H
#define PUSHFIX_SECRET_H

#include <stddef.h>

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/diff.h"
#include "pushfix/finding.h"

/*
 * Secrets are findings of pushfix itself (issue 11): the credential
 * detectors of the anonymiser (redact.h, pf_redact_find_secrets()) run
 * on every pushed file, whatever the scanner, and each credential on a
 * pushed line becomes a finding `pushfix.secret.<kind>` with f->secret
 * set: severity ERROR, or WARNING for a high-entropy string of no known
 * format.  Its value is never shown whole (pf_secret_mask_value()), never
 * sent to an LLM, and [policy] block_secrets stops the push.
 *
 * Not a finding: a line holding "pushfix:allow-secret" (in a comment);
 * a value whose hash [secrets] allow lists (from any config file, also
 * the committed .pushfix.ini: it can name known test values only); a
 * path [secrets] allow_paths matches (the user's own config files only:
 * a committed file must not switch detection off for a whole tree).
 */

#define PF_SECRET_RULE_PREFIX "pushfix.secret."
#define PF_SECRET_ALLOW_MARK "pushfix:allow-secret"

/* "AKIA…(20 chars)": at most 4 leading bytes (a quarter of a short value)
 * and the length.  Appends to out. */
void pf_secret_mask_value(struct pf_buf *out, const char *v, size_t len);

/*
 * Append text with every secret the detectors find in it masked as
 * above, for code lines shown for ANY finding (a scanner's finding on
 * the line of a key must not print the key).  When detection fails the
 * text is not shown at all ("[hidden: ...]").
 */
void pf_secret_mask_text(struct pf_buf *out, const char *text, size_t len);

/* "sha256:" and the first 16 hex digits of SHA-256 of the value: how
 * [secrets] allow names a known test value without writing it. */
#define PF_SECRET_HASH_SZ (7 + 16 + 1)
void pf_secret_value_hash(char out[PF_SECRET_HASH_SZ], const char *v,
			  size_t len);

/*
 * Append to `out` a finding for each credential on a changed line of
 * each loaded file of `cs` (every line of a whole_file entry), located
 * (lines cut and masked, fingerprint of the masked lines).  Returns how
 * many were added, or a negative PF_E* when detection failed.
 */
int pf_secret_scan(struct pf_findings *out, const struct pf_changeset *cs,
		   const struct pf_config *cfg);

#endif
