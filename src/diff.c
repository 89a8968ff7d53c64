#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/diff.h"
#include "pushfix/err.h"
#include "pushfix/interval.h"
#include "pushfix/util.h"

/* ---- the changeset ---------------------------------------------------- */

static void file_release(struct pf_changed_file *f)
{
	free(f->path);
	free(f->old_path);
	free(f->content);
	pf_intervals_release(&f->lines);
}

void pf_changeset_release(struct pf_changeset *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->nr; i++)
		file_release(&cs->files[i]);
	for (size_t i = 0; i < cs->skipped_nr; i++) {
		free(cs->skipped[i].path);
		/* Every reason is a copy owned by the changeset. */
		free((char *)cs->skipped[i].reason);
	}
	free(cs->files);
	free(cs->skipped);
	free(cs->commits);
	memset(cs, 0, sizeof(*cs));
}

static void add_skipped(struct pf_changeset *cs, const char *path,
			const char *reason)
{
	struct pf_skipped_file *s;

	PF_ALLOC_GROW(cs->skipped, cs->skipped_nr + 1, cs->skipped_alloc);
	s = &cs->skipped[cs->skipped_nr++];
	s->path = pf_xstrdup(path);
	s->reason = pf_xstrdup(reason);
}

static void add_skipped_big(struct pf_changeset *cs, const char *path,
			    unsigned long max)
{
	struct pf_buf b = PF_BUF_INIT;

	pf_buf_addf(&b, "larger than %lu bytes", max);
	add_skipped(cs, path, b.buf);
	pf_buf_release(&b);
}

static int cmp_file(const void *a, const void *b)
{
	const struct pf_changed_file *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : strcmp(x->blob_oid, y->blob_oid);
}

static int cmp_oid(const void *a, const void *b)
{
	return git_oid_cmp(a, b);
}

static int cmp_skipped(const void *a, const void *b)
{
	const struct pf_skipped_file *x = a, *y = b;
	int c = strcmp(x->path, y->path);

	return c ? c : strcmp(x->reason, y->reason);
}

/* Fold `src` into `dst`, the same version of the same path. */
static void merge_file(struct pf_changed_file *dst, struct pf_changed_file *src)
{
	pf_intervals_add_all(&dst->lines, &src->lines);
	dst->whole_file |= src->whole_file;
	if (!dst->old_path) {
		dst->old_path = src->old_path;
		src->old_path = NULL;
	}
	if (!dst->content && src->content) {
		dst->content = src->content;
		dst->content_len = src->content_len;
		src->content = NULL;
	}
	file_release(src);
}

void pf_changeset_finish(struct pf_changeset *cs)
{
	size_t i, out = 0;

	/*
	 * Collect, then sort and merge neighbours: several refs touching the
	 * same (path, blob) cost O(n log n), never a search per insertion.
	 */
	if (cs->nr > 1)
		qsort(cs->files, cs->nr, sizeof(*cs->files), cmp_file);
	for (i = 0; i < cs->nr; i++) {
		if (out && !cmp_file(&cs->files[out - 1], &cs->files[i]))
			merge_file(&cs->files[out - 1], &cs->files[i]);
		else
			cs->files[out++] = cs->files[i];
	}
	cs->nr = out;
	for (i = 0; i < cs->nr; i++) {
		pf_intervals_normalize(&cs->files[i].lines);
		/* Another ref that added lines to this version wins. */
		if (cs->files[i].lines.nr || cs->files[i].whole_file)
			cs->files[i].why = NULL;
	}

	if (cs->commits_nr > 1)
		qsort(cs->commits, cs->commits_nr, sizeof(*cs->commits),
		      cmp_oid);
	for (i = 0, out = 0; i < cs->commits_nr; i++)
		if (!out ||
		    !git_oid_equal(&cs->commits[out - 1], &cs->commits[i]))
			cs->commits[out++] = cs->commits[i];
	cs->commits_nr = out;

	if (cs->skipped_nr > 1)
		qsort(cs->skipped, cs->skipped_nr, sizeof(*cs->skipped),
		      cmp_skipped);
	for (i = 0, out = 0; i < cs->skipped_nr; i++) {
		if (out &&
		    !cmp_skipped(&cs->skipped[out - 1], &cs->skipped[i])) {
			free(cs->skipped[i].path);
			free((char *)cs->skipped[i].reason);
			continue;
		}
		cs->skipped[out++] = cs->skipped[i];
	}
	cs->skipped_nr = out;
}

