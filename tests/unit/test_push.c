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
#include "pushfix/push.h"
#include "pushfix/util.h"
#include "testlib.h"

#define Z "0000000000000000000000000000000000000000"
#define A "1111111111111111111111111111111111111111"
#define B "2222222222222222222222222222222222222222"
#define SHA256                                                                \
	"abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd"

/* ---- parsing ---------------------------------------------------------- */

static int parse(struct pf_push *p, const char *s)
{
	return pf_push_parse(p, s, strlen(s));
}

static void expect_bad(const char *input, const char *msg, size_t good)
{
	struct pf_push p = PF_PUSH_INIT;

	pf_error_clear();
	assert_int_equal(pf_push_parse(&p, input, strlen(input)), PF_EINVALID);
	assert_string_equal(pf_error_last(), msg);
	/* The lines before the bad one are kept. */
	assert_int_equal(p.nr, good);
	pf_push_release(&p);
}

static void test_parse_update(void **state)
{
	struct pf_push p = PF_PUSH_INIT;

	(void)state;
	assert_int_equal(parse(&p, "refs/heads/main " A " refs/heads/main " B
				   "\n"),
			 0);
	assert_int_equal(p.nr, 1);
	assert_string_equal(p.v[0].local_ref, "refs/heads/main");
	assert_string_equal(p.v[0].remote_ref, "refs/heads/main");
	assert_string_equal(p.v[0].local_oid, A);
	assert_string_equal(p.v[0].remote_oid, B);
	assert_int_equal(p.v[0].kind, PF_PUSH_UPDATE);
	assert_false(p.v[0].is_tag);
	assert_null(p.v[0].note);
	assert_string_equal(pf_push_kind_name(p.v[0].kind), "update");
	pf_push_release(&p);
	pf_push_release(&p); /* twice is fine */
	pf_push_release(NULL);
}

static void test_parse_kinds(void **state)
{
	struct pf_push p = PF_PUSH_INIT;
	const char *in = "refs/heads/new " A " refs/heads/new " Z "\n"
			 "(delete) " Z " refs/heads/old " B "\n"
			 "refs/tags/v1 " A " refs/tags/v1 " Z "\n"
			 "refs/tags/v2 " A " refs/tags/v2 " B "\n"
			 "HEAD " B " refs/heads/tagsish " A "\n";

	(void)state;
	assert_int_equal(parse(&p, in), 0);
	assert_int_equal(p.nr, 5);
	assert_int_equal(parse(&p, "x " A " refs/heads/a.b/c-d_e@f " B "\n"),
			 0);
	assert_int_equal(p.nr, 6);
	assert_int_equal(p.v[0].kind, PF_PUSH_CREATE);
	assert_false(p.v[0].is_tag);
	assert_int_equal(p.v[1].kind, PF_PUSH_DELETE);
	assert_string_equal(p.v[1].local_ref, "(delete)");
	assert_string_equal(p.v[1].remote_ref, "refs/heads/old");
	assert_int_equal(p.v[2].kind, PF_PUSH_CREATE);
	assert_true(p.v[2].is_tag);
	assert_int_equal(p.v[3].kind, PF_PUSH_UPDATE);
	assert_true(p.v[3].is_tag);
	/* A tag is decided by the remote ref, not the local one. */
	assert_false(p.v[4].is_tag);
	assert_string_equal(p.v[4].local_ref, "HEAD");
	assert_string_equal(pf_push_kind_name(PF_PUSH_CREATE), "create");
	assert_string_equal(pf_push_kind_name(PF_PUSH_DELETE), "delete");
	assert_string_equal(pf_push_kind_name(PF_PUSH_FORCE), "force");
	pf_push_release(&p);
}

static void test_parse_crlf_blank_and_no_final_newline(void **state)
{
	struct pf_push p = PF_PUSH_INIT;
	const char *in = "refs/heads/a " A " refs/heads/a " B "\r\n"
			 "\r\n"
			 "refs/heads/b " B " refs/heads/b " A;

	(void)state;
	assert_int_equal(parse(&p, in), 0);
	assert_int_equal(p.nr, 2);
	assert_string_equal(p.v[0].remote_oid, B); /* no '\r' kept */
	assert_string_equal(p.v[1].remote_ref, "refs/heads/b");
	assert_string_equal(p.v[1].remote_oid, A);
	pf_push_release(&p);
}

