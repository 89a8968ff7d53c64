#ifndef PUSHFIX_MIRROR_INT_H
#define PUSHFIX_MIRROR_INT_H

/*
 * Inside the mirror stage: what the forge drivers (github.c, gitlab.c,
 * slack.c) share and the worker (mirror.c) sets up for them: fingerprint
 * markers and comment text (review.c), the forge's diff and where a
 * finding goes on it (diffmap.c), one entry's context and the API
 * requests (request.c).  Included by the drivers and the worker, never by
 * code outside src/mirror/ (unit tests aside).  It includes nothing of
 * the drivers' or the worker's, so nothing here depends back on them.
 */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pushfix/buf.h"
#include "pushfix/forge.h"
#include "pushfix/http.h"
#include "pushfix/outbox.h"

/* ---- fingerprint markers ---- */

#define PF_MIRROR_MARKER "<!-- pushfix:fingerprint="

/* Append the hidden marker for `fingerprint`. */
void pf_mirror_marker(struct pf_buf *out, const char *fingerprint);

/* A set of fingerprints (small: linear search is enough). */
struct pf_mirror_fps {
	char **v;
	size_t nr, alloc;
};
#define PF_MIRROR_FPS_INIT                                                     \
	{                                                                      \
		NULL, 0, 0                                                     \
	}
void pf_mirror_fps_release(struct pf_mirror_fps *s);
void pf_mirror_fps_add(struct pf_mirror_fps *s, const char *fp);
int pf_mirror_fps_has(const struct pf_mirror_fps *s, const char *fp);
/* Add every well-formed marker found in `text` (may be NULL). */
void pf_mirror_fps_scan(struct pf_mirror_fps *s, const char *text);

/* ---- the forge's diff: which new-side lines can carry a comment ---- */

struct pf_mirror_diff_line {
	uint32_t new_line; /* 1-based line of the new file */
	uint32_t old_line; /* the old side's counter at that line (for a
			      context line: its old number) */
	unsigned hunk;	   /* hunk number within the file, from 0 */
	char kind;	   /* '+' added, ' ' context */
};

struct pf_mirror_diff_file {
	char *path;		       /* new path */
	char *old_path;		       /* old path (== path unless renamed) */
	struct pf_mirror_diff_line *v; /* sorted by new_line */
	size_t nr, alloc;
	unsigned hunks;
};

struct pf_mirror_diff {
	struct pf_mirror_diff_file *v;
	size_t nr, alloc;
};
#define PF_MIRROR_DIFF_INIT                                                    \
	{                                                                      \
		NULL, 0, 0                                                     \
	}

void pf_mirror_diff_release(struct pf_mirror_diff *d);

/*
 * A whole unified diff as `git diff` / GitHub's diff media type print it
 * ("diff --git" headers, ---/+++ lines, C-quoted paths, renames, binary
 * files, "\ No newline at end of file").  PF_EINVALID on a hunk header
 * that does not parse, naming the line.
 */
int pf_mirror_diff_parse(struct pf_mirror_diff *d, const char *text,
			 size_t len);

/*
 * One file's patch: hunks only (GitHub files[].patch, GitLab diffs[].diff),
 * any ---/+++ header lines before the first hunk are skipped.  old_path
 * may be NULL (same as path).
 */
int pf_mirror_diff_add_patch(struct pf_mirror_diff *d, const char *path,
			     const char *old_path, const char *patch,
			     size_t len);

const struct pf_mirror_diff_file *
pf_mirror_diff_file(const struct pf_mirror_diff *d, const char *path);
/* The diff line for new-side `line` of `path`, or NULL (not commentable). */
const struct pf_mirror_diff_line *
pf_mirror_diff_find(const struct pf_mirror_diff *d, const char *path,
		    uint32_t line);
/* 1 when every line start..end of `path` is in the diff, in one hunk (what
 * a multi-line comment and a suggestion need). */
int pf_mirror_diff_range(const struct pf_mirror_diff *d, const char *path,
			 uint32_t start, uint32_t end);

/* ---- where a finding goes, and its text ---- */

struct pf_mirror_anchor {
	int in_diff;	     /* 0: the finding goes into the summary */
	uint32_t start, end; /* commented new-side lines */
	int suggestion;	     /* the fix replaces exactly start..end: one-click
				suggestion */
	const struct pf_mirror_diff_file *file;
	const struct pf_mirror_diff_line *first; /* diff line of `start` */
};

/*
 * Place a finding on the diff: the fix's lines when they are all in one
 * hunk (then a suggestion), else the finding's lines when all in one
 * hunk, else the first of its lines that is in the diff; else not in the
 * diff.  `d` NULL means "assume every line is in the diff" (dry run).
 */
void pf_mirror_place(struct pf_mirror_anchor *out,
		     const struct pf_mirror_diff *d,
		     const struct pf_outbox_finding *f);

/*
 * The comment for one finding: severity, rule, message, triage verdict
 * with confidence and reason (or why there is none), the developer's
 * feedback, CWE, the fix (a ```suggestion block on GitHub, a
 * ```suggestion:-0+N block on GitLab when a->suggestion, else a plain
 * block naming its lines), and the marker.  `a` NULL: the summary form,
 * which starts with path:lines.  Untrusted text (messages, reasons) is
 * escaped so it cannot forge a marker, raw HTML or an @mention.
 */
void pf_mirror_render(struct pf_buf *out, const struct pf_outbox_finding *f,
		      enum pf_forge forge, const struct pf_mirror_anchor *a);

/* Value of rel="next" in a Link header into out: 1 found, 0 not. */
int pf_mirror_link_next(struct pf_buf *out, const char *link);