struct pf_changed_file *pf_changeset_find(const struct pf_changeset *cs,
					  const char *path)
{
	size_t lo = 0, hi = cs->nr;

	/* The first entry with this path (there may be several blobs). */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(cs->files[mid].path, path) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < cs->nr && !strcmp(cs->files[lo].path, path))
		return &cs->files[lo];
	return NULL;
}

/* ---- paths git's checkout refuses --------------------------------------- */

/*
 * The next character of a path component as HFS+ compares names: UTF-8
 * decoded, the code points HFS+ ignores skipped (git's next_hfs_char).
 * 0 at the end, on a '/' and on a malformed sequence (which cannot spell
 * ".git" then).
 */
static unsigned next_hfs_char(const char **p)
{
	for (;;) {
		const unsigned char *s = (const unsigned char *)*p;
		size_t n = *s ? pf_utf8_valid(s, strlen(*p)) : 0;
		unsigned c;

		if (!n || *s == '/')
			return 0;
		c = n == 1   ? s[0]
		    : n == 2 ? (s[0] & 0x1fu) << 6 | (s[1] & 0x3fu)
		    : n == 3 ? (s[0] & 0x0fu) << 12 | (s[1] & 0x3fu) << 6 |
				       (s[2] & 0x3fu)
			     : (s[0] & 0x07u) << 18 | (s[1] & 0x3fu) << 12 |
				       (s[2] & 0x3fu) << 6 | (s[3] & 0x3fu);
		*p += n;
		if ((c >= 0x200c && c <= 0x200f) ||
		    (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x206a && c <= 0x206f) || c == 0xfeff)
			continue;
		return c < 0x80 ? (unsigned)tolower((int)c) : c;
	}
}

/* Does the component at `p` read as "." + `needle` on HFS+? */
static int is_hfs_dot(const char *p, const char *needle)
{
	if (next_hfs_char(&p) != '.')
		return 0;
	for (; *needle; needle++)
		if (next_hfs_char(&p) != (unsigned char)*needle)
			return 0;
	/* Like git, a malformed tail counts as the end: refused. */
	return !next_hfs_char(&p);
}

static int ntfs_tail(const char *p)
{
	/* NTFS drops trailing dots and spaces; ':' starts a stream name and
	 * '\' separates directories. */
	for (;; p++) {
		if (!*p || *p == '/' || *p == '\\' || *p == ':')
			return 1;
		if (*p != '.' && *p != ' ')
			return 0;
	}
}

/* Does the component at `p` read as ".<name>" on NTFS, or as its 8.3
 * short name `short6`~N (N from 1 to `maxn`)? */
static int is_ntfs_dot(const char *p, const char *name, const char *short6,
		       char maxn)
{
	size_t n = strlen(name), k = strlen(short6);

	if (*p == '.' && !strncasecmp(p + 1, name, n))
		return ntfs_tail(p + 1 + n);
	if (!strncasecmp(p, short6, k) && p[k] == '~' && p[k + 1] >= '1' &&
	    p[k + 1] <= maxn)
		return ntfs_tail(p + k + 2);
	return 0;
}

