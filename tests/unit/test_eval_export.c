/*
 * eval --export: which decision gives which label (never the LLM's verdict
 * alone), the latest decision winning, files written from the blob the
 * record names (two versions of one path both kept), and every record
 * left out said and counted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <git2.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/eval.h"
#include "pushfix/fs.h"
#include "testlib.h"

static void test_label_map(void **state)
{
	const enum pf_verdict tp = PF_VERDICT_TRUE_POSITIVE,
			      fp = PF_VERDICT_FALSE_POSITIVE;

	(void)state;
	/* A fix applied, or an ignore, says it whatever the LLM said. */
	for (int v = PF_VERDICT_NONE; v <= PF_VERDICT_UNCERTAIN; v++) {
		assert_int_equal(pf_eval_label_of(PF_EVAL_APPLIED, v), 1);
		assert_int_equal(pf_eval_label_of(PF_EVAL_IGNORED, v), 0);
		assert_int_equal(pf_eval_label_of(PF_EVAL_SKIPPED, v), -1);
	}
	assert_int_equal(pf_eval_label_of(PF_EVAL_AGREE, tp), 1);
	assert_int_equal(pf_eval_label_of(PF_EVAL_AGREE, fp), 0);
	assert_int_equal(pf_eval_label_of(PF_EVAL_DISAGREE, tp), 0);
	assert_int_equal(pf_eval_label_of(PF_EVAL_DISAGREE, fp), 1);
	/* Agreeing with "cannot tell" (or with nothing) labels nothing. */
	assert_int_equal(pf_eval_label_of(PF_EVAL_AGREE, PF_VERDICT_UNCERTAIN),
			 -1);
	assert_int_equal(
		pf_eval_label_of(PF_EVAL_DISAGREE, PF_VERDICT_UNCERTAIN), -1);
	assert_int_equal(pf_eval_label_of(PF_EVAL_AGREE, PF_VERDICT_NONE), -1);
}

#define FP_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define FP_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define FP_C "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
#define FP_D "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
#define FP_E "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
#define FP_F "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define FP_G "0000000000000000000000000000000000000000000000000000000000000000"

/* The two versions of a.c. */
#define V1 "one\nsystem(a);\nthree\n"
#define V2 "one\nx\nsystem(b);\n"

struct fx {
	char dir[PATH_MAX];
	char blob1[GIT_OID_HEXSZ + 1], blob2[GIT_OID_HEXSZ + 1];
	struct pf_buf state, wt, out;
	git_repository *repo;
};

static void rec(struct pf_buf *log, const char *fp, int ts, const char *blob,
		unsigned line, const char *verdict, const char *answer,
		const char *feedback)
{
	pf_buf_addf(log,
		    "{\"type\":\"finding\",\"ts\":%d,\"source\":\"push\","
		    "\"rule\":\"R1\",\"path\":\"%s\",\"line\":%u,"
		    "\"fingerprint\":\"%s\",\"verdict\":\"%s\","
		    "\"cwe\":\"CWE-78: OS command\",\"blob\":\"%s\"",
		    ts, blob[0] == '0' ? "b.c" : "a.c", line, fp, verdict,
		    blob);
	if (answer)
		pf_buf_addf(log, ",\"answer\":\"%s\"", answer);
	if (feedback)
		pf_buf_addf(log, ",\"feedback\":\"%s\"", feedback);
	pf_buf_addstr(log, "}\n");
}

/*
 * A repository whose a.c has two versions (blob1, blob2), and a record:
 * A applied at 100 then disagreed with at 120 (a conflict: FP wins), B
 * ignored at 110 in the other version, C applied in a blob that is not
 * there, D agreed with "uncertain" (no label), E in the decision store
 * with no record, F in the working tree's .pushfix/ignore, G a credential
 * (never exported; in a blob of its own: see test_secret_file), one bad
 * line.
 */
