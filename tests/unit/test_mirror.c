/*
 * The pure parts of the mirror: markers, the forge's diff (on the recorded
 * GitHub PR diff and GitLab MR changes), placement, comment text with
 * suggestion blocks, Link headers, the Slack message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "pushfix/buf.h"
#include "pushfix/err.h"
#include "pushfix/util.h"

/* internals of src/mirror/ (tests are built with -Isrc) */
#include "mirror/drivers.h"
#include "mirror/mirror_int.h"

/* Recorded data, relative to the source tree (tests/run.sh runs there). */
static void fixture(struct pf_buf *out, const char *rel)
{
	struct pf_buf p = PF_BUF_INIT;

	pf_buf_addf(&p, "tests/fixtures/%s", rel);
	if (pf_buf_read_file(out, p.buf, 0))
		fail_msg("cannot read fixture %s: %s", p.buf, pf_error_last());
	pf_buf_release(&p);
}

/* The raw diff GitHub answered for PR 235 (Accept: ...diff). */
static void load_pr_diff(struct pf_mirror_diff *d)
{
	struct pf_buf f = PF_BUF_INIT;
	cJSON *j, *resp, *body;

	fixture(&f, "forge-real/github/github3py-cassettes/decoded/"
		    "PullRequest_diff.decoded.json");
	j = cJSON_Parse(f.buf);
	assert_non_null(j);
	resp = cJSON_GetObjectItem(cJSON_GetArrayItem(j, 1), "response");
	body = cJSON_GetObjectItem(resp, "body");
	assert_true(cJSON_IsString(body));
	assert_int_equal(pf_mirror_diff_parse(d, body->valuestring,
					      strlen(body->valuestring)),
			 0);
	cJSON_Delete(j);
	pf_buf_release(&f);
}

static void test_pr_diff_lines(void **state)
{
	struct pf_mirror_diff d = PF_MIRROR_DIFF_INIT;
	const struct pf_mirror_diff_line *l;
	const char *rel = "github3/repos/release.py";
	const char *t = "tests/unit/test_repos_release.py";

	(void)state;
	load_pr_diff(&d);
	assert_int_equal(d.nr, 2);
	assert_string_equal(d.v[0].path, rel);
	assert_string_equal(d.v[0].old_path, rel);
	assert_int_equal(d.v[0].nr, 8); /* 22..29 */
	assert_int_equal(d.v[1].nr, 18 + 10);
	assert_int_equal(d.v[1].hunks, 2);

	l = pf_mirror_diff_find(&d, rel, 25);
	assert_non_null(l);
	assert_int_equal(l->kind, '+');
	assert_int_equal(l->old_line, 25);
	l = pf_mirror_diff_find(&d, rel, 27);
	assert_non_null(l);
	assert_int_equal(l->kind, ' ');
	assert_int_equal(l->old_line, 25);
	assert_null(pf_mirror_diff_find(&d, rel, 21));
	assert_null(pf_mirror_diff_find(&d, rel, 30));
	assert_null(pf_mirror_diff_find(&d, "nope.py", 25));

	l = pf_mirror_diff_find(&d, t, 44);
	assert_non_null(l);
	assert_int_equal(l->hunk, 1);
	assert_int_equal(l->old_line, 32);
	assert_int_equal(pf_mirror_diff_find(&d, t, 18)->hunk, 0);
	assert_null(pf_mirror_diff_find(&d, t, 33));
	assert_null(pf_mirror_diff_find(&d, t, 40));

	assert_true(pf_mirror_diff_range(&d, t, 18, 29));
	assert_true(pf_mirror_diff_range(&d, t, 15, 32));
	assert_true(pf_mirror_diff_range(&d, t, 41, 50));
	assert_false(pf_mirror_diff_range(&d, t, 32, 41)); /* a gap */
	assert_false(pf_mirror_diff_range(&d, t, 30, 44));
	assert_false(pf_mirror_diff_range(&d, t, 50, 51));
	assert_false(pf_mirror_diff_range(&d, t, 29, 28));
	pf_mirror_diff_release(&d);
}

