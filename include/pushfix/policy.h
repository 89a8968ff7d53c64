#ifndef PUSHFIX_POLICY_H
#define PUSHFIX_POLICY_H

#include "pushfix/buf.h"
#include "pushfix/config.h"
#include "pushfix/finding.h"

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

/* How many open findings [policy] block names, and [rules] block;
 * `what` gets what they are ("triaged true positive", "of severity ERROR
 * or higher", "of rules in block mode", ""). */
unsigned pf_policy_blocking(const struct pf_ui_result *r,
			    const struct pf_config *cfg, const char **what);

/* Append what stops the push: "[policy] block = error", "[rules] block"
 * or "[rules] block, [policy] block = error". */
void pf_policy_block_source(struct pf_buf *out, const struct pf_ui_result *r,
			    const struct pf_config *cfg);

/* [policy] block as written in the config: "never", "true-positive",
 * "error". */
const char *pf_policy_block_name(enum pf_block b);

/* ---- rule modes ([rules], issue 15) ---------------------------------- */

struct pf_finding;

/*
 * The mode [rules] gives `f`'s rule: the most specific entry wins (an
 * exact id over a glob, a longer glob over a shorter one); equally
 * specific entries in two lists: the stricter (block > comment >
 * monitor), and *conflict (may be NULL) is set to the weaker list's name.
 * A credential finding (f->secret) stays DEFAULT (block_secrets decides)
 * when only a repository's comment list would move it: *refused (may be
 * NULL) is set then.  DEFAULT when no entry matches.
 */
enum pf_mode pf_policy_mode(const struct pf_config *cfg,
			    const struct pf_finding *f, const char **conflict,
			    int *refused);

/*
 * What `f`'s mode comes to once triaged: its [rules] mode, else BLOCK
 * when [policy] (block, block_secrets) would stop the push for it open,
 * else COMMENT.
 */
enum pf_mode pf_policy_effective(const struct pf_config *cfg,
				 const struct pf_finding *f);

/* Count one finding still open into r (open, open_true_positive,
 * open_error, open_secret, open_block) as its mode says. */
void pf_policy_count_open(struct pf_ui_result *r, const struct pf_finding *f);

#endif
