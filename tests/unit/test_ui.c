/*
 * The ui stage: keys, colour, rendering at 80 columns, the push policy for
 * every combination, and whole sessions driven through a scripted answer
 * file (PUSHFIX_TTY), against a real working tree in a temp directory.
 * The same sessions on a real pseudo-terminal are in tests/e2e/t07*.sh.
 */
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
#include "pushfix/decision.h"
#include "pushfix/err.h"
#include "pushfix/finding.h"
#include "pushfix/fs.h"
#include "pushfix/pipeline.h"
#include "pushfix/policy.h"
#include "pushfix/semgrep.h"
#include "pushfix/sentlog.h"
#include "pushfix/ui.h"
#include "pushfix/util.h"

#define NOW ((time_t)1717243200)

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* strstr that shows the text when it fails. */
#define assert_has(hay, needle)                                               \
	do {                                                                  \
		if (!strstr((hay), (needle)))                                 \
			fail_msg("expected '%s' in:\n%s", (needle), (hay));   \
	} while (0)

/* Every line at most `w` display columns (colour sequences not counted). */
static void assert_fits(const char *s, unsigned w)
{
	while (*s) {
		size_t n = strcspn(s, "\n");
		unsigned cols = pf_ui_columns(s, n);

		if (cols > w)
			fail_msg("line of %u columns: '%.*s'", cols, (int)n, s);
		s += n + (s[n] ? 1 : 0);
	}
}

/* ---- keys ------------------------------------------------------------- */

static void test_parse_key(void **state)
{
	(void)state;
	assert_int_equal(pf_ui_parse_key(""), 'n');
	assert_int_equal(pf_ui_parse_key("   "), 'n');
	assert_int_equal(pf_ui_parse_key("\r"), 'n');
	assert_int_equal(pf_ui_parse_key(NULL), 'n');
	assert_int_equal(pf_ui_parse_key("y"), 'y');
	assert_int_equal(pf_ui_parse_key("Y"), 'y');
	assert_int_equal(pf_ui_parse_key("yes"), 'y');
	assert_int_equal(pf_ui_parse_key("  n  "), 'n');
	assert_int_equal(pf_ui_parse_key("No"), 'n');
	assert_int_equal(pf_ui_parse_key("a"), 'a');
	assert_int_equal(pf_ui_parse_key("d"), 'd');
	assert_int_equal(pf_ui_parse_key("i"), 'i');
	assert_int_equal(pf_ui_parse_key("I"), 'I');
	assert_int_equal(pf_ui_parse_key("ignore"), 'i');
	assert_int_equal(pf_ui_parse_key("e"), 'e');
	assert_int_equal(pf_ui_parse_key("+"), '+');
	assert_int_equal(pf_ui_parse_key("-"), '-');
	assert_int_equal(pf_ui_parse_key("p"), 'p');
	assert_int_equal(pf_ui_parse_key("Q"), 'q');
	assert_int_equal(pf_ui_parse_key("quit"), 'q');
	assert_int_equal(pf_ui_parse_key("?"), '?');
	assert_int_equal(pf_ui_parse_key("x"), 'x');
	assert_int_equal(pf_ui_parse_key("zzz"), 0);
	assert_int_equal(pf_ui_parse_key("\x1b[A"), 0);
	assert_int_equal(pf_ui_parse_key("1"), 0);
}

/* ---- colour ----------------------------------------------------------- */

static void color_env(const char *no_color, const char *force,
		      const char *term)
{
	if (no_color)
		setenv("NO_COLOR", no_color, 1);
	else
		unsetenv("NO_COLOR");
	if (force)
		setenv("CLICOLOR_FORCE", force, 1);
	else
		unsetenv("CLICOLOR_FORCE");
	if (term)
		setenv("TERM", term, 1);
	else
		unsetenv("TERM");
}

static void test_want_color(void **state)
{
	char dir[] = "/tmp/pf-ui-color-XXXXXX";
	git_repository *repo = NULL;
	git_config *gc = NULL;

	(void)state;
	/* auto: a terminal whose TERM is not dumb */
	color_env(NULL, NULL, "xterm");
	assert_true(pf_ui_want_color(-1, PF_AUTO, NULL, 1));
	assert_false(pf_ui_want_color(-1, PF_AUTO, NULL, 0));
	color_env(NULL, NULL, "dumb");
	assert_false(pf_ui_want_color(-1, PF_AUTO, NULL, 1));
	color_env(NULL, NULL, NULL);
	assert_false(pf_ui_want_color(-1, PF_AUTO, NULL, 1));
	/* NO_COLOR beats CLICOLOR_FORCE and auto; empty means unset */
	color_env("1", NULL, "xterm");
	assert_false(pf_ui_want_color(-1, PF_AUTO, NULL, 1));
	color_env("1", "1", "xterm");
	assert_false(pf_ui_want_color(-1, PF_AUTO, NULL, 1));
	color_env("", NULL, "xterm");
	assert_true(pf_ui_want_color(-1, PF_AUTO, NULL, 1));
	/* CLICOLOR_FORCE colours a pipe; "0" does not force */
	color_env(NULL, "1", "dumb");
	assert_true(pf_ui_want_color(-1, PF_AUTO, NULL, 0));
	color_env(NULL, "0", "xterm");
	assert_false(pf_ui_want_color(-1, PF_AUTO, NULL, 0));
	/* config beats the environment */
	color_env("1", NULL, "xterm");
	assert_true(pf_ui_want_color(-1, PF_ALWAYS, NULL, 0));
	color_env(NULL, "1", "xterm");
	assert_false(pf_ui_want_color(-1, PF_NEVER, NULL, 1));
	/* the flag beats the config */
	assert_true(pf_ui_want_color(1, PF_NEVER, NULL, 0));
	assert_false(pf_ui_want_color(0, PF_ALWAYS, NULL, 1));

	/* git's color.ui, under NO_COLOR/CLICOLOR_FORCE, over auto */
	assert_non_null(mkdtemp(dir));
	assert_int_equal(git_repository_init(&repo, dir, 0), 0);
	assert_int_equal(git_repository_config(&gc, repo), 0);
	color_env(NULL, NULL, "xterm");
	assert_int_equal(git_config_set_string(gc, "color.ui", "never"), 0);
	assert_false(pf_ui_want_color(-1, PF_AUTO, repo, 1));
	assert_true(pf_ui_want_color(-1, PF_ALWAYS, repo, 1));
	color_env(NULL, "1", "xterm");
	assert_true(pf_ui_want_color(-1, PF_AUTO, repo, 1));
	color_env(NULL, NULL, "xterm");
	assert_int_equal(git_config_set_string(gc, "color.ui", "always"), 0);
	assert_true(pf_ui_want_color(-1, PF_AUTO, repo, 0));
	color_env("1", NULL, "xterm");
	assert_false(pf_ui_want_color(-1, PF_AUTO, repo, 0));
	color_env(NULL, NULL, "xterm");
	assert_int_equal(git_config_set_string(gc, "color.ui", "auto"), 0);
	assert_false(pf_ui_want_color(-1, PF_AUTO, repo, 0));
	assert_true(pf_ui_want_color(-1, PF_AUTO, repo, 1));
	assert_int_equal(git_config_set_string(gc, "color.ui", "false"), 0);
	assert_false(pf_ui_want_color(-1, PF_AUTO, repo, 1));
	git_config_free(gc);
	git_repository_free(repo);
	pf_remove_tree(dir);
	color_env(NULL, NULL, NULL);
}

/* ---- rendering -------------------------------------------------------- */

