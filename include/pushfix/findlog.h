#ifndef PUSHFIX_FINDLOG_H
#define PUSHFIX_FINDLOG_H

#include <time.h>

#include "pushfix/buf.h"
#include "pushfix/finding.h"

/*
 * The local record of findings: <state_dir>/findings.log, mode 0600, one
 * JSON object per line, never leaves the machine.  `pushfix findings`
 * lists it, `pushfix log --feedback` counts its feedback.
 *
 * A finding record, one per finding of a hook run or `pushfix scan`,
 * written after triage:
 *   {"type":"finding","ts":1738324800,"time":"2025-01-31T12:00:00Z",
 *    "source":"push"|"scan","rule":...,"path":...,"line":12,
 *    "fingerprint":"<64 hex>","severity":"warning",
 *    "verdict":"true_positive"|"false_positive"|"uncertain"|null,
 *    "confidence":0.9,"component":"auth"|null,"reason":...|null,
 *    "mode":"block"|"comment"|"monitor" (only for a rule [rules] names),
 *    "answer":"applied"|"accepted"|"skipped"|"ignored"|null,
 *    "feedback":"agree"|"disagree"|null,"cwe":"CWE-120: ..."|null,
 *    "blob":"<40 hex: the file as scanned>"|null}
 * ("answer": the developer's at the prompt, finding.h's pf_answer;
 * "feedback": + or - at the prompt.)
 * A feedback record, one per `/pushfix agree|disagree` reply on a review
 * comment (pushfix mirror):
 *   {"type":"feedback","ts":...,"time":...,"fingerprint":...,"rule":...,
 *    "path":...,"feedback":"agree"|"disagree","reason":...|null,
 *    "author":"login","forge":"github"|"gitlab","reply":"<reply id>"}
 *
 * Bounded: once the file passes PF_FINDLOG_MAX bytes, the oldest lines
 * are dropped down to half of it.  A secret finding's reason is not kept
 * (it may quote the value).  Unparseable lines are skipped.
 */
#define PF_FINDLOG_NAME "findings.log"
#define PF_FINDLOG_MAX ((size_t)4 << 20)

struct pf_run;

/* Record run->findings (after triage); source "push" when the run has a
 * remote (the hook), else "scan".  Best effort for its callers. */
int pf_findings_record(struct pf_run *run);

struct pf_findlog_filter {
	const char *verdict;   /* "true_positive"..., "none", or NULL */
	const char *component; /* exact tag, or NULL */
	const char *rule;      /* fnmatch glob on the rule id, or NULL */
	const char *mode;      /* "block"... or "default" (none), or NULL */
	time_t since;	       /* 0: all */
	int json;	       /* the matching records as JSON lines */
};

/*
 * The findings recorded, one entry per fingerprint (its newest record),
 * oldest first, that match `f`.  Nothing appended when none.
 */
int pf_findlog_show(struct pf_buf *out, const char *state_dir,
		    const struct pf_findlog_filter *f);

struct pf_feedback {
	const char *fingerprint;
	const char *rule, *path;
	int agree; /* 1 agree, 0 disagree */
	const char *reason;
	const char *author;
	const char *forge;
	const char *reply; /* the reply's id on the forge: once only */
};

/*
 * Append a feedback record unless one for (forge, reply) is there:
 * returns 1 then, 0 when recorded, or a negative PF_E*.
 */
int pf_findlog_feedback(const char *state_dir, const struct pf_feedback *fb);

/*
 * The newest verdict recorded for `fingerprint` (PF_VERDICT_NONE when
 * none); *rule and *path (each may be NULL) receive its rule id and path
 * (free them), NULL when it has no record.
 */
enum pf_verdict pf_findlog_verdict(const char *state_dir,
				   const char *fingerprint, char **rule,
				   char **path);

/* Agreement per rule from the feedback records: a table, or JSON lines. */
int pf_findlog_feedback_rates(struct pf_buf *out, const char *state_dir,
			      int json);

#endif
