/*
 * findlog: the local record of what pushes and scans found, with their
 * triage, and the feedback PR replies gave (findlog.h).  `pushfix
 * findings` and `pushfix log --feedback` read it.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cJSON.h>

#include "pushfix/buf.h"
#include "pushfix/diff.h"
#include "pushfix/err.h"
#include "pushfix/findlog.h"
#include "pushfix/fs.h"
#include "pushfix/json.h"
#include "pushfix/pipeline.h"
#include "pushfix/store.h"
#include "pushfix/util.h"

static void iso_time(char out[32], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void add_str(cJSON *o, const char *key, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, key, v);
	else
		cJSON_AddNullToObject(o, key);
}

static void add_line(struct pf_buf *out, cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);

	if (s) {
		pf_buf_addstr(out, s);
		pf_buf_addch(out, '\n');
	}
	free(s);
}

static cJSON *new_record(const char *type, time_t now)
{
	cJSON *o = cJSON_CreateObject();
	char when[32];

	iso_time(when, now);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddNumberToObject(o, "ts", (double)now);
	cJSON_AddStringToObject(o, "time", when);
	return o;
}

/*
 * Past PF_FINDLOG_MAX, keep the newest whole lines within half of it:
 * the record is a memory of recent work, not an archive.
 */
static int trim(const char *state_dir)
{
	struct pf_buf path = PF_BUF_INIT, data = PF_BUF_INIT;
	struct stat st;
	const char *keep;
	int ret;

	ret = pf_store_path(&path, state_dir, PF_FINDLOG_NAME);
	if (ret || stat(path.buf, &st) || (size_t)st.st_size <= PF_FINDLOG_MAX)
		goto out;
	ret = pf_buf_read_file(&data, path.buf, 2 * PF_FINDLOG_MAX);
	if (ret)
		goto out;
	keep = data.buf + data.len - PF_FINDLOG_MAX / 2;
	keep = memchr(keep, '\n', (size_t)(data.buf + data.len - keep));
	keep = keep ? keep + 1 : data.buf + data.len;
	ret = pf_write_file_atomic(path.buf, keep,
				   (size_t)(data.buf + data.len - keep), 0600);
out:
	pf_buf_release(&path);
	pf_buf_release(&data);
	return ret;
}

/*
 * What the developer made of it, and where its code is: the blob as
 * pushed, so that `pushfix eval --export` can write the file as it was
 * when the answer was given (the lines move on later).
 */
static void record_answer(cJSON *o, const struct pf_run *run,
			  const struct pf_finding *f)
{
	static const char *const answers[] = {
		[PF_ANSWER_NONE] = NULL,
		[PF_ANSWER_APPLIED] = "applied",
		[PF_ANSWER_ACCEPTED] = "accepted",
		[PF_ANSWER_SKIPPED] = "skipped",
		[PF_ANSWER_IGNORED] = "ignored",
	};
	const struct pf_changed_file *cf =
		f->path ? pf_changeset_find(&run->cs, f->path) : NULL;

	add_str(o, "answer", answers[f->answer]);
	add_str(o, "feedback",
		f->triage.feedback > 0	 ? "agree"
		: f->triage.feedback < 0 ? "disagree"
					 : NULL);
	add_str(o, "cwe", f->cwe);
	add_str(o, "blob",
		cf && strspn(cf->blob_oid, "0") != strlen(cf->blob_oid)
			? cf->blob_oid
			: NULL);
}

