/*
 * The triage stage: anonymise, ask the LLM (in parallel, cached), read the
 * answers strictly, hand their fixes to the fix stage (fix.h).  Everything
 * that leaves the machine is built here from redacted text only, and
 * logged.
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/cache.h"
#include "pushfix/err.h"
#include "pushfix/fix.h"
#include "pushfix/http.h"
#include "pushfix/llm.h"
#include "pushfix/pipeline.h"
#include "pushfix/progress.h"
#include "pushfix/redact.h"
#include "pushfix/sentlog.h"
#include "pushfix/snippet.h"
#include "pushfix/store.h"
#include "pushfix/triage.h"
#include "pushfix/util.h"

#define ANSWER_CAP (2u << 20)
#define MAX_RETRIES 3
#define NONE_IDX SIZE_MAX
/* Findings per group request: each answer costs output tokens. */
#define GROUP_MAX 6

/* One pushed file with findings, anonymised once. */
struct tfile {
	const char *path;
	struct pf_changed_file *cf;
	struct pf_buf red;   /* the whole file, redacted */
	struct pf_buf rpath; /* its path, redacted */
	int is_test;
	int ready;
};

/* One distinct request (findings with the same body share it). */
struct treq {
	char key[65];
	struct pf_buf body;
	size_t *fidx;
	size_t fnr, falloc;
	int cached;
	int answered;
	struct pf_llm_answer ans;
	/* A group (several findings of one file in one request): answer k
	 * and why it is missing are those of finding fidx[k]. */
	int group;
	const struct pf_snippet *gsnip; /* the merged snippet it shows */
	struct pf_llm_answer *gans;
	char **gerr;
	char *error;
	size_t job;
	char log_id[17]; /* its sending record's id in the sent log */
	int quiet;	 /* stopped by the user: not a failure to report */
};

/* What the stage knows about one finding. */
struct tfind {
	struct pf_snippet snip;
	struct pf_llm_prompt p; /* its facts, anonymised (strings owned) */
	int ready;		/* p and snip built */
	size_t file;		/* into files, NONE_IDX when not prepared */
	size_t req;		/* into reqs, NONE_IDX when no request */
	int applied;		/* its answer (or why none) is on the finding */
};

struct triage {
	struct pf_run *run;
	struct pf_llm llm;
	struct pf_cache cache;
	struct pf_vault vault;
	struct pf_redact_ctx ctx;
	int ctx_ready;
	int unrecorded; /* nothing sent: the sent log cannot record it */
	struct tfile *files;
	size_t files_nr, files_alloc;
	struct treq *reqs;
	size_t reqs_nr, reqs_alloc;
	struct tfind *finds;
	unsigned char *skip; /* per finding: 1 = not sent (cap, secret) */
	size_t capped;	     /* findings left out by [llm] max_findings */
	size_t progress;     /* findings whose request is done */
	struct pf_snippets **merged; /* the group requests' snippets */
	size_t merged_nr, merged_alloc;
	size_t sent, cached, failed;
	double llm_ms;
	struct pf_fix_stats fixes;
	double verify_ms; /* all the re-scans together */
	/* The requests in flight (send_begin .. send_end). */
	struct pf_http_job *jobs;
	size_t nj;
	char **headers;
	struct pf_http_multi_opts mo;
	double t_send;
	pthread_t thread;
	int running;	      /* thread started, not joined */
	_Atomic int stop;     /* asks the worker to stop */
	pthread_mutex_t lock; /* guards jdone, worker_*, progress_on */
	pthread_cond_t cond;
	unsigned char *jdone; /* per job: its outcome is final */
	unsigned char *jseen; /* the main thread's copy */
	size_t *jfnr;	      /* per job: the findings it stands for */
	int worker_done, worker_ret, progress_on;
	char worker_err[256];
	int send, interactive;
	double t0;
};

static void set_error(struct pf_finding *f, const char *msg)
{
	free(f->triage.error);
	f->triage.error = pf_xstrdup(msg);
}

/* Nothing could be prepared: every finding says why. */
static int fail_all(struct triage *t, int code)
{
	struct pf_findings *fs = &t->run->findings;
	char *msg = pf_xstrdup(pf_error_last());

	for (size_t i = 0; i < fs->nr; i++)
		if (!fs->v[i].ignored && !fs->v[i].secret)
			set_error(&fs->v[i], msg); /* a secret: never sent */
	pf_error_setc(code, "%s", msg);
	free(msg);
	return code;
}

static int redact_str(struct triage *t, struct pf_buf *out, const char *s)
{
	pf_buf_reset(out);
	if (!s)
		return 0;
	return pf_redact_text(out, &t->vault, &t->ctx, s, strlen(s));
}

static int prepare_ctx(struct triage *t)
{
	struct pf_run *run = t->run;
	int ret;

	pf_vault_init(&t->vault, NULL);
	pf_redact_ctx_init(&t->ctx);
	t->ctx_ready = 1;
	ret = pf_redact_ctx_configure(&t->ctx, &run->cfg);
	if (!ret && run->repo)
		ret = pf_redact_ctx_load_repo(&t->ctx, run->repo,
					      run->state_dir);
	if (!ret && run->remote_url)
		pf_redact_ctx_add_remote_url(&t->ctx, run->remote_url);
	if (ret)
		return pf_error_prefix(ret, "cannot anonymise, nothing sent");
	return 0;
}

