#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/apply.h"
#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/util.h"

/* ---- the pure splice -------------------------------------------------- */

static int do_splice(struct pf_buf *out, struct pf_apply_result *res,
		  const char *pushed, const char *cur, uint32_t start,
		  uint32_t end, const char *repl, uint32_t expect)
{
	struct pf_apply_req req;

	memset(&req, 0, sizeof(req));
	req.path = "app.py";
	req.pushed = pushed;
	req.pushed_len = strlen(pushed);
	req.start_line = start;
	req.end_line = end;
	req.replacement = repl;
	req.replacement_len = strlen(repl);
	req.expect_line = expect;
	return pf_apply_splice(out, res, cur, strlen(cur), &req);
}

static void expect_splice(const char *pushed, const char *cur, uint32_t start,
			  uint32_t end, const char *repl, const char *want,
			  uint32_t at, int moved)
{
	struct pf_buf out = PF_BUF_INIT;
	struct pf_apply_result r;

	assert_int_equal(do_splice(&out, &r, pushed, cur, start, end, repl, 0), 0);
	assert_string_equal(out.buf, want);
	assert_int_equal(out.len, strlen(want));
	assert_int_equal(r.at_line, at);
	assert_int_equal(r.moved, moved);
	pf_buf_release(&out);
}

static void expect_refused(const char *pushed, const char *cur,
			   uint32_t start, uint32_t end, const char *msg)
{
	struct pf_buf out = PF_BUF_INIT;
	struct pf_apply_result r;

	pf_error_clear();
	assert_int_equal(do_splice(&out, &r, pushed, cur, start, end, "X\n", 0),
			 PF_EINVALID);
	assert_string_equal(pf_error_last(), msg);
	assert_int_equal(out.len, 0); /* nothing produced */
	pf_buf_release(&out);
}

static void test_replace_lines(void **state)
{
	(void)state;
	expect_splice("a\nb\nc\nd\n", "a\nb\nc\nd\n", 2, 3, "X\n",
		      "a\nX\nd\n", 2, 0);
	/* More lines than it replaces; first and last line. */
	expect_splice("a\nb\nc\n", "a\nb\nc\n", 1, 1, "1\n2\n3\n",
		      "1\n2\n3\nb\nc\n", 1, 0);
	expect_splice("a\nb\nc\n", "a\nb\nc\n", 3, 3, "Z\n", "a\nb\nZ\n", 3,
		      0);
	/* Deleting lines. */
	expect_splice("a\nb\nc\n", "a\nb\nc\n", 2, 2, "", "a\nc\n", 2, 0);
	/* The rule fix of the recorded Semgrep case: 5 lines -> 1. */
	expect_splice("def f():\n    return requests.post(\n        h=1,\n"
		      "        u=2,\n    )\n\nx = 1\n",
		      "def f():\n    return requests.post(\n        h=1,\n"
		      "        u=2,\n    )\n\nx = 1\n",
		      2, 5, "    return requests.post(h=1, u=2, _i=True)\n",
		      "def f():\n    return requests.post(h=1, u=2, _i=True)\n"
		      "\nx = 1\n",
		      2, 0);
}

static void test_changed_elsewhere(void **state)
{
	(void)state;
	/* Edits below and on other lines do not matter. */
	expect_splice("a\nb\nc\nd\n", "a\nb\nc\nd\nnew\n", 2, 3, "X\n",
		      "a\nX\nd\nnew\n", 2, 0);
	expect_splice("a\nb\nc\nd\n", "A!\nb\nc\nD!\n", 2, 3, "X\n",
		      "A!\nX\nD!\n", 2, 0);
	/* Lines moved down by an edit above: followed, applied there. */
	expect_splice("a\nb\nc\nd\n", "top\ntop2\na\nb\nc\nd\n", 2, 3, "X\n",
		      "top\ntop2\na\nX\nd\n", 4, 1);
	/* ... also when the same lines appear twice: the diff knows which
	 * copy is which (the second, here, after an edit above both). */
	expect_splice("b\nc\nmid\nb\nc\n", "new\nb\nc\nmid\nb\nc\n", 4, 5,
		      "X\n", "new\nb\nc\nmid\nX\n", 5, 1);
	expect_splice("b\nc\nmid\nb\nc\n", "b\nc\nmid2\nb\nc\n", 1, 2,
		      "X\n", "X\nmid2\nb\nc\n", 1, 0);
	/* Removed lines above, and edits in the middle of the file. */
	expect_splice("h1\nh2\na\nm1\nm2\nb\nt\n", "h1\na\nm1\nM2!\nb\nt\n", 6,
		      6, "B\n", "h1\na\nm1\nM2!\nB\nt\n", 5, 1);
	/* Cut and pasted elsewhere, unique before and after: found. */
	expect_splice("a\nuniq()\nb\nc\n", "a\nb\nc\nuniq()\n", 2, 2,
		      "fixed()\n", "a\nb\nc\nfixed()\n", 4, 1);
}

