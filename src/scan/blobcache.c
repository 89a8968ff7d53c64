/*
 * The per-blob scan cache (see cache.h).  One file per key, as the LLM
 * cache: lookups cost one open, and concurrent hooks share no index to
 * fight over; rename() makes every entry appear whole or not at all.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/json.h"
#include "pushfix/util.h"
#include "blobcache.h"

/* An entry larger than this is not ours (a flood is a few MB). */
#define ENTRY_CAP (64u << 20)
/* Files hashed by content up to this size; larger ones (semgrep-core)
 * by size, mtime and inode alone. */
#define HASH_CAP (4u << 20)
/* Rule directories: how deep and how many entries are looked at. */
#define DIR_DEPTH 8
#define DIR_ENTRIES 20000

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void add_id(struct pf_buf *out, const char *path, int depth,
		   size_t *budget)
{
	struct stat st;
	struct pf_buf data = PF_BUF_INIT;
	char hex[65];

	if (stat(path, &st)) {
		pf_buf_addf(out, "%s missing\n", path);
		return;
	}
	pf_buf_addf(out, "%s %lld %lld.%09ld %llu\n", path,
		    (long long)st.st_size, (long long)st.st_mtim.tv_sec,
		    (long)st.st_mtim.tv_nsec, (unsigned long long)st.st_ino);
	if (S_ISREG(st.st_mode) && (size_t)st.st_size <= HASH_CAP &&
	    !pf_buf_read_file(&data, path, HASH_CAP)) {
		pf_sha256_hex(hex, data.buf, data.len);
		pf_buf_addf(out, "sha256 %s\n", hex);
	} else if (S_ISDIR(st.st_mode) && depth < DIR_DEPTH) {
		DIR *d = opendir(path);
		struct dirent *e;
		char **names = NULL;
		size_t nr = 0, alloc = 0;

		while (d && (e = readdir(d)) && *budget) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			PF_ALLOC_GROW(names, nr + 1, alloc);
			names[nr++] = pf_xstrdup(e->d_name);
			(*budget)--;
		}
		if (d)
			closedir(d);
		if (nr)
			qsort(names, nr, sizeof(*names), by_name);
		for (size_t i = 0; i < nr; i++) {
			struct pf_buf sub = PF_BUF_INIT;

			pf_buf_addf(&sub, "%s/%s", path, names[i]);
			add_id(out, sub.buf, depth + 1, budget);
			pf_buf_release(&sub);
			free(names[i]);
		}
		free(names);
	}
	pf_error_clear();
	pf_buf_release(&data);
}

void pf_scan_cache_add_file_id(struct pf_buf *out, const char *path)
{
	size_t budget = DIR_ENTRIES;

	add_id(out, path, 0, &budget);
}

void pf_scan_cache_key(char out[65], const char *scanner_id, const char *path,
		       const char *data, size_t len)
{
	struct pf_buf b = PF_BUF_INIT;
	char content[65];

	pf_sha256_hex(content, data ? data : "", data ? len : 0);
	pf_buf_addf(&b, "pushfix-scan-cache-1\n%zu:%s\n%zu:%s\n%s\n",
		    strlen(scanner_id), scanner_id, strlen(path), path,
		    content);
	pf_sha256_hex(out, b.buf, b.len);
	pf_buf_release(&b);
}

static void entry_path(struct pf_buf *b, const char *dir, const char *key)
{
	pf_buf_addf(b, "%s/%s.json", dir, key);
}

int pf_scan_cache_storable(const struct pf_finding *f)
{
	return f->fix.origin == PF_FIX_NONE && !f->fix.replacement &&
	       f->triage.verdict == PF_VERDICT_NONE && !f->triage.reason &&
	       !f->triage.error && !f->ignored && !f->secret && f->count <= 1 &&
	       f->col_unit == PF_COL_BYTES && f->line_unit == PF_LINES_LF;
}

static void put_str(cJSON *o, const char *k, const char *v)
{
	if (v)
		cJSON_AddStringToObject(o, k, v);
}

static cJSON *put_pos(const struct pf_position *p)
{
	cJSON *a = cJSON_CreateArray();

	cJSON_AddItemToArray(a, cJSON_CreateNumber(p->line));
	cJSON_AddItemToArray(a, cJSON_CreateNumber(p->col));
	cJSON_AddItemToArray(a, cJSON_CreateNumber((double)p->offset));
	return a;
}

int pf_scan_cache_put(const char *dir, const char *key,
		      const struct pf_finding *const *v, size_t n)
{
	cJSON *doc = cJSON_CreateObject(), *arr = cJSON_CreateArray();
	struct pf_buf path = PF_BUF_INIT;
	char *text = NULL;
	int ret;

	cJSON_AddStringToObject(doc, "key", key);
	cJSON_AddItemToObject(doc, "findings", arr);
	for (size_t i = 0; i < n; i++) {
		const struct pf_finding *f = v[i];
		cJSON *o = cJSON_CreateObject();

		put_str(o, "rule", f->rule_id);
		put_str(o, "message", f->message);
		cJSON_AddNumberToObject(o, "severity", f->severity);
		put_str(o, "label", f->severity_label);
		cJSON_AddItemToObject(o, "start", put_pos(&f->start));
		cJSON_AddItemToObject(o, "end", put_pos(&f->end));
		put_str(o, "rule_fix", f->rule_fix);
		put_str(o, "scanner_fp", f->scanner_fingerprint);
		put_str(o, "cwe", f->cwe);
		put_str(o, "owasp", f->owasp);
		put_str(o, "metadata", f->metadata_json);
		put_str(o, "lines", f->lines);
		cJSON_AddStringToObject(o, "fp", f->fingerprint);
		cJSON_AddItemToArray(arr, o);
	}
	text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	if (!text)
		return pf_error_set("cannot serialise a scan cache entry");
	ret = pf_mkdir_p(dir, 0700);
	if (!ret) {
		entry_path(&path, dir, key);
		ret = pf_write_file_atomic(path.buf, text, strlen(text), 0600);
	}
	free(text);
	pf_buf_release(&path);
	return ret;
}