static size_t file_for(struct triage *t, const char *path, int *err)
{
	struct tfile *tf;
	int ret;

	*err = 0;
	for (size_t i = 0; i < t->files_nr; i++)
		if (!strcmp(t->files[i].path, path))
			return i;
	PF_ALLOC_GROW(t->files, t->files_nr + 1, t->files_alloc);
	tf = &t->files[t->files_nr];
	memset(tf, 0, sizeof(*tf));
	pf_buf_init(&tf->red);
	pf_buf_init(&tf->rpath);
	tf->path = path;
	tf->cf = pf_changeset_find(&t->run->cs, path);
	t->files_nr++;
	if (!tf->cf || !tf->cf->content) {
		*err = pf_error_setc(PF_ENOTFOUND,
				     "the pushed content of this file is "
				     "not loaded");
		return t->files_nr - 1;
	}
	ret = pf_redact_text(&tf->red, &t->vault, &t->ctx, tf->cf->content,
			     tf->cf->content_len);
	if (!ret)
		ret = pf_redact_path(&tf->rpath, &t->vault, &t->ctx, path,
				     &tf->is_test);
	if (ret) {
		*err = pf_error_prefix(ret, "cannot anonymise, nothing sent");
		return t->files_nr - 1;
	}
	tf->ready = 1;
	return t->files_nr - 1;
}

/* The request of `body` for findings fi[0..nr); identical single bodies
 * share one request.  Sets each finding's req. */
static void req_for(struct triage *t, struct pf_buf *body, const size_t *fi,
		    size_t nr, const struct pf_snippet *gsnip)
{
	char key[65];
	struct treq *r;

	pf_cache_key(key, pf_llm_provider_name(t->llm.provider), t->llm.model,
		     PF_LLM_PROMPT_VERSION, body->buf, body->len);
	for (size_t i = 0; nr == 1 && i < t->reqs_nr; i++) {
		if (strcmp(t->reqs[i].key, key))
			continue;
		if (t->reqs[i].group)
			continue;
		r = &t->reqs[i];
		PF_ALLOC_GROW(r->fidx, r->fnr + 1, r->falloc);
		r->fidx[r->fnr++] = fi[0];
		t->finds[fi[0]].req = i;
		return;
	}
	PF_ALLOC_GROW(t->reqs, t->reqs_nr + 1, t->reqs_alloc);
	r = &t->reqs[t->reqs_nr];
	memset(r, 0, sizeof(*r));
	memcpy(r->key, key, sizeof(key));
	r->body = *body; /* takes the buffer over */
	pf_buf_init(body);
	pf_llm_answer_init(&r->ans);
	r->job = NONE_IDX;
	r->group = nr > 1;
	r->gsnip = gsnip;
	for (size_t k = 0; k < nr; k++) {
		PF_ALLOC_GROW(r->fidx, r->fnr + 1, r->falloc);
		r->fidx[r->fnr++] = fi[k];
		t->finds[fi[k]].req = t->reqs_nr;
	}
	t->reqs_nr++;
}

static char *dup_or_null(const struct pf_buf *b)
{
	return b->len ? pf_xstrdup(b->buf) : NULL;
}

/* Requests for findings fi[0..nr), all of one file: one each, or, where
 * their snippets overlap, one per group of at most GROUP_MAX sharing the
 * merged snippet (fewer requests, each finding still answered alone). */
static void build_requests(struct triage *t, const size_t *fi, size_t nr)
{
	struct pf_findings *fs = &t->run->findings, view = PF_FINDINGS_INIT;
	struct pf_snippets *ss = NULL;
	struct pf_buf body = PF_BUF_INIT;
	const struct tfile *file = &t->files[t->finds[fi[0]].file];
	struct pf_llm_prompt *ps = pf_xcalloc(GROUP_MAX, sizeof(*ps));
	size_t *ids = pf_xcalloc(nr, sizeof(*ids));

	if (nr > 1) {
		/* A shallow view of these findings: their indexes are ours. */
		view.v = pf_xcalloc(nr, sizeof(*view.v));
		for (size_t k = 0; k < nr; k++)
			view.v[k] = fs->v[fi[k]];
		view.nr = nr;
		ss = pf_xcalloc(1, sizeof(*ss));
		if (pf_snippets_build(ss, &view, fs->v[fi[0]].path,
				      file->red.buf, file->red.len,
				      t->run->cfg.llm.context_lines,
				      PF_SNIPPET_BYTE_CAP_DEFAULT)) {
			pf_error_clear();
			pf_snippets_release(ss);
			ss->nr = 0;
		}
	}
	if (!ss || !ss->nr) {
		for (size_t k = 0; k < nr; k++) {
			pf_buf_reset(&body);
			pf_llm_build_body(&body, &t->llm, &t->finds[fi[k]].p);
			req_for(t, &body, &fi[k], 1, NULL);
		}
		goto out;
	}
	for (size_t j = 0; j < ss->nr; j++) {
		const struct pf_snippet *sn = &ss->v[j];

		for (size_t a = 0; a < sn->finding_nr; a += GROUP_MAX) {
			size_t n = sn->finding_nr - a;

			if (n > GROUP_MAX)
				n = GROUP_MAX;
			for (size_t k = 0; k < n; k++) {
				ids[k] = fi[sn->finding_idx[a + k]];
				ps[k] = t->finds[ids[k]].p;
			}
			pf_buf_reset(&body);
			/* One alone keeps the single-finding shape: its own
			 * snippet, the same body and cache key as ever. */
			pf_llm_build_group_body(&body, &t->llm, ps, n, sn->text,
						sn->text_len, sn->truncated);
			req_for(t, &body, ids, n, n > 1 ? sn : NULL);
		}
	}
	PF_ALLOC_GROW(t->merged, t->merged_nr + 1, t->merged_alloc);
	t->merged[t->merged_nr++] = ss;
	ss = NULL;
out:
	if (ss) {
		pf_snippets_release(ss);
		free(ss);
	}
	free(view.v);
	free(ps);
	free(ids);
	pf_buf_release(&body);
}