static void test_expect_line(void **state)
{
	struct pf_buf out = PF_BUF_INIT;
	struct pf_apply_result r;

	(void)state;
	/* The same lines twice: an earlier fix moved them to line 4, the
	 * session says so, and the copy at the old place is not touched. */
	assert_int_equal(do_splice(&out, &r, "b\nc\nb\nc\n", "X\nb\nc\nb\nc\n",
				3, 4, "Y\n", 4),
			 0);
	assert_string_equal(out.buf, "X\nb\nc\nY\n");
	assert_int_equal(r.at_line, 4);
	assert_int_equal(r.moved, 0);
	assert_int_equal(r.old_lines, 2);
	assert_int_equal(r.new_lines, 1);
	pf_buf_release(&out);
}

static void test_refusals(void **state)
{
	(void)state;
	expect_refused("a\nb\nc\n", "a\nB\nc\n", 2, 2,
		       "'app.py' lines 2-2 changed since the push");
	/* One of several lines changed. */
	expect_refused("a\nb\nc\nd\n", "a\nb\nC\nd\n", 2, 3,
		       "'app.py' lines 2-3 changed since the push");
	/* Duplicated code: the copy the fix was for was edited; the
	 * untouched copy must not receive its fix. */
	expect_refused("b\nc\nmid\nb\nc\n", "b\nC\nmid\nb\nc\n", 1, 2,
		       "'app.py' lines 1-2 changed since the push");
	expect_refused("f(\n x,\n)\nf(\n x,\n)\n", "f(\n y,\n)\nf(\n x,\n)\n",
		       1, 3, "'app.py' lines 1-3 changed since the push");
	/* The file was emptied. */
	expect_refused("a\nb\n", "", 1, 1,
		       "'app.py' lines 1-1 changed since the push");
	/* Lines outside the pushed file. */
	expect_refused("a\nb\n", "a\nb\n", 2, 3,
		       "the fix for 'app.py' covers lines 2-3 but the pushed "
		       "file has 2 lines");
	expect_refused("a\nb\n", "a\nb\n", 0, 1,
		       "the fix for 'app.py' covers lines 0-1 but the pushed "
		       "file has 2 lines");
	/* Trailing white space is a change too. */
	expect_refused("a\nb\n", "a \nb\n", 1, 1,
		       "'app.py' lines 1-1 changed since the push");
}

/*
 * The user inserted a line inside the block being fixed: the block did
 * not survive together, so the fix is refused, and above all the user's
 * line is not overwritten.
 */
static void test_line_inserted_inside_block(void **state)
{
	(void)state;
	expect_refused("a\nb\nc\nd\n", "a\nb\nmine\nc\nd\n", 2, 3,
		       "'app.py' lines 2-3 changed since the push");
	expect_refused("h\nf(\n x,\n)\nt\n", "h\nf(\n x,\n mine,\n)\nt\n", 2,
		       4, "'app.py' lines 2-4 changed since the push");
	/* Just outside the block is no change to it. */
	expect_splice("a\nb\nc\nd\n", "a\nmine\nb\nc\nd\n", 2, 3, "X\n",
		      "a\nmine\nX\nd\n", 3, 1);
	expect_splice("a\nb\nc\nd\n", "a\nb\nc\nmine\nd\n", 2, 3, "X\n",
		      "a\nX\nmine\nd\n", 2, 0);
}

/* Files too different to diff (over 4M line pairs): the lines are taken
 * where the caller expects them, or where they are the only copy. */
