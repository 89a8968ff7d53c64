/* The outbox: JSON round trip, strict parsing, claims, durability. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/fs.h"
#include "pushfix/outbox.h"
#include "pushfix/util.h"

static const char SHA[] = "0123456789abcdef0123456789abcdef01234567";

static void fill(struct pf_outbox_entry *e)
{
	struct pf_outbox_finding *f;

	pf_outbox_entry_init(e);
	e->remote_name = pf_xstrdup("origin");
	e->remote_url = pf_xstrdup("git@github.com:o/r.git");
	e->branch = pf_xstrdup("feature/x");
	memcpy(e->sha, SHA, 41);
	f = pf_outbox_entry_add(e);
	f->fingerprint = pf_xstrdup("deadbeef00");
	f->rule_id = pf_xstrdup("python.lang.security.eval");
	f->path = pf_xstrdup("src/app.py");
	f->start_line = 3;
	f->end_line = 4;
	f->severity = pf_xstrdup("ERROR");
	f->message = pf_xstrdup("eval of \"user\" input\nsecond line");
	f->cwe = pf_xstrdup("CWE-95");
	f->verdict = pf_xstrdup("true_positive");
	f->confidence = 0.875;
	f->reason = pf_xstrdup("input reaches eval");
	f->feedback = -1;
	f->has_fix = 1;
	f->fix.start_line = 3;
	f->fix.end_line = 4;
	f->fix.replacement = pf_xstrdup("x = int(v)\n");
	f->fix.origin = pf_xstrdup("llm");
	f->fix.state = pf_xstrdup("verified");
	f = pf_outbox_entry_add(e);
	f->fingerprint = pf_xstrdup("00ff00ff00ff");
	f->rule_id = pf_xstrdup("r2");
	f->path = pf_xstrdup("b.c");
	f->start_line = f->end_line = 10;
	f->severity = pf_xstrdup("WARNING");
	f->message = pf_xstrdup("m");
	f->triage_error = pf_xstrdup("the LLM did not answer in time");
}

static void test_roundtrip(void **state)
{
	struct pf_outbox_entry e, g;
	struct pf_buf j = PF_BUF_INIT, j2 = PF_BUF_INIT;

	(void)state;
	fill(&e);
	e.id = pf_xstrdup("x1");
	e.forge_done = 1;
	e.pr_url = pf_xstrdup("https://github.com/o/r/pull/7");
	e.not_before = 1900000000;
	e.attempts = 3;
	e.last_attempt = 1800000000;
	e.failed = 1;
	pf_outbox_entry_to_json(&j, &e);
	pf_outbox_entry_init(&g);
	assert_int_equal(pf_outbox_entry_parse(&g, j.buf, j.len, "t"), 0);
	assert_string_equal(g.branch, "feature/x");
	assert_string_equal(g.sha, SHA);
	assert_int_equal(g.nr, 2);
	assert_string_equal(g.findings[0].message,
			    "eval of \"user\" input\nsecond line");
	assert_int_equal(g.findings[0].feedback, -1);
	assert_true(g.findings[0].confidence == 0.875);
	assert_int_equal(g.findings[0].has_fix, 1);
	assert_string_equal(g.findings[0].fix.replacement, "x = int(v)\n");
	assert_int_equal(g.findings[1].has_fix, 0);
	assert_null(g.findings[1].verdict);
	assert_string_equal(g.findings[1].triage_error,
			    "the LLM did not answer in time");
	assert_int_equal(g.forge_done, 1);
	assert_int_equal(g.not_before, 1900000000);
	assert_int_equal(g.attempts, 3);
	assert_int_equal(g.last_attempt, 1800000000);
	assert_int_equal(g.failed, 1);
	/* and it serialises back to the same text */
	pf_outbox_entry_to_json(&j2, &g);
	assert_string_equal(j.buf, j2.buf);
	pf_outbox_entry_release(&e);
	pf_outbox_entry_release(&g);
	pf_buf_release(&j);
	pf_buf_release(&j2);
}

static void expect_parse_error(const char *json, const char *msg)
{
	struct pf_outbox_entry g;
	int ret;

	pf_outbox_entry_init(&g);
	ret = pf_outbox_entry_parse(&g, json, strlen(json), "F.json");
	pf_outbox_entry_release(&g);
	if (ret != PF_EINVALID)
		fail_msg("accepted: %s", json);
	if (!strstr(pf_error_last(), msg))
		fail_msg("'%s' lacks '%s'", pf_error_last(), msg);
}

