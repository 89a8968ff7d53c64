/*
 * The outbox: one JSON file per pushed branch under <state_dir>/outbox/,
 * claimed with flock on a sibling lock file, removed only once posted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/outbox.h"
#include "pushfix/store.h"
#include "pushfix/util.h"

#define ENTRY_CAP (64u << 20)

void pf_outbox_entry_init(struct pf_outbox_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->lock_fd = -1;
}

void pf_outbox_finding_release(struct pf_outbox_finding *f)
{
	if (!f)
		return;
	free(f->fingerprint);
	free(f->rule_id);
	free(f->path);
	free(f->severity);
	free(f->message);
	free(f->cwe);
	free(f->verdict);
	free(f->reason);
	free(f->component);
	free(f->triage_error);
	free(f->fix.replacement);
	free(f->fix.origin);
	free(f->fix.state);
	memset(f, 0, sizeof(*f));
}

static void unclaim(struct pf_outbox_entry *e)
{
	if (e->lock_fd >= 0) {
		flock(e->lock_fd, LOCK_UN);
		close(e->lock_fd);
	}
	e->lock_fd = -1;
}

void pf_outbox_entry_release(struct pf_outbox_entry *e)
{
	if (!e)
		return;
	unclaim(e);
	for (size_t i = 0; i < e->nr; i++)
		pf_outbox_finding_release(&e->findings[i]);
	free(e->findings);
	free(e->id);
	free(e->remote_name);
	free(e->remote_url);
	free(e->branch);
	free(e->pr_url);
	free(e->last_error);
	free(e->file);
	free(e->lock_file);
	pf_outbox_entry_init(e);
}

struct pf_outbox_finding *pf_outbox_entry_add(struct pf_outbox_entry *e)
{
	struct pf_outbox_finding *f;

	PF_ALLOC_GROW(e->findings, e->nr + 1, e->alloc);
	f = &e->findings[e->nr++];
	memset(f, 0, sizeof(*f));
	return f;
}

/* ---- JSON ---- */

static void add_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
	else
		cJSON_AddNullToObject(o, k);
}

void pf_outbox_entry_to_json(struct pf_buf *out,
			     const struct pf_outbox_entry *e)
{
	cJSON *root = cJSON_CreateObject(), *arr;
	char *text;

	cJSON_AddNumberToObject(root, "version", PF_OUTBOX_VERSION);
	add_str(root, "id", e->id);
	cJSON_AddNumberToObject(root, "created", (double)e->created);
	add_str(root, "remote_name", e->remote_name);
	add_str(root, "remote_url", e->remote_url ? e->remote_url : "");
	add_str(root, "branch", e->branch);
	add_str(root, "sha", e->sha);
	cJSON_AddBoolToObject(root, "forge_done", e->forge_done);
	cJSON_AddBoolToObject(root, "slack_done", e->slack_done);
	add_str(root, "pr_url", e->pr_url);
	cJSON_AddNumberToObject(root, "not_before", (double)e->not_before);
	cJSON_AddNumberToObject(root, "attempts", e->attempts);
	add_str(root, "last_error", e->last_error);
	cJSON_AddNumberToObject(root, "last_attempt", (double)e->last_attempt);
	cJSON_AddBoolToObject(root, "failed", e->failed);
	arr = cJSON_AddArrayToObject(root, "findings");
	for (size_t i = 0; i < e->nr; i++) {
		const struct pf_outbox_finding *f = &e->findings[i];
		cJSON *o = cJSON_CreateObject();

		add_str(o, "fingerprint", f->fingerprint);
		add_str(o, "rule_id", f->rule_id);
		add_str(o, "path", f->path);
		cJSON_AddNumberToObject(o, "start_line", f->start_line);
		cJSON_AddNumberToObject(o, "end_line", f->end_line);
		add_str(o, "severity", f->severity);
		add_str(o, "message", f->message);
		add_str(o, "cwe", f->cwe);
		add_str(o, "verdict", f->verdict);
		cJSON_AddNumberToObject(o, "confidence", f->confidence);
		add_str(o, "reason", f->reason);
		if (f->component)
			add_str(o, "component", f->component);
		add_str(o, "triage_error", f->triage_error);
		cJSON_AddNumberToObject(o, "feedback", f->feedback);
		if (f->has_fix) {
			cJSON *x = cJSON_AddObjectToObject(o, "fix");

			cJSON_AddNumberToObject(x, "start_line",
						f->fix.start_line);
			cJSON_AddNumberToObject(x, "end_line", f->fix.end_line);
			add_str(x, "replacement",
				f->fix.replacement ? f->fix.replacement : "");
			add_str(x, "origin", f->fix.origin);
			add_str(x, "state", f->fix.state);
		} else {
			cJSON_AddNullToObject(o, "fix");
		}
		cJSON_AddItemToArray(arr, o);
	}
	text = cJSON_Print(root);
	pf_buf_addstr(out, text);
	pf_buf_addch(out, '\n');
	cJSON_free(text);
	cJSON_Delete(root);
}