/* GitLab's changes[].diff of MR 1 (danger's recording of gitlab.com). */
static void test_mr_changes_lines(void **state)
{
	struct pf_buf f = PF_BUF_INIT;
	struct pf_mirror_diff d = PF_MIRROR_DIFF_INIT;
	const struct pf_mirror_diff_line *l;
	const char *json;
	cJSON *j, *it;

	(void)state;
	fixture(&f, "forge-real/gitlab/danger-recorded/"
		    "merge_request_1_changes_response.json");
	/* an HTTP transcript: headers, a blank line, the JSON */
	json = strstr(f.buf, "\r\n\r\n");
	json = json ? json + 4 : strstr(f.buf, "\n\n") + 2;
	j = cJSON_Parse(json);
	assert_non_null(j);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "changes"))
	{
		const char *df = cJSON_GetObjectItem(it, "diff")->valuestring;

		assert_int_equal(
		    pf_mirror_diff_add_patch(
			&d, cJSON_GetObjectItem(it, "new_path")->valuestring,
			cJSON_GetObjectItem(it, "old_path")->valuestring, df,
			strlen(df)),
		    0);
	}
	cJSON_Delete(j);
	assert_int_equal(d.nr, 3);
	/* Dangerfile: @@ -1,13 +1,11 @@ */
	l = pf_mirror_diff_find(&d, "Dangerfile", 1);
	assert_int_equal(l->kind, ' ');
	assert_int_equal(l->old_line, 1);
	l = pf_mirror_diff_find(&d, "Dangerfile", 3);
	assert_int_equal(l->kind, '+');
	assert_int_equal(l->old_line, 4); /* GitLab's old counter */
	l = pf_mirror_diff_find(&d, "Dangerfile", 4);
	assert_int_equal(l->kind, ' ');
	assert_int_equal(l->old_line, 4);
	l = pf_mirror_diff_find(&d, "Dangerfile", 8);
	assert_int_equal(l->kind, '+');
	l = pf_mirror_diff_find(&d, "Dangerfile", 11);
	assert_int_equal(l->kind, ' ');
	assert_int_equal(l->old_line, 10);
	assert_null(pf_mirror_diff_find(&d, "Dangerfile", 12));
	assert_true(pf_mirror_diff_range(&d, "Dangerfile", 1, 11));
	/* new files: one added line each */
	l = pf_mirror_diff_find(&d, "a", 1);
	assert_int_equal(l->kind, '+');
	assert_int_equal(l->old_line, 0);
	assert_null(pf_mirror_diff_find(&d, "a", 2));
	assert_non_null(pf_mirror_diff_find(&d, "b", 1));
	pf_mirror_diff_release(&d);
	pf_buf_release(&f);
}