int pf_diff_path_refused(const char *path, unsigned mode)
{
	const char *c = path;

	/*
	 * git's verify_path() with core.protectHFS and core.protectNTFS:
	 * no component may name the repository's own directory in any
	 * spelling a file system would take for it, and .gitmodules may not
	 * be a symlink.  Such a tree can still sit in the object database
	 * (fsck is off for fetches by default) and be pushed.
	 */
	for (;;) {
		const char *e = strchr(c, '/');

		if (is_hfs_dot(c, "git") || is_ntfs_dot(c, "git", "git", '1'))
			return 1;
		if (!e)
			break;
		c = e + 1;
	}
	return mode == GIT_FILEMODE_LINK &&
	       (is_hfs_dot(c, "gitmodules") ||
		is_ntfs_dot(c, "gitmodules", "gitmod", '4') ||
		is_ntfs_dot(c, "gitmodules", "gi7eba", '9'));
}

/* Named in full up to this many; a tree of thousands stays one line. */
#define REFUSED_NAMED 10

void pf_changeset_refused_note(const struct pf_changeset *cs,
			       struct pf_buf *out)
{
	size_t n = 0;

	for (size_t i = 0; i < cs->skipped_nr; i++) {
		if (strcmp(cs->skipped[i].reason, PF_SKIP_REFUSED))
			continue;
		if (n++ >= REFUSED_NAMED)
			continue;
		pf_buf_addstr(out, n == 1 ? "not scanned, paths git refuses "
					    "to check out: "
					  : ", ");
		pf_buf_add_escaped(out, cs->skipped[i].path,
				   PF_ESC_CR | PF_ESC_OCTAL);
	}
	if (n > REFUSED_NAMED)
		pf_buf_addf(out, " and %zu more", n - REFUSED_NAMED);
}

static char *blob_copy(const git_blob *blob, size_t *len)
{
	size_t n = (size_t)git_blob_rawsize(blob);
	char *p = pf_xmalloc(n + 1);

	if (n)
		memcpy(p, git_blob_rawcontent(blob), n);
	p[n] = '\0';
	*len = n;
	return p;
}

int pf_changeset_load(struct pf_changeset *cs, git_repository *repo)
{
	for (size_t i = 0; i < cs->nr; i++) {
		struct pf_changed_file *f = &cs->files[i];
		git_blob *blob = NULL;
		git_oid id;

		/* The diff keeps the content it already read. */
		if (f->content)
			continue;
		if (git_oid_fromstr(&id, f->blob_oid) ||
		    git_blob_lookup(&blob, repo, &id))
			return pf_error_prefix(pf_error_git("cannot read blob"),
					       "%s", f->path);
		f->content = blob_copy(blob, &f->content_len);
		git_blob_free(blob);
	}
	return 0;
}

/* git's quoting of unusual paths, so one line stays one file. */
static void add_path(struct pf_buf *out, const char *path)
{
	const unsigned char *p;
	int quote = 0;

	for (p = (const unsigned char *)path; *p; p++)
		if (*p < 0x20 || *p == '"' || *p == '\\' || *p == 0x7f)
			quote = 1;
	if (!quote) {
		pf_buf_addstr(out, path);
		return;
	}
	pf_buf_addch(out, '"');
	pf_buf_add_escaped(out, path, PF_ESC_QUOTE | PF_ESC_OCTAL);
	pf_buf_addch(out, '"');
}

void pf_changeset_format(const struct pf_changeset *cs, struct pf_buf *out)
{
	/* Files are kept sorted by path: every pf_diff_* ends with finish. */
	for (size_t i = 0; i < cs->nr; i++) {
		if (cs->files[i].why)
			continue;
		add_path(out, cs->files[i].path);
		pf_buf_addch(out, '\t');
		pf_intervals_format(&cs->files[i].lines, out);
		pf_buf_addch(out, '\n');
	}
}