static void test_fallback_without_diff(void **state)
{
	struct pf_buf pushed = PF_BUF_INIT, cur = PF_BUF_INIT,
		      out = PF_BUF_INIT;
	struct pf_apply_result r;

	(void)state;
	for (int i = 0; i < 2100; i++) {
		if (i == 1998 || i == 1999)
			pf_buf_addf(&pushed, "B%d\n", i - 1997);
		else
			pf_buf_addf(&pushed, "p%d\n", i);
	}
	/* Lines 1999-2000 of the pushed file are "B1", "B2". */
	for (int i = 0; i < 2100; i++)
		pf_buf_addf(&cur, "q%d\n", i);
	pf_buf_addstr(&cur, "B1\nB2\n");
	assert_int_equal(do_splice(&out, &r, pushed.buf, cur.buf, 1999, 2000,
				   "X\n", 0),
			 0);
	assert_int_equal(r.at_line, 2101);
	assert_int_equal(r.moved, 1);
	assert_true(pf_ends_with(out.buf, "q2099\nX\n"));
	/* Twice: refused. */
	pf_buf_addstr(&cur, "B1\nB2\n");
	pf_buf_reset(&out);
	pf_error_clear();
	assert_int_equal(do_splice(&out, &r, pushed.buf, cur.buf, 1999, 2000,
				   "X\n", 0),
			 PF_EINVALID);
	assert_string_equal(pf_error_last(),
			    "'app.py' lines 1999-2000 moved and now appear 2 "
			    "times");
	assert_int_equal(out.len, 0);
	/* ... unless one copy is where the caller expects it. */
	assert_int_equal(do_splice(&out, &r, pushed.buf, cur.buf, 1999, 2000,
				   "X\n", 2103),
			 0);
	assert_int_equal(r.at_line, 2103);
	assert_int_equal(r.moved, 0);
	assert_true(pf_ends_with(out.buf, "B1\nB2\nX\n"));
	pf_buf_release(&pushed);
	pf_buf_release(&cur);
	pf_buf_release(&out);
}

static void test_crlf(void **state)
{
	(void)state;
	/* A CRLF checkout of an LF blob matches, and stays CRLF. */
	expect_splice("a\nb\nc\n", "a\r\nb\r\nc\r\n", 2, 2, "X\nY\n",
		      "a\r\nX\r\nY\r\nc\r\n", 2, 0);
	/* A CRLF blob and a fix written with CRLF: no doubled CR. */
	expect_splice("a\r\nb\r\n", "a\r\nb\r\n", 1, 1, "X\r\n",
		      "X\r\nb\r\n", 1, 0);
	/* Only the lines of the fix take the file's line end; a mixed
	 * file keeps its other lines as they were. */
	expect_splice("a\nb\nc\n", "a\n b\r\nc\n", 1, 1, "X\n",
		      "X\n b\r\nc\n", 1, 0);
}

static void test_no_final_newline(void **state)
{
	(void)state;
	expect_splice("a\nb", "a\nb", 2, 2, "B\n", "a\nB", 2, 0);
	expect_splice("a\nb", "a\nb", 2, 2, "B", "a\nB", 2, 0);
	expect_splice("a\nb", "a\nb", 2, 2, "B1\nB2\n", "a\nB1\nB2", 2, 0);
	expect_splice("a\nb", "a\nb", 1, 1, "A\n", "A\nb", 1, 0);
	/* Deleting the last line keeps "no newline at the end". */
	expect_splice("a\nb", "a\nb", 2, 2, "", "a", 2, 0);
	expect_splice("a\r\nb", "a\r\nb", 2, 2, "", "a", 2, 0);
	/* A newline the working tree gained is kept too. */
	expect_splice("a\nb", "a\nb\n", 2, 2, "B", "a\nB\n", 2, 0);
	/* A fix for a line in the middle that lacks its newline. */
	expect_splice("a\nb\nc\n", "a\nb\nc\n", 2, 2, "B", "a\nB\nc\n", 2, 0);
}

static void test_cut_and_count(void **state)
{
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	assert_int_equal(pf_apply_count_lines("", 0), 0);
	assert_int_equal(pf_apply_count_lines("a", 1), 1);
	assert_int_equal(pf_apply_count_lines("a\n", 2), 1);
	assert_int_equal(pf_apply_count_lines("a\nb", 3), 2);
	assert_int_equal(pf_apply_cut_lines(&b, "a\nb\r\nc", 7, 2, 3), 0);
	assert_string_equal(b.buf, "b\r\nc");
	pf_buf_reset(&b);
	assert_int_equal(pf_apply_cut_lines(&b, "a\n", 2, 2, 2), PF_EINVALID);
	assert_int_equal(b.len, 0);
	pf_buf_release(&b);
}

/* ---- on disk ---------------------------------------------------------- */

struct tree {
	char dir[64];
};