static void test_diff_forms(void **state)
{
	static const char quoted[] =
	    "diff --git \"a/sp ace\\tx.c\" \"b/sp ace\\tx.c\"\n"
	    "index 1..2 100644\n"
	    "--- \"a/sp ace\\tx.c\"\n"
	    "+++ \"b/sp ace\\tx.c\"\n"
	    "@@ -1 +1,2 @@\n"
	    " a\n"
	    "+b\n"
	    "\\ No newline at end of file\n"
	    "diff --git a/old.c b/new.c\n"
	    "similarity index 90%\n"
	    "rename from old.c\n"
	    "rename to new.c\n"
	    "--- a/old.c\n"
	    "+++ b/new.c\n"
	    "@@ -5,2 +5,3 @@ f()\n"
	    " x\n"
	    "+y\n"
	    "\n"
	    "diff --git a/gone.c b/gone.c\n"
	    "deleted file mode 100644\n"
	    "--- a/gone.c\n"
	    "+++ /dev/null\n"
	    "@@ -1,2 +0,0 @@\n"
	    "-a\n"
	    "-b\n"
	    "diff --git a/bin.png b/bin.png\n"
	    "Binary files a/bin.png and b/bin.png differ\n";
	struct pf_mirror_diff d = PF_MIRROR_DIFF_INIT;
	const struct pf_mirror_diff_file *f;

	(void)state;
	assert_int_equal(pf_mirror_diff_parse(&d, quoted, strlen(quoted)), 0);
	assert_non_null(pf_mirror_diff_find(&d, "sp ace\tx.c", 2));
	f = pf_mirror_diff_file(&d, "new.c");
	assert_non_null(f);
	assert_string_equal(f->old_path, "old.c");
	assert_int_equal(f->nr, 3);
	/* the trimmed empty context line counts */
	assert_int_equal(pf_mirror_diff_find(&d, "new.c", 7)->kind, ' ');
	assert_null(pf_mirror_diff_file(&d, "gone.c"));
	assert_null(pf_mirror_diff_find(&d, "bin.png", 1));
	pf_mirror_diff_release(&d);

	/* a bad hunk header names the line */
	assert_int_equal(pf_mirror_diff_parse(&d,
					      "diff --git a/x b/x\n"
					      "+++ b/x\n@@ -a +1 @@\n",
					      40),
			 PF_EINVALID);
	assert_non_null(strstr(pf_error_last(), "diff line 3: bad hunk"));
	pf_mirror_diff_release(&d);
	assert_int_equal(
	    pf_mirror_diff_add_patch(&d, "p", NULL, "@@ -1 +x @@", 11),
	    PF_EINVALID);
	assert_non_null(strstr(pf_error_last(), "patch of 'p'"));
	pf_mirror_diff_release(&d);
	/* adjacent lines of two hunks are no range (git -U0 can do this) */
	assert_int_equal(pf_mirror_diff_add_patch(&d, "u", NULL,
						  "@@ -1 +1 @@\n-a\n+b\n"
						  "@@ -3 +2 @@\n-c\n+d\n",
						  36),
			 0);
	assert_true(pf_mirror_diff_range(&d, "u", 1, 1));
	assert_true(pf_mirror_diff_range(&d, "u", 2, 2));
	assert_false(pf_mirror_diff_range(&d, "u", 1, 2));
	pf_mirror_diff_release(&d);
	/* GitHub's own (truncated) example patch: headers, no lines */
	assert_int_equal(pf_mirror_diff_add_patch(
			     &d, "file1.txt", NULL,
			     "@@ -132,7 +132,7 @@ module Test @@ -1000,7 "
			     "+1000,7 @@ module Test",
			     62),
			 0);
	assert_null(pf_mirror_diff_find(&d, "file1.txt", 132));
	pf_mirror_diff_release(&d);
}

static void test_markers(void **state)
{
	struct pf_mirror_fps s = PF_MIRROR_FPS_INIT;
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	pf_mirror_marker(&b, "0123abcd");
	assert_string_equal(b.buf, "<!-- pushfix:fingerprint=0123abcd -->");
	pf_mirror_fps_scan(&s, "text\n<!-- pushfix:fingerprint=0123abcd -->\n"
			       "<!-- pushfix:fingerprint=ffffffff00 -->x"
			       "<!-- pushfix:fingerprint=0123abcd -->");
	assert_int_equal(s.nr, 2);
	assert_true(pf_mirror_fps_has(&s, "0123abcd"));
	assert_true(pf_mirror_fps_has(&s, "ffffffff00"));
	assert_false(pf_mirror_fps_has(&s, "0123abc"));
	/* malformed ones are not markers */
	pf_mirror_fps_scan(&s, "<!-- pushfix:fingerprint=ABCDEF12 -->"
			       "<!-- pushfix:fingerprint=abc -->"
			       "<!-- pushfix:fingerprint=12345678-->"
			       "<!-- pushfix:fingerprint=12345678x -->"
			       "<!-- pushfix:fingerprint=");
	assert_int_equal(s.nr, 2);
	pf_mirror_fps_scan(&s, NULL);
	/* inside fenced code (a fix's text) a marker is just code */
	pf_mirror_fps_scan(&s, "````suggestion\n"
			       "<!-- pushfix:fingerprint=11111111 -->\n"
			       "```\n"
			       "<!-- pushfix:fingerprint=22222222 -->\n"
			       "````\n"
			       "<!-- pushfix:fingerprint=33333333 -->\r\n");
	assert_int_equal(s.nr, 3);
	assert_true(pf_mirror_fps_has(&s, "33333333"));
	assert_false(pf_mirror_fps_has(&s, "11111111"));
	assert_false(pf_mirror_fps_has(&s, "22222222"));
	pf_mirror_fps_release(&s);
	pf_buf_release(&b);
}