static void test_diff_exact(void **state)
{
	struct pf_buf b = PF_BUF_INIT;
	const char *pushed = "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\n";

	(void)state;
	pf_ui_render_diff(&b, "src/f.py", pushed, strlen(pushed), 4, 5, "X\n",
			  0, 80);
	assert_string_equal(b.buf, "--- a/src/f.py\n"
				   "+++ b/src/f.py\n"
				   "@@ -1,8 +1,7 @@\n"
				   " l1\n l2\n l3\n"
				   "-l4\n-l5\n"
				   "+X\n"
				   " l6\n l7\n l8\n");
	pf_buf_reset(&b);
	/* Inside the block only what differs is marked; first line. */
	pushed = "a\nb\nc\nd\ne\n";
	pf_ui_render_diff(&b, "f", pushed, strlen(pushed), 1, 5,
			  "a\nB\nc\nd\nE\n", 0, 80);
	assert_string_equal(b.buf, "--- a/f\n+++ b/f\n"
				   "@@ -1,5 +1,5 @@\n"
				   " a\n-b\n+B\n c\n d\n-e\n+E\n");
	pf_buf_reset(&b);
	/* Lines added (a nosemgrep comment above line 2). */
	pushed = "a\n  b\nc\n";
	pf_ui_render_diff(&b, "f", pushed, strlen(pushed), 2, 2,
			  "  # nosemgrep: r\n  b\n", 0, 80);
	assert_string_equal(b.buf, "--- a/f\n+++ b/f\n"
				   "@@ -1,3 +1,4 @@\n"
				   " a\n+  # nosemgrep: r\n   b\n c\n");
	pf_buf_reset(&b);
	/* The whole one-line file deleted: git's numbering. */
	pf_ui_render_diff(&b, "f", "x\n", 2, 1, 1, "", 0, 80);
	assert_string_equal(b.buf, "--- a/f\n+++ b/f\n@@ -1 +0,0 @@\n-x\n");
	pf_buf_reset(&b);
	/* Far apart changes in one block: two hunks. */
	pushed = "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\n12\n";
	pf_ui_render_diff(&b, "f", pushed, strlen(pushed), 1, 12,
			  "one\n2\n3\n4\n5\n6\n7\n8\n9\n10\n11\ntwelve\n", 0,
			  80);
	assert_string_equal(b.buf, "--- a/f\n+++ b/f\n"
				   "@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n 4\n"
				   "@@ -9,4 +9,4 @@\n 9\n 10\n 11\n-12\n"
				   "+twelve\n");
	pf_buf_reset(&b);
	/* No change. */
	pf_ui_render_diff(&b, "f", "x\n", 2, 1, 1, "x\n", 0, 80);
	assert_string_equal(b.buf, "  (the fix changes nothing)\n");
	pf_buf_reset(&b);
	/* CRLF pushed lines compare equal to LF fix lines. */
	pf_ui_render_diff(&b, "f", "a\r\nb\r\n", 6, 1, 2, "a\nB\n", 0, 80);
	assert_string_equal(b.buf, "--- a/f\n+++ b/f\n@@ -1,2 +1,2 @@\n"
				   " a\n-b\n+B\n");
	pf_buf_release(&b);
}

static void test_diff_80_columns_and_safety(void **state)
{
	struct pf_buf b = PF_BUF_INIT, pushed = PF_BUF_INIT,
		      fix = PF_BUF_INIT;
	const char *p;

	(void)state;
	pf_buf_addstr(&pushed, "short\n");
	pf_buf_addstr(&fix, "x = call(");
	for (int i = 0; i < 30; i++)
		pf_buf_addf(&fix, "argument_%d, ", i);
	pf_buf_addstr(&fix, ")\n");
	pf_ui_render_diff(&b, "f", pushed.buf, pushed.len, 1, 1, fix.buf, 1,
			  80);
	assert_fits(b.buf, 80);
	/* Cut lines end with '\' and go on with the same sign. */
	assert_true(count(b.buf, "\\" "\033[m\n\033[32m+") >= 3);
	/* Nothing of the long line is lost. */
	assert_non_null(strstr(b.buf, "argument_29, )"));
	assert_non_null(strstr(b.buf, "\033[31m-short\033[m\n"));
	pf_buf_reset(&b);

	/* Escape sequences and bidi overrides from the code are defused;
	 * tabs expand to 8 columns. */
	pf_ui_render_diff(&b, "f", "ok\n", 3, 1, 1,
			  "\x1b[2J\tx = '\xe2\x80\xae' # \x07\n", 0, 80);
	assert_null(strchr(b.buf, '\x1b'));
	assert_null(strchr(b.buf, '\x07'));
	assert_null(strstr(b.buf, "\xe2\x80\xae"));
	assert_non_null(strstr(b.buf, "+?[2J   x = '?' # ?\n"));
	pf_buf_reset(&b);

	/* Wide characters count two columns. */
	pf_buf_reset(&fix);
	for (int i = 0; i < 60; i++)
		pf_buf_addstr(&fix, "\xe6\xbc\xa2"); /* CJK: 2 columns */
	pf_buf_addch(&fix, '\n');
	pf_ui_render_diff(&b, "f", "x\n", 2, 1, 1, fix.buf, 0, 80);
	assert_fits(b.buf, 80);
	for (p = b.buf; (p = strstr(p, "\xe6\xbc")); p++)
		;
	/* A narrower terminal. */
	pf_buf_reset(&b);
	pf_ui_render_diff(&b, "f", pushed.buf, pushed.len, 1, 1, fix.buf, 0,
			  50);
	assert_fits(b.buf, 50);
	pf_buf_release(&b);
	pf_buf_release(&pushed);
	pf_buf_release(&fix);
}

static void finding_init(struct pf_finding *f, const char *rule,
			 const char *path, enum pf_severity sev,
			 uint32_t line, const char *lines)
{
	memset(f, 0, sizeof(*f));
	f->rule_id = pf_xstrdup(rule);
	f->path = pf_xstrdup(path);
	f->severity = sev;
	f->start.line = f->end.line = line;
	f->start.offset = f->end.offset = -1;
	f->lines = pf_xstrdup(lines);
	pf_finding_fingerprint(f);
}

static void set_fix(struct pf_finding *f, enum pf_fix_origin origin,
		    enum pf_fix_state st, uint32_t s, uint32_t e,
		    const char *repl, const char *note)
{
	f->fix.origin = origin;
	f->fix.state = st;
	f->fix.start_line = s;
	f->fix.end_line = e;
	f->fix.replacement = pf_xstrdup_or_null(repl);
	f->fix.note = pf_xstrdup_or_null(note);
}

static void set_triage(struct pf_finding *f, enum pf_verdict v, double c,
		       const char *reason, const char *error)
{
	f->triage.verdict = v;
	f->triage.confidence = c;
	f->triage.reason = pf_xstrdup_or_null(reason);
	f->triage.error = pf_xstrdup_or_null(error);
}

static void render(struct pf_buf *b, const struct pf_finding *f,
		   const char *pushed, int color, int show_unverified)
{
	struct pf_ui_render_opts o = { 0 };

	o.color = color;
	o.width = 80;
	o.index = 2;
	o.total = 5;
	o.show_unverified = show_unverified;
	pf_buf_reset(b);
	pf_ui_render_finding(b, f, pushed, pushed ? strlen(pushed) : 0, &o);
}

