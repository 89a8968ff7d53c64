/*
 * eval's figures, as a table for a person and as JSON for a script.  Each
 * share names what it rests on: "7/9 (77.8%)", never a bare percentage.
 */
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "pushfix/eval.h"
#include "pushfix/llm.h"
#include "pushfix/util.h"

/* The shares of one group of counts. */
struct shares {
	size_t triaged; /* given a verdict (uncertain included) */
	size_t correct; /* verdict equals the label */
	size_t said_fp, said_fp_right;
	size_t fp, fp_caught; /* labelled false, of them called false */
	size_t tp, tp_kept;   /* labelled true (triaged), not called false */
	size_t uncertain;
	size_t not_triaged;
};

static void shares_of(struct shares *s, const struct pf_eval_counts *c)
{
	memset(s, 0, sizeof(*s));
	for (int l = 0; l < 2; l++) {
		for (int v = 0; v < 3; v++)
			s->triaged += c->m[l][v];
		s->not_triaged += c->m[l][3];
	}
	s->correct = c->m[0][0] + c->m[1][1];
	s->said_fp = c->m[0][1] + c->m[1][1];
	s->said_fp_right = c->m[1][1];
	s->fp = c->m[1][0] + c->m[1][1] + c->m[1][2];
	s->fp_caught = c->m[1][1];
	s->tp = c->m[0][0] + c->m[0][1] + c->m[0][2];
	s->tp_kept = c->m[0][0] + c->m[0][2];
	s->uncertain = c->m[0][2] + c->m[1][2];
}

/* "a/b (p%)", or "-" when b is 0. */
static void share(struct pf_buf *out, size_t a, size_t b)
{
	if (!b)
		pf_buf_addstr(out, "-");
	else
		pf_buf_addf(out, "%zu/%zu (%.1f%%)", a, b,
			    100.0 * (double)a / (double)b);
}

static void cell(struct pf_buf *out, size_t a, size_t b, int width)
{
	struct pf_buf c = PF_BUF_INIT;

	share(&c, a, b);
	pf_buf_addf(out, "  %-*s", width, c.buf);
	pf_buf_release(&c);
}

static double cost(const struct pf_eval *ev)
{
	return ev->tokens_in * ev->price_in / 1e6 +
	       ev->tokens_out * ev->price_out / 1e6;
}

