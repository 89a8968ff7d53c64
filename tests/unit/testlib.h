/*
 * Helpers shared by the unit tests that build real repositories with the
 * git CLI (test_diff.c, test_push.c, test_pipeline.c): a temp dir that is
 * HOME for git and for libgit2, shell commands run in a directory, a
 * commit's id, and files written into the tree.  Header-only (static
 * inline): every unit test is one .c file linked with libpushfix.a.
 */
#ifndef PUSHFIX_TESTLIB_H
#define PUSHFIX_TESTLIB_H

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <git2.h>

#include "pushfix/buf.h"

/*
 * Make a temp dir "$TMPDIR/pf-<name>-XXXXXX" (its real path goes to dir,
 * PATH_MAX bytes) and make it HOME for git and libgit2, with a
 * .gitconfig of its own, no system config and a fixed author, so the
 * user's settings cannot change what a test sees.  0 or -1.
 */
static inline int pf_test_git_home(char *dir, const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char tmpl[PATH_MAX];
	struct pf_buf cfg = PF_BUF_INIT;
	FILE *fp;

	snprintf(tmpl, sizeof(tmpl), "%s/pf-%s-XXXXXX",
		 tmp && *tmp ? tmp : "/tmp", name);
	if (!mkdtemp(tmpl) || !realpath(tmpl, dir))
		return -1;
	setenv("HOME", dir, 1);
	setenv("XDG_CONFIG_HOME", dir, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "A U Thor", 1);
	setenv("GIT_AUTHOR_EMAIL", "author@example.com", 1);
	setenv("GIT_COMMITTER_NAME", "C O Mitter", 1);
	setenv("GIT_COMMITTER_EMAIL", "committer@example.com", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	/* libgit2 looked HOME up once at init: point it here too. */
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_GLOBAL, dir);
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_XDG, dir);
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, dir);
	pf_buf_addf(&cfg, "%s/.gitconfig", dir);
	fp = fopen(cfg.buf, "w");
	pf_buf_release(&cfg);
	if (!fp)
		return -1;
	/* No autocrlf: a CRLF test must store '\r' in the blob. */
	fputs("[init]\n\tdefaultBranch = main\n"
	      "[core]\n\tautocrlf = false\n"
	      "[advice]\n\tdetachedHead = false\n",
	      fp);
	return fclose(fp) ? -1 : 0;
}

/* Run a shell command in `dir`, output discarded; its wait status. */
static inline int pf_test_vsh(const char *dir, const char *fmt, va_list ap)
{
	struct pf_buf cmd = PF_BUF_INIT;
	int rc;

	pf_buf_addf(&cmd, "cd '%s' && { ", dir);
	pf_buf_vaddf(&cmd, fmt, ap);
	pf_buf_addstr(&cmd, "; } >/dev/null 2>&1");
	rc = system(cmd.buf);
	pf_buf_release(&cmd);
	return rc;
}

static inline int pf_test_sh(const char *dir, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline int pf_test_sh(const char *dir, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = pf_test_vsh(dir, fmt, ap);
	va_end(ap);
	return rc;
}

/* The hex id `what` names in the repository `repo` (asserts it exists). */
static inline void pf_test_rev(char hex[GIT_OID_HEXSZ + 1], const char *repo,
			       const char *what)
{
	struct pf_buf cmd = PF_BUF_INIT;
	char line[GIT_OID_HEXSZ + 2] = "";
	FILE *p;

	pf_buf_addf(&cmd, "git -C '%s' rev-parse --verify -q '%s'", repo, what);
	p = popen(cmd.buf, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	pclose(p);
	line[GIT_OID_HEXSZ] = '\0';
	assert_int_equal(strlen(line), GIT_OID_HEXSZ);
	memcpy(hex, line, GIT_OID_HEXSZ + 1);
	pf_buf_release(&cmd);
}

/* Write len bytes to dir/rel (or to rel when dir is NULL). */
static inline void pf_test_write(const char *dir, const char *rel,
				 const void *data, size_t len)
{
	struct pf_buf path = PF_BUF_INIT;
	FILE *fp;

	if (dir)
		pf_buf_addf(&path, "%s/%s", dir, rel);
	else
		pf_buf_addstr(&path, rel);
	fp = fopen(path.buf, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(data, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
	pf_buf_release(&path);
}

#endif