#define HEAD                                                                   \
	"{\"version\":1,\"remote_url\":\"u\",\"branch\":\"b\",\"sha\":\""      \
	"0123456789abcdef0123456789abcdef01234567\","
#define BASEF                                                                  \
	"\"fingerprint\":\"abcdef12\",\"rule_id\":\"r\","                      \
	"\"severity\":\"ERROR\",\"message\":\"m\""
#define GOODF BASEF ",\"path\":\"a\",\"start_line\":1,\"end_line\":2"

static void test_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("not json", "outbox entry 'F.json': not JSON");
	expect_parse_error("[]", "not a JSON object");
	expect_parse_error("{\"version\":2}", "version 2 is not 1");
	expect_parse_error("{\"version\":1}", "'remote_url' is missing");
	expect_parse_error(HEAD "\"findings\":{}}", "'findings' is missing");
	expect_parse_error("{\"version\":1,\"remote_url\":\"u\",\"branch\":"
			   "\"b\",\"sha\":\"HEAD\",\"findings\":[]}",
			   "'sha' is not a commit id");
	expect_parse_error(HEAD "\"findings\":[{" GOODF "},{\"fingerprint\":"
				"\"abcdef12\"}]}",
			   "'findings[1].rule_id' is missing");
	expect_parse_error(HEAD "\"findings\":[{\"fingerprint\":\"XYZ\","
				"\"rule_id\":\"r\",\"path\":\"a\",\"start_line"
				"\":1,\"end_line\":1,\"severity\":\"E\","
				"\"message\":\"m\"}]}",
			   "'findings[0].fingerprint' is not a hex digest");
	expect_parse_error(HEAD "\"findings\":[{" BASEF
				",\"path\":\"a\",\"start_line\":0,"
				"\"end_line\":1}]}",
			   "'findings[0].start_line' is out of range");
	expect_parse_error(HEAD "\"findings\":[{" BASEF ",\"path\":\"/etc/x\","
				"\"start_line\":1,\"end_line\":1}]}",
			   "'findings[0].path' is not a repository path");
	expect_parse_error(HEAD "\"findings\":[{" BASEF ",\"path\":\"a\","
				"\"start_line\":1,\"end_line\":1.5}]}",
			   "'findings[0].end_line' is not a line number");
	expect_parse_error(HEAD "\"findings\":[{" GOODF
				",\"fix\":{\"start_line\":2,\"end_line\":1,"
				"\"replacement\":\"\"}}]}",
			   "'findings[0].fix.end_line' is before start_line");
	expect_parse_error(HEAD "\"findings\":[{" GOODF
				",\"fix\":{\"start_line\":1,\"end_line\":1}}]}",
			   "'findings[0].fix.replacement' is missing");
	expect_parse_error(HEAD "\"findings\":[{" GOODF ",\"confidence\":7}]}",
			   "'findings[0].confidence' is out of range");
	expect_parse_error(HEAD "\"forge_done\":1,\"findings\":[]}",
			   "'forge_done' is not true or false");
}

static char *tmpdir(void)
{
	char tpl[] = "/tmp/pf-outbox-XXXXXX";
	char *d = mkdtemp(tpl);

	assert_non_null(d);
	return pf_xstrdup(d);
}

static int file_exists(const char *dir, const char *id, const char *ext)
{
	struct pf_buf p = PF_BUF_INIT;
	int ok;

	pf_buf_addf(&p, "%s/outbox/%s%s", dir, id, ext);
	ok = access(p.buf, F_OK) == 0;
	pf_buf_release(&p);
	return ok;
}