void pf_eval_table(struct pf_buf *out, const struct pf_eval *ev,
		   const char *version)
{
	struct shares s;
	size_t lab = ev->all.findings;

	pf_buf_addf(out,
		    "pushfix %s eval, %s: %zu program%s%s, %zu skipped; "
		    "dataset sha256 %.16s\n",
		    version, ev->date, ev->progs_nr,
		    ev->progs_nr == 1 ? "" : "s", ev->jsonl ? " (jsonl)" : "",
		    ev->skipped_nr, ev->digest);
	pf_buf_addf(out, "scanner %s; LLM %s%s%s, prompt %s\n",
		    ev->engine[0] ? ev->engine : "none", ev->provider,
		    ev->model[0] ? " " : "", ev->model, PF_LLM_PROMPT_VERSION);
	if (!ev->findings) {
		pf_buf_addstr(out, "\nno findings: the scanner reported "
				   "nothing on this dataset, there is "
				   "nothing to measure\n");
		return;
	}
	pf_buf_addf(out, "\nscanner: %zu finding%s", ev->findings,
		    ev->findings == 1 ? "" : "s");
	if (ev->unlabelled)
		pf_buf_addf(out, " (%zu unlabelled, left out)", ev->unlabelled);
	pf_buf_addstr(out, "\n  precision ");
	share(out, ev->all.label_tp, lab);
	pf_buf_addstr(out, "  recall (labelled lines found) ");
	share(out, ev->marks_hit, ev->marks_tp);
	pf_buf_addch(out, '\n');

	shares_of(&s, &ev->all);
	pf_buf_addf(out,
		    "\ntriage: %zu labelled finding%s, %zu triaged, %zu not "
		    "triaged, %zu from the cache\n",
		    lab, lab == 1 ? "" : "s", s.triaged, s.not_triaged,
		    ev->cached);
	pf_buf_addf(out, "  %-14s%10s%10s%11s%13s\n", "", "said TP", "said FP",
		    "uncertain", "not triaged");
	for (int l = 0; l < 2; l++)
		pf_buf_addf(out, "  %-14s%10zu%10zu%11zu%13zu\n",
			    l ? "labelled FP" : "labelled TP", ev->all.m[l][0],
			    ev->all.m[l][1], ev->all.m[l][2], ev->all.m[l][3]);
	pf_buf_addstr(out, "  accuracy ");
	share(out, s.correct, s.triaged);
	pf_buf_addstr(out, "  uncertain ");
	share(out, s.uncertain, s.triaged);
	pf_buf_addstr(out, "\n  FP calls right ");
	share(out, s.said_fp_right, s.said_fp);
	pf_buf_addstr(out, "  FPs caught ");
	share(out, s.fp_caught, s.fp);
	pf_buf_addstr(out, "  TPs kept ");
	share(out, s.tp_kept, s.tp);
	pf_buf_addch(out, '\n');
	if (s.not_triaged)
		pf_buf_addf(out,
			    "  %zu not triaged: the figures above rest on the "
			    "%zu triaged (why: the \"pushfix: LLM:\" lines; a "
			    "large set may need a larger [llm] budget)\n",
			    s.not_triaged, s.triaged);

	pf_buf_addf(out, "\n  %-9s%9s%5s%5s  %-18s  %-18s  %s\n", "per CWE",
		    "findings", "TP", "FP", "accuracy", "FPs caught",
		    "TPs kept");
	for (size_t i = 0; i < ev->cwe_nr; i++) {
		const struct pf_eval_counts *c = &ev->cwe[i];
		struct pf_buf name = PF_BUF_INIT;

		shares_of(&s, c);
		if (ev->cwe_ids[i])
			pf_buf_addf(&name, "CWE-%u", ev->cwe_ids[i]);
		else
			pf_buf_addstr(&name, "(none)");
		pf_buf_addf(out, "  %-9s%9zu%5zu%5zu", name.buf, c->findings,
			    c->label_tp, c->label_fp);
		cell(out, s.correct, s.triaged, 18);
		cell(out, s.fp_caught, s.fp, 18);
		cell(out, s.tp_kept, s.tp, 18);
		pf_buf_rtrim(out);
		pf_buf_addch(out, '\n');
		pf_buf_release(&name);
	}

	pf_buf_addf(out,
		    "\nfixes: %zu offered, %zu verified by re-scan, "
		    "%zu refused\n",
		    ev->fix_offered, ev->fix_verified, ev->fix_refused);
	pf_buf_addstr(out, "  still compiling ");
	if (ev->have_cc)
		share(out, ev->fix_compiled, ev->fix_compile_base);
	else
		pf_buf_addstr(out, "not checked (no cc)");
	pf_buf_addstr(out, "  marked line gone ");
	share(out, ev->fix_tp_gone, ev->fix_tp);
	pf_buf_addch(out, '\n');

	if (ev->raw_done) {
		pf_buf_addf(out,
			    "\nanonymised vs raw (--compare-raw): verdicts "
			    "agree ");
		share(out, ev->raw_agree, ev->raw_answered);
		pf_buf_addf(out, "; %zu of %zu raw requests answered\n",
			    ev->raw_answered, ev->raw_asked);
	}
	pf_buf_addf(out,
		    "\nrequests: %zu sent (%zu failed), tokens %.0f in, %.0f "
		    "out; latency median %.0f ms, p95 %.0f ms; cost ",
		    ev->requests, ev->req_failed, ev->tokens_in, ev->tokens_out,
		    ev->lat_median, ev->lat_p95);
	if (ev->price_in >= 0 && ev->price_out >= 0)
		pf_buf_addf(out, "%.4f\n", cost(ev));
	else
		pf_buf_addstr(out, "not known ([llm] price_in, price_out)\n");
}

static void add_counts(cJSON *o, const struct pf_eval_counts *c)
{
	struct shares s;
	cJSON *m = cJSON_AddObjectToObject(o, "confusion");

	shares_of(&s, c);
	cJSON_AddNumberToObject(o, "findings", (double)c->findings);
	cJSON_AddNumberToObject(o, "labelled_tp", (double)c->label_tp);
	cJSON_AddNumberToObject(o, "labelled_fp", (double)c->label_fp);
	for (int l = 0; l < 2; l++) {
		cJSON *row = cJSON_AddObjectToObject(m, l ? "labelled_fp"
							  : "labelled_tp");

		cJSON_AddNumberToObject(row, "said_tp", (double)c->m[l][0]);
		cJSON_AddNumberToObject(row, "said_fp", (double)c->m[l][1]);
		cJSON_AddNumberToObject(row, "uncertain", (double)c->m[l][2]);
		cJSON_AddNumberToObject(row, "not_triaged", (double)c->m[l][3]);
	}
	cJSON_AddNumberToObject(o, "triaged", (double)s.triaged);
	cJSON_AddNumberToObject(o, "not_triaged", (double)s.not_triaged);
#define RATIO(name, a, b)                                                      \
	do {                                                                   \
		if (b)                                                         \
			cJSON_AddNumberToObject(o, name,                       \
						(double)(a) / (double)(b));    \
		else                                                           \
			cJSON_AddNullToObject(o, name);                        \
	} while (0)
	RATIO("accuracy", s.correct, s.triaged);
	RATIO("fp_call_precision", s.said_fp_right, s.said_fp);
	RATIO("fp_caught", s.fp_caught, s.fp);
	RATIO("tp_kept", s.tp_kept, s.tp);
	RATIO("uncertain_rate", s.uncertain, s.triaged);
#undef RATIO
}