void pf_changeset_format_unadded(const struct pf_changeset *cs,
				 struct pf_buf *out)
{
	for (size_t i = 0; i < cs->nr; i++) {
		const struct pf_changed_file *f = &cs->files[i];

		if (!f->why)
			continue;
		add_path(out, f->path);
		pf_buf_addstr(out, ": ");
		if (f->old_path && strcmp(f->why, PF_WHY_REMOVED)) {
			pf_buf_addstr(out, "renamed from ");
			add_path(out, f->old_path);
			pf_buf_addstr(out, ", ");
		} else if (f->old_path) {
			pf_buf_addstr(out, "renamed from ");
			add_path(out, f->old_path);
			pf_buf_addstr(out, " and ");
		}
		pf_buf_addstr(out, f->why);
		pf_buf_addch(out, '\n');
	}
}

/* Lines of a content as git counts them: '\n'-ended, plus an unended
 * last one. */
static size_t count_lines(const char *c, size_t len)
{
	size_t n = 0;

	for (const char *p = c; p && p < c + len; n++) {
		p = memchr(p, '\n', len - (size_t)(p - c));
		if (p)
			p++;
	}
	return n;
}

size_t pf_changeset_added_lines(const struct pf_changeset *cs)
{
	size_t n = 0;

	for (size_t i = 0; i < cs->nr; i++) {
		const struct pf_changed_file *f = &cs->files[i];

		if (f->whole_file && f->content)
			n += count_lines(f->content, f->content_len);
		else
			n += (size_t)pf_intervals_count(&f->lines);
	}
	return n;
}

/* ---- diffing ---------------------------------------------------------- */

struct blob_state {
	int binary;
	struct pf_intervals *lines;
};

static int file_cb(const git_diff_delta *delta, float progress, void *payload)
{
	struct blob_state *st = payload;

	(void)progress;
	if (delta->flags & GIT_DIFF_FLAG_BINARY)
		st->binary = 1;
	return 0;
}

static int hunk_cb(const git_diff_delta *delta, const git_diff_hunk *hunk,
		   void *payload)
{
	struct blob_state *st = payload;

	(void)delta;
	/*
	 * With no context lines a hunk's new side is exactly its added
	 * lines ('+' lines; a modified line is a deletion plus an addition),
	 * so there is no need to visit the lines one by one.
	 */
	if (hunk->new_lines > 0)
		pf_intervals_add(
			st->lines, (uint32_t)hunk->new_start,
			(uint32_t)(hunk->new_start + hunk->new_lines - 1));
	return 0;
}

static int is_blob_mode(unsigned mode)
{
	return mode == GIT_FILEMODE_BLOB ||
	       mode == GIT_FILEMODE_BLOB_EXECUTABLE;
}

struct diff_ctx {
	struct pf_changeset *cs;
	git_repository *repo;
	git_odb *odb;
	unsigned long max;
	int whole_file;
	int keep_unchanged;
	git_diff_options dopts;
};

/* Too big to scan?  Asks the object header, not the whole object. */
static int too_big(struct diff_ctx *ctx, const git_oid *id, int *big)
{
	size_t len;
	git_object_t type;

	*big = 0;
	if (!ctx->max)
		return 0;
	if (git_odb_read_header(&len, &type, ctx->odb, id))
		return pf_error_git("cannot read object header");
	*big = len > ctx->max;
	return 0;
}

