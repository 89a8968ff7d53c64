#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/diff.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/interval.h"
#include "pushfix/util.h"
#include "testlib.h"

/* A repository r/ in a temp dir, built with the git CLI. */
struct fx {
	char dir[PATH_MAX];
	char path[PATH_MAX + 8]; /* dir/r, the repository */
	git_repository *repo;
	struct pf_changeset cs;
};

#define SH(f, ...) assert_int_equal(pf_test_sh((f)->path, __VA_ARGS__), 0)

static void rev(struct fx *f, git_oid *out, const char *what)
{
	char hex[GIT_OID_HEXSZ + 1];

	pf_test_rev(hex, f->path, what);
	assert_int_equal(git_oid_fromstr(out, hex), 0);
}

static void write_bytes(struct fx *f, const char *rel, const void *data,
			size_t len)
{
	pf_test_write(f->path, rel, data, len);
}

static void write_file(struct fx *f, const char *rel, const char *content)
{
	write_bytes(f, rel, content, strlen(content));
}

/* "L1\nL2\n...Ln\n" */
static void numbered(struct pf_buf *b, int from, int to)
{
	for (int i = from; i <= to; i++)
		pf_buf_addf(b, "line %d\n", i);
}

static void commit_all(struct fx *f, const char *msg)
{
	SH(f, "git add -A && git commit -q --allow-empty -m '%s'", msg);
}

static int fx_setup(void **state)
{
	struct fx *f = pf_xcalloc(1, sizeof(*f));

	if (pf_test_git_home(f->dir, "diff"))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/r", f->dir);
	if (pf_test_sh(f->dir, "git init -q r"))
		return -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	pf_changeset_release(&f->cs);
	git_repository_free(f->repo);
	pf_remove_tree(f->dir);
	free(f);
	return 0;
}

static git_repository *repo(struct fx *f)
{
	git_repository_free(f->repo);
	f->repo = NULL;
	assert_int_equal(git_repository_open(&f->repo, f->path), 0);
	return f->repo;
}

/* pf_diff_range(base, tip) into f->cs; NULL base: the empty tree. */
static void range(struct fx *f, const char *base, const char *tip,
		  const struct pf_diff_opts *o)
{
	git_oid b, t;

	if (base)
		rev(f, &b, base);
	rev(f, &t, tip);
	if (!f->repo)
		repo(f);
	if (pf_diff_range(&f->cs, f->repo, base ? &b : NULL, &t, o))
		fail_msg("pf_diff_range: %s", pf_error_last());
}

static void assert_changes(struct fx *f, const char *want)
{
	struct pf_buf b = PF_BUF_INIT;

	pf_changeset_format(&f->cs, &b);
	assert_string_equal(b.buf, want);
	pf_buf_release(&b);
}

/* "path:reason;" for every skipped file. */
static void assert_skipped(struct fx *f, const char *want)
{
	struct pf_buf b = PF_BUF_INIT;

	for (size_t i = 0; i < f->cs.skipped_nr; i++)
		pf_buf_addf(&b, "%s:%s;", f->cs.skipped[i].path,
			    f->cs.skipped[i].reason);
	assert_string_equal(b.buf, want);
	pf_buf_release(&b);
}

static void test_added_and_modified_lines(void **state)
{
	struct fx *f = *state;
	struct pf_buf v1 = PF_BUF_INIT, v2 = PF_BUF_INIT;
	struct pf_changed_file *cf;
	git_oid tip;
	char hex[GIT_OID_HEXSZ + 1];

	numbered(&v1, 1, 20);
	write_file(f, "f.txt", v1.buf);
	commit_all(f, "one");
	/* Modify line 5, insert three lines after line 11. */
	numbered(&v2, 1, 4);
	pf_buf_addstr(&v2, "line five, changed\n");
	numbered(&v2, 6, 11);
	pf_buf_addstr(&v2, "new a\nnew b\nnew c\n");
	numbered(&v2, 12, 20);
	write_file(f, "f.txt", v2.buf);
	commit_all(f, "two");
	range(f, "HEAD~1", "HEAD", NULL);
	assert_changes(f, "f.txt\t5,12-14\n");
	assert_skipped(f, "");
	cf = pf_changeset_find(&f->cs, "f.txt");
	assert_non_null(cf);
	assert_null(cf->old_path);
	assert_false(cf->whole_file);
	assert_int_equal(cf->mode, 0100644);
	rev(f, &tip, "HEAD:f.txt");
	git_oid_tostr(hex, sizeof(hex), &tip);
	assert_string_equal(cf->blob_oid, hex);
	assert_int_equal(pf_intervals_count(&cf->lines), 4);
	assert_null(pf_changeset_find(&f->cs, "g.txt"));
	assert_null(pf_changeset_find(&f->cs, "f.tx"));
	/* Content is the pushed blob, whatever load finds done. */
	assert_int_equal(pf_changeset_load(&f->cs, f->repo), 0);
	assert_int_equal(cf->content_len, v2.len);
	assert_memory_equal(cf->content, v2.buf, v2.len);
	pf_buf_release(&v1);
	pf_buf_release(&v2);
}