static void test_render_finding(void **state)
{
	const char *pushed = "import os\nx = eval(s)\nprint(x)\n";
	struct pf_buf b = PF_BUF_INIT;
	struct pf_finding f;

	(void)state;
	finding_init(&f, "python.lang.security.audit.eval-detected", "app.py",
		     PF_SEV_ERROR, 2, "x = eval(s)");
	f.message = pf_xstrdup("Detected the use of eval(). eval() can be "
			       "dangerous if used to evaluate dynamic content."
			       "\nIf this content can be input from outside the "
			       "program, this may be a code injection "
			       "vulnerability.\n");
	set_triage(&f, PF_VERDICT_TRUE_POSITIVE, 0.92,
		   "s comes from the request and reaches eval\nsecond line",
		   NULL);
	set_fix(&f, PF_FIX_LLM, PF_FIX_VERIFIED, 2, 2,
		"x = ast.literal_eval(s)\n", NULL);
	render(&b, &f, pushed, 0, 0);
	assert_string_equal(
		b.buf,
		"[2/5] ERROR python.lang.security.audit.eval-detected\n"
		"  app.py:2\n"
		"  Detected the use of eval(). eval() can be dangerous if used "
		"to evaluate\n"
		"  dynamic content. If this content can be input from outside "
		"the program, this\n"
		"  may be a code injection vulnerability.\n"
		"      2 | x = eval(s)\n"
		"  triage: true positive, confidence 0.92: s comes from the "
		"request and reaches\n"
		"    eval\n"
		"  fix (verified):\n"
		"--- a/app.py\n+++ b/app.py\n@@ -1,3 +1,3 @@\n"
		" import os\n-x = eval(s)\n+x = ast.literal_eval(s)\n"
		" print(x)\n");
	assert_fits(b.buf, 80);

	/* The same in colour: sequences, still 80 columns. */
	render(&b, &f, pushed, 1, 0);
	assert_non_null(strstr(b.buf, "\033[1;31mERROR\033[m"));
	assert_non_null(strstr(b.buf, "\033[31mtrue positive\033[m"));
	assert_non_null(strstr(b.buf, "\033[32mverified\033[m"));
	assert_non_null(strstr(b.buf, "\033[31m-x = eval(s)\033[m"));
	assert_non_null(strstr(b.buf, "\033[32m+x = ast.literal_eval(s)"));
	assert_non_null(strstr(b.buf, "\033[36m@@ -1,3 +1,3 @@\033[m"));
	assert_fits(b.buf, 80);

	/* Unverified: hidden unless show_unverified; then marked. */
	f.fix.state = PF_FIX_UNVERIFIED;
	free(f.fix.note);
	f.fix.note = pf_xstrdup("the re-scan still reports it");
	render(&b, &f, pushed, 0, 0);
	assert_has(b.buf, "  fix: hidden: the re-scan could not verify it "
			  "([llm] show_unverified = false)\n");
	assert_null(strstr(b.buf, "+++"));
	render(&b, &f, pushed, 0, 1);
	assert_non_null(strstr(b.buf, "  fix (unverified): the re-scan still "
				      "reports it\n--- a/app.py\n"));
	/* From the rule. */
	f.fix.origin = PF_FIX_RULE;
	f.fix.state = PF_FIX_UNCHECKED;
	render(&b, &f, pushed, 0, 0);
	assert_non_null(strstr(b.buf, "  fix (from the rule):\n--- a/app.py"));
	/* Refused. */
	f.fix.origin = PF_FIX_LLM;
	f.fix.state = PF_FIX_REFUSED;
	free(f.fix.note);
	f.fix.note = pf_xstrdup("holds an unknown placeholder");
	render(&b, &f, pushed, 0, 0);
	assert_non_null(strstr(b.buf, "  fix: refused: holds an unknown "
				      "placeholder\n"));
	assert_null(strstr(b.buf, "+++"));
	/* None. */
	f.fix.origin = PF_FIX_NONE;
	render(&b, &f, pushed, 0, 0);
	assert_non_null(strstr(b.buf, "  fix: none\n"));

	/* No verdict: why. */
	f.triage.verdict = PF_VERDICT_NONE;
	f.triage.error = pf_xstrdup("the LLM did not answer within 20 s");
	render(&b, &f, pushed, 0, 0);
	assert_non_null(strstr(b.buf, "  triage: none (the LLM did not answer "
				      "within 20 s)\n"));
	free(f.triage.error);
	f.triage.error = NULL;
	render(&b, &f, pushed, 0, 0);
	assert_non_null(strstr(b.buf, "  triage: none (not triaged)\n"));
	/* With no LLM configured the hook says it once; no line a finding,
	 * but a reason (an error) is still shown. */
	{
		struct pf_ui_render_opts o = { 0 };

		o.width = 80;
		o.no_llm = 1;
		pf_buf_reset(&b);
		pf_ui_render_finding(&b, &f, pushed, strlen(pushed), &o);
		assert_null(strstr(b.buf, "triage:"));
		assert_non_null(strstr(b.buf, "fix: none"));
		f.triage.error = pf_xstrdup("answer refused");
		pf_buf_reset(&b);
		pf_ui_render_finding(&b, &f, pushed, strlen(pushed), &o);
		assert_non_null(strstr(b.buf, "  triage: none (answer refused)"));
		free(f.triage.error);
		f.triage.error = NULL;
	}
	/* Other verdicts, cached, feedback. */
	f.triage.verdict = PF_VERDICT_FALSE_POSITIVE;
	f.triage.cached = 1;
	f.triage.feedback = -1;
	render(&b, &f, pushed, 0, 0);
	assert_non_null(strstr(b.buf, "  triage: false positive, confidence "
				      "0.92 (cached): s comes from"));
	assert_non_null(strstr(b.buf, "  your feedback: disagree\n"));
	pf_finding_release(&f);
	pf_buf_release(&b);
}

static void test_render_long_and_hostile(void **state)
{
	struct pf_buf b = PF_BUF_INIT, msg = PF_BUF_INIT, path = PF_BUF_INIT;
	struct pf_finding f;

	(void)state;
	for (int i = 0; i < 12; i++)
		pf_buf_addf(&path, "directory%d/", i);
	pf_buf_addstr(&path, "file.py");
	finding_init(&f, "", path.buf, PF_SEV_WARNING, 12345, "x");
	free(f.rule_id);
	f.rule_id = pf_xstrdup("a.very.long.rule.identifier.from.a.registry."
			       "that.does.not.fit.on.one.line.at.all.really");
	for (int i = 0; i < 40; i++)
		pf_buf_addstr(&msg, "word ");
	pf_buf_addstr(&msg, "unbreakable_identifier_that_is_longer_than_the_"
			    "terminal_is_wide_so_it_must_be_cut_somewhere_ok "
			    "\x1b]0;pwned\x07 end");
	f.message = pf_buf_detach(&msg, NULL);
	set_triage(&f, PF_VERDICT_UNCERTAIN, 0.5,
		   "\x1b[31mred\x1b[m reason that is long enough to wrap around "
		   "the edge of an eighty column terminal for sure",
		   NULL);
	f.end.line = 12346;
	/* The matched lines: escapes defused, long ones cut, at most 6. */
	free(f.lines);
	f.lines = pf_xstrdup("l1 \x1b]0;title\x07 and a very long line that "
			     "goes on and on past the edge of the terminal "
			     "for sure\nl2\nl3\nl4\nl5\nl6\nl7\nl8");
	render(&b, &f, NULL, 0, 0);
	assert_fits(b.buf, 80);
	assert_has(b.buf, "  12345 | l1 ?]0;title? and a very long line");
	assert_has(b.buf, "  12350 | l6\n        ...\n");
	assert_null(strstr(b.buf, "l7"));
	assert_null(strchr(b.buf, '\x1b'));
	assert_null(strchr(b.buf, '\x07'));
	assert_has(b.buf, "\n  ...");
	assert_non_null(strstr(b.buf, "file.py:12345-12346\n"));
	assert_non_null(strstr(b.buf, "..."));
	render(&b, &f, NULL, 1, 0);
	assert_fits(b.buf, 80);
	pf_finding_release(&f);
	pf_buf_release(&b);
	pf_buf_release(&path);
}

/* ---- policy: every combination ---------------------------------------- */

