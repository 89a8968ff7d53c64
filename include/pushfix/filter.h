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
 * every mode but ALL.  Returns how many were dropped.
 */
size_t pf_filter_apply(struct pf_findings *fs, const struct pf_changeset *cs,
		       enum pf_filter_mode mode, unsigned context);

#endif
