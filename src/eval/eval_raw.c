/*
 * `pushfix eval --compare-raw`: what anonymisation costs, measured.  Each
 * finding the triage answered is asked again with its program as it is
 * (no placeholders, the real path and messages), and the two verdicts
 * compared.  Only ever on the user's explicit request (the command asks):
 * these requests carry code as it is.  They go through the same cache,
 * sent log, budget and answer checks as the anonymised ones.
 */
#include <stdlib.h>
#include <string.h>

#include "pushfix/cache.h"
#include "pushfix/err.h"
#include "pushfix/eval.h"
#include "pushfix/http.h"
#include "pushfix/llm.h"
#include "pushfix/pipeline.h"
#include "pushfix/sentlog.h"
#include "pushfix/snippet.h"
#include "pushfix/util.h"

#define RAW_ANSWER_CAP (2u << 20)
#define RAW_RETRIES 3

struct raw_req {
	size_t finding;
	char key[65];
	struct pf_buf body;
	struct pf_llm_answer ans;
	int answered;
	char id[17];
};

static int build_raw(struct raw_req *r, const struct pf_eval *ev,
		     const struct pf_run *run, const struct pf_llm *llm)
{
	const struct pf_finding *f = &run->findings.v[r->finding];
	const struct pf_eval_program *p = NULL;
	struct pf_snippet snip;
	struct pf_llm_prompt pr;

	memset(&snip, 0, sizeof(snip));
	for (size_t i = 0; i < ev->progs_nr && !p; i++)
		if (!strcmp(ev->progs[i].name, f->path))
			p = &ev->progs[i];
	if (!p || pf_snippet_build(&snip, f, p->content, p->len,
				   run->cfg.llm.context_lines,
				   PF_SNIPPET_BYTE_CAP_DEFAULT)) {
		pf_snippet_release(&snip);
		pf_error_clear();
		return -1;
	}
	memset(&pr, 0, sizeof(pr));
	pr.rule_id = f->rule_id;
	pr.message = f->message;
	pr.severity = pf_severity_name(f->severity);
	pr.cwe = f->cwe;
	pr.owasp = f->owasp;
	pr.language = snip.language;
	pr.path = f->path;
	pr.test_file = -1;
	pr.snippet = snip.text;
	pr.snippet_len = snip.text_len;
	pr.start_line = f->start.line;
	pr.end_line = f->end.line;
	pr.truncated = snip.truncated;
	pf_buf_init(&r->body);
	pf_llm_build_body(&r->body, llm, &pr);
	pf_cache_key(r->key, pf_llm_provider_name(llm->provider), llm->model,
		     PF_LLM_PROMPT_VERSION, r->body.buf, r->body.len);
	pf_snippet_release(&snip);
	return 0;
}

static void sentlog_entry(struct pf_sentlog_entry *e, const struct pf_llm *llm,
			  const struct raw_req *r, const struct pf_run *run)
{
	memset(e, 0, sizeof(*e));
	e->host = llm->host;
	e->provider = pf_llm_provider_name(llm->provider);
	e->model = llm->model;
	e->prompt_version = PF_LLM_PROMPT_VERSION;
	e->fingerprint = run->findings.v[r->finding].fingerprint;
	e->request = r->body.buf;
	e->request_len = r->body.len;
}

/* Send what the cache does not know: logged first, then in parallel. */
static int send_raw(struct raw_req *rs, size_t nr, const struct pf_llm *llm,
		    struct pf_cache *cache, const struct pf_run *run)
{
	struct pf_sentlog_entry *es = pf_xcalloc(nr ? nr : 1, sizeof(*es));
	char(*ids)[17] = pf_xcalloc(nr ? nr : 1, sizeof(*ids));
	struct pf_http_job *jobs = pf_xcalloc(nr ? nr : 1, sizeof(*jobs));
	size_t *of = pf_xcalloc(nr ? nr : 1, sizeof(*of));
	struct pf_http_multi_opts o;
	char **headers = NULL;
	size_t nj = 0;
	int ret = 0;