struct jctx {
	const char *origin;
	char where[96];
};

static int field_error(const struct jctx *c, const char *name, const char *what)
{
	return pf_error_setc(PF_EINVALID, "outbox entry '%s': '%s%s' %s",
			     c->origin, c->where, name, what);
}

/* Required (or optional: may be absent or null) string. */
static int get_str(char **out, const cJSON *o, const char *k,
		   const struct jctx *c, int required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!v || cJSON_IsNull(v)) {
		if (required)
			return field_error(c, k, "is missing or not a string");
		return 0;
	}
	if (!cJSON_IsString(v))
		return field_error(c, k, "is missing or not a string");
	free(*out);
	*out = pf_xstrdup(v->valuestring);
	return 0;
}

static int get_num(double *out, const cJSON *o, const char *k,
		   const struct jctx *c, int required, double lo, double hi)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!v || cJSON_IsNull(v)) {
		if (required)
			return field_error(c, k, "is missing or not a number");
		return 0;
	}
	if (!cJSON_IsNumber(v))
		return field_error(c, k, "is missing or not a number");
	if (!(v->valuedouble >= lo && v->valuedouble <= hi))
		return field_error(c, k, "is out of range");
	*out = v->valuedouble;
	return 0;
}

static int get_line(uint32_t *out, const cJSON *o, const char *k,
		    const struct jctx *c)
{
	double d = 0;
	int ret = get_num(&d, o, k, c, 1, 1, 4294967295.0);

	if (ret)
		return ret;
	if (d != floor(d))
		return field_error(c, k, "is not a line number");
	*out = (uint32_t)d;
	return 0;
}

static int get_bool(int *out, const cJSON *o, const char *k,
		    const struct jctx *c)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!v || cJSON_IsNull(v))
		return 0;
	if (!cJSON_IsBool(v))
		return field_error(c, k, "is not true or false");
	*out = cJSON_IsTrue(v);
	return 0;
}

static int is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	if (n < min || n > max)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static int parse_finding(struct pf_outbox_finding *f, const cJSON *o,
			 struct jctx *c)
{
	const cJSON *fix;
	double d;
	int ret;