static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct pf_buf log = PF_BUF_INIT;
	const char *dec = "# pushfix decisions v1\n" FP_E
			  "\t2020-01-01T00:00:00Z\tR1\tgone.c\tx\n";
	const char *shared = FP_F "\tR1\ta.c\tthe team says so\n";

	assert_int_equal(pf_test_git_home(f->dir, "evexp"), 0);
	pf_buf_init(&f->state);
	pf_buf_init(&f->wt);
	pf_buf_init(&f->out);
	pf_buf_addf(&f->wt, "%s/repo", f->dir);
	pf_buf_addf(&f->state, "%s/.git/pushfix", f->wt.buf);
	pf_buf_addf(&f->out, "%s/export", f->dir);
	assert_int_equal(pf_test_sh(f->dir, "git init -q repo"), 0);
	pf_test_write(f->wt.buf, "a.c", V1, strlen(V1));
	assert_int_equal(pf_test_sh(f->wt.buf, "git add a.c && "
					       "git commit -q -m one"),
			 0);
	pf_test_write(f->wt.buf, "a.c", V2, strlen(V2));
	assert_int_equal(pf_test_sh(f->wt.buf, "git commit -q -am two"), 0);
	pf_test_rev(f->blob1, f->wt.buf, "HEAD~1:a.c");
	pf_test_rev(f->blob2, f->wt.buf, "HEAD:a.c");
	assert_int_equal(pf_mkdir_p(f->state.buf, 0700), 0);
	assert_int_equal(pf_test_sh(f->wt.buf, "mkdir .pushfix"), 0);
	pf_test_write(f->wt.buf, ".pushfix/ignore", shared, strlen(shared));
	pf_test_write(f->state.buf, "decisions", dec, strlen(dec));

	rec(&log, FP_A, 100, f->blob1, 2, "true_positive", "applied", NULL);
	pf_buf_addstr(&log, "{cut by a crash\n");
	rec(&log, FP_B, 110, f->blob2, 3, "true_positive", "ignored", NULL);
	pf_buf_addf(&log,
		    "{\"type\":\"feedback\",\"ts\":120,\"fingerprint\":\"%s\","
		    "\"feedback\":\"disagree\",\"forge\":\"github\","
		    "\"reply\":\"7\"}\n",
		    FP_A);
	rec(&log, FP_C, 130, "0123456789012345678901234567890123456789", 1,
	    "true_positive", "applied", NULL);
	rec(&log, FP_D, 140, f->blob1, 2, "uncertain", "skipped", "agree");
	rec(&log, FP_F, 150, f->blob1, 1, "false_positive", NULL, NULL);
	pf_buf_addf(&log,
		    "{\"type\":\"finding\",\"ts\":160,\"rule\":"
		    "\"pushfix.secret.aws-key\",\"path\":\"a.c\",\"line\":1,"
		    "\"fingerprint\":\"%s\",\"verdict\":null,\"blob\":\"%s\","
		    "\"answer\":\"ignored\"}\n",
		    FP_G, "1111111111111111111111111111111111111111");
	pf_test_write(f->state.buf, "findings.log", log.buf, log.len);
	pf_buf_release(&log);
	assert_int_equal(git_repository_open(&f->repo, f->wt.buf), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	git_repository_free(f->repo);
	pf_remove_tree(f->dir);
	pf_buf_release(&f->state);
	pf_buf_release(&f->wt);
	pf_buf_release(&f->out);
	free(f);
	return 0;
}

static void read_text(struct pf_buf *out, const char *dir, const char *rel)
{
	struct pf_buf p = PF_BUF_INIT;

	pf_buf_addf(&p, "%s/%s", dir, rel);
	assert_int_equal(pf_buf_read_file(out, p.buf, 1 << 20), 0);
	pf_buf_release(&p);
}

