/*
 * The pipeline's own decisions, on real repositories built with the git
 * CLI: the default range of `pushfix scan` (what a push of HEAD would
 * send), A...B, relative rules paths, which .semgrepignore applies, and
 * the rule fix of a finding when two refs push two versions of a file.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/pipeline.h"
#include "pushfix/util.h"
#include "testlib.h"

struct fx {
	char dir[PATH_MAX]; /* realpath of the temp dir */
	char repo[PATH_MAX + 8];
	char cwd[PATH_MAX];
	struct pf_run run;
	int opened;
};

#define SH(f, ...) assert_int_equal(pf_test_sh((f)->repo, __VA_ARGS__), 0)

static void write_file(const char *path, const char *content)
{
	pf_test_write(NULL, path, content, strlen(content));
}

static void write_in(struct fx *f, const char *rel, const char *content)
{
	pf_test_write(f->repo, rel, content, strlen(content));
}

static char *rev(struct fx *f, const char *what)
{
	char hex[GIT_OID_HEXSZ + 1];

	pf_test_rev(hex, f->repo, what);
	return pf_xstrdup(hex);
}

static const char *const cleared_env[] = {
	"PUSHFIX_CONFIG", "PUSHFIX_SCAN_SEMGREP_CONFIG", "PUSHFIX_SCAN_ENGINE",
	"PUSHFIX_SCAN_FILTER", "PUSHFIX_SCAN_SEMGREP_BIN", "PUSHFIX_CORE_VERBOSE",
	"GIT_DIR", "GIT_WORK_TREE",
};

static int setup(void **state)
{
	struct fx *f = pf_xcalloc(1, sizeof(*f));

	assert_int_equal(pf_test_git_home(f->dir, "tpipe"), 0);
	assert_non_null(getcwd(f->cwd, sizeof(f->cwd)));
	snprintf(f->repo, sizeof(f->repo), "%s/r", f->dir);
	for (size_t i = 0; i < PF_ARRAY_SIZE(cleared_env); i++)
		unsetenv(cleared_env[i]);
	/* r/ with two remotes, bare repositories beside it. */
	assert_int_equal(pf_test_sh(f->dir, "git init -q r && "
					    "git init -q --bare origin.git && "
					    "git init -q --bare fork.git"),
			 0);
	SH(f, "git remote add origin '%s/origin.git' && "
	      "git remote add fork '%s/fork.git'",
	   f->dir, f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->opened)
		pf_run_release(&f->run);
	assert_int_equal(chdir(f->cwd), 0);
	pf_remove_tree(f->dir);
	free(f);
	return 0;
}

static void open_run(struct fx *f)
{
	if (f->opened)
		pf_run_release(&f->run);
	assert_int_equal(pf_run_open(&f->run, f->repo), 0);
	f->opened = 1;
}

/* `pushfix changes [range]` of a fresh run. */
static char *changes(struct fx *f, const char *range)
{
	struct pf_buf out = PF_BUF_INIT;
	int ret;

	open_run(f);
	ret = pf_run_changes_range(&f->run, range);
	if (ret)
		fail_msg("changes '%s': %s", range ? range : "(default)",
			 pf_error_last());
	pf_changeset_format(&f->run.cs, &out);
	return pf_buf_detach(&out, NULL);
}

#define EXPECT_CHANGES(f, range, want)                                         \
	do {                                                                   \
		char *got_ = changes((f), (range));                            \
		assert_string_equal(got_, (want));                             \
		free(got_);                                                    \
	} while (0)

/*
 * No range: what `git push` would send.  Its remote is git's:
 * branch.<b>.pushRemote > remote.pushDefault > the upstream's > origin.
 */
static void test_default_range_is_what_a_push_sends(void **state)
{
	struct fx *f = *state;

	write_in(f, "a.txt", "1\n");
	SH(f, "git add a.txt && git commit -q -m c1 && "
	      "git push -q -u origin main");
	write_in(f, "a.txt", "1\n2\n");
	SH(f, "git commit -q -am c2 && git push -q fork main");
	write_in(f, "a.txt", "1\n2\n3\n");
	SH(f, "git commit -q -am c3");

	/* The upstream, origin/main, has c1. */
	EXPECT_CHANGES(f, NULL, "a.txt\t2-3\n");
	assert_string_equal(f->run.remote_name, "origin");
	/* Pushing to the fork, which has c2. */
	SH(f, "git config branch.main.pushRemote fork");
	EXPECT_CHANGES(f, NULL, "a.txt\t3\n");
	assert_string_equal(f->run.remote_name, "fork");
	SH(f, "git config --unset branch.main.pushRemote && "
	      "git config remote.pushDefault fork");
	EXPECT_CHANGES(f, NULL, "a.txt\t3\n");
	/* No upstream, no pushDefault: origin, whose main is c1. */
	SH(f, "git config --unset remote.pushDefault && "
	      "git branch --unset-upstream");
	EXPECT_CHANGES(f, NULL, "a.txt\t2-3\n");
	assert_string_equal(f->run.remote_name, "origin");
	/* An upstream of another name, origin/trunk at c2. */
	SH(f, "git push -q origin HEAD~1:refs/heads/trunk && "
	      "git branch -q -u origin/trunk");
	EXPECT_CHANGES(f, NULL, "a.txt\t3\n");
}