static int diff_delta(struct diff_ctx *ctx, const git_diff_delta *d)
{
	struct pf_changed_file f;
	struct blob_state st;
	git_blob *old = NULL, *new = NULL;
	const char *path = d->new_file.path;
	const char *why = PF_WHY_REMOVED;
	int ret = 0, big, has_old, same;

	switch (d->status) {
	case GIT_DELTA_ADDED:
	case GIT_DELTA_MODIFIED:
	case GIT_DELTA_RENAMED:
	case GIT_DELTA_COPIED:
	case GIT_DELTA_TYPECHANGE:
		break;
	case GIT_DELTA_DELETED:
		add_skipped(ctx->cs, d->old_file.path, "deleted");
		return 0;
	case GIT_DELTA_CONFLICTED:
		add_skipped(ctx->cs, path, "unmerged");
		return 0;
	default:
		return 0;
	}
	/* Never handed to a scanner: see pf_diff_path_refused(). */
	if (pf_diff_path_refused(path, d->new_file.mode)) {
		add_skipped(ctx->cs, path, PF_SKIP_REFUSED);
		return 0;
	}
	if (d->new_file.mode == GIT_FILEMODE_COMMIT) {
		add_skipped(ctx->cs, path, "submodule");
		return 0;
	}
	if (d->new_file.mode == GIT_FILEMODE_LINK) {
		add_skipped(ctx->cs, path, "symlink");
		return 0;
	}
	if (!is_blob_mode(d->new_file.mode))
		return 0;
	has_old = d->status != GIT_DELTA_ADDED &&
		  is_blob_mode(d->old_file.mode) &&
		  !git_oid_is_zero(&d->old_file.id);
	/* A pure rename or a mode change adds no line: kept only when asked
	 * (filter = file | all), diffed then as a new file for git's binary
	 * check, its lines dropped below. */
	same = has_old && git_oid_equal(&d->old_file.id, &d->new_file.id);
	if (same && !ctx->whole_file && !ctx->keep_unchanged)
		return 0;
	if (same && !ctx->whole_file) {
		why = strcmp(d->old_file.path, path) ? PF_WHY_RENAMED
						     : PF_WHY_MODE;
		has_old = 0;
	}

	if ((ret = too_big(ctx, &d->new_file.id, &big)))
		goto out;
	if (big) {
		add_skipped_big(ctx->cs, path, ctx->max);
		goto out;
	}
	if (git_blob_lookup(&new, ctx->repo, &d->new_file.id)) {
		ret = pf_error_git("cannot read blob");
		goto out;
	}
	/* A huge old side would only slow the diff: count every line. */
	if (has_old && (ret = too_big(ctx, &d->old_file.id, &big)))
		goto out;
	if (has_old && !big &&
	    git_blob_lookup(&old, ctx->repo, &d->old_file.id)) {
		ret = pf_error_git("cannot read blob");
		goto out;
	}

	memset(&f, 0, sizeof(f));
	st.binary = 0;
	st.lines = &f.lines;
	if (git_diff_blobs(old, has_old ? d->old_file.path : NULL, new, path,
			   &ctx->dopts, file_cb, NULL, hunk_cb, NULL, &st)) {
		pf_intervals_release(&f.lines);
		ret = pf_error_git("cannot diff");
		goto out;
	}
	if (st.binary && old) {
		/*
		 * Either side binary makes the pair binary: a binary file
		 * replaced by text is all new text.  Ask again without the
		 * old side (attributes still decide).
		 */
		pf_intervals_release(&f.lines);
		st.binary = 0;
		if (git_diff_blobs(NULL, NULL, new, path, &ctx->dopts, file_cb,
				   NULL, hunk_cb, NULL, &st)) {
			pf_intervals_release(&f.lines);
			ret = pf_error_git("cannot diff");
			goto out;
		}
	}
	if (st.binary) {
		pf_intervals_release(&f.lines);
		add_skipped(ctx->cs, path, "binary");
		goto out;
	}
	if (same && !ctx->whole_file)
		pf_intervals_release(&f.lines);
	/* Only --all keeps a file with no line (an empty file), and
	 * keep_unchanged one that only lost lines or moved. */
	if (!f.lines.nr && !ctx->whole_file) {
		if (!ctx->keep_unchanged || d->status == GIT_DELTA_ADDED)
			goto out;
		f.why = why;
	}
	f.path = pf_xstrdup(path);
	if ((has_old || same) && strcmp(d->old_file.path, path))
		f.old_path = pf_xstrdup(d->old_file.path);
	git_oid_tostr(f.blob_oid, sizeof(f.blob_oid), &d->new_file.id);
	f.mode = d->new_file.mode;
	f.whole_file = ctx->whole_file;
	/* Keep what we read: pf_changeset_load() would read it again. */
	f.content = blob_copy(new, &f.content_len);
	PF_ALLOC_GROW(ctx->cs->files, ctx->cs->nr + 1, ctx->cs->alloc);
	ctx->cs->files[ctx->cs->nr++] = f;
out:
	git_blob_free(old);
	git_blob_free(new);
	if (ret)
		pf_error_prefix(ret, "%s", path);
	return ret;
}