/*
 * Many files and hunks: the interval sets match `git diff -U0`, on one
 * thread and on several (enough files for the parallel path).
 */
#define NFILES 100
static void test_matches_git_diff_u0(void **state)
{
	struct fx *f = *state;
	struct pf_buf want = PF_BUF_INIT, cmd = PF_BUF_INIT;
	char line[512];
	FILE *p;

	for (int i = 0; i < NFILES; i++) {
		struct pf_buf b = PF_BUF_INIT, name = PF_BUF_INIT;

		for (int l = 1; l <= 60; l++)
			pf_buf_addf(&b, "f%d line %d\n", i, l);
		pf_buf_addf(&name, "d%d.txt", i);
		write_file(f, name.buf, b.buf);
		pf_buf_release(&b);
		pf_buf_release(&name);
	}
	commit_all(f, "base");
	for (int i = 0; i < NFILES; i++) {
		struct pf_buf b = PF_BUF_INIT, name = PF_BUF_INIT;

		for (int l = 1; l <= 60; l++) {
			if ((l * (i + 3)) % 7 == 0)
				continue; /* deleted */
			if ((l + i) % 5 == 0)
				pf_buf_addf(&b, "f%d changed %d\n", i, l);
			else
				pf_buf_addf(&b, "f%d line %d\n", i, l);
			if ((l * i) % 11 == 1)
				pf_buf_addf(&b, "f%d added after %d\n", i, l);
		}
		pf_buf_addf(&name, "d%d.txt", i);
		write_file(f, name.buf, b.buf);
		pf_buf_release(&b);
		pf_buf_release(&name);
	}
	commit_all(f, "edit");

	/* Rebuild the expected format from git's own hunk headers. */
	pf_buf_addf(&cmd, "git -C '%s' diff --unified=0 --no-color HEAD~1 HEAD",
		    f->path);
	p = popen(cmd.buf, "r");
	assert_non_null(p);
	{
		struct pf_intervals cur = PF_INTERVALS_INIT;
		char path[sizeof(line)] = "";

		while (fgets(line, sizeof(line), p)) {
			unsigned long a, n = 1;
			char *plus;

			if (!strncmp(line, "+++ b/", 6)) {
				if (*path && cur.nr) {
					pf_buf_addf(&want, "%s\t", path);
					pf_intervals_normalize(&cur);
					pf_intervals_format(&cur, &want);
					pf_buf_addch(&want, '\n');
				}
				pf_intervals_release(&cur);
				snprintf(path, sizeof(path), "%s", line + 6);
				path[strcspn(path, "\n")] = '\0';
				continue;
			}
			if (strncmp(line, "@@ ", 3) ||
			    !(plus = strchr(line, '+')))
				continue;
			a = strtoul(plus + 1, &plus, 10);
			if (*plus == ',')
				n = strtoul(plus + 1, NULL, 10);
			if (n)
				pf_intervals_add(&cur, (uint32_t)a,
						 (uint32_t)(a + n - 1));
		}
		if (*path && cur.nr) {
			pf_buf_addf(&want, "%s\t", path);
			pf_intervals_normalize(&cur);
			pf_intervals_format(&cur, &want);
			pf_buf_addch(&want, '\n');
		}
		pf_intervals_release(&cur);
	}
	pclose(p);
	assert_true(want.len > 100 * NFILES / 12);
	for (int threads = 1; threads <= 3; threads++) {
		char t[2] = { (char)('0' + threads), 0 };

		setenv("PUSHFIX_DIFF_THREADS", t, 1);
		pf_changeset_release(&f->cs);
		range(f, "HEAD~1", "HEAD", NULL);
		assert_changes(f, want.buf);
	}
	/* Unset: the automatic choice (parallel on a multi-core machine). */
	unsetenv("PUSHFIX_DIFF_THREADS");
	pf_changeset_release(&f->cs);
	range(f, "HEAD~1", "HEAD", NULL);
	assert_changes(f, want.buf);
	pf_buf_release(&want);
	pf_buf_release(&cmd);
}