static int by_severity(const void *a, const void *b)
{
	const struct pf_finding *x = *(const struct pf_finding *const *)a;
	const struct pf_finding *y = *(const struct pf_finding *const *)b;

	if (x->severity != y->severity)
		return x->severity < y->severity ? 1 : -1;
	return x < y ? -1 : x > y; /* stable: the scan's order */
}

/*
 * Which findings may be sent: never pushfix's own credential findings
 * (their value must not leave the machine, even anonymised), and at most
 * [llm] max_findings of the rest, the most severe first, so that a first
 * push of a big history costs seconds, not hundreds of requests.
 */
static void choose(struct triage *t)
{
	struct pf_findings *fs = &t->run->findings;
	unsigned cap = t->run->cfg.llm.max_findings;
	struct pf_finding **order;
	size_t n = 0;
	char why[160];

	t->skip = pf_xcalloc(fs->nr ? fs->nr : 1, 1);
	order = pf_xcalloc(fs->nr ? fs->nr : 1, sizeof(*order));
	for (size_t i = 0; i < fs->nr; i++) {
		struct pf_finding *f = &fs->v[i];

		if (f->ignored || !f->path)
			continue;
		if (f->secret) {
			t->skip[i] = 1;
			set_error(f, "a credential: never sent to an LLM");
			continue;
		}
		order[n++] = f;
	}
	if (cap && n > cap) {
		qsort(order, n, sizeof(*order), by_severity);
		snprintf(why, sizeof(why),
			 "over [llm] max_findings = %u: the %u most severe "
			 "findings of this push were sent",
			 cap, cap);
		for (size_t k = cap; k < n; k++) {
			t->skip[order[k] - fs->v] = 1;
			set_error(order[k], why);
		}
		t->capped = n - cap;
	}
	free(order);
}

/* One line for what the cap left out, so the count is never a surprise. */
static void report_capped(struct triage *t)
{
	if (!t->capped || !t->run->msg)
		return;
	fprintf(t->run->msg,
		"pushfix: %zu more finding%s not triaged ([llm] "
		"max_findings = %u; 0 sends all)\n",
		t->capped, t->capped == 1 ? "" : "s",
		t->run->cfg.llm.max_findings);
}

/* Anonymise each finding's file and fields, cut its snippet, build its
 * request.  A finding that cannot be prepared says why; a failure of the
 * anonymiser itself stops everything (fail closed). */
