#ifndef PUSHFIX_SENTLOG_H
#define PUSHFIX_SENTLOG_H

#include <stddef.h>
#include <time.h>

#include "pushfix/buf.h"

/*
 * The local log of what was sent to an LLM: <state_dir>/sent.log, mode
 * 0600, one JSON object per line (never leaves the machine).
 *
 * A request record:
 *   {"type":"request","id":"<16 hex>","time":"2025-01-31T12:00:00Z",
 *    "ts":1738324800,"host":"api.openai.com","provider":"openai",
 *    "model":"gpt-4o","prompt_version":"3","fingerprint":"<finding fp>",
 *    "status":200,"duration_ms":812,"error":null,
 *    "request":<the anonymised body: JSON if it parses, else a string>,
 *    "answer":<the response body: likewise, or null>,
 *    "vault":[...]}     <- only when [privacy] log_vault = true
 * A sending record, written (and synced) BEFORE the request leaves, so
 * that nothing is sent that the log does not hold; the request record
 * with the same id follows once the answer is in:
 *   {"type":"sending","id":...,"time":...,"ts":...,"host":...,
 *    "provider":...,"model":...,"fingerprint":...,"bytes":N,
 *    "request":<the anonymised body>}
 * A feedback record (the user's agree/disagree on a verdict):
 *   {"type":"feedback","id":"<id of the request>","time":...,"ts":...,
 *    "feedback":"agree"|"disagree"|<free text>}
 *
 * Appends are one write(2) of one line with O_APPEND, so concurrent
 * writers (threads or processes) never interleave inside a line.
 * Unparseable lines (a crash mid-write) are skipped by show and dropped
 * by prune.
 */

struct pf_vault;

struct pf_sentlog_entry {
	const char *host;     /* endpoint host, e.g. "api.openai.com" */
	const char *provider; /* "openai", "anthropic", ... */
	const char *model;
	const char *prompt_version;
	const char *fingerprint; /* the finding's (or NULL) */
	const char *request;	 /* the anonymised body as sent */
	size_t request_len;
	const char *answer; /* the response body, or NULL */
	size_t answer_len;
	int status; /* HTTP status, 0 if none */
	double duration_ms;
	const char *error;	      /* transport/parse error, or NULL */
	const struct pf_vault *vault; /* logged only when log_vault */
	time_t time;		      /* 0: now */
	const char *id; /* the record's id (16 hex), NULL: a new one */
};

/*
 * Append one request record.  id_out (may be NULL) receives the record's
 * id (16 hex + NUL) for pf_sentlog_feedback().  The vault is written only
 * when log_vault is non-zero.  Creates state_dir (0700) and the log
 * (0600) as needed.
 */
int pf_sentlog_append(const char *state_dir, const struct pf_sentlog_entry *e,
		      int log_vault, char id_out[17]);

/*
 * Record what is about to be sent: one sending record per entry (request
 * and its metadata; status, answer and vault are ignored), all in one
 * write(2), synced to disk.  ids[i] receives entry i's id, to pass as
 * `id` to pf_sentlog_append() once its answer is in.  On failure nothing
 * must be sent; the message is "<path>: <why>".
 */
int pf_sentlog_sending(const char *state_dir, const struct pf_sentlog_entry *e,
		       size_t nr, char (*ids)[17]);

/* Append a feedback record for request `id`. */
int pf_sentlog_feedback(const char *state_dir, const char *id,
			const char *feedback);

/*
 * Drop records older than retention_days before `now` (0: time(NULL)),
 * and unparseable lines; rewrites the log atomically, only if something
 * is dropped.  retention_days == 0 keeps everything.  Call it once per
 * run, holding the store lock (store.h) so no other pushfix appends
 * meanwhile.  *dropped (may be NULL) = number of lines dropped.
 * A missing log is not an error.
 */
int pf_sentlog_prune(const char *state_dir, unsigned retention_days, time_t now,
		     size_t *dropped);

struct pf_sentlog_filter {
	time_t since;	  /* only records at or after (0: all) */
	const char *grep; /* substring of host/provider/model/fingerprint/
			     request/answer (NULL: all) */
	const char *id;	  /* one record by id prefix (NULL: all) */
	size_t limit;	  /* the last N requests (0: all) */
	int full;	  /* print request and answer bodies */
	int json;	  /* the raw JSON lines (feedback lines included) */
};

/*
 * `pushfix log`: render the log into out.  Default: one line per request,
 *   "<time>  <id>  <host>  <provider>/<model>  <status>  <bytes sent>
 *    [feedback]"
 * then, with `full`, the prompt version, the finding's fingerprint and
 * the duration, and the request and the answer pretty-printed below it.
 * A sending record without its request record (the run ended before the
 * answer) shows as a request with status 0 and "error: no answer
 * recorded".
 * An empty or missing log renders nothing and returns 0.
 */
int pf_sentlog_show(struct pf_buf *out, const char *state_dir,
		    const struct pf_sentlog_filter *f);

/* <state_dir>/sent.log */
void pf_sentlog_path(struct pf_buf *out, const char *state_dir);

#endif
