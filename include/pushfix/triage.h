#ifndef PUSHFIX_TRIAGE_H
#define PUSHFIX_TRIAGE_H

#include "pushfix/buf.h"

struct pf_run;

/*
 * The triage stage (snippet -> redact -> llm, then fix) over run->findings,
 * after pf_run_scan():
 *
 *  - rule fixes first (pf_fix_from_rules, fix.h);
 *  - which findings are sent: never a credential pushfix found itself
 *    (f->secret), and at most [llm] max_findings of the others (0: all),
 *    the most severe first; the others keep triage.error saying why, and
 *    one line on run->msg counts them;
 *  - each finding sent: the pushed file is anonymised (redact.h, one
 *    vault per run), its snippet cut from the anonymised text; findings
 *    of one file whose snippets overlap share one request (at most 6, a
 *    merged snippet, the per-finding answer of llm.h's group functions),
 *    a lone finding gets the single-finding request (llm.h); identical
 *    bodies are sent once;
 *  - the cache (<state_dir>/cache, skipped with run->no_cache or
 *    PUSHFIX_NO_CACHE=1 in the environment, the hook's --no-cache) answers
 *    what it can; the rest is sent in parallel (pf_http_multi_run: at most
 *    [llm] max_parallel at once, [llm] timeout each, all within [llm]
 *    budget, retries with backoff; a progress line, progress.h, while
 *    they take over a second); every request sent is appended to the
 *    sent log (sentlog.h) with the prompt version;
 *  - each answer is validated strictly; a bad one leaves the finding
 *    untriaged with triage.error saying why;
 *  - the fix in each answer goes to the fix stage (fix.h): refused,
 *    dropped, or applied in memory and verified by a re-scan
 *    (pf_fix_from_llm, pf_fix_verify; the ui hides unverified fixes
 *    unless [llm] show_unverified).
 *
 * send == 0 (preview): nothing is sent, nothing is cached or logged, no
 * key is needed; `preview_out` receives a JSON array with one object per
 * request that a push would make:
 *   [{"n":1,"endpoint":"<url>","provider":"openai","model":"...",
 *     "prompt_version":"...","cached":false,"findings":[<index>...],
 *     "body":<the exact request body, verbatim>}...]
 * (`findings` are 1-based indexes into run->findings).  Provider none
 * gives [].
 *
 * Fail-open: an unreachable, slow or broken endpoint only leaves findings
 * untriaged (triage.error) and returns 0; one line per distinct failure
 * goes to run->msg ("pushfix: LLM: <why> (N findings left untriaged)").
 * A missing key fails the requests that needed it (same line, same
 * triage.error); cached answers still count.  A negative PF_E* is
 * returned, with a message, only when nothing could be prepared at all
 * (bad [llm] config, anonymisation failure): then nothing was sent and
 * every finding's triage.error says so too.  With run->verbose a summary
 * line goes to run->msg:
 *   "pushfix: triage: N requests (S sent, C cached), ... llm X ms,
 *    verify Y ms"
 */
int pf_triage_run(struct pf_run *run, int send, struct pf_buf *preview_out);

/*
 * pf_triage_run(run, 1, NULL) in three steps, so that the session can
 * start on the first answer while the other requests are in flight:
 *
 *  - pf_triage_start() prepares and anonymises everything, answers from
 *    the cache, logs what it sends and hands the requests to a worker
 *    thread (which runs only the HTTP multi loop); it returns at once,
 *    with pf_triage_run()'s value.  *out is always set: pass it to
 *    pf_triage_finish();
 *  - pf_triage_wait() waits for the answer of run->findings.v[finding]
 *    and puts it (and every other answer that came meanwhile) on the
 *    findings, their fixes verified; it ends the progress line first;
 *  - pf_triage_finish() waits for the rest (stop: ends the requests in
 *    flight first, their findings left untriaged, "stopped"), reports
 *    the failures, joins the thread and frees `t`.
 *
 * All three on the thread that called pf_triage_start().
 */
struct pf_triage;
int pf_triage_start(struct pf_run *run, struct pf_triage **out);
void pf_triage_wait(struct pf_triage *t, size_t finding);
void pf_triage_finish(struct pf_triage *t, int stop);
/* Ends the requests in flight now (any thread of the session's; their
 * findings left untriaged, quietly: the user ended the session). */
void pf_triage_stop(struct pf_triage *t);

#endif
