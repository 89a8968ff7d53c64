/*
 * The apply stage: a whole-line fix into the working tree, only where the
 * file still holds the lines that were pushed, atomically.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "pushfix/apply.h"
#include "pushfix/err.h"
#include "pushfix/util.h"

/* Working-tree files larger than this are not rewritten. */
#define APPLY_MAX_BYTES ((size_t)256 << 20)

/* Offsets of the lines of a buffer: line i (0-based) is
 * data[off[i] .. off[i + 1]), terminator included. */
struct lines {
	const char *data;
	size_t *off;
	uint32_t nr;
};

static void lines_index(struct lines *l, const char *data, size_t len)
{
	size_t alloc = 0, nr = 0;

	l->data = data;
	l->off = NULL;
	PF_ALLOC_GROW(l->off, 1, alloc);
	l->off[0] = 0;
	for (size_t i = 0; i < len; i++) {
		if (data[i] != '\n' && i + 1 != len)
			continue;
		nr++;
		PF_ALLOC_GROW(l->off, nr + 1, alloc);
		l->off[nr] = i + 1;
	}
	l->nr = (uint32_t)nr;
}

static void lines_release(struct lines *l)
{
	free(l->off);
	l->off = NULL;
}

/* Line i without its terminator ("\n" or "\r\n"). */
static size_t line_text(const struct lines *l, uint32_t i, const char **s)
{
	size_t a = l->off[i], b = l->off[i + 1];

	*s = l->data + a;
	if (b > a && l->data[b - 1] == '\n') {
		b--;
		if (b > a && l->data[b - 1] == '\r')
			b--;
	}
	return b - a;
}

/* Line i's terminator: "", "\n" or "\r\n". */
static const char *line_eol(const struct lines *l, uint32_t i)
{
	size_t a = l->off[i], b = l->off[i + 1];

	if (b == a || l->data[b - 1] != '\n')
		return "";
	if (b - a >= 2 && l->data[b - 2] == '\r')
		return "\r\n";
	return "\n";
}

/* Do cur lines [ci, ci + n) equal pushed lines [pi, pi + n)? */
static int block_equal(const struct lines *cur, uint32_t ci,
		       const struct lines *pushed, uint32_t pi, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		const char *a, *b;
		size_t la = line_text(cur, ci + k, &a);
		size_t lb = line_text(pushed, pi + k, &b);

		if (la != lb || memcmp(a, b, la))
			return 0;
	}
	return 1;
}

static int line_eq(const struct lines *a, uint32_t i, const struct lines *b,
		   uint32_t j)
{
	return block_equal(a, i, b, j, 1);
}

/* Cells of the LCS table between the parts of the pushed and the working
 * file that differ; beyond that, only the fallback search is tried. */
#define MAP_MAX_CELLS ((size_t)4 << 20)

/*
 * Where pushed lines [s, s + n) (0-based) are in the working tree now,
 * followed through a diff of the two files (common prefix and suffix, an
 * LCS of the rest) as git follows lines: the block counts only when every
 * one of its lines survives, all together.  Returns the 1-based line, or
 * 0; *diffed is 0 when the files differ too much to compute it.
 */