/* A new branch: only the commits no ref of the remote has. */
static void test_default_range_new_branch(void **state)
{
	struct fx *f = *state;

	write_in(f, "a.txt", "1\n");
	SH(f, "git add a.txt && git commit -q -m c1 && git push -q origin main");
	SH(f, "git checkout -q -b feature");
	write_in(f, "b.txt", "b\n");
	SH(f, "git add b.txt && git commit -q -m b");
	EXPECT_CHANGES(f, NULL, "b.txt\t1\n");
	/* Detached HEAD: the same commits. */
	SH(f, "git checkout -q --detach");
	EXPECT_CHANGES(f, NULL, "b.txt\t1\n");
}

/* A...B diffs from the merge-base; A..B from A. */
static void test_three_dot_range(void **state)
{
	struct fx *f = *state;

	write_in(f, "a.txt", "1\n");
	SH(f, "git add a.txt && git commit -q -m c1 && git branch x");
	write_in(f, "a.txt", "1\n2\n");
	SH(f, "git commit -q -am c2 && git checkout -q x");
	write_in(f, "b.txt", "b\n");
	SH(f, "git add b.txt && git commit -q -m x1 && git checkout -q main");
	EXPECT_CHANGES(f, "main...x", "b.txt\t1\n");
	EXPECT_CHANGES(f, "x...main", "a.txt\t2\n");
	EXPECT_CHANGES(f, "main~1..main", "a.txt\t2\n");
	EXPECT_CHANGES(f, "main", "a.txt\t2\n");
}

/*
 * Relative rules paths: the scanner runs in a temp dir.  Relative to the
 * repository's top, else to the current directory; "~/" is $HOME;
 * registry names and paths that exist nowhere stay as they are.
 */
static void test_relative_rules(void **state)
{
	struct fx *f = *state;
	struct pf_buf want = PF_BUF_INIT, p = PF_BUF_INIT;

	SH(f, "mkdir -p rules sub && git commit -q --allow-empty -m c1");
	write_in(f, "rules/x.yml", "rules: []\n");
	write_in(f, "sub/here.yml", "rules: []\n");
	pf_buf_addf(&p, "%s/mine.yml", f->dir);
	write_file(p.buf, "rules: []\n");
	pf_buf_reset(&p);
	pf_buf_addf(&p, "%s/sub", f->repo);
	assert_int_equal(chdir(p.buf), 0);
	setenv("PUSHFIX_SCAN_SEMGREP_CONFIG",
	       "rules/x.yml, p/default, ~/mine.yml, here.yml, missing.yml, "
	       "https://example.com/r.yml, auto",
	       1);
	open_run(f);
	pf_buf_addf(&want,
		    "%s/rules/x.yml,p/default,%s/mine.yml,%s/sub/here.yml,"
		    "missing.yml,https://example.com/r.yml,auto",
		    f->repo, f->dir, f->repo);
	assert_string_equal(f->run.cfg.scan.semgrep_config, want.buf);
	unsetenv("PUSHFIX_SCAN_SEMGREP_CONFIG");
	pf_buf_release(&want);
	pf_buf_release(&p);
}

static char *ignore_of(struct fx *f)
{
	size_t len = 0;
	const char *s = pf_run_ignore_file(&f->run, &len);

	return s ? pf_xstrndup(s, len) : NULL;
}

/* The .semgrepignore of what is scanned: the commit's, the index's for
 * --staged; never the working tree's, never a symlink's target name. */