static void diff_options(git_diff_options *o)
{
	git_diff_options_init(o, GIT_DIFF_OPTIONS_VERSION);
	o->context_lines = 0;
	o->interhunk_lines = 0;
	/* git diff's default since 2.14: where an ambiguous block of added
	 * lines starts is chosen as git shows it. */
	o->flags = GIT_DIFF_NORMAL | GIT_DIFF_INDENT_HEURISTIC;
}

/*
 * The blobs of a large push are read and diffed on several threads: each
 * has its own repository handle (libgit2 objects are not shared between
 * threads) and its own changeset, merged at the end.  Below this many
 * files one thread is faster than starting others.
 */
#define PARALLEL_MIN_FILES 64
#define MAX_THREADS 4

struct worker {
	struct diff_ctx ctx;
	struct pf_changeset local;
	git_repository *own; /* opened for this thread; NULL: the caller's */
	const git_diff_delta **deltas;
	size_t n;
	atomic_size_t *next;
	atomic_int *stop;
	int ret;
	char *err;
	pthread_t tid;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	size_t i;

	while (!atomic_load(w->stop) &&
	       (i = atomic_fetch_add(w->next, 1)) < w->n) {
		w->ret = diff_delta(&w->ctx, w->deltas[i]);
		if (w->ret) {
			w->err = pf_xstrdup(pf_error_last());
			atomic_store(w->stop, 1);
		}
	}
	return NULL;
}

static size_t thread_count(size_t n)
{
	const char *env = getenv("PUSHFIX_DIFF_THREADS");
	unsigned long want;
	long cpus;

	if (env && !pf_parse_ulong(&want, env) && want >= 1)
		return want > MAX_THREADS ? MAX_THREADS : want;
	if (n < PARALLEL_MIN_FILES ||
	    !(git_libgit2_features() & GIT_FEATURE_THREADS))
		return 1;
	cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cpus <= 1)
		return 1;
	return cpus > MAX_THREADS ? MAX_THREADS : (size_t)cpus;
}

/* The same repository again, for another thread; NULL if it cannot be. */
static git_repository *reopen(git_repository *repo)
{
	const char *wd = git_repository_workdir(repo);
	git_repository *r = NULL;

	if (git_repository_open_ext(&r, wd ? wd : git_repository_path(repo),
				    GIT_REPOSITORY_OPEN_NO_SEARCH, NULL))
		return NULL;
	/* Opened from the environment (GIT_DIR...) or otherwise elsewhere:
	 * not provably the same objects, so stay on one thread. */
	if (strcmp(git_repository_path(r), git_repository_path(repo))) {
		git_repository_free(r);
		return NULL;
	}
	return r;
}

static void absorb(struct pf_changeset *cs, struct pf_changeset *from)
{
	PF_ALLOC_GROW(cs->files, cs->nr + from->nr, cs->alloc);
	if (from->nr)
		memcpy(cs->files + cs->nr, from->files,
		       from->nr * sizeof(*from->files));
	cs->nr += from->nr;
	PF_ALLOC_GROW(cs->skipped, cs->skipped_nr + from->skipped_nr,
		      cs->skipped_alloc);
	if (from->skipped_nr)
		memcpy(cs->skipped + cs->skipped_nr, from->skipped,
		       from->skipped_nr * sizeof(*from->skipped));
	cs->skipped_nr += from->skipped_nr;
	free(from->files);
	free(from->skipped);
	memset(from, 0, sizeof(*from));
}