static int tree_setup(void **state)
{
	struct tree *t = pf_xcalloc(1, sizeof(*t));

	strcpy(t->dir, "/tmp/pf-apply-XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	*state = t;
	return 0;
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;

	pf_remove_tree(t->dir);
	free(t);
	return 0;
}

static void put_file(const char *dir, const char *name, const char *data,
		     mode_t mode)
{
	struct pf_buf p = PF_BUF_INIT;
	FILE *f;

	pf_buf_addf(&p, "%s/%s", dir, name);
	f = fopen(p.buf, "wb");
	assert_non_null(f);
	fwrite(data, 1, strlen(data), f);
	fclose(f);
	chmod(p.buf, mode);
	pf_buf_release(&p);
}

static char *get_file(const char *dir, const char *name)
{
	struct pf_buf p = PF_BUF_INIT, d = PF_BUF_INIT;

	pf_buf_addf(&p, "%s/%s", dir, name);
	assert_int_equal(pf_buf_read_file(&d, p.buf, 0), 0);
	pf_buf_release(&p);
	return pf_buf_detach(&d, NULL);
}

static mode_t file_mode(const char *dir, const char *name)
{
	struct pf_buf p = PF_BUF_INIT;
	struct stat st;

	pf_buf_addf(&p, "%s/%s", dir, name);
	assert_int_equal(stat(p.buf, &st), 0);
	pf_buf_release(&p);
	return st.st_mode & 07777;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void req_init(struct pf_apply_req *req, const char *dir,
		     const char *path, const char *pushed, uint32_t s,
		     uint32_t e, const char *repl)
{
	memset(req, 0, sizeof(*req));
	req->worktree = dir;
	req->path = path;
	req->pushed = pushed;
	req->pushed_len = strlen(pushed);
	req->start_line = s;
	req->end_line = e;
	req->replacement = repl;
	req->replacement_len = strlen(repl);
}

static void test_apply_file(void **state)
{
	struct tree *t = *state;
	struct pf_apply_req req;
	struct pf_apply_result r;
	struct pf_buf sub = PF_BUF_INIT;
	char *data;

	pf_buf_addf(&sub, "%s/src", t->dir);
	assert_int_equal(pf_mkdir_p(sub.buf, 0755), 0);
	put_file(t->dir, "src/run.sh", "#!/bin/sh\necho $1\nexit 0\n", 0751);
	put_file(t->dir, "other.txt", "keep me\n", 0644);
	req_init(&req, t->dir, "src/run.sh", "#!/bin/sh\necho $1\nexit 0\n", 2,
		 2, "echo \"$1\"\n");
	assert_int_equal(pf_apply_fix(&r, &req), 0);
	data = get_file(t->dir, "src/run.sh");
	assert_string_equal(data, "#!/bin/sh\necho \"$1\"\nexit 0\n");
	free(data);
	/* The mode is kept, the other file and the directory untouched. */
	assert_int_equal(file_mode(t->dir, "src/run.sh"), 0751);
	data = get_file(t->dir, "other.txt");
	assert_string_equal(data, "keep me\n");
	free(data);
	assert_int_equal(count_entries(t->dir), 2);
	assert_int_equal(count_entries(sub.buf), 1);
	/* A trailing slash on the working tree is fine. */
	pf_buf_reset(&sub);
	pf_buf_addf(&sub, "%s/", t->dir);
	req_init(&req, sub.buf, "other.txt", "keep me\n", 1, 1, "kept\n");
	assert_int_equal(pf_apply_fix(&r, &req), 0);
	data = get_file(t->dir, "other.txt");
	assert_string_equal(data, "kept\n");
	free(data);
	assert_int_equal(file_mode(t->dir, "other.txt"), 0644);
	pf_buf_release(&sub);
}

static void test_refused_file_untouched(void **state)
{
	struct tree *t = *state;
	struct pf_apply_req req;
	struct pf_apply_result r;
	struct pf_buf p = PF_BUF_INIT;
	struct stat before, after;
	char *data;

	put_file(t->dir, "a.py", "x = 1\ny = eval(s)\n", 0644);
	pf_buf_addf(&p, "%s/a.py", t->dir);
	assert_int_equal(stat(p.buf, &before), 0);
	/* The developer changed line 2 after the commit. */
	req_init(&req, t->dir, "a.py", "x = 1\ny = eval(t)\n", 2, 2,
		 "y = literal_eval(t)\n");
	assert_int_equal(pf_apply_fix(&r, &req), PF_EINVALID);
	assert_string_equal(pf_error_last(),
			    "'a.py' lines 2-2 changed since the push");
	data = get_file(t->dir, "a.py");
	assert_string_equal(data, "x = 1\ny = eval(s)\n");
	free(data);
	assert_int_equal(stat(p.buf, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino); /* not rewritten */
	assert_int_equal(count_entries(t->dir), 1);

	/* Gone, unsafe, symlink, no working tree. */
	req_init(&req, t->dir, "gone.py", "x\n", 1, 1, "y\n");
	assert_int_equal(pf_apply_fix(&r, &req), PF_ENOTFOUND);
	assert_string_equal(pf_error_last(), "'gone.py' no longer exists");
	req_init(&req, t->dir, "../a.py", "x\n", 1, 1, "y\n");
	assert_int_equal(pf_apply_fix(&r, &req), PF_EINVALID);
	req_init(&req, t->dir, "/etc/passwd", "x\n", 1, 1, "y\n");
	assert_int_equal(pf_apply_fix(&r, &req), PF_EINVALID);
	pf_buf_reset(&p);
	pf_buf_addf(&p, "%s/link.py", t->dir);
	assert_int_equal(symlink("a.py", p.buf), 0);
	req_init(&req, t->dir, "link.py", "x = 1\ny = eval(s)\n", 1, 1,
		 "x = 2\n");
	assert_int_equal(pf_apply_fix(&r, &req), PF_EINVALID);
	assert_string_equal(pf_error_last(),
			    "'link.py' is no longer a regular file");
	data = get_file(t->dir, "a.py");
	assert_string_equal(data, "x = 1\ny = eval(s)\n");
	free(data);
	req_init(&req, NULL, "a.py", "x\n", 1, 1, "y\n");
	assert_int_equal(pf_apply_fix(&r, &req), PF_EINVALID);
	pf_buf_release(&p);
}

static void test_crlf_file(void **state)
{
	struct tree *t = *state;
	struct pf_apply_req req;
	struct pf_apply_result r;
	char *data;

	put_file(t->dir, "w.c", "int a;\r\nint b = gets(s);\r\nint c;", 0600);
	req_init(&req, t->dir, "w.c", "int a;\nint b = gets(s);\nint c;", 2, 3,
		 "int b = fgets(s, n, stdin);\nint c;\n");
	assert_int_equal(pf_apply_fix(&r, &req), 0);
	data = get_file(t->dir, "w.c");
	assert_string_equal(data,
			    "int a;\r\nint b = fgets(s, n, stdin);\r\nint c;");
	free(data);
	assert_int_equal(file_mode(t->dir, "w.c"), 0600);
}

/*
 * kill -9 while the new content is written but not yet renamed into
 * place: the file is wholly old, and no temporary file is left.
 */
static void test_kill_during_apply(void **state)
{
	struct tree *t = *state;
	const char *old = "line 1\nsecret = 'x'\nline 3\n";
	struct pf_apply_req req;
	struct pf_apply_result r;
	int pipefd[2], status;
	char buf[256];
	size_t got = 0;
	pid_t pid;
	char *data;

	put_file(t->dir, "k.py", old, 0644);
	req_init(&req, t->dir, "k.py", old, 2, 2, "secret = env('X')\n");
	assert_int_equal(pipe(pipefd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		dup2(pipefd[1], 2);
		setenv("PUSHFIX_TEST_APPLY_PAUSE_MS", "20000", 1);
		_exit(pf_apply_fix(&r, &req) ? 1 : 0);
	}
	close(pipefd[1]);
	while (got < sizeof(buf) - 1) {
		ssize_t n = read(pipefd[0], buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		if (strchr(buf, '\n'))
			break;
	}
	close(pipefd[0]);
	buf[got] = '\0';
	assert_non_null(strstr(buf, "pushfix: apply pause pid="));
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	data = get_file(t->dir, "k.py");
	assert_string_equal(data, old);
	free(data);
	assert_int_equal(count_entries(t->dir), 1);

	/* The same with the pause but not killed: wholly new. */
	setenv("PUSHFIX_TEST_APPLY_PAUSE_MS", "1", 1);
	assert_int_equal(pf_apply_fix(&r, &req), 0);
	unsetenv("PUSHFIX_TEST_APPLY_PAUSE_MS");
	data = get_file(t->dir, "k.py");
	assert_string_equal(data, "line 1\nsecret = env('X')\nline 3\n");
	free(data);
	assert_int_equal(count_entries(t->dir), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_replace_lines),
		cmocka_unit_test(test_changed_elsewhere),
		cmocka_unit_test(test_expect_line),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_line_inserted_inside_block),
		cmocka_unit_test(test_fallback_without_diff),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_cut_and_count),
		cmocka_unit_test_setup_teardown(test_apply_file, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_refused_file_untouched,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_crlf_file, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_kill_during_apply,
						tree_setup, tree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