static void test_policy_all_combinations(void **state)
{
	static const enum pf_block blocks[] = { PF_BLOCK_NEVER,
						PF_BLOCK_TRUE_POSITIVE,
						PF_BLOCK_ERROR };
	struct pf_config cfg;
	struct pf_buf why = PF_BUF_INIT;
	unsigned n = 0;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	for (int bi = 0; bi < 3; bi++)
	for (int stop = 0; stop < 2; stop++)
	for (int applied = 0; applied < 2; applied++)
	for (int comments = 0; comments < 2; comments++)
	for (int tp = 0; tp < 2; tp++)
	for (int err = 0; err < 2; err++)
	for (int anyway = 0; anyway < 2; anyway++) {
		struct pf_ui_result r;
		enum pf_policy got, want;
		int open_blocking;

		memset(&r, 0, sizeof(r));
		cfg.policy.block = blocks[bi];
		cfg.policy.after_fix_stop = stop;
		r.applied = (unsigned)applied;
		r.comments = (unsigned)comments;
		r.open_true_positive = (unsigned)tp;
		r.open_error = (unsigned)err;
		r.open = (unsigned)(tp + err);
		r.push_anyway = anyway;
		/* The rule, stated independently. */
		open_blocking = (blocks[bi] == PF_BLOCK_TRUE_POSITIVE && tp) ||
				(blocks[bi] == PF_BLOCK_ERROR && err);
		if (stop && (applied || comments))
			want = PF_POLICY_STOP_FIXED;
		else if (open_blocking && !anyway)
			want = PF_POLICY_BLOCK;
		else
			want = PF_POLICY_PUSH;
		pf_buf_reset(&why);
		got = pf_policy_decide(&why, &r, &cfg);
		assert_int_equal(got, want);
		if (want == PF_POLICY_STOP_FIXED) {
			assert_non_null(strstr(why.buf, "applied to your "
							"working tree \xe2\x80"
							"\x94 review, commit "
							"and push again\n"));
		} else if (want == PF_POLICY_BLOCK) {
			assert_non_null(strstr(why.buf, "error: push stopped: "
							"1 open finding "));
			assert_non_null(strstr(why.buf, "hint: "));
			assert_non_null(strstr(why.buf, "--no-verify"));
		} else {
			assert_null(strstr(why.buf, "error:"));
		}
		/* NULL why is fine and decides the same. */
		assert_int_equal(pf_policy_decide(NULL, &r, &cfg), want);
		n++;
	}
	assert_int_equal(n, 3 * 64);

	/* The exact messages. */
	{
		struct pf_ui_result r;

		memset(&r, 0, sizeof(r));
		cfg.policy.block = PF_BLOCK_NEVER;
		cfg.policy.after_fix_stop = 1;
		r.applied = 2;
		pf_buf_reset(&why);
		assert_int_equal(pf_policy_decide(&why, &r, &cfg),
				 PF_POLICY_STOP_FIXED);
		assert_string_equal(why.buf,
				    "pushfix: 2 fixes applied to your working "
				    "tree \xe2\x80\x94 review, commit and push "
				    "again\n"
				    "hint: [policy] after_fix = continue "
				    "pushes without waiting for the fixes\n");
		r.applied = 1;
		r.comments = 1;
		pf_buf_reset(&why);
		pf_policy_decide(&why, &r, &cfg);
		assert_non_null(strstr(why.buf, "pushfix: 1 fix and 1 "
						"nosemgrep comment applied"));
		cfg.policy.after_fix_stop = 0;
		r.comments = 0;
		pf_buf_reset(&why);
		assert_int_equal(pf_policy_decide(&why, &r, &cfg),
				 PF_POLICY_PUSH);
		assert_string_equal(why.buf,
				    "pushfix: 1 fix applied to your working "
				    "tree; this push goes on without them "
				    "\xe2\x80\x94 commit and push again\n");
		memset(&r, 0, sizeof(r));
		cfg.policy.block = PF_BLOCK_ERROR;
		r.open = r.open_error = 3;
		pf_buf_reset(&why);
		assert_int_equal(pf_policy_decide(&why, &r, &cfg),
				 PF_POLICY_BLOCK);
		assert_string_equal(why.buf,
				    "error: push stopped: 3 open findings of "
				    "severity ERROR or higher ([policy] block "
				    "= error)\n"
				    "hint: fix or ignore them (key i), or skip "
				    "this check once with `git push "
				    "--no-verify`\n");
		memset(&r, 0, sizeof(r));
		pf_buf_reset(&why);
		assert_int_equal(pf_policy_decide(&why, &r, &cfg),
				 PF_POLICY_PUSH);
		assert_string_equal(why.buf, "");
	}
	pf_buf_release(&why);
}

/* ---- sessions --------------------------------------------------------- */

struct fx {
	char dir[64];
	struct pf_buf wt, state, tty;
	struct pf_run run;
	char *out;
	size_t out_len;
};

static int fx_setup(void **state)
{
	struct fx *x = pf_xcalloc(1, sizeof(*x));

	strcpy(x->dir, "/tmp/pf-ui-XXXXXX");
	assert_non_null(mkdtemp(x->dir));
	pf_buf_init(&x->wt);
	pf_buf_init(&x->state);
	pf_buf_init(&x->tty);
	pf_buf_addf(&x->wt, "%s/wt", x->dir);
	pf_buf_addf(&x->state, "%s/wt/.git/pushfix", x->dir);
	pf_buf_addf(&x->tty, "%s/answers", x->dir);
	assert_int_equal(pf_mkdir_p(x->wt.buf, 0755), 0);
	memset(&x->run, 0, sizeof(x->run));
	x->run.worktree = x->wt.buf;
	x->run.state_dir = x->state.buf;
	x->run.cfg.policy.after_fix_stop = 1;
	unsetenv("CI");
	unsetenv("NO_COLOR");
	unsetenv("CLICOLOR_FORCE");
	unsetenv("GIT_EDITOR");
	unsetenv("PUSHFIX_TTY");
	setenv("TERM", "xterm", 1);
	*state = x;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *x = *state;

	pf_findings_release(&x->run.findings);
	for (size_t i = 0; i < x->run.cs.nr; i++) {
		free(x->run.cs.files[i].path);
		free(x->run.cs.files[i].content);
	}
	free(x->run.cs.files);
	pf_remove_tree(x->dir);
	pf_buf_release(&x->wt);
	pf_buf_release(&x->state);
	pf_buf_release(&x->tty);
	free(x->out);
	free(x);
	return 0;
}

static void write_path(const char *path, const char *data)
{
	FILE *f;
	struct pf_buf dir = PF_BUF_INIT;

	pf_buf_addstr(&dir, path);
	*strrchr(dir.buf, '/') = '\0';
	pf_mkdir_p(dir.buf, 0755);
	f = fopen(path, "wb");
	assert_non_null(f);
	fwrite(data, 1, strlen(data), f);
	fclose(f);
	pf_buf_release(&dir);
}

/* The same content pushed and in the working tree. */
static void fx_file(struct fx *x, const char *path, const char *data)
{
	struct pf_changed_file *cf;
	struct pf_buf p = PF_BUF_INIT;

	PF_ALLOC_GROW(x->run.cs.files, x->run.cs.nr + 1, x->run.cs.alloc);
	cf = &x->run.cs.files[x->run.cs.nr++];
	memset(cf, 0, sizeof(*cf));
	cf->path = pf_xstrdup(path);
	cf->content = pf_xstrdup(data);
	cf->content_len = strlen(data);
	pf_buf_addf(&p, "%s/%s", x->wt.buf, path);
	write_path(p.buf, data);
	pf_buf_release(&p);
}

static char *fx_read(struct fx *x, const char *path)
{
	struct pf_buf p = PF_BUF_INIT, d = PF_BUF_INIT;

	pf_buf_addf(&p, "%s/%s", x->wt.buf, path);
	assert_int_equal(pf_buf_read_file(&d, p.buf, 0), 0);
	pf_buf_release(&p);
	return pf_buf_detach(&d, NULL);
}

static struct pf_finding *fx_finding(struct fx *x, const char *rule,
				     const char *path, enum pf_severity sev,
				     uint32_t line, const char *lines)
{
	struct pf_finding *f = pf_findings_push(&x->run.findings);

	finding_init(f, rule, path, sev, line, lines);
	return f;
}

/* Run a session with these answers; NULL: no terminal at all. */
static void fx_run(struct fx *x, struct pf_ui_result *r, const char *answers)
{
	struct pf_ui_opts o = PF_UI_OPTS_INIT;
	FILE *msg;

	o.now = NOW;
	if (answers) {
		write_path(x->tty.buf, answers);
		o.tty_path = x->tty.buf;
	} else {
		o.tty_path = "/nonexistent/tty";
	}
	free(x->out);
	x->out = NULL;
	msg = open_memstream(&x->out, &x->out_len);
	x->run.msg = msg;
	assert_int_equal(pf_ui_session(r, &x->run, &o), 0);
	fclose(msg);
	x->run.msg = NULL;
	assert_fits(x->out, 80);
}

#define EVAL_PY "import os\nx = eval(s)\nprint(x)\n"

static void eval_finding(struct fx *x)
{
	struct pf_finding *f;

	fx_file(x, "app.py", EVAL_PY);
	f = fx_finding(x, "r.eval", "app.py", PF_SEV_ERROR, 2, "x = eval(s)");
	set_fix(f, PF_FIX_LLM, PF_FIX_VERIFIED, 2, 2,
		"x = ast.literal_eval(s)\n", NULL);
}