static void test_export(void **state)
{
	struct fx *f = *state;
	struct pf_eval_export_opts o = {
		.dir = f->out.buf,
		.state_dir = f->state.buf,
		.repo = f->repo,
		.worktree = f->wt.buf,
	};
	struct pf_eval_export_result r;
	struct pf_buf t = PF_BUF_INIT, want = PF_BUF_INIT, v2 = PF_BUF_INIT;

	assert_int_equal(pf_eval_export(&r, &o), 0);
	assert_int_equal(r.records, 6);
	assert_int_equal(r.bad, 1);
	assert_int_equal(r.decisions, 6); /* A B C E F G; D has no label */
	assert_int_equal(r.skipped_secret, 1);
	assert_int_equal(r.exported, 3);
	assert_int_equal(r.tp, 0);
	assert_int_equal(r.fp, 3);
	assert_int_equal(r.files, 2);
	assert_int_equal(r.conflicts, 1);
	assert_int_equal(r.skipped_gone, 1);
	assert_int_equal(r.skipped_unknown, 1);
	assert_non_null(strstr(r.notes.buf, "findings.log line 2: not a JSON "
					    "object\n"));
	assert_non_null(strstr(r.notes.buf, "skipped b.c:1 (R1): its file as "
					    "scanned (blob 012345678901) is "
					    "not in this repository"));
	assert_non_null(strstr(r.notes.buf, "skipped gone.c (R1), ignored: no "
					    "record of the file"));

	/* A and F in blob1 at a.c; B in the other version, beside it. */
	pf_buf_addf(&v2, "v-%.12s/a.c", f->blob2);
	pf_buf_addf(&want,
		    "{\"path\":\"a.c\",\"line\":1,\"rule_id\":\"R1\","
		    "\"label\":\"false_positive\",\"cwe\":78,\"decision\":"
		    "\"ignored (.pushfix/ignore)\",\"fingerprint\":\"%s\"}\n"
		    "{\"path\":\"a.c\",\"line\":2,\"rule_id\":\"R1\","
		    "\"label\":\"false_positive\",\"cwe\":78,\"decision\":"
		    "\"disagree\",\"fingerprint\":\"%s\"}\n"
		    "{\"path\":\"%s\",\"line\":3,\"rule_id\":\"R1\","
		    "\"label\":\"false_positive\",\"cwe\":78,\"decision\":"
		    "\"ignored\",\"fingerprint\":\"%s\"}\n",
		    FP_F, FP_A, v2.buf, FP_B);
	read_text(&t, f->out.buf, "findings.jsonl");
	assert_string_equal(t.buf, want.buf);
	pf_buf_reset(&t);
	read_text(&t, f->out.buf, "files/a.c");
	assert_string_equal(t.buf, V1);
	pf_buf_reset(&t);
	pf_buf_reset(&v2);
	pf_buf_addf(&v2, "files/v-%.12s/a.c", f->blob2);
	read_text(&t, f->out.buf, v2.buf);
	assert_string_equal(t.buf, V2);
	pf_eval_export_release(&r);

	/* Not into a directory that holds anything. */
	assert_int_equal(pf_eval_export(&r, &o), PF_EINVALID);
	assert_non_null(strstr(pf_error_last(), "is not empty"));
	pf_eval_export_release(&r);
	pf_buf_release(&t);
	pf_buf_release(&want);
	pf_buf_release(&v2);
}

/* Records of two commits: a file "d", later a directory "d" with "d/e". */
static void test_dir_clash(void **state)
{
	struct fx *f = *state;
	struct pf_eval_export_opts o = {
		.dir = f->out.buf,
		.state_dir = f->state.buf,
		.repo = f->repo,
		.worktree = f->wt.buf,
	};
	struct pf_eval_export_result r;
	struct pf_buf log = PF_BUF_INIT, t = PF_BUF_INIT, p = PF_BUF_INIT;
	char bd[GIT_OID_HEXSZ + 1], be[GIT_OID_HEXSZ + 1];

	assert_int_equal(pf_test_sh(f->wt.buf,
				    "printf 'file d\\n' >d && git add d && "
				    "git commit -q -m d && git rm -q d && "
				    "mkdir d && printf 'file e\\n' >d/e && "
				    "git add d/e && git commit -q -m e"),
			 0);
	pf_test_rev(bd, f->wt.buf, "HEAD~1:d");
	pf_test_rev(be, f->wt.buf, "HEAD:d/e");
	pf_buf_addf(&log,
		    "{\"type\":\"finding\",\"ts\":100,\"rule\":\"R1\","
		    "\"path\":\"d\",\"line\":1,\"fingerprint\":\"%s\","
		    "\"verdict\":\"true_positive\",\"blob\":\"%s\","
		    "\"answer\":\"applied\"}\n"
		    "{\"type\":\"finding\",\"ts\":110,\"rule\":\"R1\","
		    "\"path\":\"d/e\",\"line\":1,\"fingerprint\":\"%s\","
		    "\"verdict\":\"true_positive\",\"blob\":\"%s\","
		    "\"answer\":\"applied\"}\n",
		    FP_A, bd, FP_B, be);
	pf_test_write(f->state.buf, "findings.log", log.buf, log.len);
	assert_int_equal(pf_eval_export(&r, &o), 0);
	assert_int_equal(r.tp, 2);
	assert_int_equal(r.files, 2);
	/* The second of the two moves aside, beside the first. */
	pf_buf_addf(&p, "%s/files/d", f->out.buf);
	if (!pf_buf_read_file(&t, p.buf, 1 << 20)) {
		assert_string_equal(t.buf, "file d\n");
		pf_buf_reset(&p);
		pf_buf_addf(&p, "%s/files/v-%.12s/d/e", f->out.buf, be);
	} else {
		pf_buf_reset(&p);
		pf_buf_addf(&p, "%s/files/d/e", f->out.buf);
		assert_int_equal(pf_buf_read_file(&t, p.buf, 1 << 20), 0);
		assert_string_equal(t.buf, "file e\n");
		pf_buf_reset(&p);
		pf_buf_addf(&p, "%s/files/v-%.12s/d", f->out.buf, bd);
	}
	pf_buf_reset(&t);
	assert_int_equal(pf_buf_read_file(&t, p.buf, 1 << 20), 0);
	assert_true(!strcmp(t.buf, "file d\n") || !strcmp(t.buf, "file e\n"));
	pf_buf_release(&log);
	pf_buf_release(&t);
	pf_buf_release(&p);
	pf_eval_export_release(&r);
}

