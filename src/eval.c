/*
 * `pushfix eval`: the real pipeline over a labelled dataset.  The scanner
 * runs on every program at once; each finding is labelled; the triage
 * stage (the same as a push's: snippet, anonymise, LLM, fix, verify, the
 * cache, the budget) gets them all; then the LLM's fixes are compiled and
 * re-scanned, and the sent log says what the requests cost.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "pushfix/err.h"
#include "pushfix/eval.h"
#include "pushfix/fs.h"
#include "pushfix/llm.h"
#include "pushfix/pipeline.h"
#include "pushfix/proc.h"
#include "pushfix/sentlog.h"
#include "pushfix/triage.h"
#include "pushfix/util.h"

#define CC_TIMEOUT_MS 20000

static int cmp_prog_path(const void *key, const void *elem)
{
	return strcmp(key, ((const struct pf_eval_program *)elem)->name);
}

static struct pf_eval_program *find_program(const struct pf_eval *ev,
					    const char *path)
{
	if (!ev->progs_nr)
		return NULL;
	return bsearch(path, ev->progs, ev->progs_nr, sizeof(*ev->progs),
		       cmp_prog_path);
}

/* The changeset the triage reads the programs from: every file whole. */
static void build_changeset(struct pf_run *run, const struct pf_eval *ev)
{
	struct pf_changeset *cs = &run->cs;

	pf_changeset_release(cs);
	memset(cs, 0, sizeof(*cs));
	cs->files =
		pf_xcalloc(ev->progs_nr ? ev->progs_nr : 1, sizeof(*cs->files));
	cs->alloc = ev->progs_nr;
	for (size_t i = 0; i < ev->progs_nr; i++) {
		struct pf_changed_file *f = &cs->files[cs->nr++];

		f->path = pf_xstrdup(ev->progs[i].name);
		f->mode = 0100644;
		f->whole_file = 1;
		f->content =
			pf_xstrndup(ev->progs[i].content, ev->progs[i].len);
		f->content_len = ev->progs[i].len;
	}
}

/* The mark a finding touches, or NULL. */
static struct pf_eval_mark *mark_for(struct pf_eval_program *p,
				     const struct pf_finding *f)
{
	uint32_t lo = f->start.line, hi = f->end.line > lo ? f->end.line : lo;

	for (size_t i = 0; i < p->marks_nr; i++) {
		struct pf_eval_mark *m = &p->marks[i];

		if (m->line >= lo && m->line <= hi &&
		    (!m->rule_id || !strcmp(m->rule_id, f->rule_id)))
			return m;
	}
	return NULL;
}

/* -1 unlabelled, else 1 true / 0 false positive; *cwe its CWE (0). */
static int label_of(const struct pf_eval *ev, const struct pf_finding *f,
		    unsigned *cwe, struct pf_eval_mark **mark)
{
	struct pf_eval_program *p = find_program(ev, f->path);
	struct pf_eval_mark *m = p ? mark_for(p, f) : NULL;

	*cwe = 0;
	*mark = m;
	if (m) {
		*cwe = m->cwe ? m->cwe : p->cwe;
		return m->tp;
	}
	if (p && p->castle) {
		*cwe = p->cwe;
		return 0;
	}
	return -1;
}

static int verdict_col(enum pf_verdict v)
{
	switch (v) {
	case PF_VERDICT_TRUE_POSITIVE:
		return 0;
	case PF_VERDICT_FALSE_POSITIVE:
		return 1;
	case PF_VERDICT_UNCERTAIN:
		return 2;
	default:
		return 3;
	}
}

static struct pf_eval_counts *cwe_counts(struct pf_eval *ev, unsigned cwe)
{
	size_t i;

	for (i = 0; i < ev->cwe_nr; i++)
		if (ev->cwe_ids[i] == cwe)
			return &ev->cwe[i];
	/* kept sorted by CWE number */
	for (i = 0; i < ev->cwe_nr && ev->cwe_ids[i] < cwe; i++)
		;
	ev->cwe = pf_xrealloc(ev->cwe, (ev->cwe_nr + 1) * sizeof(*ev->cwe));
	ev->cwe_ids = pf_xrealloc(ev->cwe_ids,
				  (ev->cwe_nr + 1) * sizeof(*ev->cwe_ids));
	memmove(ev->cwe + i + 1, ev->cwe + i,
		(ev->cwe_nr - i) * sizeof(*ev->cwe));
	memmove(ev->cwe_ids + i + 1, ev->cwe_ids + i,
		(ev->cwe_nr - i) * sizeof(*ev->cwe_ids));
	memset(&ev->cwe[i], 0, sizeof(*ev->cwe));
	ev->cwe_ids[i] = cwe;
	ev->cwe_nr++;
	return &ev->cwe[i];
}