static int collect(struct pf_changeset *cs, git_repository *repo,
		   git_diff *diff, const struct pf_diff_opts *opts,
		   int whole_file, int renames)
{
	struct worker w[MAX_THREADS];
	const git_diff_delta **deltas = NULL;
	atomic_size_t next;
	atomic_int stop;
	size_t n, nw, started = 0, i;
	int ret = 0;

	memset(w, 0, sizeof(w));
	if (renames) {
		git_diff_find_options fo;

		git_diff_find_options_init(&fo, GIT_DIFF_FIND_OPTIONS_VERSION);
		fo.flags = GIT_DIFF_FIND_RENAMES;
		if (git_diff_find_similar(diff, &fo))
			return pf_error_git("cannot detect renames");
	}
	n = git_diff_num_deltas(diff);
	deltas = pf_xcalloc(n ? n : 1, sizeof(*deltas));
	for (i = 0; i < n; i++)
		deltas[i] = git_diff_get_delta(diff, i);
	atomic_init(&next, 0);
	atomic_init(&stop, 0);

	nw = thread_count(n);
	for (i = 0; i < nw; i++) {
		struct worker *k = &w[i];

		if (i && !(k->own = reopen(repo)))
			break;
		k->ctx.cs = &k->local;
		k->ctx.repo = i ? k->own : repo;
		k->ctx.max = opts ? opts->max_file_bytes : 0;
		k->ctx.whole_file = whole_file;
		k->ctx.keep_unchanged = opts && opts->keep_unchanged;
		diff_options(&k->ctx.dopts);
		if (git_repository_odb(&k->ctx.odb, k->ctx.repo)) {
			git_repository_free(k->own);
			k->own = NULL;
			if (!i)
				ret = pf_error_git(
					"cannot open the object database");
			break;
		}
		k->deltas = deltas;
		k->n = n;
		k->next = &next;
		k->stop = &stop;
	}
	nw = i;
	/* Workers 1.. on their threads, worker 0 on this one. */
	for (i = 1; i < nw; i++) {
		if (pthread_create(&w[i].tid, NULL, work, &w[i]))
			break;
		started = i;
	}
	if (nw)
		work(&w[0]);
	for (i = 1; i <= started; i++)
		pthread_join(w[i].tid, NULL);

	for (i = 0; i < nw; i++) {
		if (w[i].ret && !ret) {
			ret = w[i].ret;
			pf_error_setc(ret, "%s", w[i].err);
		}
		absorb(cs, &w[i].local);
		free(w[i].err);
		git_odb_free(w[i].ctx.odb);
		git_repository_free(w[i].own);
	}
	free(deltas);
	pf_changeset_finish(cs);
	return ret;
}

static int tree_of(git_tree **out, git_repository *repo, const git_oid *id,
		   const char *what)
{
	git_object *obj = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int ret = 0;

	*out = NULL;
	if (!id)
		return 0;
	if (git_object_lookup(&obj, repo, id, GIT_OBJECT_ANY) ||
	    git_object_peel((git_object **)out, obj, GIT_OBJECT_TREE)) {
		git_oid_tostr(hex, sizeof(hex), id);
		ret = pf_error_prefix(pf_error_git("not a tree-ish"), "%s %s",
				      what, hex);
	}
	git_object_free(obj);
	return ret;
}

static int want_renames(const struct pf_diff_opts *opts)
{
	return !opts || opts->find_renames;
}

/* Tree `a` (NULL: the empty tree) against tree `b`, or against `index`
 * when it is given, collected into cs (`all`: every file of b, whole). */
static int diff_and_collect(struct pf_changeset *cs, git_repository *repo,
			    git_tree *a, git_tree *b, git_index *index,
			    const struct pf_diff_opts *opts, int all,
			    int renames)
{
	const char *fail = index ? "cannot diff the index"
			   : all ? "cannot list the tree"
				 : "cannot diff trees";
	git_diff *diff = NULL;
	git_diff_options o;
	int ret;

	git_diff_options_init(&o, GIT_DIFF_OPTIONS_VERSION);
	o.flags = GIT_DIFF_INCLUDE_TYPECHANGE;
	if (index ? git_diff_tree_to_index(&diff, repo, a, index, &o)
		  : git_diff_tree_to_tree(&diff, repo, a, b, &o))
		ret = pf_error_git(fail);
	else
		ret = collect(cs, repo, diff, opts, all, renames);
	git_diff_free(diff);
	return ret;
}