int pf_findings_record(struct pf_run *run)
{
	struct pf_buf lines = PF_BUF_INIT;
	time_t now = time(NULL);
	int ret = 0;

	/* Monitored findings ([rules] monitor) after the others: recorded
	 * with their mode, never triaged. */
	for (size_t i = 0; i < run->findings.nr + run->monitored.nr; i++) {
		const struct pf_finding *f =
			i < run->findings.nr
				? &run->findings.v[i]
				: &run->monitored.v[i - run->findings.nr];
		const struct pf_triage *t = &f->triage;
		cJSON *o = new_record("finding", now);

		cJSON_AddStringToObject(o, "source",
					run->remote_name ? "push" : "scan");
		add_str(o, "rule", f->rule_id);
		add_str(o, "path", f->path);
		cJSON_AddNumberToObject(o, "line", f->start.line);
		cJSON_AddStringToObject(o, "fingerprint", f->fingerprint);
		cJSON_AddStringToObject(o, "severity",
					pf_severity_name(f->severity));
		if (t->verdict != PF_VERDICT_NONE) {
			cJSON_AddStringToObject(o, "verdict",
						pf_verdict_name(t->verdict));
			cJSON_AddNumberToObject(o, "confidence", t->confidence);
		} else {
			cJSON_AddNullToObject(o, "verdict");
			cJSON_AddNullToObject(o, "confidence");
		}
		add_str(o, "component", t->component);
		if (f->mode != PF_MODE_DEFAULT)
			add_str(o, "mode", pf_mode_name(f->mode));
		/* A credential's reason may quote it: not even locally. */
		add_str(o, "reason", f->secret ? NULL : t->reason);
		record_answer(o, run, f);
		add_line(&lines, o);
		cJSON_Delete(o);
	}
	if (lines.len)
		ret = pf_store_append(run->state_dir, PF_FINDLOG_NAME,
				      lines.buf, lines.len, 0);
	if (!ret)
		ret = trim(run->state_dir);
	pf_buf_release(&lines);
	return ret;
}

/* Call fn on every parseable record of the log, oldest first; a missing
 * log has none. */
static int each_record(const char *state_dir,
		       int (*fn)(const cJSON *rec, void *data), void *data)
{
	struct pf_buf path = PF_BUF_INIT, text = PF_BUF_INIT;
	char *line, *end;
	struct stat st;
	int ret;

	ret = pf_store_path(&path, state_dir, PF_FINDLOG_NAME);
	if (ret || stat(path.buf, &st))
		goto out;
	ret = pf_buf_read_file(&text, path.buf, 2 * PF_FINDLOG_MAX);
	if (ret)
		goto out;
	for (line = text.buf; line && line < text.buf + text.len;
	     line = end ? end + 1 : NULL) {
		cJSON *rec;

		end = memchr(line, '\n', (size_t)(text.buf + text.len - line));
		rec = cJSON_ParseWithLength(
			line, end ? (size_t)(end - line)
				  : (size_t)(text.buf + text.len - line));
		if (!cJSON_IsObject(rec)) {
			cJSON_Delete(rec);
			continue;
		}
		ret = fn(rec, data);
		cJSON_Delete(rec);
		if (ret)
			break;
	}
	if (ret > 0)
		ret = 0;
out:
	pf_buf_release(&path);
	pf_buf_release(&text);
	return ret;
}

static int is_type(const cJSON *rec, const char *type)
{
	const char *t = pf_json_str(rec, "type");

	return t && !strcmp(t, type);
}

/* The newest finding record of each fingerprint, in order of last sight. */
struct latest {
	cJSON *recs;
	const struct pf_findlog_filter *f;
};

static int take_latest(const cJSON *rec, void *data)
{
	struct latest *l = data;
	const char *fp = pf_json_str(rec, "fingerprint");
	cJSON *it;

	if (!is_type(rec, "finding") || !fp)
		return 0;
	cJSON_ArrayForEach (it, l->recs)
		if (!strcmp(pf_json_str(it, "fingerprint"), fp)) {
			cJSON_DetachItemViaPointer(l->recs, it);
			cJSON_Delete(it);
			break;
		}
	cJSON_AddItemToArray(l->recs, cJSON_Duplicate(rec, 1));
	return 0;
}