static void count(struct pf_eval_counts *c, int tp, enum pf_verdict v)
{
	c->findings++;
	if (tp)
		c->label_tp++;
	else
		c->label_fp++;
	c->m[tp ? 0 : 1][verdict_col(v)]++;
}

/* What eval is doing, on a terminal only: a large set takes minutes. */
static void step(const struct pf_run *run, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void step(const struct pf_run *run, const char *fmt, ...)
{
	va_list ap;

	if (!run->msg || !isatty(fileno(run->msg)))
		return;
	fputs("pushfix: eval: ", run->msg);
	va_start(ap, fmt);
	vfprintf(run->msg, fmt, ap);
	va_end(ap);
	fputc('\n', run->msg);
}

/* ---- fixes ------------------------------------------------------------- */

/* The program with f's fix spliced in; NULL when it does not fit. */
static char *apply_fix(const struct pf_eval_program *p,
		       const struct pf_finding *f, size_t *len)
{
	struct pf_lines ix;
	struct pf_buf out = PF_BUF_INIT;
	uint32_t s = f->fix.start_line, e = f->fix.end_line;
	char *ret = NULL;

	pf_lines_index(&ix, p->content, p->len);
	if (s >= 1 && e >= s && e <= ix.nr && f->fix.replacement) {
		size_t b = ix.begin[s - 1],
		       a = e < ix.nr ? ix.begin[e] : p->len;

		pf_buf_add(&out, p->content, b);
		pf_buf_addstr(&out, f->fix.replacement);
		pf_buf_add(&out, p->content + a, p->len - a);
		ret = pf_buf_detach(&out, len);
	}
	pf_lines_release(&ix);
	return ret;
}

/* Lines of a replacement ("a\nb" and "a\nb\n" are two). */
static uint32_t repl_lines(const char *r)
{
	uint32_t n = 0;
	size_t len = strlen(r);

	for (size_t i = 0; i < len; i++)
		n += r[i] == '\n';
	if (len && r[len - 1] != '\n')
		n++;
	return n;
}

/*
 * `cc -fsyntax-only` over many texts at once: one compiler run per batch
 * (a thousand fixes took a minute one by one).  The compiler checks each
 * file on its own; with -w every diagnostic line it prints names a file
 * that failed.
 */
#define CC_BATCH 64

struct cc_check {
	const char *cc, *dir;
	char **files;
	size_t nr, alloc;
	signed char *ok; /* after cc_run(): 1 compiles, 0 not */
};

static size_t cc_add(struct cc_check *c, const char *text, size_t len)
{
	struct pf_buf path = PF_BUF_INIT;

	pf_buf_addf(&path, "%s/c%zu.c", c->dir, c->nr);
	if (pf_write_file_atomic(path.buf, text, len, 0600)) {
		pf_error_clear();
		pf_buf_release(&path);
		return SIZE_MAX;
	}
	PF_ALLOC_GROW(c->files, c->nr + 1, c->alloc);
	c->files[c->nr] = pf_buf_detach(&path, NULL);
	return c->nr++;
}

static void cc_run(struct cc_check *c)
{
	const char **argv = pf_xcalloc(CC_BATCH + 6, sizeof(*argv));
	struct pf_buf tag = PF_BUF_INIT;

	c->ok = pf_xcalloc(c->nr ? c->nr : 1, 1);
	for (size_t b = 0; b < c->nr; b += CC_BATCH) {
		size_t n = c->nr - b < CC_BATCH ? c->nr - b : CC_BATCH;
		struct pf_proc_result r;
		struct pf_proc_opts o;
		int ran;

		argv[0] = c->cc;
		argv[1] = "-fsyntax-only";
		argv[2] = "-w";
		argv[3] = "-x";
		argv[4] = "c";
		for (size_t k = 0; k < n; k++)
			argv[5 + k] = c->files[b + k];
		argv[5 + n] = NULL;
		memset(&o, 0, sizeof(o));
		o.argv = argv;
		o.timeout_ms = CC_TIMEOUT_MS * 6;
		pf_proc_result_init(&r);
		ran = !pf_proc_run(&r, &o) && !r.signaled && !r.timed_out;
		pf_error_clear();
		for (size_t k = 0; k < n && ran; k++) {
			pf_buf_reset(&tag);
			pf_buf_addf(&tag, "%s:", c->files[b + k]);
			c->ok[b + k] =
				!r.exit_code || !strstr(r.err.buf, tag.buf);
		}
		pf_proc_result_release(&r);
	}
	pf_buf_release(&tag);
	free(argv);
}

static void cc_release(struct cc_check *c)
{
	for (size_t i = 0; i < c->nr; i++)
		free(c->files[i]);
	free(c->files);
	free(c->ok);
}

struct fixed {
	size_t finding;
	uint32_t lo, hi; /* where the marked line went */
	char *path;	 /* fix-N/<path> */
	char *text;
	size_t len;
};

/* Where the marked line m lies once lines s..e became k lines: lo..hi
 * (lo > hi: the line is gone with nothing in its place). */
static void map_line(struct fixed *x, uint32_t m, uint32_t s, uint32_t e,
		     uint32_t k)
{
	if (m < s) {
		x->lo = x->hi = m;
	} else if (m > e) {
		x->lo = x->hi = m + k - (e - s + 1);
	} else {
		x->lo = s;
		x->hi = s + k - 1;
	}
}

/* Offered, verified, still compiling, and, on a true positive, does the
 * re-scan of the fixed program no longer report the marked line. */
static void check_fixes(struct pf_eval *ev, struct pf_run *run)
{
	struct pf_buf cc = PF_BUF_INIT, tmp = PF_BUF_INIT;
	struct cc_check chk;
	struct fixed *xs = NULL;
	struct pf_scan_target *ts = NULL;
	size_t xs_nr = 0, xs_alloc = 0, pairs_nr = 0;
	/* per program: its own text's index in chk; per fix: both */
	size_t *base_ix = pf_xcalloc(ev->progs_nr + 1, sizeof(*base_ix));
	size_t(*pairs)[2] = pf_xcalloc(run->findings.nr + 1, sizeof(*pairs));
	const char *td = getenv("TMPDIR");

	ev->have_cc = !pf_proc_which("cc", &cc);
	pf_error_clear();
	pf_buf_addf(&tmp, "%s/pushfix-eval-XXXXXX", td && *td ? td : "/tmp");
	if (ev->have_cc && !mkdtemp(tmp.buf))
		ev->have_cc = 0;
	memset(&chk, 0, sizeof(chk));
	chk.cc = cc.buf;
	chk.dir = tmp.buf;
	for (size_t i = 0; i < ev->progs_nr; i++)
		base_ix[i] = SIZE_MAX;
	for (size_t i = 0; i < run->findings.nr; i++) {
		struct pf_finding *f = &run->findings.v[i];
		struct pf_eval_program *p = find_program(ev, f->path);
		struct pf_eval_mark *m;
		unsigned cwe;
		int tp = label_of(ev, f, &cwe, &m);
		char *text;
		size_t len, pi;

		if (tp < 0 || f->fix.origin != PF_FIX_LLM || !p)
			continue;
		ev->fix_offered++;
		ev->fix_verified += f->fix.state == PF_FIX_VERIFIED;
		ev->fix_refused += f->fix.state == PF_FIX_REFUSED;
		if (f->fix.state == PF_FIX_REFUSED)
			continue;
		text = apply_fix(p, f, &len);
		if (!text)
			continue;
		pi = (size_t)(p - ev->progs);
		if (ev->have_cc && pf_ends_with(p->path, ".c")) {
			if (base_ix[pi] == SIZE_MAX)
				base_ix[pi] = cc_add(&chk, p->content, p->len);
			pairs[pairs_nr][0] = base_ix[pi];
			pairs[pairs_nr][1] = cc_add(&chk, text, len);
			if (pairs[pairs_nr][0] != SIZE_MAX &&
			    pairs[pairs_nr][1] != SIZE_MAX)
				pairs_nr++;
		}
		if (tp && m) {
			struct fixed *x;
			struct pf_buf path = PF_BUF_INIT;

			PF_ALLOC_GROW(xs, xs_nr + 1, xs_alloc);
			x = &xs[xs_nr++];
			x->finding = i;
			map_line(x, m->line, f->fix.start_line, f->fix.end_line,
				 repl_lines(f->fix.replacement));
			pf_buf_addf(&path, "fix-%zu/%s", xs_nr, p->name);
			x->path = pf_buf_detach(&path, NULL);
			x->text = text;
			x->len = len;
			ev->fix_tp++;
		} else {
			free(text);
		}
	}
	/* what compiled before and still does */
	if (ev->have_cc) {
		cc_run(&chk);
		for (size_t k = 0; k < pairs_nr; k++)
			if (chk.ok[pairs[k][0]]) {
				ev->fix_compile_base++;
				ev->fix_compiled += chk.ok[pairs[k][1]];
			}
	}
	cc_release(&chk);
	free(pairs);
	free(base_ix);
	if (xs_nr) {
		struct pf_findings again = PF_FINDINGS_INIT;
		struct pf_scan_result res;

		ts = pf_xcalloc(xs_nr, sizeof(*ts));
		for (size_t k = 0; k < xs_nr; k++) {
			ts[k].path = xs[k].path;
			ts[k].data = xs[k].text;
			ts[k].len = xs[k].len;
		}
		pf_scan_result_init(&res);
		if (pf_scan_targets(&again, &res, &run->cfg, ts, xs_nr, NULL,
				    0)) {
			if (run->msg)
				fprintf(run->msg,
					"pushfix: eval: cannot re-scan the "
					"fixed programs: %s\n",
					pf_error_last());
		} else {
			for (size_t k = 0; k < xs_nr; k++) {
				int seen = 0;

				for (size_t j = 0; j < again.nr; j++) {
					const struct pf_finding *g =
						&again.v[j];
					uint32_t hi =
						g->end.line > g->start.line
							? g->end.line
							: g->start.line;

					if (!strcmp(g->path, xs[k].path) &&
					    xs[k].lo <= xs[k].hi &&
					    g->start.line <= xs[k].hi &&
					    hi >= xs[k].lo)
						seen = 1;
				}
				ev->fix_tp_gone += !seen;
			}
		}
		pf_findings_release(&again);
		pf_scan_result_release(&res);
	}
	for (size_t k = 0; k < xs_nr; k++) {
		free(xs[k].path);
		free(xs[k].text);
	}
	free(xs);
	free(ts);
	if (ev->have_cc)
		pf_remove_tree(tmp.buf);
	pf_buf_release(&tmp);
	pf_buf_release(&cc);
}

/* ---- requests, from the sent log -------------------------------------- */

static long log_size(const char *state_dir)
{
	struct pf_buf p = PF_BUF_INIT;
	struct stat st;
	long n = 0;

	pf_sentlog_path(&p, state_dir);
	if (!stat(p.buf, &st))
		n = (long)st.st_size;
	pf_buf_release(&p);
	return n;
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The request records this run appended (past `from`). */
static void read_requests(struct pf_eval *ev, const char *state_dir, long from)
{
	struct pf_buf p = PF_BUF_INIT, data = PF_BUF_INIT;
	double *ms = NULL;
	size_t n = 0, alloc = 0;

	pf_sentlog_path(&p, state_dir);
	if (pf_buf_read_file(&data, p.buf, 256u << 20) ||
	    (size_t)from > data.len) {
		pf_error_clear();
		goto out;
	}
	for (const char *s = data.buf + from, *e = data.buf + data.len;
	     s < e;) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		size_t len = nl ? (size_t)(nl - s) : (size_t)(e - s);
		cJSON *o = cJSON_ParseWithLength(s, len);
		const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "type");

		if (cJSON_IsString(type) &&
		    !strcmp(type->valuestring, "request")) {
			const cJSON *ans =
				cJSON_GetObjectItemCaseSensitive(o, "answer");
			const cJSON *u =
				cJSON_GetObjectItemCaseSensitive(ans, "usage");

			ev->requests++;
			if (num(o, "status") != 200 ||
			    cJSON_IsString(cJSON_GetObjectItemCaseSensitive(
				    o, "error")))
				ev->req_failed++;
			ev->tokens_in += num(u, "prompt_tokens") +
					 num(u, "input_tokens");
			ev->tokens_out += num(u, "completion_tokens") +
					  num(u, "output_tokens");
			PF_ALLOC_GROW(ms, n + 1, alloc);
			ms[n++] = num(o, "duration_ms");
		}
		cJSON_Delete(o);
		s += len + (nl ? 1 : 0);
	}
	if (n) {
		size_t k = (n * 95 + 99) / 100;

		qsort(ms, n, sizeof(*ms), cmp_double);
		ev->lat_median =
			n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
		ev->lat_p95 = ms[k ? k - 1 : 0];
	}
out:
	free(ms);
	pf_buf_release(&p);
	pf_buf_release(&data);
}