static void finding(struct pf_outbox_finding *f, const char *path, uint32_t a,
		    uint32_t b)
{
	memset(f, 0, sizeof(*f));
	f->fingerprint = pf_xstrdup("feedface01");
	f->rule_id = pf_xstrdup("python.lang.security.audit.eval");
	f->path = pf_xstrdup(path);
	f->start_line = a;
	f->end_line = b;
	f->severity = pf_xstrdup("ERROR");
	f->message = pf_xstrdup("Detected eval() of user input");
}

static void with_fix(struct pf_outbox_finding *f, uint32_t a, uint32_t b,
		     const char *text)
{
	f->has_fix = 1;
	f->fix.start_line = a;
	f->fix.end_line = b;
	f->fix.replacement = pf_xstrdup(text);
	f->fix.origin = pf_xstrdup("llm");
	f->fix.state = pf_xstrdup("verified");
}

static void test_place(void **state)
{
	struct pf_mirror_diff d = PF_MIRROR_DIFF_INIT;
	struct pf_outbox_finding f;
	struct pf_mirror_anchor a;
	const char *rel = "github3/repos/release.py";
	const char *t = "tests/unit/test_repos_release.py";

	(void)state;
	load_pr_diff(&d);
	finding(&f, rel, 25, 26);
	with_fix(&f, 25, 26, "x\ny\n");
	pf_mirror_place(&a, &d, &f);
	assert_true(a.in_diff && a.suggestion);
	assert_int_equal(a.start, 25);
	assert_int_equal(a.end, 26);
	assert_int_equal(a.first->kind, '+');
	pf_outbox_finding_release(&f);

	/* the fix may cover context lines of the same hunk */
	finding(&f, rel, 25, 25);
	with_fix(&f, 24, 27, "x\n");
	pf_mirror_place(&a, &d, &f);
	assert_true(a.suggestion);
	assert_int_equal(a.start, 24);
	assert_int_equal(a.end, 27);
	assert_int_equal(a.first->kind, ' ');
	pf_outbox_finding_release(&f);

	/* partly outside: the first line in the diff, no suggestion */
	finding(&f, rel, 20, 23);
	with_fix(&f, 20, 23, "x\n");
	pf_mirror_place(&a, &d, &f);
	assert_true(a.in_diff);
	assert_false(a.suggestion);
	assert_int_equal(a.start, 22);
	assert_int_equal(a.end, 22);
	pf_outbox_finding_release(&f);

	/* a fix across two hunks is no suggestion; the finding fits one */
	finding(&f, t, 44, 45);
	with_fix(&f, 30, 45, "x\n");
	pf_mirror_place(&a, &d, &f);
	assert_true(a.in_diff);
	assert_false(a.suggestion);
	assert_int_equal(a.start, 44);
	assert_int_equal(a.end, 45);
	pf_outbox_finding_release(&f);

	finding(&f, rel, 1, 5);
	pf_mirror_place(&a, &d, &f);
	assert_false(a.in_diff);
	pf_outbox_finding_release(&f);
	finding(&f, "elsewhere.py", 25, 25);
	pf_mirror_place(&a, &d, &f);
	assert_false(a.in_diff);
	pf_outbox_finding_release(&f);

	/* no diff (dry run): the fix's lines, a suggestion */
	finding(&f, "x.py", 3, 3);
	with_fix(&f, 3, 4, "y\n");
	pf_mirror_place(&a, NULL, &f);
	assert_true(a.in_diff && a.suggestion);
	assert_int_equal(a.end, 4);
	pf_outbox_finding_release(&f);
	pf_mirror_diff_release(&d);
}