static void test_ignore_file_source(void **state)
{
	struct fx *f = *state;
	char *s;

	write_in(f, ".semgrepignore", "committed/\n");
	write_in(f, "a.txt", "1\n");
	SH(f, "git add -A && git commit -q -m c1");
	write_in(f, "a.txt", "1\n2\n");
	SH(f, "git commit -q -am c2");
	write_in(f, ".semgrepignore", "worktree/\n");

	free(changes(f, "HEAD~1..HEAD"));
	s = ignore_of(f);
	assert_string_equal(s, "committed/\n");
	free(s);

	write_in(f, ".semgrepignore", "staged/\n");
	SH(f, "git add .semgrepignore");
	write_in(f, ".semgrepignore", "worktree/\n");
	open_run(f);
	assert_int_equal(pf_run_changes_staged(&f->run), 0);
	s = ignore_of(f);
	assert_string_equal(s, "staged/\n");
	free(s);

	/* A symlink named .semgrepignore is no ignore file. */
	SH(f, "git rm -qf .semgrepignore && "
	      "ln -s a.txt .semgrepignore && git add .semgrepignore && "
	      "git commit -q -m link");
	free(changes(f, "HEAD"));
	assert_null(ignore_of(f));
	open_run(f);
	assert_int_equal(pf_run_changes_staged(&f->run), 0);
	assert_null(ignore_of(f));
}

/*
 * Two refs push two versions of a.py; the rule's fix of each finding
 * must be built from its own version's line.
 */
static void test_rule_fix_of_two_versions(void **state)
{
	static const char doc[] =
		"{\"results\":[{\"check_id\":\"r.bad\",\"path\":\"a.py\","
		"\"start\":{\"line\":2,\"col\":1,\"offset\":2},"
		"\"end\":{\"line\":2,\"col\":7,\"offset\":8},"
		"\"extra\":{\"message\":\"m\",\"metadata\":{},"
		"\"severity\":\"ERROR\",\"fingerprint\":\"x\",\"lines\":\"x\","
		"\"fix\":\"good(1)\"}}],\"errors\":[],\"paths\":{}}\n";
	struct fx *f = *state;
	struct pf_buf in = PF_BUF_INIT, p = PF_BUF_INIT;
	char *base, *v1, *v2;

	write_in(f, "a.py", "x\n");
	SH(f, "git add a.py && git commit -q -m base && "
	      "git push -q origin main && git checkout -q -b v1");
	write_in(f, "a.py", "x\nbad(1) # one\n");
	SH(f, "git commit -q -am v1 && git checkout -q -b v2 main");
	write_in(f, "a.py", "x\nbad(1) # two\n");
	SH(f, "git commit -q -am v2");
	base = rev(f, "main");
	v1 = rev(f, "v1");
	v2 = rev(f, "v2");

	pf_buf_addf(&p, "%s/out.json", f->dir);
	write_file(p.buf, doc);
	pf_buf_reset(&p);
	pf_buf_addf(&p, "%s/fake-semgrep", f->dir);
	{
		struct pf_buf script = PF_BUF_INIT;

		pf_buf_addf(&script, "#!/bin/sh\ncat '%s/out.json'\n", f->dir);
		write_file(p.buf, script.buf);
		assert_int_equal(chmod(p.buf, 0755), 0);
		pf_buf_release(&script);
	}
	open_run(f);
	f->run.cfg.scan.engine = PF_ENGINE_SEMGREP;
	free(f->run.cfg.scan.semgrep_bin);
	f->run.cfg.scan.semgrep_bin = pf_buf_detach(&p, NULL);
	f->run.remote_name = pf_xstrdup("origin");
	pf_buf_addf(&in,
		    "refs/heads/v1 %s refs/heads/v1 %s\n"
		    "refs/heads/v2 %s refs/heads/v2 %s\n",
		    v1, "0000000000000000000000000000000000000000", v2,
		    "0000000000000000000000000000000000000000");
	assert_int_equal(pf_run_changes_push(&f->run, in.buf, in.len), 0);
	assert_int_equal(f->run.cs.nr, 2);
	assert_int_equal(pf_run_scan(&f->run), 0);
	assert_int_equal(f->run.findings.nr, 2);
	for (size_t i = 0; i < 2; i++) {
		const struct pf_finding *fd = &f->run.findings.v[i];
		struct pf_buf want = PF_BUF_INIT;

		assert_non_null(fd->lines);
		assert_non_null(fd->fix.replacement);
		/* "bad(1) # one" -> "good(1) # one\n" */
		pf_buf_addf(&want, "good(1)%s\n", strchr(fd->lines, ' '));
		assert_string_equal(fd->fix.replacement, want.buf);
		pf_buf_release(&want);
	}
	assert_string_not_equal(f->run.findings.v[0].lines,
				f->run.findings.v[1].lines);
	free(base);
	free(v1);
	free(v2);
	pf_buf_release(&in);
}

static int group_setup(void **state)
{
	(void)state;
	git_libgit2_init();
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	git_libgit2_shutdown();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_default_range_is_what_a_push_sends),
		T(test_default_range_new_branch),
		T(test_three_dot_range),
		T(test_relative_rules),
		T(test_ignore_file_source),
		T(test_rule_fix_of_two_versions),
#undef T
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