static void test_rename_with_edit(void **state)
{
	struct fx *f = *state;
	struct pf_buf v1 = PF_BUF_INIT, v2 = PF_BUF_INIT;
	struct pf_changed_file *cf;

	numbered(&v1, 1, 10);
	write_file(f, "old.c", v1.buf);
	numbered(&v2, 1, 2);
	pf_buf_addstr(&v2, "edited three\n");
	numbered(&v2, 4, 10);
	commit_all(f, "one");
	SH(f, "git mv old.c new.c");
	write_file(f, "new.c", v2.buf);
	commit_all(f, "rename");
	range(f, "HEAD~1", "HEAD", NULL);
	assert_changes(f, "new.c\t3\n");
	/* The old path is gone but it is a rename, not a deletion. */
	assert_skipped(f, "");
	cf = pf_changeset_find(&f->cs, "new.c");
	assert_non_null(cf);
	assert_non_null(cf->old_path);
	assert_string_equal(cf->old_path, "old.c");
	pf_changeset_release(&f->cs);

	/* With rename detection off: a new file, every line. */
	{
		struct pf_diff_opts o = { 0, 0, 0 };

		range(f, "HEAD~1", "HEAD", &o);
		assert_changes(f, "new.c\t1-10\n");
		assert_skipped(f, "old.c:deleted;");
	}
	pf_buf_release(&v1);
	pf_buf_release(&v2);
}

static void test_rename_without_edit(void **state)
{
	struct fx *f = *state;
	struct pf_buf v1 = PF_BUF_INIT;

	numbered(&v1, 1, 10);
	write_file(f, "old.c", v1.buf);
	write_file(f, "other.c", "x\n");
	commit_all(f, "one");
	SH(f, "git mv old.c moved.c && chmod +x other.c");
	commit_all(f, "rename, mode");
	range(f, "HEAD~1", "HEAD", NULL);
	/* No line added: neither the renamed nor the chmod'ed file. */
	assert_changes(f, "");
	assert_int_equal(f->cs.nr, 0);
	assert_skipped(f, "");
	pf_buf_release(&v1);
}

static void test_skipped_with_reasons(void **state)
{
	struct fx *f = *state;
	static const char bin[] = { 'P', 'K', 0, 1, 2, '\n', 'x', 0 };
	struct pf_buf big = PF_BUF_INIT;
	struct pf_diff_opts o = { 100, 1, 0 };

	write_file(f, "gone.txt", "bye\n");
	write_file(f, "keep.txt", "a\n");
	commit_all(f, "one");
	write_bytes(f, "blob.bin", bin, sizeof(bin));
	write_file(f, ".gitattributes", "*.dat binary\n");
	write_file(f, "text.dat", "looks like text\n");
	SH(f, "ln -s keep.txt link && git rm -q gone.txt");
	for (int i = 0; i < 20; i++)
		pf_buf_addstr(&big, "0123456789\n");
	write_file(f, "big.txt", big.buf);
	write_file(f, "small.txt", "just fine\n");
	/* A gitlink without a checkout: `add -A` must come first. */
	SH(f, "git add -A && git update-index --add --cacheinfo "
	      "160000,1111111111111111111111111111111111111111,sub && "
	      "git commit -qm two");
	range(f, "HEAD~1", "HEAD", &o);
	assert_changes(f, ".gitattributes\t1\nsmall.txt\t1\n");
	assert_skipped(f, "big.txt:larger than 100 bytes;"
			  "blob.bin:binary;"
			  "gone.txt:deleted;"
			  "link:symlink;"
			  "sub:submodule;"
			  "text.dat:binary;");
	pf_changeset_release(&f->cs);

	/* No limit: the big file is in. */
	range(f, "HEAD~1", "HEAD", NULL);
	assert_non_null(pf_changeset_find(&f->cs, "big.txt"));
	assert_int_equal(pf_intervals_count(
				 &pf_changeset_find(&f->cs, "big.txt")->lines),
			 20);
	pf_buf_release(&big);
}

