#ifndef PUSHFIX_OUTBOX_H
#define PUSHFIX_OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "pushfix/buf.h"

/*
 * The outbox: findings waiting to be mirrored to a PR/MR and to Slack, so
 * that nothing is lost when the network, the forge or the process fails.
 *
 *   <state_dir>/outbox/<id>.json   one entry per pushed branch, written
 *                                  atomically (temp file, fsync, rename,
 *                                  fsync of the directory) before the hook
 *                                  returns
 *   <state_dir>/outbox/<id>.lock   the claim: flock'ed by the worker that
 *                                  posts the entry (holds its pid); the
 *                                  kernel drops it when that worker dies
 *   <state_dir>/outbox/<id>.bad    an entry that could not be parsed, set
 *                                  aside (never deleted) with a message
 *
 * Ids sort by creation time.  An entry is removed (pf_outbox_done) only
 * after everything in it was posted; progress (forge part done, Slack
 * sent, rate-limit wait) is saved in the entry itself.  Exactly-once
 * posting across crashes comes from the forge side: every comment
 * carries the finding's fingerprint in a hidden marker that the next
 * worker reads back (src/mirror/review.c).
 *
 * All strings are owned by the structs.
 */

#define PF_OUTBOX_VERSION 1

struct pf_outbox_fix {
	uint32_t start_line, end_line; /* lines of the pushed file replaced */
	char *replacement; /* their new text, '\n'-terminated lines ("" =
			      delete them) */
	char *origin;	   /* "rule" or "llm" */
	char *state;	   /* "verified", "unverified", "unchecked" */
};

struct pf_outbox_finding {
	char *fingerprint; /* lower-case hex, the de-duplication key */
	char *rule_id;
	char *path;		       /* repository-relative */
	uint32_t start_line, end_line; /* 1-based, inclusive */
	char *severity;		       /* "ERROR", "WARNING", ... */
	char *message;
	char *cwe;	    /* or NULL */
	char *verdict;	    /* "true_positive", "false_positive",
			       "uncertain"; NULL when not triaged */
	double confidence;  /* 0..1 */
	char *reason;	    /* or NULL */
	char *component;    /* the LLM's tag ("auth"), or NULL */
	char *triage_error; /* why there is no verdict, or NULL */
	int feedback;	    /* developer: +1 agrees, -1 disagrees, 0 */
	int has_fix;
	struct pf_outbox_fix fix;
};

struct pf_outbox_entry {
	char *id;	   /* file name without ".json"; set by add */
	long long created; /* epoch seconds */
	char *remote_name; /* "origin" (may equal the URL) */
	char *remote_url;  /* as git gave it, password removed */
	char *branch;	   /* "feature/x" (refs/heads/ stripped) */
	char sha[41];	   /* the pushed commit */
	struct pf_outbox_finding *findings;
	size_t nr, alloc;

	/* Progress, saved with pf_outbox_save(). */
	int forge_done; /* every finding is on the PR/MR */
	int slack_done;
	char *pr_url;	      /* where they went, for Slack */
	long long not_before; /* rate limited: no attempt before (epoch) */
	unsigned attempts;
	char *last_error;	/* why the last attempt posted nothing */
	long long last_attempt; /* epoch of that attempt; 0: never tried */
	int failed; /* it failed (auth, no such repository, ...), rather
		       than waiting for a PR/MR, the remote or a rate limit:
		       the hook and `pushfix doctor` say so */

	/* Set by pf_outbox_claim(). */
	char *file; /* .../outbox/<id>.json */
	char *lock_file;
	int lock_fd; /* -1 when not claimed */
};

void pf_outbox_entry_init(struct pf_outbox_entry *e);
/* Frees the contents and drops the claim (if any); the files stay. */
void pf_outbox_entry_release(struct pf_outbox_entry *e);
/* Append a zeroed finding and return it. */
struct pf_outbox_finding *pf_outbox_entry_add(struct pf_outbox_entry *e);
void pf_outbox_finding_release(struct pf_outbox_finding *f);

/* Serialise (pretty JSON, ends with a newline). */
void pf_outbox_entry_to_json(struct pf_buf *out,
			     const struct pf_outbox_entry *e);

/*
 * Parse an entry.  `origin` names the file in messages: PF_EINVALID with
 * "outbox entry 'FILE': 'findings[2].path' is missing or not a string".
 * `out` must be initialised; on error it holds whatever was parsed.
 */
int pf_outbox_entry_parse(struct pf_outbox_entry *out, const char *json,
			  size_t len, const char *origin);

/* out = <state_dir>/outbox, created (0700) when missing. */
int pf_outbox_dir(struct pf_buf *out, const char *state_dir);

/*
 * Write a new entry durably; assigns e->id (unless set) and e->created
 * (unless set).  The entry is complete on disk when this returns 0.
 */
int pf_outbox_add(const char *state_dir, struct pf_outbox_entry *e);

/*
 * The ids of the waiting entries, oldest first.  *ids_out is an array of
 * *nr_out strings; free with pf_outbox_ids_free().  A missing outbox is
 * an empty one.
 */
int pf_outbox_list(char ***ids_out, size_t *nr_out, const char *state_dir);
void pf_outbox_ids_free(char **ids, size_t nr);

/*
 * Claim entry `id` and read it into `out` (initialised by the caller).
 * Two workers never hold one entry: PF_ETIMEOUT ("entry ID is being
 * posted by another pushfix (pid N)") when someone else holds it,
 * PF_ENOTFOUND when it is gone (posted meanwhile), PF_EINVALID when it
 * does not parse (the file is renamed to <id>.bad, kept).
 */
int pf_outbox_claim(struct pf_outbox_entry *out, const char *state_dir,
		    const char *id);

/* Rewrite a claimed entry atomically (progress fields). */
int pf_outbox_save(struct pf_outbox_entry *e);

/* Everything was posted: remove the entry, then drop the claim. */
int pf_outbox_done(struct pf_outbox_entry *e);

/*
 * Read entry `id` without claiming it (for status output); `out` must be
 * initialised.  Errors as pf_outbox_entry_parse, PF_ENOTFOUND when gone.
 */
int pf_outbox_read(struct pf_outbox_entry *out, const char *state_dir,
		   const char *id);

/*
 * What is waiting, cheaply: no network, nothing created, and only a stat
 * when there is no outbox directory.  `failed` counts the entries whose
 * last attempt failed; `last_error` is the newest failure's message
 * (owned, or NULL).  Entries that cannot be read are left out.
 */
struct pf_outbox_summary {
	size_t nr, failed;
	long long last_attempt;
	char *last_error;
};
int pf_outbox_summarise(struct pf_outbox_summary *s, const char *state_dir);
void pf_outbox_summary_release(struct pf_outbox_summary *s);

#endif