static void test_session_yes(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	char *data;

	eval_finding(x);
	fx_run(x, &r, "y\n");
	data = fx_read(x, "app.py");
	assert_string_equal(data, "import os\nx = ast.literal_eval(s)\n"
				  "print(x)\n");
	free(data);
	assert_non_null(strstr(x->out, "\n[1/1] ERROR r.eval\n  app.py:2\n"));
	assert_non_null(strstr(x->out, "(1/1) Apply this fix "
				       "[y,n,a,d,i,e,p,q,?]? "));
	assert_non_null(strstr(x->out, "  applied the fix to app.py:2\n"));
	assert_non_null(strstr(x->out, "summary: 1 applied, 0 skipped, 0 "
				       "ignored; 0 still open\n"));
	assert_true(r.interactive);
	assert_int_equal(r.total, 1);
	assert_int_equal(r.applied, 1);
	assert_int_equal(r.open, 0);
	assert_int_equal(pf_policy_decide(NULL, &r, &x->run.cfg),
			 PF_POLICY_STOP_FIXED);
	/* No colour into a file, and nothing else in the tree. */
	assert_null(strchr(x->out, '\x1b'));
}

static void test_session_enter_skips(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	char *data;

	eval_finding(x);
	fx_run(x, &r, "\n");
	data = fx_read(x, "app.py");
	assert_string_equal(data, EVAL_PY);
	free(data);
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.applied, 0);
	assert_int_equal(r.open, 1);
	assert_int_equal(r.open_error, 1);
	assert_false(r.quit);
	assert_non_null(strstr(x->out, "summary: 0 applied, 1 skipped, 0 "
				       "ignored; 1 still open\n"));
	assert_int_equal(pf_policy_decide(NULL, &r, &x->run.cfg),
			 PF_POLICY_PUSH);
}

static void test_session_end_of_input(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_finding *f;

	eval_finding(x);
	f = fx_finding(x, "r.other", "app.py", PF_SEV_INFO, 3, "print(x)");
	(void)f;
	fx_run(x, &r, "");
	assert_true(r.quit);
	assert_int_equal(r.skipped, 2);
	assert_int_equal(r.open, 2);
	/* The second finding was never shown. */
	assert_null(strstr(x->out, "r.other"));
	assert_int_equal(count(x->out, "Apply this fix"), 1);
}

static void test_session_quit(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;

	eval_finding(x);
	fx_finding(x, "r.other", "app.py", PF_SEV_INFO, 3, "print(x)");
	fx_run(x, &r, "q\ny\ny\n");
	assert_true(r.quit);
	assert_int_equal(r.skipped, 2);
	assert_int_equal(r.applied, 0);
	assert_null(strstr(x->out, "r.other"));
}

/* x: the push stops, nothing after it is applied, one line says so
 * (with the fix applied before it). */
static void test_session_x_stops(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_buf why = PF_BUF_INIT;

	eval_finding(x);
	fx_finding(x, "r.other", "app.py", PF_SEV_INFO, 3, "print(x)");
	fx_run(x, &r, "x\ny\ny\n");
	assert_true(r.stopped);
	assert_false(r.quit);
	assert_int_equal(r.applied, 0);
	assert_int_equal(r.skipped, 2);
	assert_null(strstr(x->out, "r.other"));
	assert_null(strstr(x->out, "push anyway?"));
	assert_int_equal(pf_policy_decide(&why, &r, &x->run.cfg),
			 PF_POLICY_STOPPED);
	assert_string_equal(why.buf,
			    "pushfix: push stopped (you answered x)\n");
	/* With a fix applied before it: said, and still a stop. */
	pf_buf_reset(&why);
	r.applied = 1;
	x->run.cfg.policy.after_fix_stop = 0;
	assert_int_equal(pf_policy_decide(&why, &r, &x->run.cfg),
			 PF_POLICY_STOPPED);
	assert_string_equal(why.buf,
			    "pushfix: push stopped (you answered x); 1 fix "
			    "applied to your working tree\n");
	pf_buf_release(&why);
}

/* q: the push goes on, and the policy's words say so. */
static void test_session_q_says_push_goes_on(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_buf why = PF_BUF_INIT;

	eval_finding(x);
	fx_finding(x, "r.two", "app.py", PF_SEV_INFO, 3, "print(x)");
	fx_finding(x, "r.three", "app.py", PF_SEV_INFO, 1, "import os");
	fx_run(x, &r, "n\nq\n");
	assert_true(r.quit);
	assert_int_equal(r.unanswered, 2);
	x->run.cfg.policy.block = PF_BLOCK_NEVER;
	assert_int_equal(pf_policy_decide(&why, &r, &x->run.cfg),
			 PF_POLICY_PUSH);
	assert_string_equal(why.buf, "pushfix: quit: the push goes on with "
				     "2 findings unanswered\n");
	pf_buf_release(&why);
	/* ? lists both. */
	fx_run(x, &r, "?\nn\nn\nn\n");
	assert_has(x->out, "x - stop the push here, apply nothing more "
			    "(q lets it go on)\n");
}

static void test_session_d_lists_the_rest(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;

	eval_finding(x);
	fx_finding(x, "r.two", "app.py", PF_SEV_WARNING, 3, "print(x)");
	fx_finding(x, "r.three", "app.py", PF_SEV_INFO, 1, "import os");
	fx_run(x, &r, "d\ny\ny\n");
	assert_int_equal(count(x->out, "? "), 1); /* one prompt */
	assert_non_null(strstr(x->out, "[2/3] skipped WARNING r.two\n  app.py:3\n"));
	assert_has(x->out, "[3/3] skipped INFO r.three\n  app.py:1\n");
	assert_int_equal(r.skipped, 3);
	assert_false(r.quit);
}

static void test_session_order_by_severity(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	const char *a, *b, *c;

	fx_file(x, "app.py", EVAL_PY);
	fx_finding(x, "r.info", "app.py", PF_SEV_INFO, 1, "import os");
	fx_finding(x, "r.crit", "app.py", PF_SEV_CRITICAL, 3, "print(x)");
	fx_finding(x, "r.warn", "app.py", PF_SEV_WARNING, 2, "x = eval(s)");
	fx_run(x, &r, "n\nn\nn\n");
	a = strstr(x->out, "[1/3] CRITICAL r.crit");
	b = strstr(x->out, "[2/3] WARNING r.warn");
	c = strstr(x->out, "[3/3] INFO r.info");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(c);
	assert_true(a < b && b < c);
	/* Without a fix the prompt offers no y/a. */
	assert_non_null(strstr(x->out, "(1/3) No fix; next [n,d,i,e,p,q,?]? "));
	/* The list itself is not reordered. */
	assert_string_equal(x->run.findings.v[0].rule_id, "r.info");
}

static void test_session_a_applies_later_verified(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_finding *f;
	char *data;

	x->run.cfg.llm.show_unverified = 1;
	fx_file(x, "a.py", "one = eval(a)\ntwo = eval(b)\nthree = eval(c)\n");
	f = fx_finding(x, "r.1", "a.py", PF_SEV_ERROR, 1, "one = eval(a)");
	set_fix(f, PF_FIX_LLM, PF_FIX_VERIFIED, 1, 1, "one = safe(a)\n", NULL);
	f = fx_finding(x, "r.2", "a.py", PF_SEV_ERROR, 2, "two = eval(b)");
	set_fix(f, PF_FIX_LLM, PF_FIX_UNVERIFIED, 2, 2, "two = safe(b)\n",
		"still reported");
	f = fx_finding(x, "r.3", "a.py", PF_SEV_ERROR, 3, "three = eval(c)");
	set_fix(f, PF_FIX_LLM, PF_FIX_VERIFIED, 3, 3, "three = safe(c)\n",
		NULL);
	/* a applies 1 and 3 without asking; 2 (unverified) is asked. */
	fx_run(x, &r, "a\nn\n");
	data = fx_read(x, "a.py");
	assert_string_equal(data, "one = safe(a)\ntwo = eval(b)\n"
				  "three = safe(c)\n");
	free(data);
	assert_int_equal(count(x->out, "Apply this fix"), 2);
	assert_int_equal(r.applied, 2);
	assert_int_equal(r.skipped, 1);
}

/* Semgrep's recorded output for three 5-line matches in one file, each
 * with a rule fix that shortens it to one line: `a` applies all three,
 * each where the earlier ones moved it. */
