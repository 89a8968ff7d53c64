/*
 * `pushfix eval --export DIR`: the findings the developer decided on
 * (fix applied, ignored, agreed or disagreed with) as a JSONL dataset
 * with the files as they were, for `pushfix eval` (eval.h).
 *
 * The labels come from people: the LLM's verdict counts only through a
 * person's agree or disagree, or eval would measure the model against
 * itself.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <dirent.h>
#include <time.h>

#include <cJSON.h>

#include "pushfix/decision.h"
#include "pushfix/err.h"
#include "pushfix/eval.h"
#include "pushfix/findlog.h"
#include "pushfix/fs.h"
#include "pushfix/json.h"
#include "pushfix/secret.h"
#include "pushfix/store.h"
#include "pushfix/util.h"

int pf_eval_label_of(enum pf_eval_decision d, enum pf_verdict v)
{
	int said_tp = v == PF_VERDICT_TRUE_POSITIVE;

	switch (d) {
	case PF_EVAL_APPLIED:
		return 1;
	case PF_EVAL_IGNORED:
		return 0;
	case PF_EVAL_AGREE:
	case PF_EVAL_DISAGREE:
		/* "uncertain" or no verdict: agreeing says nothing. */
		if (v != PF_VERDICT_TRUE_POSITIVE &&
		    v != PF_VERDICT_FALSE_POSITIVE)
			return -1;
		return d == PF_EVAL_AGREE ? said_tp : !said_tp;
	case PF_EVAL_SKIPPED:
		break;
	}
	return -1;
}

/* One finding record: where a fingerprint was seen, and in which blob. */
struct rec {
	char fp[65];
	char *path, *rule, *blob;
	unsigned cwe;
	uint32_t line;
	time_t ts;
	enum pf_verdict verdict;
	int secret; /* pushfix's own credential finding */
};

/* One labelled decision. */
struct event {
	char fp[65];
	time_t ts;
	size_t seq; /* order read: the later of two at one second wins */
	int tp;
	const char *how; /* static: "applied", "ignored", ... */
	char *where;	 /* an ignore's own "path (rule)", or NULL */
};

/* One record of the export, its file still to be written. */
struct item {
	const struct rec *r;
	const struct event *e;
	char *out_path; /* under DIR/files */
	git_blob *blob;
};

struct ctx {
	const struct pf_eval_export_opts *o;
	struct pf_eval_export_result *res;
	struct rec *recs;
	size_t recs_nr, recs_alloc;
	struct event *evs;
	size_t evs_nr, evs_alloc;
	struct item *items;
	size_t items_nr, items_alloc;
};