	if (!cJSON_IsObject(o))
		return field_error(c, "", "is not an object");
	if ((ret = get_str(&f->fingerprint, o, "fingerprint", c, 1)) ||
	    (ret = get_str(&f->rule_id, o, "rule_id", c, 1)) ||
	    (ret = get_str(&f->path, o, "path", c, 1)) ||
	    (ret = get_line(&f->start_line, o, "start_line", c)) ||
	    (ret = get_line(&f->end_line, o, "end_line", c)) ||
	    (ret = get_str(&f->severity, o, "severity", c, 1)) ||
	    (ret = get_str(&f->message, o, "message", c, 1)) ||
	    (ret = get_str(&f->cwe, o, "cwe", c, 0)) ||
	    (ret = get_str(&f->verdict, o, "verdict", c, 0)) ||
	    (ret = get_str(&f->reason, o, "reason", c, 0)) ||
	    (ret = get_str(&f->component, o, "component", c, 0)) ||
	    (ret = get_str(&f->triage_error, o, "triage_error", c, 0)))
		return ret;
	if (!is_hex(f->fingerprint, 8, 64))
		return field_error(c, "fingerprint", "is not a hex digest");
	if (!*f->path || f->path[0] == '/')
		return field_error(c, "path", "is not a repository path");
	if (f->end_line < f->start_line)
		return field_error(c, "end_line", "is before start_line");
	d = 0;
	if ((ret = get_num(&d, o, "confidence", c, 0, 0, 1)))
		return ret;
	f->confidence = d;
	d = 0;
	if ((ret = get_num(&d, o, "feedback", c, 0, -1, 1)))
		return ret;
	f->feedback = (int)d;
	fix = cJSON_GetObjectItemCaseSensitive(o, "fix");
	if (fix && !cJSON_IsNull(fix)) {
		size_t wl = strlen(c->where);

		if (!cJSON_IsObject(fix))
			return field_error(c, "fix", "is not an object");
		snprintf(c->where + wl, sizeof(c->where) - wl, "fix.");
		f->has_fix = 1;
		if ((ret = get_line(&f->fix.start_line, fix, "start_line",
				    c)) ||
		    (ret = get_line(&f->fix.end_line, fix, "end_line", c)) ||
		    (ret = get_str(&f->fix.replacement, fix, "replacement", c,
				   1)) ||
		    (ret = get_str(&f->fix.origin, fix, "origin", c, 0)) ||
		    (ret = get_str(&f->fix.state, fix, "state", c, 0)))
			return ret;
		if (f->fix.end_line < f->fix.start_line)
			return field_error(c, "end_line",
					   "is before start_line");
		c->where[wl] = '\0';
	}
	return 0;
}

int pf_outbox_entry_parse(struct pf_outbox_entry *out, const char *json,
			  size_t len, const char *origin)
{
	struct jctx c = { origin ? origin : "?", "" };
	cJSON *root = cJSON_ParseWithLength(json, len), *arr, *it;
	char *sha = NULL;
	double d = 0;
	int ret = 0;
	size_t i = 0;

	if (!root)
		return pf_error_setc(PF_EINVALID, "outbox entry '%s': not JSON",
				     c.origin);
	if (!cJSON_IsObject(root)) {
		ret = pf_error_setc(PF_EINVALID,
				    "outbox entry '%s': not a JSON object",
				    c.origin);
		goto out;
	}
	if ((ret = get_num(&d, root, "version", &c, 1, 1, 1e9)))
		goto out;
	if (d != PF_OUTBOX_VERSION) {
		ret = pf_error_setc(PF_EINVALID,
				    "outbox entry '%s': version %g is not "
				    "%d (written by another pushfix?)",
				    c.origin, d, PF_OUTBOX_VERSION);
		goto out;
	}
	if ((ret = get_str(&out->id, root, "id", &c, 0)) ||
	    (ret = get_str(&out->remote_name, root, "remote_name", &c, 0)) ||
	    (ret = get_str(&out->remote_url, root, "remote_url", &c, 1)) ||
	    (ret = get_str(&out->branch, root, "branch", &c, 1)) ||
	    (ret = get_str(&sha, root, "sha", &c, 1)) ||
	    (ret = get_bool(&out->forge_done, root, "forge_done", &c)) ||
	    (ret = get_bool(&out->slack_done, root, "slack_done", &c)) ||
	    (ret = get_str(&out->pr_url, root, "pr_url", &c, 0)) ||
	    (ret = get_str(&out->last_error, root, "last_error", &c, 0)) ||
	    (ret = get_bool(&out->failed, root, "failed", &c)))
		goto out;
	if (!is_hex(sha, 40, 40)) {
		ret = field_error(&c, "sha", "is not a commit id");
		goto out;
	}
	memcpy(out->sha, sha, 41);
	if (!*out->branch) {
		ret = field_error(&c, "branch", "is empty");
		goto out;
	}
	d = 0;
	if ((ret = get_num(&d, root, "created", &c, 0, 0, 1e15)))
		goto out;
	out->created = (long long)d;
	d = 0;
	if ((ret = get_num(&d, root, "not_before", &c, 0, 0, 1e15)))
		goto out;
	out->not_before = (long long)d;
	d = 0;
	if ((ret = get_num(&d, root, "attempts", &c, 0, 0, 1e9)))
		goto out;
	out->attempts = (unsigned)d;
	d = 0;
	if ((ret = get_num(&d, root, "last_attempt", &c, 0, 0, 1e15)))
		goto out;
	out->last_attempt = (long long)d;
	arr = cJSON_GetObjectItemCaseSensitive(root, "findings");
	if (!cJSON_IsArray(arr)) {
		ret = field_error(&c, "findings", "is missing or not an array");
		goto out;
	}
	cJSON_ArrayForEach (it, arr) {
		snprintf(c.where, sizeof(c.where), "findings[%zu].", i++);
		ret = parse_finding(pf_outbox_entry_add(out), it, &c);
		if (ret)
			goto out;
	}
out:
	free(sha);
	cJSON_Delete(root);
	return ret;
}