/* Binary on either side only matters for the side that is pushed. */
static void test_binary_replaced_by_text(void **state)
{
	struct fx *f = *state;
	static const char bin[] = { 'B', 0, 'I', 'N', '\n' };

	write_bytes(f, "x.dat", bin, sizeof(bin));
	write_file(f, "y.txt", "text\n");
	commit_all(f, "one");
	write_file(f, "x.dat", "now\ntext\n");
	write_bytes(f, "y.txt", bin, sizeof(bin));
	commit_all(f, "two");
	range(f, "HEAD~1", "HEAD", NULL);
	assert_changes(f, "x.dat\t1-2\n");
	assert_skipped(f, "y.txt:binary;");
}

static void test_crlf(void **state)
{
	struct fx *f = *state;
	struct pf_changed_file *cf;

	write_file(f, "win.txt", "one\r\ntwo\r\nthree\r\nfour\r\n");
	commit_all(f, "one");
	write_file(f, "win.txt", "one\r\nTWO\r\nthree\r\nfour\r\nfive\r\n");
	write_file(f, "new.txt", "a\r\nb\r\nc\r\n");
	/* A lone CR is no line break, for git or for us. */
	write_file(f, "mac.txt", "a\rb\rc\n");
	commit_all(f, "two");
	range(f, "HEAD~1", "HEAD", NULL);
	assert_changes(f, "mac.txt\t1\nnew.txt\t1-3\nwin.txt\t2,5\n");
	cf = pf_changeset_find(&f->cs, "win.txt");
	assert_int_equal(pf_changeset_load(&f->cs, f->repo), 0);
	assert_string_equal(cf->content,
			    "one\r\nTWO\r\nthree\r\nfour\r\nfive\r\n");
}

static void test_no_trailing_newline(void **state)
{
	struct fx *f = *state;

	write_file(f, "a.txt", "one\ntwo");
	write_file(f, "b.txt", "one\ntwo\n");
	commit_all(f, "one");
	write_file(f, "a.txt", "one\ntwo\nthree");
	write_file(f, "b.txt", "one\ntwo\nthree");
	write_file(f, "c.txt", "x\ny");
	commit_all(f, "two");
	range(f, "HEAD~1", "HEAD", NULL);
	/* As git shows it: a line gaining a newline is a changed line. */
	assert_changes(f, "a.txt\t2-3\nb.txt\t3\nc.txt\t1-2\n");
}

static void test_two_ranges_merge(void **state)
{
	struct fx *f = *state;
	struct pf_buf v = PF_BUF_INIT;
	struct pf_changed_file *cf;

	numbered(&v, 1, 10);
	write_file(f, "f.txt", v.buf);
	commit_all(f, "c0");
	pf_buf_reset(&v);
	numbered(&v, 1, 1);
	pf_buf_addstr(&v, "two!\n");
	numbered(&v, 3, 10);
	write_file(f, "f.txt", v.buf);
	commit_all(f, "c1");
	pf_buf_reset(&v);
	numbered(&v, 1, 1);
	pf_buf_addstr(&v, "two!\n");
	numbered(&v, 3, 7);
	pf_buf_addstr(&v, "eight!\n");
	numbered(&v, 9, 10);
	write_file(f, "f.txt", v.buf);
	commit_all(f, "c2");
	/* Same tip blob seen from two bases: one entry, lines united. */
	range(f, "HEAD~1", "HEAD", NULL);
	assert_changes(f, "f.txt\t8\n");
	range(f, "HEAD~2", "HEAD", NULL);
	assert_changes(f, "f.txt\t2,8\n");
	assert_int_equal(f->cs.nr, 1);
	range(f, "HEAD~1", "HEAD", NULL); /* again: no duplicate */
	assert_int_equal(f->cs.nr, 1);
	/* Another version of the same path is another entry. */
	range(f, "HEAD~2", "HEAD~1", NULL);
	assert_int_equal(f->cs.nr, 2);
	{
		struct pf_buf b = PF_BUF_INIT;

		/* Sorted by path, then blob id. */
		pf_changeset_format(&f->cs, &b);
		assert_true(!strcmp(b.buf, "f.txt\t2,8\nf.txt\t2\n") ||
			    !strcmp(b.buf, "f.txt\t2\nf.txt\t2,8\n"));
		assert_true(strcmp(f->cs.files[0].blob_oid,
				   f->cs.files[1].blob_oid) < 0);
		pf_buf_release(&b);
	}
	cf = pf_changeset_find(&f->cs, "f.txt");
	assert_true(cf == &f->cs.files[0]);
	pf_changeset_finish(&f->cs); /* idempotent */
	assert_int_equal(f->cs.nr, 2);
	pf_buf_release(&v);
}

