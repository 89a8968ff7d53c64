/*
 * `pushfix hook pre-push <remote> <url>`, what git's pre-push hook runs:
 * the whole pipeline on what the push adds, and the push's fate in the
 * exit status.  A fault in pushfix never stops a push unless the user's
 * policy says fail closed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "cmd.h"
#include "pushfix/err.h"
#include "pushfix/mirror.h"
#include "pushfix/pipeline.h"
#include "pushfix/triage.h"
#include "pushfix/ui.h"
#include "pushfix/util.h"

#define STDIN_CAP (16u << 20)

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
	/* Even when a config file cannot be read, run.cfg holds every other
	 * layer (or the defaults): its on_error decides. */
	loaded = 1;
	if (ret)
		goto fault;
	if (argc > 1)
		run.remote_name = pf_xstrdup(argv[1]);
	if (argc > 2)
		run.remote_url = pf_xstrdup(argv[2]);
	ret = pf_run_changes_push(&run, in->buf, in->len);
	if (run.verbose) {
		for (size_t i = 0; i < run.push.nr; i++)
			fprintf(stderr, "pushfix: %s -> %s: %s\n",
				run.push.v[i].local_ref,
				run.push.v[i].remote_ref,
				run.push.v[i].note
					? run.push.v[i].note
					: pf_push_kind_name(
						  run.push.v[i].kind));
		cli_print_skipped(&run);
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
	cli_print_diag(&run);

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
		fprintf(stderr,
			"pushfix: mirror: %s; run `pushfix mirror` "
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
	struct pf_run run;
	int block = 0;

	/* A layer that cannot be read leaves the others applied. */
	if (!pf_run_open_repo(&run, NULL)) {
		pf_config_load(&run.cfg, run.worktree, run.gitdir, NULL);
		block = run.cfg.policy.on_error_block;
	}
	git_error_clear();
	pf_run_release(&run);
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
		fprintf(stderr,
			"pushfix: internal error (signal %d); %s; "
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

static const struct cli_command hook_cmd = {
	.name = "hook",
	.synopsis = "pre-push <remote> <url>",
	.about = "Run by hooks/pre-push, with git's ref list on stdin: scans "
		 "what the\npush adds; exit status 1 stops the push.\n",
	.max_args = -1,
	.flags = CLI_STOP_AT_ARG,
};

int cmd_hook(int argc, const char **argv)
{
	struct pf_buf in = PF_BUF_INIT;
	int ret, n;

	n = cli_parse(&hook_cmd, argc, argv);
	if (n == CLI_HELP)
		return 0;
	if (skip_requested()) {
		/* As hooks/pre-push says it, for hooks that call us directly.
		 */
		fprintf(stderr, "pushfix: skipped (PUSHFIX_SKIP=%s)\n",
			getenv("PUSHFIX_SKIP"));
		return 0;
	}
	if (n < 1 || strcmp(argv[0], "pre-push")) {
		fprintf(stderr,
			"pushfix: usage: pushfix hook pre-push <remote> "
			"<url> (run by hooks/pre-push); the push goes "
			"on\n");
		return 0;
	}
	/* All of git's ref list first: the terminal is for questions. */
	if (pf_buf_read_fd(&in, 0, STDIN_CAP)) {
		fprintf(stderr,
			"pushfix: cannot read the ref list from git: "
			"%s; the push goes on unchecked\n",
			pf_error_last());
		pf_buf_release(&in);
		return 0;
	}
	if (nothing_to_scan(&in)) {
		pf_buf_release(&in);
		return 0;
	}
	/* main() leaves libgit2 to the hook (see NEED_LIBGIT2): only this
	 * path needs it, and its init reads every CA certificate. */
	pf_git_init();
	/* PUSHFIX_NO_GUARD: run in-process, for debuggers and benchmarks. */
	if (getenv("PUSHFIX_NO_GUARD"))
		ret = run_hook(n, argv, &in);
	else
		ret = run_guarded(n, argv, &in);
	git_libgit2_shutdown();
	pf_buf_release(&in);
	return ret;
}