static void test_parse_empty(void **state)
{
	struct pf_push p = PF_PUSH_INIT;

	(void)state;
	assert_int_equal(pf_push_parse(&p, "", 0), 0);
	assert_int_equal(p.nr, 0);
	assert_int_equal(pf_push_parse(&p, NULL, 0), 0);
	assert_int_equal(parse(&p, "\n"), 0);
	assert_int_equal(p.nr, 0);
	pf_push_release(&p);
}

static void test_parse_uppercase_hex(void **state)
{
	struct pf_push p = PF_PUSH_INIT;

	(void)state;
	assert_int_equal(parse(&p, "refs/heads/a ABCDEF0123456789ABCDEF01234"
				   "56789ABCDEF01 refs/heads/a " Z "\n"),
			 0);
	assert_string_equal(p.v[0].local_oid,
			    "abcdef0123456789abcdef0123456789abcdef01");
	pf_push_release(&p);
}

/* The input is not NUL-terminated: the parser must honour len. */
static void test_parse_respects_len(void **state)
{
	struct pf_push p = PF_PUSH_INIT;
	char in[] = "refs/heads/a " A " refs/heads/a " B "XYZ";

	(void)state;
	assert_int_equal(pf_push_parse(&p, in, strlen(in) - 3), 0);
	assert_int_equal(p.nr, 1);
	assert_string_equal(p.v[0].remote_oid, B);
	pf_push_release(&p);
}

#define FIELDS "expected 4 fields '<local ref> <local oid> <remote ref> " \
	       "<remote oid>', got "

static void test_parse_malformed(void **state)
{
	(void)state;
	expect_bad("garbage\n",
		   "pre-push input line 1: " FIELDS "1: 'garbage'", 0);
	expect_bad("a b c\n", "pre-push input line 1: " FIELDS "3: 'a b c'",
		   0);
	expect_bad("refs/heads/a " A " refs/heads/a " B " extra\n",
		   "pre-push input line 1: " FIELDS "5: 'refs/heads/a " A
		   " refs/heads/a " B " extra'",
		   0);
	/* A double space is an empty field, not a separator. */
	expect_bad("refs/heads/a  " A " refs/heads/a " B "\n",
		   "pre-push input line 1: " FIELDS "5: 'refs/heads/a  " A
		   " refs/heads/a " B "'",
		   0);
	expect_bad("refs/heads/a " A " refs/heads/a " B " \n",
		   "pre-push input line 1: " FIELDS "5: 'refs/heads/a " A
		   " refs/heads/a " B " '",
		   0);
	expect_bad(" " A " refs/heads/a " B "\n",
		   "pre-push input line 1: empty local ref: ' " A
		   " refs/heads/a " B "'",
		   0);
	expect_bad("refs/heads/a 1234abc refs/heads/a " B "\n",
		   "pre-push input line 1: local oid is not a 40-digit hex "
		   "object id: 'refs/heads/a 1234abc refs/heads/a " B "'",
		   0);
	expect_bad("refs/heads/a " A " refs/heads/a "
		   "g222222222222222222222222222222222222222\n",
		   "pre-push input line 1: remote oid is not a 40-digit hex "
		   "object id: 'refs/heads/a " A " refs/heads/a "
		   "g222222222222222222222222222222222222222'",
		   0);
	expect_bad("refs/heads/a " SHA256 " refs/heads/a " Z "\n",
		   "pre-push input line 1: local oid is a SHA-256 object id; "
		   "pushfix (libgit2 1.5) reads SHA-1 repositories only: "
		   "'refs/heads/a " SHA256 " refs/heads/a " Z "'",
		   0);
	expect_bad("refs/heads/a " A " main " B "\n",
		   "pre-push input line 1: remote ref does not start with "
		   "'refs/': 'refs/heads/a " A " main " B "'",
		   0);
	{
		static const char *const badrefs[] = {
			"refs/", "refs/tags/", "refs/heads/a/", "refs//a",
			"refs/heads/a..b", "refs/heads/.hidden",
			"refs/heads/a.lock", "refs/heads/a.lock/b",
			"refs/heads/a~1", "refs/heads/a^", "refs/heads/a:b",
			"refs/heads/a?", "refs/heads/a*", "refs/heads/a[",
			"refs/heads/a\\b", "refs/heads/a@{1}",
			"refs/heads/a.",
		};

		for (size_t i = 0; i < PF_ARRAY_SIZE(badrefs); i++) {
			struct pf_buf in = PF_BUF_INIT, msg = PF_BUF_INIT;

			pf_buf_addf(&in, "refs/heads/a " A " %s " B,
				    badrefs[i]);
			pf_buf_addf(&msg,
				    "pre-push input line 1: remote ref is not "
				    "a valid ref name: '%s'",
				    in.buf);
			pf_buf_addch(&in, '\n');
			expect_bad(in.buf, msg.buf, 0);
			pf_buf_release(&in);
			pf_buf_release(&msg);
		}
	}
	expect_bad("(delete) " Z " refs/heads/a " Z "\n",
		   "pre-push input line 1: both object ids are zero: "
		   "'(delete) " Z " refs/heads/a " Z "'",
		   0);
	/* Control bytes are refused and never echoed raw. */
	expect_bad("refs/heads/a\t" A " refs/heads/a " B "\n",
		   "pre-push input line 1: contains a control character: "
		   "'refs/heads/a?" A " refs/heads/a " B "'",
		   0);
	expect_bad("refs/heads/\x1b[31ma " A " refs/heads/a " B "\n",
		   "pre-push input line 1: contains a control character: "
		   "'refs/heads/?[31ma " A " refs/heads/a " B "'",
		   0);
	expect_bad("refs/heads/a\r " A " refs/heads/a " B "\n",
		   "pre-push input line 1: contains a control character: "
		   "'refs/heads/a? " A " refs/heads/a " B "'",
		   0);
	/* The line number counts every line, and good lines are kept. */
	expect_bad("refs/heads/a " A " refs/heads/a " B "\n"
		   "\n"
		   "refs/heads/b " A " refs/heads/b " B "\n"
		   "oops\n",
		   "pre-push input line 4: " FIELDS "1: 'oops'", 2);
}