static int prepare(struct triage *t)
{
	struct pf_findings *fs = &t->run->findings;
	struct pf_buf rule = PF_BUF_INIT, msg = PF_BUF_INIT, cwe = PF_BUF_INIT,
		      owasp = PF_BUF_INIT;
	unsigned ctxl = t->run->cfg.llm.context_lines;
	size_t *todo = NULL;
	int ret = 0;

	for (size_t i = 0; i < fs->nr; i++) {
		struct pf_finding *f = &fs->v[i];
		struct tfind *tf = &t->finds[i];
		struct pf_llm_prompt *p;
		struct tfile *file;
		int err;

		if (f->ignored || !f->path || t->skip[i])
			continue;
		/* A credential is never sent to an LLM (issue 11): not even
		 * anonymised, the model has nothing to judge but a guess. */
		if (f->secret) {
			set_error(f,
				  "not sent: credentials never go to an LLM");
			continue;
		}
		tf->file = file_for(t, f->path, &err);
		file = &t->files[tf->file];
		if (err == PF_ENOTFOUND) {
			set_error(f, pf_error_last());
			continue;
		}
		if (err) {
			ret = err;
			goto out;
		}
		if (!file->ready) {
			set_error(f, "the pushed content of this file is not "
				     "loaded");
			continue;
		}
		ret = pf_snippet_build(&tf->snip, f, file->red.buf,
				       file->red.len, ctxl,
				       PF_SNIPPET_BYTE_CAP_DEFAULT);
		if (ret) {
			set_error(f, pf_error_last());
			ret = 0;
			continue;
		}
		ret = redact_str(t, &rule, f->rule_id);
		if (!ret)
			ret = redact_str(t, &msg, f->message);
		if (!ret)
			ret = redact_str(t, &cwe, f->cwe);
		if (!ret)
			ret = redact_str(t, &owasp, f->owasp);
		if (ret) {
			ret = pf_error_prefix(ret, "cannot anonymise, nothing "
						   "sent");
			goto out;
		}
		p = &tf->p;
		p->rule_id = dup_or_null(&rule);
		p->message = dup_or_null(&msg);
		p->severity = pf_severity_name(f->severity);
		p->cwe = dup_or_null(&cwe);
		p->owasp = dup_or_null(&owasp);
		p->language = tf->snip.language;
		p->path = file->rpath.buf;
		p->test_file = file->is_test;
		p->snippet = tf->snip.text;
		p->snippet_len = tf->snip.text_len;
		p->start_line = f->start.line;
		p->end_line = f->end.line;
		p->truncated = tf->snip.truncated;
		tf->ready = 1;
	}
	/* The requests, file by file, in the findings' order. */
	todo = pf_xcalloc(fs->nr ? fs->nr : 1, sizeof(*todo));
	for (size_t i = 0; i < fs->nr; i++) {
		size_t n = 0;

		if (!t->finds[i].ready || t->finds[i].req != NONE_IDX)
			continue;
		for (size_t k = i; k < fs->nr; k++)
			if (t->finds[k].ready && t->finds[k].req == NONE_IDX &&
			    t->finds[k].file == t->finds[i].file)
				todo[n++] = k;
		build_requests(t, todo, n);
	}
out:
	free(todo);
	pf_buf_release(&rule);
	pf_buf_release(&msg);
	pf_buf_release(&cwe);
	pf_buf_release(&owasp);
	return ret;
}

static void free_group_answers(struct treq *r)
{
	if (!r->gans)
		return;
	for (size_t k = 0; k < r->fnr; k++) {
		pf_llm_answer_release(&r->gans[k]);
		free(r->gerr[k]);
	}
	free(r->gans);
	free(r->gerr);
	r->gans = NULL;
	r->gerr = NULL;
}

static void alloc_group_answers(struct treq *r)
{
	free_group_answers(r);
	r->gans = pf_xcalloc(r->fnr, sizeof(*r->gans));
	r->gerr = pf_xcalloc(r->fnr, sizeof(*r->gerr));
}

/* Every finding of a group answered: only then is the answer cached (a
 * finding it left out is asked again next time). */
static int group_complete(const struct treq *r)
{
	for (size_t k = 0; k < r->fnr; k++)
		if (r->gans[k].verdict == PF_VERDICT_NONE)
			return 0;
	return 1;
}

/* A cached answer, read as strictly as a fresh one. */
static int parse_cached(struct treq *r, const struct pf_buf *got)
{
	if (!r->group)
		return pf_llm_parse_answer(&r->ans, got->buf, got->len);
	alloc_group_answers(r);
	if (pf_llm_parse_group_answer(r->gans, r->gerr, r->fnr, got->buf,
				      got->len) ||
	    !group_complete(r)) {
		free_group_answers(r);
		return pf_error_setc(PF_EINVALID, "incomplete");
	}
	return 0;
}

static void lookup_cache(struct triage *t)
{
	struct pf_buf got = PF_BUF_INIT;

	for (size_t i = 0; i < t->reqs_nr; i++) {
		struct treq *r = &t->reqs[i];

		if (pf_cache_get(&t->cache, r->key, &got))
			continue;
		/* A damaged entry is a miss; it is rewritten after sending. */
		if (parse_cached(r, &got)) {
			pf_error_clear();
			continue;
		}
		r->cached = r->answered = 1;
		t->cached++;
	}
	pf_buf_release(&got);
}

static void write_preview(struct triage *t, struct pf_buf *out)
{
	size_t n = 0;

	pf_buf_addstr(out, "[");
	for (size_t i = 0; i < t->reqs_nr; i++) {
		struct treq *r = &t->reqs[i];

		pf_buf_addf(out, "%s\n  {\"n\":%zu,\"endpoint\":", n ? "," : "",
			    n + 1);
		pf_buf_add_json_str(out, t->llm.url, strlen(t->llm.url));
		pf_buf_addstr(out, ",\"provider\":");
		pf_buf_add_json_str(
			out, pf_llm_provider_name(t->llm.provider),
			strlen(pf_llm_provider_name(t->llm.provider)));
		pf_buf_addstr(out, ",\"model\":");
		pf_buf_add_json_str(out, t->llm.model, strlen(t->llm.model));
		pf_buf_addstr(out,
			      ",\"prompt_version\":\"" PF_LLM_PROMPT_VERSION
			      "\"");
		pf_buf_addf(out, ",\"cached\":%s,\"findings\":[",
			    r->cached ? "true" : "false");
		for (size_t k = 0; k < r->fnr; k++)
			pf_buf_addf(out, "%s%zu", k ? "," : "", r->fidx[k] + 1);
		pf_buf_addstr(out, "],\"body\":");
		pf_buf_add(out, r->body.buf, r->body.len);
		pf_buf_addstr(out, "}");
		n++;
	}
	pf_buf_addstr(out, n ? "\n]\n" : "]\n");
}