static void test_render_github(void **state)
{
	struct pf_outbox_finding f;
	struct pf_mirror_anchor a = {1, 4, 5, 1, NULL, NULL};
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	finding(&f, "app.py", 4, 5);
	f.verdict = pf_xstrdup("true_positive");
	f.confidence = 0.92;
	f.reason = pf_xstrdup("request.args reaches eval()");
	f.feedback = -1;
	f.cwe = pf_xstrdup("CWE-95: Eval Injection");
	with_fix(&f, 4, 5, "value = int(arg)\nreturn value\n");
	pf_mirror_render(&b, &f, PF_FORGE_GITHUB, &a);
	assert_string_equal(
	    b.buf,
	    "**pushfix** · **ERROR** · `python.lang.security.audit.eval`\n"
	    "\n"
	    "Detected eval() of user input\n"
	    "\n"
	    "**Triage:** true positive (92% confidence): request.args "
	    "reaches eval()\n"
	    "**Developer feedback:** disagrees with this triage\n"
	    "**CWE:** CWE-95: Eval Injection\n"
	    "\n"
	    "**Suggested fix** (by the LLM, verified by a re-scan):\n"
	    "```suggestion\n"
	    "value = int(arg)\n"
	    "return value\n"
	    "```\n"
	    "\n"
	    "<!-- pushfix:fingerprint=feedface01 -->\n");
	pf_buf_release(&b);
	pf_outbox_finding_release(&f);
}

static void test_render_gitlab_and_fences(void **state)
{
	struct pf_outbox_finding f;
	struct pf_mirror_anchor a = {1, 7, 9, 1, NULL, NULL};
	struct pf_buf b = PF_BUF_INIT;

	(void)state;
	finding(&f, "README.md", 7, 7);
	with_fix(&f, 7, 9, "```sh\nmake\n```\n");
	free(f.fix.origin);
	f.fix.origin = pf_xstrdup("rule");
	free(f.fix.state);
	f.fix.state = pf_xstrdup("unverified");
	f.triage_error = pf_xstrdup("the LLM did not answer in 30 s");
	pf_mirror_render(&b, &f, PF_FORGE_GITLAB, &a);
	assert_non_null(strstr(b.buf, "**Triage:** none (the LLM did not "
				      "answer in 30 s)\n"));
	/* GitLab's range syntax, and a fence longer than the content's */
	assert_non_null(strstr(b.buf, "(from the rule, not verified by a "
				      "re-scan):\n````suggestion:-0+2\n```sh\n"
				      "make\n```\n````\n"));
	pf_buf_reset(&b);

	/* an empty replacement deletes the lines */
	free(f.fix.replacement);
	f.fix.replacement = pf_xstrdup("");
	a.end = 7;
	pf_mirror_render(&b, &f, PF_FORGE_GITHUB, &a);
	assert_non_null(strstr(b.buf, "```suggestion\n```\n"));
	pf_buf_reset(&b);

	/* not placeable: a plain block naming its lines */
	a.suggestion = 0;
	pf_mirror_render(&b, &f, PF_FORGE_GITHUB, &a);
	assert_null(strstr(b.buf, "suggestion"));
	assert_non_null(strstr(b.buf, "to replace lines 7-9 (not all in this "
				      "diff, so apply it by hand):\n```\n"));
	pf_buf_reset(&b);

	/* the summary form starts with the location */
	pf_mirror_render(&b, &f, PF_FORGE_GITHUB, NULL);
	assert_true(pf_starts_with(b.buf, "**`README.md` line 7** · "
					  "**pushfix** · **ERROR**"));
	assert_non_null(strstr(b.buf, "to replace lines 7-9:\n```\n"));
	pf_buf_release(&b);
	pf_outbox_finding_release(&f);
}

