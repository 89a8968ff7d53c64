#ifndef PUSHFIX_FIX_H
#define PUSHFIX_FIX_H

#include <stddef.h>
#include <stdint.h>

#include "pushfix/finding.h"

/*
 * The fix stage: a finding's fix (struct pf_fix, finding.h), from the rule
 * or from the LLM, made safe to offer before the ui shows it.
 *
 *  - a rule's own fix (f->rule_fix) becomes a whole-line fix of origin
 *    RULE, offered as is (an LLM fix never replaces it);
 *  - an LLM fix is refused (fix.state REFUSED, fix.note says why) when it
 *    reaches outside the snippet the model saw or touches a cut line, or
 *    when de-anonymising it fails (pf_vault_restore: a placeholder the
 *    vault does not know); a fix of a false_positive is dropped; one
 *    below [llm] autofix_min_confidence is dropped;
 *  - the remaining LLM fixes are applied in memory to the pushed content
 *    and the scanner runs again on the fixed files: VERIFIED when no
 *    finding of the same rule overlaps the fixed lines and no finding of
 *    another rule appeared there, else UNVERIFIED with a note.  The fixes
 *    of one file are checked together, in one scanner run for all files;
 *    fixes that overlap or neighbour another, and those the combined
 *    re-scan does not verify, are then checked alone (later runs, one fix
 *    per path each), so a fix verified alone is never unverified by its
 *    neighbours.
 *  - a fix that changes nothing (its text equals the lines it replaces,
 *    trailing white space of each line aside) is no fix: origin NONE, no
 *    replacement, fix.note says so; the triage's verdict and reason stay.
 *    Nothing can apply, count or post it then.
 */

struct pf_buf;
struct pf_llm_answer;
struct pf_run;
struct pf_snippet;
struct pf_vault;

/* What happened to the LLM's fixes, for the triage summary line. */
struct pf_fix_stats {
	unsigned verified, unverified, refused;
	double verify_ms; /* time spent re-scanning */
};

/* Each finding of run->findings with a rule fix and no fix yet gets the
 * rule's fix as a whole-line fix of origin RULE (none when it cannot be
 * placed in the pushed content). */
void pf_fix_from_rules(struct pf_run *run);

/* What the model was shown for one finding, and what was pushed. */
struct pf_fix_source {
	const char *pushed; /* the file as pushed */
	size_t pushed_len;
	const char *sent; /* the same file anonymised, as the model saw it */
	size_t sent_len;
	const struct pf_snippet *snip; /* the snippet cut from `sent` */
	const struct pf_vault *vault;  /* the run's, to de-anonymise */
	double min_confidence;	       /* [llm] autofix_min_confidence */
};

/*
 * Take the fix in the LLM's answer `a` as f->fix (origin LLM): UNCHECKED,
 * de-anonymised and shaped like the lines it replaces (their line end,
 * their final newline or its absence), or REFUSED with a note (counted in
 * st->refused).  Nothing is taken when there is no fix, f has a rule fix,
 * the verdict is false_positive or the confidence is too low.
 */
void pf_fix_from_llm(struct pf_finding *f, const struct pf_llm_answer *a,
		     const struct pf_fix_source *src, struct pf_fix_stats *st);

/*
 * Verify every UNCHECKED LLM fix of run->findings by re-scanning the
 * pushed files with the fix applied in memory: VERIFIED or UNVERIFIED
 * (with a note), counted in `st`.
 */
void pf_fix_verify(struct pf_run *run, struct pf_fix_stats *st);

/*
 * 1 when `repl` changes nothing over `old` (whole lines): the same lines
 * once the trailing white space of each (CR of a CRLF included) is left
 * out.  A final newline ends the last line; an extra empty line counts.
 */
int pf_fix_changes_nothing(const char *old, size_t old_len, const char *repl,
			   size_t repl_len);

/*
 * Drop f's fix when it changes nothing over `content` (f's file as
 * pushed): no fix then, with a note saying so.  1 when dropped.
 */
int pf_fix_drop_noop(struct pf_finding *f, const char *content, size_t len);

/*
 * Check a fix the developer wrote (the `e` key) like an LLM fix: `text`
 * over pushed lines a..b of f's file, shaped like them, re-scanned in
 * memory.  1 when it changes nothing (nothing checked); else 0 with
 * *state VERIFIED, or UNVERIFIED with the reason in `note`.
 */
int pf_fix_check_text(struct pf_run *run, const struct pf_finding *f,
		      uint32_t a, uint32_t b, const char *text,
		      enum pf_fix_state *state, struct pf_buf *note);

#endif