static void test_session_three_rule_fixes(void **state)
{
	struct fx *x = *state;
	struct pf_buf root = PF_BUF_INIT, p = PF_BUF_INIT, json = PF_BUF_INIT,
		      target = PF_BUF_INIT, diag = PF_BUF_INIT,
		      want = PF_BUF_INIT;
	struct pf_ui_result r;
	const char *rel = "targets/autofix/three-autofixes.py";
	char *data;

	pf_buf_addstr(&root,
		      "tests/fixtures/semgrep-real/autofix-three-multiline");
	pf_buf_addf(&p, "%s/snapshots/test_autofix/test/three-autofixes.yaml-"
			"three-autofixes.py-json-not-dryrun/results.json",
		    root.buf);
	assert_int_equal(pf_buf_read_file(&json, p.buf, 0), 0);
	pf_buf_reset(&p);
	pf_buf_addf(&p, "%s/%s", root.buf, rel);
	assert_int_equal(pf_buf_read_file(&target, p.buf, 0), 0);
	fx_file(x, rel, target.buf);
	assert_int_equal(pf_semgrep_parse(&x->run.findings, &diag, NULL,
					  json.buf, json.len, "results.json"),
			 0);
	assert_int_equal(x->run.findings.nr, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(pf_finding_locate(&x->run.findings.v[i],
						   target.buf, target.len),
				 0);
		assert_non_null(x->run.findings.v[i].rule_fix);
		assert_int_equal(x->run.findings.v[i].fix.origin, PF_FIX_NONE);
	}
	fx_run(x, &r, "a\n");
	assert_int_equal(r.applied, 3);
	assert_int_equal(count(x->out, "(from the rule)"), 3);
	assert_int_equal(count(x->out, "Apply this fix"), 1);
	data = fx_read(x, rel);
	/* Semgrep's own -fixed snapshot is right for the first two and
	 * mangles the third (its offsets were not shifted: the bug that
	 * case records); ours is right for all three and keeps the file's
	 * missing final newline. */
	for (int i = 0; i < 3; i++)
		pf_buf_addf(&want, "%sdef _do_%s():\n    return requests.post("
				   "headers=auth_headers, url=self.url, "
				   "endpoints=\"endpoint\", _injected=True)%s",
			    i ? "\n\n\n" : "import requests\n\n",
			    i == 0 ? "stuff" : i == 1 ? "other_stuff"
						    : "other_stuff2",
			    "");
	assert_string_equal(data, want.buf);
	free(data);
	pf_buf_release(&root);
	pf_buf_release(&p);
	pf_buf_release(&json);
	pf_buf_release(&target);
	pf_buf_release(&diag);
	pf_buf_release(&want);
}

static void test_session_ignore(void **state)
{
	struct fx *x = *state;
	struct pf_decisions ds = PF_DECISIONS_INIT;
	struct pf_ui_result r;
	char *data;

	fx_file(x, "app.py", "x = eval(s)\ny = 1\n    x  = eval(s)\n");
	fx_finding(x, "r.eval", "app.py", PF_SEV_ERROR, 1, "x = eval(s)");
	/* The same code again, indented: the same fingerprint. */
	fx_finding(x, "r.eval", "app.py", PF_SEV_ERROR, 3, "    x  = eval(s)");
	fx_run(x, &r, "i\n");
	assert_int_equal(r.ignored, 2);
	assert_int_equal(r.open, 0);
	assert_non_null(strstr(x->out, "  ignored: it will not be shown again "
				       "(`pushfix ignored` lists it)\n"));
	assert_non_null(strstr(x->out, "[2/2] ignored, same code: ERROR"));
	assert_int_equal(pf_decisions_load(&ds, x->state.buf), 0);
	assert_int_equal(ds.nr, 1);
	assert_true(pf_decision_is_ignored(&ds,
					   x->run.findings.v[0].fingerprint));
	assert_string_equal(ds.v[0].date, "2024-06-01T12:00:00Z");
	pf_decisions_release(&ds);
	data = fx_read(x, "app.py");
	assert_string_equal(data, "x = eval(s)\ny = 1\n    x  = eval(s)\n");
	free(data);
	assert_int_equal(pf_policy_decide(NULL, &r, &x->run.cfg),
			 PF_POLICY_PUSH);

	/* The next push: the pipeline marks it, the session skips it. */
	assert_int_equal(pf_decision_mark_ignored(NULL, &x->run.findings,
						  x->state.buf),
			 0);
	fx_run(x, &r, "y\n");
	assert_int_equal(r.total, 0);
	assert_string_equal(x->out, "");
}

static void test_session_ignore_nosemgrep(void **state)
{
	struct fx *x = *state;
	struct pf_decisions ds = PF_DECISIONS_INIT;
	struct pf_ui_result r;
	char *data;

	x->run.cfg.ui.ignore_writes_nosemgrep = 1;
	fx_file(x, "app.py", "def f(s):\n    return eval(s)\n"
			     "def g(s):\n\treturn eval(s)\n");
	fx_finding(x, "r.eval", "app.py", PF_SEV_ERROR, 2, "    return eval(s)");
	/* The same code elsewhere: a comment of its own, its indentation. */
	fx_finding(x, "r.eval", "app.py", PF_SEV_ERROR, 4, "\treturn eval(s)");
	fx_file(x, "data.bin", "x\n");
	fx_finding(x, "r.bin", "data.bin", PF_SEV_ERROR, 1, "x");
	fx_run(x, &r, "i\ni\n");
	data = fx_read(x, "app.py");
	assert_string_equal(data, "def f(s):\n    # nosemgrep: r.eval\n"
				  "    return eval(s)\ndef g(s):\n"
				  "\t# nosemgrep: r.eval\n\treturn eval(s)\n");
	assert_has(x->out, "[2/3] ignored, same code: ERROR r.eval\n  app.py:4\n"
			   "  wrote a nosemgrep comment above app.py:5\n");
	free(data);
	assert_non_null(strstr(x->out, "wrote a nosemgrep comment above "
				       "app.py:2"));
	/* Unknown comment syntax: the decision store instead. */
	assert_has(x->out, "  no nosemgrep comment: no known comment syntax "
			   "for 'data.bin'; remembering the\n    decision "
			   "instead\n");
	data = fx_read(x, "data.bin");
	assert_string_equal(data, "x\n");
	free(data);
	assert_int_equal(r.ignored, 3);
	assert_int_equal(r.comments, 2);
	assert_int_equal(pf_decisions_load(&ds, x->state.buf), 0);
	assert_int_equal(ds.nr, 1);
	assert_string_equal(ds.v[0].rule_id, "r.bin");
	pf_decisions_release(&ds);
	/* A comment is a change to commit: after_fix = stop applies. */
	assert_int_equal(pf_policy_decide(NULL, &r, &x->run.cfg),
			 PF_POLICY_STOP_FIXED);
}

static void test_session_feedback(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_finding *f;

	eval_finding(x);
	f = &x->run.findings.v[0];
	set_triage(f, PF_VERDICT_TRUE_POSITIVE, 0.9, "reaches eval", NULL);
	fx_run(x, &r, "+\n-\nn\n");
	assert_int_equal(x->run.findings.v[0].triage.feedback, -1);
	assert_non_null(strstr(x->out, "  noted: you agree with the triage\n"));
	assert_non_null(strstr(x->out, "  noted: you disagree with the "
				       "triage\n"));
	assert_non_null(strstr(x->out, "[y,n,a,d,i,e,+,-,p,q,?]? "));
	assert_int_equal(count(x->out, "Apply this fix"), 3);
	assert_int_equal(r.skipped, 1);
	fx_run(x, &r, "+\nn\n");
	assert_int_equal(x->run.findings.v[0].triage.feedback, 1);

	/* Nothing to agree with. */
	f = &x->run.findings.v[0];
	f->triage.verdict = PF_VERDICT_NONE;
	f->triage.feedback = 0;
	fx_run(x, &r, "+\nn\n");
	assert_non_null(strstr(x->out, "there is no triage to agree or "
				       "disagree with"));
	assert_int_equal(f->triage.feedback, 0);
}

