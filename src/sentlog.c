/*
 * sentlog: the local log of what was sent to an LLM (sentlog.h), which
 * `pushfix log` shows.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/json.h"
#include "pushfix/redact.h"
#include "pushfix/secret.h"
#include "pushfix/sentlog.h"
#include "pushfix/store.h"
#include "pushfix/util.h"

#define LOG_NAME "sent.log"
#define LOG_CAP ((size_t)1 << 30) /* what show/prune read at most */

void pf_sentlog_path(struct pf_buf *out, const char *state_dir)
{
	pf_buf_reset(out);
	pf_buf_addf(out, "%s/%s", state_dir, LOG_NAME);
}

static void iso_time(char out[32], time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* A JSON value if the text parses as one, else a JSON string. */
static cJSON *json_or_string(const char *s, size_t len)
{
	cJSON *j;

	if (!s)
		return cJSON_CreateNull();
	j = cJSON_ParseWithLength(s, len);
	if (j)
		return j;
	{
		/* cJSON strings are NUL-terminated: bodies with NULs are cut
		 * there, which only loses what no JSON body holds. */
		char *copy = pf_xstrndup(s, len);

		j = cJSON_CreateString(copy);
		free(copy);
	}
	return j;
}

/*
 * [privacy] log_vault keeps the placeholder map for the developer, but a
 * credential's original is never written whole, not even locally (issue
 * 11): its prefix and length say enough to recognise it.
 */
static cJSON *mask_secrets(cJSON *vault)
{
	cJSON *it;

	cJSON_ArrayForEach (it, vault) {
		cJSON *cat = cJSON_GetObjectItemCaseSensitive(it, "category");
		cJSON *orig = cJSON_GetObjectItemCaseSensitive(it, "original");
		struct pf_buf m = PF_BUF_INIT;

		if (!cJSON_IsString(cat) ||
		    strcmp(cat->valuestring, "SECRET") || !cJSON_IsString(orig))
			continue;
		pf_secret_mask_value(&m, orig->valuestring,
				     strlen(orig->valuestring));
		cJSON_ReplaceItemInObjectCaseSensitive(
			it, "original", cJSON_CreateString(m.buf));
		pf_buf_release(&m);
	}
	return vault;
}

/* Append len bytes in one write(2); `sync`: fsync before returning (what
 * is about to be sent must be on disk first).  Messages "<path>: <why>". */
static int append_json(const char *state_dir, cJSON *o)
{
	char *s = cJSON_PrintUnformatted(o);
	struct pf_buf line = PF_BUF_INIT;
	int ret;

	if (!s)
		return pf_error_set("cannot format a log record");
	pf_buf_addstr(&line, s);
	pf_buf_addch(&line, '\n');
	ret = pf_store_append(state_dir, LOG_NAME, line.buf, line.len, 0);
	free(s);
	pf_buf_release(&line);
	return ret;
}

static void make_id(char id[17], const struct pf_sentlog_entry *e, time_t t)
{
	static unsigned counter;
	struct pf_buf b = PF_BUF_INIT;
	char hex[65];
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	pf_buf_addf(&b, "%lld.%ld.%d.%u.", (long long)t, ts.tv_nsec,
		    (int)getpid(),
		    __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
	if (e->request)
		pf_buf_add(&b, e->request, e->request_len);
	pf_sha256_hex(hex, b.buf, b.len);
	memcpy(id, hex, 16);
	id[16] = '\0';
	pf_buf_release(&b);
}

static void add_str_or_null(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

/* The members a request and a sending record share, up to the
 * fingerprint; `id` receives the record's id. */
static cJSON *record_head(const struct pf_sentlog_entry *e, const char *type,
			  char id[17])
{
	cJSON *o = cJSON_CreateObject();
	time_t t = e->time ? e->time : time(NULL);
	char when[32];

	if (e->id && strlen(e->id) == 16)
		memcpy(id, e->id, 17);
	else
		make_id(id, e, t);
	iso_time(when, t);
	cJSON_AddStringToObject(o, "type", type);
	cJSON_AddStringToObject(o, "id", id);
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddNumberToObject(o, "ts", (double)t);
	add_str_or_null(o, "host", e->host);
	add_str_or_null(o, "provider", e->provider);
	add_str_or_null(o, "model", e->model);
	/* only request records name the prompt version: one per request */
	if (!strcmp(type, "request"))
		add_str_or_null(o, "prompt_version", e->prompt_version);
	add_str_or_null(o, "fingerprint", e->fingerprint);
	return o;
}

int pf_sentlog_sending(const char *state_dir, const struct pf_sentlog_entry *e,
		       size_t nr, char (*ids)[17])
{
	struct pf_buf lines = PF_BUF_INIT;
	int ret = 0;

	for (size_t i = 0; i < nr && !ret; i++) {
		cJSON *o = record_head(&e[i], "sending", ids[i]);
		char *s;

		cJSON_AddNumberToObject(o, "bytes", (double)e[i].request_len);
		cJSON_AddItemToObject(
			o, "request",
			json_or_string(e[i].request, e[i].request_len));
		s = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
		if (!s) {
			ret = pf_error_set("cannot format a log record");
			break;
		}
		pf_buf_addstr(&lines, s);
		pf_buf_addch(&lines, '\n');
		free(s);
	}
	if (!ret && lines.len)
		ret = pf_store_append(state_dir, LOG_NAME, lines.buf, lines.len,
				      1);
	pf_buf_release(&lines);
	return ret;
}

int pf_sentlog_append(const char *state_dir, const struct pf_sentlog_entry *e,
		      int log_vault, char id_out[17])
{
	char id[17];
	cJSON *o = record_head(e, "request", id);
	int ret;

	cJSON_AddNumberToObject(o, "status", e->status);
	cJSON_AddNumberToObject(o, "duration_ms", (double)(long)e->duration_ms);
	add_str_or_null(o, "error", e->error);
	cJSON_AddNumberToObject(o, "bytes", (double)e->request_len);
	cJSON_AddItemToObject(o, "request",
			      json_or_string(e->request, e->request_len));
	cJSON_AddItemToObject(o, "answer",
			      json_or_string(e->answer, e->answer_len));
	if (log_vault && e->vault) {
		struct pf_buf v = PF_BUF_INIT;

		pf_vault_to_json(e->vault, &v);
		cJSON_AddItemToObject(
			o, "vault", mask_secrets(json_or_string(v.buf, v.len)));
		pf_buf_release(&v);
	}
	ret = append_json(state_dir, o);
	cJSON_Delete(o);
	if (!ret && id_out)
		memcpy(id_out, id, 17);
	return ret;
}

int pf_sentlog_feedback(const char *state_dir, const char *id,
			const char *feedback)
{
	cJSON *o = cJSON_CreateObject();
	time_t t = time(NULL);
	char when[32];
	int ret;

	iso_time(when, t);
	cJSON_AddStringToObject(o, "type", "feedback");
	cJSON_AddStringToObject(o, "id", id ? id : "");
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddNumberToObject(o, "ts", (double)t);
	cJSON_AddStringToObject(o, "feedback", feedback ? feedback : "");
	ret = append_json(state_dir, o);
	cJSON_Delete(o);
	return ret;
}

/*
 * The "ts" of a record line without parsing it all: we write it among
 * the first members.  -1 when the line is not one of our records (a line
 * cut by a crash, or junk).
 */
static long long line_ts(const char *s, size_t n)
{
	const char *k;
	size_t lim = n < 512 ? n : 512;
	long long v = 0;
	int digits = 0;

	if (n < 2 || s[0] != '{' || s[n - 1] != '}')
		return -1;
	k = memmem(s, lim, "\"ts\":", 5);
	if (!k)
		return -1;
	for (k += 5; k < s + n && *k >= '0' && *k <= '9'; k++, digits++)
		v = v * 10 + (*k - '0');
	return digits ? v : -1;
}

int pf_sentlog_prune(const char *state_dir, unsigned retention_days, time_t now,
		     size_t *dropped)
{
	struct pf_buf path = PF_BUF_INIT, b = PF_BUF_INIT, keep = PF_BUF_INIT;
	long long cutoff;
	size_t nd = 0;
	int ret = 0;

	if (dropped)
		*dropped = 0;
	if (!retention_days)
		return 0;
	if (!now)
		now = time(NULL);
	cutoff = (long long)now - (long long)retention_days * 86400;
	pf_sentlog_path(&path, state_dir);
	/* The usual case costs one small read: the oldest record is young
	 * enough, nothing to drop. */
	{
		int fd = open(path.buf, O_RDONLY | O_CLOEXEC);
		char head[4096];
		ssize_t r;

		if (fd < 0) {
			if (errno != ENOENT)
				ret = pf_error_set("cannot open '%s': %s",
						   path.buf, strerror(errno));
			goto out;
		}
		r = read(fd, head, sizeof(head));
		close(fd);
		if (r <= 0)
			goto out;
		{
			const char *nl = memchr(head, '\n', (size_t)r);
			size_t n = nl ? (size_t)(nl - head) : (size_t)r;
			char *fix = pf_xstrndup(head, n);
			long long ts;

			/* a first line longer than the buffer: its head is
			 * enough for "ts", but it does not end in '}' */
			if (!nl && n && fix[0] == '{')
				fix[n - 1] = '}';
			ts = line_ts(fix, n);
			free(fix);
			if (ts >= cutoff)
				goto out;
		}
	}
	ret = pf_buf_read_file(&b, path.buf, LOG_CAP);
	if (ret)
		goto out;
	for (size_t pos = 0; pos < b.len;) {
		const char *nl = memchr(b.buf + pos, '\n', b.len - pos);
		size_t n = nl ? (size_t)(nl - (b.buf + pos)) : b.len - pos;
		long long ts = line_ts(b.buf + pos, n);

		if (ts >= cutoff) {
			pf_buf_add(&keep, b.buf + pos, n);
			pf_buf_addch(&keep, '\n');
		} else if (n) {
			nd++;
		}
		pos += n + 1;
	}
	if (nd)
		ret = pf_write_file_atomic(path.buf, keep.buf, keep.len, 0600);
	if (!ret && dropped)
		*dropped = nd;
out:
	pf_buf_release(&path);
	pf_buf_release(&b);
	pf_buf_release(&keep);
	return ret;
}

/* ---- show ---- */

/* A string member for the one-line summary: "?" when missing. */
static const char *str_or_q(const cJSON *o, const char *k)
{
	const char *s = pf_json_str(o, k);

	return s ? s : "?";
}

static double jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle);
}

static int matches_grep(const cJSON *o, const char *line, const char *grep)
{
	static const char *const keys[] = { "host", "provider", "model",
					    "fingerprint" };

	if (!grep)
		return 1;
	for (size_t i = 0; i < PF_ARRAY_SIZE(keys); i++)
		if (contains(pf_json_str(o, keys[i]), grep))
			return 1;
	/* request and answer: their JSON text, as on disk */
	return strstr(line, grep) != NULL;
}

static void add_pretty(struct pf_buf *out, const char *label, const cJSON *v)
{
	char *s;

	pf_buf_addf(out, "  %s:\n", label);
	if (!v || cJSON_IsNull(v)) {
		pf_buf_addstr(out, "    (none)\n");
		return;
	}
	/* A JSON body whose message content is itself JSON text: print the
	 * body as it was sent, indented. */
	s = cJSON_IsString(v) ? pf_xstrdup(v->valuestring) : cJSON_Print(v);
	if (!s)
		return;
	pf_buf_addstr(out, "    ");
	for (const char *c = s; *c; c++) {
		pf_buf_addch(out, *c);
		if (*c == '\n' && c[1])
			pf_buf_addstr(out, "    ");
	}
	pf_buf_addch(out, '\n');
	free(s);
}

/* With the bodies, what the summary line leaves out: which prompt, which
 * finding, how long. */
static void add_meta(struct pf_buf *out, const cJSON *o)
{
	if (pf_json_str(o, "prompt_version"))
		pf_buf_addf(out, "  prompt version: %s\n",
			    pf_json_str(o, "prompt_version"));
	if (pf_json_str(o, "fingerprint"))
		pf_buf_addf(out, "  finding: %s\n",
			    pf_json_str(o, "fingerprint"));
	if (cJSON_GetObjectItemCaseSensitive(o, "duration_ms"))
		pf_buf_addf(out, "  duration: %.0f ms\n",
			    jnum(o, "duration_ms"));
}

struct rec {
	cJSON *o;
	const char *line; /* into the file buffer, NUL-terminated copy */
	size_t len;
	int sending; /* a sending record (its request record may follow) */
};

/* Drop the sending records whose request record follows: that one says
 * all.  What is left was sent with no answer recorded. */
static size_t drop_answered(struct rec *reqs, size_t nreq)
{
	size_t o = 0;

	for (size_t i = 0; i < nreq; i++) {
		const char *id = pf_json_str(reqs[i].o, "id");
		size_t j = nreq;

		if (reqs[i].sending && id)
			for (j = i + 1; j < nreq; j++)
				if (!reqs[j].sending &&
				    pf_json_str(reqs[j].o, "id") &&
				    !strcmp(pf_json_str(reqs[j].o, "id"), id))
					break;
		if (j < nreq) {
			cJSON_Delete(reqs[i].o);
			continue;
		}
		reqs[o++] = reqs[i];
	}
	return o;
}

int pf_sentlog_show(struct pf_buf *out, const char *state_dir,
		    const struct pf_sentlog_filter *f)
{
	struct pf_buf path = PF_BUF_INIT, b = PF_BUF_INIT;
	struct rec *reqs = NULL, *fbs = NULL;
	size_t nreq = 0, areq = 0, nfb = 0, afb = 0, first = 0;
	struct pf_sentlog_filter none;
	int ret;

	if (!f) {
		memset(&none, 0, sizeof(none));
		f = &none;
	}
	pf_sentlog_path(&path, state_dir);
	ret = pf_buf_read_file(&b, path.buf, LOG_CAP);
	if (ret) {
		if (access(path.buf, F_OK)) {
			pf_error_clear();
			ret = 0; /* nothing sent yet */
		}
		goto out;
	}
	/* Split in place: each line becomes a C string. */
	for (size_t pos = 0; pos < b.len;) {
		char *line = b.buf + pos;
		char *nl = memchr(line, '\n', b.len - pos);
		size_t n = nl ? (size_t)(nl - line) : b.len - pos;
		cJSON *o;
		const char *type;

		line[n] = '\0';
		pos += n + 1;
		o = cJSON_ParseWithLength(line, n);
		if (!o)
			continue; /* a torn line */
		type = pf_json_str(o, "type");
		if (type && !strcmp(type, "feedback")) {
			PF_ALLOC_GROW(fbs, nfb + 1, afb);
			fbs[nfb++] = (struct rec){ o, line, n, 0 };
			continue;
		}
		if (!type ||
		    (strcmp(type, "request") && strcmp(type, "sending")) ||
		    (f->since && jnum(o, "ts") < (double)f->since) ||
		    (f->id && (!pf_json_str(o, "id") ||
			       !pf_starts_with(pf_json_str(o, "id"), f->id))) ||
		    !matches_grep(o, line, f->grep)) {
			cJSON_Delete(o);
			continue;
		}
		PF_ALLOC_GROW(reqs, nreq + 1, areq);
		reqs[nreq++] =
			(struct rec){ o, line, n, !strcmp(type, "sending") };
	}
	nreq = drop_answered(reqs, nreq);
	if (f->limit && nreq > f->limit)
		first = nreq - f->limit;
	for (size_t i = first; i < nreq; i++) {
		const cJSON *o = reqs[i].o;
		const char *id = pf_json_str(o, "id");
		const char *feedback = NULL;
		const cJSON *req =
			cJSON_GetObjectItemCaseSensitive(o, "request");
		size_t sent = 0;

		for (size_t k = 0; k < nfb; k++)
			if (id && pf_json_str(fbs[k].o, "id") &&
			    !strcmp(pf_json_str(fbs[k].o, "id"), id)) {
				feedback = pf_json_str(fbs[k].o, "feedback");
				if (f->json) {
					pf_buf_add(out, fbs[k].line,
						   fbs[k].len);
					pf_buf_addch(out, '\n');
				}
			}
		if (f->json) {
			pf_buf_add(out, reqs[i].line, reqs[i].len);
			pf_buf_addch(out, '\n');
			continue;
		}
		if (cJSON_GetObjectItemCaseSensitive(o, "bytes")) {
			sent = (size_t)jnum(o, "bytes");
		} else if (req) {
			char *s = cJSON_IsString(req)
					  ? pf_xstrdup(req->valuestring)
					  : cJSON_PrintUnformatted(req);

			sent = s ? strlen(s) : 0;
			free(s);
		}
		pf_buf_addf(out, "%s  %s  %s  %s/%s  %d  %zu bytes sent",
			    str_or_q(o, "time"), id ? id : "?",
			    str_or_q(o, "host"), str_or_q(o, "provider"),
			    str_or_q(o, "model"), (int)jnum(o, "status"), sent);
		if (pf_json_str(o, "error"))
			pf_buf_addf(out, "  error: %s",
				    pf_json_str(o, "error"));
		else if (reqs[i].sending)
			pf_buf_addstr(out, "  error: no answer recorded");
		if (feedback)
			pf_buf_addf(out, "  [%s]", feedback);
		pf_buf_addch(out, '\n');
		if (f->full) {
			add_meta(out, o);
			add_pretty(out, "request", req);
			add_pretty(
				out, "answer",
				cJSON_GetObjectItemCaseSensitive(o, "answer"));
			if (cJSON_GetObjectItemCaseSensitive(o, "vault"))
				add_pretty(out, "vault (kept locally only)",
					   cJSON_GetObjectItemCaseSensitive(
						   o, "vault"));
		}
	}
out:
	for (size_t i = 0; i < nreq; i++)
		cJSON_Delete(reqs[i].o);
	for (size_t i = 0; i < nfb; i++)
		cJSON_Delete(fbs[i].o);
	free(reqs);
	free(fbs);
	pf_buf_release(&path);
	pf_buf_release(&b);
	return ret;
}