void pf_eval_json(struct pf_buf *out, const struct pf_eval *ev,
		  const char *version)
{
	cJSON *o = cJSON_CreateObject(), *d, *sc, *t, *cw, *fx, *rq, *sk;
	char *s;

	cJSON_AddStringToObject(o, "pushfix", version);
	cJSON_AddStringToObject(o, "prompt_version", PF_LLM_PROMPT_VERSION);
	cJSON_AddStringToObject(o, "provider", ev->provider);
	cJSON_AddStringToObject(o, "model", ev->model);
	cJSON_AddStringToObject(o, "scanner", ev->engine);
	cJSON_AddStringToObject(o, "date", ev->date);
	d = cJSON_AddObjectToObject(o, "dataset");
	cJSON_AddStringToObject(d, "format", ev->jsonl ? "jsonl" : "castle");
	cJSON_AddStringToObject(d, "sha256", ev->digest);
	cJSON_AddNumberToObject(d, "programs", (double)ev->progs_nr);
	sk = cJSON_AddArrayToObject(d, "skipped");
	for (const char *p = ev->skipped.buf, *nl; p && *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			break;
		s = pf_xstrndup(p, (size_t)(nl - p));
		cJSON_AddItemToArray(sk, cJSON_CreateString(s));
		free(s);
	}
	sc = cJSON_AddObjectToObject(o, "scanner_figures");
	cJSON_AddNumberToObject(sc, "findings", (double)ev->findings);
	cJSON_AddNumberToObject(sc, "unlabelled", (double)ev->unlabelled);
	cJSON_AddNumberToObject(sc, "true_positives", (double)ev->all.label_tp);
	cJSON_AddNumberToObject(sc, "false_positives",
				(double)ev->all.label_fp);
	cJSON_AddNumberToObject(sc, "labelled_lines", (double)ev->marks_tp);
	cJSON_AddNumberToObject(sc, "labelled_lines_found",
				(double)ev->marks_hit);
	t = cJSON_AddObjectToObject(o, "triage");
	add_counts(t, &ev->all);
	cJSON_AddNumberToObject(t, "cached", (double)ev->cached);
	cw = cJSON_AddArrayToObject(o, "per_cwe");
	for (size_t i = 0; i < ev->cwe_nr; i++) {
		cJSON *c = cJSON_CreateObject();

		if (ev->cwe_ids[i])
			cJSON_AddNumberToObject(c, "cwe", ev->cwe_ids[i]);
		else
			cJSON_AddNullToObject(c, "cwe");
		add_counts(c, &ev->cwe[i]);
		cJSON_AddItemToArray(cw, c);
	}
	fx = cJSON_AddObjectToObject(o, "fixes");
	cJSON_AddNumberToObject(fx, "offered", (double)ev->fix_offered);
	cJSON_AddNumberToObject(fx, "verified", (double)ev->fix_verified);
	cJSON_AddNumberToObject(fx, "refused", (double)ev->fix_refused);
	if (ev->have_cc) {
		cJSON_AddNumberToObject(fx, "compile_checked",
					(double)ev->fix_compile_base);
		cJSON_AddNumberToObject(fx, "compiling",
					(double)ev->fix_compiled);
	} else {
		cJSON_AddNullToObject(fx, "compile_checked");
		cJSON_AddNullToObject(fx, "compiling");
	}
	cJSON_AddNumberToObject(fx, "on_true_positives", (double)ev->fix_tp);
	cJSON_AddNumberToObject(fx, "marked_line_gone",
				(double)ev->fix_tp_gone);
	rq = cJSON_AddObjectToObject(o, "requests");
	cJSON_AddNumberToObject(rq, "sent", (double)ev->requests);
	cJSON_AddNumberToObject(rq, "failed", (double)ev->req_failed);
	cJSON_AddNumberToObject(rq, "tokens_in", ev->tokens_in);
	cJSON_AddNumberToObject(rq, "tokens_out", ev->tokens_out);
	cJSON_AddNumberToObject(rq, "latency_median_ms", ev->lat_median);
	cJSON_AddNumberToObject(rq, "latency_p95_ms", ev->lat_p95);
	if (ev->price_in >= 0 && ev->price_out >= 0)
		cJSON_AddNumberToObject(rq, "cost", cost(ev));
	else
		cJSON_AddNullToObject(rq, "cost");
	if (ev->raw_done) {
		cJSON *raw = cJSON_AddObjectToObject(o, "compare_raw");

		cJSON_AddNumberToObject(raw, "asked", (double)ev->raw_asked);
		cJSON_AddNumberToObject(raw, "answered",
					(double)ev->raw_answered);
		cJSON_AddNumberToObject(raw, "agree", (double)ev->raw_agree);
		if (ev->raw_answered)
			cJSON_AddNumberToObject(
				raw, "agreement",
				(double)ev->raw_agree /
					(double)ev->raw_answered);
		else
			cJSON_AddNullToObject(raw, "agreement");
	}
	s = cJSON_Print(o);
	pf_buf_addstr(out, s);
	pf_buf_addch(out, '\n');
	free(s);
	cJSON_Delete(o);
}
