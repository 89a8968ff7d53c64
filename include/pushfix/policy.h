#ifndef PUSHFIX_POLICY_H
#define PUSHFIX_POLICY_H

#include "pushfix/buf.h"
#include "pushfix/config.h"

/*
 * The push policy: from what the developer did in the session
 * (struct pf_ui_result, ui.h) and [policy], does the push go on?
 */

struct pf_ui_result;

/* What the push policy says after the session. */
enum pf_policy {
	PF_POLICY_PUSH = 0,   /* let the push go on (hook exits 0) */
	PF_POLICY_STOP_FIXED, /* after_fix = stop and fixes were written */
	PF_POLICY_BLOCK,      /* open findings that [policy] block names */
	PF_POLICY_STOPPED,    /* the developer answered x at the prompt */
	PF_POLICY_SECRET,     /* open credential findings, block_secrets */
};

/*
 * Decide, from the session's result and the config:
 *  - the developer answered x: STOPPED, "push stopped (x)", with the fixes
 *    applied before it named;
 *  - credentials on pushed lines still open (not ignored) and
 *    [policy] block_secrets: SECRET, even after "push anyway" (a pushed
 *    credential cannot be taken back), with how to go on;
 *  - fixes or comments written and after_fix = stop: STOP_FIXED, with
 *    "N fixes applied to your working tree — review, commit and push
 *    again";
 *  - else findings still open that `block` names (true-positive: triaged
 *    true positive; error: severity ERROR or higher), unless the developer
 *    answered "push anyway": BLOCK;
 *  - else PUSH; after q (or end of input) with findings unanswered, one
 *    line says the push goes on with them.
 * `why` (may be NULL) gets the lines to show on stderr (error:/hint:/note
 * lines, each ending in '\n'; empty when there is nothing to say).
 * Anything but PF_POLICY_PUSH means the hook exits 1.
 */
enum pf_policy pf_policy_decide(struct pf_buf *why,
				const struct pf_ui_result *r,
				const struct pf_config *cfg);

/* How many open findings [policy] block names; `what` gets what they are
 * ("triaged true positive", "of severity ERROR or higher", ""). */
unsigned pf_policy_blocking(const struct pf_ui_result *r,
			    const struct pf_config *cfg, const char **what);

/* [policy] block as written in the config: "never", "true-positive",
 * "error". */
const char *pf_policy_block_name(enum pf_block b);

#endif