static void test_add_list_claim_done(void **state)
{
	char *dir = tmpdir();
	struct pf_outbox_entry e1, e2, c, c2;
	char **ids;
	size_t nr;
	struct stat st;
	struct pf_buf ob = PF_BUF_INIT;

	(void)state;
	/* nothing yet: an empty outbox, no error */
	assert_int_equal(pf_outbox_list(&ids, &nr, dir), 0);
	assert_int_equal(nr, 0);
	fill(&e1);
	fill(&e2);
	assert_int_equal(pf_outbox_add(dir, &e1), 0);
	assert_int_equal(pf_outbox_add(dir, &e2), 0);
	assert_non_null(e1.id);
	assert_true(e1.created > 0);
	assert_true(strcmp(e1.id, e2.id) < 0);
	pf_buf_addf(&ob, "%s/outbox", dir);
	assert_int_equal(stat(ob.buf, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_true(file_exists(dir, e1.id, ".json"));

	assert_int_equal(pf_outbox_list(&ids, &nr, dir), 0);
	assert_int_equal(nr, 2);
	assert_string_equal(ids[0], e1.id);
	assert_string_equal(ids[1], e2.id);

	pf_outbox_entry_init(&c);
	assert_int_equal(pf_outbox_claim(&c, dir, ids[0]), 0);
	assert_string_equal(c.id, e1.id);
	assert_int_equal(c.nr, 2);
	assert_true(c.lock_fd >= 0);

	/* a second claimer (another open file) is refused */
	pf_outbox_entry_init(&c2);
	assert_int_equal(pf_outbox_claim(&c2, dir, ids[0]), PF_ETIMEOUT);
	assert_non_null(strstr(pf_error_last(), "being posted by another "
						"pushfix (pid "));
	pf_outbox_entry_release(&c2);

	/* progress survives a save and a re-claim */
	c.forge_done = 1;
	c.pr_url = pf_xstrdup("https://x/pull/1");
	assert_int_equal(pf_outbox_save(&c), 0);
	pf_outbox_entry_release(&c);
	pf_outbox_entry_init(&c);
	assert_int_equal(pf_outbox_claim(&c, dir, ids[0]), 0);
	assert_int_equal(c.forge_done, 1);
	assert_string_equal(c.pr_url, "https://x/pull/1");

	assert_int_equal(pf_outbox_done(&c), 0);
	assert_false(file_exists(dir, e1.id, ".json"));
	assert_false(file_exists(dir, e1.id, ".lock"));
	pf_outbox_entry_release(&c);
	pf_outbox_entry_init(&c);
	assert_int_equal(pf_outbox_claim(&c, dir, ids[0]), PF_ENOTFOUND);
	pf_outbox_entry_release(&c);
	pf_outbox_ids_free(ids, nr);

	assert_int_equal(pf_outbox_list(&ids, &nr, dir), 0);
	assert_int_equal(nr, 1);
	assert_string_equal(ids[0], e2.id);
	pf_outbox_ids_free(ids, nr);

	pf_outbox_entry_release(&e1);
	pf_outbox_entry_release(&e2);
	pf_buf_release(&ob);
	pf_remove_tree(dir);
	free(dir);
}

/* What the hook reads on every push: failures only, the newest error,
 * a missing outbox a stat alone (nothing created). */
static void test_summarise(void **state)
{
	char *dir = tmpdir();
	struct pf_outbox_entry e1, e2, e3, r;
	struct pf_outbox_summary s;
	struct pf_buf ob = PF_BUF_INIT;
	struct stat st;

	(void)state;
	assert_int_equal(pf_outbox_summarise(&s, dir), 0);
	assert_int_equal(s.nr, 0);
	assert_int_equal(s.failed, 0);
	assert_null(s.last_error);
	pf_buf_addf(&ob, "%s/outbox", dir);
	assert_int_not_equal(stat(ob.buf, &st), 0);
	fill(&e1);
	fill(&e2);
	fill(&e3);
	e1.failed = 1;
	e1.attempts = 2;
	e1.last_attempt = 1800000000;
	e1.last_error = pf_xstrdup("old: 401");
	e2.failed = 1;
	e2.attempts = 1;
	e2.last_attempt = 1800000100;
	e2.last_error = pf_xstrdup("new: 403");
	e3.attempts = 1; /* waiting for a PR: no failure */
	e3.last_attempt = 1800000200;
	e3.last_error = pf_xstrdup("no open pull request");
	assert_int_equal(pf_outbox_add(dir, &e1), 0);
	assert_int_equal(pf_outbox_add(dir, &e2), 0);
	assert_int_equal(pf_outbox_add(dir, &e3), 0);
	assert_int_equal(pf_outbox_summarise(&s, dir), 0);
	assert_int_equal(s.nr, 3);
	assert_int_equal(s.failed, 2);
	assert_string_equal(s.last_error, "new: 403");
	pf_outbox_summary_release(&s);

	/* read without a claim: the fields came back */
	pf_outbox_entry_init(&r);
	assert_int_equal(pf_outbox_read(&r, dir, e1.id), 0);
	assert_int_equal(r.failed, 1);
	assert_int_equal(r.last_attempt, 1800000000);
	assert_int_equal(r.lock_fd, -1);
	pf_outbox_entry_release(&r);
	pf_outbox_entry_init(&r);
	assert_int_equal(pf_outbox_read(&r, dir, "nope"), PF_ENOTFOUND);
	pf_outbox_entry_release(&r);

	pf_outbox_entry_release(&e1);
	pf_outbox_entry_release(&e2);
	pf_outbox_entry_release(&e3);
	pf_buf_release(&ob);
	pf_remove_tree(dir);
	free(dir);
}

/* A worker killed while it holds an entry: the claim dies with it and the
 * whole entry is there for the next one. */
static void test_claim_dies_with_worker(void **state)
{
	char *dir = tmpdir();
	struct pf_outbox_entry e, c;
	int pfd[2];
	pid_t pid;
	char ch;
	int busy;

	(void)state;
	fill(&e);
	assert_int_equal(pf_outbox_add(dir, &e), 0);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct pf_outbox_entry w;

		pf_outbox_entry_init(&w);
		if (pf_outbox_claim(&w, dir, e.id))
			_exit(1);
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		alarm(30); /* never outlive a failed test */
		pause();
		_exit(0);
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &ch, 1), 1);
	close(pfd[0]);
	pf_outbox_entry_init(&c);
	busy = pf_outbox_claim(&c, dir, e.id);
	pf_outbox_entry_release(&c);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(busy, PF_ETIMEOUT);
	pf_outbox_entry_init(&c);
	assert_int_equal(pf_outbox_claim(&c, dir, e.id), 0);
	assert_int_equal(c.nr, 2);
	assert_string_equal(c.findings[1].path, "b.c");
	pf_outbox_entry_release(&c);
	pf_outbox_entry_release(&e);
	pf_remove_tree(dir);
	free(dir);
}