static int matches(const cJSON *rec, const struct pf_findlog_filter *f)
{
	const char *v = pf_json_str(rec, "verdict");
	const char *c = pf_json_str(rec, "component");
	const char *r = pf_json_str(rec, "rule");
	const char *m = pf_json_str(rec, "mode");
	const cJSON *ts = cJSON_GetObjectItemCaseSensitive(rec, "ts");

	if (f->verdict && strcmp(v ? v : "none", f->verdict))
		return 0;
	if (f->component && (!c || strcmp(c, f->component)))
		return 0;
	if (f->rule && (!r || fnmatch(f->rule, r, 0)))
		return 0;
	if (f->mode && strcmp(m ? m : "default", f->mode))
		return 0;
	if (f->since && (!cJSON_IsNumber(ts) || ts->valuedouble < f->since))
		return 0;
	return 1;
}

static void show_one(struct pf_buf *out, const cJSON *rec)
{
	const cJSON *conf = cJSON_GetObjectItemCaseSensitive(rec, "confidence");
	const cJSON *line = cJSON_GetObjectItemCaseSensitive(rec, "line");
	const char *when = pf_json_str(rec, "time");
	const char *v = pf_json_str(rec, "verdict");
	const char *c = pf_json_str(rec, "component");
	const char *reason = pf_json_str(rec, "reason");
	const char *src = pf_json_str(rec, "source");
	const char *mode = pf_json_str(rec, "mode");

	pf_buf_addf(out, "%.10s %-4s %s", when ? when : "?", src ? src : "?",
		    v ? v : "not triaged");
	if (v && cJSON_IsNumber(conf))
		pf_buf_addf(out, " (%.0f%%)", conf->valuedouble * 100);
	if (c)
		pf_buf_addf(out, " [%s]", c);
	if (mode)
		pf_buf_addf(out, " mode %s", mode);
	pf_buf_addf(out, "  %s:%d  %s\n", pf_json_str(rec, "path"),
		    cJSON_IsNumber(line) ? line->valueint : 0,
		    pf_json_str(rec, "rule"));
	if (reason)
		pf_buf_addf(out, "    %s\n", reason);
}

int pf_findlog_show(struct pf_buf *out, const char *state_dir,
		    const struct pf_findlog_filter *f)
{
	struct latest l = { cJSON_CreateArray(), f };
	const cJSON *it;
	int ret;

	ret = each_record(state_dir, take_latest, &l);
	if (!ret)
		cJSON_ArrayForEach (it, l.recs) {
			if (!matches(it, f))
				continue;
			if (f->json)
				add_line(out, (cJSON *)it);
			else
				show_one(out, it);
		}
	cJSON_Delete(l.recs);
	return ret;
}

struct seen {
	const struct pf_feedback *fb;
	int found;
};

static int find_reply(const cJSON *rec, void *data)
{
	struct seen *s = data;
	const char *forge = pf_json_str(rec, "forge");
	const char *reply = pf_json_str(rec, "reply");

	if (is_type(rec, "feedback") && forge && reply &&
	    !strcmp(forge, s->fb->forge) && !strcmp(reply, s->fb->reply)) {
		s->found = 1;
		return 1;
	}
	return 0;
}

int pf_findlog_feedback(const char *state_dir, const struct pf_feedback *fb)
{
	struct seen s = { fb, 0 };
	struct pf_buf line = PF_BUF_INIT;
	cJSON *o;
	int ret;

	ret = each_record(state_dir, find_reply, &s);
	if (ret || s.found)
		return ret ? ret : 1;
	o = new_record("feedback", time(NULL));
	add_str(o, "fingerprint", fb->fingerprint);
	add_str(o, "rule", fb->rule);
	add_str(o, "path", fb->path);
	cJSON_AddStringToObject(o, "feedback",
				fb->agree ? "agree" : "disagree");
	add_str(o, "reason", fb->reason && *fb->reason ? fb->reason : NULL);
	add_str(o, "author", fb->author);
	add_str(o, "forge", fb->forge);
	add_str(o, "reply", fb->reply);
	add_line(&line, o);
	cJSON_Delete(o);
	ret = pf_store_append(state_dir, PF_FINDLOG_NAME, line.buf, line.len,
			      0);
	pf_buf_release(&line);
	return ret;
}