static uint32_t follow_block(const struct lines *p, const struct lines *c,
			     uint32_t s, uint32_t n, int *diffed)
{
	uint32_t np = p->nr, nc = c->nr, pre = 0, suf = 0, mp, mc, at = 0;
	int64_t *map = pf_xmalloc(n * sizeof(*map));
	uint32_t *t = NULL;
	int middle = 0;

	*diffed = 1;
	while (pre < np && pre < nc && line_eq(p, pre, c, pre))
		pre++;
	while (suf < np - pre && suf < nc - pre &&
	       line_eq(p, np - 1 - suf, c, nc - 1 - suf))
		suf++;
	mp = np - pre - suf;
	mc = nc - pre - suf;
	for (uint32_t k = 0; k < n; k++) {
		uint32_t i = s + k;

		if (i < pre)
			map[k] = i;
		else if (i >= np - suf)
			map[k] = (int64_t)i - np + nc;
		else {
			map[k] = -1;
			middle = 1;
		}
	}
	if (middle) {
		size_t w = (size_t)mc + 1, x = 0, y = 0;

		if (((size_t)mp + 1) * w > MAP_MAX_CELLS) {
			*diffed = 0;
			goto out;
		}
		t = pf_xcalloc(((size_t)mp + 1) * w, sizeof(*t));
		for (size_t i = mp; i-- > 0;)
			for (size_t j = mc; j-- > 0;)
				t[i * w + j] =
					line_eq(p, pre + (uint32_t)i, c,
						pre + (uint32_t)j)
						? t[(i + 1) * w + j + 1] + 1
					: t[(i + 1) * w + j] > t[i * w + j + 1]
						? t[(i + 1) * w + j]
						: t[i * w + j + 1];
		while (x < mp && y < mc) {
			if (line_eq(p, pre + (uint32_t)x, c,
				    pre + (uint32_t)y)) {
				if (pre + x >= s && pre + x < s + n)
					map[pre + x - s] = (int64_t)(pre + y);
				x++;
				y++;
			} else if (t[(x + 1) * w + y] >= t[x * w + y + 1]) {
				x++;
			} else {
				y++;
			}
		}
	}
	for (uint32_t k = 0; k < n; k++)
		if (map[k] < 0 || map[k] != map[0] + k)
			goto out;
	at = (uint32_t)map[0] + 1;
out:
	free(t);
	free(map);
	return at;
}

/* How often pushed lines [pi, pi + n) appear in `l`; *first: where. */
static uint32_t count_block(const struct lines *l, const struct lines *p,
			    uint32_t pi, uint32_t n, uint32_t *first)
{
	uint32_t found = 0;

	for (uint32_t j = 0; j + n <= l->nr; j++) {
		if (!block_equal(l, j, p, pi, n))
			continue;
		if (!found++ && first)
			*first = j + 1;
	}
	return found;
}

uint32_t pf_apply_count_lines(const char *data, size_t len)
{
	uint32_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (data[i] == '\n' || i + 1 == len)
			n++;
	return n;
}

int pf_apply_cut_lines(struct pf_buf *out, const char *data, size_t len,
		       uint32_t start, uint32_t end)
{
	struct lines l;
	int ret = 0;

	lines_index(&l, data, len);
	if (!start || end < start || end > l.nr) {
		ret = pf_error_setc(PF_EINVALID,
				    "lines %u-%u are outside a file of %u "
				    "lines",
				    start, end, l.nr);
		goto out;
	}
	pf_buf_add(out, data + l.off[start - 1], l.off[end] - l.off[start - 1]);
out:
	lines_release(&l);
	return ret;
}