/* What the sent log says of request r, before and after sending. */
static void log_entry(struct pf_sentlog_entry *e, const struct triage *t,
		      const struct treq *r)
{
	size_t f0 = r->fnr ? r->fidx[0] : 0;

	memset(e, 0, sizeof(*e));
	e->host = t->llm.host;
	e->provider = pf_llm_provider_name(t->llm.provider);
	e->model = t->llm.model;
	e->prompt_version = PF_LLM_PROMPT_VERSION;
	e->fingerprint = r->fnr ? t->run->findings.v[f0].fingerprint : NULL;
	e->request = r->body.buf;
	e->request_len = r->body.len;
	e->id = r->log_id[0] ? r->log_id : NULL;
}

/*
 * The audit comes first: every request about to leave is in the sent log
 * (one write, synced) before any is sent.  If the log cannot hold them,
 * nothing is sent: the findings stay untriaged, and one line says why.
 */
static int log_sending(struct triage *t)
{
	struct pf_sentlog_entry *es;
	char(*ids)[17];
	size_t nr = 0;
	int ret;

	es = pf_xcalloc(t->reqs_nr, sizeof(*es));
	ids = pf_xcalloc(t->reqs_nr, sizeof(*ids));
	for (size_t i = 0; i < t->reqs_nr; i++)
		if (!t->reqs[i].answered)
			log_entry(&es[nr++], t, &t->reqs[i]);
	ret = pf_sentlog_sending(t->run->state_dir, es, nr, ids);
	if (ret) {
		struct pf_buf m = PF_BUF_INIT;

		pf_buf_addf(&m,
			    "cannot record what would be sent (%s); nothing "
			    "sent to the LLM",
			    pf_error_last());
		if (t->run->msg)
			fprintf(t->run->msg, "pushfix: %s\n", m.buf);
		for (size_t i = 0; i < t->reqs_nr; i++)
			if (!t->reqs[i].answered) {
				t->reqs[i].error = pf_xstrdup(m.buf);
				t->failed++;
			}
		t->unrecorded = 1;
		pf_buf_release(&m);
		goto out;
	}
	nr = 0;
	for (size_t i = 0; i < t->reqs_nr; i++)
		if (!t->reqs[i].answered)
			memcpy(t->reqs[i].log_id, ids[nr++], 17);
out:
	free(es);
	free(ids);
	return ret;
}

static void log_sent(struct triage *t, struct treq *r,
		     const struct pf_http_job *j)
{
	struct pf_sentlog_entry e;
	struct pf_run *run = t->run;

	log_entry(&e, t, r);
	if (j->resp.status) {
		e.answer = j->resp.body.buf;
		e.answer_len = j->resp.body.len;
	}
	e.status = (int)j->resp.status;
	e.duration_ms = j->total_ms;
	e.error = r->error;
	e.vault = &t->vault;
	if (pf_sentlog_append(run->state_dir, &e, run->cfg.privacy.log_vault,
			      NULL) &&
	    run->msg)
		fprintf(run->msg, "pushfix: warning: %s\n", pf_error_last());
}

/* The sent log is pruned by the run that appends to it ([privacy]
 * log_retention_days), under the store lock; a busy lock only delays the
 * pruning to a later run. */
static void prune_log(struct pf_run *run)
{
	int lock;

	if (!run->state_dir || !run->cfg.privacy.log_retention_days)
		return;
	lock = pf_store_lock(run->state_dir, 500);
	if (lock < 0) {
		pf_error_clear();
		return;
	}
	if (pf_sentlog_prune(run->state_dir,
			     run->cfg.privacy.log_retention_days, 0, NULL) &&
	    run->msg && run->verbose)
		fprintf(run->msg, "pushfix: warning: %s\n", pf_error_last());
	pf_store_unlock(lock);
}

static int parse_answer(struct triage *t, struct treq *r, struct pf_buf *canon,
			const struct pf_http_response *resp)
{
	if (!r->group)
		return pf_llm_parse_response(&r->ans, canon, &t->llm, resp);
	alloc_group_answers(r);
	return pf_llm_parse_group_response(r->gans, r->gerr, r->fnr, canon,
					   &t->llm, resp);
}

/* Findings the requests about to be sent stand for. */
static size_t sent_findings(const struct triage *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->reqs_nr; i++)
		if (!t->reqs[i].answered)
			n += t->reqs[i].fnr;
	return n;
}

/* The progress line counts findings: a request may stand for several.
 * Called in the worker thread. */
static void progress_done(void *arg, size_t job)
{
	struct triage *t = arg;

	pthread_mutex_lock(&t->lock);
	t->jdone[job] = 1;
	t->progress += t->jfnr[job];
	if (t->progress_on)
		pf_progress_set(t->progress);
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
}

/* The worker: only the multi loop runs here.  Everything else (the
 * vault, the cache, the sent log, the fixes) stays on the main thread. */