static void test_parse_nul_byte(void **state)
{
	struct pf_push p = PF_PUSH_INIT;
	char in[] = "refs/heads/a " A " refs/heads/a " B "\n";

	(void)state;
	in[3] = '\0';
	assert_int_equal(pf_push_parse(&p, in, sizeof(in) - 1), PF_EINVALID);
	assert_string_equal(pf_error_last(),
			    "pre-push input line 1: contains a control "
			    "character: 'ref?/heads/a " A " refs/heads/a " B
			    "'");
	pf_push_release(&p);
}

static void test_parse_long_line_is_capped(void **state)
{
	struct pf_buf in = PF_BUF_INIT, want = PF_BUF_INIT;
	struct pf_push p = PF_PUSH_INIT;

	(void)state;
	pf_buf_addstr(&in, "refs/heads/");
	for (int i = 0; i < 500; i++)
		pf_buf_addch(&in, 'x');
	pf_buf_addstr(&in, " nothex refs/heads/a " B "\n");
	pf_buf_addstr(&want, "pre-push input line 1: local oid is not a "
			     "40-digit hex object id: '");
	pf_buf_add(&want, in.buf, 200);
	pf_buf_addstr(&want, "...'");
	assert_int_equal(pf_push_parse(&p, in.buf, in.len), PF_EINVALID);
	assert_string_equal(pf_error_last(), want.buf);
	pf_push_release(&p);
	pf_buf_release(&in);
	pf_buf_release(&want);
}

/* ---- resolving, on real repositories ---------------------------------- */

struct fx {
	char dir[PATH_MAX];
	git_repository *repo;
};

#define SH(f, ...) assert_int_equal(pf_test_sh((f)->dir, __VA_ARGS__), 0)

static void rev(struct fx *f, char out[GIT_OID_HEXSZ + 1], const char *repo,
		const char *what)
{
	struct pf_buf path = PF_BUF_INIT;

	pf_buf_addf(&path, "%s/%s", f->dir, repo);
	pf_test_rev(out, path.buf, what);
	pf_buf_release(&path);
}

static void write_file(struct fx *f, const char *rel, const char *content)
{
	pf_test_write(f->dir, rel, content, strlen(content));
}

