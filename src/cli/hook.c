/*
 * The commands that run the pipeline: `pushfix hook pre-push`, `pushfix
 * scan` and `pushfix changes`.  Only these print; the stages return codes
 * and messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pushfix/cmd.h"
#include "pushfix/err.h"
#include "pushfix/mirror.h"
#include "pushfix/pipeline.h"
#include "pushfix/report.h"
#include "pushfix/triage.h"
#include "pushfix/ui.h"
#include "pushfix/util.h"

#define PUSHFIX_VERSION "0.1.0"
#define STDIN_CAP (16u << 20)

/* Colour: config > NO_COLOR > CLICOLOR_FORCE > auto (a terminal, TERM
 * not dumb). */
static int want_color(const struct pf_config *cfg, int fd)
{
	const char *term = getenv("TERM");

	if (cfg->ui.color == PF_ALWAYS)
		return 1;
	if (cfg->ui.color == PF_NEVER)
		return 0;
	if (getenv("NO_COLOR") && *getenv("NO_COLOR"))
		return 0;
	if (getenv("CLICOLOR_FORCE") && strcmp(getenv("CLICOLOR_FORCE"), "0"))
		return 1;
	return isatty(fd) && term && strcmp(term, "dumb");
}

static void print_skipped(const struct pf_run *run)
{
	for (size_t i = 0; i < run->cs.skipped_nr; i++)
		fprintf(run->msg, "pushfix: skipped %s (%s)\n",
			run->cs.skipped[i].path, run->cs.skipped[i].reason);
}

/* The scanner's notes in verbose mode; its "warning:" lines (findings
 * that came with a failed run, a temp dir that could not be removed)
 * always: a partial scan must not pass for a whole one. */
static void print_diag(const struct pf_run *run)
{
	const char *s = run->scan.diag.buf;

	if (run->verbose) {
		fputs(s, run->msg);
		return;
	}
	while (*s) {
		const char *e = strchr(s, '\n');
		size_t n = e ? (size_t)(e - s) + 1 : strlen(s);

		if (pf_starts_with(s, "warning: "))
			fprintf(run->msg, "pushfix: %.*s", (int)n, s);
		s += n;
	}
}

/* A message on one line: a scanner's or libgit2's text may hold
 * newlines or other control bytes. */
static void put_one_line(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\r' || c == '\t')
			fputc(' ', f);
		else if (c >= 0x20 && c != 0x7f)
			fputc(c, f);
	}
}

/*
 * An internal fault: one line, and the push goes on unless the user's
 * policy says fail closed.
 */
static int hook_fault(struct pf_run *run, int loaded)
{
	int block = loaded && run->cfg.policy.on_error_block;

	fputs("pushfix: ", stderr);
	put_one_line(stderr, pf_error_last());
	fprintf(stderr, "; %s\n",
		block ? "push stopped ([policy] on_error = block)"
		      : "the push goes on unchecked");
	return block ? 1 : 0;
}

static int skip_requested(void)
{
	const char *v = getenv("PUSHFIX_SKIP");

	/* The same words as hooks/pre-push. */
	return v && *v && strcmp(v, "0") && strcasecmp(v, "false") &&
	       strcasecmp(v, "no") && strcasecmp(v, "off");
}

static int run_hook(int argc, const char **argv, const struct pf_buf *in)
{
	struct pf_run run;
	double t0 = pf_now_ms();
	int ret, status = 0, loaded = 0;

	ret = pf_run_open(&run, NULL);
	if (ret)
		goto fault;
	loaded = 1;
	if (argc > 2)
		run.remote_name = pf_xstrdup(argv[2]);
	if (argc > 3)
		run.remote_url = pf_xstrdup(argv[3]);
	ret = pf_run_changes_push(&run, in->buf, in->len);
	if (run.verbose) {
		for (size_t i = 0; i < run.push.nr; i++)
			fprintf(stderr, "pushfix: %s -> %s: %s\n",
				run.push.v[i].local_ref,
				run.push.v[i].remote_ref,
				run.push.v[i].note ? run.push.v[i].note
						   : pf_push_kind_name(
							     run.push.v[i].kind));
		print_skipped(&run);
	}
	if (ret)
		goto fault;
	if (!run.cs.nr) {
		if (run.verbose)
			fprintf(stderr, "pushfix: nothing to scan\n");
		goto done;
	}
	/* For the test of the crash guard below. */
	if (getenv("PUSHFIX_TEST_CRASH"))
		abort();
	ret = pf_run_scan(&run);
	if (ret)
		goto fault;
	print_diag(&run);

	if (!run.findings.nr) {
		fprintf(stderr,
			"pushfix: no findings on the pushed lines (%s, %zu "
			"file%s, %.0f ms)\n",
			run.scan.engine, run.cs.nr, run.cs.nr == 1 ? "" : "s",
			pf_now_ms() - t0);
		goto done;
	}
	fprintf(stderr, "pushfix: %zu finding%s on the pushed lines (%s)\n",
		run.findings.nr, run.findings.nr == 1 ? "" : "s",
		run.scan.engine);
	/* Triage is best effort: a dead LLM leaves findings untriaged. */
	if (pf_triage_run(&run, 1, NULL))
		fprintf(stderr, "pushfix: LLM triage skipped: %s\n",
			pf_error_last());
	status = pf_ui_run(&run, NULL);
	if (status == 0 && run.cfg.mirror.enabled &&
	    (pf_mirror_enqueue(&run) || pf_mirror_spawn_worker(&run)))
		fprintf(stderr, "pushfix: mirror: %s; run `pushfix mirror` "
				"later\n",
			pf_error_last());
done:
	pf_run_release(&run);
	return status;
fault:
	status = hook_fault(&run, loaded);
	goto done;
}