static void *worker(void *arg)
{
	struct triage *t = arg;
	int ret = pf_http_multi_run(t->jobs, t->nj, &t->mo);

	pthread_mutex_lock(&t->lock);
	t->worker_ret = ret;
	if (ret)
		snprintf(t->worker_err, sizeof(t->worker_err), "%s",
			 pf_error_last());
	t->worker_done = 1;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/*
 * Everything sent is built (on this thread, from redacted text only),
 * logged as sending, then handed to the worker thread; the answers are
 * read by harvest() as the ui reaches their findings, or by send_end().
 */
static int send_begin(struct triage *t)
{
	sigset_t all, old;
	size_t nj = 0;
	int ret;

	t->t_send = pf_now_ms();
	for (size_t i = 0; i < t->reqs_nr; i++)
		nj += !t->reqs[i].answered;
	if (!nj)
		return 0;
	ret = pf_llm_load_key(&t->llm, &t->run->cfg);
	if (!ret)
		ret = pf_http_init();
	if (ret) {
		/* Only the findings that needed a request miss out. */
		for (size_t i = 0; i < t->reqs_nr; i++)
			if (!t->reqs[i].answered)
				t->reqs[i].error = pf_xstrdup(pf_error_last());
		t->failed += nj;
		return ret;
	}
	prune_log(t->run);
	if (log_sending(t))
		return 0; /* fail open: the findings say why */
	t->headers = pf_llm_headers(&t->llm);
	t->jobs = pf_xcalloc(nj, sizeof(*t->jobs));
	t->jdone = pf_xcalloc(nj, 1);
	t->jseen = pf_xcalloc(nj, 1);
	t->jfnr = pf_xcalloc(nj, sizeof(*t->jfnr));
	for (size_t i = 0; i < t->reqs_nr; i++) {
		struct treq *r = &t->reqs[i];
		struct pf_http_job *j;

		if (r->answered)
			continue;
		j = &t->jobs[t->nj];
		pf_http_job_init(j);
		j->req.method = "POST";
		j->req.url = t->llm.url;
		j->req.headers = (const char *const *)t->headers;
		j->req.body = r->body.buf;
		j->req.body_len = r->body.len;
		j->req.timeout_ms = t->llm.timeout_ms;
		j->req.max_response = ANSWER_CAP;
		t->jfnr[t->nj] = r->fnr;
		r->job = t->nj++;
	}
	memset(&t->mo, 0, sizeof(t->mo));
	t->mo.max_parallel = t->llm.max_parallel;
	t->mo.budget_ms = t->llm.budget_ms;
	t->mo.retry.max_retries = MAX_RETRIES;
	t->mo.on_done = progress_done;
	t->mo.on_done_arg = t;
	t->mo.stop = &t->stop;
	t->progress_on = 1;
	pf_progress_begin(sent_findings(t), "triaging %zu finding%s with %s",
			  sent_findings(t), sent_findings(t) == 1 ? "" : "s",
			  t->llm.host);
	/* The signals stay the main thread's (the scanner's waits, the
	 * hook's handlers). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	t->running = !pthread_create(&t->thread, NULL, worker, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!t->running)
		worker(t); /* no thread: the old way, all at once */
	return 0;
}

/* Read the answers that came, once each (main thread). */
static void harvest(struct triage *t)
{
	int wret;

	if (!t->jobs)
		return;
	pthread_mutex_lock(&t->lock);
	wret = t->worker_done ? t->worker_ret : 0;
	for (size_t i = 0; i < t->nj; i++)
		t->jseen[i] = t->jdone[i] || t->worker_done;
	pthread_mutex_unlock(&t->lock);
	for (size_t i = 0; i < t->reqs_nr; i++) {
		struct treq *r = &t->reqs[i];
		struct pf_http_job *j;
		struct pf_buf canon = PF_BUF_INIT;

		if (r->answered || r->error || r->job == NONE_IDX ||
		    !t->jseen[r->job])
			continue;
		j = &t->jobs[r->job];
		/* Ended by the user: no answer, and nothing to report. */
		if (t->stop && !j->resp.status &&
		    !strcmp(j->resp.error, "stopped")) {
			r->error = pf_xstrdup("not asked: the session ended "
					      "first");
			r->quiet = 1;
			if (j->attempts)
				log_sent(t, r, j);
			continue;
		}
		if (wret) {
			r->error = pf_xstrdup(t->worker_err);
			t->failed++;
			continue;
		}
		if (!parse_answer(t, r, &canon, &j->resp)) {
			r->answered = 1;
			if ((!r->group || group_complete(r)) &&
			    pf_cache_put(&t->cache, r->key, canon.buf,
					 canon.len) &&
			    t->run->msg && t->run->verbose)
				fprintf(t->run->msg, "pushfix: warning: %s\n",
					pf_error_last());
		} else {
			r->error = pf_xstrdup(pf_error_last());
			t->failed++;
		}
		if (j->attempts) {
			t->sent++;
			log_sent(t, r, j);
		}
		pf_buf_release(&canon);
	}
}

/* No more progress line: the terminal is the ui's from now on. */
static void progress_off(struct triage *t)
{
	pthread_mutex_lock(&t->lock);
	t->progress_on = 0;
	pthread_mutex_unlock(&t->lock);
	pf_progress_end();
}

/* Wait for the worker (stopping it first with `stop`), read the rest. */
static void send_end(struct triage *t, int stop)
{
	if (!t->jobs)
		return;
	if (stop)
		t->stop = 1;
	if (t->running) {
		pthread_join(t->thread, NULL);
		t->running = 0;
	}
	progress_off(t);
	harvest(t);
	for (size_t i = 0; i < t->nj; i++)
		pf_http_job_release(&t->jobs[i]);
	free(t->jobs);
	free(t->jdone);
	free(t->jseen);
	free(t->jfnr);
	t->jfnr = NULL;
	t->jobs = NULL;
	t->jdone = t->jseen = NULL;
	pf_llm_headers_free(t->headers);
	t->headers = NULL;
	t->llm_ms = pf_now_ms() - t->t_send;
}

static void take_fix(struct triage *t, struct pf_finding *f,
		     const struct tfind *tf, const struct pf_llm_answer *a,
		     const struct pf_snippet *shown)
{
	const struct tfile *file = &t->files[tf->file];
	struct pf_fix_source src;

	src.pushed = file->cf->content;
	src.pushed_len = file->cf->content_len;
	src.sent = file->red.buf;
	src.sent_len = file->red.len;
	/* The bounds of a fix are those of the code the model saw. */
	src.snip = shown ? shown : &tf->snip;
	src.vault = &t->vault;
	src.min_confidence = t->run->cfg.llm.autofix_min_confidence;
	pf_fix_from_llm(f, a, &src, &t->fixes);
}

/* The answers read so far go to their findings, once each; with `all`,
 * the findings still without one say why. */
static void apply_answers(struct triage *t, int all)
{
	struct pf_findings *fs = &t->run->findings;
	struct pf_buf reason = PF_BUF_INIT;

	for (size_t i = 0; i < fs->nr; i++) {
		struct pf_finding *f = &fs->v[i];
		struct tfind *tf = &t->finds[i];
		const struct pf_llm_answer *a;
		struct treq *r;

		if (tf->req == NONE_IDX || tf->applied)
			continue;
		r = &t->reqs[tf->req];
		if (!r->answered && !r->error && !all)
			continue;
		tf->applied = 1;
		if (!r->answered) {
			set_error(f, r->error ? r->error : "no answer");
			continue;
		}
		a = &r->ans;
		if (r->group) {
			size_t k = 0;

			while (k + 1 < r->fnr && r->fidx[k] != i)
				k++;
			if (r->gans[k].verdict == PF_VERDICT_NONE) {
				set_error(f, r->gerr[k] ? r->gerr[k]
							: "no answer");
				continue;
			}
			a = &r->gans[k];
		}
		free(f->triage.error);
		f->triage.error = NULL;
		f->triage.verdict = a->verdict;
		f->triage.confidence = a->confidence;
		f->triage.cached = r->cached;
		pf_buf_reset(&reason);
		pf_vault_expand(&reason, &t->vault, a->reason,
				strlen(a->reason));
		/* Shown on a terminal: no escape sequences from a model. */
		for (size_t k = 0; k < reason.len; k++)
			if ((unsigned char)reason.buf[k] < 0x20 ||
			    reason.buf[k] == 0x7f)
				reason.buf[k] = ' ';
		free(f->triage.reason);
		f->triage.reason = pf_buf_detach(&reason, NULL);
		free(f->triage.component);
		f->triage.component = pf_xstrdup_or_null(a->component);
		take_fix(t, f, tf, a, r->gsnip);
	}
	pf_buf_release(&reason);
}

/* One line per distinct failure: a dead endpoint is one line, not N. */
static void report_failures(struct triage *t)
{
	FILE *out = t->run->msg;

	if (!out)
		return;
	for (size_t i = 0; i < t->reqs_nr; i++) {
		const char *e = t->reqs[i].error;
		size_t nf = 0, k;

		if (!e || t->unrecorded || t->reqs[i].quiet)
			continue; /* log_sending() said it, in one line */
		for (k = 0; k < i; k++)
			if (t->reqs[k].error && !strcmp(t->reqs[k].error, e))
				break;
		if (k < i)
			continue;
		for (k = i; k < t->reqs_nr; k++)
			if (t->reqs[k].error && !strcmp(t->reqs[k].error, e))
				nf += t->reqs[k].fnr;
		fprintf(out,
			"pushfix: LLM: %s (%zu finding%s left "
			"untriaged)\n",
			e, nf, nf == 1 ? "" : "s");
	}
}

static void triage_release(struct triage *t)
{
	for (size_t i = 0; i < t->files_nr; i++) {
		pf_buf_release(&t->files[i].red);
		pf_buf_release(&t->files[i].rpath);
	}
	free(t->files);
	for (size_t i = 0; i < t->reqs_nr; i++) {
		pf_buf_release(&t->reqs[i].body);
		pf_llm_answer_release(&t->reqs[i].ans);
		free_group_answers(&t->reqs[i]);
		free(t->reqs[i].fidx);
		free(t->reqs[i].error);
	}
	free(t->reqs);
	for (size_t i = 0; i < t->merged_nr; i++) {
		pf_snippets_release(t->merged[i]);
		free(t->merged[i]);
	}
	free(t->merged);
	if (t->finds)
		for (size_t i = 0; i < t->run->findings.nr; i++) {
			struct pf_llm_prompt *p = &t->finds[i].p;

			pf_snippet_release(&t->finds[i].snip);
			free((char *)p->rule_id);
			free((char *)p->message);
			free((char *)p->cwe);
			free((char *)p->owasp);
		}
	free(t->finds);
	free(t->skip);
	if (t->ctx_ready) {
		pf_redact_ctx_release(&t->ctx);
		pf_vault_release(&t->vault);
	}
	pf_cache_release(&t->cache);
	pf_llm_release(&t->llm);
}

/* PUSHFIX_NO_CACHE=1: --no-cache for the hook, which takes no options. */
static int env_no_cache(void)
{
	const char *v = getenv("PUSHFIX_NO_CACHE");

	return v && *v && strcmp(v, "0");
}

/* Prepare everything; with `send`, the requests go out (send_begin). */
static int triage_begin(struct triage *t, struct pf_run *run, int send,
			struct pf_buf *preview_out)
{
	int ret;

	memset(t, 0, sizeof(*t));
	t->run = run;
	t->t0 = pf_now_ms();
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	pf_fix_from_rules(run);
	ret = pf_llm_open(&t->llm, &run->cfg);
	if (ret)
		return fail_all(t, ret);
	if (t->llm.provider == PF_LLM_NONE || !run->findings.nr) {
		if (preview_out)
			pf_buf_addstr(preview_out, "[]\n");
		return 0;
	}
	t->finds = pf_xcalloc(run->findings.nr, sizeof(*t->finds));
	for (size_t i = 0; i < run->findings.nr; i++)
		t->finds[i].file = t->finds[i].req = NONE_IDX;
	pf_cache_open(&t->cache, run->state_dir,
		      run->no_cache || env_no_cache());
	choose(t);
	report_capped(t);
	ret = prepare_ctx(t);
	if (!ret)
		ret = prepare(t);
	if (ret)
		return fail_all(t, ret);
	lookup_cache(t);
	if (!send) {
		if (preview_out)
			write_preview(t, preview_out);
		return 0;
	}
	t->send = 1;
	/* A missing key fails only the requests it was needed for: cached
	 * answers still count, and the findings say why. */
	send_begin(t);
	return 0;
}

/* What came in goes to the findings; their fixes are verified. */
static void take_answers(struct triage *t, int all)
{
	harvest(t);
	apply_answers(t, all);
	pf_fix_verify(t->run, &t->fixes);
	t->verify_ms += t->fixes.verify_ms;
	t->fixes.verify_ms = 0;
}

static void triage_end(struct triage *t, int stop)
{
	struct pf_run *run = t->run;

	if (t->send) {
		send_end(t, stop);
		take_answers(t, 1);
		report_failures(t);
	}
	if (t->send && run->verbose && run->msg)
		fprintf(run->msg,
			"pushfix: triage: %zu request%s (%zu sent, %zu "
			"cached, %zu failed), fixes %u verified, %u "
			"unverified, %u refused; llm %.0f ms, verify %.0f ms, "
			"total %.0f ms\n",
			t->reqs_nr, t->reqs_nr == 1 ? "" : "s", t->sent,
			t->cached, t->failed, t->fixes.verified,
			t->fixes.unverified, t->fixes.refused, t->llm_ms,
			t->verify_ms, pf_now_ms() - t->t0);
	triage_release(t);
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
}

int pf_triage_run(struct pf_run *run, int send, struct pf_buf *preview_out)
{
	struct triage t;
	int ret = triage_begin(&t, run, send, preview_out);

	triage_end(&t, 0);
	return ret;
}

int pf_triage_start(struct pf_run *run, struct pf_triage **out)
{
	struct triage *t = pf_xcalloc(1, sizeof(*t));
	int ret = triage_begin(t, run, 1, NULL);

	*out = (struct pf_triage *)(void *)t;
	return ret;
}

void pf_triage_wait(struct pf_triage *pt, size_t finding)
{
	struct triage *t = (struct triage *)(void *)pt;
	struct tfind *tf;
	size_t job;

	if (!t || !t->send || !t->finds || finding >= t->run->findings.nr)
		return;
	tf = &t->finds[finding];
	if (tf->req == NONE_IDX || tf->applied)
		return;
	job = t->reqs[tf->req].job;
	if (t->jobs && job != NONE_IDX) {
		pthread_mutex_lock(&t->lock);
		while (!t->jdone[job] && !t->worker_done)
			pthread_cond_wait(&t->cond, &t->lock);
		pthread_mutex_unlock(&t->lock);
	}
	/* The terminal is the ui's now: the progress line, drawn while the
	 * first answer was awaited, never comes back under a question. */
	if (t->progress_on)
		progress_off(t);
	take_answers(t, 0);
}

void pf_triage_stop(struct pf_triage *pt)
{
	struct triage *t = (struct triage *)(void *)pt;

	if (t)
		t->stop = 1;
}

void pf_triage_finish(struct pf_triage *pt, int stop)
{
	struct triage *t = (struct triage *)(void *)pt;

	if (!t)
		return;
	triage_end(t, stop);
	free(t);
}