static void test_since(void **state)
{
	struct fx *f = *state;
	struct pf_eval_export_opts o = {
		.dir = f->out.buf,
		.state_dir = f->state.buf,
		.repo = f->repo,
		.worktree = NULL, /* HEAD's .pushfix/ignore: none */
		.since = 115,
	};
	struct pf_eval_export_result r;

	/* A's applied (100) and B (110) are older: A's disagree alone. */
	assert_int_equal(pf_eval_export(&r, &o), 0);
	assert_int_equal(r.exported, 1);
	assert_int_equal(r.conflicts, 0);
	assert_int_equal(r.skipped_gone, 1);
	assert_int_equal(r.skipped_unknown, 1); /* E, ignored in 2020 */
	pf_eval_export_release(&r);

	/* Nothing decided in the time asked: nothing made. */
	pf_buf_addstr(&f->out, "2");
	o.dir = f->out.buf;
	o.since = 1600000000;
	assert_int_equal(pf_eval_export(&r, &o), 0);
	assert_int_equal(r.exported, 0);
	assert_int_equal(r.records, 6);
	assert_int_equal(r.decisions, 0);
	pf_eval_export_release(&r);
	assert_int_equal(access(o.dir, F_OK), -1);
}

/*
 * A credential found in a.c as scanned (blob1) keeps that blob out of
 * the export whatever else was decided in it: the file holds the secret
 * (a push it stopped may never have sent it anywhere).  The other
 * version of a.c (blob2) is exported, in its place.
 */
static void test_secret_file(void **state)
{
	struct fx *f = *state;
	struct pf_eval_export_opts o = {
		.dir = f->out.buf,
		.state_dir = f->state.buf,
		.repo = f->repo,
		.worktree = f->wt.buf,
	};
	struct pf_eval_export_result r;
	struct pf_buf log = PF_BUF_INIT, p = PF_BUF_INIT;

	rec(&log, FP_A, 100, f->blob1, 2, "true_positive", "applied", NULL);
	rec(&log, FP_B, 110, f->blob2, 3, "true_positive", "ignored", NULL);
	pf_buf_addf(&log,
		    "{\"type\":\"finding\",\"ts\":160,\"rule\":"
		    "\"pushfix.secret.aws-key\",\"path\":\"a.c\",\"line\":1,"
		    "\"fingerprint\":\"%s\",\"verdict\":null,\"blob\":\"%s\","
		    "\"answer\":\"ignored\"}\n",
		    FP_G, f->blob1);
	pf_test_write(f->state.buf, "findings.log", log.buf, log.len);
	pf_buf_release(&log);

	assert_int_equal(pf_eval_export(&r, &o), 0);
	assert_int_equal(r.skipped_secret, 1);
	assert_int_equal(r.skipped_secret_file, 1);
	assert_int_equal(r.exported, 1); /* B */
	assert_int_equal(r.files, 1);
	assert_non_null(strstr(r.notes.buf, "skipped a.c:2 (R1), applied: its "
					    "file as scanned holds a "
					    "credential"));
	/* a.c is the other version's alone. */
	read_text(&p, f->out.buf, "files/a.c");
	assert_string_equal(p.buf, V2);
	pf_eval_export_release(&r);
	pf_buf_release(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_map),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_since, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dir_clash, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_secret_file, setup,
						teardown),
	};
	int ret;

	git_libgit2_init();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return ret;
}