static void test_typechange_symlink_to_file(void **state)
{
	struct fx *f = *state;

	write_file(f, "target", "t\n");
	SH(f, "ln -s target thing");
	commit_all(f, "one");
	SH(f, "rm thing");
	write_file(f, "thing", "now\na file\n");
	commit_all(f, "two");
	range(f, "HEAD~1", "HEAD", NULL);
	assert_changes(f, "thing\t1-2\n");
	pf_changeset_release(&f->cs);
	range(f, "HEAD~1", "HEAD~1", NULL);
	assert_changes(f, "");
}

static void test_first_push_empty_tree(void **state)
{
	struct fx *f = *state;

	write_file(f, "a.txt", "1\n2\n3\n");
	write_file(f, "empty", "");
	commit_all(f, "one");
	range(f, NULL, "HEAD", NULL);
	/* An empty new file adds no line. */
	assert_changes(f, "a.txt\t1-3\n");
}

static void test_quoted_paths(void **state)
{
	struct fx *f = *state;

	write_file(f, "tab\there", "x\n");
	write_file(f, "q\"uote", "y\n");
	write_file(f, "plain name", "z\n");
	commit_all(f, "one");
	range(f, NULL, "HEAD", NULL);
	assert_changes(f, "plain name\t1\n\"q\\\"uote\"\t1\n"
			  "\"tab\\there\"\t1\n");
}

static void test_staged(void **state)
{
	struct fx *f = *state;

	/* Unborn HEAD: everything staged is new. */
	write_file(f, "a.txt", "1\n2\n");
	SH(f, "git add a.txt");
	repo(f);
	assert_int_equal(pf_diff_staged(&f->cs, f->repo, NULL), 0);
	assert_changes(f, "a.txt\t1-2\n");
	pf_changeset_release(&f->cs);

	commit_all(f, "one");
	write_file(f, "a.txt", "1\n2\n3\n");
	write_file(f, "b.txt", "b\n");
	SH(f, "git add a.txt b.txt");
	/* Not staged: must not show. */
	write_file(f, "a.txt", "1\nchanged in the worktree\n3\n4\n");
	write_file(f, "c.txt", "untracked\n");
	repo(f);
	assert_int_equal(pf_diff_staged(&f->cs, f->repo, NULL), 0);
	assert_changes(f, "a.txt\t3\nb.txt\t1\n");
	assert_int_equal(pf_changeset_load(&f->cs, f->repo), 0);
	assert_string_equal(pf_changeset_find(&f->cs, "a.txt")->content,
			    "1\n2\n3\n");
}

static void test_all(void **state)
{
	struct fx *f = *state;
	static const char bin[] = { 'G', 'I', 'F', 0, 9 };
	struct pf_changed_file *cf;
	struct pf_diff_opts o = { 30, 1, 0 };
	git_oid tip;

	write_file(f, "a.txt", "1\n2\n3\n");
	SH(f, "mkdir dir");
	write_file(f, "dir/b.txt", "x\ny");
	write_file(f, "empty", "");
	write_file(f, "crlf.txt", "a\r\nb\r\n");
	write_bytes(f, "img.gif", bin, sizeof(bin));
	write_file(f, "huge.txt", "this line is longer than thirty bytes\n");
	SH(f, "ln -s a.txt link");
	commit_all(f, "one");
	write_file(f, "a.txt", "1\n2\n3\n4\n"); /* not committed */
	rev(f, &tip, "HEAD");
	repo(f);
	assert_int_equal(pf_diff_all(&f->cs, f->repo, &tip, &o), 0);
	assert_changes(f, "a.txt\t1-3\ncrlf.txt\t1-2\ndir/b.txt\t1-2\n"
			  "empty\t\n");
	assert_skipped(f, "huge.txt:larger than 30 bytes;img.gif:binary;"
			  "link:symlink;");
	for (size_t i = 0; i < f->cs.nr; i++)
		assert_true(f->cs.files[i].whole_file);
	cf = pf_changeset_find(&f->cs, "empty");
	assert_non_null(cf);
	assert_int_equal(cf->lines.nr, 0);
	assert_int_equal(pf_changeset_load(&f->cs, f->repo), 0);
	assert_int_equal(cf->content_len, 0);
	assert_string_equal(pf_changeset_find(&f->cs, "a.txt")->content,
			    "1\n2\n3\n");
}

