/*
 * The triage stage: anonymise, ask the LLM (in parallel, cached), read the
 * answers strictly, hand their fixes to the fix stage (fix.h).  Everything
 * that leaves the machine is built here from redacted text only, and
 * logged.
 */
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
#include "pushfix/redact.h"
#include "pushfix/sentlog.h"
#include "pushfix/snippet.h"
#include "pushfix/store.h"
#include "pushfix/triage.h"
#include "pushfix/util.h"

#define ANSWER_CAP (2u << 20)
#define MAX_RETRIES 3
#define NONE_IDX SIZE_MAX

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
	char *error;
	size_t job;
	char log_id[17]; /* its sending record's id in the sent log */
};

/* What the stage knows about one finding. */
struct tfind {
	struct pf_snippet snip;
	size_t file; /* into files, NONE_IDX when not prepared */
	size_t req;  /* into reqs, NONE_IDX when no request */
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
	size_t sent, cached, failed;
	double llm_ms;
	struct pf_fix_stats fixes;
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
		if (!fs->v[i].ignored)
			set_error(&fs->v[i], msg);
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

static size_t req_for(struct triage *t, struct pf_buf *body, size_t fi)
{
	char key[65];
	struct treq *r;

	pf_cache_key(key, pf_llm_provider_name(t->llm.provider), t->llm.model,
		     PF_LLM_PROMPT_VERSION, body->buf, body->len);
	for (size_t i = 0; i < t->reqs_nr; i++) {
		if (strcmp(t->reqs[i].key, key))
			continue;
		r = &t->reqs[i];
		PF_ALLOC_GROW(r->fidx, r->fnr + 1, r->falloc);
		r->fidx[r->fnr++] = fi;
		return i;
	}
	PF_ALLOC_GROW(t->reqs, t->reqs_nr + 1, t->reqs_alloc);
	r = &t->reqs[t->reqs_nr];
	memset(r, 0, sizeof(*r));
	memcpy(r->key, key, sizeof(key));
	r->body = *body; /* takes the buffer over */
	pf_buf_init(body);
	pf_llm_answer_init(&r->ans);
	r->job = NONE_IDX;
	PF_ALLOC_GROW(r->fidx, r->fnr + 1, r->falloc);
	r->fidx[r->fnr++] = fi;
	return t->reqs_nr++;
}

/* Anonymise each finding's file and fields, cut its snippet, build its
 * request.  A finding that cannot be prepared says why; a failure of the
 * anonymiser itself stops everything (fail closed). */
static int prepare(struct triage *t)
{
	struct pf_findings *fs = &t->run->findings;
	struct pf_buf rule = PF_BUF_INIT, msg = PF_BUF_INIT, cwe = PF_BUF_INIT,
		      owasp = PF_BUF_INIT, body = PF_BUF_INIT;
	unsigned ctxl = t->run->cfg.llm.context_lines;
	int ret = 0;

	for (size_t i = 0; i < fs->nr; i++) {
		struct pf_finding *f = &fs->v[i];
		struct tfind *tf = &t->finds[i];
		struct pf_llm_prompt p;
		struct tfile *file;
		int err;

		if (f->ignored || !f->path)
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
		memset(&p, 0, sizeof(p));
		p.rule_id = rule.buf;
		p.message = msg.buf;
		p.severity = pf_severity_name(f->severity);
		p.cwe = cwe.len ? cwe.buf : NULL;
		p.owasp = owasp.len ? owasp.buf : NULL;
		p.language = tf->snip.language;
		p.path = file->rpath.buf;
		p.test_file = file->is_test;
		p.snippet = tf->snip.text;
		p.snippet_len = tf->snip.text_len;
		p.start_line = f->start.line;
		p.end_line = f->end.line;
		p.truncated = tf->snip.truncated;
		pf_buf_reset(&body);
		pf_llm_build_body(&body, &t->llm, &p);
		tf->req = req_for(t, &body, i);
	}
out:
	pf_buf_release(&rule);
	pf_buf_release(&msg);
	pf_buf_release(&cwe);
	pf_buf_release(&owasp);
	pf_buf_release(&body);
	return ret;
}

static void lookup_cache(struct triage *t)
{
	struct pf_buf got = PF_BUF_INIT;

	for (size_t i = 0; i < t->reqs_nr; i++) {
		struct treq *r = &t->reqs[i];

		if (pf_cache_get(&t->cache, r->key, &got))
			continue;
		/* A damaged entry is a miss; it is rewritten after sending. */
		if (pf_llm_parse_answer(&r->ans, got.buf, got.len)) {
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

static int send_all(struct triage *t)
{
	struct pf_http_multi_opts o;
	struct pf_http_job *jobs = NULL;
	char **headers = NULL;
	size_t nj = 0;
	double t0 = pf_now_ms();
	int ret = 0;

	for (size_t i = 0; i < t->reqs_nr; i++)
		nj += !t->reqs[i].answered;
	if (!nj)
		return 0;
	ret = pf_llm_load_key(&t->llm, &t->run->cfg);
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
	headers = pf_llm_headers(&t->llm);
	jobs = pf_xcalloc(nj, sizeof(*jobs));
	nj = 0;
	for (size_t i = 0; i < t->reqs_nr; i++) {
		struct treq *r = &t->reqs[i];
		struct pf_http_job *j;

		if (r->answered)
			continue;
		j = &jobs[nj];
		pf_http_job_init(j);
		j->req.method = "POST";
		j->req.url = t->llm.url;
		j->req.headers = (const char *const *)headers;
		j->req.body = r->body.buf;
		j->req.body_len = r->body.len;
		j->req.timeout_ms = t->llm.timeout_ms;
		j->req.max_response = ANSWER_CAP;
		r->job = nj++;
	}
	memset(&o, 0, sizeof(o));
	o.max_parallel = t->llm.max_parallel;
	o.budget_ms = t->llm.budget_ms;
	o.retry.max_retries = MAX_RETRIES;
	ret = pf_http_multi_run(jobs, nj, &o);
	if (ret) {
		for (size_t i = 0; i < t->reqs_nr; i++)
			if (!t->reqs[i].answered)
				t->reqs[i].error = pf_xstrdup(pf_error_last());
		t->failed += nj;
		ret = 0; /* fail open: the findings say why */
		goto out;
	}
	for (size_t i = 0; i < t->reqs_nr; i++) {
		struct treq *r = &t->reqs[i];
		struct pf_http_job *j;
		struct pf_buf canon = PF_BUF_INIT;

		if (r->answered || r->job == NONE_IDX)
			continue;
		j = &jobs[r->job];
		if (!pf_llm_parse_response(&r->ans, &canon, &t->llm,
					   &j->resp)) {
			r->answered = 1;
			if (pf_cache_put(&t->cache, r->key, canon.buf,
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
out:
	for (size_t i = 0; i < nj; i++)
		pf_http_job_release(&jobs[i]);
	free(jobs);
	pf_llm_headers_free(headers);
	t->llm_ms = pf_now_ms() - t0;
	return ret;
}

static void take_fix(struct triage *t, struct pf_finding *f,
		     const struct tfind *tf, const struct pf_llm_answer *a)
{
	const struct tfile *file = &t->files[tf->file];
	struct pf_fix_source src;

	src.pushed = file->cf->content;
	src.pushed_len = file->cf->content_len;
	src.sent = file->red.buf;
	src.sent_len = file->red.len;
	src.snip = &tf->snip;
	src.vault = &t->vault;
	src.min_confidence = t->run->cfg.llm.autofix_min_confidence;
	pf_fix_from_llm(f, a, &src, &t->fixes);
}

static void apply_answers(struct triage *t)
{
	struct pf_findings *fs = &t->run->findings;
	struct pf_buf reason = PF_BUF_INIT;

	for (size_t i = 0; i < fs->nr; i++) {
		struct pf_finding *f = &fs->v[i];
		struct tfind *tf = &t->finds[i];
		struct treq *r;

		if (tf->req == NONE_IDX)
			continue;
		r = &t->reqs[tf->req];
		if (!r->answered) {
			set_error(f, r->error ? r->error : "no answer");
			continue;
		}
		free(f->triage.error);
		f->triage.error = NULL;
		f->triage.verdict = r->ans.verdict;
		f->triage.confidence = r->ans.confidence;
		f->triage.cached = r->cached;
		pf_buf_reset(&reason);
		pf_vault_expand(&reason, &t->vault, r->ans.reason,
				strlen(r->ans.reason));
		/* Shown on a terminal: no escape sequences from a model. */
		for (size_t k = 0; k < reason.len; k++)
			if ((unsigned char)reason.buf[k] < 0x20 ||
			    reason.buf[k] == 0x7f)
				reason.buf[k] = ' ';
		free(f->triage.reason);
		f->triage.reason = pf_buf_detach(&reason, NULL);
		take_fix(t, f, tf, &r->ans);
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

		if (!e || t->unrecorded)
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
		free(t->reqs[i].fidx);
		pf_llm_answer_release(&t->reqs[i].ans);
		free(t->reqs[i].error);
	}
	free(t->reqs);
	if (t->finds)
		for (size_t i = 0; i < t->run->findings.nr; i++)
			pf_snippet_release(&t->finds[i].snip);
	free(t->finds);
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

int pf_triage_run(struct pf_run *run, int send, struct pf_buf *preview_out)
{
	struct triage t;
	double t0 = pf_now_ms();
	int ret;

	memset(&t, 0, sizeof(t));
	t.run = run;
	pf_fix_from_rules(run);
	ret = pf_llm_open(&t.llm, &run->cfg);
	if (ret) {
		ret = fail_all(&t, ret);
		goto out;
	}
	if (t.llm.provider == PF_LLM_NONE || !run->findings.nr) {
		if (preview_out)
			pf_buf_addstr(preview_out, "[]\n");
		goto out;
	}
	t.finds = pf_xcalloc(run->findings.nr, sizeof(*t.finds));
	for (size_t i = 0; i < run->findings.nr; i++)
		t.finds[i].file = t.finds[i].req = NONE_IDX;
	pf_cache_open(&t.cache, run->state_dir,
		      run->no_cache || env_no_cache());
	ret = prepare_ctx(&t);
	if (!ret)
		ret = prepare(&t);
	if (ret) {
		ret = fail_all(&t, ret);
		goto out;
	}
	lookup_cache(&t);
	if (!send) {
		if (preview_out)
			write_preview(&t, preview_out);
		goto out;
	}
	/* A missing key fails only the requests it was needed for: cached
	 * answers still count, and the findings say why. */
	send_all(&t);
	apply_answers(&t);
	report_failures(&t);
	ret = 0;
	pf_fix_verify(run, &t.fixes);
	if (run->verbose && run->msg)
		fprintf(run->msg,
			"pushfix: triage: %zu request%s (%zu sent, %zu "
			"cached, %zu failed), fixes %u verified, %u "
			"unverified, %u refused; llm %.0f ms, verify %.0f ms, "
			"total %.0f ms\n",
			t.reqs_nr, t.reqs_nr == 1 ? "" : "s", t.sent, t.cached,
			t.failed, t.fixes.verified, t.fixes.unverified,
			t.fixes.refused, t.llm_ms, t.fixes.verify_ms,
			pf_now_ms() - t0);
out:
	triage_release(&t);
	return ret;
}
