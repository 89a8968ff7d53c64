/*
 * The triage stage: anonymise, ask the LLM (in parallel, cached), read the
 * answers strictly, de-anonymise and verify the fixes.  Everything that
 * leaves the machine is built here from redacted text only, and logged.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pushfix/cache.h"
#include "pushfix/err.h"
#include "pushfix/http.h"
#include "pushfix/llm.h"
#include "pushfix/pipeline.h"
#include "pushfix/redact.h"
#include "pushfix/scan.h"
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
	struct tfile *files;
	size_t files_nr, files_alloc;
	struct treq *reqs;
	size_t reqs_nr, reqs_alloc;
	struct tfind *finds;
	size_t sent, cached, failed;
	double llm_ms, verify_ms;
	unsigned verified, unverified, refused;
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

static void offer_rule_fixes(struct pf_run *run)
{
	for (size_t i = 0; i < run->findings.nr; i++) {
		struct pf_finding *f = &run->findings.v[i];
		struct pf_changed_file *cf;

		if (!f->rule_fix || f->fix.origin != PF_FIX_NONE)
			continue;
		cf = pf_changeset_find(&run->cs, f->path);
		if (cf && cf->content &&
		    pf_finding_rule_fix_to_lines(f, cf->content,
						 cf->content_len))
			pf_error_clear(); /* no rule fix then, nothing else */
	}
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
		ret =
		    pf_redact_ctx_load_repo(&t->ctx, run->repo, run->state_dir);
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
		ret =
		    pf_snippet_build(&tf->snip, f, file->red.buf, file->red.len,
				     ctxl, PF_SNIPPET_BYTE_CAP_DEFAULT);
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
		pf_buf_addstr(
		    out, ",\"prompt_version\":\"" PF_LLM_PROMPT_VERSION "\"");
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