static void test_bad_entry_set_aside(void **state)
{
	char *dir = tmpdir();
	struct pf_buf p = PF_BUF_INIT;
	struct pf_outbox_entry c;
	char **ids;
	size_t nr;

	(void)state;
	pf_buf_addf(&p, "%s/outbox", dir);
	assert_int_equal(pf_mkdir_p(p.buf, 0700), 0);
	pf_buf_addstr(&p, "/0001-bad.json");
	assert_int_equal(pf_write_file_atomic(p.buf, "{\"version\":", 11, 0600),
			 0);
	/* a half-written temp file is not an entry */
	pf_buf_addstr(&p, ".pushfix-abcdef");
	assert_int_equal(pf_write_file_atomic(p.buf, "{", 1, 0600), 0);
	assert_int_equal(pf_outbox_list(&ids, &nr, dir), 0);
	assert_int_equal(nr, 1);
	pf_outbox_entry_init(&c);
	assert_int_equal(pf_outbox_claim(&c, dir, ids[0]), PF_EINVALID);
	assert_non_null(strstr(pf_error_last(), "set aside as"));
	assert_non_null(strstr(pf_error_last(), "not JSON"));
	pf_outbox_entry_release(&c);
	assert_true(file_exists(dir, "0001-bad", ".bad"));
	pf_outbox_ids_free(ids, nr);
	assert_int_equal(pf_outbox_list(&ids, &nr, dir), 0);
	assert_int_equal(nr, 0);
	pf_outbox_ids_free(ids, nr);
	pf_outbox_entry_init(&c);
	assert_int_equal(pf_outbox_claim(&c, dir, "../x"), PF_EINVALID);
	pf_outbox_entry_release(&c);
	pf_buf_release(&p);
	pf_remove_tree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_parse_errors),
	    cmocka_unit_test(test_add_list_claim_done),
	    cmocka_unit_test(test_claim_dies_with_worker),
	    cmocka_unit_test(test_bad_entry_set_aside),
	    cmocka_unit_test(test_summarise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