int pf_eval_run(struct pf_eval *ev, struct pf_run *run)
{
	struct pf_scan_target *ts;
	time_t now = time(NULL);
	struct tm tm;
	long from;
	int ret;

	gmtime_r(&now, &tm);
	strftime(ev->date, sizeof(ev->date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(ev->provider, sizeof(ev->provider), "%s",
		 run->cfg.llm.provider ? run->cfg.llm.provider : "none");
	snprintf(ev->model, sizeof(ev->model), "%s",
		 run->cfg.llm.model ? run->cfg.llm.model : "");
	ev->price_in = run->cfg.llm.price_in;
	ev->price_out = run->cfg.llm.price_out;
	build_changeset(run, ev);
	pf_findings_release(&run->findings);
	ts = pf_xcalloc(ev->progs_nr ? ev->progs_nr : 1, sizeof(*ts));
	for (size_t i = 0; i < ev->progs_nr; i++) {
		ts[i].path = ev->progs[i].name;
		ts[i].data = ev->progs[i].content;
		ts[i].len = ev->progs[i].len;
	}
	step(run, "scanning %zu programs", ev->progs_nr);
	ret = ev->progs_nr
		      ? pf_scan_targets(&run->findings, &run->scan, &run->cfg,
					ts, ev->progs_nr, NULL, 0)
		      : 0;
	free(ts);
	if (ret)
		return pf_error_prefix(ret, "the scanner failed");
	snprintf(ev->engine, sizeof(ev->engine), "%s", run->scan.engine);
	pf_findings_merge(&run->findings);
	pf_findings_sort(&run->findings);
	ev->findings = run->findings.nr;
	/* A finding no label speaks of measures nothing: not sent. */
	for (size_t i = run->findings.nr; i-- > 0;) {
		struct pf_eval_mark *m;
		unsigned cwe;

		if (label_of(ev, &run->findings.v[i], &cwe, &m) < 0) {
			pf_findings_remove(&run->findings, i);
			ev->unlabelled++;
		}
	}
	/*
	 * Every finding goes to the LLM: a push caps them at [llm]
	 * max_findings, an evaluation must not (the figures would rest on
	 * the most severe few).  0 is "no cap".
	 */
	run->cfg.llm.max_findings = 0;
	from = log_size(run->state_dir);
	step(run, "triaging %zu findings with %s", run->findings.nr,
	     ev->provider);
	if (run->findings.nr && pf_triage_run(run, 1, NULL) && run->msg)
		fprintf(run->msg, "pushfix: eval: LLM triage skipped: %s\n",
			pf_error_last());
	read_requests(ev, run->state_dir, from);
	for (size_t i = 0; i < run->findings.nr; i++) {
		const struct pf_finding *f = &run->findings.v[i];
		struct pf_eval_mark *m;
		unsigned cwe;
		int tp = label_of(ev, f, &cwe, &m);

		if (tp < 0)
			continue;
		if (m)
			m->hit = 1;
		ev->cached += f->triage.cached &&
			      f->triage.verdict != PF_VERDICT_NONE;
		count(&ev->all, tp, f->triage.verdict);
		count(cwe_counts(ev, cwe), tp, f->triage.verdict);
	}
	for (size_t i = 0; i < ev->progs_nr; i++)
		for (size_t k = 0; k < ev->progs[i].marks_nr; k++)
			if (ev->progs[i].marks[k].tp) {
				ev->marks_tp++;
				ev->marks_hit += ev->progs[i].marks[k].hit;
			}
	step(run, "checking the LLM's fixes (cc -fsyntax-only, re-scan)");
	check_fixes(ev, run);
	return 0;
}