static void log_sent(struct triage *t, struct treq *r,
		     const struct pf_http_job *j)
{
	struct pf_sentlog_entry e;
	struct pf_run *run = t->run;
	size_t f0 = r->fnr ? r->fidx[0] : 0;

	memset(&e, 0, sizeof(e));
	e.host = t->llm.host;
	e.provider = pf_llm_provider_name(t->llm.provider);
	e.model = t->llm.model;
	e.prompt_version = PF_LLM_PROMPT_VERSION;
	e.fingerprint = r->fnr ? run->findings.v[f0].fingerprint : NULL;
	e.request = r->body.buf;
	e.request_len = r->body.len;
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

/* Byte span [begin, stop) of lines a..b (1-based) of content. */
static int line_span(const char *c, size_t len, uint32_t a, uint32_t b,
		     size_t *begin, size_t *stop)
{
	uint32_t line = 1;
	size_t i = 0;

	while (line < a && i < len) {
		const char *nl = memchr(c + i, '\n', len - i);

		if (!nl)
			return -1;
		i = (size_t)(nl - c) + 1;
		line++;
	}
	if (line < a || (i >= len && len))
		return -1;
	*begin = i;
	while (line <= b && i < len) {
		const char *nl = memchr(c + i, '\n', len - i);

		i = nl ? (size_t)(nl - c) + 1 : len;
		line++;
	}
	*stop = i;
	return 0;
}

/* The replacement shaped like the lines it replaces: their line ending
 * (CRLF stays CRLF) and whether the last of them ends in a newline. */
static void shape_replacement(struct pf_buf *out, const char *repl,
			      const char *c, size_t begin, size_t stop)
{
	int nl = stop > begin && c[stop - 1] == '\n';
	int crlf = nl && stop - begin >= 2 && c[stop - 2] == '\r';
	size_t n = strlen(repl);

	pf_buf_reset(out);
	for (size_t i = 0; i < n; i++) {
		if (repl[i] == '\n' && crlf && (!i || repl[i - 1] != '\r'))
			pf_buf_addch(out, '\r');
		pf_buf_addch(out, repl[i]);
	}
	if (nl && out->len && out->buf[out->len - 1] != '\n')
		pf_buf_addstr(out, crlf ? "\r\n" : "\n");
	if (!nl) {
		while (out->len && (out->buf[out->len - 1] == '\n' ||
				    out->buf[out->len - 1] == '\r'))
			pf_buf_setlen(out, out->len - 1);
	}
}

static void fix_set(struct pf_finding *f, enum pf_fix_state state, uint32_t a,
		    uint32_t b, char *repl, const char *note)
{
	free(f->fix.replacement);
	free(f->fix.note);
	f->fix.origin = PF_FIX_LLM;
	f->fix.state = state;
	f->fix.start_line = a;
	f->fix.end_line = b;
	f->fix.replacement = repl;
	f->fix.note = note ? pf_xstrdup(note) : NULL;
}

static void take_fix(struct triage *t, struct pf_finding *f, struct tfind *tf,
		     const struct pf_llm_answer *a)
{
	struct tfile *file = &t->files[tf->file];
	struct pf_buf sent = PF_BUF_INIT, restored = PF_BUF_INIT,
		      shaped = PF_BUF_INIT, note = PF_BUF_INIT;
	const char *c = file->cf->content;
	size_t begin, stop;
	double min = t->run->cfg.llm.autofix_min_confidence;

	/* A rule's own fix stays; a fix for a false alarm makes no sense. */
	if (!a->has_fix || f->fix.origin == PF_FIX_RULE ||
	    a->verdict == PF_VERDICT_FALSE_POSITIVE || a->confidence < min)
		return;
	if (a->start_line < tf->snip.first_line ||
	    a->end_line > tf->snip.last_line) {
		pf_buf_addf(&note,
			    "it replaces lines %u-%u, outside the lines the "
			    "model was shown (%u-%u)",
			    (unsigned)a->start_line, (unsigned)a->end_line,
			    (unsigned)tf->snip.first_line,
			    (unsigned)tf->snip.last_line);
		goto refuse;
	}
	for (uint32_t l = a->start_line; l <= a->end_line; l++) {
		if (pf_snippet_line_cut(&tf->snip, l)) {
			pf_buf_addf(&note,
				    "it replaces line %u, which the model saw "
				    "only cut short",
				    (unsigned)l);
			goto refuse;
		}
	}
	if (line_span(c, file->cf->content_len, a->start_line, a->end_line,
		      &begin, &stop)) {
		pf_buf_addf(&note, "lines %u-%u are not in the file",
			    (unsigned)a->start_line, (unsigned)a->end_line);
		goto refuse;
	}
	pf_snippet_lines(&sent, file->red.buf, file->red.len, a->start_line,
			 a->end_line);
	if (pf_vault_restore(&restored, &t->vault, a->replacement,
			     strlen(a->replacement), sent.buf, sent.len)) {
		pf_buf_addstr(&note, pf_error_last());
		pf_error_clear();
		goto refuse;
	}
	shape_replacement(&shaped, restored.buf, c, begin, stop);
	fix_set(f, PF_FIX_UNCHECKED, a->start_line, a->end_line,
		pf_buf_detach(&shaped, NULL), NULL);
	goto out;
refuse:
	t->refused++;
	fix_set(f, PF_FIX_REFUSED, a->start_line, a->end_line,
		pf_xstrdup(a->replacement), note.buf);
out:
	pf_buf_release(&sent);
	pf_buf_release(&restored);
	pf_buf_release(&shaped);
	pf_buf_release(&note);
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

/* ---- verification: re-scan the fixed files ---- */

struct vitem {
	size_t fi;
	struct pf_buf fixed;
	uint32_t new_start, new_end;
	int done;
};

static int overlaps(const struct pf_finding *g, uint32_t a, uint32_t b)
{
	uint32_t s = g->start.line, e = g->end.line < s ? s : g->end.line;

	return s <= b && e >= a;
}

/* Was a finding of `rule` already reported on the fixed lines? */
static int was_there(const struct pf_findings *fs, const struct pf_finding *f,
		     const char *rule)
{
	for (size_t i = 0; i < fs->nr; i++) {
		const struct pf_finding *g = &fs->v[i];

		if (g == f || !g->path || strcmp(g->path, f->path) ||
		    !g->rule_id || strcmp(g->rule_id, rule))
			continue;
		if (overlaps(g, f->fix.start_line, f->fix.end_line))
			return 1;
	}
	return 0;
}

static void judge(struct triage *t, struct vitem *v,
		  const struct pf_findings *found)
{
	struct pf_finding *f = &t->run->findings.v[v->fi];
	struct pf_buf note = PF_BUF_INIT;

	for (size_t i = 0; i < found->nr && !note.len; i++) {
		const struct pf_finding *g = &found->v[i];

		if (!g->path || strcmp(g->path, f->path) ||
		    !overlaps(g, v->new_start, v->new_end))
			continue;
		if (g->rule_id && f->rule_id && !strcmp(g->rule_id, f->rule_id))
			pf_buf_addf(&note,
				    "the re-scan still reports %s on line %u",
				    g->rule_id, (unsigned)g->start.line);
		else if (!g->rule_id ||
			 !was_there(&t->run->findings, f, g->rule_id))
			pf_buf_addf(&note,
				    "the re-scan reports a new finding %s on "
				    "line %u",
				    g->rule_id ? g->rule_id : "(no rule id)",
				    (unsigned)g->start.line);
	}
	free(f->fix.note);
	f->fix.note = NULL;
	if (note.len) {
		f->fix.state = PF_FIX_UNVERIFIED;
		f->fix.note = pf_buf_detach(&note, NULL);
		t->unverified++;
	} else {
		f->fix.state = PF_FIX_VERIFIED;
		t->verified++;
	}
	pf_buf_release(&note);
	v->done = 1;
}

static void unverify(struct triage *t, struct vitem *v, const char *why)
{
	struct pf_finding *f = &t->run->findings.v[v->fi];
	struct pf_buf note = PF_BUF_INIT;

	pf_buf_addf(&note, "the re-scan failed: %s", why);
	f->fix.state = PF_FIX_UNVERIFIED;
	free(f->fix.note);
	f->fix.note = pf_buf_detach(&note, NULL);
	t->unverified++;
	v->done = 1;
}

static uint32_t count_lines(const char *s, size_t len)
{
	uint32_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n + (len && s[len - 1] != '\n');
}

static void verify(struct triage *t)
{
	struct pf_run *run = t->run;
	struct pf_findings *fs = &run->findings;
	struct vitem *items = NULL;
	struct pf_scan_target *targets = NULL;
	size_t *tmap = NULL, n = 0, left, ilen = 0;
	const char *ignore;
	double t0 = pf_now_ms();

	for (size_t i = 0; i < fs->nr; i++)
		n += fs->v[i].fix.origin == PF_FIX_LLM &&
		     fs->v[i].fix.state == PF_FIX_UNCHECKED;
	if (!n)
		return;
	ignore = pf_run_ignore_file(run, &ilen);
	items = pf_xcalloc(n, sizeof(*items));
	targets = pf_xcalloc(n, sizeof(*targets));
	tmap = pf_xcalloc(n, sizeof(*tmap));
	n = 0;
	for (size_t i = 0; i < fs->nr; i++) {
		struct pf_finding *f = &fs->v[i];
		struct pf_changed_file *cf;
		struct vitem *v;
		size_t begin, stop, rl;

		if (f->fix.origin != PF_FIX_LLM ||
		    f->fix.state != PF_FIX_UNCHECKED)
			continue;
		cf = pf_changeset_find(&run->cs, f->path);
		v = &items[n++];
		v->fi = i;
		pf_buf_init(&v->fixed);
		line_span(cf->content, cf->content_len, f->fix.start_line,
			  f->fix.end_line, &begin, &stop);
		rl = strlen(f->fix.replacement);
		pf_buf_add(&v->fixed, cf->content, begin);
		pf_buf_add(&v->fixed, f->fix.replacement, rl);
		pf_buf_add(&v->fixed, cf->content + stop,
			   cf->content_len - stop);
		v->new_start = f->fix.start_line;
		v->new_end = f->fix.start_line +
			     (rl ? count_lines(f->fix.replacement, rl) - 1 : 0);
	}
	/* Rounds: one version of a path per scanner run. */
	for (left = n; left;) {
		struct pf_findings found = PF_FINDINGS_INIT;
		struct pf_scan_result res;
		size_t tn = 0;
		int ret;

		for (size_t i = 0; i < n; i++) {
			const char *p = fs->v[items[i].fi].path;
			int dup = 0;

			if (items[i].done)
				continue;
			for (size_t k = 0; k < tn && !dup; k++)
				dup = !strcmp(targets[k].path, p);
			if (dup)
				continue;
			targets[tn].path = p;
			targets[tn].data = items[i].fixed.buf;
			targets[tn].len = items[i].fixed.len;
			tmap[tn++] = i;
		}
		pf_scan_result_init(&res);
		ret = pf_scan_targets(&found, &res, &run->cfg, targets, tn,
				      ignore, ilen);
		for (size_t k = 0; k < tn; k++) {
			if (ret)
				unverify(t, &items[tmap[k]], pf_error_last());
			else
				judge(t, &items[tmap[k]], &found);
		}
		left -= tn;
		pf_findings_release(&found);
		pf_scan_result_release(&res);
	}
	for (size_t i = 0; i < n; i++)
		pf_buf_release(&items[i].fixed);
	free(items);
	free(targets);
	free(tmap);
	t->verify_ms = pf_now_ms() - t0;
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

		if (!e)
			continue;
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
	offer_rule_fixes(run);
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
	verify(&t);
	if (run->verbose && run->msg)
		fprintf(run->msg,
			"pushfix: triage: %zu request%s (%zu sent, %zu "
			"cached, %zu failed), fixes %u verified, %u "
			"unverified, %u refused; llm %.0f ms, verify %.0f ms, "
			"total %.0f ms\n",
			t.reqs_nr, t.reqs_nr == 1 ? "" : "s", t.sent, t.cached,
			t.failed, t.verified, t.unverified, t.refused, t.llm_ms,
			t.verify_ms, pf_now_ms() - t0);
out:
	triage_release(&t);
	return ret;
}