/* Commit `content` as `file` in work/; message = file name. */
static void commit(struct fx *f, const char *file, const char *content)
{
	struct pf_buf rel = PF_BUF_INIT;

	pf_buf_addf(&rel, "work/%s", file);
	write_file(f, rel.buf, content);
	SH(f, "cd work && git add '%s' && git commit -qm 'edit %s'", file,
	   file);
	pf_buf_release(&rel);
}

static int fx_setup(void **state)
{
	struct fx *f = pf_xcalloc(1, sizeof(*f));

	if (pf_test_git_home(f->dir, "push"))
		return -1;
	if (pf_test_sh(f->dir, "git init -q --bare remote.git && "
			       "git clone -q remote.git work"))
		return -1;
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	git_repository_free(f->repo);
	pf_remove_tree(f->dir);
	free(f);
	return 0;
}

static git_repository *open_work(struct fx *f)
{
	struct pf_buf path = PF_BUF_INIT;

	git_repository_free(f->repo);
	f->repo = NULL;
	pf_buf_addf(&path, "%s/work", f->dir);
	assert_int_equal(git_repository_open(&f->repo, path.buf), 0);
	pf_buf_release(&path);
	return f->repo;
}

/* Parse `line` (one pre-push line) and resolve against work/. */
static void resolve(struct fx *f, struct pf_push *p, const char *remote,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void resolve(struct fx *f, struct pf_push *p, const char *remote,
		    const char *fmt, ...)
{
	struct pf_buf in = PF_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	pf_buf_vaddf(&in, fmt, ap);
	va_end(ap);
	assert_int_equal(pf_push_parse(p, in.buf, in.len), 0);
	open_work(f);
	if (pf_push_resolve(p, f->repo, remote))
		fail_msg("resolve: %s", pf_error_last());
	pf_buf_release(&in);
}

static void changes(struct fx *f, const struct pf_push_update *u,
		    struct pf_buf *out)
{
	struct pf_changeset cs = PF_CHANGESET_INIT;
	struct pf_diff_opts o = { 0, 1, 0 };
	git_oid base, tip;

	assert_false(u->nothing_to_scan);
	if (u->has_base)
		assert_int_equal(git_oid_fromstr(&base, u->base_oid), 0);
	assert_int_equal(git_oid_fromstr(&tip, u->tip_oid), 0);
	if (pf_diff_range(&cs, f->repo, u->has_base ? &base : NULL, &tip, &o))
		fail_msg("diff: %s", pf_error_last());
	pf_changeset_format(&cs, out);
	pf_changeset_release(&cs);
}

static void assert_changes(struct fx *f, const struct pf_push_update *u,
			   const char *want)
{
	struct pf_buf b = PF_BUF_INIT;

	changes(f, u, &b);
	assert_string_equal(b.buf, want);
	pf_buf_release(&b);
}

/* main with a.txt lines 1-3, pushed: origin/main exists. */
static void base_history(struct fx *f, char c0[41], char c1[41])
{
	commit(f, "a.txt", "one\n");
	commit(f, "a.txt", "one\ntwo\nthree\n");
	SH(f, "cd work && git push -q origin main");
	rev(f, c0, "work", "HEAD~1");
	rev(f, c1, "work", "HEAD");
}

static void test_resolve_fast_forward(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char c0[41], c1[41], c2[41];

	base_history(f, c0, c1);
	commit(f, "a.txt", "one\ntwo\nthree\nfour\n");
	rev(f, c2, "work", "HEAD");
	resolve(f, &p, "origin", "refs/heads/main %s refs/heads/main %s\n",
		c2, c1);
	assert_int_equal(p.v[0].kind, PF_PUSH_UPDATE);
	assert_true(p.v[0].remote_known);
	assert_true(p.v[0].has_base);
	assert_false(p.v[0].nothing_to_scan);
	assert_string_equal(p.v[0].base_oid, c1);
	assert_string_equal(p.v[0].tip_oid, c2);
	assert_non_null(p.v[0].note);
	assert_non_null(strstr(p.v[0].note, "fast-forward"));
	assert_changes(f, &p.v[0], "a.txt\t4\n");
	pf_push_release(&p);
}

static void test_resolve_force_push(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char c0[41], c1[41], c1b[41];

	base_history(f, c0, c1);
	/* Rewrite the pushed commit: the remote's c1 is not an ancestor. */
	SH(f, "cd work && git reset -q --hard HEAD~1");
	commit(f, "a.txt", "one\nTWO\nthree\nfour\n");
	rev(f, c1b, "work", "HEAD");
	resolve(f, &p, "origin", "refs/heads/main %s refs/heads/main %s\n",
		c1b, c1);
	assert_int_equal(p.v[0].kind, PF_PUSH_FORCE);
	assert_string_equal(pf_push_kind_name(p.v[0].kind), "force");
	assert_true(p.v[0].remote_known);
	assert_true(p.v[0].has_base);
	assert_string_equal(p.v[0].base_oid, c0); /* the merge-base */
	assert_non_null(strstr(p.v[0].note, "merge-base"));
	assert_changes(f, &p.v[0], "a.txt\t2-4\n");
	/* Resolving again decides again, from the same input. */
	assert_int_equal(pf_push_resolve(&p, f->repo, "origin"), 0);
	assert_int_equal(p.v[0].kind, PF_PUSH_FORCE);
	assert_string_equal(p.v[0].base_oid, c0);
	pf_push_release(&p);
}

/*
 * A feature branch rebased onto newer upstream work and force-pushed: the
 * merge-base with the old remote tip lies before main's new commit, which
 * this push did not write.  The base is main's new tip instead.
 */
static void test_resolve_force_after_rebase(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char c0[41], c1[41], oldfeat[41], newmain[41], newfeat[41];

	base_history(f, c0, c1);
	SH(f, "cd work && git checkout -q -b feat");
	commit(f, "f.txt", "feature\n");
	SH(f, "cd work && git push -q origin feat");
	rev(f, oldfeat, "work", "HEAD");
	SH(f, "cd work && git checkout -q main");
	commit(f, "m.txt", "upstream\nwork\n");
	SH(f, "cd work && git push -q origin main && git checkout -q feat && "
	      "git rebase -q main");
	rev(f, newmain, "work", "main");
	rev(f, newfeat, "work", "feat");
	resolve(f, &p, "origin", "refs/heads/feat %s refs/heads/feat %s\n",
		newfeat, oldfeat);
	assert_int_equal(p.v[0].kind, PF_PUSH_FORCE);
	assert_string_equal(p.v[0].base_oid, newmain);
	assert_non_null(strstr(p.v[0].note, "rebased"));
	assert_changes(f, &p.v[0], "f.txt\t1\n");
	pf_push_release(&p);
}

static void test_resolve_force_rewind(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char c0[41], c1[41];

	base_history(f, c0, c1);
	resolve(f, &p, "origin", "refs/heads/main %s refs/heads/main %s\n",
		c0, c1);
	assert_int_equal(p.v[0].kind, PF_PUSH_FORCE);
	assert_true(p.v[0].nothing_to_scan);
	pf_push_release(&p);
}

static void test_resolve_new_branch_off_main(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char c0[41], c1[41], tip[41];

	base_history(f, c0, c1);
	SH(f, "cd work && git checkout -q -b feat");
	commit(f, "a.txt", "one\ntwo\nthree\nfour\n");
	commit(f, "b.txt", "bee\n");
	commit(f, "a.txt", "one\ntwo\nthree\nfour\nfive\n");
	rev(f, tip, "work", "HEAD");
	resolve(f, &p, "origin", "refs/heads/feat %s refs/heads/feat " Z "\n",
		tip);
	assert_int_equal(p.v[0].kind, PF_PUSH_CREATE);
	assert_false(p.v[0].remote_known);
	assert_true(p.v[0].has_base);
	assert_false(p.v[0].nothing_to_scan);
	assert_string_equal(p.v[0].base_oid, c1); /* main's tip */
	assert_string_equal(p.v[0].tip_oid, tip);
	assert_non_null(strstr(p.v[0].note, "new branch: 3 commits the "
					    "remote does not have, base "));
	/* Only the new commits' lines, not main's 1-3. */
	assert_changes(f, &p.v[0], "a.txt\t4-5\nb.txt\t1\n");
	pf_push_release(&p);
}

/* Pushing to a URL: no tracking refs are trusted, so everything is new. */
static void test_resolve_new_branch_to_url(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	struct pf_buf url = PF_BUF_INIT;
	char c0[41], c1[41], tip[41];

	base_history(f, c0, c1);
	SH(f, "cd work && git checkout -q -b feat");
	commit(f, "b.txt", "bee\n");
	rev(f, tip, "work", "HEAD");
	pf_buf_addf(&url, "%s/remote.git", f->dir);
	resolve(f, &p, url.buf, "refs/heads/feat %s refs/heads/feat " Z "\n",
		tip);
	assert_false(p.v[0].has_base);
	assert_non_null(strstr(p.v[0].note, "3 commits"));
	assert_non_null(strstr(p.v[0].note, "empty tree"));
	assert_changes(f, &p.v[0], "a.txt\t1-3\nb.txt\t1\n");
	pf_buf_release(&url);
	pf_push_release(&p);
}

static void test_resolve_new_branch_empty_remote(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char tip[41];

	commit(f, "a.txt", "one\n");
	commit(f, "a.txt", "one\ntwo\n");
	rev(f, tip, "work", "HEAD");
	resolve(f, &p, "origin", "refs/heads/main %s refs/heads/main " Z "\n",
		tip);
	assert_int_equal(p.v[0].kind, PF_PUSH_CREATE);
	assert_false(p.v[0].has_base);
	assert_false(p.v[0].nothing_to_scan);
	assert_string_equal(p.v[0].base_oid, "");
	assert_string_equal(p.v[0].note, "new branch: 2 commits the remote "
					 "does not have, base the empty "
					 "tree");
	assert_changes(f, &p.v[0], "a.txt\t1-2\n");
	pf_push_release(&p);
}

/* Someone else pushed; this clone has not fetched their commit. */
static void test_resolve_remote_oid_unknown(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char c0[41], c1[41], theirs[41], mine[41];

	base_history(f, c0, c1);
	SH(f, "git clone -q remote.git other && cd other && "
	      "echo x > x.txt && git add x.txt && git commit -qm x && "
	      "git push -q origin main");
	rev(f, theirs, "other", "HEAD");
	commit(f, "a.txt", "one\ntwo\nthree\nmine\n");
	rev(f, mine, "work", "HEAD");
	resolve(f, &p, "origin", "refs/heads/main %s refs/heads/main %s\n",
		mine, theirs);
	assert_false(p.v[0].remote_known);
	assert_int_equal(p.v[0].kind, PF_PUSH_UPDATE);
	assert_true(p.v[0].has_base);
	assert_string_equal(p.v[0].base_oid, c1); /* origin/main */
	assert_non_null(strstr(p.v[0].note, "is not in this clone"));
	assert_changes(f, &p.v[0], "a.txt\t4\n");
	pf_push_release(&p);
}

static void test_resolve_tag_already_pushed(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char c0[41], c1[41];

	base_history(f, c0, c1);
	SH(f, "cd work && git tag v1 HEAD~1");
	resolve(f, &p, "origin", "refs/tags/v1 %s refs/tags/v1 " Z "\n", c0);
	assert_true(p.v[0].is_tag);
	assert_true(p.v[0].nothing_to_scan);
	assert_string_equal(p.v[0].tip_oid, c0);
	assert_string_equal(p.v[0].note, "new tag: the remote already has "
					 "every commit: nothing to scan");
	pf_push_release(&p);
}

static void test_resolve_annotated_tag(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char c0[41], c1[41], c2[41], tag[41], old[41];

	base_history(f, c0, c1);
	commit(f, "a.txt", "one\ntwo\nthree\nfour\n");
	SH(f, "cd work && git tag -a -m release v2 HEAD && "
	      "git tag -a -m old v1 HEAD~1");
	rev(f, c2, "work", "HEAD");
	rev(f, tag, "work", "v2");
	rev(f, old, "work", "v1");
	assert_string_not_equal(tag, c2);
	resolve(f, &p, "origin",
		"refs/tags/v2 %s refs/tags/v2 " Z "\n"
		"refs/tags/v1 %s refs/tags/v1 " Z "\n",
		tag, old);
	assert_true(p.v[0].is_tag);
	assert_string_equal(p.v[0].local_oid, tag);
	assert_string_equal(p.v[0].tip_oid, c2); /* peeled */
	assert_true(p.v[0].has_base);
	assert_string_equal(p.v[0].base_oid, c1);
	assert_changes(f, &p.v[0], "a.txt\t4\n");
	/* An annotated tag of a commit the remote has: nothing. */
	assert_true(p.v[1].nothing_to_scan);
	assert_string_equal(p.v[1].tip_oid, c1);
	pf_push_release(&p);
}

static void test_resolve_tag_of_tree(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char c0[41], c1[41], tag[41];

	base_history(f, c0, c1);
	SH(f, "cd work && git tag -a -m tree treetag 'HEAD^{tree}'");
	rev(f, tag, "work", "treetag");
	resolve(f, &p, "origin",
		"refs/tags/treetag %s refs/tags/treetag " Z "\n", tag);
	assert_true(p.v[0].nothing_to_scan);
	assert_string_equal(p.v[0].tip_oid, "");
	assert_string_equal(p.v[0].note, "refs/tags/treetag points at a tree, "
					 "not a commit: nothing to scan");
	pf_push_release(&p);
}

static void test_resolve_delete(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char c0[41], c1[41];

	base_history(f, c0, c1);
	resolve(f, &p, "origin", "(delete) " Z " refs/heads/old %s\n", c1);
	assert_int_equal(p.v[0].kind, PF_PUSH_DELETE);
	assert_true(p.v[0].nothing_to_scan);
	assert_false(p.v[0].has_base);
	assert_string_equal(p.v[0].note,
			    "deleting refs/heads/old: nothing to scan");
	pf_push_release(&p);
}

/*
 * Several refs at once, to a URL: the new branch sits on top of main's
 * new commit; main's old remote oid is what the remote has, so the new
 * branch's base is it (not the empty tree), although no tracking ref is
 * trusted.
 */
static void test_resolve_several_refs(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	struct pf_buf url = PF_BUF_INIT;
	char c0[41], c1[41], m2[41], feat[41];

	base_history(f, c0, c1);
	commit(f, "a.txt", "one\ntwo\nthree\nfour\n");
	rev(f, m2, "work", "HEAD");
	SH(f, "cd work && git checkout -q -b feat");
	commit(f, "b.txt", "bee\n");
	rev(f, feat, "work", "HEAD");
	pf_buf_addf(&url, "file://%s/remote.git", f->dir);
	resolve(f, &p, url.buf,
		"refs/heads/main %s refs/heads/main %s\n"
		"refs/heads/feat %s refs/heads/feat " Z "\n"
		"(delete) " Z " refs/heads/gone %s\n",
		m2, c1, feat, c0);
	assert_int_equal(p.nr, 3);
	assert_int_equal(p.v[0].kind, PF_PUSH_UPDATE);
	assert_string_equal(p.v[0].base_oid, c1);
	assert_int_equal(p.v[1].kind, PF_PUSH_CREATE);
	assert_true(p.v[1].has_base);
	assert_string_equal(p.v[1].base_oid, c1);
	assert_non_null(strstr(p.v[1].note, "2 commits"));
	assert_true(p.v[2].nothing_to_scan);
	/* Both ranges touch a.txt's line 4 in the same version: one entry. */
	{
		struct pf_changeset cs = PF_CHANGESET_INIT;
		struct pf_buf b = PF_BUF_INIT;
		git_oid base, tip;

		for (size_t i = 0; i < 2; i++) {
			git_oid_fromstr(&base, p.v[i].base_oid);
			git_oid_fromstr(&tip, p.v[i].tip_oid);
			assert_int_equal(pf_diff_range(&cs, f->repo, &base,
						       &tip, NULL),
					 0);
		}
		pf_changeset_format(&cs, &b);
		assert_string_equal(b.buf, "a.txt\t4\nb.txt\t1\n");
		pf_buf_release(&b);
		pf_changeset_release(&cs);
	}
	pf_buf_release(&url);
	pf_push_release(&p);
}

/* A new branch that merged main back in: the base stays on its own
 * first-parent line. */
static void test_resolve_new_branch_with_merge(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	char c0[41], c1[41], m2[41], tip[41];

	base_history(f, c0, c1);
	SH(f, "cd work && git checkout -q -b feat");
	commit(f, "b.txt", "bee\n");
	SH(f, "cd work && git checkout -q main");
	commit(f, "m.txt", "main\n");
	SH(f, "cd work && git push -q origin main && git checkout -q feat && "
	      "git merge -q --no-edit main");
	rev(f, m2, "work", "main");
	rev(f, tip, "work", "HEAD");
	resolve(f, &p, "origin", "refs/heads/feat %s refs/heads/feat " Z "\n",
		tip);
	assert_true(p.v[0].has_base);
	assert_string_equal(p.v[0].base_oid, c1);
	assert_non_null(strstr(p.v[0].note, "2 commits"));
	pf_push_release(&p);
}

/*
 * A shallow clone: libgit2 1.5 cannot walk past its boundary, so the
 * boundary commits (which came from the remote) end the walk.
 */
static void test_resolve_shallow_clone(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;
	struct pf_buf url = PF_BUF_INIT;
	char c0[41], c1[41], tip[41], feat[41];

	base_history(f, c0, c1);
	pf_buf_addf(&url, "file://%s/remote.git", f->dir);
	SH(f, "git clone -q --depth 1 '%s' shallow && cd shallow && "
	      "echo four >> a.txt && git commit -qam four && "
	      "git checkout -q -b feat && echo new > n.txt && "
	      "git add n.txt && git commit -qm n && rm -rf ../work && "
	      "mv ../shallow ../work",
	   url.buf);
	rev(f, tip, "work", "main");
	rev(f, feat, "work", "feat");
	resolve(f, &p, "origin",
		"refs/heads/main %s refs/heads/main %s\n"
		"refs/heads/feat %s refs/heads/feat " Z "\n",
		tip, c1, feat);
	assert_int_equal(git_repository_is_shallow(f->repo), 1);
	assert_int_equal(p.v[0].kind, PF_PUSH_UPDATE);
	assert_string_equal(p.v[0].base_oid, c1);
	assert_non_null(strstr(p.v[0].note, "shallow clone: 1 commit"));
	assert_changes(f, &p.v[0], "a.txt\t4\n");
	/* main's new commit is not on the remote yet: feat scans it too. */
	assert_true(p.v[1].has_base);
	assert_string_equal(p.v[1].base_oid, c1);
	assert_changes(f, &p.v[1], "a.txt\t4\nn.txt\t1\n");
	pf_push_release(&p);

	/* Alone, to a URL: the boundary commit is what the remote has. */
	resolve(f, &p, url.buf, "refs/heads/feat %s refs/heads/feat " Z "\n",
		feat);
	assert_true(p.v[0].has_base);
	assert_string_equal(p.v[0].base_oid, c1);
	assert_non_null(strstr(p.v[0].note, "2 commits"));
	assert_changes(f, &p.v[0], "a.txt\t4\nn.txt\t1\n");
	pf_buf_release(&url);
	pf_push_release(&p);
}

static void test_resolve_local_oid_missing(void **state)
{
	struct fx *f = *state;
	struct pf_push p = PF_PUSH_INIT;

	commit(f, "a.txt", "one\n");
	assert_int_equal(parse(&p, "refs/heads/main " A " refs/heads/main " Z
				   "\n"),
			 0);
	open_work(f);
	assert_int_equal(pf_push_resolve(&p, f->repo, "origin"),
			 PF_ENOTFOUND);
	assert_string_equal(pf_error_last(),
			    "refs/heads/main: local oid " A
			    " is not in this repository");
	pf_push_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_update),
		cmocka_unit_test(test_parse_kinds),
		cmocka_unit_test(test_parse_crlf_blank_and_no_final_newline),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_parse_uppercase_hex),
		cmocka_unit_test(test_parse_respects_len),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_parse_nul_byte),
		cmocka_unit_test(test_parse_long_line_is_capped),
#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)
		FX(test_resolve_fast_forward),
		FX(test_resolve_force_push),
		FX(test_resolve_force_after_rebase),
		FX(test_resolve_force_rewind),
		FX(test_resolve_new_branch_off_main),
		FX(test_resolve_new_branch_to_url),
		FX(test_resolve_new_branch_empty_remote),
		FX(test_resolve_remote_oid_unknown),
		FX(test_resolve_tag_already_pushed),
		FX(test_resolve_annotated_tag),
		FX(test_resolve_tag_of_tree),
		FX(test_resolve_delete),
		FX(test_resolve_several_refs),
		FX(test_resolve_new_branch_with_merge),
		FX(test_resolve_shallow_clone),
		FX(test_resolve_local_oid_missing),
	};
	int rc;

	git_libgit2_init();
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return rc;
}