static void test_load_fills_missing_content(void **state)
{
	struct fx *f = *state;
	struct pf_changed_file *cf;

	write_file(f, "a.txt", "hello\n");
	commit_all(f, "one");
	range(f, NULL, "HEAD", NULL);
	cf = pf_changeset_find(&f->cs, "a.txt");
	free(cf->content);
	cf->content = NULL;
	cf->content_len = 0;
	assert_int_equal(pf_changeset_load(&f->cs, f->repo), 0);
	assert_string_equal(cf->content, "hello\n");
	assert_int_equal(cf->content_len, 6);
	/* A blob that is not there: an error naming the file. */
	free(cf->content);
	cf->content = NULL;
	memcpy(cf->blob_oid, "1111111111111111111111111111111111111111", 40);
	assert_int_not_equal(pf_changeset_load(&f->cs, f->repo), 0);
	assert_non_null(strstr(pf_error_last(), "a.txt: cannot read blob"));
}

static void test_bad_tip(void **state)
{
	struct fx *f = *state;
	git_oid missing;

	write_file(f, "a.txt", "hello\n");
	commit_all(f, "one");
	repo(f);
	git_oid_fromstr(&missing, "1111111111111111111111111111111111111111");
	assert_int_not_equal(
		pf_diff_range(&f->cs, f->repo, NULL, &missing, NULL), 0);
	assert_non_null(strstr(pf_error_last(),
			       "tip 1111111111111111111111111111111111111111: "
			       "not a tree-ish"));
	assert_int_equal(f->cs.nr, 0);
}

static void test_release_null(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	pf_changeset_release(NULL);
	pf_changeset_release(&cs);
	pf_changeset_finish(&cs);
	assert_null(pf_changeset_find(&cs, "x"));
	pf_changeset_format(&cs, &b);
	assert_string_equal(b.buf, "");
}

/* What git's verify_path() refuses with core.protectHFS/protectNTFS. */
static void test_path_refused(void **state)
{
	static const char *const refused[] = {
		".git/config", ".GIT/HEAD", ".Git", "a/.git/config", ".git.",
		".git./x", ".git  ", ".git . /x", "git~1/config", "GIT~1",
		".git:stream", ".git\\config", ".g\xe2\x80\x8cit/config",
		"\xef\xbb\xbf.git/x", ".gi\xe2\x80\x8dT", ".git\xff",
	};
	static const char *const fine[] = {
		".gitignore", ".github/workflows/ci.yml", ".git-blame",
		".GIT.config", "git~2/x", "a.git/x", "git", "x/.gitmodules",
		"g\xe2\x80\x8c.git", ".gi\xc3\xa9t",
	};

	(void)state;
	for (size_t i = 0; i < PF_ARRAY_SIZE(refused); i++)
		if (!pf_diff_path_refused(refused[i], 0100644))
			fail_msg("not refused: %s", refused[i]);
	for (size_t i = 0; i < PF_ARRAY_SIZE(fine); i++)
		if (pf_diff_path_refused(fine[i], 0100644))
			fail_msg("refused: %s", fine[i]);
	/* .gitmodules only as a symlink. */
	assert_true(pf_diff_path_refused(".gitmodules", 0120000));
	assert_true(pf_diff_path_refused("x/.GITMODULES ", 0120000));
	assert_true(pf_diff_path_refused("gitmod~1", 0120000));
	assert_false(pf_diff_path_refused("gitmod~1", 0100644));
	assert_false(pf_diff_path_refused(".gitmodulesx", 0120000));
}