/* The verdict's request in the sent log gets the developer's feedback. */
static void test_session_feedback_logged(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_sentlog_entry e;
	struct pf_buf log = PF_BUF_INIT, want = PF_BUF_INIT;
	char old_id[17], id[17], other[17];

	eval_finding(x);
	fx_finding(x, "r.other", "app.py", PF_SEV_INFO, 3, "print(x)");
	set_triage(&x->run.findings.v[0], PF_VERDICT_TRUE_POSITIVE, 0.9,
		   "reaches eval", NULL);
	set_triage(&x->run.findings.v[1], PF_VERDICT_FALSE_POSITIVE, 0.8,
		   "constant", NULL);
	memset(&e, 0, sizeof(e));
	e.host = "127.0.0.1";
	e.provider = "openai";
	e.model = "m";
	e.request = "{}";
	e.request_len = 2;
	e.status = 200;
	/* An older request for the same finding, then the one that
	 * counts, and one for the other finding. */
	e.fingerprint = x->run.findings.v[0].fingerprint;
	assert_int_equal(pf_sentlog_append(x->state.buf, &e, 0, old_id), 0);
	assert_int_equal(pf_sentlog_append(x->state.buf, &e, 0, id), 0);
	e.fingerprint = x->run.findings.v[1].fingerprint;
	assert_int_equal(pf_sentlog_append(x->state.buf, &e, 0, other), 0);
	/* + then - on the first: the last answer counts; nothing on the
	 * second. */
	fx_run(x, &r, "+\n-\nn\nn\n");
	pf_sentlog_path(&want, x->state.buf);
	assert_int_equal(pf_buf_read_file(&log, want.buf, 0), 0);
	pf_buf_reset(&want);
	pf_buf_addf(&want, "\"type\":\"feedback\",\"id\":\"%s\"", id);
	assert_has(log.buf, want.buf);
	assert_has(log.buf, "\"feedback\":\"disagree\"");
	assert_int_equal(count(log.buf, "\"type\":\"feedback\""), 1);
	assert_null(strstr(log.buf, "\"feedback\":\"agree\""));
	pf_buf_release(&log);
	pf_buf_release(&want);
}

static void test_session_p_help_unknown(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;

	eval_finding(x);
	fx_run(x, &r, "p\n?\nzzz\nn\n");
	assert_int_equal(count(x->out, "[1/1] ERROR r.eval\n"), 2);
	assert_int_equal(count(x->out, "y - apply this fix\n"), 2);
	assert_non_null(strstr(x->out, "n - skip this finding (the default)\n"
				       "a - apply this fix and every later "
				       "verified fix (and fix from the rule)\n"
				       "d - skip this finding and every later "
				       "one\n"
				       "i - ignore this finding from now on\n"
				       "e - edit the fix in your editor, then "
				       "apply it\n"
				       "p - show this finding again\n"
				       "q - quit; skip the rest\n"
				       "? - print help\n"));
	assert_non_null(strstr(x->out, "  unknown answer 'zzz'\n"));
	assert_int_equal(r.skipped, 1);
}

static void test_session_refused(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_buf p = PF_BUF_INIT;
	char *data;

	eval_finding(x);
	/* Changed in the working tree after the commit. */
	pf_buf_addf(&p, "%s/app.py", x->wt.buf);
	write_path(p.buf, "import os\nx = eval(s) # todo\nprint(x)\n");
	fx_run(x, &r, "y\n");
	data = fx_read(x, "app.py");
	assert_string_equal(data, "import os\nx = eval(s) # todo\nprint(x)\n");
	free(data);
	assert_non_null(strstr(x->out, "  not applied: 'app.py' lines 2-2 "
				       "changed since the push\n"));
	assert_int_equal(r.refused, 1);
	assert_int_equal(r.applied, 0);
	assert_int_equal(r.open, 1);
	assert_has(x->out, "1 still open\n  (1 fix could not be applied)\n");
	assert_int_equal(pf_policy_decide(NULL, &r, &x->run.cfg),
			 PF_POLICY_PUSH);
	pf_buf_release(&p);
}

static void test_session_overlapping_fixes(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_finding *f;
	char *data;

	fx_file(x, "a.py", "a\nb\nc\nd\n");
	f = fx_finding(x, "r.1", "a.py", PF_SEV_ERROR, 2, "b");
	set_fix(f, PF_FIX_LLM, PF_FIX_VERIFIED, 2, 3, "BC\n", NULL);
	f = fx_finding(x, "r.2", "a.py", PF_SEV_ERROR, 3, "c");
	set_fix(f, PF_FIX_LLM, PF_FIX_VERIFIED, 3, 3, "C\n", NULL);
	f = fx_finding(x, "r.3", "a.py", PF_SEV_ERROR, 4, "d");
	set_fix(f, PF_FIX_LLM, PF_FIX_VERIFIED, 4, 4, "D\n", NULL);
	fx_run(x, &r, "y\ny\ny\n");
	data = fx_read(x, "a.py");
	assert_string_equal(data, "a\nBC\nD\n");
	free(data);
	assert_non_null(strstr(x->out, "not applied: 'a.py' lines 3-3 overlap "
				       "a change applied earlier in this "
				       "session"));
	assert_non_null(strstr(x->out, "applied the fix to a.py:3\n"));
	assert_int_equal(r.applied, 2);
	assert_int_equal(r.refused, 1);
}

/* Identical lines: only the session's own shift tells which one a later
 * fix meant. */
static void test_session_shift_identical_lines(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_finding *f;
	char *data;

	fx_file(x, "a.py", "e()\ne()\ne()\n");
	f = fx_finding(x, "r.1", "a.py", PF_SEV_ERROR, 1, "e()");
	set_fix(f, PF_FIX_LLM, PF_FIX_VERIFIED, 1, 1, "A()\nA2()\n", NULL);
	f = fx_finding(x, "r.2", "a.py", PF_SEV_ERROR, 3, "e()");
	set_fix(f, PF_FIX_LLM, PF_FIX_VERIFIED, 3, 3, "C()\n", NULL);
	fx_run(x, &r, "y\ny\n");
	data = fx_read(x, "a.py");
	assert_string_equal(data, "A()\nA2()\ne()\nC()\n");
	free(data);
	assert_has(x->out, "applied the fix to a.py:4\n");
	assert_int_equal(r.applied, 2);
}

static void write_script(struct fx *x, const char *name, const char *body,
			 struct pf_buf *path)
{
	pf_buf_reset(path);
	pf_buf_addf(path, "%s/%s", x->dir, name);
	write_path(path->buf, body);
	chmod(path->buf, 0755);
}

static void test_session_edit(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_buf ed = PF_BUF_INIT;
	char *data;

	eval_finding(x);
	/* The editor gets a .py file holding the fix, in the state dir. */
	write_script(x, "ed.sh",
		     "#!/bin/sh\n"
		     "case \"$1\" in */.git/pushfix/edit-*.py) ;; *) exit 9;; "
		     "esac\n"
		     "grep -q 'literal_eval' \"$1\" || exit 8\n"
		     "sed -i 's/ast.literal_eval/safe_eval/' \"$1\"\n",
		     &ed);
	setenv("GIT_EDITOR", ed.buf, 1);
	fx_run(x, &r, "e\n");
	data = fx_read(x, "app.py");
	assert_string_equal(data, "import os\nx = safe_eval(s)\nprint(x)\n");
	free(data);
	assert_non_null(strstr(x->out, "applied your edited fix to app.py:2"));
	assert_int_equal(r.applied, 1);
	/* The temporary file is gone. */
	{
		struct pf_buf cmd = PF_BUF_INIT;

		pf_buf_addf(&cmd, "ls %s | grep -q edit-", x->state.buf);
		assert_int_not_equal(system(cmd.buf), 0);
		pf_buf_release(&cmd);
	}
	unsetenv("GIT_EDITOR");
	pf_buf_release(&ed);
}