/* Scanner and LLM text cannot forge a marker, HTML or a mention. */
static void test_render_escapes(void **state)
{
	struct pf_outbox_finding f;
	struct pf_buf b = PF_BUF_INIT;
	struct pf_mirror_fps s = PF_MIRROR_FPS_INIT;

	(void)state;
	finding(&f, "a`b.py", 1, 1);
	free(f.message);
	f.message = pf_xstrdup("ping @octocat <!-- pushfix:fingerprint="
			       "0000000000 --> <script>x</script>\n"
			       "```\n~~~~\n");
	f.verdict = pf_xstrdup("false_positive");
	f.reason = pf_xstrdup("mail a@b.c, cc @team-x");
	f.feedback = 1;
	pf_mirror_render(&b, &f, PF_FORGE_GITHUB, NULL);
	pf_mirror_fps_scan(&s, b.buf);
	assert_int_equal(s.nr, 1);
	assert_string_equal(s.v[0], "feedface01");
	assert_null(strstr(b.buf, "@octocat"));
	assert_null(strstr(b.buf, "@team"));
	assert_non_null(strstr(b.buf, "&#64;octocat"));
	assert_null(strstr(b.buf, "<script>"));
	assert_non_null(strstr(b.buf, "`a'b.py`"));
	/* a fence in the message would hide the marker */
	assert_non_null(strstr(b.buf, "\n\\`\\`\\`\n\\~\\~\\~\\~\n"));
	assert_non_null(strstr(b.buf, "false positive (0% confidence)"));
	assert_non_null(strstr(b.buf, "agrees with this triage"));
	pf_mirror_fps_release(&s);
	pf_buf_release(&b);
	pf_outbox_finding_release(&f);
}

static void test_link_next(void **state)
{
	struct pf_buf b = PF_BUF_INIT, f = PF_BUF_INIT;
	cJSON *j;

	(void)state;
	/* octokit's recorded paginate-issues answer */
	fixture(&f, "forge-real/github/octokit-fixtures/"
		    "paginate-issues.normalized-fixture.json");
	j = cJSON_Parse(f.buf);
	assert_true(pf_mirror_link_next(
	    &b, cJSON_GetObjectItem(
		    cJSON_GetObjectItem(cJSON_GetArrayItem(j, 0), "headers"),
		    "link")
		    ->valuestring));
	assert_string_equal(b.buf, "https://api.github.com/repositories/1000/"
				   "issues?per_page=3&page=2");
	cJSON_Delete(j);
	assert_true(pf_mirror_link_next(&b, "<https://h/x?page=1>; "
					    "rel=\"prev\", <https://h/x?"
					    "page=3>; rel=\"next\""));
	assert_string_equal(b.buf, "https://h/x?page=3");
	assert_true(pf_mirror_link_next(&b, "<https://h/y>; rel=\"last "
					    "next\""));
	assert_string_equal(b.buf, "https://h/y");
	assert_true(pf_mirror_link_next(&b, "<https://h/z>; rel=next"));
	assert_string_equal(b.buf, "https://h/z");
	/* GitLab's last page (recorded): first and last only */
	assert_false(pf_mirror_link_next(
	    &b, "<https://gitlab.com/api/v4/projects/k0nserv%2Fdanger-test/"
		"merge_requests?state=opened&page=1&per_page=20>; "
		"rel=\"first\", <https://gitlab.com/api/v4/projects/"
		"k0nserv%2Fdanger-test/merge_requests?state=opened&page=1&"
		"per_page=20>; rel=\"last\""));
	assert_false(pf_mirror_link_next(&b, ""));
	assert_false(pf_mirror_link_next(&b, "<broken; rel=\"next\""));
	pf_buf_release(&b);
	pf_buf_release(&f);
}