static int is_fp(const char *s)
{
	return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static enum pf_verdict verdict_of(const char *v)
{
	if (!v)
		return PF_VERDICT_NONE;
	if (!strcmp(v, "true_positive"))
		return PF_VERDICT_TRUE_POSITIVE;
	if (!strcmp(v, "false_positive"))
		return PF_VERDICT_FALSE_POSITIVE;
	if (!strcmp(v, "uncertain"))
		return PF_VERDICT_UNCERTAIN;
	return PF_VERDICT_NONE;
}

/* The first CWE number of "CWE-120: ...; CWE-20: ...", or 0. */
static unsigned first_cwe(const char *s)
{
	const char *c = s ? strcasestr(s, "CWE-") : NULL;
	unsigned long u = 0;

	if (!c)
		return 0;
	for (c += 4; *c >= '0' && *c <= '9' && u <= 100000; c++)
		u = u * 10 + (unsigned long)(*c - '0');
	return u <= 100000 ? (unsigned)u : 0;
}

static struct event *add_event(struct ctx *c, const char *fp, time_t ts,
			       enum pf_eval_decision d, enum pf_verdict v,
			       const char *how)
{
	int tp = pf_eval_label_of(d, v);
	struct event *e;

	if (tp < 0 || (c->o->since && ts < c->o->since))
		return NULL;
	PF_ALLOC_GROW(c->evs, c->evs_nr + 1, c->evs_alloc);
	e = &c->evs[c->evs_nr];
	memcpy(e->fp, fp, 65);
	e->ts = ts;
	e->seq = c->evs_nr++;
	e->tp = tp;
	e->how = how;
	e->where = NULL;
	return e;
}

/* "path (rule)" of an ignore, for the line that says it was skipped. */
static void set_where(struct event *e, const char *path, const char *rule)
{
	struct pf_buf w = PF_BUF_INIT;

	if (!e)
		return;
	pf_buf_addf(&w, "%s (%s)", path ? path : "?", rule ? rule : "?");
	e->where = pf_buf_detach(&w, NULL);
}

/* The newest verdict recorded for fp so far (feedback follows it). */
static enum pf_verdict verdict_before(const struct ctx *c, const char *fp)
{
	for (size_t i = c->recs_nr; i-- > 0;)
		if (!strcmp(c->recs[i].fp, fp))
			return c->recs[i].verdict;
	return PF_VERDICT_NONE;
}

/* A line for stderr: what was left out, and why. */
static void note(struct ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void note(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pf_buf_vaddf(&c->res->notes, fmt, ap);
	va_end(ap);
	pf_buf_addch(&c->res->notes, '\n');
}

static const char *finding_record(struct ctx *c, const cJSON *o, time_t ts)
{
	const cJSON *line = cJSON_GetObjectItemCaseSensitive(o, "line");
	const char *fp = pf_json_str(o, "fingerprint"),
		   *path = pf_json_str(o, "path"),
		   *answer = pf_json_str(o, "answer"),
		   *fb = pf_json_str(o, "feedback"),
		   *blob = pf_json_str(o, "blob");
	struct rec *r;

	if (!is_fp(fp))
		return "no fingerprint";
	if (!path || !*path)
		return "no path";
	if (!cJSON_IsNumber(line) || line->valuedouble < 1 ||
	    line->valuedouble > 1e9)
		return "no line number";
	PF_ALLOC_GROW(c->recs, c->recs_nr + 1, c->recs_alloc);
	r = &c->recs[c->recs_nr++];
	memset(r, 0, sizeof(*r));
	memcpy(r->fp, fp, 65);
	r->path = pf_xstrdup(path);
	r->rule = pf_xstrdup_or_null(pf_json_str(o, "rule"));
	r->blob = blob && strlen(blob) == 40 ? pf_xstrdup(blob) : NULL;
	r->cwe = first_cwe(pf_json_str(o, "cwe"));
	r->line = (uint32_t)line->valuedouble;
	r->ts = ts;
	r->verdict = verdict_of(pf_json_str(o, "verdict"));
	r->secret = r->rule && pf_starts_with(r->rule, PF_SECRET_RULE_PREFIX);
	c->res->records++;
	/* The answer after the feedback: at one moment, the deliberate
	 * act (a fix written, an ignore) is the last word. */
	if (fb)
		add_event(c, fp, ts,
			  !strcmp(fb, "agree") ? PF_EVAL_AGREE
					       : PF_EVAL_DISAGREE,
			  r->verdict,
			  !strcmp(fb, "agree") ? "agree" : "disagree");
	if (answer &&
	    (!strcmp(answer, "applied") || !strcmp(answer, "accepted")))
		add_event(c, fp, ts, PF_EVAL_APPLIED, r->verdict, "applied");
	else if (answer && !strcmp(answer, "ignored"))
		add_event(c, fp, ts, PF_EVAL_IGNORED, r->verdict, "ignored");
	return NULL;
}

static const char *feedback_record(struct ctx *c, const cJSON *o, time_t ts)
{
	const char *fp = pf_json_str(o, "fingerprint");
	const char *fb = pf_json_str(o, "feedback");
	int agree;

	if (!is_fp(fp))
		return "no fingerprint";
	if (!fb || (strcmp(fb, "agree") && strcmp(fb, "disagree")))
		return "no feedback: agree|disagree";
	agree = !strcmp(fb, "agree");
	add_event(c, fp, ts, agree ? PF_EVAL_AGREE : PF_EVAL_DISAGREE,
		  verdict_before(c, fp), agree ? "agree" : "disagree");
	return NULL;
}

/* One line of findings.log: NULL, or why it cannot be read. */
static const char *line_why(struct ctx *c, const char *s, size_t n)
{
	cJSON *o;
	const cJSON *ts;
	const char *type, *why = NULL;

	if (strspn(s, " \t\r") >= n)
		return NULL;
	o = cJSON_ParseWithLength(s, n);
	ts = cJSON_GetObjectItemCaseSensitive(o, "ts");
	type = pf_json_str(o, "type");
	if (!cJSON_IsObject(o))
		why = "not a JSON object";
	else if (!cJSON_IsNumber(ts))
		why = "no \"ts\"";
	else if (type && !strcmp(type, "finding"))
		why = finding_record(c, o, (time_t)ts->valuedouble);
	else if (type && !strcmp(type, "feedback"))
		why = feedback_record(c, o, (time_t)ts->valuedouble);
	cJSON_Delete(o);
	return why;
}

/* findings.log, a line at a time: a bad line is named and skipped. */
static int read_findlog(struct ctx *c)
{
	struct pf_buf path = PF_BUF_INIT, text = PF_BUF_INIT;
	const char *s, *e;
	size_t lineno = 0;
	struct stat st;
	int ret = pf_store_path(&path, c->o->state_dir, PF_FINDLOG_NAME);

	if (ret || stat(path.buf, &st))
		goto out;
	ret = pf_buf_read_file(&text, path.buf, 2 * PF_FINDLOG_MAX);
	if (ret)
		goto out;
	for (s = text.buf, e = text.buf + text.len; s < e; lineno++) {
		const char *nl = memchr(s, '\n', (size_t)(e - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(e - s);
		const char *why = line_why(c, s, n);

		s += n + (nl ? 1 : 0);
		if (!why)
			continue;
		c->res->bad++;
		note(c, "skipped %s line %zu: %s", path.buf, lineno + 1, why);
	}
out:
	pf_buf_release(&path);
	pf_buf_release(&text);
	return ret;
}

/* The local decision store: every entry an ignore, dated. */
static void read_decisions(struct ctx *c)
{
	struct pf_decisions ds = PF_DECISIONS_INIT;

	if (pf_decisions_load(&ds, c->o->state_dir)) {
		note(c, "skipped the decision store: %s", pf_error_last());
		pf_error_clear();
		return;
	}
	for (size_t i = 0; i < ds.nr; i++) {
		struct tm tm;
		const char *end;

		memset(&tm, 0, sizeof(tm));
		end = ds.v[i].date ? strptime(ds.v[i].date,
					      "%Y-%m-%dT%H:%M:%SZ", &tm)
				   : NULL;
		set_where(add_event(c, ds.v[i].fingerprint,
				    end ? timegm(&tm) : 0, PF_EVAL_IGNORED,
				    PF_VERDICT_NONE, "ignored"),
			  ds.v[i].path, ds.v[i].rule_id);
	}
	pf_decisions_release(&ds);
}

/*
 * The team's .pushfix/ignore (the working tree's, else HEAD's).  Its
 * entries carry no date: they stand as of HEAD's commit.
 */
static void read_shared(struct ctx *c)
{
	struct pf_shared_ignores si = PF_SHARED_IGNORES_INIT;
	struct pf_buf data = PF_BUF_INIT, warn = PF_BUF_INIT;
	git_object *head = NULL;
	char tip[GIT_OID_HEXSZ + 1] = "";
	time_t when = time(NULL);

	if (!git_revparse_single(&head, c->o->repo, "HEAD^{commit}")) {
		git_oid_tostr(tip, sizeof(tip), git_object_id(head));
		when = (time_t)git_commit_time((git_commit *)head);
	}
	git_error_clear();
	if (pf_decision_shared_read(&data, c->o->repo,
				    c->o->worktree ? NULL : tip,
				    c->o->worktree)) {
		note(c, "skipped %s: %s", PF_SHARED_IGNORE_FILE,
		     pf_error_last());
		pf_error_clear();
		goto out;
	}
	pf_decision_shared_parse(&si, data.buf, data.len, &warn);
	pf_buf_add(&c->res->notes, warn.buf, warn.len);
	for (size_t i = 0; i < si.nr; i++)
		set_where(add_event(c, si.v[i].fingerprint, when,
				    PF_EVAL_IGNORED, PF_VERDICT_NONE,
				    "ignored (.pushfix/ignore)"),
			  si.v[i].path, si.v[i].rule_id);
out:
	git_object_free(head);
	pf_shared_ignores_release(&si);
	pf_buf_release(&data);
	pf_buf_release(&warn);
}

static int cmp_event(const void *a, const void *b)
{
	const struct event *x = a, *y = b;
	int d = strcmp(x->fp, y->fp);

	if (d)
		return d;
	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Where the decision was made: the newest record of fp with a blob at or
 * before it, else the newest with a blob, else any (then no file).
 */
static const struct rec *record_of(const struct ctx *c, const struct event *e)
{
	const struct rec *best = NULL, *later = NULL, *any = NULL;

	for (size_t i = 0; i < c->recs_nr; i++) {
		const struct rec *r = &c->recs[i];

		if (strcmp(r->fp, e->fp))
			continue;
		any = r;
		if (!r->blob)
			continue;
		if (r->ts <= e->ts)
			best = r;
		else
			later = r;
	}
	return best ? best : later ? later : any;
}

/* Repository-relative and plain: no "", ".", ".." component. */
static int plain_path(const char *p)
{
	if (*p == '/')
		return 0;
	while (*p) {
		size_t n = strcspn(p, "/");

		if (!n || (n == 1 && *p == '.') ||
		    (n == 2 && !strncmp(p, "..", 2)))
			return 0;
		p += n;
		if (*p == '/' && !*++p)
			return 0;
	}
	return 1;
}

/* Is one of the two paths a directory the other lies in ("a", "a/b")?
 * Records of different commits can hold both, and no tree can. */
static int dir_clash(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > lb)
		return dir_clash(b, a);
	return la < lb && !memcmp(a, b, la) && b[la] == '/';
}

/* The path under DIR/files: the record's own, unless another version of
 * that file is there already, or a file where it needs a directory (or
 * the reverse). */
static char *out_path_for(const struct ctx *c, const struct rec *r)
{
	struct pf_buf p = PF_BUF_INIT;
	int taken = 0;

	for (size_t i = 0; i < c->items_nr; i++) {
		const struct rec *o = c->items[i].r;

		if (dir_clash(c->items[i].out_path, r->path))
			taken = 1;
		if (strcmp(o->path, r->path))
			continue;
		if (!strcmp(o->blob, r->blob))
			return pf_xstrdup(c->items[i].out_path);
		taken = 1;
	}
	if (!taken)
		return pf_xstrdup(r->path);
	pf_buf_addf(&p, "v-%.12s/%s", r->blob, r->path);
	return pf_buf_detach(&p, NULL);
}

/* Is `blob` one a credential finding was recorded in? */
static int holds_secret(const struct ctx *c, const char *blob)
{
	for (size_t i = 0; i < c->recs_nr; i++)
		if (c->recs[i].secret && c->recs[i].blob &&
		    !strcmp(c->recs[i].blob, blob))
			return 1;
	return 0;
}

static void take(struct ctx *c, const struct event *e)
{
	const struct rec *r = record_of(c, e);
	git_oid oid;
	git_blob *blob = NULL;
	struct item *it;
	char what[256];

	if (!r || !r->blob || !plain_path(r->path)) {
		c->res->skipped_unknown++;
		if (r)
			snprintf(what, sizeof(what), "%s:%u (%s)", r->path,
				 r->line, r->rule ? r->rule : "?");
		else
			snprintf(what, sizeof(what), "%s",
				 e->where ? e->where : e->fp);
		note(c,
		     "skipped %s, %s: no record of the file it was found in "
		     "(decided before pushfix kept one)",
		     what, e->how);
		return;
	}
	snprintf(what, sizeof(what), "%s:%u (%s)", r->path, r->line,
		 r->rule ? r->rule : "?");
	/* No LLM ever saw it, and its file holds a credential. */
	if (r->secret) {
		c->res->skipped_secret++;
		note(c,
		     "skipped %s: a credential finding (never sent to an "
		     "LLM; its file is not copied)",
		     what);
		return;
	}
	/* Nor is any file that holds one, whatever else was found in it:
	 * a push the credential stopped may never have sent it anywhere. */
	if (holds_secret(c, r->blob)) {
		c->res->skipped_secret_file++;
		note(c,
		     "skipped %s, %s: its file as scanned holds a credential "
		     "(pushfix.secret.*), so it is not copied",
		     what, e->how);
		return;
	}
	if (git_oid_fromstr(&oid, r->blob) ||
	    git_blob_lookup(&blob, c->o->repo, &oid)) {
		git_error_clear();
		c->res->skipped_gone++;
		note(c,
		     "skipped %s: its file as scanned (blob %.12s) is not in "
		     "this repository (gc'ed, or found in another clone)",
		     what, r->blob);
		return;
	}
	PF_ALLOC_GROW(c->items, c->items_nr + 1, c->items_alloc);
	it = &c->items[c->items_nr];
	it->r = r;
	it->e = e;
	it->blob = blob;
	it->out_path = out_path_for(c, r);
	c->items_nr++;
}

/* Per fingerprint, the latest decision; both labels seen: a conflict. */
static void decide(struct ctx *c)
{
	if (c->evs_nr)
		qsort(c->evs, c->evs_nr, sizeof(*c->evs), cmp_event);
	for (size_t i = 0; i < c->evs_nr;) {
		size_t j = i;
		int seen[2] = { 0, 0 };

		for (; j < c->evs_nr && !strcmp(c->evs[j].fp, c->evs[i].fp);
		     j++)
			seen[c->evs[j].tp] = 1;
		c->res->decisions++;
		if (seen[0] && seen[1])
			c->res->conflicts++;
		take(c, &c->evs[j - 1]);
		i = j;
	}
}

static int cmp_item(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int d = strcmp(x->out_path, y->out_path);

	if (d)
		return d;
	return x->r->line < y->r->line ? -1 : x->r->line > y->r->line;
}

/* DIR must be new or empty: stale files would join the dataset. */
static int check_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int ret = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
			ret = pf_error_setc(PF_EINVALID,
					    "'%s' is not empty: export into "
					    "a new directory",
					    dir);
			break;
		}
	closedir(d);
	return ret;
}

static void add_record(struct pf_buf *out, const struct item *it)
{
	cJSON *o = cJSON_CreateObject();
	char *s;

	cJSON_AddStringToObject(o, "path", it->out_path);
	cJSON_AddNumberToObject(o, "line", it->r->line);
	if (it->r->rule)
		cJSON_AddStringToObject(o, "rule_id", it->r->rule);
	cJSON_AddStringToObject(o, "label",
				it->e->tp ? "true_positive" : "false_positive");
	if (it->r->cwe)
		cJSON_AddNumberToObject(o, "cwe", it->r->cwe);
	/* Not read by eval: where the label came from, for a person. */
	cJSON_AddStringToObject(o, "decision", it->e->how);
	cJSON_AddStringToObject(o, "fingerprint", it->r->fp);
	s = cJSON_PrintUnformatted(o);
	pf_buf_addstr(out, s);
	pf_buf_addch(out, '\n');
	cJSON_free(s);
	cJSON_Delete(o);
}

/* One file of the export under DIR/files, its directories first (0700:
 * it is code). */
static int write_file(const char *dir, const char *rel, const void *data,
		      size_t len)
{
	struct pf_buf p = PF_BUF_INIT;
	const char *base = strrchr(rel, '/');
	int ret;

	pf_buf_addf(&p, "%s/files", dir);
	if (base)
		pf_buf_addf(&p, "/%.*s", (int)(base - rel), rel);
	ret = pf_mkdir_p(p.buf, 0700);
	pf_buf_addf(&p, "/%s", base ? base + 1 : rel);
	if (!ret)
		ret = pf_write_file_atomic(p.buf, data, len, 0600);
	pf_buf_release(&p);
	return ret;
}

static int write_export(struct ctx *c)
{
	struct pf_buf jsonl = PF_BUF_INIT, p = PF_BUF_INIT;
	int ret;

	qsort(c->items, c->items_nr, sizeof(*c->items), cmp_item);
	ret = pf_mkdir_p(c->o->dir, 0700);
	for (size_t i = 0; !ret && i < c->items_nr; i++) {
		const struct item *it = &c->items[i];

		add_record(&jsonl, it);
		c->res->exported++;
		*(it->e->tp ? &c->res->tp : &c->res->fp) += 1;
		/* Sorted: the same file follows itself. */
		if (i && !strcmp(c->items[i - 1].out_path, it->out_path))
			continue;
		ret = write_file(c->o->dir, it->out_path,
				 git_blob_rawcontent(it->blob),
				 (size_t)git_blob_rawsize(it->blob));
		c->res->files++;
	}
	if (!ret) {
		pf_buf_addf(&p, "%s/findings.jsonl", c->o->dir);
		ret = pf_write_file_atomic(p.buf, jsonl.buf, jsonl.len, 0600);
	}
	pf_buf_release(&jsonl);
	pf_buf_release(&p);
	return ret;
}

int pf_eval_export(struct pf_eval_export_result *out,
		   const struct pf_eval_export_opts *opts)
{
	struct ctx c;
	int ret;

	memset(out, 0, sizeof(*out));
	pf_buf_init(&out->notes);
	memset(&c, 0, sizeof(c));
	c.o = opts;
	c.res = out;
	ret = check_dir(opts->dir);
	if (!ret)
		ret = read_findlog(&c);
	if (ret)
		goto out;
	read_decisions(&c);
	read_shared(&c);
	decide(&c);
	if (c.items_nr)
		ret = write_export(&c);
out:
	for (size_t i = 0; i < c.items_nr; i++) {
		git_blob_free(c.items[i].blob);
		free(c.items[i].out_path);
	}
	for (size_t i = 0; i < c.recs_nr; i++) {
		free(c.recs[i].path);
		free(c.recs[i].rule);
		free(c.recs[i].blob);
	}
	for (size_t i = 0; i < c.evs_nr; i++)
		free(c.evs[i].where);
	free(c.items);
	free(c.recs);
	free(c.evs);
	return ret;
}

void pf_eval_export_release(struct pf_eval_export_result *r)
{
	if (r)
		pf_buf_release(&r->notes);
}