/* ---- files ---- */

int pf_outbox_dir(struct pf_buf *out, const char *state_dir)
{
	int ret = pf_store_path(out, state_dir, "outbox");

	if (ret)
		return ret;
	return pf_mkdir_p(out->buf, 0700);
}

/* A rename is durable only once its directory is synced. */
static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

static int valid_id(const char *id)
{
	if (!*id || strlen(id) > 120)
		return 0;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= 'A' && *p <= 'Z') || *p == '-' || *p == '_' ||
		      *p == '.'))
			return 0;
	return id[0] != '.';
}

int pf_outbox_add(const char *state_dir, struct pf_outbox_entry *e)
{
	static unsigned seq;
	struct pf_buf dir = PF_BUF_INIT, path = PF_BUF_INIT, json = PF_BUF_INIT;
	int ret;

	ret = pf_outbox_dir(&dir, state_dir);
	if (ret)
		goto out;
	if (!e->created)
		e->created = (long long)time(NULL);
	if (!e->id) {
		struct timeval tv;
		struct pf_buf id = PF_BUF_INIT;

		gettimeofday(&tv, NULL);
		/* fixed width, so that names sort by time */
		pf_buf_addf(&id, "%011lld.%06ld-%d-%u", (long long)tv.tv_sec,
			    (long)tv.tv_usec, (int)getpid(), seq++);
		e->id = pf_buf_detach(&id, NULL);
	}
	if (!valid_id(e->id)) {
		ret = pf_error_setc(PF_EINVALID, "bad outbox entry id '%s'",
				    e->id);
		goto out;
	}
	pf_buf_addf(&path, "%s/%s.json", dir.buf, e->id);
	pf_outbox_entry_to_json(&json, e);
	ret = pf_write_file_atomic(path.buf, json.buf, json.len, 0600);
	if (ret)
		goto out;
	sync_dir(dir.buf);
out:
	pf_buf_release(&dir);
	pf_buf_release(&path);
	pf_buf_release(&json);
	return ret;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void pf_outbox_ids_free(char **ids, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(ids[i]);
	free(ids);
}

int pf_outbox_list(char ***ids_out, size_t *nr_out, const char *state_dir)
{
	struct pf_buf dir = PF_BUF_INIT;
	char **ids = NULL;
	size_t nr = 0, alloc = 0;
	struct dirent *de;
	DIR *d;
	int ret;

	*ids_out = NULL;
	*nr_out = 0;
	ret = pf_store_path(&dir, state_dir, "outbox");
	if (ret)
		goto out;
	d = opendir(dir.buf);
	if (!d) {
		if (errno != ENOENT)
			ret = pf_error_set("cannot open '%s': %s", dir.buf,
					   strerror(errno));
		goto out;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (n <= 5 || strcmp(de->d_name + n - 5, ".json"))
			continue;
		PF_ALLOC_GROW(ids, nr + 1, alloc);
		ids[nr++] = pf_xstrndup(de->d_name, n - 5);
	}
	closedir(d);
	if (nr > 1)
		qsort(ids, nr, sizeof(*ids), cmp_str);
	*ids_out = ids;
	*nr_out = nr;
out:
	pf_buf_release(&dir);
	return ret;
}

/*
 * flock the lock file, and make sure it is still the file at that path:
 * a worker that finished may have unlinked it between our open and our
 * flock, and a lock on an unlinked file protects nothing.
 */
static int lock_entry(const char *lock_file, const char *id)
{
	for (int tries = 0; tries < 5; tries++) {
		struct stat a, b;
		int fd = open(lock_file, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0)
			return pf_error_set("cannot open '%s': %s", lock_file,
					    strerror(errno));
		if (flock(fd, LOCK_EX | LOCK_NB)) {
			char pid[32] = "";
			int err = errno;
			ssize_t n;

			if (err != EWOULDBLOCK && err != EINTR) {
				close(fd);
				return pf_error_set("cannot lock '%s': %s",
						    lock_file, strerror(err));
			}
			n = read(fd, pid, sizeof(pid) - 1);
			close(fd);
			pid[n > 0 ? n : 0] = '\0';
			pid[strcspn(pid, "\n")] = '\0';
			return pf_error_setc(PF_ETIMEOUT,
					     "entry %s is being posted by "
					     "another pushfix%s%s%s",
					     id, *pid ? " (pid " : "", pid,
					     *pid ? ")" : "");
		}
		if (fstat(fd, &a) == 0 && stat(lock_file, &b) == 0 &&
		    a.st_ino == b.st_ino && a.st_dev == b.st_dev) {
			char pid[32];
			int n = snprintf(pid, sizeof(pid), "%d\n",
					 (int)getpid());

			if (ftruncate(fd, 0) == 0 &&
			    write(fd, pid, (size_t)n) != n) {
				/* the pid is only for messages */
			}
			return fd;
		}
		close(fd);
	}
	return pf_error_setc(PF_ETIMEOUT,
			     "entry %s: its lock keeps "
			     "changing",
			     id);
}

int pf_outbox_claim(struct pf_outbox_entry *out, const char *state_dir,
		    const char *id)
{
	struct pf_buf dir = PF_BUF_INIT, data = PF_BUF_INIT;
	struct pf_buf file = PF_BUF_INIT, lock = PF_BUF_INIT;
	int fd = -1, ret;

	if (!valid_id(id))
		return pf_error_setc(PF_EINVALID, "bad outbox entry id '%s'",
				     id);
	ret = pf_outbox_dir(&dir, state_dir);
	if (ret)
		goto out;
	pf_buf_addf(&file, "%s/%s.json", dir.buf, id);
	pf_buf_addf(&lock, "%s/%s.lock", dir.buf, id);
	fd = lock_entry(lock.buf, id);
	if (fd < 0) {
		ret = fd;
		fd = -1;
		goto out;
	}
	ret = pf_buf_read_file(&data, file.buf, ENTRY_CAP);
	if (ret) {
		if (access(file.buf, F_OK) && errno == ENOENT) {
			/* posted by another worker meanwhile */
			unlink(lock.buf);
			ret = pf_error_setc(PF_ENOTFOUND, "entry %s is gone",
					    id);
		}
		goto out;
	}
	ret = pf_outbox_entry_parse(out, data.buf, data.len, file.buf);
	if (ret) {
		struct pf_buf bad = PF_BUF_INIT;

		pf_buf_addf(&bad, "%s/%s.bad", dir.buf, id);
		if (!rename(file.buf, bad.buf))
			pf_error_prefix(ret, "set aside as '%s'", bad.buf);
		unlink(lock.buf);
		pf_buf_release(&bad);
		goto out;
	}
	if (!out->id || strcmp(out->id, id)) {
		free(out->id);
		out->id = pf_xstrdup(id);
	}
	out->file = pf_buf_detach(&file, NULL);
	out->lock_file = pf_buf_detach(&lock, NULL);
	out->lock_fd = fd;
	fd = -1;
out:
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
	pf_buf_release(&dir);
	pf_buf_release(&data);
	pf_buf_release(&file);
	pf_buf_release(&lock);
	return ret;
}

int pf_outbox_save(struct pf_outbox_entry *e)
{
	struct pf_buf json = PF_BUF_INIT;
	int ret;

	if (e->lock_fd < 0 || !e->file)
		return pf_error_set("outbox entry %s is not claimed",
				    e->id ? e->id : "?");
	pf_outbox_entry_to_json(&json, e);
	ret = pf_write_file_atomic(e->file, json.buf, json.len, 0600);
	pf_buf_release(&json);
	return ret;
}

int pf_outbox_done(struct pf_outbox_entry *e)
{
	int ret = 0;

	if (e->lock_fd < 0 || !e->file)
		return pf_error_set("outbox entry %s is not claimed",
				    e->id ? e->id : "?");
	if (unlink(e->file) && errno != ENOENT)
		ret = pf_error_set("cannot remove '%s': %s", e->file,
				   strerror(errno));
	else {
		char *slash = strrchr(e->file, '/');

		/* the lock goes while we still hold it: see lock_entry() */
		unlink(e->lock_file);
		if (slash) {
			*slash = '\0';
			sync_dir(e->file);
			*slash = '/';
		}
	}
	unclaim(e);
	return ret;
}

int pf_outbox_read(struct pf_outbox_entry *out, const char *state_dir,
		   const char *id)
{
	struct pf_buf file = PF_BUF_INIT, data = PF_BUF_INIT;
	int ret;

	if (!valid_id(id))
		return pf_error_setc(PF_EINVALID, "bad outbox entry id '%s'",
				     id);
	/* not pf_store_path: reading creates nothing */
	pf_buf_addf(&file, "%s/outbox/%s.json", state_dir, id);
	ret = pf_buf_read_file(&data, file.buf, ENTRY_CAP);
	if (ret) {
		if (access(file.buf, F_OK) && errno == ENOENT)
			ret = pf_error_setc(PF_ENOTFOUND, "entry %s is gone",
					    id);
		goto out;
	}
	ret = pf_outbox_entry_parse(out, data.buf, data.len, file.buf);
	if (!ret && (!out->id || strcmp(out->id, id))) {
		free(out->id);
		out->id = pf_xstrdup(id);
	}
out:
	pf_buf_release(&file);
	pf_buf_release(&data);
	return ret;
}

void pf_outbox_summary_release(struct pf_outbox_summary *s)
{
	free(s->last_error);
	memset(s, 0, sizeof(*s));
}

int pf_outbox_summarise(struct pf_outbox_summary *s, const char *state_dir)
{
	struct pf_buf dir = PF_BUF_INIT;
	struct stat st;
	char **ids = NULL;
	size_t nr = 0;
	int ret = 0;

	memset(s, 0, sizeof(*s));
	/* The hook calls this on every push: a stat when nothing waits. */
	pf_buf_addf(&dir, "%s/outbox", state_dir);
	if (stat(dir.buf, &st))
		goto out;
	ret = pf_outbox_list(&ids, &nr, state_dir);
	if (ret)
		goto out;
	for (size_t i = 0; i < nr; i++) {
		struct pf_outbox_entry e;

		pf_outbox_entry_init(&e);
		if (!pf_outbox_read(&e, state_dir, ids[i])) {
			s->nr++;
			if (e.failed) {
				s->failed++;
				if (e.last_error &&
				    e.last_attempt >= s->last_attempt) {
					s->last_attempt = e.last_attempt;
					free(s->last_error);
					s->last_error = e.last_error;
					e.last_error = NULL;
				}
			}
		}
		pf_outbox_entry_release(&e);
	}
	pf_error_clear();
out:
	pf_outbox_ids_free(ids, nr);
	pf_buf_release(&dir);
	return ret;
}
