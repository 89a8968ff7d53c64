#ifndef PUSHFIX_FILTER_H
#define PUSHFIX_FILTER_H

#include "pushfix/config.h"
#include "pushfix/diff.h"
#include "pushfix/finding.h"

/*
 * Keep the findings that touch the changeset, like reviewdog's filter
 * modes: ADDED (lines start..end intersect a changed line), CONTEXT (the
 * same, widened by `context` lines), FILE (any finding in a changed
 * file), ALL (everything).  Findings of files not in the changeset go in
 * every mode but ALL.  Returns how many were dropped; the kept ones keep
 * their order.  `cs` sorted by path, as pf_changeset_finish() leaves it;
 * O(n log files) for n findings.
 */
size_t pf_filter_apply(struct pf_findings *fs, const struct pf_changeset *cs,
		       enum pf_filter_mode mode, unsigned context);

/*
 * The changeset entry a located finding came from: of several versions of
 * its path (two refs), the one whose bytes at the finding's position are
 * its `lines`; else the first entry of the path; NULL when the path is
 * not in the changeset.  Owned by the changeset; `cs` sorted as above.
 */
const struct pf_changed_file *pf_filter_file_of(const struct pf_changeset *cs,
						const struct pf_finding *f);

#endif