static void test_slack_message(void **state)
{
	struct pf_outbox_entry e;
	struct pf_buf b = PF_BUF_INIT;
	cJSON *j, *blocks;
	const char *text;

	(void)state;
	pf_outbox_entry_init(&e);
	e.branch = pf_xstrdup("feat/<x>");
	memcpy(e.sha, "0123456789abcdef0123456789abcdef01234567", 41);
	for (int i = 0; i < 13; i++) {
		struct pf_outbox_finding *f = pf_outbox_entry_add(&e);

		finding(f, "a.py", (uint32_t)i + 1, (uint32_t)i + 1);
		if (i < 2) {
			free(f->severity);
			f->severity = pf_xstrdup("WARNING");
		}
		if (i == 0)
			f->verdict = pf_xstrdup("true_positive");
	}
	pf_slack_message(&b, &e, "o/r & co",
			 "https://github.example/o/r/pull/1");
	j = cJSON_Parse(b.buf);
	assert_non_null(j);
	text = cJSON_GetObjectItem(j, "text")->valuestring;
	assert_string_equal(text, "pushfix: 13 findings on feat/&lt;x&gt; "
				  "(0123456) in o/r &amp; co: 11 ERROR, 2 "
				  "WARNING — <https://github.example/o/r/"
				  "pull/1|review>");
	blocks = cJSON_GetObjectItem(j, "blocks");
	/* header, summary, divider, 10 findings, "and 3 more" */
	assert_int_equal(cJSON_GetArraySize(blocks), 14);
	assert_non_null(strstr(b.buf, "1 true positive, 12 not triaged"));
	assert_non_null(strstr(b.buf, "and 3 more"));
	cJSON_Delete(j);
	pf_buf_release(&b);
	pf_outbox_entry_release(&e);
}

/* `/pushfix agree|disagree [reason]` on the first line, nothing else. */
static void test_feedback_parse(void **state)
{
	char *reason = NULL;
	int agree = -1;

	(void)state;
	assert_int_equal(pf_mirror_feedback_parse("/pushfix agree", &agree,
						  &reason),
			 1);
	assert_int_equal(agree, 1);
	assert_null(reason);
	assert_int_equal(pf_mirror_feedback_parse(
				 "\n  /pushfix Disagree: it is reachable\t\n"
				 "second line",
				 &agree, &reason),
			 1);
	assert_int_equal(agree, 0);
	assert_string_equal(reason, "it is reachable");
	free(reason);
	assert_int_equal(pf_mirror_feedback_parse("/pushfix agree, \x1b[31mok",
						  &agree, &reason),
			 1);
	assert_string_equal(reason, " [31mok");
	free(reason);
	assert_int_equal(pf_mirror_feedback_parse("/pushfixagree", &agree,
						  NULL),
			 0);
	assert_int_equal(pf_mirror_feedback_parse("/pushfix agreed", &agree,
						  NULL),
			 0);
	assert_int_equal(pf_mirror_feedback_parse("I /pushfix agree", &agree,
						  NULL),
			 0);
	assert_int_equal(pf_mirror_feedback_parse("/pushfix", &agree, NULL),
			 0);
	assert_int_equal(pf_mirror_feedback_parse(NULL, &agree, NULL), 0);
}

/* The first marker of a comment names the finding replied to. */
static void test_first_fp(void **state)
{
	struct pf_buf b = PF_BUF_INIT;
	char fp[65], *got;

	(void)state;
	memset(fp, 'a', 64);
	fp[64] = '\0';
	pf_buf_addstr(&b, "**pushfix** text\n\n");
	pf_mirror_marker(&b, fp);
	got = pf_mirror_first_fp(b.buf);
	assert_string_equal(got, fp);
	free(got);
	assert_null(pf_mirror_first_fp("no marker here"));
	assert_null(pf_mirror_first_fp(NULL));
	pf_buf_release(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pr_diff_lines),
	    cmocka_unit_test(test_mr_changes_lines),
	    cmocka_unit_test(test_diff_forms),
	    cmocka_unit_test(test_markers),
	    cmocka_unit_test(test_place),
	    cmocka_unit_test(test_render_github),
	    cmocka_unit_test(test_render_gitlab_and_fences),
	    cmocka_unit_test(test_render_escapes),
	    cmocka_unit_test(test_link_next),
	    cmocka_unit_test(test_slack_message),
	    cmocka_unit_test(test_feedback_parse),
	    cmocka_unit_test(test_first_fp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