/* A string member, copied; absent is NULL.  -1: present, not a string. */
static int get_str(char **out, const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	*out = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsString(v) || !v->valuestring)
		return -1;
	*out = pf_xstrdup(v->valuestring);
	return 0;
}

static int get_pos(struct pf_position *p, const cJSON *o, const char *k)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, k);
	const cJSON *l, *c, *off;

	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) != 3)
		return -1;
	l = cJSON_GetArrayItem(a, 0);
	c = cJSON_GetArrayItem(a, 1);
	off = cJSON_GetArrayItem(a, 2);
	if (!cJSON_IsNumber(l) || !cJSON_IsNumber(c) || !cJSON_IsNumber(off) ||
	    l->valuedouble < 0 || l->valuedouble > 4294967295.0 ||
	    c->valuedouble < 0 || c->valuedouble > 4294967295.0 ||
	    off->valuedouble < -1)
		return -1;
	p->line = (uint32_t)l->valuedouble;
	p->col = (uint32_t)c->valuedouble;
	p->offset = (int64_t)off->valuedouble;
	return 0;
}

static int read_finding(struct pf_finding *f, const cJSON *o, const char *path)
{
	const cJSON *sev = cJSON_GetObjectItemCaseSensitive(o, "severity");
	const cJSON *fp = cJSON_GetObjectItemCaseSensitive(o, "fp");

	if (!cJSON_IsObject(o) || !cJSON_IsNumber(sev) ||
	    sev->valueint < PF_SEV_UNKNOWN || sev->valueint > PF_SEV_CRITICAL ||
	    !cJSON_IsString(fp) || strlen(fp->valuestring) != 64)
		return -1;
	f->path = pf_xstrdup(path);
	f->severity = (enum pf_severity)sev->valueint;
	memcpy(f->fingerprint, fp->valuestring, 65);
	f->col_unit = PF_COL_BYTES;
	f->line_unit = PF_LINES_LF;
	if (get_str(&f->rule_id, o, "rule") ||
	    get_str(&f->message, o, "message") ||
	    get_str(&f->severity_label, o, "label") ||
	    get_str(&f->rule_fix, o, "rule_fix") ||
	    get_str(&f->scanner_fingerprint, o, "scanner_fp") ||
	    get_str(&f->cwe, o, "cwe") || get_str(&f->owasp, o, "owasp") ||
	    get_str(&f->metadata_json, o, "metadata") ||
	    get_str(&f->lines, o, "lines") || get_pos(&f->start, o, "start") ||
	    get_pos(&f->end, o, "end"))
		return -1;
	return 0;
}

int pf_scan_cache_get(const char *dir, const char *key, const char *path,
		      struct pf_findings *out)
{
	struct pf_buf file = PF_BUF_INIT, data = PF_BUF_INIT;
	struct pf_findings got = PF_FINDINGS_INIT;
	cJSON *doc = NULL;
	const cJSON *arr, *o;
	int ret = PF_ENOTFOUND;

	entry_path(&file, dir, key);
	if (pf_buf_read_file(&data, file.buf, ENTRY_CAP) || !data.len)
		goto out;
	doc = cJSON_ParseWithLength(data.buf, data.len);
	arr = cJSON_GetObjectItemCaseSensitive(doc, "findings");
	if (!doc || !pf_json_str(doc, "key") ||
	    strcmp(pf_json_str(doc, "key"), key) || !cJSON_IsArray(arr))
		goto out;
	cJSON_ArrayForEach (o, arr) {
		if (read_finding(pf_findings_push(&got), o, path))
			goto out;
	}
	for (size_t i = 0; i < got.nr; i++)
		pf_finding_copy(pf_findings_push(out), &got.v[i]);
	/* Used: pruning removes what was not used for longest. */
	utimensat(AT_FDCWD, file.buf, NULL, 0);
	ret = 0;
out:
	pf_error_clear();
	cJSON_Delete(doc);
	pf_findings_release(&got);
	pf_buf_release(&file);
	pf_buf_release(&data);
	return ret;
}

struct entry {
	char *name;
	off_t size;
	struct timespec mtime;
};

static int by_age(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

size_t pf_scan_cache_prune(const char *dir, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct entry *v = NULL;
	size_t nr = 0, alloc = 0, removed = 0;
	unsigned long long total = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct pf_buf p = PF_BUF_INIT;
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		pf_buf_addf(&p, "%s/%s", dir, e->d_name);
		if (!lstat(p.buf, &st) && S_ISREG(st.st_mode)) {
			PF_ALLOC_GROW(v, nr + 1, alloc);
			v[nr].name = pf_buf_detach(&p, NULL);
			v[nr].size = st.st_size;
			v[nr].mtime = st.st_mtim;
			total += (unsigned long long)st.st_size;
			nr++;
		}
		pf_buf_release(&p);
	}
	closedir(d);
	if (total > cap) {
		qsort(v, nr, sizeof(*v), by_age);
		for (size_t i = 0; i < nr && total > cap / 4 * 3; i++) {
			if (unlink(v[i].name) && errno != ENOENT)
				continue;
			total -= (unsigned long long)v[i].size;
			removed++;
		}
	}
	for (size_t i = 0; i < nr; i++)
		free(v[i].name);
	free(v);
	return removed;
}