	for (size_t i = 0; i < nr; i++)
		if (!rs[i].answered) {
			sentlog_entry(&es[nj], llm, &rs[i], run);
			of[nj++] = i;
		}
	if (!nj)
		goto out;
	ret = pf_sentlog_sending(run->state_dir, es, nj, ids);
	if (ret)
		goto out; /* nothing sent unless it is on record */
	headers = pf_llm_headers(llm);
	for (size_t k = 0; k < nj; k++) {
		struct pf_http_job *j = &jobs[k];

		memcpy(rs[of[k]].id, ids[k], 17);
		pf_http_job_init(j);
		j->req.method = "POST";
		j->req.url = llm->url;
		j->req.headers = (const char *const *)headers;
		j->req.body = rs[of[k]].body.buf;
		j->req.body_len = rs[of[k]].body.len;
		j->req.timeout_ms = llm->timeout_ms;
		j->req.max_response = RAW_ANSWER_CAP;
	}
	memset(&o, 0, sizeof(o));
	o.max_parallel = llm->max_parallel;
	o.budget_ms = llm->budget_ms;
	o.retry.max_retries = RAW_RETRIES;
	ret = pf_http_multi_run(jobs, nj, &o);
	for (size_t k = 0; !ret && k < nj; k++) {
		struct raw_req *r = &rs[of[k]];
		struct pf_buf canon = PF_BUF_INIT;
		struct pf_sentlog_entry e;
		const char *err = NULL;

		if (!pf_llm_parse_response(&r->ans, &canon, llm,
					   &jobs[k].resp)) {
			r->answered = 1;
			if (pf_cache_put(cache, r->key, canon.buf, canon.len))
				pf_error_clear();
		} else {
			err = pf_error_last();
		}
		sentlog_entry(&e, llm, r, run);
		e.id = r->id;
		e.status = (int)jobs[k].resp.status;
		e.duration_ms = jobs[k].total_ms;
		e.answer = jobs[k].resp.status ? jobs[k].resp.body.buf : NULL;
		e.answer_len = jobs[k].resp.body.len;
		e.error = err;
		if (pf_sentlog_append(run->state_dir, &e, 0, NULL))
			pf_error_clear();
		pf_buf_release(&canon);
	}
	for (size_t k = 0; k < nj; k++)
		pf_http_job_release(&jobs[k]);
out:
	pf_llm_headers_free(headers);
	free(es);
	free(ids);
	free(jobs);
	free(of);
	return ret;
}

int pf_eval_compare_raw(struct pf_eval *ev, struct pf_run *run)
{
	struct pf_llm llm;
	struct pf_cache cache;
	struct raw_req *rs;
	struct pf_buf got = PF_BUF_INIT;
	size_t nr = 0;
	int ret;

	ev->raw_done = 1;
	memset(&llm, 0, sizeof(llm));
	ret = pf_llm_open(&llm, &run->cfg);
	if (!ret && llm.provider == PF_LLM_NONE)
		goto out_llm;
	if (!ret)
		ret = pf_llm_load_key(&llm, &run->cfg);
	if (ret)
		goto out_llm;
	rs = pf_xcalloc(run->findings.nr ? run->findings.nr : 1, sizeof(*rs));
	pf_cache_open(&cache, run->state_dir, run->no_cache);
	for (size_t i = 0; i < run->findings.nr; i++) {
		const struct pf_finding *f = &run->findings.v[i];
		struct raw_req *r = &rs[nr];

		if (f->secret || f->triage.verdict == PF_VERDICT_NONE)
			continue;
		r->finding = i;
		pf_llm_answer_init(&r->ans);
		if (build_raw(r, ev, run, &llm))
			continue;
		nr++;
		if (!pf_cache_get(&cache, r->key, &got) &&
		    !pf_llm_parse_answer(&r->ans, got.buf, got.len))
			r->answered = 1;
		pf_error_clear();
	}
	ret = send_raw(rs, nr, &llm, &cache, run);
	for (size_t i = 0; i < nr; i++) {
		const struct pf_finding *f = &run->findings.v[rs[i].finding];

		ev->raw_asked++;
		if (!rs[i].answered)
			continue;
		ev->raw_answered++;
		ev->raw_agree += rs[i].ans.verdict == f->triage.verdict;
	}
	for (size_t i = 0; i < nr; i++) {
		pf_buf_release(&rs[i].body);
		pf_llm_answer_release(&rs[i].ans);
	}
	free(rs);
	pf_cache_release(&cache);
	pf_buf_release(&got);
out_llm:
	pf_llm_release(&llm);
	return ret;
}