int pf_apply_splice(struct pf_buf *out, struct pf_apply_result *res,
		    const char *cur, size_t cur_len,
		    const struct pf_apply_req *req)
{
	struct lines p, c, r;
	uint32_t start = req->start_line, end = req->end_line, n, at = 0;
	uint32_t expect = req->expect_line ? req->expect_line : start;
	const char *eol, *last_eol;
	size_t prefix_end;
	int ret = 0, diffed;

	lines_index(&p, req->pushed, req->pushed_len);
	lines_index(&c, cur, cur_len);
	lines_index(&r, req->replacement ? req->replacement : "",
		    req->replacement ? req->replacement_len : 0);
	memset(res, 0, sizeof(*res));
	if (!start || end < start || end > p.nr) {
		ret = pf_error_setc(PF_EINVALID,
				    "the fix for '%s' covers lines %u-%u but "
				    "the pushed file has %u lines",
				    req->path, start, end, p.nr);
		goto out;
	}
	n = end - start + 1;
	at = follow_block(&p, &c, start - 1, n, &diffed);
	if (!at && !diffed && expect + n - 1 <= c.nr &&
	    block_equal(&c, expect - 1, &p, start - 1, n))
		at = expect;
	if (!at) {
		/* Cut and pasted elsewhere: found only when the lines were
		 * unique when pushed and are unique now, or which copy is
		 * meant would be a guess. */
		uint32_t first = 0, in_cur, in_pushed;

		in_cur = count_block(&c, &p, start - 1, n, &first);
		in_pushed = count_block(&p, &p, start - 1, n, NULL);
		if (in_cur > 1) {
			ret = pf_error_setc(PF_EINVALID,
					    "'%s' lines %u-%u moved and now "
					    "appear %u times",
					    req->path, start, end, in_cur);
			goto out;
		}
		if (in_cur != 1 || in_pushed != 1) {
			ret = pf_error_setc(PF_EINVALID,
					    "'%s' lines %u-%u changed since "
					    "the push",
					    req->path, start, end);
			goto out;
		}
		at = first;
	}
	res->moved = at != expect;

	eol = line_eol(&c, at - 1);
	if (!*eol)
		eol = "\n";
	last_eol = line_eol(&c, at + n - 2);
	prefix_end = c.off[at - 1];
	if (!r.nr && !*last_eol && prefix_end) {
		/* The lines deleted ended the file without a newline: so
		 * does the line now last. */
		if (cur[prefix_end - 1] == '\n')
			prefix_end--;
		if (prefix_end && cur[prefix_end - 1] == '\r')
			prefix_end--;
	}
	pf_buf_add(out, cur, prefix_end);
	for (uint32_t k = 0; k < r.nr; k++) {
		const char *s;
		size_t len = line_text(&r, k, &s);

		pf_buf_add(out, s, len);
		pf_buf_addstr(out, k + 1 < r.nr ? eol : last_eol);
	}
	pf_buf_add(out, cur + c.off[at + n - 1], cur_len - c.off[at + n - 1]);
	res->at_line = at;
	res->old_lines = n;
	res->new_lines = r.nr;
out:
	lines_release(&p);
	lines_release(&c);
	lines_release(&r);
	return ret;
}

static int unsafe_path(const char *path)
{
	const char *p = path;

	if (!*path || *path == '/')
		return 1;
	while (*p) {
		size_t n = strcspn(p, "/");

		if ((n == 2 && !memcmp(p, "..", 2)) || n == 0)
			return 1;
		p += n;
		if (*p == '/')
			p++;
	}
	return 0;
}