/*
 * [policy] on_error after the child died: the config alone, quietly (the
 * child printed its warnings already; one line is all we add).
 */
static int policy_blocks_on_error(void)
{
	struct pf_config cfg;
	git_repository *repo = NULL;
	char *wt = NULL, *gd = NULL;
	int block = 0;

	pf_config_init(&cfg);
	if (!git_repository_open_ext(&repo, ".", 0, NULL)) {
		const char *w = git_repository_workdir(repo);
		size_t n;

		wt = w ? pf_xstrdup(w) : NULL;
		gd = pf_xstrdup(git_repository_commondir(repo));
		if (wt && (n = strlen(wt)) > 1 && wt[n - 1] == '/')
			wt[n - 1] = '\0';
		if ((n = strlen(gd)) > 1 && gd[n - 1] == '/')
			gd[n - 1] = '\0';
		if (!pf_config_load(&cfg, wt, gd, NULL))
			block = cfg.policy.on_error_block;
	}
	git_error_clear();
	git_repository_free(repo);
	free(wt);
	free(gd);
	pf_config_release(&cfg);
	return block;
}

/*
 * A bug in pushfix must not stop a push: the pipeline runs in a child, and
 * a child that dies (a signal, an abort, an unexpected exit status) is
 * reported in one line while the push goes on, unless the user's policy
 * says fail closed.
 */
static int run_guarded(int argc, const char **argv, const struct pf_buf *in)
{
	int wstatus = 0, block = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return run_hook(argc, argv, in);
	if (!pid)
		exit(run_hook(argc, argv, in));
	while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) <= 1)
		return WEXITSTATUS(wstatus);
	block = policy_blocks_on_error();
	if (WIFSIGNALED(wstatus))
		fprintf(stderr, "pushfix: internal error (signal %d); %s; "
				"please report it\n",
			WTERMSIG(wstatus),
			block ? "push stopped ([policy] on_error = block)"
			      : "the push goes on unchecked");
	else
		fprintf(stderr, "pushfix: internal error (exit %d); %s\n",
			WEXITSTATUS(wstatus),
			block ? "push stopped ([policy] on_error = block)"
			      : "the push goes on unchecked");
	return block ? 1 : 0;
}

static int is_zero_hex(const char *s, size_t n)
{
	if (n != 40 && n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] != '0')
			return 0;
	return 1;
}