static void test_refused_note(void **state)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_buf b = PF_BUF_INIT;
	char name[16];

	(void)state;
	pf_changeset_refused_note(&cs, &b);
	assert_string_equal(b.buf, "");
	for (int i = 0; i < 12; i++) {
		PF_ALLOC_GROW(cs.skipped, cs.skipped_nr + 1, cs.skipped_alloc);
		snprintf(name, sizeof(name), ".git/%c\n", 'a' + i);
		cs.skipped[cs.skipped_nr].path = pf_xstrdup(name);
		cs.skipped[cs.skipped_nr++].reason =
			pf_xstrdup(i == 1 ? "binary" : PF_SKIP_REFUSED);
	}
	pf_changeset_refused_note(&cs, &b);
	assert_string_equal(b.buf,
			    "not scanned, paths git refuses to check out: "
			    ".git/a\\n, .git/c\\n, .git/d\\n, .git/e\\n, "
			    ".git/f\\n, .git/g\\n, .git/h\\n, .git/i\\n, "
			    ".git/j\\n, .git/k\\n and 1 more");
	pf_changeset_release(&cs);
	pf_buf_release(&b);
}

/* keep_unchanged (filter = file | all): files that gain no line are in,
 * with why; a deleted or binary one is still only skipped. */
static void test_keep_unchanged(void **state)
{
	struct fx *f = *state;
	static const char bin[] = { 'B', 0, 'I', 'N', '\n' };
	struct pf_diff_opts o = { 0, 1, 1 };
	struct pf_buf why = PF_BUF_INIT, v1 = PF_BUF_INIT;

	numbered(&v1, 1, 10);
	write_file(f, "old.c", v1.buf);
	write_file(f, "other.c", "x\n");
	write_file(f, "shrink.c", "a\nb\nc\n");
	write_file(f, "gone.c", "bye\n");
	write_file(f, "edit.c", "1\n");
	write_bytes(f, "b.dat", bin, sizeof(bin));
	commit_all(f, "one");
	write_file(f, "shrink.c", "a\nc\n");
	write_file(f, "edit.c", "1\n2\n");
	SH(f, "git mv old.c moved.c && git mv b.dat c.dat && chmod +x other.c "
	      "&& git rm -q gone.c");
	commit_all(f, "rename, mode, removal");
	range(f, "HEAD~1", "HEAD", &o);
	/* The line list names only files with added lines... */
	assert_changes(f, "edit.c\t2\n");
	assert_int_equal(f->cs.nr, 4);
	assert_int_equal(pf_changeset_added_lines(&f->cs), 1);
	/* ...the others are here with why. */
	pf_changeset_format_unadded(&f->cs, &why);
	assert_string_equal(why.buf,
			    "moved.c: renamed from old.c, content unchanged\n"
			    "other.c: mode changed, content unchanged\n"
			    "shrink.c: only lines removed\n");
	assert_null(pf_changeset_find(&f->cs, "edit.c")->why);
	assert_non_null(pf_changeset_find(&f->cs, "moved.c")->content);
	assert_skipped(f, "c.dat:binary;gone.c:deleted;");
	/* The commits of the range, once each. */
	assert_int_equal(f->cs.commits_nr, 1);
	pf_changeset_release(&f->cs);

	/* Without it, as before: only the file with an added line. */
	o.keep_unchanged = 0;
	range(f, "HEAD~1", "HEAD", &o);
	assert_int_equal(f->cs.nr, 1);
	assert_skipped(f, "gone.c:deleted;");
	pf_changeset_release(&f->cs);

	/* Two ranges sharing commits count each commit once. */
	range(f, "HEAD~1", "HEAD", &o);
	range(f, NULL, "HEAD", &o);
	assert_int_equal(f->cs.commits_nr, 2);
	pf_buf_release(&why);
	pf_buf_release(&v1);
}

int main(void)
{
#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)
	const struct CMUnitTest tests[] = {
		FX(test_added_and_modified_lines),
		FX(test_matches_git_diff_u0),
		FX(test_rename_with_edit),
		FX(test_rename_without_edit),
		FX(test_keep_unchanged),
		FX(test_skipped_with_reasons),
		FX(test_binary_replaced_by_text),
		FX(test_crlf),
		FX(test_no_trailing_newline),
		FX(test_two_ranges_merge),
		FX(test_typechange_symlink_to_file),
		FX(test_first_push_empty_tree),
		FX(test_quoted_paths),
		FX(test_staged),
		FX(test_all),
		FX(test_load_fills_missing_content),
		FX(test_bad_tip),
		cmocka_unit_test(test_release_null),
		cmocka_unit_test(test_path_refused),
		cmocka_unit_test(test_refused_note),
	};
	int rc;

	git_libgit2_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return rc;
}