/* ---- one entry being posted (the worker in mirror.c drives the
 * drivers, drivers.h, with this) ---- */

struct pf_mirror_ctx {
	struct pf_outbox_entry *entry;
	const struct pf_forge_repo *repo;
	const char *head_owner;	  /* GitHub fork: the pushed-to owner when
				     [mirror] repository names the upstream;
				     NULL: repo->owner */
	const char *token;	  /* NULL in a dry run */
	const char *token_source; /* "GITHUB_TOKEN", "[mirror] token_cmd" */
	int dry_run;		  /* print requests, send nothing */
	int worker;		  /* may wait for the forge to catch up */
	int verbose;
	FILE *out;	      /* dry-run requests, notes */
	unsigned max_sleep_s; /* rate-limit waits done in place */
	unsigned wait_s;      /* waiting for the PR/MR head */

	/* Results. */
	char *pr_url;			 /* html_url / web_url */
	struct pf_mirror_reply *replies; /* feedback found on the PR/MR */
	size_t replies_nr, replies_alloc;
	size_t posted, already, outside, moved;
	double retry_after; /* with PF_ERETRY: seconds */
	long last_status;   /* of the last answer (0: none) */
};

void pf_mirror_ctx_release(struct pf_mirror_ctx *c);

/* ---- feedback: replies `/pushfix agree|disagree [reason]` ---- */

/* One reply on one of our comments, from someone with write access. */
struct pf_mirror_reply {
	char *fingerprint; /* of the comment replied to */
	char *author;	   /* login / username */
	char *id;	   /* the reply's id on the forge */
	char *reason;	   /* the text after the command, or NULL */
	int agree;
};

/*
 * Is `body` a feedback command?  Its first non-blank line is
 * `/pushfix agree` or `/pushfix disagree`, a word of its own, then an
 * optional reason (kept on one line, at most 200 bytes, in *reason when
 * not NULL: free it).  1 and *agree set, or 0.
 */
int pf_mirror_feedback_parse(const char *body, int *agree, char **reason);

/* The first well-formed marker's fingerprint in `text`, or NULL (free). */
char *pf_mirror_first_fp(const char *text);

/*
 * One reply whose author's access the driver asked the forge about:
 * `checked` is that request's result, `may_write` its answer.  A writer's
 * reply goes to c->replies (the strings copied); anyone else's is dropped
 * (said with --verbose); a failed check is said and leaves the reply for
 * the next run (feedback never costs the review).
 */
void pf_mirror_reply_take(struct pf_mirror_ctx *c, int checked, int may_write,
			  const char *fp, const char *author, double id,
			  int agree, const char *reason);

/*
 * One request to the forge: authentication and JSON headers, transport
 * and 5xx retries, rate limits (403/429 with x-ratelimit-remaining 0,
 * Retry-After, x-ratelimit-reset, RateLimit-Reset) waited out in place up
 * to max_sleep_s, else PF_ERETRY with c->retry_after.  401 and 403 give
 * PF_EAUTH with the forge's one message.  Any other answer returns 0:
 * the caller looks at r->status (pf_mirror_status_error() words it).
 */
int pf_mirror_request(struct pf_mirror_ctx *c, struct pf_http_response *r,
		      const char *method, const char *url,
		      const char *json_body);

/* The message for an unexpected status: 401/403 PF_EAUTH, 404 ("GitHub
 * has no repository o/r at URL, or the token from X cannot see it (404)")
 * PF_ERROR, 5xx PF_ERETRY, else PF_ERROR with the forge's own message. */
int pf_mirror_status_error(struct pf_mirror_ctx *c,
			   const struct pf_http_response *r, const char *method,
			   const char *url);

/* Every page of a JSON-array GET (Link rel="next", same API host only),
 * items appended to the cJSON array *out (created here; free with
 * cJSON_Delete). */
struct cJSON;
int pf_mirror_get_all(struct pf_mirror_ctx *c, struct cJSON **out,
		      const char *url);

/* Count a successful write; the PUSHFIX_TEST_MIRROR_DIE_AFTER hook. */
void pf_mirror_count_post(struct pf_mirror_ctx *c);

/* GET `url` (one page) into *out, parsed; NULL when the body is no JSON.
 * A status other than 200 is an error (pf_mirror_status_error()). */
int pf_mirror_get_json(struct pf_mirror_ctx *c, struct pf_http_response *r,
		       const char *url, struct cJSON **out);

/* pf_mirror_get_json(), but a 404 is no error: 0 and *out NULL. */
int pf_mirror_get_optional(struct pf_mirror_ctx *c, struct pf_http_response *r,
			   const char *url, struct cJSON **out);

/* How a forge lists its pull/merge requests. */
struct pf_mirror_pr_keys {
	const char *what;    /* "pull request", in messages */
	const char *num_key; /* "number", "iid" */
	const char *url_key; /* "html_url", "web_url" */
	/* Is this item the pushed branch's?  (The server's filter is not
	 * trusted blindly.) */
	int (*match)(const struct pf_mirror_ctx *c, const struct cJSON *item);
};

/*
 * The open pull/merge request to comment on: every page of the listing
 * `url`, and among the items that `k->match` accepts and that carry a
 * number, the one updated last ("updated_at").  Sets *number and
 * c->pr_url; PF_ENOTFOUND when there is none yet.  With `list`, the
 * listing is handed over (free it with cJSON_Delete(); *best points into
 * it), else freed here.
 */
int pf_mirror_find_pr(struct pf_mirror_ctx *c, const char *url,
		      const struct pf_mirror_pr_keys *k, long *number,
		      struct cJSON **list, const struct cJSON **best);

/* Print a request body we built, indented, for a dry run. */
void pf_mirror_print_json(FILE *out, const char *json);

#endif