static void test_session_edit_empty_and_failing(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_buf ed = PF_BUF_INIT;
	char *data;

	eval_finding(x);
	write_script(x, "empty.sh", "#!/bin/sh\n: > \"$1\"\n", &ed);
	setenv("GIT_EDITOR", ed.buf, 1);
	fx_run(x, &r, "e\n");
	assert_non_null(strstr(x->out, "the edited fix is empty: skipped"));
	assert_int_equal(r.skipped, 1);
	assert_int_equal(r.applied, 0);

	/* A failing editor: nothing applied, asked again. */
	write_script(x, "fail.sh", "#!/bin/sh\necho x > \"$1\"\nexit 3\n",
		     &ed);
	setenv("GIT_EDITOR", ed.buf, 1);
	fx_run(x, &r, "e\nn\n");
	assert_non_null(strstr(x->out, "the editor exited with status 3; "
				       "nothing applied"));
	assert_int_equal(count(x->out, "Apply this fix"), 2);
	assert_int_equal(r.skipped, 1);
	/* An editor that does not exist. */
	setenv("GIT_EDITOR", "/nonexistent/editor --wait", 1);
	fx_run(x, &r, "e\nn\n");
	assert_non_null(strstr(x->out, "the editor failed: "));
	data = fx_read(x, "app.py");
	assert_string_equal(data, EVAL_PY);
	free(data);
	unsetenv("GIT_EDITOR");
	/* $EDITOR with arguments, no shell. */
	write_script(x, "args.sh",
		     "#!/bin/sh\n[ \"$1\" = '--flag' ] || exit 7\n"
		     "[ \"$2\" = 'two words' ] || exit 6\n"
		     "echo 'x = 0' > \"$3\"\n",
		     &ed);
	pf_buf_addstr(&ed, " --flag 'two words'");
	setenv("EDITOR", ed.buf, 1);
	fx_run(x, &r, "e\n");
	data = fx_read(x, "app.py");
	assert_string_equal(data, "import os\nx = 0\nprint(x)\n");
	free(data);
	unsetenv("EDITOR");
	pf_buf_release(&ed);
}

static void test_session_edit_without_fix(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	struct pf_buf ed = PF_BUF_INIT;
	char *data;

	fx_file(x, "app.py", EVAL_PY);
	fx_finding(x, "r.eval", "app.py", PF_SEV_ERROR, 2, "x = eval(s)");
	write_script(x, "ed.sh",
		     "#!/bin/sh\nsed -i 's/eval(s)/int(s)/' \"$1\"\n", &ed);
	setenv("GIT_EDITOR", ed.buf, 1);
	fx_run(x, &r, "y\ne\n");
	assert_non_null(strstr(x->out, "there is no fix to apply (e lets you "
				       "write one)"));
	data = fx_read(x, "app.py");
	assert_string_equal(data, "import os\nx = int(s)\nprint(x)\n");
	free(data);
	assert_int_equal(r.applied, 1);
	unsetenv("GIT_EDITOR");
	pf_buf_release(&ed);
}

static void test_session_not_interactive(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;
	char *data;

	eval_finding(x);
	/* No terminal. */
	fx_run(x, &r, NULL);
	assert_false(r.interactive);
	assert_non_null(strstr(x->out, "[1/1] ERROR r.eval\n"));
	assert_non_null(strstr(x->out, "+x = ast.literal_eval(s)\n"));
	assert_null(strstr(x->out, "Apply this fix"));
	assert_non_null(strstr(x->out, "summary: 1 finding still open (nothing "
				       "asked: no terminal)\n"));
	assert_int_equal(r.open, 1);
	assert_int_equal(r.skipped, 0);
	/* [ui] interactive = never: the answers are not read. */
	x->run.cfg.ui.interactive = PF_NEVER;
	fx_run(x, &r, "y\n");
	assert_non_null(strstr(x->out, "(nothing asked: [ui] interactive = "
				       "never)"));
	/* CI set. */
	x->run.cfg.ui.interactive = PF_AUTO;
	setenv("CI", "true", 1);
	fx_run(x, &r, "y\n");
	assert_non_null(strstr(x->out, "(nothing asked: CI is set)"));
	data = fx_read(x, "app.py");
	assert_string_equal(data, EVAL_PY);
	free(data);
	/* ... unless interactive = always. */
	x->run.cfg.ui.interactive = PF_ALWAYS;
	fx_run(x, &r, "y\n");
	assert_int_equal(r.applied, 1);
	unsetenv("CI");
	/* The policy alone decides; no question. */
	x->run.cfg.ui.interactive = PF_AUTO;
	x->run.cfg.policy.block = PF_BLOCK_ERROR;
	fx_run(x, &r, NULL);
	assert_null(strstr(x->out, "push anyway"));
	assert_int_equal(pf_policy_decide(NULL, &r, &x->run.cfg),
			 PF_POLICY_BLOCK);
}

static void test_session_push_anyway(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;

	eval_finding(x);
	x->run.cfg.policy.block = PF_BLOCK_ERROR;
	fx_run(x, &r, "n\ny\n");
	assert_has(x->out, "\n[policy] block = error: 1 open finding of "
			   "severity ERROR or higher\npush anyway? [y/N] y\n");
	assert_true(r.push_anyway);
	assert_int_equal(pf_policy_decide(NULL, &r, &x->run.cfg),
			 PF_POLICY_PUSH);
	fx_run(x, &r, "n\n\n");
	assert_false(r.push_anyway);
	assert_int_equal(pf_policy_decide(NULL, &r, &x->run.cfg),
			 PF_POLICY_BLOCK);
	/* End of input at that question: no. */
	fx_run(x, &r, "n\n");
	assert_false(r.push_anyway);
	/* true-positive: the finding is not triaged, so nothing to ask. */
	x->run.cfg.policy.block = PF_BLOCK_TRUE_POSITIVE;
	fx_run(x, &r, "n\n");
	assert_null(strstr(x->out, "push anyway"));
	/* Applied with after_fix = stop: the push stops anyway, no
	 * question either. */
	x->run.cfg.policy.block = PF_BLOCK_ERROR;
	fx_run(x, &r, "y\n");
	assert_null(strstr(x->out, "push anyway"));
}

static void test_session_forced_color(void **state)
{
	struct fx *x = *state;
	struct pf_ui_result r;

	eval_finding(x);
	setenv("CLICOLOR_FORCE", "1", 1);
	fx_run(x, &r, "n\n");
	assert_non_null(strstr(x->out, "\033[1;34m(1/1) Apply this fix"));
	assert_non_null(strstr(x->out, "\033[31m-x = eval(s)\033[m"));
	setenv("NO_COLOR", "1", 1);
	fx_run(x, &r, "n\n");
	assert_null(strchr(x->out, '\x1b'));
	unsetenv("NO_COLOR");
	unsetenv("CLICOLOR_FORCE");
}

static void test_ui_run_exit_status(void **state)
{
	struct fx *x = *state;
	FILE *msg;
	char *buf = NULL;
	size_t len = 0;
	struct pf_ui_opts o = PF_UI_OPTS_INIT;

	eval_finding(x);
	write_path(x->tty.buf, "y\n");
	o.tty_path = x->tty.buf;
	msg = open_memstream(&buf, &len);
	x->run.msg = msg;
	assert_int_equal(pf_ui_run(&x->run, &o), 1);
	fclose(msg);
	x->run.msg = NULL;
	assert_non_null(strstr(buf, "pushfix: 1 fix applied to your working "
				    "tree \xe2\x80\x94 review, commit and "
				    "push again\n"));
	free(buf);
}

#define FX(t) cmocka_unit_test_setup_teardown(t, fx_setup, fx_teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_key),
		cmocka_unit_test(test_want_color),
		cmocka_unit_test(test_diff_exact),
		cmocka_unit_test(test_diff_80_columns_and_safety),
		cmocka_unit_test(test_render_finding),
		cmocka_unit_test(test_render_long_and_hostile),
		cmocka_unit_test(test_policy_all_combinations),
		FX(test_session_yes),
		FX(test_session_enter_skips),
		FX(test_session_end_of_input),
		FX(test_session_quit),
		FX(test_session_x_stops),
		FX(test_session_q_says_push_goes_on),
		FX(test_session_d_lists_the_rest),
		FX(test_session_order_by_severity),
		FX(test_session_a_applies_later_verified),
		FX(test_session_three_rule_fixes),
		FX(test_session_ignore),
		FX(test_session_ignore_nosemgrep),
		FX(test_session_feedback),
		FX(test_session_feedback_logged),
		FX(test_session_p_help_unknown),
		FX(test_session_refused),
		FX(test_session_overlapping_fixes),
		FX(test_session_shift_identical_lines),
		FX(test_session_edit),
		FX(test_session_edit_empty_and_failing),
		FX(test_session_edit_without_fix),
		FX(test_session_not_interactive),
		FX(test_session_push_anyway),
		FX(test_session_forced_color),
		FX(test_ui_run_exit_status),
	};
	int ret;

	git_libgit2_init();
	ret = cmocka_run_group_tests(tests, NULL, NULL);
	git_libgit2_shutdown();
	return ret;
}