static int diff_commits(struct pf_changeset *cs, git_repository *repo,
			const git_oid *base, const git_oid *tip,
			const struct pf_diff_opts *opts, int all)
{
	git_tree *a = NULL, *b = NULL;
	int ret;

	if ((ret = tree_of(&a, repo, base, "base")) ||
	    (ret = tree_of(&b, repo, tip, "tip")))
		goto out;
	/* From the empty tree every file is new: no rename to find. */
	ret = diff_and_collect(cs, repo, a, b, NULL, opts, all,
			       base && want_renames(opts));
out:
	git_tree_free(a);
	git_tree_free(b);
	return ret;
}

/*
 * The commits of base..tip into cs->commits (pf_changeset_finish() folds
 * the ones two ranges share), for the report's coverage line.  Best
 * effort, and none in a shallow clone: its walk would fail at the edge
 * (and libgit2 1.5 leaks there); the line then names no commits.
 */
static void add_commits(struct pf_changeset *cs, git_repository *repo,
			const git_oid *base, const git_oid *tip)
{
	git_revwalk *walk = NULL;
	git_oid id;

	if (git_repository_is_shallow(repo) == 1)
		return;
	if (git_revwalk_new(&walk, repo) ||
	    git_revwalk_sorting(walk, GIT_SORT_NONE) ||
	    git_revwalk_push(walk, tip) ||
	    (base && git_revwalk_hide(walk, base)))
		goto out;
	while (!git_revwalk_next(&id, walk)) {
		PF_ALLOC_GROW(cs->commits, cs->commits_nr + 1,
			      cs->commits_alloc);
		git_oid_cpy(&cs->commits[cs->commits_nr++], &id);
	}
out:
	git_error_clear();
	git_revwalk_free(walk);
}

int pf_diff_range(struct pf_changeset *cs, git_repository *repo,
		  const git_oid *base, const git_oid *tip,
		  const struct pf_diff_opts *opts)
{
	int ret = diff_commits(cs, repo, base, tip, opts, 0);

	if (!ret) {
		add_commits(cs, repo, base, tip);
		pf_changeset_finish(cs);
	}
	return ret;
}

int pf_diff_staged(struct pf_changeset *cs, git_repository *repo,
		   const struct pf_diff_opts *opts)
{
	git_reference *head = NULL;
	git_tree *tree = NULL;
	git_index *index = NULL;
	int ret = 0, err;

	err = git_repository_head(&head, repo);
	if (err == 0) {
		git_object *obj = NULL;

		if (git_reference_peel(&obj, head, GIT_OBJECT_TREE)) {
			ret = pf_error_git("cannot read HEAD");
			goto out;
		}
		tree = (git_tree *)obj;
	} else if (err != GIT_EUNBORNBRANCH && err != GIT_ENOTFOUND) {
		ret = pf_error_git("cannot read HEAD");
		goto out;
	}
	if (git_repository_index(&index, repo)) {
		ret = pf_error_git("cannot read the index");
		goto out;
	}
	ret = diff_and_collect(cs, repo, tree, NULL, index, opts, 0,
			       tree && want_renames(opts));
out:
	git_index_free(index);
	git_tree_free(tree);
	git_reference_free(head);
	return ret;
}

int pf_diff_all(struct pf_changeset *cs, git_repository *repo,
		const git_oid *tip, const struct pf_diff_opts *opts)
{
	/*
	 * The empty tree against tip: every file is added, so each hunk is
	 * the whole file (lines 1..N), and binary, symlink, submodule and
	 * size checks are the same as for a range.
	 */
	return diff_commits(cs, repo, NULL, tip, opts, 1);
}