static int is_hex_oid(const char *s, size_t n)
{
	if (n != 40 && n != 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') ||
		      (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/*
 * A push with nothing to scan for certain, decided from git's input
 * alone: no input, or only deletions ("<ref> 000..0 <ref> <oid>").  Then
 * nothing else is needed: no repository, no configuration, no child.
 * Anything else (blank or malformed lines too) takes the full path,
 * which gives the exact messages.  PUSHFIX_CORE_VERBOSE asks for the
 * notes the full path prints.
 */
static int nothing_to_scan(const struct pf_buf *in)
{
	const char *s = in->buf, *end = in->buf + in->len;
	const char *v = getenv("PUSHFIX_CORE_VERBOSE");

	if (v && *v && strcmp(v, "0") && strcasecmp(v, "false") &&
	    strcasecmp(v, "no") && strcasecmp(v, "off"))
		return 0;
	while (s < end) {
		const char *e = memchr(s, '\n', (size_t)(end - s));
		const char *f[4];
		size_t len[4], nf = 0;
		const char *p = s;

		if (!e)
			e = end;
		while (p < e && nf < 4) {
			const char *sp = memchr(p, ' ', (size_t)(e - p));
			const char *fe = sp ? sp : e;

			f[nf] = p;
			len[nf++] = (size_t)(fe - p);
			p = sp ? sp + 1 : e;
		}
		if (nf != 4 || p != e || !len[0] || !len[2] ||
		    !is_zero_hex(f[1], len[1]) || !is_hex_oid(f[3], len[3]))
			return 0;
		s = e + 1;
	}
	return 1;
}

int cmd_hook(int argc, const char **argv)
{
	struct pf_buf in = PF_BUF_INIT;
	int ret;

	if (skip_requested())
		return 0;
	if (argc < 2 || strcmp(argv[1], "pre-push")) {
		fprintf(stderr, "pushfix: usage: pushfix hook pre-push <remote> "
				"<url> (run by hooks/pre-push); the push goes "
				"on\n");
		return 0;
	}
	/* All of git's ref list first: the terminal is for questions. */
	if (pf_buf_read_fd(&in, 0, STDIN_CAP)) {
		fprintf(stderr, "pushfix: cannot read the ref list from git: "
				"%s; the push goes on unchecked\n",
			pf_error_last());
		pf_buf_release(&in);
		return 0;
	}
	if (nothing_to_scan(&in)) {
		pf_buf_release(&in);
		return 0;
	}
	/* main() initialises libgit2 for every command; only this path needs
	 * it (its init reads every CA certificate), so it holds its own
	 * reference: main may then skip the hook's. */
	pf_git_init();
	/* PUSHFIX_NO_GUARD: run in-process, for debuggers and benchmarks. */
	if (getenv("PUSHFIX_NO_GUARD"))
		ret = run_hook(argc, argv, &in);
	else
		ret = run_guarded(argc, argv, &in);
	git_libgit2_shutdown();
	pf_buf_release(&in);
	return ret;
}

static void scan_usage(FILE *f)
{
	fprintf(f, "usage: pushfix scan [<range> | --staged | --all [<rev>]] "
		   "[--format text|json|sarif]\n"
		   "                    [--filter added|context|file|all] "
		   "[--no-triage] [--no-cache] [--exit-code] [-v]\n"
		   "  <range>     A..B, A...B or one commit; default: what a "
		   "push of HEAD would send\n");
}

int cmd_scan(int argc, const char **argv)
{
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	struct pf_report_opts ro = { 0 };
	enum pf_format fmt = PF_FORMAT_TEXT;
	const char *range = NULL, *filter = NULL;
	int staged = 0, all = 0, exit_code = 0, verbose = 0, ret;
	int no_triage = 0, no_cache = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--staged") || !strcmp(a, "--cached")) {
			staged = 1;
		} else if (!strcmp(a, "--all")) {
			all = 1;
		} else if ((!strcmp(a, "--format") || !strcmp(a, "--filter")) &&
			   i + 1 >= argc) {
			fprintf(stderr, "error: option '%s' needs a value\n", a);
			scan_usage(stderr);
			return 2;
		} else if (!strcmp(a, "--format")) {
			if (pf_format_parse(&fmt, argv[++i])) {
				fprintf(stderr, "error: %s\n", pf_error_last());
				return 2;
			}
		} else if (pf_starts_with(a, "--format=")) {
			if (pf_format_parse(&fmt, a + 9)) {
				fprintf(stderr, "error: %s\n", pf_error_last());
				return 2;
			}
		} else if (!strcmp(a, "--filter")) {
			filter = argv[++i];
		} else if (pf_starts_with(a, "--filter=")) {
			filter = a + 9;
		} else if (!strcmp(a, "--no-triage")) {
			no_triage = 1;
		} else if (!strcmp(a, "--no-cache")) {
			no_cache = 1;
		} else if (!strcmp(a, "--exit-code")) {
			exit_code = 1;
		} else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
			verbose = 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			scan_usage(stdout);
			return 0;
		} else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "error: unknown option '%s'\n", a);
			scan_usage(stderr);
			return 2;
		} else if (!range) {
			range = a;
		} else {
			fprintf(stderr, "error: too many arguments\n");
			scan_usage(stderr);
			return 2;
		}
	}
	if (staged + all + !!(range && !all) > 1) {
		fprintf(stderr, "error: give one of <range>, --staged, --all\n");
		return 2;
	}
	ret = pf_run_open(&run, NULL);
	if (ret)
		goto fail;
	if (verbose)
		run.verbose = 1;
	run.no_cache = no_cache;
	if (filter && (ret = pf_config_set(&run.cfg, "scan", "filter", filter,
					   "--filter")))
		goto fail;
	if (staged)
		ret = pf_run_changes_staged(&run);
	else if (all)
		ret = pf_run_changes_all(&run, range);
	else
		ret = pf_run_changes_range(&run, range);
	if (ret)
		goto fail;
	if (run.verbose)
		print_skipped(&run);
	ret = pf_run_scan(&run);
	if (ret)
		goto fail;
	print_diag(&run);
	/* Same as the hook: an LLM fault leaves findings untriaged. */
	if (!no_triage && run.findings.nr && pf_triage_run(&run, 1, NULL))
		fprintf(stderr, "warning: LLM triage skipped: %s\n",
			pf_error_last());
	ro.color = fmt == PF_FORMAT_TEXT && want_color(&run.cfg, 1);
	ro.verbose = run.verbose;
	ro.engine = run.scan.engine;
	if (fmt == PF_FORMAT_JSON)
		pf_report_json(&out, &run.findings, &ro);
	else if (fmt == PF_FORMAT_SARIF)
		pf_report_sarif(&out, &run.findings, &ro);
	else if (run.findings.nr)
		pf_report_text(&out, &run.findings, &ro);
	else
		pf_buf_addf(&out, "no findings (%s, %zu file%s scanned)\n",
			    run.scan.engine[0] ? run.scan.engine : "none",
			    run.cs.nr, run.cs.nr == 1 ? "" : "s");
	fwrite(out.buf, 1, out.len, stdout);
	pf_buf_release(&out);
	ret = exit_code && run.findings.nr ? 1 : 0;
	pf_run_release(&run);
	return ret;