struct verdict_of {
	const char *fp;
	enum pf_verdict v;
	char *rule, *path;
};

static int take_verdict(const cJSON *rec, void *data)
{
	struct verdict_of *vo = data;
	const char *fp = pf_json_str(rec, "fingerprint");
	const char *v = pf_json_str(rec, "verdict");

	if (!is_type(rec, "finding") || !fp || strcmp(fp, vo->fp))
		return 0;
	free(vo->rule);
	free(vo->path);
	vo->rule = pf_xstrdup_or_null(pf_json_str(rec, "rule"));
	vo->path = pf_xstrdup_or_null(pf_json_str(rec, "path"));
	vo->v = !v			       ? PF_VERDICT_NONE
		: !strcmp(v, "true_positive")  ? PF_VERDICT_TRUE_POSITIVE
		: !strcmp(v, "false_positive") ? PF_VERDICT_FALSE_POSITIVE
		: !strcmp(v, "uncertain")      ? PF_VERDICT_UNCERTAIN
					       : PF_VERDICT_NONE;
	return 0;
}

enum pf_verdict pf_findlog_verdict(const char *state_dir,
				   const char *fingerprint, char **rule,
				   char **path)
{
	struct verdict_of vo = { fingerprint, PF_VERDICT_NONE, NULL, NULL };

	if (each_record(state_dir, take_verdict, &vo))
		pf_error_clear();
	if (rule)
		*rule = vo.rule;
	else
		free(vo.rule);
	if (path)
		*path = vo.path;
	else
		free(vo.path);
	return vo.v;
}

/* {"rule": [agree, disagree]} */
static int count_feedback(const cJSON *rec, void *data)
{
	cJSON *rates = data, *r;
	const char *rule = pf_json_str(rec, "rule");
	const char *fb = pf_json_str(rec, "feedback");
	int agree;

	if (!is_type(rec, "feedback") || !fb)
		return 0;
	agree = !strcmp(fb, "agree");
	if (!rule)
		rule = "(unknown rule)";
	r = cJSON_GetObjectItemCaseSensitive(rates, rule);
	if (!r) {
		int zero[2] = { 0, 0 };

		r = cJSON_CreateIntArray(zero, 2);
		cJSON_AddItemToObject(rates, rule, r);
	}
	r = cJSON_GetArrayItem(r, agree ? 0 : 1);
	cJSON_SetNumberValue(r, r->valuedouble + 1);
	return 0;
}

int pf_findlog_feedback_rates(struct pf_buf *out, const char *state_dir,
			      int json)
{
	cJSON *rates = cJSON_CreateObject();
	const cJSON *it;
	int ret;

	ret = each_record(state_dir, count_feedback, rates);
	if (ret)
		goto out;
	cJSON_ArrayForEach (it, rates) {
		int a = cJSON_GetArrayItem(it, 0)->valueint;
		int d = cJSON_GetArrayItem(it, 1)->valueint;

		if (json) {
			cJSON *o = cJSON_CreateObject();

			cJSON_AddStringToObject(o, "rule", it->string);
			cJSON_AddNumberToObject(o, "agree", a);
			cJSON_AddNumberToObject(o, "disagree", d);
			cJSON_AddNumberToObject(o, "agreement",
						(double)a / (a + d));
			add_line(out, o);
			cJSON_Delete(o);
			continue;
		}
		if (!out->len)
			pf_buf_addf(out, "%-40s %5s %8s  %s\n", "rule", "agree",
				    "disagree", "agreement");
		pf_buf_addf(out, "%-40s %5d %8d  %3.0f%%\n", it->string, a, d,
			    100.0 * a / (a + d));
	}
out:
	cJSON_Delete(rates);
	return ret;
}