static void test_pause(void)
{
	const char *v = getenv("PUSHFIX_TEST_APPLY_PAUSE_MS");
	unsigned long ms;
	struct timespec ts;

	if (!v || pf_parse_ulong(&ms, v) || !ms)
		return;
	fprintf(stderr, "pushfix: apply pause pid=%ld\n", (long)getpid());
	fflush(stderr);
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int same_file(const struct stat *a, const struct stat *b)
{
	return a->st_ino == b->st_ino && a->st_dev == b->st_dev &&
	       a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/*
 * Make `tmp` (a name beside `path`) hold the data: with O_TMPFILE the
 * content exists without a name until it is complete and synced, so a
 * crash before the link leaves nothing behind.  *named says whether a name
 * was created (to unlink on failure).
 */
static int write_temp(struct pf_buf *tmp, int *named, const char *dir,
		      const char *path, const char *data, size_t len,
		      mode_t mode)
{
	char proc[64];
	int fd, tries;

	*named = 0;
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (fd >= 0) {
		if (write_all(fd, data, len) || fchmod(fd, mode) || fsync(fd)) {
			close(fd);
			return pf_error_set("cannot write a new '%s': %s", path,
					    strerror(errno));
		}
		test_pause();
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
		for (tries = 0; tries < 100; tries++) {
			pf_buf_reset(tmp);
			pf_buf_addf(tmp, "%s.pushfix-tmp-%ld-%d", path,
				    (long)getpid(), tries);
			if (!linkat(AT_FDCWD, proc, AT_FDCWD, tmp->buf,
				    AT_SYMLINK_FOLLOW)) {
				*named = 1;
				close(fd);
				return 0;
			}
			if (errno != EEXIST)
				break;
		}
		/* No /proc: fall back to a named temporary file. */
		close(fd);
	}
	pf_buf_reset(tmp);
	pf_buf_addf(tmp, "%s.pushfix-tmp-XXXXXX", path);
	fd = mkstemp(tmp->buf);
	if (fd < 0)
		return pf_error_set("cannot create a temporary file beside "
				    "'%s': %s",
				    path, strerror(errno));
	*named = 1;
	if (write_all(fd, data, len) || fchmod(fd, mode) || fsync(fd)) {
		close(fd);
		return pf_error_set("cannot write '%s': %s", tmp->buf,
				    strerror(errno));
	}
	close(fd);
	test_pause();
	return 0;
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The file must resolve inside the working tree (no symlinked directory
 * leading out of it). */
static int inside_worktree(const char *worktree, const char *dir)
{
	char *w = realpath(worktree, NULL), *d = realpath(dir, NULL);
	int ok = 0;

	if (w && d) {
		size_t n = strlen(w);

		ok = !strncmp(w, d, n) &&
		     (d[n] == '/' || d[n] == '\0' || (n == 1 && w[0] == '/'));
	}
	free(w);
	free(d);
	return ok;
}

int pf_apply_fix(struct pf_apply_result *out, const struct pf_apply_req *req)
{
	struct pf_buf full = PF_BUF_INIT, dir = PF_BUF_INIT, cur = PF_BUF_INIT,
		      next = PF_BUF_INIT, tmp = PF_BUF_INIT;
	struct stat st, st2;
	const char *slash;
	int ret, named = 0;

	memset(out, 0, sizeof(*out));
	if (!req->worktree) {
		ret = pf_error_setc(PF_EINVALID,
				    "no working tree to apply the fix to");
		goto out;
	}
	if (unsafe_path(req->path)) {
		ret = pf_error_setc(PF_EINVALID,
				    "refusing to write outside the working "
				    "tree: '%s'",
				    req->path);
		goto out;
	}
	pf_buf_addstr(&full, req->worktree);
	while (full.len > 1 && full.buf[full.len - 1] == '/')
		pf_buf_setlen(&full, full.len - 1);
	pf_buf_addf(&full, "/%s", req->path);
	slash = strrchr(full.buf, '/');
	pf_buf_add(&dir, full.buf, (size_t)(slash - full.buf));
	if (!dir.len)
		pf_buf_addch(&dir, '/');

	if (lstat(full.buf, &st)) {
		ret = errno == ENOENT ? pf_error_setc(PF_ENOTFOUND,
						      "'%s' no longer exists",
						      req->path)
				      : pf_error_set("cannot stat '%s': %s",
						     full.buf, strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = pf_error_setc(PF_EINVALID,
				    "'%s' is no longer a regular file",
				    req->path);
		goto out;
	}
	if (!inside_worktree(req->worktree, dir.buf)) {
		ret = pf_error_setc(PF_EINVALID,
				    "'%s' resolves outside the working tree",
				    req->path);
		goto out;
	}
	ret = pf_buf_read_file(&cur, full.buf, APPLY_MAX_BYTES);
	if (ret)
		goto out;
	ret = pf_apply_splice(&next, out, cur.buf, cur.len, req);
	if (ret)
		goto out;
	ret = write_temp(&tmp, &named, dir.buf, full.buf, next.buf, next.len,
			 st.st_mode & 07777);
	if (ret)
		goto out;
	/* Someone (an editor's autosave) wrote the file while we worked:
	 * theirs wins. */
	if (lstat(full.buf, &st2) || !same_file(&st, &st2)) {
		ret = pf_error_setc(PF_EINVALID,
				    "'%s' changed while the fix was being "
				    "applied",
				    req->path);
		goto out;
	}
	if (rename(tmp.buf, full.buf)) {
		ret = pf_error_set("cannot rename '%s' to '%s': %s", tmp.buf,
				   full.buf, strerror(errno));
		goto out;
	}
	named = 0;
	sync_dir(dir.buf);
	ret = 0;
out:
	if (named)
		unlink(tmp.buf);
	pf_buf_release(&full);
	pf_buf_release(&dir);
	pf_buf_release(&cur);
	pf_buf_release(&next);
	pf_buf_release(&tmp);
	return ret;
}