fail:
	fprintf(stderr, "error: %s\n", pf_error_last());
	pf_buf_release(&out);
	pf_run_release(&run);
	return 2;
}

int cmd_changes(int argc, const char **argv)
{
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	const char *range = NULL;
	int staged = 0, verbose = 0, ret;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--staged"))
			staged = 1;
		else if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose"))
			verbose = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: pushfix changes [<range> | --staged] "
			       "[-v]\n");
			return 0;
		} else if (argv[i][0] == '-') {
			fprintf(stderr, "error: unknown option '%s'\n",
				argv[i]);
			return 2;
		} else if (range) {
			fprintf(stderr, "error: too many arguments\n");
			return 2;
		} else
			range = argv[i];
	}
	if (staged && range) {
		fprintf(stderr, "error: give one of <range>, --staged\n");
		return 2;
	}
	ret = pf_run_open(&run, NULL);
	if (!ret)
		ret = staged ? pf_run_changes_staged(&run)
			     : pf_run_changes_range(&run, range);
	if (ret) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		pf_run_release(&run);
		return 2;
	}
	pf_changeset_format(&run.cs, &out);
	fwrite(out.buf, 1, out.len, stdout);
	if (verbose || run.verbose)
		print_skipped(&run);
	pf_buf_release(&out);
	pf_run_release(&run);
	return 0;
}

int cmd_version(int argc, const char **argv)
{
	(void)argc;
	(void)argv;
	printf("pushfix %s (libgit2 %d.%d.%d)\n", PUSHFIX_VERSION,
	       LIBGIT2_VER_MAJOR, LIBGIT2_VER_MINOR, LIBGIT2_VER_REVISION);
	return 0;
}

int cmd_config(int argc, const char **argv)
{
	struct pf_run run;
	struct pf_buf out = PF_BUF_INIT;
	int ret;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		printf("usage: pushfix config\n"
		       "  print the effective configuration (every layer "
		       "applied) as INI\n");
		return 0;
	}
	ret = pf_run_open(&run, NULL);
	if (ret == PF_ENOTFOUND) {
		/* Outside a repository: the user's file and environment. */
		struct pf_buf warn = PF_BUF_INIT;

		pf_config_release(&run.cfg);
		pf_config_init(&run.cfg);
		ret = pf_config_load(&run.cfg, NULL, NULL, &warn);
		fputs(warn.buf, stderr);
		pf_buf_release(&warn);
	}
	if (ret) {
		fprintf(stderr, "error: %s\n", pf_error_last());
		pf_run_release(&run);
		return 2;
	}
	pf_config_dump(&run.cfg, &out);
	fwrite(out.buf, 1, out.len, stdout);
	pf_buf_release(&out);
	pf_run_release(&run);
	return 0;
}
